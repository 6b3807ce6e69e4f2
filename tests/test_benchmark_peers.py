"""The fidelity benchmark reads a peer's rows as our layout reads them."""
import pandas as pd

from benchmarks.fidelity import as_labels


def test_a_class_coded_as_numbers_comes_back_as_its_label():
    cells = pd.Series(["2.0", "1", "1.0", None, "yes"], dtype=object)
    labels = as_labels(cells, ("1", "2"))
    assert labels.iloc[:3].tolist() == ["2", "1", "1"]
    assert labels.iloc[4] == "yes"          # text that is no class stays as it is (an unseen label)
    assert labels.iloc[3] not in ("1", "2")  # a blank is no class


def test_a_number_that_is_no_class_stays_unseen():
    assert as_labels(pd.Series(["3.0", "0.5"]), ("1", "2")).tolist() == ["3.0", "0.5"]

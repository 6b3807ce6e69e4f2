"""Groups proposed from the data alone recover groups of columns driven by hidden factors."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from core.columns import prepare_table
from core.errors import InputError
from core.grouping import association, propose_groups
from core.semantics import SemanticMatrix
from tests.conftest import cli as run
from tests.conftest import factor_table


def hidden_factor_table(n_rows: int, seed: int) -> tuple[pd.DataFrame, dict[str, int]]:
    """Five hidden factors, each driving its own 3-6 columns of mixed types (numbers, skewed
    numbers, integer codes, labels, flags), plus two columns of pure noise."""
    rng = np.random.default_rng(seed)
    columns, truth = {}, {}
    for g in range(5):
        factor = rng.normal(size=n_rows)
        for j in range(3 + g % 4):
            signal = factor + 0.6 * rng.normal(size=n_rows)
            name = f"f{g}_{j}"
            kind = (g + j) % 5
            if kind == 0:
                columns[name] = np.round(signal * 10 + 50, 1)
            elif kind == 1:
                columns[name] = np.round(np.exp(signal), 3)                     # skewed
            elif kind == 2:
                columns[name] = np.digitize(signal, [-1, 0, 1]) + 1             # a grade coded 1..4
            elif kind == 3:
                columns[name] = np.array(["砖", "混", "钢"])[np.digitize(signal, [-0.4, 0.4])]
            else:
                columns[name] = np.where(signal > 0.3, "是", "否")
            truth[name] = g
    frame = pd.DataFrame(columns)
    order = rng.permutation(frame.columns)                                     # groups not side by side
    return frame[order].astype(str), {name: truth[name] for name in order}


@pytest.mark.parametrize("n_rows, seed", [(300, 1), (2000, 2)])
def test_proposed_groups_recover_the_hidden_factors(n_rows, seed):
    frame, truth = hidden_factor_table(n_rows, seed)
    table = prepare_table(frame)
    proposal = propose_groups(table)
    found = {feature: n for n, members in enumerate(proposal.groups.values()) for feature in members}
    features = [f for f in table.features if f in truth]
    assert adjusted_rand_score([truth[f] for f in features], [found[f] for f in features]) >= 0.8
    assert proposal.chosen_by == "silhouette" and proposal.k == 5
    for name, members in proposal.groups.items():   # named after a member
        assert name in members


def test_association_by_type():
    x = np.repeat(np.arange(50.0), 2)                          # repeated values: not an identifier
    frame = pd.DataFrame({"x": x, "y": x ** 3, "noise": np.round(np.random.default_rng(0).normal(size=100), 1),
                          "half": np.where(x < 25, "a", "b"), "same": np.where(x < 25, "p", "q")})
    table = prepare_table(frame.astype(str))
    features, values = association(table)
    at = {(a, b): values[features.index(a), features.index(b)] for a in features for b in features}
    assert at["x", "y"] == pytest.approx(1.0)                   # Spearman: monotone is perfect
    assert at["half", "same"] == pytest.approx(1.0)            # Cramér's V of the same split
    assert at["x", "half"] == pytest.approx(np.sqrt(0.75), abs=0.01)   # eta of a step in a ramp
    assert at["x", "noise"] < 0.3 and np.allclose(values, values.T)


def test_given_k_and_errors():
    table, _ = factor_table(n_rows=200, n_groups=3, per_group=4, seed=3)
    assert propose_groups(table, k=2).k == 2 and propose_groups(table, k=2).chosen_by == "given"
    with pytest.raises(InputError, match="--k must be between 1 and the number of modelled columns \\(12\\)"):
        propose_groups(table, k=13)


def test_group_command_says_which_columns_it_left_out_when_too_few_are_left(tmp_path):
    """A time series of row numbers and one reading: the refusal comes after the note that says why."""
    pd.DataFrame({"time": range(1, 49), "lh": np.linspace(1.4, 3.5, 48)}).to_csv(tmp_path / "lh.csv", index=False)
    result = run("group", "lh.csv", "--out", "R.csv", cwd=tmp_path)
    assert result.returncode == 2 and not (tmp_path / "R.csv").exists()
    lines = result.stderr.splitlines()
    assert lines[0].startswith("note: lh.csv: read as utf-8") and lines[-1] == (
        "error: grouping needs at least 2 modelled columns; the table has 1")
    assert "note: column 'time' is not modelled: consecutive row numbers" in lines


def test_group_command_writes_an_r_the_fit_command_reads(tmp_path):
    frame, truth = hidden_factor_table(300, 4)
    frame.insert(0, "编号", [f"B{i}" for i in range(len(frame))])      # an identifier: in R, in no group
    frame.to_csv(tmp_path / "survey.csv", index=False, encoding="gbk")
    result = run("group", "survey.csv", "--out", "R.csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "5 groups (K = 5 chosen by the highest mean silhouette" in result.stdout
    r = SemanticMatrix.from_csv(tmp_path / "R.csv", list(frame.columns))
    assert len(r.names) == 5 and r.features == list(frame.columns) and not r.values[:, 0].any()
    assert run("group", "survey.csv", "--out", "R3.csv", "--k", "3", cwd=tmp_path).returncode == 0
    fitted = run("fit", "survey.csv", "--semantics", "R.csv", "--out", "p.zip", "--epochs", "20",
                 "--finetune-epochs", "5", cwd=tmp_path)
    assert fitted.returncode == 0, fitted.stderr

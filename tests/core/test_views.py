"""core.views: match table, profile counts, copies of real rows, CSV and XLSX bytes."""
from __future__ import annotations

import io

import numpy as np
import pandas as pd

from core.evaluation import count_copies
from core.export import csv_bytes, xlsx_bytes
from core.matching import Match
from core.transformer import decimals
from core.views import Shares, distribution_counts, match_table


def test_match_table_names_semantics():
    table = match_table([Match(2, 1, 0.25), Match(0, 0, 0.5)], ["A", "B"])
    assert table.to_dict("list") == {"latent": [2, 0], "semantic": ["B", "A"], "distance": [0.25, 0.5]}


def test_distribution_counts():
    assert distribution_counts(pd.Series([1.0, 2.0, 2.0, 3.0]), True, bins=2) == [1, 3]
    assert distribution_counts(pd.Series(["b", "a", "b", None]), False) == [1, 2]
    assert distribution_counts(pd.Series([], dtype=float), True) == []


def test_distribution_counts_follow_the_column_s_order_of_labels():
    bins = pd.Series(["5–10", "0–5", "30以上", "10–15", "5–10", "未知"])
    assert distribution_counts(bins, False) == [1, 1, 1, 2, 1]               # sorted as text: 5–10 after 30以上
    assert distribution_counts(bins, False, order=("0–5", "5–10", "10–15", "30以上")) == [1, 2, 1, 1, 1]
    assert distribution_counts(pd.Series(["√", "√"]), False, order=("", "√")) == [0, 2]   # a tick box never blank


def test_decimals():
    assert decimals(pd.Series([1.0, 2.0])) == 0
    assert decimals(pd.Series([0.25, 1.5])) == 2
    assert decimals(pd.Series([1 / 3])) == 6
    assert decimals(pd.Series([0.05, 0.2])) == 2
    assert decimals(pd.Series([1.25e-13, -3.5e-14])) == 15      # not 0: the values would all read 0.0
    assert decimals(pd.Series([1 / 3 * 1e-13])) == 6 + 13       # six digits past the leading one


def test_count_copies_compares_numbers_at_the_datas_precision():
    real = pd.DataFrame({"w": [0.12, 0.30], "kind": ["砖", "混凝土"]})
    generated = pd.DataFrame({"w": [0.1201, 0.3, 0.31, 0.12], "kind": ["砖", "砖", "混凝土", "混凝土"]})
    assert count_copies(generated, real) == 1
    assert count_copies(real, real) == 2
    assert count_copies(generated.iloc[:0], real) == 0


def test_csv_has_a_bom_and_xlsx_keeps_types():
    frame = pd.DataFrame({"层数": [3.0, 5.0], "宽度": [0.5, 1.25], "材料": ["砖", "钢"]})
    assert csv_bytes(frame).startswith(b"\xef\xbb\xbf\xe5\xb1\x82")
    book = pd.read_excel(io.BytesIO(xlsx_bytes(frame)))
    assert book["层数"].tolist() == [3, 5] and pd.api.types.is_integer_dtype(book["层数"])
    assert book["宽度"].tolist() == [0.5, 1.25] and book["材料"].tolist() == ["砖", "钢"]


def test_shares_of_labels_cover_labels_only_one_side_has():
    real = Shares.of(pd.Series(["a", "a", "b", None]), numeric=False)
    labels, real_shares, generated = real.of_rows(pd.Series(["b", "c", "c", "c"]))
    assert labels == ["a", "b", "c"]
    np.testing.assert_allclose(real_shares, [2 / 3, 1 / 3, 0])
    np.testing.assert_allclose(generated, [0, 0.25, 0.75])


def test_shares_of_numbers_bin_generated_rows_on_the_real_edges():
    real = Shares.of(pd.Series([0.0, 1, 2, 3, 4, 5, 6, 7, 8, 10]), numeric=True, bins=5)
    np.testing.assert_allclose(real.edges, [0, 2, 4, 6, 8, 10])
    np.testing.assert_allclose(real.shares, [0.2, 0.2, 0.2, 0.2, 0.2])
    _, _, generated = real.of_rows(pd.Series([-1.0, 1, 9, 11]))   # outside the range: end bins
    np.testing.assert_allclose(generated, [0.5, 0, 0, 0, 0.5])
    np.testing.assert_allclose(real.centres, [1, 3, 5, 7, 9])


def test_download_names_say_what_is_inside():
    from core.export import download_name
    assert download_name("buildings_30.csv", ["裂缝及损坏情况+2", "n500", "seed0"], "csv") == \
        "buildings_30__裂缝及损坏情况+2__n500__seed0.csv"
    assert download_name("调查 2024.xlsx", ["结构/体系=砖混", "a:b"], "xlsx") == "调查_2024__结构_体系=砖混__a_b.xlsx"
    assert download_name("", [], "csv") == "table.csv"
    assert len(download_name("x" * 500 + ".csv", [], "csv")) == 124

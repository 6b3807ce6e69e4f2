"""Column roles, bins, grade scales, number coercion and the missing-value policy."""
import math

import numpy as np
import pandas as pd
import pytest

from core.cells import date_of, date_style, grade_order, is_date, order_bins, parse_bin, to_number, write_date, years
from core.columns import MIN_ROWS, blank_column, prepare_table, reading_notes
from core.errors import InputError
from core.roles import Role, infer_roles
from core.table import read_table

INF = math.inf


@pytest.mark.parametrize("label, bounds", [
    ("15–20", (15, 20)), ("15-20", (15, 20)), ("15~20", (15, 20)), ("15—20", (15, 20)),
    ("15至20", (15, 20)), ("15层至20层", (15, 20)), ("1990-2000年", (1990, 2000)),
    ("≥30", (30, INF)), ("30以上", (30, INF)), (">=30", (30, INF)), ("30+", (30, INF)),
    ("２０００年以后", (2000, INF)),
    ("≤5", (-INF, 5)), ("5以下", (-INF, 5)), ("<5", (-INF, 5)), ("1978年以前", (-INF, 1978)),
    ("5", None), ("-5", None), ("1.5e-3", None), ("-3.6E-14", None), ("3层", None), ("2020-01-05", None), ("20-15", None),
    ("框架", None), ("", None), (None, None),
])
def test_parse_bin(label, bounds):
    assert parse_bin(label) == bounds


@pytest.mark.parametrize("cell, number", [
    ("5", 5.0), (" -3.25 ", -3.25), ("1e-3", 0.001), ("3层", 3.0), ("20mm", 20.0),
    ("5㎡", 5.0), ("１２", 12.0), ("1,234", 1234.0), ("1,234.5", 1234.5), (7, 7.0),
    ("1 234.5", 1234.5), ("12\u00a0345", 12345.0), ("1 23", None), ("2007-07-07", None),
    ("-", None), ("N/A", None), ("无数据", None), ("", None), ("#DIV/0!", None),
    ("15-20", None), ("30以上", None), ("3,5", None), ("框架", None), ("inf", None),
    ("1e999", None), ("3层(含1层地下)", None), (float("nan"), None),
    ("三层", 3.0), ("十二层", 12.0), ("二十五年", 25.0), ("一百零八户", 108.0), ("两间", 2.0),
    ("一级", None), ("二类", None), ("三", None),
])
def test_to_number(cell, number):
    assert to_number(cell) == number


@pytest.mark.parametrize("text, date", [
    ("2007-07-07", True), ("2007/7/7", True), ("2007.07.07", True), ("2007年7月7日", True),
    ("2007-07-07 10:30:00", True), ("2007-07", True), ("2007年7月", True),
    ("2007", False), ("2007.07", False), ("1990-2000", False), ("15-20", False), ("框架", False),
])
def test_is_date(text, date):
    assert is_date(text) is date


def test_numbers_in_scientific_notation_are_a_numeric_column():
    frame = pd.DataFrame({"ratio": [f"{v:.3e}" for v in np.linspace(-2e-6, 3e-6, 40)],
                          "tiny": [f"{v:g}" for v in np.geomspace(1e-14, 1e-9, 40)]})
    roles = infer_roles(frame)
    assert roles["ratio"][0] is Role.CONTINUOUS and roles["tiny"][0] is Role.CONTINUOUS


def test_order_bins_sorts_by_bounds_and_refuses_text():
    labels = ["30以上", "15–20", "≤5", "20~25", "5-15"]
    assert order_bins(labels) == ["≤5", "5-15", "15–20", "20~25", "30以上"]
    assert order_bins(["1", "2"]) is None                      # plain numbers are not bins
    assert order_bins(["1", "4-6", "10以上"]) == ["1", "4-6", "10以上"]
    assert order_bins(["15-20", "框架"]) is None


def test_grade_order_uses_scale_order_ignoring_case():
    assert grade_order(["严重", "无", "中等"]) == ["无", "中等", "严重"]
    assert grade_order(["c", "A", "b"]) == ["A", "b", "c"]
    assert grade_order(["Csu", "Asu"]) == ["Asu", "Csu"]
    assert grade_order(["严重", "框架"]) is None


def frame(**columns) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(values, dtype=object) for name, values in columns.items()})


N = 12
BASE = dict(
    编号=[f"B{i}" for i in range(N)],
    名称=[f"楼{i}号" for i in range(N)],
    row_no=list(range(1, N + 1)),
    常量=["x"] * N,
    裂缝=["是", "否"] * (N // 2),
    年代=["15–20", "15-20", "≥30", "30以上", "15~20", "20-25"] * 2,
    损伤=["无", "轻微", "中等", "严重"] * 3,
    层数=["5", "3层", "-", "N/A"] + [str(i) for i in range(4, 12)],
    高度=[f"{0.5 + i}" for i in range(N)],
    结构=["框架", "砖混", "框剪"] * 4,
    设防=["7度", "8度", "7度", "9度"] * 3,
)


def test_infer_roles_follows_the_documented_rules():
    roles = {name: role for name, (role, _) in infer_roles(frame(**BASE)).items()}
    assert roles == {
        "编号": Role.EXCLUDED, "名称": Role.EXCLUDED, "row_no": Role.EXCLUDED,
        "常量": Role.EXCLUDED, "裂缝": Role.BINARY, "年代": Role.ORDINAL,
        "损伤": Role.ORDINAL, "层数": Role.INTEGER, "高度": Role.CONTINUOUS,
        "结构": Role.CATEGORICAL, "设防": Role.ORDINAL}
    reasons = {name: str(reason) for name, (_, reason) in infer_roles(frame(**BASE)).items()}
    assert reasons["常量"] == "constant" and "id" in reasons["编号"]


def test_prepare_table_cleans_and_orders():
    prepared = prepare_table(frame(**BASE))
    assert prepared.features == ["裂缝", "年代", "损伤", "层数", "高度", "结构", "设防"]
    specs = {spec.name: spec for spec in prepared.specs}
    assert specs["裂缝"].categories == ("否", "是")             # negative first
    assert specs["年代"].categories == ("15–20", "20-25", "≥30")  # spellings merged, in order
    assert specs["损伤"].categories == ("无", "轻微", "中等", "严重")
    assert specs["结构"].categories == ("框剪", "框架", "砖混")
    assert specs["设防"].categories == ("7度", "8度", "9度")
    out = prepared.frame
    assert not out.isna().any().any()
    assert out["年代"].tolist()[:4] == ["15–20", "15–20", "≥30", "≥30"]   # never NaN
    assert out["层数"].dtype == np.float64 and out["高度"].dtype == np.float64
    assert all(isinstance(v, str) for v in out["结构"])
    assert [entry.name for entry in prepared.report] == list(BASE)


def test_numbers_with_stray_text_are_coerced_and_counted():
    prepared = prepare_table(frame(**BASE))
    entry = next(e for e in prepared.report if e.name == "层数")
    # "3层" is converted; "-" and "N/A" are missing, not conversions
    assert (entry.role, entry.n_coerced, entry.n_missing) == (Role.INTEGER, 1, 2)
    median = float(np.median([5, 3] + list(range(4, 12))))   # 6.5 -> 7 for a count
    assert str(entry.missing_action) == "filled with median 7"
    assert prepared.frame["层数"].tolist()[:4] == [5.0, 3.0, 7.0, 7.0] and median == 6.5


def test_notes_count_conversions_apart_from_missing_tokens():
    # a survey's numeric column where the blanks were written as words, not as numbers
    prepared = prepare_table(frame(depth=["3.5", "缺失", "n/a", "—", "4mm", "2.5", "7", "1.5", "9",
                                          "6", "5.5", "8"]))
    notes = {note.code: note.params for note in reading_notes(prepared)}
    assert notes["read.cleaned"]["n"] == 1                      # only "4mm"
    assert notes["read.kept_blank"]["n"] == 3                   # the three words for missing (25 %: kept)
    assert "read.text_in_numbers" not in notes


def test_dates_are_modelled_in_years_and_years_are_numbers():
    n = 40
    days = pd.date_range("1990-01-01", periods=n, freq="37D")
    columns = dict(
        iso=[d.strftime("%Y-%m-%d") for d in days],
        slashes=[d.strftime("%Y/%m/%d") if i % 10 else "-" for i, d in enumerate(days)],   # blanks too
        chinese=[f"{d.year}年{d.month}月" for d in days],
        excel=list(days.to_pydatetime()),               # an XLSX date cell arrives as a datetime
        year=[str(d.year) for d in days],
        bins=["1980-1990", "1990-2000", "2000-2010", "2010-2020"] * (n // 4))
    roles = infer_roles(frame(**columns))
    assert {name: role for name, (role, _) in roles.items()} == {
        "iso": Role.DATE, "slashes": Role.DATE, "chinese": Role.DATE, "excel": Role.DATE,
        "year": Role.INTEGER, "bins": Role.ORDINAL}
    assert roles["iso"][1].code == "reason.dates"
    table = prepare_table(frame(**columns))
    styles = {spec.name: spec.style for spec in table.specs if spec.role is Role.DATE}
    assert styles == {"iso": "{Y}-{M0}-{D0}", "slashes": "{Y}/{M0}/{D0}", "chinese": "{Y}年{M}月",
                      "excel": "{Y}-{M0}-{D0}"}
    assert table.frame["iso"].iloc[0] == 1990.0 and table.frame["iso"].iloc[1] == pytest.approx(1990 + 37 / 365)
    assert table.frame["chinese"].iloc[1] == 1990.0 + 31 / 365                 # February: its first day


@pytest.mark.parametrize("text, style", [
    ("2007-07-07", "{Y}-{M0}-{D0}"), ("2007/7/7", "{Y}/{M}/{D}"), ("2007.07.07", "{Y}.{M0}.{D0}"),
    ("2007年7月7日", "{Y}年{M}月{D}日"), ("2007年7月", "{Y}年{M}月"), ("2007-07", "{Y}-{M0}"),
    ("2007-07-07 10:30:00", "{Y}-{M0}-{D0}")])
def test_a_date_comes_back_written_as_its_column_writes_it(text, style):
    assert date_style([text]) == style
    assert write_date(years(date_of(text)), style) == text.split(" ")[0]


def test_date_padding_is_read_from_the_whole_column_and_impossible_dates_are_text():
    assert date_style(["2008/2/29", "2008/12/1", "2008/11/15"]) == "{Y}/{M}/{D}"   # 12, 15: no zero written
    assert date_style(["2008/12/15", "2008/02/29"]) == "{Y}/{M0}/{D}"
    assert date_of("2007-13-45") is None and date_of("2007-02-29") is None and date_of("2007") is None
    assert write_date(2007.9999999, "{Y}-{M0}-{D0}") == "2007-12-31"           # never the next year's first day


def test_a_cell_that_is_no_date_is_missing_and_named_in_the_notes():
    raw = frame(built=[f"19{60 + i}-05-01" for i in range(31)] + ["很久以前"], n=[str(i % 7) for i in range(32)])
    table = prepare_table(raw)
    notes = {note.code: note for note in reading_notes(table)}
    assert "'很久以前'" in str(notes["read.text_in_dates"]) and "read.text_in_numbers" not in notes
    assert str(notes["read.filled"]).endswith("filled with median 1975-05-01")


def test_forcing_the_date_role_on_text_names_a_cell_that_is_no_date():
    raw = frame(when=["2007-07-07", "不详", "很久以前", "框架"] * 3, n=[str(i) for i in range(12)])
    with pytest.raises(InputError, match=r"'when' cannot be date: only 3 of 9 values are dates .*'很久以前'"):
        prepare_table(raw, {"when": "date"})


def test_free_text_is_set_aside_unless_forced():
    rng = np.random.default_rng(0)
    n = 3_000
    streets = [f"街道{k}号" for k in rng.integers(0, 1_500, n)]      # repeats, so not an id
    districts = [f"区{k}" for k in rng.integers(0, 150, n)]          # 150 labels, 5 % of the cells
    structure = rng.choice(["框架", "砖混", "框剪"], n).tolist()
    table = frame(address=streets, district=districts, structure=structure)
    roles = infer_roles(table)
    assert roles["address"][0] is Role.EXCLUDED and roles["address"][1].code == "reason.free_text"
    assert roles["address"][1].params["n"] == len(set(streets))
    assert roles["district"][0] is Role.CATEGORICAL and roles["structure"][0] is Role.CATEGORICAL
    # a short table: 60 labels in 80 rows is free text, 40 labels in 80 rows is a category
    assert infer_roles(frame(a=[f"楼{k % 60}" for k in range(80)]))["a"][0] is Role.EXCLUDED
    assert infer_roles(frame(a=[f"楼{k % 40}" for k in range(80)]))["a"][0] is Role.CATEGORICAL
    forced = prepare_table(table, roles={"address": "categorical"})
    assert "address" in forced.frame.columns
    assert [u.name for u in prepare_table(table).unmodelled] == ["address"]


def test_continuous_median_and_label_mode_fill():
    prepared = prepare_table(frame(
        w=["1.5", None, "2.5", "4.5", "", "0.5", "3.5", "2.0"],
        s=["框架", "砖混", None, "砖混", "框架", "框剪", "-", "框剪"]))
    w, s = prepared.report
    assert str(w.missing_action) == "filled with median 2.25" and w.n_missing == 2
    assert prepared.frame["w"].tolist()[1] == 2.25
    # 框剪, 框架, 砖混 all appear twice: the first in category order wins
    assert str(s.missing_action) == "filled with most frequent '框剪'"
    assert (s.n_missing, s.n_coerced) == (2, 0)
    assert prepared.frame["s"].tolist()[2] == "框剪"


def test_held_rows_leave_out_a_class_filled_for_training_or_kept_blank():
    """A check on a class, or the seeds of its new rows, must not count a blank as the fill."""
    n = 60
    grade = ["A", "B", "C"] * (n // 3)
    grade[4] = None                                        # 1 of 60: filled with the most frequent
    crack = [None if i % 4 == 0 else f"{0.1 * (i % 7):.1f}" for i in range(n)]   # 25 %: kept blank
    table = prepare_table(frame(grade=grade, crack=crack, floors=[str(1 + i % 6) for i in range(n)]))
    assert table.filled["grade"][4] and table.frame["grade"].iloc[4] in {"A", "B", "C"}
    assert table.held("grade").index.tolist() == [i for i in range(n) if i != 4]
    assert table.held("crack").index.tolist() == [i for i in range(n) if i % 4]
    assert len(table.held("floors")) == n
    assert table.held("no such column") is table.frame   # the caller's check names it


def test_more_than_half_missing_is_excluded_even_when_forced():
    data = frame(a=["1", None, None, None, None, "2", "3", "4", None],
                 b=[str(i % 3) for i in range(9)])
    for roles in (None, {"a": "continuous"}):
        entry = prepare_table(data, roles=roles).report[0]
        assert (entry.role, str(entry.reason)) == (Role.EXCLUDED, "too few values: 4 of 9 cells hold one")


@pytest.mark.parametrize("n_values, modelled", [(29, False), (30, True), (40, True)])
def test_a_sparse_column_with_enough_values_is_modelled_with_its_blanks(n_values, modelled):
    """A crack width measured only where walls crack: 70-90 % blank, but 30 values or more."""
    n = 300 if n_values == 30 else 200   # 30 of 300 is 90 % blank, the most a sparse column may miss
    width = [f"{0.1 + 0.01 * i:.2f}" if i < n_values else None for i in range(n)]
    data = frame(width=width, kind=[str(i % 3) for i in range(n)])
    table = prepare_table(data)
    entry = table.report[0]
    assert (entry.role is not Role.EXCLUDED) == modelled, str(entry.reason)
    if modelled:
        assert table.specs[0].blanks and table.frame[blank_column("width")].sum() == n - n_values
    else:
        assert str(entry.reason) == f"too few values: {n_values} of {n} cells hold one"
    assert prepare_table(frame(width=[None] * 280 + width[:20], kind=["a", "b"] * 150)).report[0].role is Role.EXCLUDED


def test_overrides_win_and_are_checked():
    data = frame(**BASE)
    prepared = prepare_table(data, roles={"设防": "categorical", "层数": Role.CONTINUOUS},
                             exclude=["结构"])
    specs = {spec.name: spec for spec in prepared.specs}
    assert specs["设防"].role is Role.CATEGORICAL and specs["层数"].role is Role.CONTINUOUS
    assert "结构" not in specs
    assert next(e for e in prepared.report if e.name == "设防").overridden
    with pytest.raises(InputError, match="buildings.csv has no column '楼层'"):
        prepare_table(data, roles={"楼层": "integer"}, source="buildings.csv")
    with pytest.raises(InputError, match="has no column 'x'"):
        prepare_table(data, exclude=["x"])
    with pytest.raises(InputError, match="role 'numeric' for column '层数' is not one of"):
        prepare_table(data, roles={"层数": "numeric"})
    with pytest.raises(InputError, match="column '结构' has 3 different value\\(s\\), so it cannot "
                                         "be binary"):
        prepare_table(data, roles={"结构": "binary"})


def test_forcing_numbers_on_text_names_column_and_row():
    data = frame(**BASE)
    with pytest.raises(InputError) as info:
        prepare_table(data, roles={"结构": "integer"}, source="b.csv")
    assert str(info.value) == ("b.csv: column '结构' cannot be integer: only 0 of 12 values are "
                               "numbers (row 2 has '框架')")


def test_error_rows_are_excel_rows_after_reading():
    # the blank line 2 is dropped but still counted in the row numbers
    lines = ["结构,高度", "", "框架,3"] + [f"{s},{i}" for i, s in enumerate(["砖混", "3层"] * 5)]
    result = read_table("\n".join(lines).encode("gbk"), "b.csv")
    with pytest.raises(InputError, match=r"only 5 of 11 .* \(row 3 has '框架'\)"):
        prepare_table(result.frame, roles={"结构": "continuous"}, source=result.source)


@pytest.mark.parametrize("n_rows", [1, MIN_ROWS - 1])
def test_too_few_rows_are_refused(n_rows):
    data = frame(a=[str(i) for i in range(n_rows)], b=["x", "y"] * n_rows)[:n_rows]
    with pytest.raises(InputError, match=rf"b.csv has {n_rows} data row\(s\); at least 8 are needed"):
        prepare_table(data, source="b.csv")


def test_every_column_constant_or_excluded_is_refused():
    data = frame(编号=[str(i) for i in range(10)], c=["x"] * 10, d=[None] * 9 + ["3"])
    with pytest.raises(InputError, match="b.csv: every column is constant or excluded"):
        prepare_table(data, source="b.csv")


def test_duplicate_frame_columns_are_refused():
    data = pd.DataFrame([[1, 2]] * 8, columns=["a", "a"])
    with pytest.raises(InputError, match="column 'a' appears twice"):
        prepare_table(data)


def test_typed_frames_are_read_like_text():
    data = pd.DataFrame({"n": np.arange(8) * 2, "x": np.linspace(0, 1, 8),
                         "flag": [True, False] * 4})
    prepared = prepare_table(data)
    assert [s.role for s in prepared.specs] == [Role.INTEGER, Role.CONTINUOUS, Role.BINARY]
    assert prepared.specs[2].categories == ("FALSE", "TRUE")


def test_the_papers_load_change_scale_is_ordinal():
    frame = pd.DataFrame({"使用荷载变化情况": ["较大变化", "无变化", "较小变化"] * 4,
                          "外墙饰面脱落": ["大面积", "无", "局部"] * 4})
    table = prepare_table(frame)
    assert [s.categories for s in table.specs] == [("无变化", "较小变化", "较大变化"), ("无", "局部", "大面积")]
    assert {s.role for s in table.specs} == {Role.ORDINAL}

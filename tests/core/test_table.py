"""Reading CSV / XLSX: encodings, delimiters, headers, sheets and every refusal."""
import datetime
import io
import string
import zipfile

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from core.columns import PreparedTable, prepare_table
from core.errors import InputError
from core.table import ReadResult, read_table
from core.xlsx import two_row_header

HEADER = "结构体系,层数"
ASCII_ROWS = "frame,3\nwall,5\nframe,7\n"


def refused(data, name, *match, **kwargs) -> str:
    with pytest.raises(InputError) as info:
        read_table(data, name, **kwargs)
    message = str(info.value)
    for part in match:
        assert part in message
    return message


# ---------------------------------------------------------------- encodings

@pytest.mark.parametrize("codec, reported", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gbk"), ("gb18030", "gbk")])
def test_chinese_only_in_header_decodes_exactly(codec, reported):
    result = read_table((HEADER + "\n" + ASCII_ROWS).encode(codec), "b.csv")
    assert list(result.frame.columns) == ["结构体系", "层数"]   # no '\ufeff', no mojibake
    assert result.encoding == reported
    assert result.frame["层数"].tolist() == ["3", "5", "7"]


def test_gb18030_only_characters_are_reported_as_gb18030():
    text = "结构体系,𠮷层数\nframe,3\n"   # 𠮷 is outside GBK
    result = read_table(text.encode("gb18030"), "b.csv")
    assert list(result.frame.columns) == ["结构体系", "𠮷层数"]
    assert result.encoding == "gb18030"


def test_utf16_with_bom_from_excel_unicode_text():
    result = read_table("层数\t高度\n3\t2,5\n".encode("utf-16"), "b.txt")
    assert (result.encoding, result.delimiter, result.decimal) == ("utf-16", "\t", ",")
    assert result.frame.loc[2, "高度"] == "2.5"


def test_forced_encoding_is_used_strictly():
    data = (HEADER + "\n" + ASCII_ROWS).encode("gbk")
    assert read_table(data, "b.csv", encoding="gbk").frame.columns[0] == "结构体系"
    refused(data, "b.csv", "b.csv", "utf-8", "position 0", encoding="utf-8")
    refused(data, "b.csv", "'klingon' is not a known", encoding="klingon")


# ---------------------------------------------------------------- delimiters, cells

@pytest.mark.parametrize("sep", [";", "\t"])
def test_decimal_commas_with_semicolon_or_tab(sep):
    text = sep.join(["名称", "宽度", "长度"]) + "\n" + sep.join(["a", "3,5", "-1,25"]) + "\n" \
        + sep.join(["b", "4", "1.234,5"]) + "\n" + sep.join(["c", "3,1E-05", "-9,55e+03"]) + "\n"   # as Excel writes
    result = read_table(text.encode("utf-8"), "b.csv")
    assert (result.delimiter, result.decimal) == (sep, ",")
    assert result.frame["宽度"].tolist() == ["3.5", "4", "3.1E-05"]
    assert result.frame["长度"].tolist() == ["-1.25", "1234.5", "-9.55e+03"]


def test_comma_file_keeps_quoted_commas_and_dot_decimals():
    result = read_table(b'name,note,w\na,"x, y",3.5\nb,"3,5",4\n', "b.csv")
    assert (result.delimiter, result.decimal) == (",", ".")
    assert result.frame["note"].tolist() == ["x, y", "3,5"]


def test_cells_stripped_blank_rows_dropped_and_index_is_excel_row():
    text = "\n a , b \n 1 , x \n,\n\n 2 ,  \n"
    frame = read_table(text.encode(), "b.csv").frame
    assert list(frame.columns) == ["a", "b"]
    assert list(frame.index) == [3, 6] and frame.index.name == "row"
    assert frame.loc[3].tolist() == ["1", "x"]
    assert pd.isna(frame.loc[6, "b"])
    assert str(frame.dtypes["a"]) == "str"


def test_empty_unnamed_trailing_columns_are_dropped():
    frame = read_table(b"a,b,,\n1,2,,\n3,4,,\n", "b.csv").frame
    assert list(frame.columns) == ["a", "b"]


# ---------------------------------------------------------------- headers

@pytest.mark.parametrize("header, named", [
    ("层数,高度,层数", "'层数' appears twice"),
    (" 层数 ,层数", "' 层数 ' and '层数' differ only by spaces"),
    ("层数,层数.1", "'层数' and '层数.1'"),
    ("层数,高度,层数.1,层数.2", "'层数' and '层数.1'"),
])
def test_duplicate_headers_are_refused_by_name(header, named):
    refused(f"{header}\n1,2,3,4\n".encode(), "buildings.csv", "buildings.csv", named)


def test_a_name_ending_in_a_number_is_no_copy_unless_pandas_could_have_made_it():
    frame = read_table(b"P99,P99.5,P99.9,v.2\n1,2,3,4\n", "income.csv").frame   # percentiles, not copies
    assert list(frame.columns) == ["P99", "P99.5", "P99.9", "v.2"]


def test_blank_header_over_values_names_the_column():
    refused(b"a,b,c,d,\n1,2,3,4,5\n", "b.csv", "column 5 (E) has no header", "row 2")
    refused(b"a,,c\n1,2,3\n", "b.csv", "column 2 (B) has no header")


@pytest.mark.parametrize("index", [["0", "1", "2"], ["1", "2", "3"], ["3", "8", "12"]])
def test_an_unnamed_row_index_is_left_out_with_a_note(index):
    # pandas' to_csv writes its index under a blank name (R's write.csv under ""); a filtered
    # table keeps the numbers of the rows it kept
    lines = [",结构,层数", *(f"{i},框架,{n}" for i, n in zip(index, (3, 2, 5)))]
    result = read_table("\n".join(lines).encode(), "b.csv")
    assert list(result.frame.columns) == ["结构", "层数"] and result.frame["层数"].tolist() == ["3", "2", "5"]
    assert [note.code for note in result.warnings] == ["read.index_column"]
    assert f"column A has no header and numbers the rows ({index[0]} to {index[-1]})" in str(result.warnings[0])


@pytest.mark.parametrize("cells", [["1", "1", "2"], ["2", "1", "3"], ["1", "", "3"], ["1", "2.5", "3"], ["a", "b", "c"]])
def test_an_unnamed_column_that_is_not_a_row_index_is_still_refused(cells):
    lines = ["结构,层数,", *(f"框架,{n},{cell}" for n, cell in zip((3, 2, 5), cells))]
    refused("\n".join(lines).encode(), "b.csv", "column 3 (C) has no header")


@pytest.mark.parametrize("title", ["某区房屋安全鉴定汇总表,,", "某区房屋安全鉴定汇总表"])
def test_csv_title_row_above_the_header_is_skipped(title):
    result = read_table(f"{title}\n结构,层数,高度\n框架,3,9.5\n砖混,2,6\n".encode("gbk"), "b.csv")
    assert list(result.frame.columns) == ["结构", "层数", "高度"] and list(result.frame.index) == [3, 4]
    assert "row(s) 1 read as a title" in str(result.warnings[0])


def test_a_lone_name_over_numbers_is_not_a_title():
    # one named column, then rows of numbers: a missing header, not a title
    refused("层数,,\n3,9.5,1\n2,6,1\n".encode(), "b.csv", "column 2 (B) has no header")


def test_row_longer_than_header_hints_at_unquoted_delimiter():
    refused(b"a,b\n1,2\n3,4,5\n", "b.csv", "row 3", "unquoted ','")


# ---------------------------------------------------------------- refusals

@pytest.mark.parametrize("data, name, expected", [
    (b"", "b.csv", "b.csv is empty"),
    (b"  \r\n\n", "b.csv", "b.csv is empty"),
    (b"a,b\n", "b.csv", "has a header but no data rows"),
    (b"a,b\n,\n\n", "b.csv", "has a header but no data rows"),
    (b"\x00\x01\x02\xffgarbage" * 20, "b.csv", "looks like a binary file"),
    (bytes([0x80, 0xff, 0x81]) * 50, "b.csv", "not text in UTF-8 or GBK"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "b.xlsx", "password-protected or an old .xls"),
    (b"a,b\n1,2\n", "b.xlsx", "not a valid Excel workbook"),
    (b"PK\x03\x04" + b"\0" * 50, "b.xlsx", "not a valid .xlsx workbook"),
    (b"a,b\n1,2\n", "b.pdf", "'.pdf' file"),
])
def test_bad_files_are_refused(data, name, expected):
    refused(data, name, expected)


def test_truncated_and_non_workbook_zips_are_refused():
    whole = xlsx_bytes({"S": [["a", "b"], [1, 2]]})
    refused(whole[: len(whole) // 2], "b.xlsx", "not a valid .xlsx workbook")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data.csv", "a,b\n1,2\n")
    refused(buffer.getvalue(), "b.xlsx", "not a valid .xlsx workbook")


def test_size_limit_names_size_and_limit(tmp_path):
    data = b"a,b\n" + b"1,2\n" * 600
    refused(data, "big.csv", "big.csv is 2.3 KB, over the 1.0 KB limit", max_bytes=1024)
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    refused(path, None, "big.csv is 2.3 KB", max_bytes=1024)


def test_paths_and_file_objects(tmp_path):
    path = tmp_path / "楼.csv"
    path.write_bytes((HEADER + "\n" + ASCII_ROWS).encode("gbk"))
    assert read_table(path).source == "楼.csv"
    assert read_table(str(path), "shown.csv").source == "shown.csv"
    upload = io.BytesIO(path.read_bytes())
    upload.name = "upload.csv"
    assert read_table(upload).frame.shape == (3, 2)
    refused(tmp_path / "missing.csv", None, "missing.csv was not found")


# ---------------------------------------------------------------- XLSX

def xlsx_bytes(sheets: dict, merge: dict | None = None) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
        for cells in (merge or {}).get(title, []):
            ws.merge_cells(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


WORKBOOK = {
    "概况": [["编号", "层数", "高度", "日期", "结构"],
             [1, 3, 2.5, datetime.datetime(2020, 1, 5), "框架"],
             [2, 4.0, 10.0, datetime.date(2021, 3, 1), None],
             [None, None, None, None, None],
             [3, 5, 1e-3, datetime.datetime(2021, 3, 1, 10, 30), " 砖混 "]],
    "检测": [["裂缝", "宽度"], ["是", 0.2], ["否", 0.1]],
}


def test_xlsx_first_sheet_cells_as_text():
    result = read_table(xlsx_bytes(WORKBOOK), "b.xlsx")
    assert (result.sheet, result.sheets, result.encoding) == ("概况", ["概况", "检测"], None)
    frame = result.frame
    assert list(frame.index) == [2, 3, 5]
    assert frame["层数"].tolist() == ["3", "4", "5"]         # 4.0 -> "4"
    assert frame["高度"].tolist() == ["2.5", "10", "0.001"]
    assert frame["日期"].tolist() == ["2020-01-05", "2021-03-01", "2021-03-01 10:30:00"]
    assert frame["结构"].tolist()[::2] == ["框架", "砖混"] and pd.isna(frame.loc[3, "结构"])


@pytest.mark.parametrize("sheet", ["检测", 1])
def test_xlsx_other_sheet_by_name_or_index(sheet):
    result = read_table(xlsx_bytes(WORKBOOK), "b.xlsx", sheet=sheet)
    assert result.sheet == "检测" and list(result.frame.columns) == ["裂缝", "宽度"]


def test_xlsx_unknown_sheet_lists_sheets():
    refused(xlsx_bytes(WORKBOOK), "b.xlsx", "no sheet '汇总'", "'概况', '检测'", sheet="汇总")
    refused(xlsx_bytes(WORKBOOK), "b.xlsx", "no sheet '5'", sheet=5)


def test_xlsx_merged_header_is_refused_naming_cells():
    book = xlsx_bytes({"S": [["房屋信息", None, "层数"], ["a", "b", 3]]}, {"S": ["A1:B1"]})
    refused(book, "b.xlsx", "b.xlsx, sheet 'S'", "header cells A1:B1 are merged")


def test_xlsx_title_rows_above_the_header_are_skipped_merged_or_not():
    rows = [["某小区房屋安全鉴定表", None], ["2024年3月", None], ["层数", "高度"], [3, 9.0], [4, 12.0]]
    for merge in ({}, {"S": ["A1:B1"]}):
        result = read_table(xlsx_bytes({"S": rows}, merge), "b.xlsx")
        assert list(result.frame.columns) == ["层数", "高度"] and list(result.frame.index) == [4, 5]
        assert [note.code for note in result.warnings] == ["read.title_rows"]   # no "merged" warning
        assert result.warnings[0].params["rows"] == "1, 2"


TWO_ROW_HEADER = [["序号", "基本信息", None, "损伤情况", None],
                  [None, "结构", "层数", "裂缝宽度", "等级"],
                  [1, "框架", 3, 0.2, "B"], [2, "砖混", 2, 0.5, "C"], [3, "砖混", 5, 0.1, "A"]]


@pytest.mark.parametrize("merge", [{}, {"S": ["A1:A2", "B1:C1", "D1:E1"]}])
def test_xlsx_two_row_header_merged_or_not_names_each_column_once(merge):
    result = read_table(xlsx_bytes({"S": TWO_ROW_HEADER}, merge), "b.xlsx")
    assert list(result.frame.columns) == ["序号", "结构", "层数", "裂缝宽度", "等级"]
    assert list(result.frame.index) == [3, 4, 5] and result.frame["层数"].tolist() == ["3", "2", "5"]
    assert [note.code for note in result.warnings] == ["read.two_row_header"]   # no "merged" warning
    assert "rows 1, 2 read as one header of two rows, group headings ('序号', '基本信息', '损伤情况')" \
        in str(result.warnings[0])


def test_csv_two_row_header_below_a_title_and_repeated_names_under_two_headings():
    text = ("某区鉴定汇总表,,,,\n"
            "结构,东墙,,西墙,\n"
            ",左,右,左,右\n"
            "框架,0.2,0.3,0.1,0.4\n"
            "砖混,0.5,0.1,0.2,0.2\n")
    result = read_table(text.encode("gbk"), "b.csv")
    assert list(result.frame.columns) == ["结构", "东墙_左", "东墙_右", "西墙_左", "西墙_右"]
    assert [note.code for note in result.warnings] == ["read.title_rows", "read.two_row_header"]


@pytest.mark.parametrize("rows", [
    [["a", "b", None], ["x", "y", "z"], ["u", "v", "w"]],          # text only below: a data row, not names
    [["a", "b", "c"], ["x", "y", "z"], [1, 2, 3]],                  # no heading spans columns
    [["组", None, "c"], ["x", "2", "z"], [1, 2, 3]]])               # a number among the names
def test_what_is_not_a_two_row_header(rows):
    assert not two_row_header([[None if cell is None else str(cell) for cell in row] for row in rows])


def test_xlsx_merged_data_cells_give_every_row_the_value_and_a_note():
    rows = [["结构", "层数", "鉴定"], ["框架", 3, "B"], [None, 4, None], ["砖混", 5, None], ["框架", 2, "C"]]
    result = read_table(xlsx_bytes({"S": rows}, {"S": ["A2:A3", "C2:C4"]}), "b.xlsx")
    assert any("A2:A3 are merged; each of them is read with the merged value" in str(note) for note in result.warnings)
    assert result.frame["结构"].tolist() == ["框架", "框架", "砖混", "框架"]
    assert result.frame["鉴定"].tolist() == ["B", "B", "B", "C"]


def test_xlsx_header_checks_apply():
    rows = [[" 层数", "层数"], [1, 2]]
    refused(xlsx_bytes({"S": rows}), "b.xlsx", "differ only by spaces")


def test_xlsx_content_wins_over_csv_suffix():
    assert read_table(xlsx_bytes(WORKBOOK), "renamed.csv").sheet == "概况"


# ---------------------------------------------------------------- fuzz

def read_and_prepare(data: bytes, name: str):
    try:
        result = read_table(data, name)
    except InputError:
        return None
    assert isinstance(result, ReadResult)
    try:
        prepared = prepare_table(result.frame, source=result.source)
    except InputError:
        return result
    assert isinstance(prepared, PreparedTable)
    assert not prepared.frame.isna().any().any()
    return prepared


TEXTY_BYTES = st.builds(
    lambda text, codec: text.encode(codec, errors="ignore"),
    st.text(alphabet=',;\t\n\r" .-0123456789abc层数高度≥至以上', max_size=200),
    st.sampled_from(["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=400), TEXTY_BYTES),
       st.sampled_from(["x.csv", "x.tsv", "x.xlsx", "x.txt", "x"]))
def test_fuzz_random_bytes_only_ever_raise_input_error(data, name):
    read_and_prepare(data, name)


CELLS = st.one_of(
    st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=6), st.text(max_size=3), st.integers(-50, 50), st.floats(allow_infinity=True),
    st.sampled_from(["15–20", "≥30", "30以上", "3层", "-", "N/A", "无", "轻微", "3,5", "否", "是",
                     " ", '"', "1,234", "#DIV/0!"]))
NAMES = st.text(alphabet=string.ascii_letters + " .层数高度编号1", max_size=5)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(NAMES, min_size=1, max_size=5, unique=True), st.data(),
       st.sampled_from([",", ";", "\t"]), st.sampled_from(["utf-8", "utf-8-sig", "gbk"]))
def test_fuzz_random_frames_as_csv_only_ever_raise_input_error(names, data, sep, codec):
    n_rows = data.draw(st.integers(0, 16))
    rows = [[data.draw(CELLS) for _ in names] for _ in range(n_rows)]
    text = pd.DataFrame(rows, columns=range(len(names))).to_csv(index=False, sep=sep, header=names)
    try:
        raw = text.encode(codec)
    except UnicodeEncodeError:
        raw = text.encode("utf-8")
    read_and_prepare(raw, "fuzz.csv")


def test_a_very_long_cell_is_named_as_such_not_blamed_on_a_quote():
    data = ("编号,说明\n1," + "长" * 200_000 + "\n2,短\n").encode()
    with pytest.raises(InputError) as caught:
        read_table(data, "long.csv")
    assert str(caught.value).startswith("long.csv: row 2 has a cell of more than 131,072 characters")
    assert "quote" not in str(caught.value)


def test_a_quote_without_its_pair_is_still_named_when_it_swallows_the_file():
    data = ("a,b\n1,\"oops\n" + "".join(f"{i},{i}\n" for i in range(30_000))).encode()
    with pytest.raises(InputError, match=r"quote mark \(\"\) may be missing its pair"):
        read_table(data, "quote.csv")


def test_a_quote_that_swallows_rows_is_noted_with_its_row():
    data = ("a,b\n1,2\n3,\"oops\n" + "".join(f"{i},{i}\n" for i in range(20))).encode()
    read = read_table(data, "quote.csv")
    assert len(read.frame) == 2
    assert [str(note) for note in read.warnings if note.code == "table.quote_hint"] == [
        "row 3 opens a quote mark (\") whose cell runs over 21 lines and swallows the rows after it: "
        "the quote mark may be missing its pair"]
    multiline = read_table("a,b\n1,\"two\nlines\"\n2,3\n".encode(), "ok.csv")   # a real multi-line cell
    assert not [note for note in multiline.warnings if note.code == "table.quote_hint"]

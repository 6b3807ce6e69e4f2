"""Issue 6's input cases, built once and fed through every path a user takes
(the command line in tests/core/test_robust_cli.py, the app's upload in
tests/app/test_robust_upload.py). Each is (file name, bytes, expectation): for an
accepted file, a check on the prepared table; for a refused one, a fragment of the
one-sentence error."""
from __future__ import annotations

import io

import openpyxl

ROWS = 12
HEADER = "结构体系,层数,裂缝宽度(mm),使用年限(年),是否加固"


def _body(sep: str = ",", decimal: str = ".") -> str:
    lines = []
    for i in range(ROWS):
        width = f"{0.1 * (i % 5) + 0.05:.2f}".replace(".", decimal)
        lines.append(sep.join(["框架结构" if i % 3 else "砖混结构", str(3 + i % 4), width,
                               ["5–10", "10–15", "15–20", "≥30"][i % 4], "是" if i % 2 else "否"]))
    return "\n".join(lines) + "\n"


def _csv(sep: str = ",", decimal: str = ".", encoding: str = "utf-8", header: str = HEADER) -> bytes:
    return (header.replace(",", sep) + "\n" + _body(sep, decimal)).encode(encoding)


def _with_storeys(cells: dict[int, str]) -> bytes:
    """The utf-8 table with some storey cells written as text (`3层`, `-`, `N/A`)."""
    lines = (HEADER + "\n" + _body()).splitlines()
    for row, text in cells.items():
        parts = lines[row + 1].split(",")
        parts[1] = text
        lines[row + 1] = ",".join(parts)
    return ("\n".join(lines) + "\n").encode("utf-8")


def _xlsx(merge_header: bool = False) -> bytes:
    book = openpyxl.Workbook()
    first = book.active
    first.title = "数据"
    for row in (HEADER + "\n" + _body()).splitlines():
        first.append(row.split(","))
    if merge_header:
        first.merge_cells("A1:B1")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _ascii_data_chinese_header(encoding: str) -> bytes:
    """The only Chinese is in the header: statistical detectors misread these."""
    rows = "\n".join(f"{i % 3},{i * 1.5:.1f}" for i in range(ROWS))
    return ("结构,宽度\n" + rows + "\n").encode(encoding)


ACCEPTED = [   # (name, bytes, column -> expected role)
    ("utf8.csv", _csv(), {"使用年限(年)": "ordinal", "裂缝宽度(mm)": "continuous", "是否加固": "binary"}),
    ("bom.csv", _csv(encoding="utf-8-sig"), {"结构体系": "binary"}),
    ("gbk.csv", _csv(encoding="gbk"), {"层数": "integer"}),
    ("gb18030.csv", _csv(encoding="gb18030"), {"层数": "integer"}),
    ("gbk_header_only.csv", _ascii_data_chinese_header("gbk"), {"结构": "integer", "宽度": "continuous"}),
    ("gb18030_header_only.csv", _ascii_data_chinese_header("gb18030"), {"宽度": "continuous"}),
    ("semicolon_decimal_comma.csv", _csv(";", ","), {"裂缝宽度(mm)": "continuous"}),
    ("tab.tsv", _csv("\t"), {"使用年限(年)": "ordinal"}),
    ("bins_mixed.csv", _csv().replace("5–10".encode(), b"5-10").replace("10–15".encode(), "10~15".encode()),
     {"使用年限(年)": "ordinal"}),
    ("bins_yishang.csv", _csv().replace("≥30".encode(), "30以上".encode()), {"使用年限(年)": "ordinal"}),
    ("stray_text.csv", _with_storeys({0: "3层", 5: "-", 9: "N/A"}), {"层数": "integer"}),
    ("missing.csv", _csv().replace(b",5,", b",,"), {"层数": "integer"}),
    ("book.xlsx", _xlsx(), {"使用年限(年)": "ordinal"}),
]

REFUSED = [   # (name, bytes, fragment of the error)
    ("empty.csv", b"", "empty"),
    ("header_only.csv", HEADER.encode(), "no data rows"),
    ("one_row.csv", (HEADER + "\n" + _body().splitlines()[0] + "\n").encode(), "at least 8"),
    ("constant.csv", ("a,b\n" + "1,x\n" * ROWS).encode(), "constant or excluded"),
    ("garbage.csv", bytes(range(256)) * 8, "binary"),
    ("fake.xlsx", b"this is not a workbook at all", ""),
    ("truncated.xlsx", _xlsx()[:600], ""),
    ("locked.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "password-protected"),
    ("spaces.csv", ("层数, 层数 ,宽度\n" + "\n".join(f"{i},{i},{i}.5" for i in range(ROWS)) + "\n").encode(),
     "differ only by spaces"),
    ("dotted.csv", ("层数,层数.1\n" + "\n".join(f"{i},{i + 1}" for i in range(ROWS)) + "\n").encode(), "层数.1"),
    ("merged.xlsx", _xlsx(merge_header=True), "merged"),
]

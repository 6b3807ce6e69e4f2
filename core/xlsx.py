"""One sheet of an .xlsx workbook as rows of cell text (called by `core.table.read_table`).

Refused with a clear sentence: a damaged or truncated workbook, one that unpacks to more
than XLSX_INFLATE_FACTOR times the size limit (zip bomb), an unknown sheet, a chart sheet,
values spread too far to be a table, and merged cells in the header row (a title row above
the header, merged or not, is skipped: `title_rows`; a two-row header keeps its merged group
headings and names: `two_row_header`).
"""
from __future__ import annotations

import io
import re
import warnings
import zipfile
from dataclasses import dataclass

from core.cells import cell_text, to_number
from core.errors import InputError
from core.messages import Message, format_size, msg

MAX_XLSX_CELLS = 20_000_000                  # guards against a stray cell at XFD1048576
MAX_TITLE_ROWS = 3
NUMBER_TEXT = re.compile(r"[+-]?[\d.,]+%?")   # a cell that is a number, not a name
XLSX_INFLATE_FACTOR = 20                     # unzipped size allowed per byte of limit (zip bombs)


@dataclass
class Sheet:
    rows: list[list[str | None]]   # cell text, None for blank, from the first to the last used row
    row_numbers: list[int]         # Excel's row number of each row
    title: str
    names: list[str]               # every sheet of the workbook
    notes: list[Message]           # warnings, e.g. merged data cells


def read_sheet(raw: bytes, source: str, sheet: str | int | None, max_bytes: int) -> Sheet:
    import openpyxl

    _check_zip(raw, source, max_bytes)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # openpyxl warns about unsupported extensions
            # not read_only: read-only mode does not expose merged cells
            book = openpyxl.load_workbook(io.BytesIO(raw), data_only=True)
    except Exception as exc:   # a damaged workbook can fail anywhere inside openpyxl
        raise InputError(msg("xlsx.damaged", source=source)) from exc
    names = list(book.sheetnames)
    ws = book[_pick_sheet(names, sheet, source)]
    where = f"{source}, sheet '{ws.title}'"
    if not hasattr(ws, "merged_cells"):
        raise InputError(msg("xlsx.chart", where=where))
    rows, numbers = _sheet_rows(ws, where)
    filled = [n for n, row in zip(numbers, rows) if any(cell is not None for cell in row)]
    titles, depth = header_rows([row for row in rows if any(cell is not None for cell in row)])
    header = filled[titles + depth - 1] if len(filled) > titles + depth - 1 else 1
    notes = _check_merged(ws, header, where, depth)
    _fill_merged(ws, rows, numbers, header)
    return Sheet(rows, numbers, ws.title, names, notes)


def header_rows(rows: list[list[str | None]]) -> tuple[int, int]:
    """(title rows, header rows) at the top of `rows` (blank rows already dropped): the titles of
    `title_rows`, then a header of one row, or of two when `two_row_header` says so."""
    titles = title_rows(rows)
    return titles, 2 if two_row_header(rows[titles:]) else 1


def two_row_header(rows: list[list[str | None]]) -> bool:
    """Is the header two rows, group headings over column names ("基本信息" over "结构类型, 层数")?

    So it is when the second row names at least two columns, neither row holds a number, some
    column is named in the second row only (under a heading that spans several), and some column
    named there holds numbers below it (so the second row is not a row of data). A column named
    in the first row only ("序号", merged down over both rows) keeps that name."""
    if len(rows) < 3:
        return False
    top, sub, data = rows[0], rows[1], rows[2:]
    names = [cell for cell in top + sub if cell is not None and cell.strip()]
    if sum(cell is not None for cell in sub) < 2 or any(NUMBER_TEXT.fullmatch(name.strip()) for name in names):
        return False
    width = max(len(row) for row in rows)
    top, sub = top + [None] * (width - len(top)), sub + [None] * (width - len(sub))
    if not any(top[j] is None and sub[j] is not None for j in range(width)):
        return False
    return any(sub[j] is not None and numeric_below(data, j) for j in range(width))


def numeric_below(data: list[list[str | None]], j: int) -> bool:
    """Are at least 90 % of the filled cells of column j in `data` numbers (and one at least)?"""
    cells = [row[j] for row in data if j < len(row) and row[j] is not None]
    return bool(cells) and sum(to_number(cell) is not None for cell in cells) >= 0.9 * len(cells)


def title_rows(rows: list[list[str | None]]) -> int:
    """How many of the first rows (blank rows already dropped) are a title above the header:
    rows with a single filled cell ("某区房屋安全鉴定汇总表", a date) above a row of several
    names, none of them a number, with data below. At most MAX_TITLE_ROWS. Also used for CSV."""
    filled = [sum(cell is not None and cell.strip() != "" for cell in row) for row in rows]
    titles = 0
    while titles < min(MAX_TITLE_ROWS, len(rows) - 2) and filled[titles] == 1:
        titles += 1
    header = rows[titles] if titles < len(rows) else []
    names = [cell.strip() for cell in header if cell is not None and cell.strip()]
    if titles and (len(names) < 2 or any(NUMBER_TEXT.fullmatch(name) for name in names)):
        return 0
    return titles


def _check_zip(raw: bytes, source: str, max_bytes: int) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise InputError(msg("xlsx.damaged", source=source)) from None
    if unzipped > XLSX_INFLATE_FACTOR * max_bytes:
        raise InputError(msg("xlsx.inflates", source=source, size=format_size(unzipped)))


def _pick_sheet(names: list[str], sheet: str | int | None, source: str) -> str:
    if sheet is None:
        return names[0]
    if isinstance(sheet, int) and not isinstance(sheet, bool) and 0 <= sheet < len(names):
        return names[sheet]
    if isinstance(sheet, str) and sheet in names:
        return sheet
    raise InputError(msg("xlsx.no_sheet", source=source, sheet=sheet, sheets=[f"'{n}'" for n in names]))


def _sheet_rows(ws, where: str) -> tuple[list[list[str | None]], list[int]]:
    # ws._cells holds only the cells that exist; iter_rows would walk the whole used range,
    # which a single stray cell far away can make billions of cells big.
    cells = {key: text for key, cell in ws._cells.items()
             if (text := _raw_text(cell.value)) is not None}
    if not cells:
        return [], []
    first = min(r for r, _ in cells)
    last = max(r for r, _ in cells)
    width = max(c for _, c in cells)
    if (last - first + 1) * width > MAX_XLSX_CELLS:
        raise InputError(msg("xlsx.spread", where=where, first=first, last=last, width=width))
    rows = [[None] * width for _ in range(first, last + 1)]
    for (r, c), text in cells.items():
        rows[r - first][c - 1] = text
    return rows, list(range(first, last + 1))


def _check_merged(ws, header_row: int, where: str, depth: int = 1) -> list[Message]:
    """Refuse merged cells in the (last) header row; below it, say which (`_fill_merged`). Of a two-row header, a
    heading merged across its columns, or a name merged down over both rows, is kept."""
    ranges = list(ws.merged_cells.ranges)
    in_header = [r.coord for r in ranges if r.min_row <= header_row <= r.max_row
                 and (depth == 1 or r.min_row == header_row)]
    if in_header:
        raise InputError(msg("xlsx.merged_header", where=where, cells=in_header))
    below = [r for r in ranges if r.min_row > header_row]   # a title above the header may be merged
    return [msg("xlsx.merged", where=where, cells=r.coord) for r in below[:5]]


def _fill_merged(ws, rows: list[list[str | None]], numbers: list[int], header_row: int) -> None:
    """Below the header, every cell of a merged range takes its top-left cell's value, as the
    sheet shows it: 砖混 merged down over three buildings is the structure of all three."""
    first = numbers[0] if numbers else 1
    for merged in ws.merged_cells.ranges:
        if merged.min_row <= header_row or merged.min_row - first >= len(rows):
            continue
        value = rows[merged.min_row - first][merged.min_col - 1]
        for r in range(merged.min_row, min(merged.max_row, first + len(rows) - 1) + 1):
            for c in range(merged.min_col, merged.max_col + 1):
                if c <= len(rows[r - first]):
                    rows[r - first][c - 1] = value


def _raw_text(value: object) -> str | None:
    """Like `cell_text` but keeps a string's spaces, so header checks can name them."""
    return value if isinstance(value, str) and value.strip() else cell_text(value)


def sheet_names(raw: bytes) -> list[str]:
    """The workbook's sheet names, or [] when it cannot be opened (so a page can offer the
    other sheets after the first one failed)."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True)   # reads workbook.xml only
        return list(book.sheetnames)
    except Exception:   # damaged workbooks fail anywhere inside openpyxl; read_table said why
        return []

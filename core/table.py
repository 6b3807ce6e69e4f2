"""Reading the engineer's CSV or XLSX table into raw text cells.

`read_table` keeps every cell as text (pandas `str` dtype, NaN for a blank cell) so that
typing happens in one place: `core.roles` decides each column's role, `core.columns` reads its
cells as that. The rules, in order:

- Kind: the content decides first (a zip is an XLSX workbook; an OLE2 file is an old .xls
  or a password-protected workbook and is refused), then the suffix (.csv/.txt/.tsv or
  .xlsx/.xlsm). Other suffixes are refused.
- CSV encoding: a UTF-16 BOM means UTF-16 (Excel's "Unicode text"). Otherwise strict
  decodes in the order of `ENCODINGS`: "utf-8-sig" (only when the file starts with a BOM,
  which is removed), "utf-8", "gbk", "gb18030". UTF-8 goes first because GBK bytes almost
  never form valid UTF-8, while UTF-8 bytes often decode as (wrong) GBK. "gbk" is reported
  when the bytes are pure GBK, "gb18030" only when they need its extra characters. No
  statistical detector: they misread short Chinese headers as Korean or Cyrillic. Big5
  cannot be told apart from GB18030 and must be forced with `encoding="big5"`.
- Binary garbage (NUL bytes or many control characters) is refused.
- Delimiter: ",", ";" or tab, whichever appears outside quotes in the header and the same
  number of times in most of the next lines.
- Decimal comma: with a ";" or tab delimiter, cells such as "3,5" (or "1.234,5", "3,1E-05") are decimal
  commas; they are rewritten as "3.5" and `decimal` is ",".
- Header: the first non-blank row, after up to 3 title rows (one filled cell each, above a
  row of several names that are not numbers: "某区房屋安全鉴定汇总表"), skipped with a note.
  A header of two rows, group headings over column names ("基本信息" over "结构类型", "层数";
  core.xlsx.two_row_header), gives each column the name of its second row, or of its first when
  that is merged down over both; names repeated under two headings take the heading ("东墙_左"). Names are stripped of surrounding spaces. Names that
  repeat, differ only by spaces, or look like a program's renamed duplicate ("层数.1" next to
  "层数") are refused, as is a blank name over a column with values, unless they are whole
  numbers rising row by row: the row index pandas or R writes, dropped with a note. Empty unnamed
  columns are dropped. Merged header cells in XLSX are refused; each cell of merged data cells reads the merged value, with a note.
- Rows that are no buildings are skipped with a note (`core.sheet_rows`): a row of units under
  the header, rows of totals, notes below the table.
- Cells are stripped; blank rows are dropped. The frame's index, named "row", is the row
  number the engineer sees in Excel (the header is row 1 when the sheet starts with it).
"""
from __future__ import annotations

import codecs
import csv
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from core.errors import InputError
from core.messages import Message, msg
from core.sheet_rows import is_units, without_totals_and_notes
from core.upload import DEFAULT_MAX_BYTES, load_bytes
from core.xlsx import header_rows

ENCODINGS = ("utf-8-sig", "utf-8", "gbk", "gb18030")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
DELIMITERS = (",", ";", "\t")
MAX_COLUMNS = 16_384                         # Excel's own limit; wider input is not a table

_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0"
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+(?:[eE][-+]?\d+)?$")                  # "3,5", "3,1E-05"
_DOTTED_DECIMAL_COMMA = re.compile(r"^-?\d{1,3}(?:\.\d{3})+,\d+(?:[eE][-+]?\d+)?$")   # "1.234,5"
_MANGLED = re.compile(r"^(.*)\.(\d+)$")                               # pandas' "层数.1"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


@dataclass
class ReadResult:
    """The raw table: text cells (str dtype, NaN for blank), index = Excel row number."""
    frame: pd.DataFrame
    source: str                    # file name shown in messages
    encoding: str | None = None    # CSV only
    delimiter: str | None = None   # CSV only
    decimal: str = "."             # "," when the CSV used decimal commas
    sheet: str | None = None       # XLSX sheet read
    sheets: list[str] = field(default_factory=list)   # all XLSX sheet names
    warnings: list[Message] = field(default_factory=list)  # problems fixed or worth a look


def read_table(data: bytes | str | os.PathLike, name: str | None = None, *,
               encoding: str | None = None, sheet: str | int | None = None,
               max_bytes: int = DEFAULT_MAX_BYTES) -> ReadResult:
    """Read an uploaded table (bytes, a file-like object, or a path). `sheet` applies to XLSX
    only: a name or a 0-based index, the first sheet by default."""
    raw, source = load_bytes(data, name, max_bytes)
    if not raw.strip():
        raise InputError(msg("table.empty", source=source))
    if _is_xlsx(raw, source):
        return _read_xlsx(raw, source, sheet, max_bytes)
    return _read_csv(raw, source, encoding)


def _is_xlsx(raw: bytes, source: str) -> bool:
    suffix = Path(source).suffix.lower()
    if raw.startswith(_ZIP):
        return True
    if raw.startswith(_OLE2):
        raise InputError(msg("table.old_xls", source=source))
    if suffix in XLSX_SUFFIXES or suffix == ".xls":
        raise InputError(msg("table.bad_xlsx", source=source))
    if suffix and suffix not in CSV_SUFFIXES:
        raise InputError(msg("table.bad_suffix", source=source, suffix=suffix))
    return False


# ---------------------------------------------------------------- CSV

def _read_csv(raw: bytes, source: str, encoding: str | None) -> ReadResult:
    text, used = _decode(raw, source, encoding)
    text = text.lstrip("\ufeff").rstrip("\x1a")   # BOM left by a forced codec; DOS EOF mark
    if "\x00" in text or len(_CONTROL.findall(text[:100_000])) > len(text[:100_000]) / 100:
        raise InputError(msg("table.binary", source=source))
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    try:
        rows = [[cell or None for cell in record] for record in reader]
    except csv.Error as exc:
        raise InputError(_csv_error(text, reader.line_num, exc, source)) from None
    decimal = _fix_decimal_commas(rows) if delimiter != "," else "."
    frame, notes = _build_frame(rows, list(range(1, len(rows) + 1)), source,
                                overflow_hint=msg("table.unquoted_hint", delimiter=delimiter))
    return ReadResult(frame, source, used, delimiter, decimal, warnings=_stray_quote(rows, delimiter) + notes)


def _csv_error(text: str, line: int, exc: csv.Error, source: str) -> Message:
    """What went wrong: a cell longer than the csv module reads that sits on one line is a long
    cell; one that grew over many lines is a quote mark without its pair."""
    limit = csv.field_size_limit()
    if "field limit" in str(exc):
        lines = io.StringIO(text, newline="").readlines()
        if 0 < line <= len(lines) and len(lines[line - 1]) > limit:
            return msg("table.long_cell", source=source, row=line, limit=f"{limit:,}")
    return msg("table.bad_row", source=source, row=line, detail=exc)


def _stray_quote(rows: list[list[str | None]], delimiter: str) -> list[Message]:
    """A note when a quoted cell swallowed the rows after it (its lines hold the delimiter):
    a quote mark without its pair, the usual reason a table reads shorter than it is."""
    for number, row in enumerate(rows, start=1):
        for cell in row:
            if cell and "\n" in cell and delimiter in cell.split("\n", 1)[1]:
                return [msg("table.quote_hint", row=number, lines=cell.rstrip("\r\n").count("\n") + 1)]
    return []


def _decode(raw: bytes, source: str, encoding: str | None) -> tuple[str, str]:
    if encoding:
        try:
            codecs.lookup(encoding)
            return raw.decode(encoding), encoding
        except LookupError:
            raise InputError(msg("table.unknown_encoding", encoding=encoding)) from None
        except UnicodeDecodeError as exc:
            raise InputError(msg("table.wrong_encoding", source=source, encoding=encoding,
                                 byte=f"{raw[exc.start]:#04x}", position=exc.start)) from None
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass   # falls through to the binary check below
    if b"\x00" in raw:
        raise InputError(msg("table.binary", source=source))
    for name in ENCODINGS:
        if name == "utf-8-sig" and not raw.startswith(codecs.BOM_UTF8):
            continue
        try:
            return raw.decode(name), name
        except UnicodeDecodeError:
            continue
    raise InputError(msg("table.no_encoding", source=source))


def _sniff_delimiter(text: str) -> str:
    """The candidate that appears in the header and the same number of times in most lines."""
    lines = [line for line in text[:65_536].splitlines()[:30] if line.strip()]
    if not lines:
        return ","
    best, best_score = ",", (0.0, 0)
    for candidate in DELIMITERS:
        counts = [_count_unquoted(line, candidate) for line in lines]
        if counts[0] == 0:
            continue
        rest = counts[1:]
        agreement = sum(c == counts[0] for c in rest) / len(rest) if rest else 1.0
        if (agreement, counts[0]) > best_score:
            best, best_score = candidate, (agreement, counts[0])
    return best


def _count_unquoted(line: str, char: str) -> int:
    count, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == char and not quoted:
            count += 1
    return count


def _fix_decimal_commas(rows: list[list[str | None]]) -> str:
    """Rewrite "3,5" as "3.5" in data cells; return the decimal mark the file used."""
    found = header_seen = False
    for row in rows:
        if not header_seen:
            header_seen = any(cell and cell.strip() for cell in row)
            continue
        for j, cell in enumerate(row):
            if cell is None or "," not in cell:
                continue
            cell = cell.strip()
            if _DECIMAL_COMMA.match(cell):
                row[j], found = cell.replace(",", "."), True
            elif _DOTTED_DECIMAL_COMMA.match(cell):
                row[j], found = cell.replace(".", "").replace(",", "."), True
    return "," if found else "."


# ---------------------------------------------------------------- XLSX

def _read_xlsx(raw: bytes, source: str, sheet: str | int | None, max_bytes: int) -> ReadResult:
    from core.xlsx import read_sheet   # imported here: CSV users do not pay for openpyxl

    found = read_sheet(raw, source, sheet, max_bytes)
    frame, more = _build_frame(found.rows, found.row_numbers, f"{source}, sheet '{found.title}'")
    return ReadResult(frame, source, sheet=found.title, sheets=found.names, warnings=found.notes + more)


# ---------------------------------------------------------------- header and frame

def _build_frame(rows: list[list[str | None]], numbers: list[int], where: str,
                 overflow_hint: Message | str = "") -> tuple[pd.DataFrame, list[Message]]:
    """Header checks, blank-row and empty-column removal; index = Excel row numbers.

    `rows` hold raw text or None; the header keeps its spaces until checked."""
    rows = [[cell if cell and cell.strip() else None for cell in row] for row in rows]
    kept = [(n, row) for n, row in zip(numbers, rows) if any(cell is not None for cell in row)]
    if not kept:
        raise InputError(msg("table.empty", source=where))
    notes = []
    titles, depth = header_rows([row for _, row in kept])
    if titles:
        notes.append(msg("read.title_rows", where=where, rows=", ".join(str(n) for n, _ in kept[:titles]),
                         title=next(cell for cell in kept[0][1] if cell is not None).strip()[:60]))
        kept = kept[titles:]
    if depth == 2:
        (first, top), (second, sub) = kept[0], kept[1]
        headings = [cell.strip() for cell in top if cell is not None]
        notes.append(msg("read.two_row_header", where=where, rows=f"{first}, {second}",
                         headings=", ".join(f"'{h}'" for h in headings[:6]) + (" …" if len(headings) > 6 else "")))
        kept = [(second, _two_row_names(top, sub)), *kept[2:]]
    (_, header), body = kept[0], kept[1:]
    if body and is_units(body[0][1], body[1:]):
        units = [cell.strip() for cell in body[0][1] if cell is not None]
        notes.append(msg("read.units_row", where=where, row=body[0][0], units=", ".join(units[:6])))
        body = body[1:]
    body, skipped = without_totals_and_notes(body, where, sum(cell is not None for cell in header))
    notes += skipped
    if not body:
        raise InputError(msg("table.no_rows", where=where))
    width = max(len(row) for _, row in kept)
    if width > MAX_COLUMNS:
        raise InputError(msg("table.too_wide", where=where, width=width, limit=MAX_COLUMNS))
    header = list(header) + [None] * (width - len(header))
    _check_names(header, where)
    columns: dict[str, list[str | None]] = {}
    for j, name in enumerate(header):
        values = [row[j].strip() if j < len(row) and row[j] else None for _, row in body]
        if name is None:
            if _numbers_rows(values):   # the index pandas (to_csv) or R (write.csv) writes first
                notes.append(msg("read.index_column", where=where, letter=_letter(j), first=values[0],
                                 last=values[-1]))
                continue
            _refuse_unnamed(j, values, body, where, overflow_hint if j >= len(kept[0][1]) else "")
            continue   # an empty column without a name: Excel or a trailing delimiter left it
        columns[name.strip()] = values
    frame = pd.DataFrame(columns, index=pd.Index([n for n, _ in body], name="row"), dtype="str")
    if columns and all(re.fullmatch(r"-?[\d.]+", name) for name in columns):
        notes.append(msg("read.header_numbers", where=where))
    return frame, notes


def _two_row_names(top: list[str | None], sub: list[str | None]) -> list[str | None]:
    """One name per column of a two-row header: the second row's name, else the first row's (a
    name merged down over both). When second-row names repeat under different headings ("左"
    under two walls), each takes its heading: "东墙_左"."""
    width = max(len(top), len(sub))
    top, sub = top + [None] * (width - len(top)), sub + [None] * (width - len(sub))
    names = [sub[j] if sub[j] is not None else top[j] for j in range(width)]
    subs = [name.strip() for name in sub if name is not None]
    if len(subs) == len(set(subs)):
        return names
    heading = None
    for j in range(width):
        if top[j] is not None:
            heading = top[j].strip()
        if sub[j] is not None and heading is not None:
            names[j] = f"{heading}_{sub[j].strip()}"
    return names


def _numbers_rows(values: list[str | None]) -> bool:
    """Whole numbers in every cell, rising row after row: a row index (0, 1, 2, ... or the
    numbers a filtered table kept), not data."""
    if len(values) < 2 or not all(value is not None and value.isdigit() and value.isascii() for value in values):
        return False
    numbers = [int(value) for value in values]
    return all(b > a for a, b in zip(numbers, numbers[1:]))


def _refuse_unnamed(j: int, values: list, body: list, where: str, hint: Message | str) -> None:
    for (number, _), value in zip(body, values):
        if value is not None:
            raise InputError(msg("table.unnamed", where=where, position=j + 1, letter=_letter(j),
                                 row=number, value=value[:40], hint=hint))


def _check_names(header: list[str | None], where: str) -> None:
    """Refuse names that repeat once spaces are ignored, or pandas-style '.1' copies."""
    seen: dict[str, str] = {}
    raw_names = [name for name in header if name is not None]
    for raw in raw_names:
        key = re.sub(r"\s+", "", raw)
        if key in seen:
            first = seen[key]
            why = (msg("table.twice_spaces", first=first, second=raw) if first != raw
                   else msg("table.twice_same"))
            raise InputError(msg("table.twice", where=where, name=raw.strip(), why=why))
        seen[key] = raw
    for raw in raw_names:   # pandas numbers its copies 1, 2, ...: "P99.5" beside "P99" alone is a name
        mangled = _MANGLED.match(re.sub(r"\s+", "", raw))
        if mangled is None:
            continue
        base, copy = mangled.group(1), int(mangled.group(2))
        if copy >= 1 and base in seen and all(f"{base}.{k}" in seen for k in range(1, copy)):
            raise InputError(msg("table.renamed_copy", where=where, name=seen[base].strip(), copy=raw.strip()))


def _letter(j: int) -> str:
    """0-based column position as an Excel letter: 0 -> A, 26 -> AA."""
    letters = ""
    j += 1
    while j:
        j, rest = divmod(j - 1, 26)
        letters = chr(65 + rest) + letters
    return letters

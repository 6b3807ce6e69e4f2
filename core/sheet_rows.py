"""Rows of a survey sheet that are no buildings, told apart from the data rows below the header
(called by `core.table.read_table`, which skips each kind with a note):

- A row of units under the header: in brackets ("(层)", "（mm）"), or bare ("层", "mm", "MPa")
  where the column below holds numbers (`is_units`).
- Rows of totals: first cell 合计, 小计, 平均, Total, ..., unless a class is so named (`_totals`).
- Notes below the table: last rows with one cell of text ("注：……", "填表人：……").

Otherwise each would be read as a building (a structure type '合计' with 445 storeys).
"""
from __future__ import annotations

import re
from collections import Counter

from core.cells import is_missing, label_key, to_number
from core.messages import Message, msg
from core.xlsx import NUMBER_TEXT, numeric_below

TOTAL_WORDS = frozenset(("合计", "总计", "小计", "共计", "总和", "汇总", "平均", "平均值",
                         "total", "sum", "subtotal", "average", "mean"))
MAX_NOTE_ROWS = 5


def without_totals_and_notes(body: list, where: str, n_names: int) -> tuple[list, list[Message]]:
    """The data rows without rows of totals (first cell 合计, 小计, Total, ...: anywhere) and
    without the notes below the table (up to MAX_NOTE_ROWS last rows with one filled cell of text:
    "注：裂缝宽度为最大值", "填表人：张三"); each kind skipped with a note."""
    notes = []
    first = [next((cell.strip() for cell in row if cell is not None), "") for _, row in body]
    totals = _totals(body, first)
    if totals:
        rows = [str(body[i][0]) for i in sorted(totals)]
        notes.append(msg("read.totals", where=where, rows=", ".join(rows[:5]) + (" …" if len(rows) > 5 else ""),
                         word=first[min(totals)]))
        body = [row for i, row in enumerate(body) if i not in totals]
    ends = 0
    while ends < min(MAX_NOTE_ROWS, len(body) - 1) and _is_note(body[-1 - ends][1], n_names):
        ends += 1
    if ends:
        skipped = body[len(body) - ends:]
        notes.append(msg("read.note_rows", where=where, rows=", ".join(str(n) for n, _ in skipped),
                         text=next(cell for cell in skipped[0][1] if cell is not None).strip()[:60]))
        body = body[:len(body) - ends]
    return body, notes


def _totals(body: list, first: list[str]) -> set[int]:
    """Positions of the rows of totals: the first filled cell a word of TOTAL_WORDS, unless that
    word is a class. It is one when it starts more than one row and most of its rows hold, after
    it, a label that another row holds in the same column: politicalInformation's rating
    "Average" (586 of 1,807 rows, each with its Yes and No as every row has). A total stands
    alone ("Total, 51.02, 2012, False": the nation below the states) or leaves the label columns
    blank ("小计, , 5"). Our rule; a class so named beside numbers only still reads as totals."""
    candidates: dict[str, list[int]] = {}
    for i, text in enumerate(first):
        if (key := label_key(text)) in TOTAL_WORDS:
            candidates.setdefault(key, []).append(i)
    labels = {}   # candidate row -> {column: label} of its cells after the word
    for i in (i for rows in candidates.values() for i in rows):
        row = body[i][1]
        word = next(j for j, cell in enumerate(row) if cell is not None)
        labels[i] = {j: label_key(row[j]) for j in range(word + 1, len(row)) if _is_label(row[j])}
    held = {j: Counter(label_key(row[j]) for _, row in body if j < len(row) and _is_label(row[j]))
            for j in {j for cells in labels.values() for j in cells}}
    shared = {i for i, cells in labels.items() if any(held[j][key] > 1 for j, key in cells.items())}
    return {i for rows in candidates.values()
            if len(rows) == 1 or 2 * len(shared.intersection(rows)) <= len(rows) for i in rows}


def _is_label(cell: str | None) -> bool:
    """Does the cell hold text that is no number and no mark of a missing value ("-", "N/A")?"""
    return cell is not None and bool(cell.strip()) and to_number(cell) is None and not is_missing(cell)


_UNIT = re.compile(r"[(（\[【]\s*[^\d\s()（）\[\]【】][^()（）\[\]【】]{0,11}[)）\]】]")   # (mm), （层）, [m²]
_BARE_UNIT = re.compile(   # mm, m², MPa, %, ‰, 层, 年, mm/月, kN/m² ...: a unit written without brackets
    r"(?i)(?:mm|cm|dm|m|km|m[²³23]|kg|t|kn|kpa|mpa|%|‰|℃|°|度|层|年|月|天|日|个|处|根|条|次|人|户|间|栋|幢|座"
    r"|元|万元)(?:/(?:mm|m|m[²³23]|s|d|h|a|年|月|天|日))?")


def is_units(row: list[str | None], data: list) -> bool:
    """A row of units under the header, at least two, one over a column of numbers: the header's
    second line, not a building. Each is in brackets ("(层)", "（mm）"), or a bare unit ("层",
    "mm", "MPa", "mm/月") over a column of numbers: a unit over text could be a label."""
    filled = [(j, cell.strip()) for j, cell in enumerate(row) if cell is not None]
    if len(filled) < 2 or not all(_UNIT.fullmatch(cell) or _BARE_UNIT.fullmatch(cell) for _, cell in filled):
        return False   # the usual case, told from the row alone: a value that is no unit
    rows = [r for _, r in data]
    numbers = {j: numeric_below(rows, j) for j, _ in filled}
    return any(numbers.values()) and all(numbers[j] or _UNIT.fullmatch(cell) for j, cell in filled)


def _is_note(row: list[str | None], n_names: int) -> bool:
    """One filled cell, of text, in a table of at least 3 columns: a note, not a building."""
    filled = [cell.strip() for cell in row if cell is not None]
    return n_names >= 3 and len(filled) == 1 and not NUMBER_TEXT.fullmatch(filled[0])

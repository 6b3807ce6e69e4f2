"""Preparing the user's table: each column's role (inferred by core.roles, or forced by the
caller), its cells read and cleaned. The result of `prepare_table` is what the transformer and
the VAE see: the used columns only, in the original order, with no missing values.

Overrides: `roles` and `exclude` win over inference; an unknown column is refused. A forced
numeric role needs at least half of the non-missing cells to be numbers, a forced DATE role at
least half to be dates; a forced BINARY role needs exactly two distinct labels.

Missing values (`ColumnReport.missing_action`):
- numeric roles: filled with the column median (rounded for INTEGER);
- BINARY, CATEGORICAL, ORDINAL: filled with the most frequent label (ties: first in order);
- at least BLANK_FRACTION of the cells missing (`core.roles.keeps_blanks`): filled as above, and
  the column also keeps its blanks (`ColumnSpec.blanks`): the frame gets a companion column
  (`blank_column`), True where the cell was blank, which the model learns with the rest, so that
  generated rows are blank as often, and in the same kind of rows (core.transformer). Decision (ours): below 5 %, the
  filled cells change a column's shape by less than 0.05 (KS or TVD), and a column is saved;
- too few values after reading (also when the role is forced; `too_few_values`): EXCLUDED;
- rows are never dropped here. Fewer than `MIN_ROWS` rows, or no usable column, is refused.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.cells import date_of, date_style, order_bins, parse_bin, read_cell, to_number, write_date, years
from core.errors import InputError
from core.messages import Message, msg
from core.passthrough import Passthrough
from core.roles import (NO_MARK, NUMERIC_ROLES, Role, blank_is_a_value, categories_of, cell_texts, column_names,
                        infer_role, keeps_blanks, maybe_class, too_few_values)


@dataclass(frozen=True)
class ColumnSpec:
    """One used column. `categories` lists the labels seen, in order.

    For BINARY, CATEGORICAL and ORDINAL the labels are strings: ORDINAL in bin or
    grade order, BINARY with the negative label (否/无/No/0) first, CATEGORICAL
    sorted; for numeric roles `categories` is empty. `style`: how a DATE column writes its
    dates (core.cells.date_style).
    """
    name: str
    role: Role
    categories: tuple[str, ...] = ()
    style: str = ""
    blanks: bool = False   # keeps its blanks: the prepared frame has its `blank_column`

    @property
    def is_numeric(self) -> bool:
        return self.role in NUMERIC_ROLES


def blank_column(name: str) -> str:
    """The companion of column `name` in a prepared frame and in generated rows: True where the
    cell is blank. The NUL keeps it apart from any name a table's header can hold."""
    return f"{name}\x00blank"


def filled_in(frame: "pd.DataFrame", name: str) -> "pd.Series":
    """(n,) True where column `name` of a prepared frame (or of generated rows) holds a value,
    False where its cell is blank and only filled for training."""
    companion = blank_column(name)
    return ~frame[companion].astype(bool) if companion in frame.columns else pd.Series(True, index=frame.index)


def present_cells(frame: "pd.DataFrame", name: str) -> "pd.Series":
    """Column `name` of a prepared frame (or of generated rows) without its blank cells."""
    return frame.loc[filled_in(frame, name), name]


@dataclass
class ColumnReport:
    """What `prepare_table` decided and did for one column of the raw table."""
    name: str
    role: Role
    reason: Message              # why this role (or why excluded), one short phrase
    n_missing: int = 0           # cells missing before cleaning
    missing_action: Message | None = None   # e.g. "filled with median 3.2"
    n_coerced: int = 0           # cells turned from text into numbers ("3层" -> 3) or, stray text, to missing
    overridden: bool = False     # role set by the caller rather than inferred
    text_cells: list[tuple[object, str]] = field(default_factory=list)   # (row, text) of text cells
                                 # in a mostly numeric column, read as missing
    maybe_class: bool = False    # a few whole numbers under a class-like name: perhaps coded classes


@dataclass
class PreparedTable:
    """The cleaned table the model trains on."""
    frame: "pd.DataFrame"              # used columns only, original order, no NaN;
                                       # numeric roles as float64, the rest as str; then the
                                       # `blank_column` (bool) of each spec that keeps its blanks
    specs: list[ColumnSpec]            # one per column of `frame`, same order
    report: list[ColumnReport] = field(default_factory=list)  # one per raw column
    unmodelled: list[Passthrough] = field(default_factory=list)   # the raw columns not in `frame`
    # per modelled column, (n,) True where the input cell was blank and `frame` holds a filled
    # value (core.bands leaves those rows out); empty for a table built otherwise
    filled: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def features(self) -> list[str]:
        """The modelled columns, in input order."""
        return [spec.name for spec in self.specs]

    @property
    def columns(self) -> list[str]:
        """Every column of the input table, in input order (modelled or not)."""
        return [entry.name for entry in self.report] or self.features

    def held(self, name: str) -> "pd.DataFrame":
        """The rows of `frame` whose cell of column `name` the input holds: neither a blank kept
        as blank nor one filled for training (a class check or a class's seeds count these only)."""
        if name not in self.frame.columns:   # the caller's check names the unknown column
            return self.frame
        holds = filled_in(self.frame, name).to_numpy() & ~self.filled.get(name, np.zeros(len(self.frame), bool))
        return self.frame[holds]

    def unmodelled_reasons(self) -> dict[str, Message]:
        """Column -> why the model does not use it, for every input column not modelled."""
        return {entry.name: entry.reason for entry in self.report if entry.role is Role.EXCLUDED}



# ---------------------------------------------------------------- limits

MIN_ROWS = 8                   # fewer rows cannot train even the paper's small VAE (30 houses)
FORCED_NUMERIC_FRACTION = 0.5


# ---------------------------------------------------------------- cleaning


def prepare_table(frame: pd.DataFrame, roles: Mapping[str, Role | str] | None = None,
                  exclude: Iterable[str] = (), source: str = "data") -> PreparedTable:
    """Roles (inferred or forced), missing values filled, unused columns set aside.

    Row numbers in messages are the frame's index when it is named "row" (as
    `core.table.read_table` makes it), else the position + 2 (the header is row 1)."""
    names = column_names(frame, source)
    forced = _overrides(names, roles or {}, exclude, source)
    if len(frame) < MIN_ROWS:
        raise InputError(msg("columns.too_few_rows", source=source, rows=len(frame), minimum=MIN_ROWS))
    rows = list(frame.index) if frame.index.name == "row" else list(range(2, len(frame) + 2))
    columns: dict[str, pd.Series] = {}
    blanks: dict[str, pd.Series] = {}   # after every column in the frame: the companions trail them
    specs, report, unmodelled, filled = [], [], [], {}
    for j, name in enumerate(names):
        texts = cell_texts(frame.iloc[:, j])
        values, spec, entry, blank = _prepare_column(name, texts, forced.get(name), rows, source)
        report.append(entry)
        if spec is None:
            unmodelled.append(Passthrough.of(name, texts, entry.reason))
            continue
        dtype = "float64" if spec.is_numeric else "str"
        columns[name] = pd.Series(values, index=frame.index, dtype=dtype)
        specs.append(spec)
        filled[name] = np.asarray(blank, dtype=bool)
        if spec.blanks:
            blanks[blank_column(name)] = pd.Series(blank, index=frame.index, dtype=bool)
    if not specs:
        raise InputError(msg("columns.nothing_left", source=source))
    return PreparedTable(pd.DataFrame(columns | blanks, index=frame.index), specs, report, unmodelled, filled)



def _overrides(names: list[str], roles: Mapping, exclude: Iterable[str],
               source: str) -> dict[str, Role]:
    forced = {}
    for name, role in [*roles.items(), *((name, Role.EXCLUDED) for name in exclude)]:
        if str(name) not in names:
            shown = ", ".join(f"'{n}'" for n in names[:12]) + (", ..." if len(names) > 12 else "")
            raise InputError(msg("columns.unknown", source=source, name=name, columns=shown))
        forced[str(name)] = as_role(role, str(name), source)
    return forced


def as_role(role: Role | str, name: str, source: str = "data") -> Role:
    """A role from its name ("categorical", "CATEGORICAL"); InputError naming the choices."""
    if isinstance(role, Role):
        return role
    text = str(role).strip().lower()
    for candidate in Role:
        if text in (candidate.value, candidate.name.lower()):
            return candidate
    raise InputError(msg("columns.bad_role", source=source, role=role, name=name,
                         roles=", ".join(r.value for r in Role)))


def _prepare_column(name: str, texts: list[str | None], forced: Role | None, rows: list, source: str
                    ) -> tuple[object, ColumnSpec | None, ColumnReport, list[bool] | None]:
    """(the cleaned values, the spec (None: not modelled), the report, which cells were missing
    when the spec keeps its blanks)."""
    if forced:
        role, reason, stray = forced, msg("reason.set_by_user"), False
    else:
        role, reason, stray = infer_role(name, texts)
    entry = ColumnReport(name, role, reason, overridden=forced is not None)
    entry.n_missing = sum(text is None or read_cell(text)[0] for text in texts)
    if role is Role.EXCLUDED:
        return None, None, entry, None
    if role is Role.BINARY and (found := blank_is_a_value(texts)) is not None:   # a blank is a value
        entry.n_missing = 0
        labels = [NO_MARK if text is None or read_cell(text)[0] else found[0] for text in texts]
        return labels, ColumnSpec(name, role, (NO_MARK, found[0])), entry, None
    numeric = role in NUMERIC_ROLES
    if role is Role.DATE:
        cells = _date_cells(name, texts, forced is not None, rows, source)
        entry.n_coerced = sum(text is not None and cell is None and not read_cell(text)[0]
                              for text, cell in zip(texts, cells))   # text that is no date
    elif numeric:
        cells = _numeric_cells(name, texts, role, forced is not None, rows, source)
        entry.n_coerced = sum(text is not None and not read_cell(text)[0] and not read_cell(text)[2]
                              for text in texts)   # missing tokens ("-") are counted as missing only
    else:
        cells = [None if text is None or read_cell(text)[0] else text for text in texts]
        if stray:   # a 0/1 flag or a bin column with a few text cells: those are missing
            cells = [None if cell is None or read_cell(cell)[1] is None else cell for cell in cells]
        entry.n_coerced = sum(text is not None and cell is None and not read_cell(text)[0]
                              for text, cell in zip(texts, cells))
    if numeric or stray:
        entry.text_cells = [(rows[i], text) for i, (text, cell) in enumerate(zip(texts, cells))
                            if cell is None and text is not None and not read_cell(text)[0]]
    entry.n_missing = sum(cell is None for cell in cells)
    if too_few_values(entry.n_missing, len(texts)):
        entry.role = Role.EXCLUDED
        entry.reason = msg("reason.too_few_values", n=len(texts) - entry.n_missing, cells=len(texts))
        return None, None, entry, None
    blanks = keeps_blanks(entry.n_missing, len(texts))
    blank = [cell is None for cell in cells]
    if numeric:
        style = date_style(text for text, cell in zip(texts, cells) if cell is not None) if role is Role.DATE else ""
        values, entry.missing_action = _fill_median(cells, role, style)
        if role is Role.INTEGER and not forced and maybe_class(name, values):
            entry.maybe_class = True
            entry.reason = msg("reason.maybe_class", reason=entry.reason, n=len(np.unique(values)))
        return values, ColumnSpec(name, role, style=style, blanks=blanks), entry, blank
    distinct = list(dict.fromkeys(cell for cell in cells if cell is not None))
    if role is Role.BINARY and len(distinct) != 2:
        raise InputError(msg("columns.not_binary", source=source, name=name, n=len(distinct)))
    if role is Role.ORDINAL and order_bins(distinct):
        cells, entry.reason = _merge_bin_spellings(cells, entry.reason)
        distinct = list(dict.fromkeys(cell for cell in cells if cell is not None))
    categories = categories_of(role, distinct)
    labels, entry.missing_action = _fill_mode(cells, categories)
    return labels, ColumnSpec(name, role, categories, blanks=blanks), entry, blank


def _merge_bin_spellings(cells: list[str | None], reason: Message) -> tuple[list, Message]:
    """One bin written several ways ("15-20", "15~20", "15–20") becomes one category, spelt
    as its most frequent form; otherwise the model would learn three unrelated labels."""
    counts = Counter(cell for cell in cells if cell is not None)
    bounds = {label: parse_bin(label) or to_number(label) for label in counts}
    spelling: dict[object, str] = {}
    for label, _ in counts.most_common():   # ties keep first-seen order
        spelling.setdefault(bounds[label], label)
    renamed = {label: spelling[bounds[label]] for label in counts
               if spelling[bounds[label]] != label}
    if renamed:
        shown = ", ".join(f"'{old}' -> '{new}'" for old, new in list(renamed.items())[:3])
        reason = msg("reason.merged_bins", reason=reason, renamed=shown + (" ..." if len(renamed) > 3 else ""))
    return [renamed.get(cell, cell) for cell in cells], reason


def _numeric_cells(name: str, texts: list[str | None], role: Role, forced: bool, rows: list,
                   source: str) -> list[float | None]:
    cells = [None if text is None else read_cell(text)[1] for text in texts]
    present = [(i, text) for i, text in enumerate(texts) if text is not None and not read_cell(text)[0]]
    bad = [(i, text) for i, text in present if cells[i] is None]
    if forced and len(bad) > (1 - FORCED_NUMERIC_FRACTION) * len(present):
        i, text = bad[0]
        raise InputError(msg("columns.not_numeric", source=source, name=name, role=role,
                             numbers=len(present) - len(bad), present=len(present), row=rows[i],
                             value=text[:40]))
    return cells


def _date_cells(name: str, texts: list[str | None], forced: bool, rows: list, source: str) -> list[float | None]:
    """Each cell in decimal years (core.cells.years), None for blanks and text that is no date; a
    forced DATE role needs at least FORCED_NUMERIC_FRACTION of the present cells to be dates."""
    days = [None if text is None else date_of(text) for text in texts]
    present = [i for i, text in enumerate(texts) if text is not None and not read_cell(text)[0]]
    bad = [i for i in present if days[i] is None]
    if forced and len(bad) > (1 - FORCED_NUMERIC_FRACTION) * len(present):
        raise InputError(msg("columns.not_dates", source=source, name=name, dates=len(present) - len(bad),
                             present=len(present), row=rows[bad[0]], value=texts[bad[0]][:40]))
    return [None if day is None else years(day) for day in days]


def _fill_median(cells: list[float | None], role: Role, style: str = "") -> tuple[np.ndarray, Message | None]:
    values = np.array([np.nan if cell is None else cell for cell in cells], dtype=np.float64)
    missing = np.isnan(values)
    if not missing.any():
        return values, None
    median = float(np.median(values[~missing]))
    if role is Role.INTEGER:
        median = math.floor(median + 0.5)   # a count stays whole; halves round up
    values[missing] = median
    return values, msg("action.median", value=write_date(median, style) if role is Role.DATE else f"{median:g}")


def _fill_mode(cells: list[str | None], categories: tuple[str, ...]) -> tuple[list[str], Message | None]:
    counts = Counter(cell for cell in cells if cell is not None)
    mode = max(categories, key=lambda label: counts[label])   # first in order wins a tie
    action = msg("action.mode", value=mode) if None in cells else None
    return [mode if cell is None else cell for cell in cells], action


def _blank_together(table: PreparedTable) -> dict[str, list[str]]:
    """For columns that keep their blanks and are blank in exactly the same rows as another (a
    section of the form left empty): the first of each such group -> every name of the group,
    the others -> []. Columns blank in rows of their own are not in it."""
    groups: dict[bytes, list[str]] = {}
    for spec in table.specs:
        if spec.blanks:
            groups.setdefault(table.frame[blank_column(spec.name)].to_numpy().tobytes(), []).append(spec.name)
    return {name: (names if i == 0 else []) for names in groups.values() if len(names) > 1
            for i, name in enumerate(names)}


def reading_notes(table: PreparedTable) -> list[Message]:
    """What cleaning did, column by column: excluded columns and why, text cells read as
    missing inside numeric columns (with their rows), converted and filled cells, and
    integer columns that may be coded classes."""
    notes = []
    together = _blank_together(table)
    for entry in table.report:
        if entry.role is Role.EXCLUDED:
            notes.append(msg("read.excluded", name=entry.name, reason=entry.reason))
            continue
        if entry.text_cells:
            shown = entry.text_cells[:5]
            code = "read.text_in_dates" if entry.role is Role.DATE else "read.text_in_numbers"
            notes.append(msg(code, name=entry.name, n=len(entry.text_cells),
                             rows=", ".join(str(row) for row, _ in shown) + (" …" if len(entry.text_cells) > 5 else ""),
                             examples=", ".join(f"'{text[:20]}'" for _, text in shown)))
        converted = entry.n_coerced - len(entry.text_cells)
        if converted > 0:
            notes.append(msg("read.cleaned", name=entry.name, n=converted))
        share = f"{entry.n_missing / max(len(table.frame), 1):.0%}"
        if entry.name in together:   # the first of columns blank in the same rows says it for all
            if together[entry.name]:
                notes.append(msg("read.kept_blank_together", n=entry.n_missing, share=share,
                                 names=", ".join(f"'{name}'" for name in together[entry.name])))
        elif entry.missing_action is not None:
            kept = blank_column(entry.name) in table.frame.columns
            notes.append(msg("read.kept_blank" if kept else "read.filled", name=entry.name, n=entry.n_missing,
                             action=entry.missing_action, share=share))
        if entry.maybe_class:
            codes = sorted(table.frame[entry.name].unique())
            notes.append(msg("read.maybe_class", name=entry.name, n=len(codes),
                             values="/".join(f"{code:g}" for code in codes)))
    return notes

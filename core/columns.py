"""Column roles: what each column of the user's table is, and how it is cleaned.

Roles are inferred from the values and the caller may override them. The result
of `prepare_table` is what the transformer and the VAE see: the used columns only,
in the original order, with no missing values.

Inference (`infer_roles`), first rule that applies:
1. Too few values (`too_few_values`): none, or more than half of the cells missing unless at least
   SPARSE_MIN_VALUES (30) cells hold a value and at most MAX_SPARSE_FRACTION (90 %) are missing
   -> EXCLUDED "too few values". A sparse column with enough values keeps its blanks.
2. Name looks like an id (id, ID, No., 编号, 序号, 样本号, ...) -> EXCLUDED.
3. One distinct value -> EXCLUDED "constant".
   Then, at least 90 % of the cells dates ("2007-07-07", "2007年7月") -> DATE: modelled as a
   number in decimal years (core.cells.years; 2007-07-07 is 2007.51), written back as dates in
   the column's own style. Decision (ours): not a label (thousands of one-hot columns), and years
   rather than day counts, so that ranges, sliders and charts read as years.
4. More than 10 rows, none missing, all different and mostly not numbers -> EXCLUDED (an id
   or a name); or integers rising by exactly 1 row after row -> EXCLUDED (row numbers).
5. Two distinct values -> BINARY. Before rule 1: one mark ("√", "是", "有", "1", ...) and blanks
   -> BINARY, blank meaning no (label "", written back blank): a form's tick box, where the
   rare ticks are the dangerous cases, not a column with too few values. Then one label that
   is no mark ("危房", "砖混") and at least BLANK_FRACTION blanks -> BINARY the same way
   (`lone_label`), the blank a value of its own rather than "no": modelled with the other
   columns instead of set aside (a constant, or too few values) and drawn apart.
6. Bins make up at least half of the distinct labels, the rest plain numbers -> ORDINAL.
7. All labels in one scale of `ORDINAL_GRADES` (case ignored) -> ORDINAL in that order.
8. At least 90 % of the non-missing cells are numbers or bins -> INTEGER when every value is
   whole, else CONTINUOUS; other cells become missing and are counted in `n_coerced`; a bin
   cell becomes its midpoint (or its finite end for an open bin) and is counted too.
9. Otherwise CATEGORICAL, unless it has more than MANY_LABELS different labels, or more than
   FREE_TEXT_LABELS making up over FREE_TEXT_FRACTION of the cells -> EXCLUDED "free text"
   (addresses, remarks, names that repeat: one one-hot column per label would make the model
   slow and learn nothing). Forcing CATEGORICAL models such a column anyway.

Category order: ORDINAL in bin or scale order (forced ORDINAL without either: numbers by
value, then labels); BINARY with the negative label (否, 无, No, False, 0, ...) first, else as
ORDINAL; CATEGORICAL sorted by label.

Overrides: `roles` and `exclude` win over inference; an unknown column is refused. A forced
numeric role needs at least half of the non-missing cells to be numbers, a forced DATE role at
least half to be dates; a forced BINARY role needs exactly two distinct labels.

Missing values (`ColumnReport.missing_action`):
- numeric roles: filled with the column median (rounded for INTEGER);
- BINARY, CATEGORICAL, ORDINAL: filled with the most frequent label (ties: first in order);
- at least BLANK_FRACTION of the cells missing: filled as above, and the column also keeps its
  blanks (`ColumnSpec.blanks`): the frame gets a companion column (`blank_column`), True where
  the cell was blank, which the model learns with the rest, so that generated rows are blank
  as often, and in the same kind of rows (core.transformer). Decision (ours): below 5 %, the
  filled cells change a column's shape by less than 0.05 (KS or TVD), and a column is saved;
- too few values after reading (also when the role is forced; `too_few_values`): EXCLUDED;
- rows are never dropped here. Fewer than `MIN_ROWS` rows, or no usable column, is refused.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum

import numpy as np
import pandas as pd

from core.cells import (NEGATIVE_LABELS, cell_text, date_of, date_style, grade_order, label_key, order_bins, parse_bin,
                        read_cell, to_number, write_date, years)
from core.errors import InputError
from core.messages import Message, msg
from core.passthrough import Passthrough


class Role(str, Enum):
    CONTINUOUS = "continuous"    # real numbers, e.g. crack width in mm
    INTEGER = "integer"          # counts, e.g. storeys; rounded when generated
    BINARY = "binary"            # exactly two values, e.g. 是/否
    CATEGORICAL = "categorical"  # nominal labels, e.g. 框架结构 / 框剪结构
    ORDINAL = "ordinal"          # ordered bins or grades, e.g. 15–20 / 20–25 / 30以上
    DATE = "date"                # calendar dates, e.g. 竣工日期 2007-07-07; modelled in years
    EXCLUDED = "excluded"        # ids, constants, or excluded by the user


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

    @property
    def features(self) -> list[str]:
        """The modelled columns, in input order."""
        return [spec.name for spec in self.specs]

    @property
    def columns(self) -> list[str]:
        """Every column of the input table, in input order (modelled or not)."""
        return [entry.name for entry in self.report] or self.features

    def unmodelled_reasons(self) -> dict[str, Message]:
        """Column -> why the model does not use it, for every input column not modelled."""
        return {entry.name: entry.reason for entry in self.report if entry.role is Role.EXCLUDED}


NUMERIC_ROLES = (Role.CONTINUOUS, Role.INTEGER, Role.DATE)   # one standardised number each


# ---------------------------------------------------------------- limits

MIN_ROWS = 8                   # fewer rows cannot train even the paper's small VAE (30 houses)
BLANK_FRACTION = 0.05          # a column missing at least this keeps its blanks (ColumnSpec.blanks)
MAX_MISSING_FRACTION = 0.5     # a column missing more than this is excluded (`too_few_values`) ...
SPARSE_MIN_VALUES = 30         # ... unless it holds at least this many values
MAX_SPARSE_FRACTION = 0.9      # ... and misses at most this share: it is modelled with its blanks
INFERRED_NUMERIC_FRACTION = 0.9
FORCED_NUMERIC_FRACTION = 0.5
ID_MIN_ROWS = 10               # "all values different" only means id in longer tables


# ---------------------------------------------------------------- inferring roles

_ID_NAME = re.compile(r"(?i:id|no\.?|#|index|样本号|索引)|.*(?:编号|序号|ID|(?i:[_\s-]id))")
_CLASS_NAME = re.compile(r"(?i).*(?:grade|class|label|level|category|damage|type|rating)|"
                         r".*(?:等级|级别|类别|类型|分类|评级|鉴定|危险性)")
MAX_CLASS_CODES = 10           # a class coded as numbers has at most this many codes
FREE_TEXT_LABELS = 50          # more labels than this, and over FREE_TEXT_FRACTION of the
FREE_TEXT_FRACTION = 0.2       # cells distinct: free text, not a category
MANY_LABELS = 1_000            # more labels than this: free text whatever the table's length
DATE_FRACTION = 0.9


def infer_roles(frame: pd.DataFrame) -> dict[str, tuple[Role, Message]]:
    """Role and a short reason for every column, by the rules in the module docstring."""
    names = _names(frame, "data")
    return {name: _infer(name, _texts(frame.iloc[:, j]))[:2] for j, name in enumerate(names)}


def _texts(series: pd.Series) -> list[str | None]:
    return [cell_text(value) for value in series.tolist()]


def _present(texts: list[str | None]) -> list[str]:
    return [text for text in texts if text is not None and not read_cell(text)[0]]


def _mostly_numbers(present: list[str]) -> bool:
    """At least INFERRED_NUMERIC_FRACTION of the cells are numbers or bins, but not all:
    the others are stray text ("unknown", "inf") to be read as missing."""
    n_numbers = sum(read_cell(text)[1] is not None for text in present)
    return len(present) > n_numbers >= INFERRED_NUMERIC_FRACTION * len(present)


NO_MARK = ""   # the label of a blank in a column of marks: written back blank, as the form has it
MARKS = frozenset(("√", "✓", "✔", "☑", "●", "■", "★", "*", "x", "是", "有", "y", "yes", "true", "1"))


def mark_of(texts: list[str | None]) -> str | None:
    """The mark of a column that holds one mark and blanks (a form's tick box: "√" where a wall
    cracks, nothing where it does not), as first written; None for any other column."""
    written = [text for text in texts if text is not None]
    if not written or len(written) == len(texts):
        return None
    keys = {label_key(text) for text in written}
    return written[0] if len(keys) == 1 and keys <= MARKS else None


def lone_label(texts: list[str | None]) -> str | None:
    """The label of a column that holds one label, not a number, and in at least BLANK_FRACTION
    of its cells blanks (a word for missing counts as blank): '危房' where a building is
    dangerous, nothing elsewhere; None for any other column. (A lone number with blanks, a flag
    that never occurs in a slice, stays a constant.) Reads each distinct text once: it is asked
    of every column."""
    labels = [text for text in set(texts) - {None} if not read_cell(text)[0]]
    if len(labels) != 1 or read_cell(labels[0])[1] is not None:
        return None
    blanks = len(texts) - texts.count(labels[0])
    return labels[0] if blanks >= max(1, BLANK_FRACTION * len(texts)) else None


def _blank_is_a_value(texts: list[str | None]) -> tuple[str, Message] | None:
    """(label, reason) of a column whose blank is its other value: a tick box (`mark_of`, the
    blank read as no) or one word written only in some rows (`lone_label`); None otherwise."""
    if (mark := mark_of(texts)) is not None:
        return mark, msg("reason.marks", mark=mark)
    if (label := lone_label(texts)) is not None:
        return label, msg("reason.lone_label", label=label)
    return None


def _infer(name: str, texts: list[str | None]) -> tuple[Role, Message, bool]:
    """(role, reason, stray text): the third is True when a mostly numeric column's text
    cells were set aside to infer the role (they are read as missing)."""
    if not _ID_NAME.fullmatch(name.strip()) and (found := _blank_is_a_value(texts)) is not None:
        return Role.BINARY, found[1], False   # before "too few values": rare ticks are the dangerous cases
    present = _present(texts)
    if too_few_values(len(texts) - len(present), len(texts)):
        return Role.EXCLUDED, msg("reason.too_few_values", n=len(present), cells=len(texts)), False
    if _ID_NAME.fullmatch(name.strip()):
        return Role.EXCLUDED, msg("reason.id_name"), False
    stray = _mostly_numbers(present)
    if stray:
        present = [text for text in present if read_cell(text)[1] is not None]
    distinct = list(dict.fromkeys(present))
    if len(distinct) == 1:
        return Role.EXCLUDED, msg("reason.constant"), stray
    dates = {label for label in distinct if date_of(label) is not None}
    if not stray and sum(text in dates for text in present) >= DATE_FRACTION * len(present):
        return Role.DATE, msg("reason.dates"), False
    numbers = [read_cell(text)[1] for text in present]
    n_numbers = sum(number is not None for number in numbers)
    if len(distinct) == len(texts) > ID_MIN_ROWS and n_numbers < len(present) / 2:
        return Role.EXCLUDED, msg("reason.all_different"), stray
    whole = [number for number in numbers if number is not None and number.is_integer()]
    if len(whole) == len(texts) > 2 and all(b - a == 1 for a, b in zip(whole, whole[1:])):
        return Role.EXCLUDED, msg("reason.row_numbers"), stray
    if len(distinct) == 2:
        return Role.BINARY, msg("reason.two_values"), stray
    n_bins = sum(parse_bin(label) is not None for label in distinct)
    if 2 * n_bins >= len(distinct) and order_bins(distinct):
        return Role.ORDINAL, msg("reason.bins"), stray
    if scale := grade_order(distinct):
        return Role.ORDINAL, msg("reason.grade_scale", scale=" < ".join(scale)), stray
    if n_numbers >= INFERRED_NUMERIC_FRACTION * len(present):
        values = [number for number in numbers if number is not None]
        if all(float(v).is_integer() for v in values):
            return Role.INTEGER, msg("reason.whole_numbers"), stray
        return Role.CONTINUOUS, msg("reason.numbers"), stray
    if len(distinct) > MANY_LABELS or len(distinct) > max(FREE_TEXT_LABELS, FREE_TEXT_FRACTION * len(present)):
        return Role.EXCLUDED, msg("reason.free_text", n=len(distinct)), stray
    return Role.CATEGORICAL, msg("reason.text_labels"), stray


def too_few_values(n_missing: int, n_cells: int) -> bool:
    """Whether a column holds too few values to model: none; or more than half of its cells
    missing, unless it has at least SPARSE_MIN_VALUES values and misses at most
    MAX_SPARSE_FRACTION. Decision (ours): such a sparse column (a crack width measured only where
    walls crack) is modelled with its blanks (`ColumnSpec.blanks`), which learn where it was
    measured; filling it would put most of its cells on one value, and leaving it out would draw
    it apart from every other column."""
    if n_missing <= MAX_MISSING_FRACTION * n_cells:
        return n_missing == n_cells
    return n_missing > MAX_SPARSE_FRACTION * n_cells or n_cells - n_missing < SPARSE_MIN_VALUES


def maybe_class(name: str, values: np.ndarray) -> bool:
    """A few consecutive whole numbers under a class-like name ("damage_grade" 1/2/3)."""
    codes = np.unique(values)
    return (_CLASS_NAME.fullmatch(name.strip()) is not None and 3 <= len(codes) <= MAX_CLASS_CODES
            and bool(np.all(np.diff(codes) == 1)))


def _categories(role: Role, distinct: list[str]) -> tuple[str, ...]:
    if role is Role.CATEGORICAL:
        return tuple(sorted(distinct))
    if role is Role.BINARY:
        negative = [label for label in distinct if label_key(label) in NEGATIVE_LABELS]
        if len(negative) == 1:
            return (negative[0], *[label for label in distinct if label != negative[0]])
    ordered = order_bins(distinct) or grade_order(distinct)
    if ordered:
        return tuple(ordered)
    return tuple(sorted(distinct, key=lambda t: (0, to_number(t), t) if to_number(t) is not None
                        else (1, 0.0, t)))


# ---------------------------------------------------------------- cleaning

def prepare_table(frame: pd.DataFrame, roles: Mapping[str, Role | str] | None = None,
                  exclude: Iterable[str] = (), source: str = "data") -> PreparedTable:
    """Roles (inferred or forced), missing values filled, unused columns set aside.

    Row numbers in messages are the frame's index when it is named "row" (as
    `core.table.read_table` makes it), else the position + 2 (the header is row 1)."""
    names = _names(frame, source)
    forced = _overrides(names, roles or {}, exclude, source)
    if len(frame) < MIN_ROWS:
        raise InputError(msg("columns.too_few_rows", source=source, rows=len(frame), minimum=MIN_ROWS))
    rows = list(frame.index) if frame.index.name == "row" else list(range(2, len(frame) + 2))
    columns: dict[str, pd.Series] = {}
    blanks: dict[str, pd.Series] = {}   # after every column in the frame: the companions trail them
    specs, report, unmodelled = [], [], []
    for j, name in enumerate(names):
        texts = _texts(frame.iloc[:, j])
        values, spec, entry, blank = _prepare_column(name, texts, forced.get(name), rows, source)
        report.append(entry)
        if spec is None:
            unmodelled.append(Passthrough.of(name, texts, entry.reason))
            continue
        dtype = "float64" if spec.is_numeric else "str"
        columns[name] = pd.Series(values, index=frame.index, dtype=dtype)
        specs.append(spec)
        if spec.blanks:
            blanks[blank_column(name)] = pd.Series(blank, index=frame.index, dtype=bool)
    if not specs:
        raise InputError(msg("columns.nothing_left", source=source))
    return PreparedTable(pd.DataFrame(columns | blanks, index=frame.index), specs, report, unmodelled)


def _names(frame: pd.DataFrame, source: str) -> list[str]:
    names = [str(name) for name in frame.columns]
    repeated = [name for name, count in Counter(names).items() if count > 1]
    if repeated:
        raise InputError(msg("columns.repeated", source=source, name=repeated[0]))
    return names


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
        role, reason, stray = _infer(name, texts)
    entry = ColumnReport(name, role, reason, overridden=forced is not None)
    entry.n_missing = sum(text is None or read_cell(text)[0] for text in texts)
    if role is Role.EXCLUDED:
        return None, None, entry, None
    if role is Role.BINARY and (found := _blank_is_a_value(texts)) is not None:   # a blank is a value
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
    blanks = entry.n_missing >= max(1, BLANK_FRACTION * len(texts))
    blank = [cell is None for cell in cells] if blanks else None
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
    categories = _categories(role, distinct)
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

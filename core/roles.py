"""What each column of the user's table is: its role, inferred from the values (the caller of
`core.columns.prepare_table` may override it).

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
"""
from __future__ import annotations

import re
from collections import Counter
from enum import Enum

import numpy as np
import pandas as pd

from core.cells import (NEGATIVE_LABELS, cell_text, date_of, grade_order, label_key, order_bins, parse_bin, read_cell,
                        to_number)
from core.errors import InputError
from core.messages import Message, msg


class Role(str, Enum):
    CONTINUOUS = "continuous"    # real numbers, e.g. crack width in mm
    INTEGER = "integer"          # counts, e.g. storeys; rounded when generated
    BINARY = "binary"            # exactly two values, e.g. 是/否
    CATEGORICAL = "categorical"  # nominal labels, e.g. 框架结构 / 框剪结构
    ORDINAL = "ordinal"          # ordered bins or grades, e.g. 15–20 / 20–25 / 30以上
    DATE = "date"                # calendar dates, e.g. 竣工日期 2007-07-07; modelled in years
    EXCLUDED = "excluded"        # ids, constants, or excluded by the user


NUMERIC_ROLES = (Role.CONTINUOUS, Role.INTEGER, Role.DATE)   # one standardised number each


# ---------------------------------------------------------------- limits

BLANK_FRACTION = 0.05          # a column missing at least this keeps its blanks (ColumnSpec.blanks)
MAX_MISSING_FRACTION = 0.5     # a column missing more than this is excluded (`too_few_values`) ...
SPARSE_MIN_VALUES = 30         # ... unless it holds at least this many values
MAX_SPARSE_FRACTION = 0.9      # ... and misses at most this share: it is modelled with its blanks
INFERRED_NUMERIC_FRACTION = 0.9
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


def column_names(frame: pd.DataFrame, source: str) -> list[str]:
    """The header as text; InputError naming `source` when a name repeats."""
    names = [str(name) for name in frame.columns]
    repeated = [name for name, count in Counter(names).items() if count > 1]
    if repeated:
        raise InputError(msg("columns.repeated", source=source, name=repeated[0]))
    return names


def infer_roles(frame: pd.DataFrame) -> dict[str, tuple[Role, Message]]:
    """Role and a short reason for every column, by the rules in the module docstring."""
    names = column_names(frame, "data")
    return {name: infer_role(name, cell_texts(frame.iloc[:, j]))[:2] for j, name in enumerate(names)}


def cell_texts(series: pd.Series) -> list[str | None]:
    """Each cell as the text it shows (None: empty)."""
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
    return labels[0] if keeps_blanks(blanks, len(texts)) else None


def blank_is_a_value(texts: list[str | None]) -> tuple[str, Message] | None:
    """(label, reason) of a column whose blank is its other value: a tick box (`mark_of`, the
    blank read as no) or one word written only in some rows (`lone_label`); None otherwise."""
    if (mark := mark_of(texts)) is not None:
        return mark, msg("reason.marks", mark=mark)
    if (label := lone_label(texts)) is not None:
        return label, msg("reason.lone_label", label=label)
    return None


def infer_role(name: str, texts: list[str | None]) -> tuple[Role, Message, bool]:
    """(role, reason, stray text): the third is True when a mostly numeric column's text
    cells were set aside to infer the role (they are read as missing)."""
    if not _ID_NAME.fullmatch(name.strip()) and (found := blank_is_a_value(texts)) is not None:
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


def keeps_blanks(n_missing: int, n_cells: int) -> bool:
    """Whether a column's blanks are common enough to model: at least BLANK_FRACTION of its
    cells, and at least one."""
    return n_missing >= max(1, BLANK_FRACTION * n_cells)


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


def categories_of(role: Role, distinct: list[str]) -> tuple[str, ...]:
    """The labels of a column in the order the module docstring's last paragraph gives."""
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


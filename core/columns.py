"""Column roles: what each column of the user's table is, and how it is cleaned.

Roles are inferred from the values and the caller may override them. The result
of `prepare_table` is what the transformer and the VAE see: the used columns only,
in the original order, with no missing values.

Inference (`infer_roles`), first rule that applies:
1. More than half of the cells missing -> EXCLUDED "more than half missing".
2. Name looks like an id (id, ID, No., 编号, 序号, 样本号, ...) -> EXCLUDED.
3. One distinct value -> EXCLUDED "constant".
4. More than 10 rows, none missing, all different and mostly not numbers -> EXCLUDED (an id
   or a name); or integers rising by exactly 1 row after row -> EXCLUDED (row numbers).
5. Two distinct values -> BINARY.
6. Bins make up at least half of the distinct labels, the rest plain numbers -> ORDINAL.
7. All labels in one scale of `ORDINAL_GRADES` (case ignored) -> ORDINAL in that order.
8. At least 90 % of the non-missing cells are numbers or bins -> INTEGER when every value is
   whole, else CONTINUOUS; other cells become missing and are counted in `n_coerced`; a bin
   cell becomes its midpoint (or its finite end for an open bin) and is counted too.
9. Otherwise CATEGORICAL.

Category order: ORDINAL in bin or scale order (forced ORDINAL without either: numbers by
value, then labels); BINARY with the negative label (否, 无, No, False, 0, ...) first, else as
ORDINAL; CATEGORICAL sorted by label.

Overrides: `roles` and `exclude` win over inference; an unknown column is refused. A forced
numeric role needs at least half of the non-missing cells to be numbers; a forced BINARY role
needs exactly two distinct labels.

Missing values (`ColumnReport.missing_action`):
- numeric roles: filled with the column median (rounded for INTEGER);
- BINARY, CATEGORICAL, ORDINAL: filled with the most frequent label (ties: first in order);
- more than half missing after reading (also when the role is forced): the column is EXCLUDED;
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

from core.cells import NEGATIVE_LABELS, grade_order, label_key, order_bins, parse_bin, read_cell, to_number
from core.errors import InputError
from core.table import cell_text


class Role(str, Enum):
    CONTINUOUS = "continuous"    # real numbers, e.g. crack width in mm
    INTEGER = "integer"          # counts, e.g. storeys; rounded when generated
    BINARY = "binary"            # exactly two values, e.g. 是/否
    CATEGORICAL = "categorical"  # nominal labels, e.g. 框架结构 / 框剪结构
    ORDINAL = "ordinal"          # ordered bins or grades, e.g. 15–20 / 20–25 / 30以上
    EXCLUDED = "excluded"        # ids, constants, or excluded by the user


@dataclass(frozen=True)
class ColumnSpec:
    """One used column. `categories` lists the labels seen, in order.

    For BINARY, CATEGORICAL and ORDINAL the labels are strings: ORDINAL in bin or
    grade order, BINARY with the negative label (否/无/No/0) first, CATEGORICAL
    sorted; for numeric roles `categories` is empty.
    """
    name: str
    role: Role
    categories: tuple[str, ...] = ()

    @property
    def is_numeric(self) -> bool:
        return self.role in (Role.CONTINUOUS, Role.INTEGER)


@dataclass
class ColumnReport:
    """What `prepare_table` decided and did for one column of the raw table."""
    name: str
    role: Role
    reason: str = ""             # why this role (or why excluded), one short phrase
    n_missing: int = 0           # cells missing before cleaning
    missing_action: str = ""     # e.g. "filled with median 3.2"
    n_coerced: int = 0           # cells turned from text into numbers ("3层" -> 3) or to missing ("-")
    overridden: bool = False     # role set by the caller rather than inferred


@dataclass
class PreparedTable:
    """The cleaned table the model trains on."""
    frame: "pd.DataFrame"              # used columns only, original order, no NaN;
                                       # numeric roles as float64, the rest as str
    specs: list[ColumnSpec]            # one per column of `frame`, same order
    report: list[ColumnReport] = field(default_factory=list)  # one per raw column

    @property
    def features(self) -> list[str]:
        return [spec.name for spec in self.specs]


# ---------------------------------------------------------------- limits

MIN_ROWS = 8                   # fewer rows cannot train even the paper's small VAE (30 houses)
MAX_MISSING_FRACTION = 0.5     # a column missing more than this is excluded, not filled
INFERRED_NUMERIC_FRACTION = 0.9
FORCED_NUMERIC_FRACTION = 0.5
ID_MIN_ROWS = 10               # "all values different" only means id in longer tables


# ---------------------------------------------------------------- inferring roles

_ID_NAME = re.compile(r"(?i:id|no\.?|#|index|样本号|索引)|.*(?:编号|序号|ID|(?i:[_\s-]id))")


def infer_roles(frame: pd.DataFrame) -> dict[str, tuple[Role, str]]:
    """Role and a short reason for every column, by the rules in the module docstring."""
    names = _names(frame, "data")
    return {name: _infer(name, _texts(frame.iloc[:, j])) for j, name in enumerate(names)}


def _texts(series: pd.Series) -> list[str | None]:
    return [cell_text(value) for value in series.tolist()]


def _present(texts: list[str | None]) -> list[str]:
    return [text for text in texts if text is not None and not read_cell(text)[0]]


def _infer(name: str, texts: list[str | None]) -> tuple[Role, str]:
    present = _present(texts)
    distinct = list(dict.fromkeys(present))
    if len(texts) - len(present) > MAX_MISSING_FRACTION * len(texts) or not present:
        return Role.EXCLUDED, "more than half missing"
    if _ID_NAME.fullmatch(name.strip()):
        return Role.EXCLUDED, "name looks like an id"
    if len(distinct) == 1:
        return Role.EXCLUDED, "constant"
    numbers = [read_cell(text)[1] for text in present]
    n_numbers = sum(number is not None for number in numbers)
    if len(distinct) == len(texts) > ID_MIN_ROWS and n_numbers < len(present) / 2:
        return Role.EXCLUDED, "every value is different (an id or a name)"
    whole = [number for number in numbers if number is not None and number.is_integer()]
    if len(whole) == len(texts) > 2 and all(b - a == 1 for a, b in zip(whole, whole[1:])):
        return Role.EXCLUDED, "consecutive row numbers"
    if len(distinct) == 2:
        return Role.BINARY, "two values"
    n_bins = sum(parse_bin(label) is not None for label in distinct)
    if 2 * n_bins >= len(distinct) and order_bins(distinct):
        return Role.ORDINAL, "value ranges (bins)"
    if scale := grade_order(distinct):
        return Role.ORDINAL, "grade scale " + " < ".join(scale)
    if n_numbers >= INFERRED_NUMERIC_FRACTION * len(present):
        values = [number for number in numbers if number is not None]
        if all(float(v).is_integer() for v in values):
            return Role.INTEGER, "whole numbers"
        return Role.CONTINUOUS, "numbers"
    return Role.CATEGORICAL, "text labels"


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
    """Roles (inferred or forced), missing values filled, unused columns dropped.

    Row numbers in messages are the frame's index when it is named "row" (as
    `core.table.read_table` makes it), else the position + 2 (the header is row 1)."""
    names = _names(frame, source)
    forced = _overrides(names, roles or {}, exclude, source)
    if len(frame) < MIN_ROWS:
        raise InputError(f"{source} has {len(frame)} data row{'' if len(frame) == 1 else 's'}; "
                         f"at least {MIN_ROWS} are needed to train a model")
    rows = list(frame.index) if frame.index.name == "row" else list(range(2, len(frame) + 2))
    columns: dict[str, pd.Series] = {}
    specs, report = [], []
    for j, name in enumerate(names):
        values, spec, entry = _prepare_column(name, _texts(frame.iloc[:, j]), forced.get(name),
                                              rows, source)
        report.append(entry)
        if spec is not None:
            dtype = "float64" if spec.is_numeric else "str"
            columns[name] = pd.Series(values, index=frame.index, dtype=dtype)
            specs.append(spec)
    if not specs:
        raise InputError(f"{source}: every column is constant or excluded, so nothing is left "
                         "to learn from")
    return PreparedTable(pd.DataFrame(columns, index=frame.index), specs, report)


def _names(frame: pd.DataFrame, source: str) -> list[str]:
    names = [str(name) for name in frame.columns]
    repeated = [name for name, count in Counter(names).items() if count > 1]
    if repeated:
        raise InputError(f"{source}: column '{repeated[0]}' appears twice; rename or delete one")
    return names


def _overrides(names: list[str], roles: Mapping, exclude: Iterable[str],
               source: str) -> dict[str, Role]:
    forced = {}
    for name, role in [*roles.items(), *((name, Role.EXCLUDED) for name in exclude)]:
        if str(name) not in names:
            shown = ", ".join(f"'{n}'" for n in names[:12]) + (", ..." if len(names) > 12 else "")
            raise InputError(f"{source} has no column '{name}' (its columns are {shown})")
        forced[str(name)] = _as_role(role, str(name), source)
    return forced


def _as_role(role: Role | str, name: str, source: str) -> Role:
    if isinstance(role, Role):
        return role
    text = str(role).strip().lower()
    for candidate in Role:
        if text in (candidate.value, candidate.name.lower()):
            return candidate
    allowed = ", ".join(r.value for r in Role)
    raise InputError(f"{source}: role '{role}' for column '{name}' is not one of {allowed}")


def _prepare_column(name: str, texts: list[str | None], forced: Role | None, rows: list,
                    source: str) -> tuple[object, ColumnSpec | None, ColumnReport]:
    role, reason = (forced, "set by the user") if forced else _infer(name, texts)
    entry = ColumnReport(name, role, reason, overridden=forced is not None)
    entry.n_missing = sum(text is None or read_cell(text)[0] for text in texts)
    if role is Role.EXCLUDED:
        return None, None, entry
    numeric = role in (Role.CONTINUOUS, Role.INTEGER)
    if numeric:
        cells = _numeric_cells(name, texts, role, forced is not None, rows, source)
        entry.n_coerced = sum(text is not None and not read_cell(text)[2] for text in texts)
    else:
        cells = [None if text is None or read_cell(text)[0] else text for text in texts]
        entry.n_coerced = sum(text is not None and cell is None for text, cell in zip(texts, cells))
    entry.n_missing = sum(cell is None for cell in cells)
    if entry.n_missing > MAX_MISSING_FRACTION * len(texts):
        entry.role, entry.reason = Role.EXCLUDED, "more than half missing"
        return None, None, entry
    if numeric:
        values, entry.missing_action = _fill_median(cells, role)
        return values, ColumnSpec(name, role), entry
    distinct = list(dict.fromkeys(cell for cell in cells if cell is not None))
    if role is Role.BINARY and len(distinct) != 2:
        raise InputError(f"{source}: column '{name}' has {len(distinct)} different value"
                         f"{'' if len(distinct) == 1 else 's'}, so it cannot be binary")
    if role is Role.ORDINAL and order_bins(distinct):
        cells, entry.reason = _merge_bin_spellings(cells, entry.reason)
        distinct = list(dict.fromkeys(cell for cell in cells if cell is not None))
    categories = _categories(role, distinct)
    labels, entry.missing_action = _fill_mode(cells, categories)
    return labels, ColumnSpec(name, role, categories), entry


def _merge_bin_spellings(cells: list[str | None], reason: str) -> tuple[list, str]:
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
        shown = ", ".join(f"'{old}' as '{new}'" for old, new in list(renamed.items())[:3])
        reason += f"; read {shown}" + (" ..." if len(renamed) > 3 else "")
    return [renamed.get(cell, cell) for cell in cells], reason


def _numeric_cells(name: str, texts: list[str | None], role: Role, forced: bool, rows: list,
                   source: str) -> list[float | None]:
    cells = [None if text is None else read_cell(text)[1] for text in texts]
    present = [(i, text) for i, text in enumerate(texts) if text is not None and not read_cell(text)[0]]
    bad = [(i, text) for i, text in present if cells[i] is None]
    if forced and len(bad) > (1 - FORCED_NUMERIC_FRACTION) * len(present):
        i, text = bad[0]
        raise InputError(f"{source}: column '{name}' cannot be {role.value}: only "
                         f"{len(present) - len(bad)} of {len(present)} values are numbers "
                         f"(row {rows[i]} has '{text[:40]}')")
    return cells


def _fill_median(cells: list[float | None], role: Role) -> tuple[np.ndarray, str]:
    values = np.array([np.nan if cell is None else cell for cell in cells], dtype=np.float64)
    missing = np.isnan(values)
    if not missing.any():
        return values, ""
    median = float(np.median(values[~missing]))
    if role is Role.INTEGER:
        median = math.floor(median + 0.5)   # a count stays whole; halves round up
    values[missing] = median
    return values, f"filled with median {median:g}"


def _fill_mode(cells: list[str | None], categories: tuple[str, ...]) -> tuple[list[str], str]:
    counts = Counter(cell for cell in cells if cell is not None)
    mode = max(categories, key=lambda label: counts[label])   # first in order wins a tie
    action = f"filled with most frequent '{mode}'" if None in cells else ""
    return [mode if cell is None else cell for cell in cells], action

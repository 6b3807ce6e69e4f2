"""Column roles: what each column of the user's table is, and how it is cleaned.

Roles are inferred from the values and the caller may override them. The result
of `prepare_table` is what the transformer and the VAE see: the used columns only,
in the original order, with no missing values.

Reading a cell (`to_number`, `parse_bin`):
- Missing: blank, or a token in `MISSING_TOKENS` ("-", "N/A", "无数据", "#DIV/0!", ...).
- Number: "5", "-3.2", "1e-3", "1,234" (thousands; the reader has already turned decimal
  commas into dots), or a number followed by unit text without digits ("3层", "20mm").
  Full-width digits count. Bins are never numbers.
- Bin: a range "15-20" (also – — ~ 〜 至 到, with optional units "15层至20层"), an open upper
  bin "≥30" ">=30" ">30" "30以上" "30+" "1990年以后", or an open lower bin "≤5" "<5" "5以下"
  "1978年以前". In `order_bins`, plain numbers count as one-value bins when at least one
  label is a real bin.

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
from functools import lru_cache

import numpy as np
import pandas as pd

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


# ---------------------------------------------------------------- reading one cell

MIN_ROWS = 8                   # fewer rows cannot train even the paper's small VAE (30 houses)
MAX_MISSING_FRACTION = 0.5     # a column missing more than this is excluded, not filled
INFERRED_NUMERIC_FRACTION = 0.9
FORCED_NUMERIC_FRACTION = 0.5
ID_MIN_ROWS = 10               # "all values different" only means id in longer tables

MISSING_TOKENS = frozenset(t.casefold() for t in (
    "-", "--", "---", "—", "——", "/", "\\", "?", "？", "n/a", "na", "nan", "null", "#n/a",
    "无数据", "暂无", "暂无数据", "缺失", "缺测", "不详", "未知", "空",
    "#div/0!", "#value!", "#ref!", "#name?", "#num!", "#null!"))   # Excel error values
NEGATIVE_LABELS = frozenset(("否", "无", "没有", "不是", "非", "未", "×", "no", "n", "false", "f",
                             "0"))
ORDINAL_GRADES: tuple[tuple[str, ...], ...] = (   # matched ignoring case and spaces
    ("无", "轻微", "中等", "严重"),
    ("无", "轻微", "中度", "重度"),
    ("无", "轻微", "明显", "严重"),
    ("完好", "轻微缺陷", "明显缺陷", "严重缺陷"),
    ("规则", "基本规则", "不规则"),
    ("可靠", "基本可靠", "不可靠"),
    ("符合要求", "基本符合", "不符合"),
    ("基本完好", "轻微破坏", "中等破坏", "严重破坏", "倒塌"),    # GB/T 24335 earthquake damage
    ("完好", "基本完好", "一般损坏", "严重损坏", "危险"),        # housing condition grades
    ("好", "较好", "一般", "较差", "差"),
    ("低", "较低", "中", "较高", "高"),
    ("小", "中", "大"),
    ("A", "B", "C", "D"),                                        # JGJ 125 dangerous-house grades
    ("A级", "B级", "C级", "D级"),
    ("Asu", "Bsu", "Csu", "Dsu"),                                # GB 50292 safety, unit level
    ("Au", "Bu", "Cu", "Du"),                                    # GB 50292, member level too
    ("特一级", "一级", "二级", "三级", "四级"),                  # seismic grade
    ("甲类", "乙类", "丙类", "丁类"),                            # seismic fortification category
    ("6度", "7度", "8度", "9度"),                                # seismic intensity
    ("Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ"), ("I", "II", "III", "IV"),             # site class
    ("Ⅰ类", "Ⅱ类", "Ⅲ类", "Ⅳ类"), ("I类", "II类", "III类", "IV类"),
    ("一类", "二a类", "二b类", "三a类", "三b类", "四类", "五类"),  # GB 50010 environment class
    ("none", "slight", "moderate", "severe"),
    ("low", "medium", "high"),
)

_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
_PLAIN = re.compile(rf"{_NUM}(?:[eE][+-]?\d+)?")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_UNIT_START = r"(?:[^\W\d_]|[%°‰℃㎡㎜㎝㎞㎏㎥])"
_WITH_UNIT = re.compile(rf"({_NUM})\s*{_UNIT_START}\D*")
MAX_CELL_CHARS = 64            # longer text is never a number, bin or grade: skip the regexes
_BIN_NUM = r"(-?\d+(?:\.\d+)?)"
_UNIT = r"(?:(?![至到以及或之前后])(?:[^\W\d_]|[%°‰℃㎡㎜㎝㎞㎏㎥²³]))*"
_BIN_PATTERNS = (   # (pattern, kind): matched with spaces removed; kind says which end is open
    (re.compile(rf"{_BIN_NUM}{_UNIT}(?:-|–|—|~|〜|至|到){_BIN_NUM}{_UNIT}"), "range"),
    (re.compile(rf"(?:≥|>=|≧|>|大于等于|大于|不小于|不低于){_BIN_NUM}{_UNIT}"), "above"),
    (re.compile(rf"{_BIN_NUM}{_UNIT}(?:及以上|以上|或以上|\+|及以后|以后|之后|后)"), "above"),
    (re.compile(rf"(?:≤|<=|≦|<|小于等于|小于|不大于|不超过){_BIN_NUM}{_UNIT}"), "below"),
    (re.compile(rf"{_BIN_NUM}{_UNIT}(?:及以下|以下|或以下|以内|及以前|以前|之前|前)"), "below"),
)


def _key(label: str) -> str:
    """Comparison key: full-width ASCII folded, spaces removed, case ignored."""
    return re.sub(r"\s+", "", label.translate(_FULL_WIDTH)).casefold()


def is_missing(cell: object) -> bool:
    text = cell_text(cell)
    return text is None or _key(text) in MISSING_TOKENS


def to_number(cell: object) -> float | None:
    """A number, or None for missing, bins and text ("3层" -> 3.0, "15-20" -> None)."""
    text = cell_text(cell)
    if text is None or len(text) > MAX_CELL_CHARS or is_missing(text):
        return None
    text = text.translate(_FULL_WIDTH).strip()
    if _PLAIN.fullmatch(text):
        number = float(text)
    elif _THOUSANDS.fullmatch(text):
        number = float(text.replace(",", ""))
    elif (match := _WITH_UNIT.fullmatch(text)) and parse_bin(text) is None:
        number = float(match.group(1))
    else:
        return None
    return number if math.isfinite(number) else None


def parse_bin(label: object) -> tuple[float, float] | None:
    """(low, high) for a range or open bin; None for plain numbers and other text."""
    text = cell_text(label)
    if text is None or len(text) > MAX_CELL_CHARS:
        return None
    text = re.sub(r"\s+", "", text.translate(_FULL_WIDTH))
    for pattern, kind in _BIN_PATTERNS:
        match = pattern.fullmatch(text)
        if not match:
            continue
        if kind == "range":
            low, high = float(match.group(1)), float(match.group(2))
            return (low, high) if low < high else None
        end = float(match.group(1))
        return (end, math.inf) if kind == "above" else (-math.inf, end)
    return None


def order_bins(labels: Iterable[str]) -> list[str] | None:
    """Labels sorted by (low, high) when all are bins (plain numbers count as one-value bins
    if at least one label is a real bin); otherwise None."""
    labels = list(labels)
    keyed, real = [], False
    for label in labels:
        bounds = parse_bin(label)
        if bounds is None:
            number = to_number(label)
            if number is None or not _PLAIN.fullmatch(str(label).strip()):
                return None
            bounds = (number, number)
        else:
            real = True
        keyed.append((bounds, str(label)))
    return [label for _, label in sorted(keyed)] if real and labels else None


def grade_order(labels: Iterable[str]) -> list[str] | None:
    """Labels in the order of the first `ORDINAL_GRADES` scale holding all of them, or None."""
    labels = list(labels)
    for scale in ORDINAL_GRADES:
        rank = {_key(grade): i for i, grade in enumerate(scale)}
        if labels and all(_key(label) in rank for label in labels):
            return sorted(labels, key=lambda label: (rank[_key(label)], label))
    return None


# ---------------------------------------------------------------- inferring roles

_ID_NAME = re.compile(r"(?i:id|no\.?|#|index|样本号|索引)|.*(?:编号|序号|ID|(?i:[_\s-]id))")


def infer_roles(frame: pd.DataFrame) -> dict[str, tuple[Role, str]]:
    """Role and a short reason for every column, by the rules in the module docstring."""
    names = _names(frame, "data")
    return {name: _infer(name, _texts(frame.iloc[:, j])) for j, name in enumerate(names)}


def _texts(series: pd.Series) -> list[str | None]:
    return [cell_text(value) for value in series.tolist()]


def _present(texts: list[str | None]) -> list[str]:
    return [text for text in texts if text is not None and not _read(text)[0]]


def _infer(name: str, texts: list[str | None]) -> tuple[Role, str]:
    present = _present(texts)
    distinct = list(dict.fromkeys(present))
    if len(texts) - len(present) > MAX_MISSING_FRACTION * len(texts) or not present:
        return Role.EXCLUDED, "more than half missing"
    if _ID_NAME.fullmatch(name.strip()):
        return Role.EXCLUDED, "name looks like an id"
    if len(distinct) == 1:
        return Role.EXCLUDED, "constant"
    numbers = [_read(text)[1] for text in present]
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


@lru_cache(maxsize=1 << 16)
def _read(text: str) -> tuple[bool, float | None, bool]:
    """(missing, number or bin value, written as a plain number) for one cell's text.
    Cached: columns repeat a few labels many times and these regexes dominate the run time."""
    plain = text.translate(_FULL_WIDTH).strip()
    is_plain = bool(_PLAIN.fullmatch(plain) or _THOUSANDS.fullmatch(plain))
    return is_missing(text), _number_or_bin(text), is_plain


def _number_or_bin(text: str) -> float | None:
    """A number; a bin stands for its midpoint, or its finite end when open."""
    number = to_number(text)
    if number is not None:
        return number
    bounds = parse_bin(text)
    if bounds is None:
        return None
    low, high = bounds
    return (low + high) / 2 if math.isfinite(low) and math.isfinite(high) else (
        low if math.isfinite(low) else high)


def _categories(role: Role, distinct: list[str]) -> tuple[str, ...]:
    if role is Role.CATEGORICAL:
        return tuple(sorted(distinct))
    if role is Role.BINARY:
        negative = [label for label in distinct if _key(label) in NEGATIVE_LABELS]
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
    entry.n_missing = sum(text is None or _read(text)[0] for text in texts)
    if role is Role.EXCLUDED:
        return None, None, entry
    numeric = role in (Role.CONTINUOUS, Role.INTEGER)
    if numeric:
        cells = _numeric_cells(name, texts, role, forced is not None, rows, source)
        entry.n_coerced = sum(text is not None and not _read(text)[2] for text in texts)
    else:
        cells = [None if text is None or _read(text)[0] else text for text in texts]
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
    cells = [None if text is None else _read(text)[1] for text in texts]
    present = [(i, text) for i, text in enumerate(texts) if text is not None and not _read(text)[0]]
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

"""Columns read off another: a service-year bin off the construction date, a crack grade off the
crack width (bands), a structure's name off its code, a district off its street (label maps),
a building's age off the year it was built (number maps).
Generated rows keep them agreeing.

Our addition (the paper decodes every column independently given z, and says nothing of
columns that determine others). Given z, the decoder draws the label and the number
independently, and the number's noise (the residual of a Gaussian decoder, core.generation)
is wider than a bin: on a 20,000-row survey 27-42 % of generated buildings carried a
service-year bin their construction date contradicts, where the real rows had none.

A *band* is found in the training rows (`find_bands`): label column B and number column A
where every class of B occupies its own interval [low_c, high_c] of A, the intervals of
different classes disjoint (they may share an end, as "20-25" and "25-30" share 25), in the
rows where neither is blank; at least two classes must have MIN_ROWS rows or more, so that
two columns unrelated in a small table do not look banded by chance (two classes of 5 rows
each in 30 rows separate by chance with probability 2 / C(30, 5), about 1e-5). Decoding then
keeps every generated row within its class's interval (core.generation.decode: the number is
redrawn within it as a condition's range is; or, when only the number is conditioned, the
label is the class whose interval holds it).

A *label map* is found the same way (`find_label_maps`): label column B is read off label
column A when every class of A comes with one class of B only, B shows at least two classes,
and independent columns would agree so with probability at most CHANCE: the product over A's
classes c of sum_b p_b^(n_c), p_b the share of class b of B and n_c the rows of class c. The
maps kept form a forest (a label read off one column only, the first in the table's order; of
a code and its name, the later column is read off the earlier), and decoding sets each
label to its key's image, parents first; a conditioned label restricts its key (and the key's
key) to the classes that lead to it (core.generation.decode).

A *number map* (`find_number_maps`): number column B is offset + slope * A, number column A
earlier in the table, in every row, to within half of B's last written decimal (a building's
age beside the year it was built), A showing at least MIN_VALUES values; decoding writes B off A
as A is written (core.generation.decode).

All three are found from the cells the input holds: a cell blank in the input and filled for
training (PreparedTable.filled) would put the median in another class's interval.

Only columns ticked in the same semantics are tied (`linked`; core.training passes
SemanticMatrix.together): a column read off one in another semantic would move with that
semantic's slider and no longer with its own, so the sliders would stop hitting their groups
(PD with R at random: 6 of 6 sliders hit before, 4 of 6 with maps across semantics).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.columns import PreparedTable, filled_in
from core.transformer import Span

MIN_ROWS = 5
CHANCE = 1e-6
Linked = Callable[[str, str], bool]   # may these two columns be tied? (core.training: same semantics)


def _any(a: str, b: str) -> bool:
    return True


@dataclass(frozen=True)
class Band:
    label: str                   # a label column (binary or one-hot)
    number: str                  # a number column, in its own units (dates as decimal years)
    low: tuple[float, ...]       # per class of `label`, in its categories' order; NaN: never
    high: tuple[float, ...]      # seen with a number

    def bounds(self, index: int) -> tuple[float, float] | None:
        """Class `index`'s interval of the number, None when the class was never seen with one."""
        low, high = self.low[index], self.high[index]
        return None if math.isnan(low) else (low, high)

    def meeting(self, within: tuple[float, float]) -> set[int]:
        """The classes whose interval meets `within` (low, high), and those never seen with a
        number (they may come where the number is blank)."""
        return {k for k in range(len(self.low))
                if (bounds := self.bounds(k)) is None or (bounds[0] <= within[1] and bounds[1] >= within[0])}

    def class_of(self, values: np.ndarray, among: Collection[int] | None = None) -> np.ndarray:
        """(n,) for numbers (n,) in their own units, the class whose interval holds each one, or
        the nearest interval's class when none does (a value between two intervals); among the
        classes `among` when given and one of them was seen with a number."""
        low, high = np.asarray(self.low), np.asarray(self.high)
        seen = ~np.isnan(low)
        if among is not None and (kept := seen & np.isin(np.arange(len(low)), list(among))).any():
            seen = kept
        gap = np.maximum(low[None, seen] - values[:, None], values[:, None] - high[None, seen]).clip(min=0)
        return np.flatnonzero(seen)[gap.argmin(axis=1)]

    def to_dict(self) -> dict:
        return {"label": self.label, "number": self.number,
                "low": [None if math.isnan(v) else v for v in self.low],
                "high": [None if math.isnan(v) else v for v in self.high]}

    @classmethod
    def from_dict(cls, spec: dict) -> "Band":
        """The inverse of `to_dict`; ValueError or TypeError (or KeyError) when malformed."""
        low, high = (tuple(math.nan if v is None else float(v) for v in spec[key]) for key in ("low", "high"))
        if len(low) != len(high) or any(a > b or math.isnan(a) != math.isnan(b) for a, b in zip(low, high)):
            raise ValueError("each class needs both ends of its interval, the low one first")
        return cls(str(spec["label"]), str(spec["number"]), low, high)


def find_bands(frame: pd.DataFrame, layout: list[Span], linked: Linked = _any,
               filled: Mapping[str, np.ndarray] | None = None) -> list[Band]:
    """The bands of a prepared frame (core.columns.prepare_table) over its columns `layout`
    (see the module): each label column against each number column, in layout order, of the
    pairs `linked(label, number)` allows, from the cells not blank in the input (`filled`:
    PreparedTable.filled)."""
    labels = [s for s in layout if s.kind != "numeric"]
    numbers = [s for s in layout if s.kind == "numeric"]
    codes = {s.name: _codes(frame[s.name], s.categories) for s in labels}
    present = _present(frame, layout, filled)
    bands = []
    for number in numbers:
        values = frame[number.name].to_numpy(dtype=np.float64)
        for label in labels:
            if not linked(label.name, number.name):
                continue
            rows = present[label.name] & present[number.name] & (codes[label.name] >= 0)
            band = _band(label, number, codes[label.name][rows], values[rows])
            if band is not None:
                bands.append(band)
    return bands


def _present(frame: pd.DataFrame, layout: list[Span], filled: Mapping[str, np.ndarray] | None
             ) -> dict[str, np.ndarray]:
    """Column -> (n,) True where its cell holds a value of the input: neither blank (a column
    that keeps its blanks) nor filled for training (a few blanks filled with the median)."""
    filled = filled or {}
    return {s.name: filled_in(frame, s.name).to_numpy() & ~filled.get(s.name, np.zeros(len(frame), dtype=bool))
            for s in layout}


def _codes(column: pd.Series, categories: tuple[str, ...]) -> np.ndarray:
    """(n,) each cell's index in `categories`, -1 for a label the model does not know."""
    return pd.Categorical(column.astype(str), categories=list(categories)).codes.astype(np.int64)


def _band(label: Span, number: Span, codes: np.ndarray, values: np.ndarray) -> Band | None:
    """The band of `label` over `number` from the rows' class indices and numbers, or None."""
    k = len(label.categories)
    counts = np.bincount(codes, minlength=k)
    if (counts >= MIN_ROWS).sum() < 2:
        return None
    low, high = np.full(k, np.inf), np.full(k, -np.inf)
    np.minimum.at(low, codes, values)
    np.maximum.at(high, codes, values)
    seen = np.flatnonzero(counts)
    order = seen[np.argsort(low[seen], kind="stable")]
    if (low[order[1:]] < high[order[:-1]]).any():   # two classes' intervals overlap
        return None
    low[counts == 0], high[counts == 0] = np.nan, np.nan
    return Band(label.name, number.name, tuple(low.tolist()), tuple(high.tolist()))


@dataclass(frozen=True)
class LabelMap:
    key: str                     # a label column (binary or one-hot) ...
    label: str                   # ... off which this one is read
    targets: tuple[int, ...]     # per class of `key`: the class of `label` it comes with, -1: never seen

    def to_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "targets": list(self.targets)}

    @classmethod
    def from_dict(cls, spec: dict) -> "LabelMap":
        """The inverse of `to_dict`; ValueError or TypeError (or KeyError) when malformed."""
        targets = tuple(int(v) for v in spec["targets"])
        if any(isinstance(v, bool) or v != int(v) for v in spec["targets"]):
            raise ValueError("targets are class indices")
        return cls(str(spec["key"]), str(spec["label"]), targets)


def find_label_maps(frame: pd.DataFrame, layout: list[Span], linked: Linked = _any,
                    filled: Mapping[str, np.ndarray] | None = None) -> list[LabelMap]:
    """The label maps of a prepared frame over its columns `layout` (see the module), as a forest:
    each label read off at most one key, no cycle; in the order of (key, label) in the layout, of
    the pairs `linked(key, label)` allows, from the cells not blank in the input (`filled`)."""
    labels = [s for s in layout if s.kind != "numeric"]
    codes = {s.name: _codes(frame[s.name], s.categories) for s in labels}
    present = _present(frame, labels, filled)
    present = {name: rows & (codes[name] >= 0) for name, rows in present.items()}
    parent: dict[str, str] = {}
    maps = []
    for key in labels:
        for label in labels:
            if (label is key or label.name in parent or _leads_to(parent, label.name, key.name)
                    or not linked(key.name, label.name)):
                continue
            rows = present[key.name] & present[label.name]
            found = _label_map(key, label, codes[key.name][rows], codes[label.name][rows])
            if found is not None:
                parent[label.name] = key.name
                maps.append(found)
    return maps


def is_forest(maps: list[LabelMap]) -> bool:
    """Is every label read off at most one key, with no cycle (as `find_label_maps` keeps them)?"""
    parent: dict[str, str] = {}
    for m in maps:
        if m.label in parent or m.label == m.key or _leads_to(parent, m.label, m.key):
            return False
        parent[m.label] = m.key
    return True


def _leads_to(parent: dict[str, str], start: str, end: str) -> bool:
    """Is `start` an ancestor of `end` in the forest `parent` (label -> its key)?"""
    while end in parent:
        end = parent[end]
        if end == start:
            return True
    return False


def _label_map(key: Span, label: Span, a: np.ndarray, b: np.ndarray) -> LabelMap | None:
    """The map of `label` off `key` from the rows' class indices, or None."""
    k, m = len(key.categories), len(label.categories)
    table = np.bincount(a * m + b, minlength=k * m).reshape(k, m)
    if ((table > 0).sum(axis=1) > 1).any():
        return None
    total = table.sum(axis=0)
    share, n = total[total > 0] / max(1, total.sum()), table.sum(axis=1)
    if len(share) < 2:
        return None
    chance = np.log((share[None, :] ** n[n > 0, None]).sum(axis=1)).sum()   # log of the product
    if chance > np.log(CHANCE):
        return None
    return LabelMap(key.name, label.name, tuple(np.where(n > 0, table.argmax(axis=1), -1).tolist()))


MIN_VALUES = 5   # a number read off another: its key shows at least this many values


@dataclass(frozen=True)
class NumberMap:
    key: str          # a number column ...
    number: str       # ... off which this one is read: number = offset + slope * key
    offset: float
    slope: float

    def to_dict(self) -> dict:
        return {"key": self.key, "number": self.number, "offset": self.offset, "slope": self.slope}

    @classmethod
    def from_dict(cls, spec: dict) -> "NumberMap":
        """The inverse of `to_dict`; ValueError or TypeError (or KeyError) when malformed."""
        offset, slope = float(spec["offset"]), float(spec["slope"])
        if not (math.isfinite(offset) and math.isfinite(slope)) or slope == 0:
            raise ValueError("a number map needs a finite offset and a slope other than 0")
        return cls(str(spec["key"]), str(spec["number"]), offset, slope)


def find_number_maps(frame: pd.DataFrame, layout: list[Span], linked: Linked = _any,
                     filled: Mapping[str, np.ndarray] | None = None) -> list[NumberMap]:
    """Number columns read off an earlier number column: number = offset + slope * key in every
    row where neither cell is blank or filled, to within half the number's last written decimal
    (a building's age off the year it was built, a length in mm off the same in m), the key
    showing at least MIN_VALUES values (two values fit any line). Each number is read off one
    key only, the first in layout order, and a number read off another is no key itself."""
    numbers = [s for s in layout if s.kind == "numeric"]
    present = _present(frame, numbers, filled)
    values = {s.name: frame[s.name].to_numpy(dtype=np.float64) for s in numbers}
    maps, read = [], set()
    for i, key in enumerate(numbers):
        if key.name in read:
            continue
        for number in numbers[i + 1:]:
            if number.name in read or not linked(key.name, number.name):
                continue
            rows = present[key.name] & present[number.name]
            x, y = values[key.name][rows], values[number.name][rows]
            if len(np.unique(x)) < MIN_VALUES or np.ptp(y) == 0:
                continue
            slope, offset = np.polyfit(x, y, 1)
            tolerance = 0.5 * 10.0 ** -min(number.decimals, 9) + 1e-9 * np.abs(y).max()
            if np.abs(offset + slope * x - y).max() <= tolerance:
                maps.append(NumberMap(key.name, number.name, float(offset), float(slope)))
                read.add(number.name)
    return maps


@dataclass(frozen=True)
class Ties:
    """Every column a table reads off another (`find_ties`)."""
    bands: list[Band]
    label_maps: list[LabelMap]
    number_maps: list[NumberMap]

    def __bool__(self) -> bool:
        return bool(self.bands or self.label_maps or self.number_maps)

    def pairs(self) -> list[str]:
        """Each tie as people read it: `label ~ number`, `label ~ key`, `number = a + b × key`."""
        return [f"{b.label} ~ {b.number}" for b in self.bands] + [f"{m.label} ~ {m.key}" for m in self.label_maps] \
            + [f"{m.number} = {m.offset:g} + {m.slope:g} × {m.key}" for m in self.number_maps]


def find_ties(table: PreparedTable, layout: list[Span], linked: Linked = _any) -> Ties:
    """The bands, label maps and number maps of a prepared table over its columns `layout`,
    from the cells its input holds (PreparedTable.filled), of the pairs `linked` allows."""
    return Ties(find_bands(table.frame, layout, linked, table.filled),
                find_label_maps(table.frame, layout, linked, table.filled),
                find_number_maps(table.frame, layout, linked, table.filled))

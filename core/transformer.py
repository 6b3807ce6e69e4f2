"""DataFrame <-> float matrix, with one published layout.

The layout is an ordered list of `Span`s, one per original column. The VAE loss,
the decoder-to-DataFrame step and the expansion of R to encoded columns (Eq. 5)
all read the same layout, so they cannot disagree about where a column lives.

Encoding per role (decided here; the paper only says "one-hot"):
    continuous, integer  1 column, standardised (z-score on the training rows)
    date                 1 column, standardised decimal years (core.cells.years); generated
                         rows keep the years, `written` turns them back into dates
    binary               1 column, 0/1 (1 = the second category)
    categorical, ordinal 1 column per category seen in training (one-hot)
A column that keeps its blanks (`ColumnSpec.blanks`) has one more, its last: 1 where the cell
is blank (the prepared frame's `blank_column`), modelled like a binary column. Generated rows
carry it in the same companion column, and `written` blanks those cells.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from core.cells import ISO_STYLE, write_date
from core.columns import ColumnSpec, PreparedTable, blank_column
from core.errors import InputError
from core.roles import NUMERIC_ROLES, Role


BLANK_MARK = "∅"   # how charts name a column's blank column: "碳化深度=∅"


@dataclass(frozen=True)
class Span:
    """Where one original column lives in the encoded matrix: columns [start, stop)."""
    name: str
    role: Role
    start: int
    stop: int
    categories: tuple[str, ...] = ()
    low: float = 0.0     # observed range, numeric roles only
    high: float = 0.0
    mean: float = 0.0    # standardisation, numeric roles only
    std: float = 1.0
    decimals: int = 6    # generated numbers are written with the data's own precision
    step: float = 0.0    # ... and on its grid, low + k * step, when coarser than that (`grid_step`)
    style: str = ""      # DATE: how the column writes its dates (core.cells.date_style)
    blank: bool = False  # the column keeps its blanks: its last encoded column is 1 where blank
    fill: float | str | None = None   # ... and what its blank cells hold in the prepared frame

    @property
    def value_stop(self) -> int:
        """End of the columns that encode the value: `stop` without the blank column."""
        return self.stop - self.blank

    @property
    def width(self) -> int:
        """Encoded columns the span needs: its value's, and one more when it keeps blanks."""
        return (len(self.categories) if self.kind == "onehot" else 1) + self.blank

    @property
    def kind(self) -> str:
        """How the loss treats the span: 'numeric', 'binary' or 'onehot'."""
        if self.role in NUMERIC_ROLES:
            return "numeric"
        return "binary" if self.role is Role.BINARY else "onehot"

    def classes(self, block: np.ndarray) -> np.ndarray:
        """(n,) the class index each row of this label span's block (n, width) holds: its logit's
        sign (binary) or its largest one-hot column, logits or a 0/1 encoding alike."""
        if self.kind == "binary":
            return (block[:, 0] > 0).astype(int)
        return block[:, :self.value_stop - self.start].argmax(axis=1)

    def written(self, values: np.ndarray) -> np.ndarray:
        """Numbers (n,) in the column's own units as generated rows write them: clipped to the
        observed range, on the column's grid when it has one (ages in 5s stay in 5s; both ends of
        the range are on it), integers whole, the rest to the column's decimals (so an end of the
        range with more decimals than that, -23.0258509299405 at 6, is written -23.025851)."""
        values = np.clip(values.astype(np.float64), self.low, self.high)
        if self.step:
            values = np.minimum(self.low + np.round((values - self.low) / self.step) * self.step, self.high)
        return np.round(values) if self.role is Role.INTEGER else np.round(values, self.decimals)

    @property
    def spacing(self) -> float:
        """How far apart two neighbouring numbers this column writes lie: its grid's step, 1 for
        integers, else 0 (any number, to its decimals)."""
        return self.step or (1.0 if self.role is Role.INTEGER else 0.0)

    def within(self, low: float, high: float) -> tuple[float, float]:
        """The smallest and largest numbers this column writes (`written`) within [low, high]:
        the ends moved inwards onto its grid, or onto whole numbers for integers (50.2..75 on
        integers is 51..75; 52..68 on ages in 5s is 55..65)."""
        step = self.spacing
        if not step:
            return low, high
        base = self.low if self.step else 0.0   # an end on the grid up to float noise stays
        low = base + np.ceil((low - base) / step - 1e-9) * step
        high = base + np.floor((high - base) / step + 1e-9) * step
        places = 0 if self.role is Role.INTEGER else self.decimals
        return float(np.round(low, places)), float(np.round(high, places))

    @property
    def column_names(self) -> list[str]:
        names = [f"{self.name}={c}" for c in self.categories] if self.kind == "onehot" else [self.name]
        return names + [f"{self.name}={BLANK_MARK}"] * self.blank


class TableTransformer:
    """Fit on a `PreparedTable`; then `transform` and `inverse_transform`.

    Learned attributes end in `_`: `layout_` (list of Span), `columns_`.
    """

    def fit(self, table: PreparedTable) -> "TableTransformer":
        spans, offset = [], 0
        for spec in table.specs:
            span = _fit_span(spec, table.frame[spec.name], offset, table.frame.get(blank_column(spec.name)))
            spans.append(span)
            offset = span.stop
        self.layout_ = spans
        return self

    @property
    def n_columns(self) -> int:
        return self.layout_[-1].stop if self.layout_ else 0

    @property
    def columns_(self) -> list[str]:
        return [name for span in self.layout_ for name in span.column_names]

    @property
    def features_(self) -> list[str]:
        return [span.name for span in self.layout_]

    def column_feature(self) -> np.ndarray:
        """For each encoded column, the index of its original column."""
        return np.concatenate([np.full(s.stop - s.start, i) for i, s in enumerate(self.layout_)])

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """(n_rows, n_columns) float32. Unknown categories raise ValueError."""
        out = np.zeros((len(frame), self.n_columns), dtype=np.float32)
        for span in self.layout_:
            values = frame[span.name]
            if span.blank and blank_column(span.name) in frame.columns:
                out[:, span.stop - 1] = frame[blank_column(span.name)].to_numpy(dtype=bool)
            if span.kind == "numeric":
                out[:, span.start] = (values.to_numpy(dtype=float) - span.mean) / span.std
                continue
            # int64: pandas keeps few categories' codes as int8, and start + code would wrap past 127
            codes = pd.Categorical(values.astype(str), categories=list(span.categories)).codes.astype(np.int64)
            if (codes < 0).any():
                bad = values[codes < 0].iloc[0]
                raise ValueError(f"column '{span.name}' has value '{bad}' not seen in training")
            if span.kind == "binary":
                out[:, span.start] = codes
            else:
                out[np.arange(len(frame)), span.start + codes] = 1.0
        return out

    def inverse_transform(self, matrix: np.ndarray) -> pd.DataFrame:
        """Decoder outputs (standardised numbers and logits, or a 0/1 encoding) -> rows.

        Categories come only from training; numbers are clipped to the observed
        range; integers are rounded. A column that keeps its blanks gets its companion
        (`blank_column`), True where the blank column is positive, and its cell there holds the
        `fill` its blank cells hold in the prepared frame, so that generated rows compare with
        the real ones as they are (core.evaluation) and charts read every row.
        """
        assert matrix.shape[1] == self.n_columns, (matrix.shape, self.n_columns)
        columns = {}
        for span in self.layout_:
            block = matrix[:, span.start:span.stop]
            if span.blank:
                blank = block[:, -1] > 0
                block = block.copy()
                if span.kind == "numeric":
                    block[blank, 0] = (span.fill - span.mean) / span.std
                elif span.kind == "binary":
                    block[blank, 0] = float(span.categories.index(span.fill))
                else:
                    block[blank] = 0.0
                    block[blank, span.categories.index(span.fill)] = 1.0
            if span.kind == "numeric":
                # float64 first: clipping in the decoder's float32 lands just outside the range
                values = span.written(block[:, 0].astype(np.float64) * span.std + span.mean)
                if span.blank:   # the fill as the prepared frame holds it, on the grid or not (a median 116.625)
                    values[blank] = span.fill
                columns[span.name] = values.astype(np.int64) if span.role is Role.INTEGER else values
            else:
                index = span.classes(block)
                columns[span.name] = pd.Series(np.asarray(span.categories, dtype=object)[index], dtype=str)
        for span in self.layout_:   # after every value, so the companions trail the columns
            if span.blank:
                columns[blank_column(span.name)] = matrix[:, span.stop - 1] > 0
        return pd.DataFrame(columns)

    def written(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Rows as the survey writes them: DATE columns (decimal years) back to dates in their
        column's style, and blank where a column's companion (`blank_column`) says so, the
        companions dropped; `rows` itself when there is nothing to do."""
        dates = [span for span in self.layout_ if span.role is Role.DATE and span.name in rows.columns]
        blanks = [span for span in self.layout_ if blank_column(span.name) in rows.columns]
        if not dates and not blanks:
            return rows
        rows = rows.copy()
        for span in dates:
            rows[span.name] = pd.Series([write_date(v, span.style or ISO_STYLE) for v in rows[span.name]],
                                        index=rows.index, dtype=str)
        for span in blanks:
            blank = rows.pop(blank_column(span.name)).to_numpy(dtype=bool)
            if span.role is Role.CONTINUOUS:
                rows[span.name] = rows[span.name].where(~blank)   # NaN: an empty cell
            elif span.role is Role.INTEGER:   # whole numbers and None, written "3" and ""
                rows[span.name] = pd.Series([None if b else v for v, b in zip(rows[span.name].tolist(), blank)],
                                            index=rows.index, dtype=object)
            else:
                rows.loc[blank, span.name] = ""
        return rows

    def to_dict(self) -> dict:
        return {"layout": [{**asdict(s), "role": s.role.value, "categories": list(s.categories)}
                           for s in self.layout_]}

    @classmethod
    def from_dict(cls, data: dict) -> "TableTransformer":
        self = cls()
        self.layout_ = [Span(**{**s, "role": Role(s["role"]), "categories": tuple(s["categories"])})
                        for s in data["layout"]]
        offset = 0
        for span in self.layout_:   # a hand-edited file must still describe a contiguous layout
            if span.start != offset or span.stop != offset + span.width:
                raise ValueError(f"layout of column '{span.name}' is not contiguous")
            offset = span.stop
        return self


MAX_DECIMALS = 6   # past the units digit; for a column of small numbers, past its leading digit
MAX_PLACES = 30    # the most decimals a column can get (values near 1e-24)


def decimals(values: pd.Series) -> int:
    """The fewest decimals that write every value exactly, at most MAX_DECIMALS counted from
    the column's leading digit when its largest value is below 0.1 (strains of 1.2e-13 keep
    their digits instead of all writing 0.0)."""
    numbers = values.astype(float).to_numpy()
    top = float(np.abs(numbers).max()) if len(numbers) else 0.0
    shift = int(np.clip(-np.floor(np.log10(top)) - 1, 0, MAX_PLACES - MAX_DECIMALS)) if top > 0 else 0
    for places in range(MAX_DECIMALS + shift + 1):
        if np.allclose(np.round(numbers, places), numbers, rtol=0, atol=1e-9 * 10.0 ** -shift):
            return places
    return MAX_DECIMALS + shift


def grid_step(values: pd.Series, places: int) -> float:
    """The step of the grid that every value lies on, low + k * step, when it is coarser than
    the last of the column's `places` decimals (ages in 5s, Karnofsky scores in 10s, edema
    0 / 0.5 / 1, lengths in half inches), else 0.0. Needs 3 distinct values; a column whose
    values the decimals do not write exactly (thirds at 6 decimals) has none.
    Our decision: the paper writes numbers as the decoder gives them; a survey that records
    ages in 5s never holds 37, so generated rows do not either (ten public tables: 2-44 % of the
    generated values of such columns were off the grid)."""
    numbers = values.astype(float).to_numpy()
    scale = 10.0 ** places
    units = np.round(numbers * scale)
    if not len(numbers) or np.abs(units).max() >= 2.0 ** 53 \
            or not np.allclose(units, numbers * scale, rtol=0, atol=0.01):
        return 0.0
    distinct = np.unique(units.astype(np.int64))
    step = int(np.gcd.reduce(np.diff(distinct))) if len(distinct) >= 3 else 1
    return step / scale if step > 1 else 0.0


def _fit_span(spec: ColumnSpec, values: pd.Series, start: int, blank: pd.Series | None = None) -> Span:
    is_blank = blank.to_numpy(dtype=bool) if spec.blanks and blank is not None else np.zeros(len(values), dtype=bool)
    filled = values[is_blank]
    fill = (float(filled.iloc[0]) if spec.is_numeric else str(filled.iloc[0])) if len(filled) else None
    if spec.is_numeric:
        numbers = values.to_numpy(dtype=float)
        with np.errstate(over="ignore", invalid="ignore"):
            std = float(numbers.std())
        if not (np.isfinite(numbers).all() and np.isfinite(std)):
            raise InputError(f"column '{spec.name}' has values too large to model "
                             f"(up to {np.nanmax(np.abs(numbers)):.3g}); rescale it or exclude it")
        places = decimals(values)
        return Span(spec.name, spec.role, start, start + 1 + spec.blanks,
                    low=float(numbers.min()), high=float(numbers.max()),
                    mean=float(numbers.mean()), std=std if std > 0 else 1.0,
                    decimals=places, step=0.0 if spec.role is Role.DATE else grid_step(values[~is_blank], places),
                    style=spec.style, blank=spec.blanks,
                    fill=float(np.median(numbers)) if fill is None and spec.blanks else fill)
    categories = spec.categories or tuple(sorted(values.astype(str).unique()))
    width = (1 if spec.role is Role.BINARY else len(categories)) + spec.blanks
    fill = categories[0] if fill is None and spec.blanks else fill
    return Span(spec.name, spec.role, start, start + width, categories=tuple(categories), blank=spec.blanks, fill=fill)

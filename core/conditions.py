"""Rows that satisfy conditions: "500 buildings with severe wall cracks", "brick, 20-30 years".

Our addition: the paper generates rows by semantic, not by condition.

A condition is `COLUMN=VALUE` (a label, or the code of a column of integers; `COLUMN=` is the
blank of a tick box, or a blank cell of a column that keeps its blanks) or
`COLUMN=LO..HI` (a numeric range, both ends included; on a column of dates, dates or decimal
years); several combine with AND. The route
(`sample_where`), the minority-class route of core.augmentation generalised:
1. the real rows that satisfy every condition are encoded: mu_i, sigma_i;
2. each new row draws z ~ N(mu_i, diag(sigma_i^2) + H) for a matching row i chosen at
   random, so the other columns follow the real data's conditional distribution, however rare
   the condition (prior draws would seldom land there; each matching row seeds n/m rows, give
   or take one, core.stratified); sliders (`fixed`) then set their
   latents. H is the kernel the unconditional draws are widened by
   (core.latents.PosteriorMixture, bandwidth h; 0 for older projects): without it a common condition
   moved the rows away from unconditional ones by the difference of the two kernels, not by
   the condition (benchmarks/CONDITIONS_ASIDE.md: 13 of 100 conditions below a shift
   correlation of 0.7 without h, 2 with it, both before blank cells were kept; 3 since);
3. the row is drawn from p(x | z) (`core.generation.decode`), with the conditioned columns
   drawn from p(x | z) restricted to the condition: a label the condition allows, a number
   redrawn while outside the range (at most REDRAWS times), then a real value of the range
   (one of the real column's quantiles in it; clipped into the range when none is).
So every row satisfies every condition and exactly n rows come back; rejection is only the
numbers' fallback, never the method.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import torch

from core import stratified
from core.cells import ISO_STYLE, date_of, write_date, years
from core.columns import filled_in
from core.errors import InputError
from core.generation import BLANK, decode, resolve_latents
from core.latents import Noise, PosteriorMixture
from core.model import FittedModel
from core.roles import Role
from core.transformer import Span

REDRAWS = 20
_RANGE = re.compile(r"^\s*(.+?)\s*\.\.\s*(.+?)\s*$")


@dataclass(frozen=True)
class Condition:
    column: str
    value: str | None = None       # COLUMN=VALUE
    low: float | None = None       # COLUMN=LO..HI
    high: float | None = None
    written: str | None = field(default=None, compare=False)   # LO..HI as typed, when dates

    @classmethod
    def parse(cls, text: str) -> "Condition":
        """'COLUMN=VALUE' or 'COLUMN=LO..HI' (the column name may itself hold '=': the last one splits)."""
        column, sep, value = text.rpartition("=")
        if not sep or not column.strip():   # an empty VALUE is the blank of a tick box: 墙体开裂=
            raise InputError(f"--where '{text}' must look like COLUMN=VALUE or COLUMN=LO..HI, "
                             "e.g. 结构体系=砌体结构 or 建造年代=20..30")
        found = _RANGE.match(value)
        if found is None:
            return cls(column.strip(), value=value.strip())
        low, high = _bound(found.group(1)), _bound(found.group(2))
        if low is None or high is None:
            raise InputError(f"--where '{text}': LO and HI of a range must be numbers, or dates such as "
                             "2007-07-07 for a column of dates")
        if not (np.isfinite(low) and np.isfinite(high)):
            raise InputError(f"--where '{text}': LO and HI of a range must be finite numbers")
        if low > high:
            raise InputError(f"--where '{text}': LO ({low:g}) is above HI ({high:g})")
        dates = date_of(found.group(1)) is not None or date_of(found.group(2)) is not None
        return cls(column.strip(), low=low, high=high, written=value.strip() if dates else None)

    def __str__(self) -> str:
        if self.value is not None:
            return f"{self.column}={self.value}"
        return f"{self.column}={self.written or f'{self.low:.10g}..{self.high:.10g}'}"

    def blank(self, span: Span) -> bool:
        """Whether it asks for the blank cells of a column that keeps its blanks (`COLUMN=`)."""
        return span.blank and self.value == ""

    def bounds(self, span: Span) -> tuple[float, float] | None:
        """The numeric range this condition allows on a numeric span (VALUE on integers: [v, v])."""
        if span.kind != "numeric" or self.blank(span):
            return None
        if self.value is not None:
            return float(self.value), float(self.value)
        return self.low, self.high

    def holds(self, values: pd.Series, span: Span) -> np.ndarray:
        """Which of `values` (a column of the prepared table or of generated rows) satisfy it."""
        bounds = self.bounds(span)
        if bounds is None:
            return values.astype(str).to_numpy() == self.value
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        return (numbers >= bounds[0]) & (numbers <= bounds[1])


def _bound(text: str) -> float | None:
    """One end of a range: a number, or a date in decimal years (a column of dates holds years,
    core.cells.years: 竣工日期=1990-01-01..1999-12-31, or 1990..2000 in years)."""
    try:
        return float(text)
    except ValueError:
        day = date_of(text)
        return None if day is None else years(day)


def _extent(span: Span) -> str:
    """A numeric column's observed range as LO..HI, and its grid's step when it has one; dates
    as dates."""
    if span.role is Role.DATE:
        return f"{write_date(span.low, ISO_STYLE)}..{write_date(span.high, ISO_STYLE)}"
    return f"{span.low:g}..{span.high:g}" + (f" in steps of {span.step:g}" if span.step else "")


def modelled_conditions(model: FittedModel, conditions: list[Condition]) -> list[Condition]:
    """The conditions on modelled columns, each column and label as the table writes it
    (`as_written`). A condition on a constant column that is not modelled (a flag that never
    occurs) holds for every generated row when it asks for that constant, with no blanks, and is
    dropped; any other value there can never hold: a clear error."""
    constants = {column.name: column for column in model.unmodelled if column.kind == "constant"}
    kept = []
    for condition in (as_written(model, condition) for condition in conditions):
        column = constants.get(condition.column)
        if column is None:
            kept.append(condition)
            continue
        value = next(value for value in column.values if value is not None)
        if condition.value != value or None in column.values:
            raise InputError(f"--where {condition}: '{column.name}' is not modelled: every row of the "
                             f"data has '{value}'" + (" or a blank" if None in column.values else "")
                             + ", and so does every generated row")
    return kept


def as_written(model: FittedModel, condition: Condition) -> Condition:
    """`condition` with its column and its label as the table writes them where they differ only
    as typed: in dashes, full-width forms or spaces ('20-25' for '20–25', '裂缝宽度（mm）' for
    '裂缝宽度(mm)'), when one name or label alone matches so; else as it is."""
    spans = {span.name: span for span in model.transformer.layout_}
    column = _matching(condition.column, [*spans, *(column.name for column in model.unmodelled)])
    span, value = spans.get(column), condition.value
    if span is not None and span.kind != "numeric" and value:
        value = _matching(value, span.categories)
    return replace(condition, column=column, value=value)


_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))


def _matching(text: str, names: list[str]) -> str:
    """The one name of `names` that reads as `text` typed (`as_written`), else `text`."""
    if text in names:
        return text
    typed = lambda name: unicodedata.normalize("NFKC", name).translate(_DASHES).replace(" ", "")
    found = [name for name in names if typed(name) == typed(text)]
    return found[0] if len(found) == 1 else text


def check_conditions(model: FittedModel, real: pd.DataFrame, conditions: list[Condition],
                     filled: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
    """The real rows satisfying every condition (a boolean mask), after checking each condition
    against the model and the data; a clear error for an unknown column, a value never seen, a
    range no row falls in, or a combination no row has. Conditions on a constant column are
    dropped first (`modelled_conditions`). A cell blank in the input holds no value: neither a
    blank kept (`filled_in`) nor one filled for training (`filled`: PreparedTable.filled)."""
    filled = filled or {}
    spans = {span.name: span for span in model.transformer.layout_}
    unmodelled = model.unmodelled_reasons()
    mask = np.ones(len(real), dtype=bool)
    for condition in modelled_conditions(model, conditions):
        span = spans.get(condition.column)
        if span is None:
            why = " (it is in the table but not modelled)" if condition.column in unmodelled else ""
            raise InputError(f"--where {condition}: '{condition.column}' is not a modelled column{why}; "
                             f"columns: {', '.join(list(spans)[:12])}{' …' if len(spans) > 12 else ''}")
        if condition.blank(span):
            mask &= ~filled_in(real, span.name).to_numpy()   # it has blanks: at least 5 % of the rows
            continue
        if span.kind != "numeric" and condition.value is None:
            raise InputError(f"--where {condition}: '{span.name}' holds labels; give one, e.g. "
                             f"{span.name}={span.categories[0]}")
        if span.kind != "numeric" and condition.value not in span.categories:
            raise InputError(f"--where {condition}: '{condition.value}' never occurs in '{span.name}'; "
                             f"its values: {', '.join(span.categories[:20])}")
        if span.role is Role.DATE and condition.value is not None:
            raise InputError(f"--where {condition}: '{span.name}' holds dates; give a range of them, e.g. "
                             f"{span.name}={_extent(span)}")
        if span.kind == "numeric" and condition.value is not None:
            try:
                number = float(condition.value)
            except ValueError:
                raise InputError(f"--where {condition}: '{span.name}' holds numbers; give a number or "
                                 f"a range LO..HI, e.g. {span.name}={span.low:g}..{span.high:g}") from None
            if span.role is not Role.INTEGER or number != round(number):
                raise InputError(f"--where {condition}: '{span.name}' holds continuous numbers; give a "
                                 f"range LO..HI, e.g. {span.name}={span.low:g}..{span.high:g}")
        holds = condition.holds(real[span.name], span) & filled_in(real, span.name).to_numpy() \
            & ~filled.get(span.name, np.zeros(len(real), dtype=bool))   # not a blank
        if not holds.any():
            raise InputError(f"--where {condition}: no row of the data has it "
                             f"('{span.name}' runs {_extent(span)})" if span.kind == "numeric"
                             else f"--where {condition}: no row of the data has it")
        mask &= holds
    if not mask.any():
        raise InputError("--where " + " AND ".join(map(str, conditions))
                         + ": no row of the data has all of these at once; drop or widen one")
    return mask


def sample_where(model: FittedModel, real: pd.DataFrame, conditions: list[Condition], n_rows: int,
                 fixed: Mapping[str | int, float] | None = None, seed: int = 0,
                 filled: Mapping[str, np.ndarray] | None = None) -> pd.DataFrame:
    """n_rows generated rows (the model's columns), every one satisfying every condition; `real`
    the prepared training frame and `filled` its cells filled for training (PreparedTable)."""
    if n_rows < 1:
        raise InputError("the number of rows to generate must be at least 1")
    mask = check_conditions(model, real, conditions, filled)
    conditions = modelled_conditions(model, conditions)
    seeds = real.loc[mask]
    with torch.no_grad():
        mu, logvar = (part.numpy().astype(np.float64)
                      for part in model.vae.encode(torch.from_numpy(model.transformer.transform(seeds))))
    rng = np.random.default_rng(seed)   # stratified: each matching row seeds n/m rows, give or take one
    pick = (stratified.uniform(rng, n_rows) * len(seeds)).astype(int)
    variance, normal = np.exp(logvar[pick]), stratified.normal(rng, n_rows, model.latent_dim)
    if isinstance(model.latents, PosteriorMixture):   # widened as the unconditional draws are
        kernel = stratified.normal(rng, n_rows, model.latent_dim)
        z = mu[pick] + model.latents.widen(variance, Noise(normal, None, kernel))
    else:
        z = mu[pick] + np.sqrt(variance) * normal
    for latent, value in resolve_latents(model, fixed or {}).items():
        z[:, latent] = value
    spans = {span.name: span for span in model.transformer.layout_}
    allowed = {}
    for condition in conditions:
        span = spans[condition.column]
        bounds = condition.bounds(span)
        allowed[span.name] = BLANK if condition.blank(span) else bounds if bounds is not None \
            else span.categories.index(condition.value)
    rows = decode(model, z, seed, allowed=allowed, redraws=REDRAWS)
    for condition in conditions:   # the last word: numbers written on the data's grid stay inside
        span = spans[condition.column]
        bounds = condition.bounds(span)
        if bounds is not None:
            values = rows[span.name].to_numpy()
            rows[span.name] = np.clip(values, *span.within(*bounds)).astype(values.dtype)
    return rows

"""Targeted generation (§1.6): set the matched latents, sample the rest, decode.

Z values are in the latents' own units (those of the prior N(0, I) the KL term pulls them
towards). The latents without a fixed value are drawn from the model's latent distribution,
the aggregate posterior of the training rows (`sample_latents`, core.latents).

Decision (the paper says only "decode"): a row is drawn from the decoder's distribution
p(x | z), not its mode: labels are sampled from the softmax (binary: the sigmoid), numbers
get Gaussian noise with the residual std the decoder left on the training rows. Decoding the mode instead
shrinks every marginal: on the 30-row sample, fidelity 0.75 instead of 0.87 with
the semantic decoder. `sample_values=False` gives the mode (a "typical" row).
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import torch

from core import stratified
from core.columns import blank_column
from core.errors import InputError
from core.latents import OTHERS, Noise  # noqa: F401  (OTHERS: the ways to draw, for the CLI and the page)
from core.model import FittedModel


def resolve_latents(model: FittedModel, fixed: Mapping[str | int, float]) -> dict[int, float]:
    """Map semantic names (via `FittedModel.slider_latents`) or latent indices to latents."""
    sliders = model.slider_latents() if any(isinstance(k, str) for k in fixed) else {}
    resolved: dict[int, float] = {}
    for key, value in fixed.items():
        if isinstance(key, str):
            if key not in model.semantics.names:
                raise InputError(f"unknown semantic '{key}'; the semantics are: "
                                 + ", ".join(model.semantics.names))
            latent = sliders.get(model.semantics.names.index(key))
            if latent is None:
                raise InputError(f"semantic '{key}' has no latent: there are more semantics "
                                 f"({len(model.semantics.names)}) than latents ({model.latent_dim})")
        else:
            latent = int(key)
            if not 0 <= latent < model.latent_dim:
                raise InputError(f"latent {latent} does not exist; latents are 0..{model.latent_dim - 1}")
        if not np.isfinite(value):
            raise InputError(f"the value for latent {latent} must be a finite number")
        resolved[latent] = float(value)
    return resolved


def sample_latents(model: FittedModel, n_rows: int, fixed: Mapping[str | int, float] | None = None,
                   seed: int = 0, sample_others: bool = True, others: str = "covary") -> np.ndarray:
    """(n_rows, L) latent codes: the fixed latents set, the others drawn from the model's latent
    distribution (`FittedModel.latent_prior`, core.latents), or held at its (conditional) mean
    when `sample_others` is off."""
    if n_rows < 1:
        raise InputError("the number of rows to generate must be at least 1")
    noise = latent_noise(model, n_rows, seed) if sample_others else Noise.held(n_rows, model.latent_dim)
    return model.latent_prior().draw(resolve_latents(model, fixed or {}), noise, others)


def latent_noise(model: FittedModel, n_rows: int, seed: int = 0) -> Noise:
    """The random numbers of n_rows latent codes, the same for the same seed."""
    return Noise.draw(n_rows, model.latent_dim, seed)


BLANK = "blank"   # `decode(allowed=...)`: the column blank in every row


def decode(model: FittedModel, z: np.ndarray, seed: int = 0, sample_values: bool = True,
           allowed: Mapping[str, int | tuple[float, float]] | None = None, redraws: int = 20) -> pd.DataFrame:
    """Latent codes (n, L) -> rows in the original columns and categories.

    `allowed` restricts columns (core.conditions): a category index; BLANK (a column that keeps
    its blanks, blank in every row); or a (low, high) range of a number in its own units, redrawn
    up to `redraws` times while outside it, then replaced by a real value of the range (the
    calibration's quantiles of the real column; clipped when none falls in it)."""
    with torch.no_grad():
        out = model.vae.decode(torch.as_tensor(z, dtype=torch.float32)).numpy().astype(np.float64)
    rng = np.random.default_rng(seed)
    drawn = out
    if sample_values:
        drawn = _sample_outputs(model, out, rng)
        for span in model.transformer.layout_:
            drawn[:, span.start] = _calibrated(model, span, drawn[:, span.start])
    settle(model, drawn, out, allowed or {}, rng, redraws if sample_values else 0)
    return model.transformer.inverse_transform(drawn)


def settle(model: FittedModel, drawn: np.ndarray, out: np.ndarray, allowed: Mapping,
           rng: np.random.Generator, redraws: int = 0) -> None:
    """In place: the encoded rows `drawn` restricted to `allowed` (as `decode`'s), then every
    column read off another (core.bands: label maps, bands, number maps) made to agree with it;
    `out` the decoder's outputs the numbers are redrawn around (at most `redraws` times)."""
    for span in model.transformer.layout_:
        if span.name in allowed:
            _restrict(model, drawn, out, span, allowed[span.name], rng, redraws)
    carried = _carried(model, allowed)
    for span in model.transformer.layout_:
        if span.name in carried:
            _within(model, drawn, out, span, carried[span.name], np.flatnonzero(_shown(drawn, span)), rng, redraws)
    allowed = {**allowed, **carried}
    _read_labels(model, drawn, out, allowed, rng)
    decided = {**allowed, **{name: None for m in model.label_maps for name in (m.key, m.label)}}   # maps hold them
    _keep_bands(model, drawn, out, decided, rng, redraws)
    _read_numbers(model, drawn)


def _restrict(model: FittedModel, drawn: np.ndarray, out: np.ndarray, span, allowed, rng: np.random.Generator,
              redraws: int) -> None:
    """In place: the span's values in `drawn` (encoded) drawn within `allowed`, and not blank, or
    blank (`allowed` BLANK); `out` holds the decoder's means the numbers are redrawn around."""
    if span.blank:
        drawn[:, span.stop - 1] = float(allowed is BLANK)
    if allowed is BLANK:
        return
    if span.kind != "numeric":   # p(x | z) restricted to one label is that label
        _set_label(drawn, span, np.full(len(drawn), int(allowed)))
        return
    _within(model, drawn, out, span, allowed, np.arange(len(drawn)), rng, redraws)


def _set_label(drawn: np.ndarray, span, index: np.ndarray, rows: np.ndarray | None = None) -> None:
    """In place: label `index` (n,) in the rows `rows` of `drawn` (every row when None)."""
    rows = np.arange(len(drawn)) if rows is None else rows
    if span.kind == "binary":
        drawn[rows, span.start] = index.astype(float)
    else:
        drawn[rows, span.start:span.value_stop] = 0.0
        drawn[rows, span.start + index] = 1.0


def _within(model: FittedModel, drawn: np.ndarray, out: np.ndarray, span, bounds: tuple[float, float],
            rows: np.ndarray, rng: np.random.Generator, redraws: int) -> None:
    """In place: the number of numeric `span` in the rows `rows` of `drawn` within `bounds`
    (low, high) in the column's own units: redrawn around the decoder's means `out` while outside
    (at most `redraws` times), then a real value of the range, else clipped into it."""
    # numbers are written on their grid after (whole for integers, `Span.written`): keep to the
    # grid's values inside the range (not quite +-half a step: an edge of exactly half a step
    # rounds half to even, outside the range)
    first, last = span.within(*bounds)
    low, high = ((first - 0.49 * span.spacing - span.mean) / span.std,
                 (last + 0.49 * span.spacing - span.mean) / span.std)
    values, centre = drawn[rows, span.start], out[rows, span.start]
    noise = 0.0 if model.residual_std is None else model.residual_std[span.start]
    for _ in range(redraws if noise > 0 else 0):
        outside = (values < low) | (values > high)
        if not outside.any():
            break
        values[outside] = _calibrated(model, span, centre[outside] + noise * rng.standard_normal(int(outside.sum())))
    outside = (values < low) | (values > high)
    table = model.calibration.get(span.name)
    if outside.any() and table is not None:   # still outside: a real value in the range, not its edge
        pool = table[1][(table[1] >= low) & (table[1] <= high)]
        if len(pool):
            values[outside] = rng.choice(pool, int(outside.sum()))
    drawn[rows, span.start] = np.clip(values, low, high)


def _read_labels(model: FittedModel, drawn: np.ndarray, out: np.ndarray, allowed: Mapping,
                 rng: np.random.Generator) -> None:
    """In place: each label read off another (core.bands.LabelMap) is its key's image in every row
    of `drawn` where neither is blank, parents first. A conditioned label, or one banded over a
    conditioned number (to the classes whose interval meets the range), narrows its key (and the
    key's key) to the classes that lead to it; a first key drawn outside them is drawn again
    from the decoder's probabilities `out` over them, as is a label in the rows where its key is
    blank (nothing reads it off the key there)."""
    if not model.label_maps:
        return
    spans = {span.name: span for span in model.transformer.layout_}
    parent = {m.label: m for m in model.label_maps}
    depth = {m.label: _depth(parent, m.label) for m in model.label_maps}
    order = sorted(model.label_maps, key=lambda m: depth[m.label])
    classes = {name: set(range(len(spans[name].categories))) for m in order for name in (m.key, m.label)}
    for name, value in allowed.items():
        if name in classes and value is not BLANK and not isinstance(value, tuple):
            classes[name] = {int(value)}
    for name, wanted in _band_classes(model, allowed).items():
        if name in classes:
            classes[name] &= wanted
    for m in reversed(order):   # children first: a key may only lead to its label's classes
        classes[m.key] &= {k for k, target in enumerate(m.targets) if target in classes[m.label] or target < 0}
    for name, wanted in classes.items():   # the roots, and a label whose key is blank in a row
        span = spans[name]
        if len(wanted) == len(span.categories) or not wanted:
            continue
        held = _held(drawn, span)
        free = ~_shown(drawn, spans[parent[name].key]) if name in parent else np.ones(len(drawn), dtype=bool)
        rows = np.flatnonzero(free & (held >= 0) & ~np.isin(held, list(wanted)))
        _set_label(drawn, span, _draw_label(model, span, out[rows], sorted(wanted), rng), rows)
    for m in order:
        if m.label in allowed:   # a conditioned label is never overwritten
            continue
        key, label = spans[m.key], spans[m.label]
        rows = np.flatnonzero(_shown(drawn, key) & _shown(drawn, label))
        targets = np.asarray(m.targets)[key.classes(drawn[rows, key.start:key.stop])]
        _set_label(drawn, label, targets[targets >= 0], rows[targets >= 0])


def _depth(parent: Mapping, name: str) -> int:
    """How many keys `name` is read off in turn (0: it is read off none)."""
    return 0 if name not in parent else 1 + _depth(parent, parent[name].key)


def _draw_label(model: FittedModel, span, out: np.ndarray, wanted: list[int], rng: np.random.Generator
                ) -> np.ndarray:
    """(n,) a class of label `span` among `wanted`, drawn from the decoder's calibrated
    probabilities `out` (n, N) over them."""
    block = out[:, span.start:span.value_stop] + model.calibration.get(span.name, 0.0)
    if span.kind == "binary":   # one logit: the second class's
        block = np.concatenate([np.zeros_like(block), block], axis=1)
    weights = np.exp(block - block.max(axis=1, keepdims=True))[:, wanted]
    return np.asarray(wanted)[_pick(weights, rng.random((len(out), 1)))]


def _pick(weights: np.ndarray, u: np.ndarray) -> np.ndarray:
    """(n,) a column of each row of `weights` (n, K), drawn in proportion to them by the
    uniform numbers `u` (n, 1): the first column whose cumulative share reaches u."""
    cumulative = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    return (cumulative < u).sum(axis=1).clip(max=weights.shape[1] - 1)


def _ranges(allowed: Mapping) -> dict[str, tuple[float, float]]:
    """The range conditions of `allowed` (column -> (low, high)): not its labels, nor BLANK."""
    return {name: value for name, value in allowed.items() if isinstance(value, tuple)}


def _band_classes(model: FittedModel, allowed: Mapping) -> dict[str, set[int]]:
    """Label -> the classes whose interval meets the range of every conditioned number it is
    banded over, for the labels banded over one and not conditioned themselves."""
    classes: dict[str, set[int]] = {}
    ranges = _ranges(allowed)
    for band in model.bands:
        if band.label not in allowed and band.number in ranges:
            wanted = band.meeting(ranges[band.number])
            classes[band.label] = classes.get(band.label, wanted) & wanted
    return classes


def _keep_bands(model: FittedModel, drawn: np.ndarray, out: np.ndarray, allowed: Mapping,
                rng: np.random.Generator, redraws: int) -> None:
    """In place: the number of every band agrees with each of its labels in every row of `drawn`
    where neither is blank (core.bands). The conditioned numbers come first. A number is drawn
    within its leading label's interval, as a condition's range is: the first label decided
    already (conditioned, or set by an earlier number), else (when the number itself is not
    conditioned) its first label's; every other label then becomes the class whose interval
    holds the number (or the nearest among those meeting every conditioned number's range it
    is banded over), and the number is kept within all its labels' intervals where they meet.
    `allowed` also names, with None, the labels of label maps, which `_read_labels` has decided
    already: they lead and are not read off the number, as conditioned labels. A label banded
    over two numbers is so read off the first and leads the second."""
    spans = {span.name: span for span in model.transformer.layout_}
    by_number: dict[str, list] = {}
    for band in model.bands:
        by_number.setdefault(band.number, []).append(band)
    ranges, among, decided = _ranges(allowed), _band_classes(model, allowed), set(allowed)
    for name, bands in sorted(by_number.items(), key=lambda item: item[0] not in ranges):   # stable
        number, condition = spans[name], ranges.get(name)
        rows = np.flatnonzero(_shown(drawn, number))
        lead = next((band for band in bands if band.label in decided), None if condition else bands[0])
        if lead is not None:
            _within_bands(model, drawn, out, number, [lead], condition, rows, rng, redraws)
        for band in bands:
            if band is not lead and band.label not in decided:
                labelled = rows[_shown(drawn[rows], spans[band.label])]
                values = drawn[labelled, number.start] * number.std + number.mean
                _set_label(drawn, spans[band.label], band.class_of(values, among.get(band.label)), labelled)
        _within_bands(model, drawn, out, number, bands, condition, rows, rng, redraws)
        decided.update(band.label for band in bands)


def _carried(model: FittedModel, allowed: Mapping) -> dict[str, tuple[float, float]]:
    """The ranges of `allowed` carried across the number maps (core.bands.NumberMap): a key kept
    to the values whose number is written within the number's range (to within 0.49 of its
    last decimal, so that ranges meeting in one value still meet), then each number to its
    key's image. Only the ranges set or narrowed so; where they would not meet, none."""
    spans = {span.name: span for span in model.transformer.layout_}
    ranges, carried = _ranges(allowed), {}

    def narrow(name: str, ends: list[float]) -> None:
        low, high = ranges.get(name, (-np.inf, np.inf))
        low, high = max(low, min(ends)), min(high, max(ends))
        if low <= high and (low, high) != ranges.get(name):
            ranges[name] = carried[name] = (low, high)

    for m in model.number_maps:   # the keys first: a key may have several numbers
        if m.number in ranges:
            half = 0.49 * 10.0 ** -min(spans[m.number].decimals, 9)
            low, high = ranges[m.number]
            narrow(m.key, [(low - half - m.offset) / m.slope, (high + half - m.offset) / m.slope])
    for m in model.number_maps:
        if m.key in ranges:
            narrow(m.number, [m.offset + m.slope * end for end in ranges[m.key]])
    return carried


def _read_numbers(model: FittedModel, drawn: np.ndarray) -> None:
    """In place: each number read off another (core.bands.NumberMap) is offset + slope * key,
    from the key as it is written (its own decimals), in every row of `drawn` where neither is
    blank (a condition on either is carried to the other first: `_carried`)."""
    spans = {span.name: span for span in model.transformer.layout_}
    for m in model.number_maps:
        key, number = spans[m.key], spans[m.number]
        rows = np.flatnonzero(_shown(drawn, key) & _shown(drawn, number))
        written = key.written(drawn[rows, key.start] * key.std + key.mean)
        drawn[rows, key.start] = (written - key.mean) / key.std
        drawn[rows, number.start] = (m.offset + m.slope * written - number.mean) / number.std


def _within_bands(model: FittedModel, drawn: np.ndarray, out: np.ndarray, number, bands: list,
                  condition: tuple[float, float] | None, rows: np.ndarray, rng: np.random.Generator,
                  redraws: int) -> None:
    """In place: the number of numeric span `number` in the rows `rows` of `drawn` within the
    intervals of each row's classes of `bands` (those not blank) and within `condition`; where
    they do not meet, the number is left as it is (the condition holds already)."""
    spans = {span.name: span for span in model.transformer.layout_}
    classes = np.stack([_held(drawn[rows], spans[band.label]) for band in bands], axis=1)   # (r, m)
    for combination in np.unique(classes, axis=0):
        ends = [band.bounds(int(k)) for band, k in zip(bands, combination) if k >= 0] + [condition]
        ends = [end for end in ends if end is not None]
        if not ends:
            continue
        low, high = max(end[0] for end in ends), min(end[1] for end in ends)
        if low <= high:
            _within(model, drawn, out, number, (low, high), rows[(classes == combination).all(axis=1)], rng, redraws)


def _held(drawn: np.ndarray, span) -> np.ndarray:
    """(n,) each row's class of label `span` in `drawn` (n, N), -1 where its cell is blank."""
    return np.where(_shown(drawn, span), span.classes(drawn[:, span.start:span.stop]), -1)


def _shown(drawn: np.ndarray, span) -> np.ndarray:
    """(n,) True in the rows of `drawn` (n, N) where `span` holds a value, False where blank."""
    return drawn[:, span.stop - 1] <= 0 if span.blank else np.ones(len(drawn), dtype=bool)


CALIBRATION_QUANTILES = 201
CALIBRATION_ROWS = (5_000, 20_000)   # rows generated to calibrate: len(real) within these bounds


def calibrate(model: FittedModel, real: np.ndarray, seed: int = 0) -> dict[str, np.ndarray]:
    """The decoder's calibration (`FittedModel.calibration`), from unconditional generated rows
    against `real`, the encoded training table. Per column:
    - a number: (2, Q) quantiles, standardised, of the values `decode` draws before calibration
      and of the real column; decoding maps each drawn v through the fixed monotone map
      F_real^-1(F_generated(v)) (`_calibrated`);
    - labels: (K,) logit offsets log p_real(k) - log p_generated(k) (binary: the logit's),
      added to the decoder's logits before a label is drawn;
    - a column that keeps its blanks: the logit offset of its blank column, under `blank_column`;
      its value's map comes from the rows not blank, generated and real.

    Decision (the paper decodes with no calibration): a Gaussian decoder shapes skewed or
    discrete numbers (ages in 5-year bins, floor counts) only roughly, and column shapes are
    where the fidelity was lost. Both maps are fixed and monotone, learnt once at the end of
    training, so the marginals match the real ones while every slider keeps its direction and
    rank relations between columns are kept."""
    n_rows = int(np.clip(len(real), *CALIBRATION_ROWS))
    z = sample_latents(model, n_rows, seed=seed)
    with torch.no_grad():
        out = model.vae.decode(torch.as_tensor(z, dtype=torch.float32)).numpy().astype(np.float64)
    drawn = _sample_outputs(model, out, np.random.default_rng(seed))
    q = np.linspace(0, 1, CALIBRATION_QUANTILES)
    table = {}
    for span in model.transformer.layout_:
        block, truth, values = out[:, span.start:span.value_stop], real[:, span.start:span.value_stop], drawn
        if span.blank:   # blank or not as a binary column; the value's maps from the cells not blank
            table[blank_column(span.name)] = _logit_offset(out[:, span.stop - 1], real[:, span.stop - 1])
            shown, present = drawn[:, span.stop - 1] < 0.5, real[:, span.stop - 1] < 0.5
            if shown.any() and present.any():
                block, truth, values = block[shown], truth[present], drawn[shown]
        if span.kind == "numeric":
            generated = np.quantile(values[:, span.start], q)
            spread = max(float(generated[-1] - generated[0]), 1e-6)
            generated = np.maximum.accumulate(generated) + np.arange(len(q)) * 1e-9 * spread   # increasing
            table[span.name] = np.stack([generated, np.quantile(truth[:, 0], q)])
        elif span.kind == "binary":
            table[span.name] = _logit_offset(block[:, 0], truth[:, 0])
        else:
            probs = np.exp(block - block.max(axis=1, keepdims=True))
            made = np.clip((probs / probs.sum(axis=1, keepdims=True)).mean(axis=0), 1e-4, None)
            table[span.name] = np.log(np.clip(truth.mean(axis=0), 1e-4, None)) - np.log(made)
    return table


def _logit_offset(logits: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """(1,) what to add to a binary column's logits so that its mean probability is the real share."""
    made = np.clip((1 / (1 + np.exp(-logits))).mean(), 1e-4, 1 - 1e-4)
    wanted = np.clip(truth.mean(), 1e-4, 1 - 1e-4)
    return np.array([np.log(wanted / (1 - wanted)) - np.log(made / (1 - made))])


def _calibrated(model: FittedModel, span, values: np.ndarray) -> np.ndarray:
    """A drawn number through its calibration map (`calibrate`); labels as they are."""
    table = model.calibration.get(span.name) if span.kind == "numeric" else None
    return values if table is None else np.interp(values, table[0], table[1])


def _sample_outputs(model: FittedModel, out: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw x ~ p(x | z) from decoder outputs (n, N), each column's numbers stratified down the rows
    (core.stratified); returned in the encoding's own form."""
    drawn = out.copy()
    for span in model.transformer.layout_:
        if span.blank:   # blank or not, drawn from its sigmoid as a binary column is
            logit = out[:, span.stop - 1] + model.calibration.get(blank_column(span.name), np.zeros(1))[0]
            drawn[:, span.stop - 1] = stratified.uniform(rng, len(out)) < 1.0 / (1.0 + np.exp(-logit))
        block = out[:, span.start:span.value_stop]
        if span.kind != "numeric" and span.name in model.calibration:   # logit offsets (`calibrate`)
            block = block + model.calibration[span.name]
        if span.kind == "numeric":
            noise = 0.0 if model.residual_std is None else model.residual_std[span.start]
            drawn[:, span.start] += noise * stratified.normal(rng, len(out))
        elif span.kind == "binary":
            drawn[:, span.start] = stratified.uniform(rng, len(out)) < 1.0 / (1.0 + np.exp(-block[:, 0]))
        else:
            index = _pick(np.exp(block - block.max(axis=1, keepdims=True)), stratified.uniform(rng, len(out), 1))
            drawn[:, span.start:span.value_stop] = 0.0
            drawn[np.arange(len(out)), span.start + index] = 1.0
    return drawn


def generate(model: FittedModel, n_rows: int, fixed: Mapping[str | int, float] | None = None,
             seed: int = 0, sample_others: bool = True, sample_values: bool = True,
             others: str = "covary") -> pd.DataFrame:
    """n_rows new rows with the chosen latents fixed (by semantic name or latent index)."""
    z = sample_latents(model, n_rows, fixed, seed, sample_others, others)
    return decode(model, z, seed, sample_values)

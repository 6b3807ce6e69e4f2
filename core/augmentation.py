"""Rows of a rare class from the VAE (the minority-class routes); core.augmentation_check tells
whether they help a classifier.

Our addition: the paper generates rows by semantic, not by class. Which rows of a class to
make, and how many, the paper leaves open; both are our decisions, chosen by
benchmarks/AUGMENTATION.md.

The default route (`interpolate_class`, used by `augment` and the augmentation check), a SMOTE
whose labels come from the VAE and whose neighbours from the VAE and the cells alike:
1. encode the real rows of the class: posterior means mu_i;
2. for each new row take a random row i of the class and one j of its 2 K_NEIGHBOURS
   neighbours: its K_NEIGHBOURS nearest rows of the class by distance between posterior
   means, and its K_NEIGHBOURS nearest by SMOTE-NC's distance over the cells (a row on both
   lists counts twice); and u ~ U(0, 1);
3. z = mu_i + u (mu_j - mu_i) is the point between them in the latent space;
4. numbers: x_i + u (x_j - x_i) (rounded as the column is); each label column takes row i's
   or row j's label, drawn in proportion to the decoder's probabilities of the two at z;
   the class column is the class; then the columns read off another agree
   (core.generation.settle: a bin taken from row i beside a date between i's and j's).
So every value lies within the class's real support (between or of two of its rows), while
the VAE proposes half the neighbours (by their semantics, not raw cell distance) and decides
which of two labels suits the point between them. Why both lists: with latent neighbours only
(the route before 2026-12-06) ours led SMOTE-NC on Benefits, Computers and Schooling and
trailed it on Housing, MedExp and pbc; with SMOTE-NC's neighbours only the leads and the lags
were both smaller. Both lists led latent-only by +0.003 macro-F1 on the mean gap over seven
tables, on 20 splits and again on 10 fresh ones (docs/method.md). With one row of the class
there is no pair: the posterior route below makes the rows.
Measured on stratified splits with a model refitted on each split's training rows
(benchmarks/AUGMENTATION.md, 20 splits, balancing to the largest class, each score the mean
of up to 3 forests): macro-F1 0.529 on buildings_500 (Dsu) against SMOTE-NC's 0.521 and 0.517
(ours, imbalanced-learn's), 0.717 against 0.708 on survey_3000 (paired +0.008 ± 0.007 and
+0.012 ± 0.005, +0.009 ± 0.003, standard errors: level with or ahead of SMOTE-NC on the first,
ahead on the second). Tried and
dropped: decoding the most likely row at z (latent SMOTE, 0.510 with 5 splits); drawing whole
rows from p(x | z) at z (0.506: too far from the class); a fair coin between the two labels
instead of the decoder (0.523 against 0.548 with 5 splits); 10 neighbours (0.499); fewer rows
than balancing (0.499 with half); dropping generated rows a forest on the real rows calls
another class (no gain).

The posterior route (`sample_class`):
1. encode the real rows of the class: mu_i, logvar_i for each row i;
2. draw z = mu_i + widen * sigma_i * e, e ~ N(0, I), for rows i chosen at random;
3. accept each z with the probability p(class | z) that the decoder's label head gives
   (rejection sampling: accepted z follow the proposal of step 2 given the class);
4. an accepted z becomes its most likely row (mean numbers, most likely labels) with
   the class as its label, the columns read off another agreeing (settle); repeat until
   n rows or MAX_DRAWS_PER_ROW * n draws.
Drawing around the posteriors of the class's own rows, not from the prior N(0, I),
puts the draws where the model has seen the class (prior draws seldom land there).
`widen` > 1 spreads them further.
Why the most likely row and not a draw from p(x | z) as `generate` does: given z the
decoder treats columns as independent, so a drawn row can pair the class with features
drawn towards a neighbouring class; the variety comes from z instead. Why accept with
p(class | z) and not when the class is the most likely label: a rare class is seldom
ranked first (buildings_30, default settings: Dsu and Csu never were, 0 rows made).
On buildings_500 (Dsu, 10 splits, one model on all rows) macro-F1 was 0.485 with rows drawn
from p(x | z), 0.528 when accepting only where Dsu ranked first, 0.520 with this route.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from core.columns import blank_column, filled_in
from core.errors import InputError
from core.generation import settle
from core.messages import Message, msg
from core.model import FittedModel
from core.roles import Role
from core.transformer import Span

MAX_DRAWS_PER_ROW = 20     # give up after 20 draws per requested row
K_NEIGHBOURS = 5           # as SMOTE's default; 3 and 5 scored alike, 10 worse
LOW_ACCEPTANCE = 0.1       # below this share of draws accepted as the class, say so
NEAREST_BLOCK = 2 ** 24    # entries of a neighbour search's (rows, m) distance block held at once


@dataclass
class ClassSample:
    rows: pd.DataFrame          # generated rows, all of the class (may be fewer than asked)
    n_drawn: int                # latent draws decoded
    acceptance: float           # share of the draws accepted as the class
    notes: list[Message] = field(default_factory=list)


def check_label(model: FittedModel, real: pd.DataFrame, label: str, value: str, min_rows: int = 1) -> Span:
    """The label must be a labelled column the model trained on, and the class must occur;
    returns the label's span."""
    spans = {s.name: s for s in model.transformer.layout_}
    if label not in spans:
        raise InputError(msg("label.unknown", label=label))
    if spans[label].kind == "numeric":   # a class coded 1/2/3 is read as integers unless told
        code = "label.numbers_hint" if spans[label].role is Role.INTEGER else "label.numbers"
        raise InputError(msg(code, label=label))
    if value not in spans[label].categories:
        raise InputError(msg("label.unknown_class", value=value, label=label,
                             classes=", ".join(spans[label].categories)))
    found = int(of_class(real, label, value).sum())
    if found < min_rows:
        raise InputError(msg("label.too_few", value=value, label=label, found=found, needed=min_rows))
    return spans[label]


def of_class(real: pd.DataFrame, label: str, value: str) -> pd.Series:
    """(n,) True for the real rows of class `value` of column `label`; a row whose class is blank
    (filled only for training) is of none."""
    return (real[label].astype(str) == value) & filled_in(real, label)


def sample_class(model: FittedModel, real: pd.DataFrame, label: str, value: str, n_rows: int,
                 seed: int = 0, widen: float = 1.0) -> ClassSample:
    """Up to n_rows generated rows of class `value` of column `label` (see the module's route)."""
    span = check_label(model, real, label, value)
    if n_rows < 1:
        raise InputError("the number of rows to generate must be at least 1")
    seeds = real[of_class(real, label, value)]
    with torch.no_grad():
        mu, logvar = model.vae.encode(torch.from_numpy(model.transformer.transform(seeds)))  # (m, L)
    sigma = widen * torch.exp(0.5 * logvar)
    generator, rng = torch.Generator().manual_seed(seed), np.random.default_rng(seed)
    kept, n_kept, n_drawn, budget = [], 0, 0, MAX_DRAWS_PER_ROW * n_rows
    while n_kept < n_rows and n_drawn < budget:
        batch = min(max(2 * (n_rows - n_kept), 64), budget - n_drawn)
        pick = torch.randint(len(seeds), (batch,), generator=generator)
        z = mu[pick] + sigma[pick] * torch.randn((batch, model.latent_dim), generator=generator)
        with torch.no_grad():
            out = model.vae.decode(z).numpy().astype(np.float64)                         # (batch, N)
        accept = torch.rand(batch, generator=generator).numpy() < class_probability(out, span, value)
        likeliest = out[accept].copy()                             # the most likely rows, of the class
        settle(model, likeliest, out[accept], {label: span.categories.index(value)}, rng)
        rows = model.transformer.inverse_transform(likeliest)
        rows[label] = value
        _not_blank(rows, label)
        kept.append(rows)
        n_kept, n_drawn = n_kept + len(kept[-1]), n_drawn + batch
    sample = ClassSample(pd.concat(kept, ignore_index=True).head(n_rows), n_drawn, n_kept / n_drawn)
    if sample.acceptance < LOW_ACCEPTANCE:
        sample.notes.append(msg("augment.low_acceptance", share=f"{sample.acceptance:.0%}", value=value))
    if len(sample.rows) < n_rows:
        sample.notes.append(msg("augment.short", made=len(sample.rows), asked=n_rows, value=value, draws=n_drawn))
    return sample


def interpolate_class(model: FittedModel, real: pd.DataFrame, label: str, value: str, n_rows: int,
                      seed: int = 0) -> ClassSample:
    """n_rows generated rows of class `value` of column `label`, between pairs of its rows that
    are neighbours in the latent space (see the module's default route)."""
    of_label = check_label(model, real, label, value)
    if n_rows < 1:
        raise InputError("the number of rows to generate must be at least 1")
    own = real[of_class(real, label, value)]
    if len(own) < 2:
        sample = sample_class(model, real, label, value, n_rows, seed)
        sample.notes.insert(0, msg("augment.one_row", value=value))
        return sample
    x = model.transformer.transform(own).astype(np.float64)                               # (m, N)
    with torch.no_grad():
        mu = model.vae.encode(torch.from_numpy(x.astype(np.float32)))[0].numpy().astype(np.float64)  # (m, L)
    k = min(K_NEIGHBOURS, len(own) - 1)
    numbers = [s.name for s in model.transformer.layout_ if s.kind == "numeric"]
    neighbours = np.concatenate([latent_neighbours(mu, k),                                   # (m, 2k)
                                 smote_nc_neighbours(own.drop(columns=[label]), numbers, k)], axis=1)
    rng = np.random.default_rng(seed)
    i = rng.integers(len(own), size=n_rows)
    j = neighbours[i, rng.integers(neighbours.shape[1], size=n_rows)]
    u = rng.random(n_rows)
    with torch.no_grad():
        out = model.vae.decode(torch.from_numpy(mu[i] + u[:, None] * (mu[j] - mu[i])).float()
                               ).numpy().astype(np.float64)                               # (n, N)
    made = np.empty((n_rows, x.shape[1]))
    for span in model.transformer.layout_:
        block_i, block_j = x[i, span.start:span.stop], x[j, span.start:span.stop]
        if span.kind == "numeric":
            made[:, span.start] = block_i[:, 0] + u * (block_j[:, 0] - block_i[:, 0])
            if span.blank:   # blank as the nearer of the two rows is
                made[:, span.stop - 1] = np.where(u < 0.5, block_i[:, -1], block_j[:, -1])
            continue
        p_i, p_j = (label_probability(out, span, block[:, :span.value_stop - span.start])
                    for block in (block_i, block_j))
        take_j = rng.random(n_rows) * (p_i + p_j) < p_j
        made[:, span.start:span.stop] = np.where(take_j[:, None], block_j, block_i)   # with its blank
    settle(model, made, out, {label: of_label.categories.index(value)}, rng)
    rows = model.transformer.inverse_transform(made)   # integers rounded, labels named
    rows[label] = value
    _not_blank(rows, label)
    return ClassSample(rows, n_rows, 1.0)


def latent_neighbours(mu: np.ndarray, k: int) -> np.ndarray:
    """(m, k) positions of each row's k nearest other rows by Euclidean distance between the
    posterior means mu (m, L), nearest first, ties to the earlier row."""
    return _nearest(mu, k)


def smote_nc_neighbours(own: pd.DataFrame, numbers: list[str], k: int) -> np.ndarray:
    """(m, k) positions of each row's k nearest other rows of `own` by SMOTE-NC's distance
    (Chawla et al. 2002, §6.1, as imbalanced-learn's SMOTENC): Euclidean over the columns
    `numbers`, in their own units, plus the median of their standard deviations for each other
    column whose label differs (1 when there are no numbers); nearest first, ties to the
    earlier row."""
    labels = [c for c in own.columns if c not in numbers]
    x = own[numbers].to_numpy(dtype=float)
    codes = np.stack([pd.factorize(own[c].astype(str))[0] for c in labels], axis=1) if labels \
        else np.zeros((len(own), 0), dtype=int)
    spread = float(np.median(x.std(axis=0))) if numbers else 1.0
    spread = spread if spread > 0 else 1.0
    return _nearest(x, k, codes, spread ** 2)


def _nearest(points: np.ndarray, k: int, codes: np.ndarray | None = None, weight: float = 0.0) -> np.ndarray:
    """(m, k) each row's k nearest other rows by d(a, b) = |p_a - p_b|^2 + weight * (number of
    columns of `codes` (m, q) where a and b differ): nearest first, ties to the earlier row, as
    a stable sort of every distance orders them.

    Fast for a class of many thousand rows: a block of rows at a time, the candidates come from
    |p_a|^2 + |p_b|^2 - 2 p_a.p_b and one-hot products (matrix products), and only candidates
    within a rounding margin of the k-th smallest get the exact distance."""
    m = len(points)
    codes = np.zeros((m, 0), dtype=int) if codes is None else codes
    one_hot = np.concatenate([np.eye(column.max() + 1)[column] for column in codes.T], axis=1) \
        if codes.shape[1] else None
    squares = (points ** 2).sum(axis=1)
    neighbours, step = np.empty((m, k), dtype=int), max(1, NEAREST_BLOCK // m)
    for start in range(0, m, step):
        rows = np.arange(start, min(start + step, m))
        rough = squares[rows, None] + squares[None] - 2 * points[rows] @ points.T
        if codes.shape[1]:
            rough += weight * (codes.shape[1] - one_hot[rows] @ one_hot.T)
        rough[np.arange(len(rows)), rows] = np.inf                     # not its own neighbour
        kth = np.partition(rough, k - 1, axis=1)[:, k - 1]
        margin = 1e-9 * (squares[rows] + squares.max() + weight * codes.shape[1] + 1.0)   # >> rounding error
        at, near = np.nonzero(rough <= (kth + margin)[:, None])           # k or more per row
        exact = ((points[near] - points[rows[at]]) ** 2).sum(axis=1) \
            + weight * (codes[near] != codes[rows[at]]).sum(axis=1)
        order = np.lexsort((near, exact, at))                            # by row, distance, position
        first = np.searchsorted(at[order], np.arange(len(rows)))
        neighbours[rows] = near[order][first[:, None] + np.arange(k)]
    return neighbours


def _not_blank(rows: pd.DataFrame, label: str) -> None:
    """In place: the class column of generated rows holds its class, never a blank."""
    if blank_column(label) in rows.columns:
        rows[blank_column(label)] = False


def label_probability(out: np.ndarray, span, encoded: np.ndarray) -> np.ndarray:
    """(n,) the decoder's probability, from its outputs (n, N), of each row's label in `encoded`
    (n, width), the span's 0/1 code (binary) or one-hot block."""
    block = out[:, span.start:span.value_stop]
    if span.kind == "binary":
        p_second = 1.0 / (1.0 + np.exp(-block[:, 0]))
        return np.where(encoded[:, 0] > 0.5, p_second, 1.0 - p_second)
    weights = np.exp(block - block.max(axis=1, keepdims=True))
    return (weights * encoded).sum(axis=1) / weights.sum(axis=1)


def class_probability(out: np.ndarray, span, value: str) -> np.ndarray:
    """(n,) the decoder's probability of label `value` from its outputs (n, N): sigmoid of
    the binary column, softmax over the one-hot group."""
    block = out[:, span.start:span.value_stop]
    index = span.categories.index(value)
    if span.kind == "binary":
        p_second = 1.0 / (1.0 + np.exp(-block[:, 0]))
        return p_second if index == 1 else 1.0 - p_second
    weights = np.exp(block - block.max(axis=1, keepdims=True))
    return weights[:, index] / weights.sum(axis=1)


def augment(model: FittedModel, real: pd.DataFrame, label: str, value: str, n_rows: int,
            seed: int = 0) -> pd.DataFrame:
    """Exactly n_rows new rows of class `value` (the default route, `interpolate_class`);
    InputError (with the acceptance) if it cannot."""
    sample = interpolate_class(model, real, label, value, n_rows, seed)
    if len(sample.rows) < n_rows:   # "made k of n rows ...", and why when the class has one row
        lone = any(note.code == "augment.one_row" for note in sample.notes)
        raise InputError(msg("augment.short_one_row", **sample.notes[-1].params) if lone else sample.notes[-1])
    return sample.rows


def class_counts(labels: pd.Series) -> pd.Series:
    """Rows per class, the classes as text (as the app and the CLI name them)."""
    return labels.astype(str).value_counts()


def balance_count(counts: pd.Series, value: str) -> int:
    """Rows of `value` to add so that it is as frequent as the most frequent class (at least 1);
    `counts` from `class_counts`."""
    return max(1, int(counts.max() - counts.get(value, 0)))

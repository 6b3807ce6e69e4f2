"""Rows of a rare class from the VAE (the minority-class route); core.augmentation_check tells
whether they help a classifier.

Our addition: the paper generates rows by semantic, not by class.

The route (`sample_class`):
1. encode the real rows of the class: mu_i, logvar_i for each row i;
2. draw z = mu_i + widen * sigma_i * e, e ~ N(0, I), for rows i chosen at random;
3. accept each z with the probability p(class | z) that the decoder's label head gives
   (rejection sampling: accepted z follow the proposal of step 2 given the class);
4. an accepted z becomes its most likely row (mean numbers, most likely labels) with
   the class as its label; repeat until n rows or MAX_DRAWS_PER_ROW * n draws.
Drawing around the posteriors of the class's own rows, not from the prior N(0, I),
puts the draws where the model has seen the class (prior draws seldom land there).
`widen` > 1 spreads them further.
Why the most likely row and not a draw from p(x | z) as `generate` does: given z the
decoder treats columns as independent, so a drawn row can pair the class with features
drawn towards a neighbouring class; the variety comes from z instead. Why accept with
p(class | z) and not when the class is the most likely label: a rare class is seldom
ranked first (buildings_30, default settings: Dsu and Csu never were, 0 rows made).
On buildings_500 (Dsu, 10 splits) macro-F1 was 0.485 with rows drawn from p(x | z),
0.528 when accepting only where Dsu ranked first, 0.520 with this route; SMOTE-NC 0.521.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from core.columns import Role
from core.errors import InputError
from core.messages import msg
from core.model import FittedModel

MAX_DRAWS_PER_ROW = 20     # give up after 20 draws per requested row
LOW_ACCEPTANCE = 0.1       # below this share of draws accepted as the class, say so


@dataclass
class ClassSample:
    rows: pd.DataFrame          # generated rows, all of the class (may be fewer than asked)
    n_drawn: int                # latent draws decoded
    acceptance: float           # share of the draws accepted as the class
    notes: list[str] = field(default_factory=list)


def check_label(model: FittedModel, real: pd.DataFrame, label: str, value: str, min_rows: int = 1) -> None:
    """The label must be a labelled column the model trained on, and the class must occur."""
    spans = {s.name: s for s in model.transformer.layout_}
    if label not in spans:
        raise InputError(msg("label.unknown", label=label))
    if spans[label].kind == "numeric":   # a class coded 1/2/3 is read as integers unless told
        code = "label.numbers_hint" if spans[label].role is Role.INTEGER else "label.numbers"
        raise InputError(msg(code, label=label))
    if value not in spans[label].categories:
        raise InputError(msg("label.unknown_class", value=value, label=label,
                             classes=", ".join(spans[label].categories)))
    found = int((real[label].astype(str) == value).sum())
    if found < min_rows:
        raise InputError(msg("label.too_few", value=value, label=label, found=found, needed=min_rows))


def sample_class(model: FittedModel, real: pd.DataFrame, label: str, value: str, n_rows: int,
                 seed: int = 0, widen: float = 1.0) -> ClassSample:
    """Up to n_rows generated rows of class `value` of column `label` (see the module's route)."""
    check_label(model, real, label, value)
    if n_rows < 1:
        raise InputError("the number of rows to generate must be at least 1")
    seeds = real[real[label].astype(str) == value]
    span = next(s for s in model.transformer.layout_ if s.name == label)
    with torch.no_grad():
        mu, logvar = model.vae.encode(torch.from_numpy(model.transformer.transform(seeds)))  # (m, L)
    sigma = widen * torch.exp(0.5 * logvar)
    generator = torch.Generator().manual_seed(seed)
    kept, n_kept, n_drawn, budget = [], 0, 0, MAX_DRAWS_PER_ROW * n_rows
    while n_kept < n_rows and n_drawn < budget:
        batch = min(max(2 * (n_rows - n_kept), 64), budget - n_drawn)
        pick = torch.randint(len(seeds), (batch,), generator=generator)
        z = mu[pick] + sigma[pick] * torch.randn((batch, model.latent_dim), generator=generator)
        with torch.no_grad():
            out = model.vae.decode(z).numpy().astype(np.float64)                         # (batch, N)
        accept = torch.rand(batch, generator=generator).numpy() < class_probability(out, span, value)
        rows = model.transformer.inverse_transform(out[accept])   # the most likely rows
        rows[label] = value
        kept.append(rows)
        n_kept, n_drawn = n_kept + len(kept[-1]), n_drawn + batch
    sample = ClassSample(pd.concat(kept, ignore_index=True).head(n_rows), n_drawn, n_kept / n_drawn)
    if sample.acceptance < LOW_ACCEPTANCE:
        sample.notes.append(f"only {sample.acceptance:.0%} of the draws were accepted as '{value}': the "
                            f"model rarely reproduces this class; try widen < 1 or a longer training")
    if len(sample.rows) < n_rows:
        sample.notes.append(f"made {len(sample.rows)} of {n_rows} rows of '{value}' in {n_drawn} draws")
    return sample


def class_probability(out: np.ndarray, span, value: str) -> np.ndarray:
    """(n,) the decoder's probability of label `value` from its outputs (n, N): sigmoid of
    the binary column, softmax over the one-hot group."""
    block = out[:, span.start:span.stop]
    index = span.categories.index(value)
    if span.kind == "binary":
        p_second = 1.0 / (1.0 + np.exp(-block[:, 0]))
        return p_second if index == 1 else 1.0 - p_second
    weights = np.exp(block - block.max(axis=1, keepdims=True))
    return weights[:, index] / weights.sum(axis=1)


def augment(model: FittedModel, real: pd.DataFrame, label: str, value: str, n_rows: int,
            seed: int = 0, widen: float = 1.0) -> pd.DataFrame:
    """Exactly n_rows new rows of class `value`; InputError (with the acceptance) if it cannot."""
    sample = sample_class(model, real, label, value, n_rows, seed, widen)
    if len(sample.rows) < n_rows:
        raise InputError("; ".join(sample.notes))
    return sample.rows


def class_counts(labels: pd.Series) -> pd.Series:
    """Rows per class, the classes as text (as the app and the CLI name them)."""
    return labels.astype(str).value_counts()


def balance_count(counts: pd.Series, value: str) -> int:
    """Rows of `value` to add so that it is as frequent as the most frequent class (at least 1);
    `counts` from `class_counts`."""
    return max(1, int(counts.max() - counts.get(value, 0)))

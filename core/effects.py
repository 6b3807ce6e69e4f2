"""How generated rows move when a latent moves: per-feature shifts and the latent traversal.

Our addition: the paper does not measure generated rows. These measures feed the
controllability check (core.controllability), the sliders' labels and the Analysis page.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from core.generation import decode, sample_latents
from core.model import FittedModel


def label_shares(values: pd.Series, categories) -> pd.Series:
    """Share of each training category among `values` (0 for one that does not occur)."""
    return values.value_counts(normalize=True).reindex(categories, fill_value=0.0)


def feature_shift(before: pd.DataFrame, after: pd.DataFrame, model: FittedModel) -> pd.Series:
    """How far each original feature moved between two sets of generated rows.

    Numbers: standardised mean difference, (mean_after - mean_before) / training std
    (signed). Categories: total variation distance between the label distributions
    (0..1, unsigned). Our addition: the paper does not measure generated rows.
    """
    shifts = {}
    for span in model.transformer.layout_:
        a, b = before[span.name], after[span.name]
        if span.kind == "numeric":
            shifts[span.name] = (b.mean() - a.mean()) / span.std
        else:
            shifts[span.name] = 0.5 * float((label_shares(a, span.categories)
                                             - label_shares(b, span.categories)).abs().sum())
    return pd.Series(shifts, dtype=float)


def traversal(model: FittedModel, latent: int, values=None, n_rows: int = 200,
              seed: int = 0) -> pd.DataFrame:
    """Sweep one latent (default -3..+3) with the other latents held to the same draws.

    Returns features x sweep values: each feature's shift (see `feature_shift`)
    from the rows generated at z = 0.
    """
    values = np.linspace(-3, 3, 13) if values is None else np.asarray(values, dtype=float)
    base = sample_latents(model, n_rows, seed=seed)   # common random numbers across the sweep
    centre = base.copy()
    centre[:, latent] = 0.0
    reference = decode(model, centre, seed)
    columns = {}
    for value in values:   # the same seed for every value: the same noise draws, too
        z = base.copy()
        z[:, latent] = value
        columns[round(float(value), 3)] = feature_shift(reference, decode(model, z, seed), model)
    return pd.DataFrame(columns)

"""Small tables the app displays, kept in core so they are tested without a browser: the
match table and the distribution counts in the data profile."""
from __future__ import annotations


import numpy as np
import pandas as pd

from core.matching import Match



def match_table(matches: list[Match], semantic_names: list[str]) -> pd.DataFrame:
    """One row per matched pair: latent index, semantic name, distance D (Eq. 7)."""
    rows = [(m.latent, semantic_names[m.semantic], m.distance) for m in matches]
    return pd.DataFrame(rows, columns=["latent", "semantic", "distance"])


def distribution_counts(values: pd.Series, numeric: bool, bins: int = 10) -> list[int]:
    """Counts for a tiny bar chart: a histogram for numbers, label counts otherwise."""
    values = values.dropna()
    if values.empty:
        return []
    if numeric:
        counts, _ = np.histogram(values.astype(float), bins=bins)
        return [int(c) for c in counts]
    return [int(c) for c in values.astype(str).value_counts().sort_index()]

"""Small tables the app displays, kept in core so they are tested without a browser: the
match table, the distribution counts in the data profile and the real-vs-generated shares."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.matching import Match


def match_table(matches: list[Match], semantic_names: list[str]) -> pd.DataFrame:
    """One row per matched pair: latent index, semantic name, distance D (Eq. 7)."""
    rows = [(m.latent, semantic_names[m.semantic], m.distance) for m in matches]
    return pd.DataFrame(rows, columns=["latent", "semantic", "distance"])


def latent_labels(matches: list[Match], semantic_names: list[str], latent_dim: int) -> list[str]:
    """Each latent's label for heatmaps: "z3 · 耐久性" when matched to a semantic, else "z3"."""
    matched = {m.latent: semantic_names[m.semantic] for m in matches}
    return [f"z{i} · {matched[i]}" if i in matched else f"z{i}" for i in range(latent_dim)]


def distribution_counts(values: pd.Series, numeric: bool, bins: int = 10,
                        order: Sequence[str] = ()) -> list[int]:
    """Counts for a tiny bar chart: a histogram for numbers, label counts otherwise, the labels
    of `order` first and in its order (a column's categories: bins as they run, a grade scale
    from low to high), any others after them sorted."""
    values = values.dropna()
    if values.empty:
        return []
    if numeric:
        counts, _ = np.histogram(values.astype(float), bins=bins)
        return [int(c) for c in counts]
    counts = values.astype(str).value_counts()
    labels = [*order, *sorted(set(counts.index) - set(order))]
    return [int(counts.get(label, 0)) for label in labels]


@dataclass(frozen=True)
class Shares:
    """A real column's distribution as shares: per label, or per bin between `edges` for numbers.

    Made once per table (it reads every real row); `of_rows` then puts a few generated rows on
    the same labels or bins, so a chart of both costs only the generated rows per rerun."""
    labels: list[str]            # labels, or the bin centres as text for numbers
    shares: np.ndarray
    edges: np.ndarray | None     # None for labels

    @classmethod
    def of(cls, values: pd.Series, numeric: bool, bins: int = 15) -> "Shares":
        values = values.dropna()
        if numeric:
            numbers = values.astype(float).to_numpy()
            edges = np.histogram_bin_edges(numbers, bins=bins)
            counts, _ = np.histogram(numbers, bins=edges)
            return cls([], counts / max(len(numbers), 1), edges)
        shares = values.astype(str).value_counts(normalize=True).sort_index()
        return cls(list(shares.index), shares.to_numpy(), None)

    @property
    def centres(self) -> np.ndarray:
        return (self.edges[:-1] + self.edges[1:]) / 2

    def of_rows(self, values: pd.Series) -> tuple[list[str], np.ndarray, np.ndarray]:
        """(labels, real shares, shares of `values`) over the union of labels; for numbers the
        labels are empty and values outside the real range count in the end bins."""
        values = values.dropna()
        if self.edges is not None:
            numbers = np.clip(values.astype(float).to_numpy(), self.edges[0], self.edges[-1])
            counts, _ = np.histogram(numbers, bins=self.edges)
            return [], self.shares, counts / max(len(numbers), 1)
        shares = values.astype(str).value_counts(normalize=True)
        labels = sorted(set(self.labels) | set(shares.index))
        real = pd.Series(self.shares, index=self.labels).reindex(labels, fill_value=0)
        return labels, real.to_numpy(), shares.reindex(labels, fill_value=0).to_numpy()

"""Groups of features proposed from the data alone: a starting R for a table that has none.

Our addition: the paper's R comes from engineers. Here every pair of modelled features gets an
association in 0..1 across types (`association`):
- two numbers: |Spearman's rho|;
- two label columns: Cramér's V;
- a number and labels: the correlation ratio eta (how much of the number's variance the
  labels explain, square-rooted).
Features are clustered by average linkage on 1 - association (`propose_groups`). Without a
given K, K is the one of 2..min(12, F - 1) with the highest mean silhouette on those distances;
each group is named after its most central feature (the highest mean association with the
rest of its group).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from scipy.stats import rankdata

from core.columns import PreparedTable
from core.errors import InputError
from core.semantics import SemanticMatrix

MAX_ROWS = 20_000     # associations from a seeded sample of this many rows at most
MAX_K = 12


@dataclass(frozen=True)
class Proposal:
    groups: dict[str, list[str]]    # group name -> its features, in table order
    k: int
    chosen_by: str                  # "given" or "silhouette"
    silhouette: float               # mean silhouette of the proposal (nan for K = 1 or K = F)

    def semantics(self, columns: list[str]) -> SemanticMatrix:
        """R over every input column: one row per group, 1 for its members."""
        values = [[int(column in members) for column in columns] for members in self.groups.values()]
        return SemanticMatrix(list(self.groups), list(columns), values)


def association(table: PreparedTable, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """(features, (F, F) symmetric association in 0..1, 1 on the diagonal)."""
    frame = table.frame
    if len(frame) > MAX_ROWS:
        frame = frame.sample(MAX_ROWS, random_state=seed)
    numeric = {spec.name for spec in table.specs if spec.is_numeric}
    features = [spec.name for spec in table.specs]
    ranks = {name: rankdata(frame[name].to_numpy(dtype=float)) for name in features if name in numeric}
    codes = {name: pd.factorize(frame[name].astype(str))[0] for name in features if name not in numeric}
    values = np.eye(len(features))
    for a in range(len(features)):
        for b in range(a + 1, len(features)):
            x, y = features[a], features[b]
            if x in numeric and y in numeric:
                value = abs(_pearson(ranks[x], ranks[y]))
            elif x in numeric or y in numeric:
                number, labels = (x, y) if x in numeric else (y, x)
                value = _correlation_ratio(frame[number].to_numpy(dtype=float), codes[labels])
            else:
                value = _cramers_v(codes[x], codes[y])
            values[a, b] = values[b, a] = value
    return features, values


def propose_groups(table: PreparedTable, k: int | None = None, seed: int = 0) -> Proposal:
    """Hierarchical clustering of the features on 1 - association (see the module's docstring)."""
    features, assoc = association(table, seed)
    n = len(features)
    if n < 2:
        raise InputError(f"grouping needs at least 2 modelled columns; the table has {n}")
    if k is not None and not 1 <= k <= n:
        raise InputError(f"--k must be between 1 and the number of modelled columns ({n}); got {k}")
    distance = np.clip(1.0 - assoc, 0.0, 1.0)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average")
    if k is None:
        candidates = range(2, min(MAX_K, n - 1) + 1)
        scored = [(_silhouette(distance, fcluster(tree, c, criterion="maxclust")), c) for c in candidates]
        silhouette, k = max(scored, key=lambda pair: (np.nan_to_num(pair[0], nan=-np.inf), -pair[1])) \
            if scored else (float("nan"), 1)
        chosen_by = "silhouette"
    else:
        chosen_by = "given"
    labels = fcluster(tree, k, criterion="maxclust")
    if chosen_by == "given":
        silhouette = _silhouette(distance, labels)
    groups = {}
    for cluster in sorted(set(labels), key=lambda c: int(np.argmax(labels == c))):   # in table order
        members = [i for i in range(n) if labels[i] == cluster]
        centre = max(members, key=lambda i: (assoc[i, members].sum(), -i))
        name, suffix = features[centre], 2
        while name in groups:
            name, suffix = f"{features[centre]} ({suffix})", suffix + 1
        groups[name] = [features[i] for i in members]
    return Proposal(groups, len(groups), chosen_by, float(silhouette))


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    scale = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / scale) if scale > 0 else 0.0


def _correlation_ratio(values: np.ndarray, codes: np.ndarray) -> float:
    total = ((values - values.mean()) ** 2).sum()
    if total <= 0:
        return 0.0
    counts = np.bincount(codes)
    means = np.bincount(codes, weights=values) / np.maximum(counts, 1)
    between = (counts * (means - values.mean()) ** 2).sum()
    return float(np.sqrt(np.clip(between / total, 0.0, 1.0)))


def _cramers_v(a: np.ndarray, b: np.ndarray) -> float:
    table = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(table, (a, b), 1)
    n = table.sum()
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / n
    chi2 = (((table - expected) ** 2) / np.where(expected > 0, expected, 1)).sum()
    smaller = min(table.shape) - 1
    return float(np.sqrt(chi2 / (n * smaller))) if smaller > 0 and n > 0 else 0.0


def _silhouette(distance: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette on a precomputed distance matrix (nan when K is 1 or every point alone)."""
    clusters = np.unique(labels)
    if not 1 < len(clusters) < len(labels):
        return float("nan")
    scores = []
    for i in range(len(labels)):
        own = labels == labels[i]
        if own.sum() == 1:
            scores.append(0.0)
            continue
        a = distance[i, own].sum() / (own.sum() - 1)
        b = min(distance[i, labels == c].mean() for c in clusters if c != labels[i])
        scores.append((b - a) / max(a, b) if max(a, b) > 0 else 0.0)
    return float(np.mean(scores))

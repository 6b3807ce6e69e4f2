"""The R workbench: which single tick of R would raise the clarity MI most, without retraining.

Our addition: the paper scores one R; engineers try alternatives by hand. For every
(semantic k, feature f) of R that the model encodes, flipping the tick changes only column k of
the mismatch matrix of Eq. 7, by the width of f's encoded columns minus twice their current
mismatches; every flip's D (Eq. 7, row-normalised) and greedy MI (Algorithm 1, Eq. 9) are then
computed at once over a (flips, L, K) array (`flip_mi`), and equal what scoring the flipped R
from scratch gives (tests/core/test_workbench.py).
"""
from __future__ import annotations

import numpy as np

from core.matching import _TINY, binarise
from core.contribution import contribution
from core.model import FittedModel
from core.semantics import SemanticMatrix


def greedy_mi(distances: np.ndarray) -> np.ndarray:
    """Algorithm 1 then Eq. 9 on a stack of D matrices (B, L, K): (B,) MI in percent, with the
    same tie-breaking as core.matching.greedy_match (lowest latent, then lowest semantic)."""
    batch, latents, semantics = distances.shape
    remaining = distances.astype(float).copy()
    rows = np.arange(batch)
    total = np.zeros(batch)
    for _ in range(min(latents, semantics)):
        flat = remaining.reshape(batch, -1).argmin(axis=1)
        i, j = np.divmod(flat, semantics)
        total += distances[rows, i, j]
        remaining[rows, i, :] = np.inf
        remaining[rows, :, j] = np.inf
    return (1.0 - total) * 100.0


def flip_mi(model: FittedModel, semantics: SemanticMatrix) -> tuple[list[tuple[int, int]], np.ndarray]:
    """([(semantic index, feature index in R)], (flips,) MI after each single flip): every tick
    of R on a feature the model encodes, flipped one at a time."""
    layout = model.transformer.layout_
    binary = binarise(contribution([np.asarray(w, dtype=np.float64) for w in model.vae.encoder_weights()]))
    expanded = semantics.expand(layout)                                           # (K, N)
    mismatch = binary @ (1 - expanded).T + (1 - binary) @ expanded.T             # (L, K), Eq. 7's numerator
    index = {name: f for f, name in enumerate(semantics.features)}
    flips, changes = [], []
    for span in layout:
        f = index.get(span.name)
        if f is None:
            continue
        block = binary[:, span.start:span.stop]                                    # (L, w)
        for k in range(len(semantics.names)):
            r = expanded[k, span.start:span.stop]
            # |b - (1 - r)| = 1 - |b - r| on each of the w columns
            current = (np.abs(block - r[None, :])).sum(axis=1)                     # (L,)
            flips.append((k, f))
            changes.append((k, (span.stop - span.start) - 2 * current))
    if not flips:
        return [], np.zeros(0)
    new = np.repeat(mismatch[None], len(flips), axis=0)                           # (B, L, K)
    for b, (k, delta) in enumerate(changes):
        new[b, :, k] += delta
    distances = new / (new.sum(axis=2, keepdims=True) + _TINY)
    return flips, greedy_mi(distances)


def suggestions(model: FittedModel, semantics: SemanticMatrix, top: int | None = None) -> list[dict]:
    """Single tick flips, best first: {"semantic", "feature", "value" (the tick's new state),
    "mi" (greedy MI after the flip, %), "delta" (its change)}."""
    flips, mi = flip_mi(model, semantics)
    now = model.score(semantics).mi
    order = np.argsort(-(mi - now), kind="stable")
    found = [{"semantic": semantics.names[k], "feature": semantics.features[f],
              "value": int(1 - semantics.values[k, f]), "mi": float(mi[b]), "delta": float(mi[b] - now)}
             for b in order for k, f in [flips[b]]]
    return found if top is None else found[:top]


def flipped(semantics: SemanticMatrix, name: str, feature: str, value: int) -> SemanticMatrix:
    """R with one tick set to `value`."""
    values = np.array(semantics.values, copy=True)
    values[semantics.names.index(name), semantics.features.index(feature)] = value
    return SemanticMatrix(list(semantics.names), list(semantics.features), values)

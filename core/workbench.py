"""The R workbench: which single tick of R would raise the clarity MI most, without retraining;
R variants in one file and their differences; why a semantic matched its latent.

Our addition: the paper scores one R; engineers try alternatives by hand. For every
(semantic k, feature f) of R that the model encodes, flipping the tick changes only column k of
the mismatch matrix of Eq. 7, by the width of f's encoded columns minus twice their current
mismatches; every flip's D (Eq. 7, row-normalised) and greedy MI (Algorithm 1, Eq. 9) are then
computed at once over a (flips, L, K) array (`flip_mi`), and equal what scoring the flipped R
from scratch gives (tests/core/test_workbench.py).
"""
from __future__ import annotations

import io

import numpy as np
import pandas as pd

from core.contribution import contribution, feature_shares
from core.errors import InputError
from core.matching import _TINY, binarise
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


# ---------------------------------------------------------------- R variants side by side

VARIANT_COLUMN = "variant"


def variants_to_csv(variants: dict[str, SemanticMatrix]) -> bytes:
    """Every variant in one CSV: a `variant` column, then R's own layout (semantic, features)."""
    frames = [variant.to_frame().assign(**{VARIANT_COLUMN: name}) for name, variant in variants.items()]
    if not frames:
        return f"{VARIANT_COLUMN},semantic\n".encode("utf-8-sig")
    frame = pd.concat(frames, ignore_index=True).fillna(0)
    ordered = [VARIANT_COLUMN, "semantic", *[c for c in frame.columns if c not in (VARIANT_COLUMN, "semantic")]]
    return frame[ordered].to_csv(index=False).encode("utf-8-sig")


def variants_from_csv(data: bytes, features: list[str], source: str = "variants.csv") -> dict[str, SemanticMatrix]:
    """The variants of `variants_to_csv`, each read as an R file over `features` (same checks)."""
    text = data.decode("utf-8-sig", errors="replace")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{source}: not a CSV ({str(exc).splitlines()[0]})") from None
    if frame.columns.empty or frame.columns[0].strip() != VARIANT_COLUMN:
        raise InputError(f"{source}: the first column must be '{VARIANT_COLUMN}' (a file of several R "
                         "variants, as 'Export all variants' writes it)")
    return {name: SemanticMatrix.from_frame(rows.drop(columns=frame.columns[0]).reset_index(drop=True), features,
                                            f"{source}, variant '{name}'", require_members=False)
            for name, rows in frame.groupby(frame.columns[0], sort=False)}


def tick_diff(a: SemanticMatrix, b: SemanticMatrix) -> pd.DataFrame:
    """Ticks that differ between two R: (semantic, feature, a, b), a semantic missing from one
    side counting as unticked there."""
    rows = []
    features = list(dict.fromkeys([*a.features, *b.features]))
    for name in dict.fromkeys([*a.names, *b.names]):
        for feature in features:
            left, right = _tick(a, name, feature), _tick(b, name, feature)
            if left != right:
                rows.append((name, feature, left, right))
    return pd.DataFrame(rows, columns=["semantic", "feature", "a", "b"])


def _tick(r: SemanticMatrix, name: str, feature: str) -> int:
    if name not in r.names or feature not in r.features:
        return 0
    return int(r.values[r.names.index(name), r.features.index(feature)])


# ---------------------------------------------------------------- why a semantic matched its latent

def explain(model: FittedModel, semantics: SemanticMatrix, name: str) -> dict:
    """For semantic `name`: its latent (greedy match, Algorithm 1), that latent's row of C per
    feature (Eq. 4, averaged over a feature's encoded columns: 1 over the latents), the ticked features the latent
    barely uses ("weak": below the 1/L of an even share, the binarisation's threshold) and the
    unticked ones it uses strongly ("strong": above it). None for the latent when unmatched."""
    scores = model.score(semantics)
    k = semantics.names.index(name)
    latent = next((m.latent for m in scores.matches if m.semantic == k), None)
    features = model.transformer.features_
    if latent is None:
        return {"semantic": name, "latent": None, "drivers": pd.Series(dtype=float), "weak": [], "strong": []}
    per_feature = feature_shares(scores.contribution, model.transformer.column_feature(), len(features))
    row = pd.Series(per_feature[latent], index=features).sort_values(ascending=False)
    even = 1.0 / model.semantic_dim
    ticked = {f for f in features if _tick(semantics, name, f)}
    return {"semantic": name, "latent": latent, "drivers": row,
            "weak": [f for f in row.index[::-1] if f in ticked and row[f] <= even],
            "strong": [f for f in row.index if f not in ticked and row[f] > even]}

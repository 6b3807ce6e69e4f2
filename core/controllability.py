"""Controllability: does moving a semantic's latent move that semantic's features?

Our addition. MI (Eq. 9) compares *encoder* weights with R; it does not show
that the decoder turns the "cracks" latent into cracks. For every matched
semantic we generate rows with its latent at -2 and at +2, the other latents
drawn with the same random numbers for both (isolated: from their own distribution, the
default; or co-varying with the set latent, see core.latents), and measure how far each original feature moves
(`core.generation.feature_shift`: |standardised mean difference| for numbers,
total variation distance for categories).

    own         mean movement of the semantic's own features
    other       mean movement of all other features
    selectivity own / other, with other floored at 0.001 (a thousandth of a std): when
                nothing else moves at all the ratio stays a finite, JSON-safe number
    hit         the semantic's own group moves the most of all semantics' groups
    direction   +1 when raising z raises the own numeric features on average, else -1
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from core.effects import feature_shift, label_shares
from core.generation import decode, latent_noise
from core.model import FittedModel
from core.semantics import SemanticMatrix

OTHER_FLOOR = 1e-3


@dataclass(frozen=True)
class Control:
    semantic: str
    latent: int
    own: float
    other: float
    selectivity: float
    hit: bool
    direction: int
    effects: tuple[str, ...] = ()   # what moving the slider right does, strongest first,
                                    # e.g. ("梁最大裂缝宽度(mm) ↑", "墙体裂缝: 有 ↑")
    shifts: tuple[float, ...] = ()  # every feature's shift from z = low to high (`feature_shift`),
                                    # in the model's feature order

    def to_dict(self) -> dict:
        return {name: value for name, value in asdict(self).items() if name != "shifts"}


def controllability(model: FittedModel, semantics: SemanticMatrix | None = None, n_rows: int = 500,
                    low: float = -2.0, high: float = 2.0, seed: int = 0, others: str = "isolate"
                    ) -> list[Control]:
    """One `Control` per semantic with a slider (`FittedModel.slider_latents`)."""
    semantics = semantics or model.semantics
    features = model.transformer.features_
    index = {name: i for i, name in enumerate(semantics.features)}
    # (K, F) membership over the model's features; a feature missing from R belongs to none
    member = np.zeros((len(semantics.names), len(features)), dtype=bool)
    for f, name in enumerate(features):
        if name in index:
            member[:, f] = semantics.values[:, index[name]].astype(bool)
    noise, latents = latent_noise(model, n_rows, seed), model.latent_prior()
    controls = []
    for semantic, latent in model.slider_latents(semantics).items():
        z_low, z_high = (latents.draw({latent: value}, noise, others) for value in (low, high))
        rows_low, rows_high = decode(model, z_low, seed), decode(model, z_high, seed)
        signed = feature_shift(rows_low, rows_high, model)
        moved = signed.abs().to_numpy()                                     # (F,)
        own_mask = member[semantic]
        if not own_mask.any():
            continue
        own = float(moved[own_mask].mean())
        other = float(moved[~own_mask].mean()) if (~own_mask).any() else 0.0
        group_means = [moved[m].mean() if m.any() else -np.inf for m in member]
        numeric = [model.transformer.layout_[f].kind == "numeric" for f in range(len(features))]
        own_numeric = signed.to_numpy()[own_mask & np.array(numeric)]
        controls.append(Control(
            semantic=semantics.names[semantic], latent=latent, own=own, other=other,
            selectivity=own / max(other, OTHER_FLOOR),
            hit=int(np.argmax(group_means)) == semantic,
            direction=1 if own_numeric.size == 0 or own_numeric.mean() >= 0 else -1,
            effects=effects(rows_low, rows_high, model, [f for f in range(len(features)) if own_mask[f]]),
            shifts=tuple(float(s) for s in signed)))
    return controls


def median_selectivity(controls: list[Control]) -> float:
    """The median selectivity of the sliders (NaN without sliders)."""
    return float(np.median([c.selectivity for c in controls])) if controls else float("nan")


def effects(rows_low, rows_high, model: FittedModel, feature_indices: list[int], top: int = 3
            ) -> tuple[str, ...]:
    """The strongest changes from `rows_low` to `rows_high` among the given features, in words:
    a number's direction, or the label whose share grows most."""
    changes = []
    for f in feature_indices:
        span = model.transformer.layout_[f]
        low, high = rows_low[span.name], rows_high[span.name]
        if span.kind == "numeric":
            shift = (high.mean() - low.mean()) / span.std
            changes.append((abs(shift), f"{span.name} {'↑' if shift >= 0 else '↓'}"))
        else:
            gain = label_shares(high, span.categories) - label_shares(low, span.categories)
            changes.append((float(gain.max()), f"{span.name}: {gain.idxmax()} ↑"))
    changes.sort(key=lambda change: -change[0])
    return tuple(text for size, text in changes[:top] if size > 0.05)


def summary(controls: list[Control]) -> dict:
    """Hits and median selectivity: the two figures a slider check is stated in."""
    selectivities = [c.selectivity for c in controls]
    return {"hits": sum(c.hit for c in controls), "matched": len(controls),
            "median_selectivity": float(np.median(selectivities)) if controls else float("nan")}

"""Targeted generation (§1.6): set the matched latents, sample the rest, decode.

Z values are in standard-normal units. Decision (the paper says only "decode"):
a row is drawn from the decoder's distribution p(x | z), not its mode: labels are
sampled from the softmax (binary: the sigmoid), numbers get Gaussian noise with
the residual std the decoder left on the training rows. Decoding the mode instead
shrinks every marginal: on the 30-row sample, fidelity 0.75 instead of 0.87 with
the semantic decoder. `sample_values=False` gives the mode (a "typical" row).
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import torch

from core.errors import InputError
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
                   seed: int = 0, sample_others: bool = True) -> np.ndarray:
    """(n_rows, L) latent codes: fixed latents set, the others N(0, I) or 0."""
    if n_rows < 1:
        raise InputError("the number of rows to generate must be at least 1")
    generator = torch.Generator().manual_seed(seed)
    z = torch.randn((n_rows, model.latent_dim), generator=generator) if sample_others \
        else torch.zeros((n_rows, model.latent_dim))
    for latent, value in resolve_latents(model, fixed or {}).items():
        z[:, latent] = value
    return z.numpy()


def decode(model: FittedModel, z: np.ndarray, seed: int = 0, sample_values: bool = True) -> pd.DataFrame:
    """Latent codes (n, L) -> rows in the original columns and categories."""
    with torch.no_grad():
        out = model.vae.decode(torch.as_tensor(z, dtype=torch.float32)).numpy().astype(np.float64)
    if sample_values:
        out = _sample_outputs(model, out, np.random.default_rng(seed))
    return model.transformer.inverse_transform(out)


def _sample_outputs(model: FittedModel, out: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw x ~ p(x | z) from decoder outputs (n, N); returned in the encoding's own form."""
    drawn = out.copy()
    for span in model.transformer.layout_:
        block = out[:, span.start:span.stop]
        if span.kind == "numeric":
            noise = 0.0 if model.residual_std is None else model.residual_std[span.start]
            drawn[:, span.start] += noise * rng.standard_normal(len(out))
        elif span.kind == "binary":
            drawn[:, span.start] = rng.random(len(out)) < 1.0 / (1.0 + np.exp(-block[:, 0]))
        else:
            probs = np.exp(block - block.max(axis=1, keepdims=True))
            cumulative = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
            index = (cumulative < rng.random((len(out), 1))).sum(axis=1).clip(max=span.stop - span.start - 1)
            drawn[:, span.start:span.stop] = 0.0
            drawn[np.arange(len(out)), span.start + index] = 1.0
    return drawn


def generate(model: FittedModel, n_rows: int, fixed: Mapping[str | int, float] | None = None,
             seed: int = 0, sample_others: bool = True, sample_values: bool = True) -> pd.DataFrame:
    """n_rows new rows with the chosen latents fixed (by semantic name or latent index)."""
    z = sample_latents(model, n_rows, fixed, seed, sample_others)
    return decode(model, z, seed, sample_values)

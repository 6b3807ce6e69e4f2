"""Eq. 1-4: how much each encoded input column contributes to each latent mean.

The latent mean mu (not z or sigma) stands for a latent, because z is sampled,
not connected (§1.2). The functions accept numpy arrays or torch tensors alike,
so the fine-tuning surrogate differentiates through exactly this code.
"""
from __future__ import annotations

import numpy as np

_TINY = 1e-12   # keeps an all-zero weight row from dividing by zero


def normalised_paths(weight):
    """Eq. 2 / Eq. 3: |W| row-normalised, from a torch-style (out, in) weight.

    Returns P of shape (in, out) with P[i, j] = |W(i, j)| / sum_j |W(i, j)|, so
    every input row sums to 1.
    """
    paths = abs(weight).T                                   # (in, out)
    return paths / (paths.sum(axis=1)[:, None] + _TINY)


def contribution(weights):
    """Eq. 4 for any depth: C = P1 @ P2 @ ... @ Pn, returned as (latents, columns).

    `weights` are the Linear weights from the input layer to the mu head, each
    (out, in) as torch stores them. A product of row-stochastic matrices is row
    stochastic, so for each encoded column the contributions sum to 1 over latents:
    Eq. 4's normalisation over k holds without a further division.
    """
    product = None
    for weight in weights:
        paths = normalised_paths(weight)
        product = paths if product is None else product @ paths   # (columns, out)
    return product.T                                              # (latents, columns)


def feature_contribution(contribution_matrix: np.ndarray, column_feature: np.ndarray,
                         n_features: int) -> np.ndarray:
    """C summed per original feature, (latents, features): easier to read for 45 features."""
    summed = np.zeros((contribution_matrix.shape[0], n_features))
    np.add.at(summed.T, column_feature, contribution_matrix.T)
    return summed


def feature_shares(contribution_matrix: np.ndarray, column_feature: np.ndarray, n_features: int) -> np.ndarray:
    """C per original feature, (latents, features), averaged over a feature's encoded columns,
    so that each feature's shares sum to 1 over the latents, as each column's do (Eq. 4)."""
    width = np.bincount(column_feature, minlength=n_features)
    return feature_contribution(contribution_matrix, column_feature, n_features) / np.maximum(width, 1)

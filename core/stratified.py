"""The random numbers generation runs on, stratified down the rows (Latin hypercube sampling).

Our decision (the paper draws rows independently): a column of n uniforms holds one number in
each of the n strata [r/n, (r+1)/n), in random order, each column its own order (McKay,
Beckman and Conover, 1979). Every number is still U(0, 1), so each row is drawn from the same
distribution as before; but what n rows make of a column of them (mixture components picked in
proportion to their weights, labels in proportion to their probabilities) is as close to its
expectation as n draws allow. That is the sampling noise a user sees as a generated table whose
shares wander from the model's, and that hides the small shift of a common condition
(benchmarks/CONDITIONS_ASIDE.md). Normals are the inverse normal CDF of such uniforms.
"""
from __future__ import annotations

import numpy as np
from scipy.special import ndtri

TINY = 1e-12   # keeps a uniform off 0 and 1, where the inverse normal CDF is infinite


def uniform(rng: np.random.Generator, n_rows: int, columns: int | None = None) -> np.ndarray:
    """(n_rows,) or (n_rows, columns) uniforms, stratified down each column."""
    shape = (n_rows,) if columns is None else (n_rows, columns)
    order = rng.random(shape).argsort(axis=0)   # a random order of the strata, per column
    return np.clip((order + rng.random(shape)) / n_rows, TINY, 1.0 - TINY)


def normal(rng: np.random.Generator, n_rows: int, columns: int | None = None) -> np.ndarray:
    """(n_rows,) or (n_rows, columns) standard normals, stratified down each column."""
    return ndtri(uniform(rng, n_rows, columns))

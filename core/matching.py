"""Naming latents: binarisation (§1.4), distance (Eq. 7-8), Algorithm 1 and MI (Eq. 9).

Shapes: L latents, K semantics, N encoded columns. B is (L, N), R is (K, N), D is (L, K).
`binarise` and `distance` accept numpy arrays or torch tensors.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from core.contribution import contribution

_TINY = 1e-12


@dataclass(frozen=True)
class Match:
    latent: int
    semantic: int
    distance: float


@dataclass
class Scores:
    """Everything the semantic analysis says about one model and one R."""
    contribution: np.ndarray          # (L, N), Eq. 4; each column sums to 1 over latents
    binary: np.ndarray                # (L, N), 0/1
    distance: np.ndarray              # (L, K), Eq. 7; each row sums to 1
    matches: list[Match] = field(default_factory=list)          # Algorithm 1, in the order chosen
    mi: float = 0.0                                             # Eq. 9, percent
    matches_optimal: list[Match] = field(default_factory=list)  # Hungarian, by latent
    mi_optimal: float = 0.0

    def latent_of(self, semantic: int, optimal: bool = False) -> int | None:
        for match in self.matches_optimal if optimal else self.matches:
            if match.semantic == semantic:
                return match.latent
        return None


def binarise(contribution_matrix):
    """§1.4 (2): 1 where a latent's contribution to a column is above that column's
    mean over latents (which is 1/L, since each column sums to 1)."""
    above = contribution_matrix > contribution_matrix.mean(axis=0)[None, :]
    return above * 1.0


def distance(binary, expanded_r):
    """Eq. 7: D(i, j) = sum_k |B(i,k) - R(j,k)| / sum_j' sum_k |B(i,k) - R(j',k)|.

    For 0/1 (or soft, in [0, 1]) entries |b - r| = b (1 - r) + (1 - b) r, which is
    a matrix product and stays differentiable for the fine-tuning surrogate.
    """
    mismatch = binary @ (1 - expanded_r).T + (1 - binary) @ expanded_r.T   # (L, K)
    return mismatch / (mismatch.sum(axis=1)[:, None] + _TINY)


def greedy_match(distances: np.ndarray) -> list[Match]:
    """Algorithm 1: take the smallest remaining D(i, j), strike row i and column j, repeat.

    Decision: ties break by lowest latent, then lowest semantic (argmin over the
    row-major matrix finds exactly that). min(L, K) pairs are matched.
    """
    remaining = np.array(distances, dtype=float)
    matches = []
    for _ in range(min(remaining.shape)):
        i, j = np.unravel_index(np.argmin(remaining), remaining.shape)
        matches.append(Match(int(i), int(j), float(distances[i, j])))
        remaining[i, :] = np.inf
        remaining[:, j] = np.inf
    return matches


def optimal_match(distances: np.ndarray) -> list[Match]:
    """The assignment with minimum total D, hence maximum MI (Hungarian; our addition)."""
    rows, cols = linear_sum_assignment(np.asarray(distances, dtype=float))
    return [Match(int(i), int(j), float(distances[i, j])) for i, j in zip(rows, cols)]


def clarity(matches: list[Match]) -> float:
    """Eq. 9: MI = (1 - sum of matched D) x 100 %."""
    return (1.0 - sum(m.distance for m in matches)) * 100.0


def hard_distance(encoder_weights: list[np.ndarray], expanded_r: np.ndarray) -> np.ndarray:
    """D (L, K) of trained weights: Eq. 4, binarisation, then Eq. 7."""
    return distance(binarise(contribution(encoder_weights)), expanded_r)


def score(encoder_weights: list[np.ndarray], expanded_r: np.ndarray) -> Scores:
    """Score ANY R (already expanded to encoded columns) against trained encoder weights.

    No retraining: Eq. 4, binarisation, Eq. 7, both matchings and Eq. 9.
    """
    c = contribution([np.asarray(w, dtype=np.float64) for w in encoder_weights])
    b = binarise(c)
    d = distance(b, np.asarray(expanded_r, dtype=np.float64))
    greedy, optimal = greedy_match(d), optimal_match(d)
    return Scores(c, b, d, greedy, clarity(greedy), optimal, clarity(optimal))

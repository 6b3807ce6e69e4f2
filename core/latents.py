"""The distribution generation draws the latents from, and how a slider conditions it.

Our decision (the paper samples the prior N(0, I)); docs/method.md, "Latent distribution".
A new model draws from `PosteriorMixture`: a kernel density estimate of the aggregate
posterior q(z) = mean_i q(z | x_i) of its training rows. Projects saved before it keep the
`Gaussian` they were saved with (moments of the aggregate posterior), or N(0, I).

Both answer `draw(fixed, noise, others)`: z with z_k = v for each fixed (k, v), the other
latents drawn either
- "covary": from their conditional distribution given the fixed ones, so the other semantics
  follow the set one as in the real data; or
- "isolate": from their own marginal, whatever the fixed values: a slider then moves its own
  semantic only (the most selective).
The same `noise` for different fixed values gives common random numbers (controllability).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from core import stratified
from core.errors import InputError

OTHERS = ("covary", "isolate")
# training rows' posteriors kept at most (a seeded subsample beyond). A subsample shifts every
# unconditional draw by its own sampling error, which a condition's draws (from all its real rows)
# do not share: with 1,000 of Benefits_3000's rows the shift a common label makes correlated 0.68
# with the real one at 20,000 rows, 0.94 with every row (docs/method.md, "Latent distribution").
MIXTURE_COMPONENTS = 20_000


@dataclass(frozen=True)
class Noise:
    """The random numbers of n rows' latents: standard normals (n, L), (n,) uniforms that pick a
    mixture component, and standard normals (n, L) for a shaped kernel (`PosteriorMixture`).
    `uniform` None holds the other latents at their (conditional) mean."""
    normal: np.ndarray
    uniform: np.ndarray | None
    kernel: np.ndarray | None = None

    @classmethod
    def draw(cls, n_rows: int, latent_dim: int, seed: int = 0) -> "Noise":
        """The same numbers for the same seed, stratified down the rows (core.stratified); the
        kernel's are drawn last, so the others are those drawn before it existed."""
        rng = np.random.default_rng(seed)
        normal, uniform = stratified.normal(rng, n_rows, latent_dim), stratified.uniform(rng, n_rows)
        return cls(normal, uniform, stratified.normal(rng, n_rows, latent_dim))

    @classmethod
    def held(cls, n_rows: int, latent_dim: int) -> "Noise":
        return cls(np.zeros((n_rows, latent_dim)), None)


def _split(fixed: Mapping[int, float], latent_dim: int, others: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(set latents, free latents, the set values)."""
    if others not in OTHERS:
        raise InputError(f"unknown way to draw the other latents '{others}'; use one of: {', '.join(OTHERS)}")
    set_ = np.array(sorted(fixed), dtype=int)
    free = np.array([k for k in range(latent_dim) if k not in fixed], dtype=int)
    return set_, free, np.array([fixed[k] for k in set_], dtype=np.float64)


@dataclass(frozen=True)
class Gaussian:
    """N(mean, cov): N(0, I), or the aggregate posterior's moments in projects saved before
    `PosteriorMixture`, m = mean_i mu_i, S = cov_i(mu_i) + diag(mean_i sigma_i^2)."""
    mean: np.ndarray   # (L,)
    cov: np.ndarray    # (L, L)

    @classmethod
    def standard(cls, latent_dim: int) -> "Gaussian":
        return cls(np.zeros(latent_dim), np.eye(latent_dim))

    def draw(self, fixed: Mapping[int, float], noise: Noise, others: str = "covary") -> np.ndarray:
        """The free latents o = centre + R e, e = `noise.normal`, R R^T = spread:
        - "covary": the conditional Gaussian given the set ones f,
          centre m_o + S_of S_ff^-1 (v - m_f), spread S_oo - S_of S_ff^-1 S_fo;
        - "isolate": the marginal, centre m_o and spread S_oo."""
        mean, cov = self.mean, self.cov
        set_, free, values = _split(fixed, len(mean), others)
        z = np.empty_like(noise.normal)
        z[:, set_] = values
        if not len(free):
            return z
        centre, spread = mean[free], cov[np.ix_(free, free)]
        if others == "covary" and len(set_):
            gain = np.linalg.lstsq(cov[np.ix_(set_, set_)], cov[np.ix_(set_, free)], rcond=None)[0].T   # S_of S_ff^-1
            centre = centre + gain @ (values - mean[set_])
            spread = spread - gain @ cov[np.ix_(set_, free)]
        spread = (spread + spread.T) / 2
        floor = 1e-9 * max(1.0, float(np.abs(spread).max()))
        root = np.linalg.cholesky(spread + np.eye(len(free)) * floor) if np.linalg.eigvalsh(spread).min() > 0 \
            else _psd_root(spread)
        z[:, free] = centre + noise.normal[:, free] @ root.T
        return z


def _psd_root(matrix: np.ndarray) -> np.ndarray:
    """A square root R (R R^T = matrix) of a positive semi-definite matrix, negative rounding clipped."""
    values, vectors = np.linalg.eigh(matrix)
    return vectors * np.sqrt(np.clip(values, 0, None))


@dataclass(frozen=True)
class PosteriorMixture:
    """q(z) ~ (1/M) sum_i N(z; c_i, S_i): one component per training row i (at most
    MIXTURE_COMPONENTS), centred on its posterior mean c_i = mu_i, with
    S_i = diag(sigma_i^2) + H and the kernel H = D_h P D_h: h = M^(-1/5) std_i(mu_i) per latent
    (`scott_bandwidth`), P the correlation of the posterior means (`correlation`).

    Why a mixture: the aggregate posterior of a small table is far from Gaussian (clusters
    of rows), and a Gaussian fitted to it puts latents where no row was; semantic mode, whose
    decoder blocks each see one latent, paid most (`buildings_30`: 0.925 against 0.935 with
    this mixture). Why widened by h: the posteriors alone are narrow, so rows drawn from
    them sit near training rows (DCR ratio 0.09 on `buildings_30`, 0.20 with h).
    Why h by the one-dimensional rule: see `scott_bandwidth`.
    Why the kernel has the means' correlation (our decision, 2026-12-07; a KDE whose bandwidth
    matrix is shaped like the data's covariance, as Scott's multivariate rule has it): widened
    latent by latent, each draw weakened every correlation between latents by about
    1 / (1 + M^(-2/5)), a fifth at 50 rows; in semantic mode two groups are related through
    their latents only, so on small tables of many related numbers the default model fell
    behind the paper mode (docs/method.md, "Latent distribution"). Models saved before it have
    `correlation` None: the kernel is diagonal, S_i = diag(sigma_i^2 + h^2)."""
    centres: np.ndarray     # (M, L)
    spreads: np.ndarray     # (M, L), > 0: sqrt(sigma_i^2 + h^2), each latent's sd in component i
    bandwidth: np.ndarray   # (L,) h, by which the components were widened (conditions widen by it too)
    correlation: np.ndarray | None = None   # (L, L) P; None: a diagonal kernel (models saved before it)

    @classmethod
    def fit(cls, mu: np.ndarray, logvar: np.ndarray, seed: int = 0) -> "PosteriorMixture":
        """From the training rows' posteriors (n, L), subsampled (seeded) to MIXTURE_COMPONENTS."""
        if len(mu) > MIXTURE_COMPONENTS:
            keep = np.sort(np.random.default_rng(seed).choice(len(mu), MIXTURE_COMPONENTS, replace=False))
            mu, logvar = mu[keep], logvar[keep]
        mu = mu.astype(np.float64)
        h = scott_bandwidth(mu)
        return cls(mu, np.sqrt(np.exp(logvar.astype(np.float64)) + h ** 2), h, correlation_of(mu))

    def kernel(self) -> np.ndarray:
        """(L, L) H, the covariance every component adds to its posterior's."""
        h = self.bandwidth
        return h[:, None] * (np.eye(len(h)) if self.correlation is None else self.correlation) * h[None, :]

    def widen(self, variance: np.ndarray, noise: Noise) -> np.ndarray:
        """(n, L) the offsets of n draws from posteriors of `variance` (n, L) widened by the
        kernel: N(0, diag(variance) + H), from `noise.normal` (and `noise.kernel`)."""
        if self.correlation is None:
            return np.sqrt(variance + self.bandwidth ** 2) * noise.normal
        if noise.kernel is None:
            raise ValueError("a shaped kernel draws from Noise.kernel (Noise.draw)")
        return np.sqrt(variance) * noise.normal + noise.kernel @ _psd_root(self.kernel()).T

    def draw(self, fixed: Mapping[int, float], noise: Noise, others: str = "covary") -> np.ndarray:
        """Each row picks component i with `noise.uniform`, and its free latents are drawn from
        component i, given the set ones z_f = v:
        - "covary": i is picked with the weights of the mixture conditioned on z_f = v,
          w_i ~ N(v; c_if, S_i,ff), and the free latents are N(c_io + S_i,of S_i,ff^-1 (v - c_if),
          S_i,oo - S_i,of S_i,ff^-1 S_i,fo) (drawn by Matheron's rule: an unconditional draw,
          moved by the same gain);
        - "isolate": every component weighs the same, whatever v, and the free latents come from
          its marginal N(c_io, S_i,oo).
        With `noise.uniform` None the free latents are the (conditional) mean."""
        centres = self.centres
        set_, free, values = _split(fixed, centres.shape[1], others)
        z = np.empty_like(noise.normal)
        z[:, set_] = values
        if not len(free):
            return z
        variance = np.clip(self.spreads ** 2 - self.bandwidth ** 2, 0, None)     # sigma_i^2, (M, L)
        kernel = self.kernel()
        cross = kernel[np.ix_(free, set_)]                                         # S_of (the same for all i)
        log_weights, gain = np.zeros(len(centres)), np.zeros((len(centres), len(set_)))
        if others == "covary" and len(set_):
            within = _with_floor(variance[:, set_][:, :, None] * np.eye(len(set_)) + kernel[np.ix_(set_, set_)])
            apart = values - centres[:, set_]                                      # (M, k)
            gain = np.linalg.solve(within, apart[:, :, None])[:, :, 0]             # S_ff^-1 (v - c_f)
            log_weights = -0.5 * (apart * gain).sum(axis=1) - np.log(
                np.diagonal(np.linalg.cholesky(within), axis1=1, axis2=2)).sum(axis=1)
        weights = np.exp(log_weights - log_weights.max())
        weights /= weights.sum()
        if noise.uniform is None:
            z[:, free] = weights @ (centres[:, free] + gain @ cross.T)
            return z
        pick = np.searchsorted(np.cumsum(weights), noise.uniform, side="right").clip(max=len(centres) - 1)
        if self.correlation is None:   # as drawn before the kernel was shaped: same numbers, same rows
            z[:, free] = centres[np.ix_(pick, free)] + self.spreads[np.ix_(pick, free)] * noise.normal[:, free]
            return z
        offset = self.widen(variance[pick], noise)                                 # (n, L), unconditional
        if others == "covary" and len(set_):   # Matheron: move it by the gain of what z_f missed
            within = _with_floor(variance[np.ix_(pick, set_)][:, :, None] * np.eye(len(set_))
                                 + kernel[np.ix_(set_, set_)])
            missed = values - centres[np.ix_(pick, set_)] - offset[:, set_]
            offset[:, free] += np.linalg.solve(within, missed[:, :, None])[:, :, 0] @ cross.T
        z[:, free] = centres[np.ix_(pick, free)] + offset[:, free]
        return z


def correlation_of(mu: np.ndarray) -> np.ndarray:
    """(L, L) the correlation of the posterior means (M, L); a latent that never moves is
    uncorrelated with the others."""
    live = mu.std(axis=0) > 0
    correlation = np.eye(mu.shape[1])
    if live.sum() > 1:
        correlation[np.ix_(live, live)] = np.corrcoef(mu[:, live], rowvar=False)
    return correlation


def _with_floor(matrices: np.ndarray) -> np.ndarray:
    """(..., k, k) covariances with a floor on the diagonal, so a latent the encoder copies, or
    one that never moves, still factorises."""
    scale = np.abs(np.diagonal(matrices, axis1=-2, axis2=-1)).max(initial=1.0)
    return matrices + np.eye(matrices.shape[-1]) * 1e-12 * scale


def scott_bandwidth(mu: np.ndarray, dim: int = 1) -> np.ndarray:
    """Scott's rule per latent, h = M^(-1/(dim+4)) std_i(mu_i), for M posterior means (M, L).

    Our decision: dim = 1, each latent widened by the one-dimensional rule, whatever L. The
    kernels are diagonal and, in semantic mode, each decoder block reads one latent; the
    L-dimensional rule (dim = L, projects saved before 2026-12-06) widened more the more latents
    a model had, so the 8 detail latents blurred the semantic ones (1.4 times the width on
    300 rows) and relations the decoder keeps sharp broke: on the `mao` table (codes that follow
    from genotypes) the default model scored 0.886 against the paper mode's 0.926, 0.930 and 0.930
    with this rule (benchmarks/FIDELITY_HIDDEN.md)."""
    return len(mu) ** (-1.0 / (dim + 4)) * mu.std(axis=0)


LatentDistribution = Gaussian | PosteriorMixture

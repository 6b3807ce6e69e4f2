"""The latent distribution (core.latents) in the project file.

A model's mixture is `latents.safetensors`: float64 tensors `centres` and `spreads` (rows x L),
`bandwidth` (L) and, since 2026-12-07, the kernel's `correlation` (L x L), binary because it keeps up to MIXTURE_COMPONENTS rows. Its header is checked
(names, shapes, dtype, rows) before a byte of it is read, then its values. Files saved before it
keep the forms of their time, in project.json: the mixture as lists (at most 1,000 rows), or the
aggregate posterior's mean and covariance (a Gaussian), or nothing (the prior N(0, I)).
"""
from __future__ import annotations

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from core import limits
from core.errors import InputError
from core.latents import MIXTURE_COMPONENTS, Gaussian, LatentDistribution, PosteriorMixture, scott_bandwidth
from core.projectcheck import check_tensors, safetensors_header, widths

LATENTS = "latents.safetensors"


def latents_to_json(latents: LatentDistribution | None) -> dict:
    """The Gaussian of older models; a mixture goes to its own member (`mixture_to_bytes`)."""
    if isinstance(latents, Gaussian):
        return {"latent_mean": latents.mean.tolist(), "latent_cov": latents.cov.tolist()}
    return {}


def mixture_to_bytes(latents: PosteriorMixture) -> bytes:
    """The mixture as float64 tensors: binary, since it keeps up to MIXTURE_COMPONENTS rows."""
    names = ("centres", "spreads", "bandwidth") + (() if latents.correlation is None else ("correlation",))
    return save_tensors({name: torch.from_numpy(np.ascontiguousarray(getattr(latents, name), dtype=np.float64))
                         for name in names})


def latents_from_file(spec: dict, members: dict[str, bytes], latent_dim: int, source: str) -> LatentDistribution | None:
    """The latent distribution (core.latents): the mixture of `latents.safetensors`; in files
    written before it, the mixture in project.json (at most 1,000 rows) or the aggregate
    posterior's mean and covariance; None in files written before both."""
    if LATENTS in members:
        data = members[LATENTS]
        header = safetensors_header(data, source, LATENTS)
        rows = (header.get("centres", {}).get("shape") or [1])[0]
        shapes = {"centres": (rows, latent_dim), "spreads": (rows, latent_dim), "bandwidth": (latent_dim,)}
        if "correlation" in header:   # absent in files saved before the kernel was shaped
            shapes["correlation"] = (latent_dim, latent_dim)
        check_tensors(header, shapes, len(data), source, LATENTS, "F64")
        limits.whole(f"{source}: {LATENTS} centres (rows)", rows, 1, MIXTURE_COMPONENTS)
        try:
            tensors = {name: tensor.numpy() for name, tensor in load_tensors(data).items()}
        except SafetensorError as exc:
            raise InputError(f"{source}: {LATENTS} cannot be read ({str(exc).splitlines()[0]})") from None
        return _mixture(tensors["centres"], tensors["spreads"], tensors["bandwidth"], latent_dim, source, LATENTS,
                        tensors.get("correlation"))
    if spec.get("latent_centres") is not None or spec.get("latent_spreads") is not None:
        return _mixture_from_json(spec, latent_dim, source)
    if spec.get("latent_mean") is None and spec.get("latent_cov") is None:
        return None
    try:
        mean = np.asarray(spec["latent_mean"], dtype=np.float64)
        cov = np.asarray(spec["latent_cov"], dtype=np.float64)
    except (KeyError, TypeError, ValueError):
        mean = cov = np.empty(0)
    if (mean.shape != (latent_dim,) or cov.shape != (latent_dim, latent_dim) or not np.isfinite(mean).all()
            or not np.isfinite(cov).all() or not np.allclose(cov, cov.T)
            or np.linalg.eigvalsh(cov).min() < -1e-9 * max(1.0, np.abs(cov).max())):
        raise InputError(f"{source}: latent_mean and latent_cov must be {latent_dim} finite numbers and a "
                         f"symmetric positive semi-definite {latent_dim} x {latent_dim} matrix")
    return Gaussian(mean, cov)


def _mixture_from_json(spec: dict, latent_dim: int, source: str) -> PosteriorMixture:
    try:
        centres = np.asarray(spec["latent_centres"], dtype=np.float64)
        spreads = np.asarray(spec["latent_spreads"], dtype=np.float64)
    except (KeyError, TypeError, ValueError):
        centres = spreads = np.empty(0)
    bandwidth = widths(spec, "latent_bandwidth", latent_dim, source)
    if bandwidth is None and centres.ndim == 2 and centres.shape[1:] == (latent_dim,):
        bandwidth = scott_bandwidth(centres, dim=latent_dim)   # written before it was kept: the rule of its time
    return _mixture(centres, spreads, bandwidth, latent_dim, source, "project.json latent_centres and latent_spreads")


def _mixture(centres: np.ndarray, spreads: np.ndarray, bandwidth: np.ndarray | None, latent_dim: int,
             source: str, where: str, correlation: np.ndarray | None = None) -> PosteriorMixture:
    """The mixture, once its tables are two of the same 1 to MIXTURE_COMPONENTS rows of latent_dim
    finite numbers, the spreads positive, the bandwidth latent_dim finite numbers >= 0, and the
    correlation, if any, a correlation matrix (symmetric, ones down the diagonal, none negative)."""
    if (centres.ndim != 2 or centres.shape[1:] != (latent_dim,) or not 1 <= len(centres) <= MIXTURE_COMPONENTS
            or spreads.shape != centres.shape or not np.isfinite(centres).all() or not np.isfinite(spreads).all()
            or (spreads <= 0).any() or bandwidth is None or bandwidth.shape != (latent_dim,)
            or not np.isfinite(bandwidth).all() or (bandwidth < 0).any()):
        raise InputError(f"{source}: {where} must be two tables of 1 to {MIXTURE_COMPONENTS:,} rows of "
                         f"{latent_dim} finite numbers, the spreads positive, and a bandwidth of {latent_dim} "
                         "finite numbers, none negative")
    if correlation is not None and not (
            np.isfinite(correlation).all() and np.allclose(correlation, correlation.T)
            and np.allclose(np.diagonal(correlation), 1.0) and np.linalg.eigvalsh(correlation).min() > -1e-9):
        raise InputError(f"{source}: {LATENTS} correlation must be a {latent_dim} x {latent_dim} correlation "
                         "matrix: symmetric, ones down the diagonal, positive semi-definite")
    return PosteriorMixture(centres.astype(np.float64), spreads.astype(np.float64), bandwidth.astype(np.float64),
                            None if correlation is None else correlation.astype(np.float64))

"""Fine-tuning for clarity (§1.5, Eq. 10-12) and the differentiable surrogate of MI.

Eq. 10  loss    = reconstruction + KL + MI_loss
Eq. 11  MI_loss = eta / MI
Eq. 12  eta     = (reconstruction' + KL') / (4 * (1 / MI')),  primes at the stopping point,
        so the clarity term starts at a quarter of the loss.

Decision (the paper does not say how MI is back-propagated): binarisation and
Algorithm 1 have no gradient, so within a step the hard greedy matching is held
fixed and B is replaced by a steep sigmoid around each column's mean over latents
(1/L). The soft MI then follows Eq. 7 and 9 exactly. Only the hard MI of Eq. 9 is
ever reported.
"""
from __future__ import annotations

import torch

from core.contribution import contribution
from core.matching import Match, distance

MI_FLOOR = 0.01   # MI as a fraction; keeps eta / MI finite when MI is near 0


def eta(recon_at_stop: float, kl_at_stop: float, mi_at_stop_pct: float) -> float:
    """Eq. 12, with MI' as a fraction (floored at MI_FLOOR)."""
    mi = max(mi_at_stop_pct / 100.0, MI_FLOOR)
    return (recon_at_stop + kl_at_stop) / (4.0 * (1.0 / mi))


def soft_binarise(contribution_matrix: torch.Tensor, temperature: float) -> torch.Tensor:
    """Surrogate of §1.4 (2): sigmoid((C - column mean) / temperature), in (0, 1)."""
    return torch.sigmoid((contribution_matrix - contribution_matrix.mean(dim=0, keepdim=True))
                         / temperature)


def soft_clarity(weights: list[torch.Tensor], expanded_r: torch.Tensor, matches: list[Match],
                 temperature: float) -> torch.Tensor:
    """Differentiable MI (fraction) for fixed `matches`: Eq. 4, soft B, Eq. 7, Eq. 9."""
    d = distance(soft_binarise(contribution(weights), temperature), expanded_r)   # (L, K)
    latents = torch.tensor([m.latent for m in matches], dtype=torch.long)
    semantics = torch.tensor([m.semantic for m in matches], dtype=torch.long)
    return 1.0 - d[latents, semantics].sum()


def clarity_loss(weights: list[torch.Tensor], expanded_r: torch.Tensor, matches: list[Match],
                 eta_value: float, temperature: float) -> torch.Tensor:
    """Eq. 11: eta / MI, with the soft MI floored smoothly at MI_FLOOR."""
    return eta_value / _smooth_floor(soft_clarity(weights, expanded_r, matches, temperature))


def _smooth_floor(mi: torch.Tensor) -> torch.Tensor:
    """MI above MI_FLOOR, else MI_FLOOR * exp(MI / MI_FLOOR - 1): positive, with a continuous
    slope. A hard clamp would zero the gradient exactly where it is needed: a fresh model's
    matched distances are each about 1/K, so its MI starts near 0."""
    below = MI_FLOOR * torch.exp(torch.clamp(mi / MI_FLOOR - 1, max=0.0))
    return torch.where(mi > MI_FLOOR, mi, below)

"""Free bits (core.vae.kl_with_free_bits): in semantic mode no semantic latent collapses to the
prior, so every slider moves its group."""
import numpy as np
import pandas as pd
import pytest
import torch

from core.columns import prepare_table
from core.controllability import controllability
from core.errors import InputError
from core.model import TrainConfig
from core.semantics import SemanticMatrix
from core.training import fit
from core.vae import kl_divergence, kl_with_free_bits

FAST = dict(epochs=60, finetune_epochs=10, detail_latents=0)


def test_a_latent_below_the_floor_costs_the_floor_and_feels_no_pull():
    mu = torch.tensor([[0.1, 2.0], [-0.1, 2.0]], requires_grad=True)   # KL per latent: 0.005 and 2.0
    logvar = torch.zeros((2, 2))
    assert kl_with_free_bits(mu, logvar, 0.0).item() == pytest.approx(kl_divergence(mu, logvar).item())
    loss = kl_with_free_bits(mu, logvar, 0.1)
    assert loss.item() == pytest.approx(0.1 + 2.0)
    loss.backward()
    assert mu.grad[:, 0].abs().max() == 0 and (mu.grad[:, 1] > 0).all()


def _weak_group_table(n_rows: int = 200):
    """Group A: three columns of one strong factor. Group B: two flags, independent of everything,
    each 'yes' in 30 % of rows; under the plain ELBO their latent is not worth its KL."""
    rng = np.random.default_rng(0)
    factor = rng.normal(size=n_rows)
    frame = pd.DataFrame({**{f"a{i}": factor + 0.3 * rng.normal(size=n_rows) for i in range(3)},
                          **{f"b{i}": np.where(rng.random(n_rows) < 0.3, "yes", "no") for i in range(2)}})
    r = pd.DataFrame([{"semantic": "A", "a0": 1, "a1": 1, "a2": 1, "b0": 0, "b1": 0},
                      {"semantic": "B", "a0": 0, "a1": 0, "a2": 0, "b0": 1, "b1": 1}]).astype(str)
    return prepare_table(frame, {}), SemanticMatrix.from_frame(r, list(frame.columns))


def _latent_kl(model, table) -> np.ndarray:
    with torch.no_grad():
        mu, logvar = model.vae.encode(torch.from_numpy(model.transformer.transform(table.frame)))
    return (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp())).mean(dim=0).numpy()


def test_free_bits_keep_a_weak_groups_slider_alive():
    table, semantics = _weak_group_table()
    plain = fit(table, semantics, TrainConfig(free_bits=0.0, **FAST))
    floored = fit(table, semantics, TrainConfig(free_bits=0.1, **FAST))
    assert _latent_kl(plain, table)[1] < 0.05           # group B's latent next to the prior
    assert _latent_kl(floored, table)[1] > 0.09
    moved = {name: [c.own for c in controllability(model, n_rows=300) if c.semantic == "B"][0]
             for name, model in (("plain", plain), ("floored", floored))}
    assert moved["floored"] > 3 * moved["plain"]


def test_the_paper_mode_keeps_the_papers_elbo():
    assert TrainConfig(mode="paper", free_bits=0.5).semantic_free_bits == 0.0
    assert TrainConfig(free_bits=0.5).semantic_free_bits == 0.5
    table, semantics = _weak_group_table(n_rows=40)
    models = [fit(table, semantics, TrainConfig(mode="paper", epochs=15, finetune_epochs=3, free_bits=bits))
              for bits in (0.0, 0.5)]
    for name, weight in models[0].vae.state_dict().items():
        assert torch.equal(weight, models[1].vae.state_dict()[name])


def test_free_bits_are_within_limits_and_older_settings_had_none():
    for bits in (-0.1, 10.5, float("nan"), True):
        with pytest.raises(InputError, match="free_bits"):
            TrainConfig(free_bits=bits).check()
    assert TrainConfig.from_dict({"mode": "semantic"}).free_bits == 0.0   # saved before free bits
    assert TrainConfig.from_dict(TrainConfig().to_dict()) == TrainConfig()

"""The "semantic" mode: a decoder masked per semantic, and the control it buys."""
import numpy as np
import pytest
import torch

from core.controllability import controllability, summary
from core.errors import InputError
from core.model import TrainConfig, build_vae
from core.training import fit
from core.vae import LossLayout, kl_divergence, masked_decoder, reconstruction_loss
from core.transformer import TableTransformer
from tests.conftest import factor_table


def test_each_column_is_reached_only_by_its_semantics_latents():
    # columns 0-1: semantic 0; column 2: semantics 0 and 1; column 3: none (shared block)
    column_latents = torch.tensor([[1, 0], [1, 0], [1, 1], [0, 0]]).bool()
    torch.manual_seed(0)
    decoder = masked_decoder(column_latents, hidden=(16, 32))
    z = torch.randn(64, 2, requires_grad=True)   # many points, so no ReLU path is dead at all of them
    out = decoder(z)
    assert out.shape == (64, 4)
    reach = torch.stack([(torch.autograd.grad(out[:, c].sum(), z, retain_graph=True)[0] != 0).any(dim=0)
                         for c in range(4)])
    assert reach[:3].tolist() == [[True, False], [True, False], [True, True]]
    assert reach[3].all()   # unassigned columns come from the shared block, which sees every latent


def test_semantic_mode_trains_every_parameter():
    table, semantics = factor_table(n_rows=16, n_groups=3, per_group=4)
    transformer = TableTransformer().fit(table)
    vae = build_vae(TrainConfig(mode="semantic", hidden=(32,)), transformer.n_columns, 3,
                    semantics.expand(transformer.layout_), torch.Generator().manual_seed(0))
    x = torch.from_numpy(transformer.transform(table.frame))
    x_hat, mu, logvar = vae(x, torch.Generator().manual_seed(1))
    (reconstruction_loss(x_hat, x, LossLayout.from_spans(transformer.layout_)) + kl_divergence(mu, logvar)).backward()
    for name, p in vae.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_unknown_mode_is_refused():
    table, semantics = factor_table(n_rows=12, n_groups=2, per_group=3)
    with pytest.raises(InputError, match="unknown mode 'magic'"):
        fit(table, semantics, TrainConfig(mode="magic"))


def test_semantic_mode_controls_its_features_better_than_paper_mode():
    table, semantics = factor_table(n_rows=30, n_groups=4, per_group=4, seed=11)
    results = {}
    for mode in ("paper", "semantic"):
        model = fit(table, semantics, TrainConfig(mode=mode, epochs=150, finetune_epochs=100, seed=1))
        results[mode] = summary(controllability(model, n_rows=300))
    assert results["semantic"]["hits"] == 4, results
    assert results["semantic"]["median_selectivity"] > 3 * results["paper"]["median_selectivity"], results
    assert results["semantic"]["hits"] >= results["paper"]["hits"]


def test_semantic_mode_sliders_follow_the_designed_pairing():
    table, semantics = factor_table(n_rows=20, n_groups=3, per_group=4)
    model = fit(table, semantics, TrainConfig(mode="semantic", epochs=30, finetune_epochs=0))
    assert model.slider_latents() == {0: 0, 1: 1, 2: 2}
    # an edited R: sliders follow the names the decoder was built for, in the new order
    edited = type(semantics)(["S2", "new", "S0"], semantics.features, np.ones((3, len(semantics.features))))
    assert model.slider_latents(edited) == {0: 2, 2: 0}
    paper = fit(table, semantics, TrainConfig(mode="paper", epochs=30, finetune_epochs=0))
    assert paper.slider_latents() == {m.semantic: m.latent for m in paper.score().matches}

"""Eq. 2-4 on a network with two hidden layers, against hand computation."""
import numpy as np
import pytest
import torch

from core.contribution import contribution, feature_contribution, normalised_paths
from core.vae import TabularVAE

# 3 inputs -> 2 hidden -> 2 hidden -> 2 latents; torch layout (out, in); signs must not matter.
W1 = np.array([[1.0, -2.0, 0.0], [3.0, 2.0, -1.0]])
W2 = np.array([[1.0, -1.0], [0.0, -2.0]])
W3 = np.array([[2.0, 1.0], [-2.0, 3.0]])


def test_eq2_each_input_row_sums_to_one():
    # |W1|^T = [[1,3],[2,2],[0,1]] -> rows / row sums
    np.testing.assert_allclose(normalised_paths(W1), [[0.25, 0.75], [0.5, 0.5], [0.0, 1.0]])


def test_eq4_two_hidden_layers_by_hand():
    # P1 P2 = [[.5,.5],[2/3,1/3],[1/3,2/3]];  P3 = [[.5,.5],[.25,.75]]
    # C (input rows) = [[.375,.625],[5/12,7/12],[1/3,2/3]]; returned as latents x columns
    expected = np.array([[0.375, 5 / 12, 1 / 3], [0.625, 7 / 12, 2 / 3]])
    np.testing.assert_allclose(contribution([W1, W2, W3]), expected, atol=1e-12)


def test_each_column_sums_to_one_over_latents_for_any_depth():
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=(7, 5)), rng.normal(size=(6, 7)), rng.normal(size=(4, 6)), rng.normal(size=(3, 4))]
    c = contribution(weights)
    assert c.shape == (3, 5)
    np.testing.assert_allclose(c.sum(axis=0), np.ones(5))


def test_torch_and_numpy_agree_and_model_layers_are_walked_in_order():
    vae = TabularVAE(5, 3, hidden=(8, 4), generator=torch.Generator().manual_seed(0))
    layers = vae.encoder_linears()
    assert [tuple(l.weight.shape) for l in layers] == [(8, 5), (4, 8), (3, 4)]
    from_numpy = contribution([l.weight.detach().double().numpy() for l in layers])
    from_torch = contribution([l.weight.detach().double() for l in layers]).numpy()
    np.testing.assert_allclose(from_numpy, from_torch)
    assert vae.encoder_weight_names() == ["encoder.0.weight", "encoder.2.weight", "mu_head.weight"]


def test_feature_contribution_sums_one_hot_columns():
    c = np.array([[0.1, 0.2, 0.3, 0.4], [0.9, 0.8, 0.7, 0.6]])
    summed = feature_contribution(c, np.array([0, 1, 1, 2]), 3)
    np.testing.assert_allclose(summed, [[0.1, 0.5, 0.4], [0.9, 1.5, 0.6]])


@pytest.mark.parametrize("hidden", [(), (6,), (6, 5, 4)])
def test_any_encoder_depth(hidden):
    vae = TabularVAE(4, 2, hidden=hidden, generator=torch.Generator().manual_seed(1))
    c = contribution([l.weight.detach().double().numpy() for l in vae.encoder_linears()])
    np.testing.assert_allclose(c.sum(axis=0), np.ones(4))

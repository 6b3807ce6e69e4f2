"""Stratified random numbers: one per stratum down each column, so shares land where expected."""
import numpy as np
import pytest

from core import stratified
from core.generation import decode
from core.latents import Noise, PosteriorMixture


def test_each_column_holds_one_number_in_each_stratum_in_its_own_order():
    u = stratified.uniform(np.random.default_rng(0), 50, 3)
    assert u.shape == (50, 3) and ((u > 0) & (u < 1)).all()
    assert (np.sort(np.floor(u * 50), axis=0) == np.arange(50)[:, None]).all()
    assert not np.array_equal(u[:, 0].argsort(), u[:, 1].argsort())     # columns are not tied together
    again = stratified.uniform(np.random.default_rng(0), 50, 3)
    assert np.array_equal(u, again) and not np.array_equal(u, stratified.uniform(np.random.default_rng(1), 50, 3))
    z = stratified.normal(np.random.default_rng(0), 2_000)
    assert np.isfinite(z).all() and abs(z.mean()) < 0.01 and z.std() == pytest.approx(1.0, abs=0.02)


def test_the_mixture_picks_each_component_as_often_as_its_weight_allows():
    centres = np.arange(7.0)[:, None] * 10.0                 # 7 components far apart, one latent + one set
    mixture = PosteriorMixture(np.hstack([centres, centres]), np.full((7, 2), 1e-3), np.zeros(2))
    for n_rows in (70, 75, 1_001):
        z = mixture.draw({}, Noise.draw(n_rows, 2, seed=n_rows))
        counts = np.bincount(np.rint(z[:, 0] / 10).astype(int), minlength=7)
        # each component spans n/7 strata: the whole ones inside it, plus at most one at each end
        assert counts.sum() == n_rows and np.abs(counts - n_rows / 7).max() < 2   # iid picks: sd 2.9 at 70 rows
        assert n_rows % 7 or (counts == n_rows // 7).all()


def test_drawn_labels_come_out_in_the_decoders_shares(small_fit):
    table, _, model = small_fit
    z = np.zeros((1_000, model.latent_dim))                  # one z: every row has the same p(x | z)
    rows = decode(model, z, seed=4)
    modal = decode(model, z[:50], sample_values=False).iloc[0]
    drawn = decode(model, np.zeros((200_000, model.latent_dim)), seed=5)   # the shares, by many rows
    labels = [s.name for s in model.transformer.layout_ if s.kind != "numeric"]
    for name in labels:
        expected = (drawn[name] == modal[name]).mean()
        assert (rows[name] == modal[name]).sum() == pytest.approx(1_000 * expected, abs=3.5)   # iid: sd ~ 15


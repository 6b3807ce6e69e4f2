"""Targeted generation: fixed latents, valid categories, ranges and integers, seeds."""
from dataclasses import replace

import numpy as np
import pytest

from core.errors import InputError
from core.effects import traversal
from core.generation import generate, sample_latents
from core.latents import Gaussian, Noise
from core.roles import Role


def test_fixed_latents_are_kept_and_others_sampled(small_fit):
    _, semantics, model = small_fit
    latent = model.slider_latents()[1]
    z = sample_latents(model, 50, {"S1": 1.5, (latent + 1) % model.latent_dim: -2.0}, seed=4)
    assert np.all(z[:, latent] == 1.5)
    assert np.all(z[:, (latent + 1) % model.latent_dim] == -2.0)
    others = [k for k in range(model.latent_dim) if k not in (latent, (latent + 1) % model.latent_dim)]
    assert z[:, others].std() > 0.3
    held = sample_latents(model, 5, {"S1": 1.0}, sample_others=False)   # the others at their (conditional) mean
    assert np.all(held[:, latent] == 1.0) and np.all(held == held[0])
    mean = model.latent_prior().draw({latent: 1.0}, Noise.held(1, model.latent_dim))[0]
    assert np.allclose(np.delete(held[0], latent), np.delete(mean, latent))


def test_latents_follow_the_training_rows_and_old_models_keep_the_prior(small_fit):
    table, _, model = small_fit
    mixture = model.latent_prior()
    assert mixture.centres.shape == (len(table.frame), model.latent_dim)   # one component per training row
    old = replace(model, latents=None)
    assert np.array_equal(old.latent_prior().cov, np.eye(model.latent_dim))
    z = sample_latents(model, 20_000, seed=1)
    # the mixture's moments: mean of the centres; covariance of the centres, plus the mean
    # posterior variance, plus the kernel (its bandwidth shaped by the centres' correlation)
    centred = mixture.centres - mixture.centres.mean(axis=0)
    posterior = (mixture.spreads ** 2 - mixture.bandwidth ** 2).mean(axis=0)
    kernel = np.outer(mixture.bandwidth, mixture.bandwidth) * np.corrcoef(mixture.centres, rowvar=False)
    cov = centred.T @ centred / len(centred) + np.diag(posterior) + kernel
    assert z.mean(axis=0) == pytest.approx(mixture.centres.mean(axis=0), abs=0.05)
    assert np.cov(z.T) == pytest.approx(cov, abs=0.05)
    assert isinstance(old.latent_prior(), Gaussian)


@pytest.mark.parametrize("value", [-6.0, 0.0, 6.0])
def test_rows_are_valid_even_at_extreme_values(small_fit, value):
    table, semantics, model = small_fit
    rows = generate(model, 200, {name: value for name in semantics.names}, seed=1)
    assert list(rows.columns) == table.features
    for spec in table.specs:
        column = rows[spec.name]
        if spec.is_numeric:
            real = table.frame[spec.name]
            assert column.min() >= real.min() and column.max() <= real.max()
            if spec.role is Role.INTEGER:
                assert column.dtype == np.int64
        else:
            assert set(column) <= set(spec.categories)


def test_same_seed_same_rows_other_seed_other_rows(small_fit):
    _, _, model = small_fit
    a, b, c = (generate(model, 30, seed=s) for s in (7, 7, 8))
    assert a.equals(b) and not a.equals(c)


def test_bad_targets_name_what_is_wrong(small_fit):
    _, _, model = small_fit
    with pytest.raises(InputError, match="unknown semantic 'cracks'"):
        generate(model, 5, {"cracks": 1.0})
    with pytest.raises(InputError, match="latent 99 does not exist"):
        generate(model, 5, {99: 1.0})
    with pytest.raises(InputError, match="at least 1"):
        generate(model, 0)


def test_traversal_is_zero_at_the_centre(small_fit):
    table, _, model = small_fit
    sweep = traversal(model, 0, values=[-3, 0, 3], n_rows=50)
    assert list(sweep.index) == table.features and list(sweep.columns) == [-3.0, 0.0, 3.0]
    assert (sweep[0.0] == 0).all() and sweep[3.0].abs().sum() > 0


def test_rows_are_drawn_from_the_decoder_distribution_not_its_mode(small_fit):
    table, _, model = small_fit
    assert model.residual_std.shape == (model.transformer.n_columns,) and (model.residual_std > 0).all()
    held = {name: 0.0 for name in model.semantics.names}
    modal = generate(model, 100, held, sample_others=False, sample_values=False)
    drawn = generate(model, 100, held, sample_others=False, seed=2)
    assert len(modal.drop_duplicates()) == 1            # every latent at 0: one typical row
    assert len(drawn.drop_duplicates()) > 50            # the same z, drawn from p(x | z)
    numeric = [s.name for s in table.specs if s.is_numeric]
    assert (drawn[numeric].std() > 0).all()


def test_calibration_brings_the_marginals_to_the_real_ones_and_keeps_order(small_fit):
    from core.evaluation import column_shapes
    table, _, model = small_fit
    layout = model.transformer.layout_
    raw = replace(model, calibration={})
    shapes = {name: column_shapes(table.frame, generate(m, 3000, seed=2), layout).set_index("column")["score"]
              for name, m in (("calibrated", model), ("raw", raw))}
    numeric = [s.name for s in layout if s.kind == "numeric"]
    labels = [s.name for s in layout if s.kind != "numeric"]
    assert shapes["calibrated"][numeric].mean() > shapes["raw"][numeric].mean()
    assert shapes["calibrated"][labels].mean() >= shapes["raw"][labels].mean() - 0.01
    quantiles = model.calibration[numeric[0]]
    assert quantiles.shape[0] == 2 and (np.diff(quantiles, axis=1) >= 0).all()   # monotone: order kept
    latent = model.slider_latents()[0]

    def direction(m):   # which way the slider moves its own number
        low, high = (generate(m, 500, {latent: v}, seed=1)["g0_c0"].mean() for v in (-2.0, 2.0))
        return np.sign(high - low)
    assert direction(model) == direction(raw) != 0

"""Targeted generation: fixed latents, valid categories, ranges and integers, seeds."""
import numpy as np
import pytest

from core.errors import InputError
from core.effects import traversal
from core.generation import generate, sample_latents
from core.columns import Role


def test_fixed_latents_are_kept_and_others_sampled(small_fit):
    _, semantics, model = small_fit
    latent = model.slider_latents()[1]
    z = sample_latents(model, 50, {"S1": 1.5, (latent + 1) % model.latent_dim: -2.0}, seed=4)
    assert np.all(z[:, latent] == 1.5)
    assert np.all(z[:, (latent + 1) % model.latent_dim] == -2.0)
    others = [k for k in range(model.latent_dim) if k not in (latent, (latent + 1) % model.latent_dim)]
    assert z[:, others].std() > 0.5
    held = sample_latents(model, 5, {"S1": 1.0}, sample_others=False)
    assert np.count_nonzero(held) == 5 and np.all(held[:, latent] == 1.0)


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

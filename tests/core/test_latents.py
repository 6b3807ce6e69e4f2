"""The latent distribution: the posterior mixture, the Gaussian of older projects, co-vary and isolate."""
import numpy as np
import pytest

from core.errors import InputError
from core.latents import MIXTURE_COMPONENTS, Gaussian, Noise, PosteriorMixture


def _noise(n: int, latent_dim: int, seed: int = 0) -> Noise:
    rng = np.random.default_rng(seed)
    return Noise(rng.standard_normal((n, latent_dim)), rng.random(n), rng.standard_normal((n, latent_dim)))


def test_covary_draws_from_the_conditional_gaussian_and_isolate_from_the_marginal():
    gaussian = Gaussian(np.array([1.0, -1.0, 0.0]), np.array([[1.0, 0.8, 0.0], [0.8, 1.0, 0.0], [0.0, 0.0, 0.5]]))
    noise = _noise(200_000, 3)
    covary = gaussian.draw({0: 3.0}, noise, "covary")
    assert np.all(covary[:, 0] == 3.0)
    # z1 | z0 = 3: mean -1 + 0.8 (3 - 1) = 0.6, variance 1 - 0.64 = 0.36; z2 is unrelated
    assert covary[:, 1].mean() == pytest.approx(0.6, abs=0.01) and covary[:, 1].var() == pytest.approx(0.36, abs=0.01)
    assert covary[:, 2].mean() == pytest.approx(0.0, abs=0.01) and covary[:, 2].var() == pytest.approx(0.5, abs=0.01)
    isolate = gaussian.draw({0: 3.0}, noise, "isolate")
    assert isolate[:, 1].mean() == pytest.approx(-1.0, abs=0.01) and isolate[:, 1].var() == pytest.approx(1.0, abs=0.02)
    free = gaussian.draw({}, noise, "covary")   # nothing set: the Gaussian itself
    assert np.cov(free.T) == pytest.approx(gaussian.cov, abs=0.01)
    assert np.all(gaussian.draw({0: 1.0, 1: 2.0, 2: 3.0}, _noise(2, 3)) == [[1, 2, 3], [1, 2, 3]])
    singular = Gaussian(np.zeros(2), np.array([[1.0, 1.0], [1.0, 1.0]]))   # a latent the encoder copies
    assert np.isfinite(singular.draw({}, _noise(100, 2))).all()
    with pytest.raises(InputError, match="covary, isolate"):
        gaussian.draw({}, noise, "other")


def test_the_mixture_conditions_by_reweighting_its_components():
    # three components; z0 = 0.5 weighs them by N(0.5; c_i0, s_i0^2)
    centres = np.array([[0.0, -3.0], [1.0, 0.0], [4.0, 3.0]])
    spreads = np.array([[0.5, 0.1], [1.0, 0.1], [0.5, 0.1]])
    mixture = PosteriorMixture(centres, spreads, np.zeros(2))
    density = np.exp(-0.5 * ((0.5 - centres[:, 0]) / spreads[:, 0]) ** 2) / spreads[:, 0]
    weights = density / density.sum()
    noise = _noise(200_000, 2, seed=1)
    covary = mixture.draw({0: 0.5}, noise, "covary")
    assert np.all(covary[:, 0] == 0.5)
    picked = np.rint(covary[:, 1] / 3).astype(int) + 1          # the component each row came from
    assert np.bincount(picked, minlength=3) / len(picked) == pytest.approx(weights, abs=0.005)
    isolate = mixture.draw({0: 0.5}, noise, "isolate")          # every component alike, whatever z0
    assert np.bincount(np.rint(isolate[:, 1] / 3).astype(int) + 1) / len(noise.normal) == pytest.approx([1 / 3] * 3, abs=0.005)
    held = mixture.draw({0: 0.5}, Noise.held(4, 2), "covary")   # the conditional mean
    assert held[:, 1] == pytest.approx(np.full(4, weights @ centres[:, 1]))
    free = mixture.draw({}, noise)
    assert free.mean(axis=0) == pytest.approx(centres.mean(axis=0), abs=0.02)
    assert free[:, 0].var() == pytest.approx(centres[:, 0].var() + (spreads[:, 0] ** 2).mean(), abs=0.03)
    with pytest.raises(InputError, match="covary, isolate"):
        mixture.draw({}, noise, "sideways")


def test_the_kernel_keeps_the_correlation_of_the_latents():
    """Widened latent by latent, two latents that move together (0.9) drew at 0.9 / (1 + h^2):
    the kernel shaped like the posterior means keeps their correlation, and a set latent moves
    the other by the kernel's regression too."""
    rng = np.random.default_rng(3)
    shared = rng.standard_normal(50)
    mu = np.column_stack([shared, 0.9 * shared + np.sqrt(1 - 0.81) * rng.standard_normal(50), rng.standard_normal(50)])
    shaped = PosteriorMixture.fit(mu, np.full((50, 3), np.log(1e-6)))
    assert shaped.correlation == pytest.approx(np.corrcoef(mu, rowvar=False))
    diagonal = PosteriorMixture(shaped.centres, shaped.spreads, shaped.bandwidth)
    noise = _noise(200_000, 3, seed=2)
    real = np.corrcoef(mu, rowvar=False)[0, 1]
    assert np.corrcoef(shaped.draw({}, noise), rowvar=False)[0, 1] == pytest.approx(real, abs=0.005)
    assert np.corrcoef(diagonal.draw({}, noise), rowvar=False)[0, 1] < real - 0.1   # 50 ** -0.4 = 0.21 wider
    # one component, no posterior spread: z1 | z0 = v is N(rho v, 1 - rho^2), the kernel's own conditional
    rho = 0.6
    single = PosteriorMixture(np.zeros((1, 2)), np.ones((1, 2)), np.ones(2), np.array([[1.0, rho], [rho, 1.0]]))
    covary = single.draw({0: 2.0}, noise_2 := _noise(200_000, 2, seed=4), "covary")
    assert covary[:, 1].mean() == pytest.approx(rho * 2.0, abs=0.01)
    assert covary[:, 1].var() == pytest.approx(1 - rho ** 2, abs=0.01)
    assert single.draw({0: 2.0}, Noise.held(3, 2), "covary")[:, 1] == pytest.approx([rho * 2.0] * 3)
    isolate = single.draw({0: 2.0}, noise_2, "isolate")      # the marginal, whatever z0
    assert isolate[:, 1].mean() == pytest.approx(0.0, abs=0.01) and isolate[:, 1].var() == pytest.approx(1.0, abs=0.01)
    with pytest.raises(ValueError, match="Noise.kernel"):
        single.draw({}, Noise(noise_2.normal, noise_2.uniform))
    copied = PosteriorMixture.fit(np.column_stack([shared, shared, np.zeros(50)]), np.full((50, 3), np.log(1e-6)))
    assert copied.correlation[2] == pytest.approx([0, 0, 1])   # a latent that never moves: no correlation
    assert np.isfinite(copied.draw({0: 1.0, 1: 1.0}, _noise(100, 3))).all()   # a copied latent still factorises


def test_a_far_slider_value_still_picks_the_nearest_component():
    mixture = PosteriorMixture(np.array([[-1.0, 5.0], [1.0, -5.0]]), np.full((2, 2), 0.1), np.zeros(2))
    z = mixture.draw({0: 10.0}, _noise(50, 2))       # density underflows for both: the nearer one wins
    assert np.isfinite(z).all() and np.all(np.abs(z[:, 1] + 5.0) < 1.0)


def test_same_noise_same_rows_and_the_fit_widens_the_posteriors():
    assert np.array_equal(Noise.draw(5, 3, seed=7).normal, Noise.draw(5, 3, seed=7).normal)
    assert not np.array_equal(Noise.draw(5, 3, seed=7).uniform, Noise.draw(5, 3, seed=8).uniform)
    rng = np.random.default_rng(0)
    mu, logvar = rng.standard_normal((50, 4)) * [1.0, 2.0, 0.0, 1.0], np.full((50, 4), np.log(0.01))
    mixture = PosteriorMixture.fit(mu, logvar)
    width = 50 ** (-1 / 5) * mu.std(axis=0)                       # Scott's rule, one latent at a time
    assert mixture.bandwidth == pytest.approx(width)
    assert mixture.spreads == pytest.approx(np.broadcast_to(np.sqrt(0.01 + width ** 2), (50, 4)))
    assert np.array_equal(mixture.centres, mu)
    # more latents (detail latents beside the semantic ones) leave the others' width alone
    wider = PosteriorMixture.fit(np.hstack([mu, rng.standard_normal((50, 8))]), np.full((50, 12), np.log(0.01)))
    assert wider.bandwidth[:4] == pytest.approx(width)
    many = PosteriorMixture.fit(rng.standard_normal((MIXTURE_COMPONENTS + 500, 2)), np.zeros((MIXTURE_COMPONENTS + 500, 2)))
    assert many.centres.shape == (MIXTURE_COMPONENTS, 2)

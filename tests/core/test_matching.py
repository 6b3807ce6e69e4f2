"""Binarisation, Eq. 7, Algorithm 1, the optimal matching and Eq. 9."""
import numpy as np
import pytest

from core.matching import Match, binarise, clarity, distance, greedy_match, optimal_match, score

# The paper's Table 3: latent -> semantic index (Table 2 order) and matched distance.
TABLE_3 = [(4, 3, 0.032), (5, 1, 0.037), (0, 5, 0.022), (2, 6, 0.086),
           (3, 4, 0.044), (7, 0, 0.024), (1, 7, 0.036), (6, 2, 0.015)]


def table3_distances() -> np.ndarray:
    """An 8x8 D whose rows sum to 1 and whose best pairs are Table 3's."""
    d = np.zeros((8, 8))
    for latent, semantic, dist in TABLE_3:
        d[latent, :] = (1 - dist) / 7
        d[latent, semantic] = dist
    return d


def test_table3_arithmetic_gives_mi_70_4():
    matches = [Match(l, s, d) for l, s, d in TABLE_3]
    assert sum(m.distance for m in matches) == pytest.approx(0.296)
    assert clarity(matches) == pytest.approx(70.4)


def test_greedy_recovers_table3_in_order_of_distance():
    d = table3_distances()
    np.testing.assert_allclose(d.sum(axis=1), np.ones(8))
    matches = greedy_match(d)
    assert [(m.latent, m.semantic) for m in matches] == [
        (6, 2), (0, 5), (7, 0), (4, 3), (1, 7), (5, 1), (3, 4), (2, 6)]
    assert clarity(matches) == pytest.approx(70.4)


def test_greedy_and_optimal_differ():
    d = np.array([[0.10, 0.90], [0.15, 0.85]])
    greedy = greedy_match(d)        # takes 0.10 first, is left with 0.85
    optimal = optimal_match(d)      # 0.90 + 0.15 = 1.05 > 0.95, so here greedy is optimal; use a sharper case
    assert [(m.latent, m.semantic) for m in greedy] == [(0, 0), (1, 1)]
    d = np.array([[0.10, 0.20], [0.15, 0.90]])
    greedy, optimal = greedy_match(d), optimal_match(d)
    assert [(m.latent, m.semantic, m.distance) for m in greedy] == [(0, 0, 0.10), (1, 1, 0.90)]
    assert [(m.latent, m.semantic, m.distance) for m in optimal] == [(0, 1, 0.20), (1, 0, 0.15)]
    assert clarity(greedy) == pytest.approx(0.0)
    assert clarity(optimal) == pytest.approx(65.0)


def test_ties_break_by_lowest_latent_then_semantic():
    d = np.full((3, 3), 0.3)
    assert [(m.latent, m.semantic) for m in greedy_match(d)] == [(0, 0), (1, 1), (2, 2)]
    d = np.array([[0.5, 0.2, 0.2], [0.2, 0.5, 0.5]])
    assert [(m.latent, m.semantic) for m in greedy_match(d)][0] == (0, 1)


def test_unequal_sizes_match_min_of_both():
    assert len(greedy_match(np.random.default_rng(0).random((5, 3)))) == 3
    assert len(optimal_match(np.random.default_rng(0).random((2, 4)))) == 2


def test_binarise_against_column_mean():
    c = np.array([[0.5, 0.1, 0.34], [0.3, 0.1, 0.33], [0.2, 0.8, 0.33]])
    np.testing.assert_array_equal(binarise(c), [[1, 0, 1], [0, 0, 0], [0, 1, 0]])


def test_eq7_distance_by_hand():
    b = np.array([[1, 0, 1, 0], [0, 1, 0, 1]], dtype=float)
    r = np.array([[1, 0, 1, 0], [1, 1, 0, 0]], dtype=float)
    # latent 0: mismatches 0 and 2; latent 1: mismatches 4 and 2
    np.testing.assert_allclose(distance(b, r), [[0.0, 1.0], [4 / 6, 2 / 6]])


def test_score_is_consistent():
    rng = np.random.default_rng(2)
    weights = [rng.normal(size=(6, 10)), rng.normal(size=(3, 6))]
    r = (rng.random((4, 10)) > 0.6).astype(float)
    s = score(weights, r)
    assert s.contribution.shape == (3, 10) and s.distance.shape == (3, 4)
    np.testing.assert_allclose(s.distance.sum(axis=1), np.ones(3))
    assert len(s.matches) == 3 and s.mi_optimal >= s.mi - 1e-9
    assert s.mi == pytest.approx(clarity(greedy_match(s.distance)))

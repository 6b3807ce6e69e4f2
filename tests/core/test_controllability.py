"""The controllability metric: movement per semantic, in words and in numbers."""
import numpy as np
import pytest

from core.controllability import controllability, effects, summary


def test_effects_name_the_strongest_changes_in_words(small_fit):
    table, _, model = small_fit
    low = table.frame.copy()
    high = table.frame.copy()
    high["g0_c0"] = high["g0_c0"] - 2 * model.transformer.layout_[0].std   # falls by 2 std
    high["g0_c1"] = "是"                                                    # binary: all 是
    said = effects(low, high, model, [0, 1, 2])
    assert said[0] == "g0_c0 ↓" and said[1] == "g0_c1: 是 ↑" and len(said) == 2   # g0_c2 unchanged


def test_selectivity_is_own_over_other_and_hits_follow_the_largest_group(small_fit):
    _, semantics, model = small_fit
    controls = controllability(model, n_rows=200)
    assert [c.semantic for c in controls] == semantics.names and model.config.mode == "semantic"
    for control in controls:   # the semantic mode's masked decoder: each slider moves its own group only
        assert control.hit and control.own > 1.0 and control.other < 1e-6, control
        assert control.selectivity == pytest.approx(control.own / max(control.other, 0.001))
        assert control.direction in (-1, 1) and control.to_dict()["semantic"] == control.semantic
    result = summary(controls)
    assert result["matched"] == 4 and result["hits"] == sum(c.hit for c in controls)
    assert result["median_selectivity"] == pytest.approx(np.median([c.selectivity for c in controls]))


def test_flipped_slider_reports_the_opposite_direction(small_fit):
    _, _, model = small_fit
    forward = controllability(model, n_rows=200)
    backward = controllability(model, n_rows=200, low=2.0, high=-2.0)
    for f, b in zip(forward, backward):
        assert f.own == pytest.approx(b.own, rel=0.25)
        if f.effects and b.effects and f.effects[0].split()[0] == b.effects[0].split()[0] and "↑" in f.effects[0] \
                and ":" not in f.effects[0]:
            assert "↓" in b.effects[0]


def test_a_model_without_the_masked_decoder_is_told_apart(small_fit):
    """The paper's VAE on the same table: its sliders move other groups too, so selectivity
    falls far below the semantic mode's and not every slider hits."""
    from dataclasses import replace

    from core.training import fit

    table, semantics, model = small_fit
    paper = fit(table, semantics, replace(model.config, mode="paper"))
    controls = controllability(paper, n_rows=200)
    assert all(c.other > 0.05 for c in controls)
    assert summary(controls)["median_selectivity"] < 10 < summary(controllability(model, n_rows=200))["median_selectivity"]

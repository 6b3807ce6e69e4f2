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
    assert [c.semantic for c in controls] == semantics.names
    for control in controls:
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

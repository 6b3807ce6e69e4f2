"""core.figures: every label shown, long ones shortened on the axis but whole in the hover, and
names as text, not plotly's HTML."""
from __future__ import annotations

import numpy as np

from core.figures import CROWDED, heatmap, short


def test_short_labels_count_a_chinese_character_as_two_letters():
    assert short("age") == "age" and short("XY向跨度比") == "XY向跨度比"
    assert short("混凝土强度推定值(MPa)") == "混凝土强度推…"
    assert short("has_superstructure_mud_mortar_stone") == "has_superstr…"


def test_a_crowded_heatmap_shortens_its_axis_labels_only():
    columns = [f"梁最大裂缝宽度(mm) {n}" for n in range(CROWDED + 1)] + ["<b>x</b>"]
    figure = heatmap(np.zeros((2, len(columns))), ["z0", "z1"], columns, "C", "feature", "latent", "C").to_dict()
    axis, trace = figure["layout"]["xaxis"], figure["data"][0]
    assert list(trace["x"]) == list(axis["tickvals"]) and axis["dtick"] == 1
    assert trace["x"][0] == "梁最大裂缝宽度(mm) 0" and axis["ticktext"][0] == "梁最大裂缝宽…"
    assert trace["x"][-1] == axis["ticktext"][-1] == "&lt;b&gt;x&lt;/b&gt;"
    assert "%{x}" in trace["hovertemplate"]                          # the whole name on hover
    few = heatmap(np.zeros((1, 3)), ["z0"], ["a", "b", "c"], "C", "feature", "latent", "C").to_dict()
    assert "ticktext" not in few["layout"]["xaxis"]

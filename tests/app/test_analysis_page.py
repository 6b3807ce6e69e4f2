"""Analysis page: C (per column or per feature), B, D, both matchings with MI, traversal."""
from __future__ import annotations

import base64

import numpy as np

from core.semantics import SemanticMatrix
from tests.app.conftest import figure, open_page, texts

PAGE = "pages/analysis.py"


def test_shows_mi_heatmaps_and_both_matchings(trained):
    at = open_page(PAGE, trained)
    scores = trained.model.score(trained.semantics)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Clarity MI (greedy)"] == f"{scores.mi:.1f} %"
    assert metrics["Clarity MI (optimal)"] == f"{scores.mi_optimal:.1f} %"
    assert metrics["MI before fine-tuning"] == f"{trained.model.mi_before_finetune:.1f} %"
    assert [tab.label for tab in at.tabs] == ["Contribution C", "Binarised C", "Distance D",
                                              "Matches", "Controllability", "Traversal"]
    charts = at.get("plotly_chart")
    assert len(charts) == 4                               # C, B, D and the traversal
    greedy, optimal = at.dataframe[0].value, at.dataframe[1].value
    assert list(greedy.columns) == ["Latent", "Semantic", "Distance D"] and len(greedy) == 8
    assert set(optimal["Semantic"]) == set(trained.semantics.names)
    assert f"MI {scores.mi:.1f} %" in texts(at.markdown)


def test_contribution_per_encoded_column_and_traversal_choice(trained):
    at = open_page(PAGE, trained)
    per_feature = figure(at, 0)["data"][0]["x"]
    shares = array_of(figure(at, 0)["data"][0]["z"])     # as the caption says: each feature sums to 1
    np.testing.assert_allclose(shares.sum(axis=0), 1.0)
    assert figure(at, 0)["data"][0]["zmax"] == 1 and figure(at, 0)["layout"]["xaxis"]["dtick"] == 1
    at.toggle(key="c_per_feature").set_value(False).run()
    per_column = figure(at, 0)["data"][0]["x"]
    assert "长宽比" in per_feature and len(per_column) > len(per_feature)   # one-hot columns apart
    assert any(name.startswith("结构体系=") for name in per_column)
    at.selectbox(key="traversal_latent").set_value(3).run()
    assert figure(at, -1)["layout"]["title"]["text"].startswith("How generated rows change as z3")


def test_fewer_semantics_than_latents_leaves_latents_unnamed(trained):
    R = trained.semantics
    trained.semantics = SemanticMatrix(R.names[:5], R.features, R.values[:5])
    at = open_page(PAGE, trained)
    assert "only 5 pairs are matched" in texts(at.caption)
    assert len(at.dataframe[0].value) == 5


def test_controllability_sits_beside_mi(trained):
    from core.controllability import controllability
    at = open_page(PAGE, trained)
    expected = {c.semantic: c for c in controllability(trained.model, n_rows=300)}
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Sliders that steer their semantic"] == \
        f"{sum(c.hit for c in expected.values())} / {len(expected)}"
    table = next(d.value for d in at.dataframe if "selectivity" in d.value.columns)
    assert list(table["semantic"]) == list(expected)
    for row in table.itertuples():
        assert row.selectivity == round(expected[row.semantic].selectivity, 1)


def array_of(encoded) -> np.ndarray:
    """A plotly JSON array: a list, or numpy's bytes as {"dtype", "bdata", "shape"}."""
    if not isinstance(encoded, dict):
        return np.array(encoded, dtype=float)
    values = np.frombuffer(base64.b64decode(encoded["bdata"]), dtype=encoded["dtype"])
    shape = encoded.get("shape")
    return values.reshape([int(n) for n in str(shape).split(",")] if shape else -1)

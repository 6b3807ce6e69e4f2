"""The R workbench: every single tick flip scored at once equals scoring the flipped R from scratch."""
from __future__ import annotations

import json

import numpy as np
import pytest

from core.matching import greedy_match
from core.workbench import flip_mi, flipped, greedy_mi, suggestions
from tests.conftest import cli as run


def test_batched_greedy_equals_algorithm_1():
    rng = np.random.default_rng(0)
    stack = rng.random((50, 6, 4))
    stack[3] = 0.5                                          # ties everywhere: lowest latent, then semantic
    expected = [(1 - sum(m.distance for m in greedy_match(d))) * 100 for d in stack]
    np.testing.assert_allclose(greedy_mi(stack), expected)


def test_every_flip_scores_as_the_flipped_r_does(small_fit):
    _, semantics, model = small_fit
    flips, mi = flip_mi(model, semantics)
    assert len(flips) == len(semantics.names) * len(semantics.features)
    for (k, f), value in zip(flips, mi):
        changed = flipped(semantics, semantics.names[k], semantics.features[f], 1 - semantics.values[k, f])
        assert value == pytest.approx(model.score(changed).mi, abs=1e-9)


def test_suggestions_are_best_first_and_say_the_new_tick(small_fit):
    _, semantics, model = small_fit
    found = suggestions(model, semantics)
    assert [s["delta"] for s in found] == sorted((s["delta"] for s in found), reverse=True)
    best = found[0]
    k, f = semantics.names.index(best["semantic"]), semantics.features.index(best["feature"])
    assert best["value"] == 1 - semantics.values[k, f]
    assert best["mi"] == pytest.approx(model.score().mi + best["delta"])
    assert len(suggestions(model, semantics, top=5)) == 5


def test_report_suggest_matches_report_semantics_on_the_sample(tmp_path):
    from pathlib import Path
    sample = Path(__file__).resolve().parents[2] / "sample_data"
    assert run("fit", sample / "buildings_30.csv", "--semantics", sample / "semantics.csv", "--out", "p.zip",
               "--epochs", "60", "--finetune-epochs", "20", cwd=tmp_path).returncode == 0
    report = json.loads(run("report", "p.zip", "--suggest", cwd=tmp_path).stdout)
    best = report["suggestions"][0]
    assert set(best) == {"semantic", "feature", "value", "mi", "delta"}
    from core.semantics import SemanticMatrix
    r = SemanticMatrix.from_csv(sample / "semantics.csv", report["input_columns"])
    (tmp_path / "R2.csv").write_bytes(flipped(r, best["semantic"], best["feature"], best["value"]).to_csv_bytes())
    again = json.loads(run("report", "p.zip", "--semantics", "R2.csv", cwd=tmp_path).stdout)
    assert again["mi"] == pytest.approx(best["mi"], abs=0.05)


def test_variants_round_trip_in_one_file_and_their_diff(small_fit):
    from core.semantics import SemanticMatrix
    from core.workbench import tick_diff, variants_from_csv, variants_to_csv
    _, semantics, _ = small_fit
    other = flipped(semantics, "S0", semantics.features[5], 1)
    fewer = SemanticMatrix(semantics.names[:2], semantics.features, semantics.values[:2])
    variants = {"base": semantics, "more": other, "两个": fewer}
    back = variants_from_csv(variants_to_csv(variants), semantics.features)
    assert list(back) == ["base", "more", "两个"]
    for name, r in variants.items():
        assert back[name].names == r.names and (back[name].values == r.values).all()
    diff = tick_diff(semantics, other)
    assert diff.to_dict("records") == [{"semantic": "S0", "feature": semantics.features[5], "a": 0, "b": 1}]
    assert len(tick_diff(semantics, fewer)) == int(semantics.values[2:].sum())   # dropped semantics' ticks
    with pytest.raises(Exception, match="first column must be 'variant'"):
        variants_from_csv(semantics.to_csv_bytes(), semantics.features, "R.csv")


def test_explain_names_the_latent_its_drivers_and_the_mismatches(small_fit):
    from core.workbench import explain
    _, semantics, model = small_fit
    found = explain(model, semantics, "S1")
    assert found["latent"] == next(m.latent for m in model.score().matches if m.semantic == 1)
    drivers = found["drivers"]
    assert list(drivers) == sorted(drivers, reverse=True) and set(drivers.index) == set(model.transformer.features_)
    even = 1 / model.semantic_dim   # the even share over the latents of Eq. 4
    own = [f for f in semantics.features if f.startswith("g1_")]
    assert set(found["weak"]) == {f for f in own if drivers[f] <= even}
    assert set(found["strong"]) == {f for f in drivers.index if f not in own and drivers[f] > even}
    assert drivers[own].mean() > drivers.drop(own).mean()       # a fine-tuned latent leans on its own group

"""Fidelity, validity, novelty and privacy on small cases computed by hand; the CLI end to end.

sdmetrics cannot be installed here (licence), so the expected numbers below are worked
out by hand from the definitions SDMetrics documents, not compared with its output.
"""
import json

import numpy as np
import pandas as pd
import pytest

from core import evaluation
from core.cli import main
from core.errors import InputError
from core.evaluation import (
    CopyIndex,
    closest_distances,
    column_shapes,
    contingency_similarity,
    correlation_similarity,
    dcr_ratio,
    evaluate,
    exact_copy_rate,
    fidelity,
    ks_similarity,
    pair_trends,
    quantile_bins,
    random_rows,
    tvd_similarity,
    validity,
)
from core.generation import generate
from core.roles import Role
from core.transformer import Span, TableTransformer
from tests.conftest import cli as run
from tests.conftest import factor_table

NUM = Span("x", Role.CONTINUOUS, 0, 1, low=0.0, high=10.0)
CAT = Span("c", Role.CATEGORICAL, 1, 3, categories=("a", "b"))


def test_ks_similarity_of_tiny_samples():
    # ECDFs of {1,2,3,4} and {3,4,5,6} differ most by 0.5 (at 2 and at 4)
    assert ks_similarity([1, 2, 3, 4], [3, 4, 5, 6]) == pytest.approx(0.5)
    assert ks_similarity([1, 2, 3], [3, 2, 1]) == pytest.approx(1.0)
    assert ks_similarity([1, 2], [3, 4]) == pytest.approx(0.0)


def test_ks_similarity_is_scipys_statistic_ties_included():
    from scipy.stats import ks_2samp
    rng = np.random.default_rng(5)
    for n_real, n_synthetic, discrete in [(30, 1000, True), (30, 1000, False), (7, 3, True), (1, 50, False)]:
        draw = (lambda n: rng.integers(0, 5, n).astype(float)) if discrete else (lambda n: rng.normal(size=n))
        real, synthetic = draw(n_real), draw(n_synthetic) + 0.5
        expected = 1.0 - ks_2samp(real, synthetic, method="asymp").statistic
        assert ks_similarity(real, synthetic) == expected
    assert np.isnan(ks_similarity([1.0, np.nan], [1.0, 2.0]))


def test_tvd_similarity_counts_labels_only_one_side_has():
    # p = a .5, b .25, c .25; q = a .25, b .5, d .25 -> sum |p - q| = .25 + .25 + .25 + .25 = 1
    real, synthetic = pd.Series(list("aabc")), pd.Series(list("abbd"))
    assert tvd_similarity(real, synthetic) == pytest.approx(1 - 0.5)
    assert tvd_similarity(real, real.iloc[::-1]) == pytest.approx(1.0)


def test_missing_cells_are_a_label_of_their_own():
    # another generator's rows may have gaps: p = a .5, b .5; q = a .5, missing .5 -> TVD .5
    real, synthetic = pd.Series(list("aabb")), pd.Series(["a", "a", None, np.nan], dtype=object)
    assert tvd_similarity(real, synthetic) == pytest.approx(0.5)
    assert contingency_similarity(real, real, synthetic, synthetic) == pytest.approx(0.5)


def test_correlation_similarity_by_hand():
    a = [1, 2, 3]
    assert correlation_similarity(a, [1, 2, 3], a, [3, 2, 1]) == pytest.approx(0.0)   # +1 vs -1
    # rho([1,2,3], [1,3,2]) = cov 1 / sqrt(2 * 2) = 0.5 -> 1 - |1 - 0.5| / 2
    assert correlation_similarity(a, [1, 2, 3], a, [1, 3, 2]) == pytest.approx(0.75)
    # a constant column counts as rho = 0
    assert correlation_similarity(a, [1, 2, 3], a, [5, 5, 5]) == pytest.approx(0.5)


def test_contingency_similarity_by_hand():
    # real cells: (x,p) .5, (y,q) .5; synthetic: (x,p) .25, (x,q) .25, (y,q) .5 -> TVD .25
    real_a, real_b = pd.Series(list("xxyy")), pd.Series(list("ppqq"))
    synthetic_a, synthetic_b = pd.Series(list("xxyy")), pd.Series(list("pqqq"))
    assert contingency_similarity(real_a, real_b, synthetic_a, synthetic_b) == pytest.approx(0.75)
    assert contingency_similarity(real_a, real_b, real_a, real_b) == pytest.approx(1.0)


def test_quantile_bins_follow_the_real_data_and_merge_ties():
    real, synthetic = pd.Series([1.0, 2, 3, 4]), pd.Series([0.0, 2.6, 99])
    r, s = quantile_bins(real, synthetic, n_bins=2)          # median 2.5 splits the bins
    assert r.tolist() == [0, 0, 1, 1] and s.tolist() == [0, 1, 1]
    r, _ = quantile_bins(pd.Series([0.0, 0, 0, 0, 1]), synthetic, n_bins=4)
    assert r.tolist() == [0, 0, 0, 0, 0]                      # all quantiles tie at 0 but the max


def _frames():
    real = pd.DataFrame({"x": [1.0, 2, 3, 4], "c": ["a", "a", "b", "b"]})
    synthetic = pd.DataFrame({"x": [1.0, 2, 3, 9], "c": ["a", "b", "b", "b"]})
    return real, synthetic


def test_mixed_pair_uses_quantile_bins_and_the_overall_score_is_the_mean_of_both():
    real, synthetic = _frames()
    pairs = pair_trends(real, synthetic, [NUM, CAT], n_bins=2)
    # bins at the real median 2.5: real cells (0,a) .5 (1,b) .5; synthetic (0,a) .25 (0,b) .25 (1,b) .5
    assert pairs.to_dict(orient="records") == [
        {"column_a": "x", "column_b": "c", "metric": "contingency", "score": pytest.approx(0.75)}]
    shapes = column_shapes(real, synthetic, [NUM, CAT])
    assert shapes["metric"].tolist() == ["KS", "TVD"]
    assert shapes["score"].tolist() == pytest.approx([0.75, 0.75])   # KS gap .25; TVD .25
    result = fidelity(real, synthetic, [NUM, CAT], n_bins=2)
    assert result.score == pytest.approx((0.75 + 0.75) / 2)
    assert result.to_dict()["columns"] == {"x": {"metric": "KS", "score": 0.75},
                                           "c": {"metric": "TVD", "score": 0.75}}


def test_two_numeric_columns_use_correlation():
    y = Span("y", Role.INTEGER, 1, 2, low=0, high=5)
    real = pd.DataFrame({"x": [1.0, 2, 3], "y": [1.0, 2, 3]})
    pairs = pair_trends(real, pd.DataFrame({"x": [1.0, 2, 3], "y": [3.0, 2, 1]}), [NUM, y])
    assert pairs["metric"].tolist() == ["correlation"] and pairs["score"].tolist() == [0.0]


def test_pair_trends_score_every_numeric_pair_as_correlation_similarity_does():
    rng = np.random.default_rng(3)   # four numbers, one constant on the generated side
    spans = [Span(name, Role.CONTINUOUS, i, i + 1, low=-9.0, high=9.0) for i, name in enumerate("wxyz")]
    real = pd.DataFrame(rng.normal(size=(50, 4)) @ rng.normal(size=(4, 4)), columns=list("wxyz"))
    synthetic = pd.DataFrame(rng.normal(size=(80, 4)), columns=list("wxyz")).assign(y=2.0)
    pairs = pair_trends(real, synthetic, spans)
    assert len(pairs) == 6
    for pair in pairs.itertuples():
        a, b = pair.column_a, pair.column_b
        assert pair.score == pytest.approx(correlation_similarity(real[a], real[b], synthetic[a], synthetic[b]),
                                           abs=1e-12)


def test_validity_counts_out_of_range_numbers_and_unseen_labels():
    synthetic = pd.DataFrame({"x": [0.0, 5, 11], "c": ["a", "z", "b"]})
    result = validity(synthetic, [NUM, CAT])
    assert result["numeric_in_range"] == pytest.approx(2 / 3)
    assert result["categories_seen"] == pytest.approx(2 / 3)
    assert result["columns"] == pytest.approx({"x": 2 / 3, "c": 2 / 3})
    assert validity(pd.DataFrame({"x": [0.0, 10.0], "c": ["a", "b"]}), [NUM, CAT])["numeric_in_range"] == 1.0


def test_exact_copies_compare_numbers_at_the_real_decimals_and_every_column():
    real = pd.DataFrame({"x": [0.12, 0.50], "c": ["a", "b"]})
    synthetic = pd.DataFrame({"x": [0.1200004, 0.13, 0.5, 0.5], "c": ["a", "a", "a", "b"]})
    # row 0 rounds to (0.12, a): a copy; row 3 is (0.50, b): a copy; rows 1 and 2 are not
    assert exact_copy_rate(real, synthetic) == pytest.approx(0.5)


def test_the_copy_index_counts_the_real_rows_that_repeat_at_the_same_precision():
    real = pd.DataFrame({"x": [0.12, 0.12, 0.5, 0.5, 0.5, 0.7], "c": ["a", "a", "b", "b", "c", "c"]})
    assert CopyIndex.of(real).repeats == 4           # rows 0-1 (0.12, a) and 2-3 (0.5, b); 4 and 5 are alone
    assert CopyIndex.of(pd.DataFrame({"x": [0.1 + 0.2, 0.3, 0.4]})).repeats == 2   # 0.30000000000000004 is 0.3


def test_closest_distance_is_gower_like():
    real = pd.DataFrame({"x": [0.0, 10.0], "c": ["a", "b"]})
    rows = pd.DataFrame({"x": [2.0, 10.0, 30.0], "c": ["a", "a", "b"]})
    # (2, a): to (0, a) (0.2 + 0) / 2 = 0.1; (10, a): to (10, b) (0 + 1) / 2 = 0.5, to (0, a) 0.5;
    # (30, b): |30 - 10| / 10 clipped to 1 -> to (10, b) (1 + 0) / 2 = 0.5
    assert closest_distances(rows, real, [NUM, CAT]).tolist() == pytest.approx([0.1, 0.5, 0.5])


@pytest.mark.parametrize("limits", [None, (30, 40)], ids=["every row", "subsampled"])
def test_dcr_ratio_orders_copies_below_near_rows_below_noise(limits, monkeypatch):
    if limits is not None:   # what a large table gets: 30 rows searched among 40 of the 60 real rows
        monkeypatch.setattr(evaluation, "DCR_ROWS", limits[0])
        monkeypatch.setattr(evaluation, "DCR_REAL", limits[1])
    table, _ = factor_table(n_rows=60, seed=1)
    layout = TableTransformer().fit(table).layout_
    real = table.frame
    copies = real.sample(60, random_state=0, replace=True).reset_index(drop=True)
    near = copies.copy()
    rng = np.random.default_rng(0)
    for span in layout:
        if span.kind == "numeric":   # nudge every number by 5 % of its range
            near[span.name] = np.clip(near[span.name] + 0.05 * (span.high - span.low) * rng.choice([-1, 1], 60),
                                      span.low, span.high)
    noise = random_rows(layout, 60, seed=5)
    ratios = [dcr_ratio(real, rows, layout, seed=1)[0] for rows in (copies, near, noise)]
    assert ratios[0] == 0.0 and 0 < ratios[1] < 0.5 < ratios[2]
    assert dcr_ratio(real, near, layout, seed=1)[0] == ratios[1]             # seeded
    assert ratios[2] == pytest.approx(1.0, abs=0.2)
    assert validity(noise, layout)["numeric_in_range"] == 1.0 == validity(noise, layout)["categories_seen"]


def test_evaluate_generates_a_bounded_number_of_rows(small_fit, monkeypatch):
    table, _, model = small_fit
    monkeypatch.setattr(evaluation, "MAX_GENERATED", 120)   # a large table: more rows than this
    assert evaluate(model, table.frame, seed=1)["n_generated"] == 120


def test_evaluate_scores_a_trained_model(small_fit):
    table, _, model = small_fit
    report = evaluate(model, table.frame, seed=1)
    assert report["n_generated"] == 500 and report["n_real"] == 30
    assert report["fidelity"] == pytest.approx((report["column_shapes"] + report["pair_trends"]) / 2)
    assert 0.5 < report["fidelity"] <= 1 and set(report["columns"]) == set(table.features)
    assert report["validity"]["numeric_in_range"] == 1.0 == report["validity"]["categories_seen"]
    assert 0 <= report["exact_copy_rate"] < 0.2 and 0 < report["dcr_ratio"] < 1
    assert report["exact_copy_rate"] == exact_copy_rate(table.frame[table.features], generate(model, 500, seed=1))
    assert report["real_repeat_rate"] == table.frame[table.features].duplicated(keep=False).mean()
    assert evaluate(model, table.frame, seed=1) == report                  # seeded
    with pytest.raises(InputError, match="g0_c0"):
        evaluate(model, table.frame.drop(columns=["g0_c0"]))


# ---------------------------------------------------------------- the command line


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("evaluate")
    table, semantics = factor_table(n_rows=40, n_groups=3, per_group=4, seed=4)
    table.frame.to_csv(folder / "data.csv", index=False)
    (folder / "R.csv").write_bytes(semantics.to_csv_bytes())
    result = run("fit", "data.csv", "--semantics", "R.csv", "--out", "p.zip", "--epochs", "40",
                 "--finetune-epochs", "10", "--hidden", "16", cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder, table


def test_cli_evaluate_prints_one_json_object_with_every_figure(fitted):
    folder, table = fitted
    minority = table.frame["g0_c1"].value_counts().idxmin()
    result = run("evaluate", "p.zip", "--real", "data.csv", "--label", "g0_c1", "--minority", minority,
                 "--n", "10", cwd=folder)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    for key in ("fidelity", "column_shapes", "pair_trends", "columns", "validity", "exact_copy_rate",
                "dcr_ratio", "controllability", "augmentation"):
        assert key in report, key
    assert report["n_generated"] == 500 and len(report["controllability"]) == 3
    assert {"semantic", "latent", "own", "other", "selectivity", "hit"} <= set(report["controllability"][0])
    augmentation = report["augmentation"]
    assert augmentation["minority"] == minority and augmentation["n_new"] == 10
    assert set(augmentation["routes"]) == {"real", "real+vae", "real+smote_nc"}
    assert 0 <= augmentation["routes"]["real+vae"]["macro_f1"] <= 1
    gain = augmentation["vae_minus_smote_nc"]   # strict JSON: a number or null, never NaN
    assert gain["splits"] == 5 and gain["verdict"] in {"ahead", "behind", "level"}
    assert gain["macro_f1"] == pytest.approx(augmentation["routes"]["real+vae"]["macro_f1"]
                                             - augmentation["routes"]["real+smote_nc"]["macro_f1"])
    plain = json.loads(run("evaluate", "p.zip", "--real", "data.csv", cwd=folder).stdout)
    assert "augmentation" not in plain and plain["fidelity"] == report["fidelity"]


def test_cli_evaluate_refit_says_each_split_as_it_ends(fitted):
    folder, table = fitted
    minority = table.frame["g0_c1"].value_counts().idxmin()
    result = run("evaluate", "p.zip", "--real", "data.csv", "--label", "g0_c1", "--minority", minority,
                 "--n", "10", "--refit", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["augmentation"]["refit"]
    assert [line for line in result.stderr.splitlines() if "compared" in line] == \
        [f"note: split {k} of 5 compared" for k in range(1, 6)]


@pytest.mark.parametrize("edit, args, fragment", [
    (lambda f: f.drop(columns=["g1_c0"]), [], "column 'g1_c0' is missing"),
    (lambda f: f, ["--label", "g0_c1"], "--label and --minority go together"),
    (lambda f: f, ["--label", "g0_c0", "--minority", "1"], "holds numbers"),
    (lambda f: f, ["--label", "g0_c1", "--minority", "maybe"], "'maybe' is not a class"),
])
def test_cli_evaluate_refuses_bad_input_with_one_error_line(fitted, edit, args, fragment, capsys):
    folder, table = fitted
    edit(table.frame).to_csv(folder / "other.csv", index=False)
    code = main(["evaluate", str(folder / "p.zip"), "--real", str(folder / "other.csv"), *args])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith("error:") and fragment in err and len(err.strip().splitlines()) == 1

"""Minority-class rows from the VAE, SMOTE-NC rows, the split and the classifier comparison."""
import numpy as np
import pandas as pd
import pytest
import torch

import core.augmentation as augmentation
import core.augmentation_check as augmentation_check
from core.augmentation import (augment, balance_count, check_label, class_counts, class_probability,
                               interpolate_class, label_probability, latent_neighbours, sample_class,
                               smote_nc_neighbours)
from core.augmentation_check import (MAX_FORESTS, _Design, compare, forests, paired_gain, smote_nc_rows,
                                     stratified_split)
from core.errors import InputError
from core.roles import Role
from core.transformer import Span

LABEL = "g1_c2"   # categorical 低 / 中 / 高 in tests.conftest.factor_table


def _rare(table) -> str:
    return table.frame[LABEL].value_counts().idxmin()


def test_sampled_rows_are_all_of_the_class_and_reproducible(small_fit):
    table, _, model = small_fit
    value = _rare(table)
    sample = sample_class(model, table.frame, LABEL, value, 40, seed=3)
    assert len(sample.rows) == 40 and (sample.rows[LABEL] == value).all()
    assert list(sample.rows.columns) == table.features
    assert 0 < sample.acceptance <= 1 and sample.n_drawn >= 40
    again = sample_class(model, table.frame, LABEL, value, 40, seed=3).rows
    pd.testing.assert_frame_equal(again, sample.rows)
    assert not sample_class(model, table.frame, LABEL, value, 40, seed=4).rows.equals(again)


def test_augment_says_so_when_the_model_will_not_decode_the_class(small_fit, monkeypatch):
    table, _, model = small_fit
    value = _rare(table)
    monkeypatch.setattr(augmentation, "class_probability", lambda out, span, value: np.zeros(len(out)))
    sample = sample_class(model, table.frame, LABEL, value, 5)
    assert sample.rows.empty and sample.n_drawn == 5 * augmentation.MAX_DRAWS_PER_ROW
    assert any("0%" in str(note) for note in sample.notes)
    one = pd.concat([table.frame[table.frame[LABEL] != value], table.frame[table.frame[LABEL] == value].head(1)])
    with pytest.raises(InputError, match=f"'{value}' has one row only, so its rows are drawn around it: "
                                         "made 0 of 5 in 100 draws; ask for fewer rows"):   # the posterior route
        augment(model, one, LABEL, value, 5)


def test_interpolated_rows_lie_between_rows_of_the_class(small_fit):
    table, _, model = small_fit
    value = _rare(table)
    own = table.frame[table.frame[LABEL] == value]
    sample = interpolate_class(model, table.frame, LABEL, value, 200, seed=2)
    rows = sample.rows
    assert len(rows) == 200 and (rows[LABEL] == value).all() and list(rows.columns) == table.features
    assert sample.acceptance == 1 and not sample.notes
    for span in model.transformer.layout_:
        if span.kind == "numeric":   # between two rows of the class (up to the column's rounding)
            slack = 0.5 if span.role is Role.INTEGER else 10.0 ** -span.decimals
            assert own[span.name].min() - slack <= rows[span.name].min()
            assert rows[span.name].max() <= own[span.name].max() + slack
        else:                        # a label some row of the class has
            assert set(rows[span.name]) <= set(own[span.name].astype(str))
    continuous = [s.name for s in model.transformer.layout_ if s.role is Role.CONTINUOUS]
    assert not rows[continuous[0]].isin(own[continuous[0]]).all()   # new values, not copies
    again = interpolate_class(model, table.frame, LABEL, value, 200, seed=2).rows
    pd.testing.assert_frame_equal(again, rows)
    assert not interpolate_class(model, table.frame, LABEL, value, 200, seed=3).rows.equals(rows)
    pd.testing.assert_frame_equal(augment(model, table.frame, LABEL, value, 200, seed=2), rows)


def test_half_the_pairs_come_from_the_latent_neighbours_and_half_from_smote_nc_s(small_fit, monkeypatch):
    table, _, model = small_fit
    value = _rare(table)
    own = table.frame[table.frame[LABEL] == value]
    column = next(s.name for s in model.transformer.layout_ if s.role is Role.CONTINUOUS)

    def copies() -> float:   # a row paired with itself is a copy of it
        rows = interpolate_class(model, table.frame, LABEL, value, 1000, seed=0).rows
        return rows[column].isin(own[column]).mean()

    def itself(m: int, k: int) -> np.ndarray:
        return np.repeat(np.arange(m)[:, None], k, axis=1)

    monkeypatch.setattr(augmentation, "latent_neighbours", lambda mu, k: itself(len(mu), k))
    assert 0.4 < copies() < 0.6
    monkeypatch.setattr(augmentation, "smote_nc_neighbours", lambda own, numbers, k: itself(len(own), k))
    assert copies() == 1.0


def test_the_neighbour_searches_by_hand(monkeypatch):
    mu = np.array([[0.0, 0.0], [0.0, 1.0], [5.0, 5.0], [0.0, 3.0]])
    assert latent_neighbours(mu, 2).tolist() == [[1, 3], [0, 3], [3, 1], [1, 0]]
    own = pd.DataFrame({"size": [0.0, 1.0, 10.0, 1.0], "kind": list("aaab")})   # spread: median sd = 4.1
    assert smote_nc_neighbours(own, ["size"], 2).tolist() == [[1, 3], [0, 3], [1, 3], [1, 0]]
    monkeypatch.setattr(augmentation, "NEAREST_BLOCK", 1)   # one row at a time: the same
    assert latent_neighbours(mu, 2).tolist() == [[1, 3], [0, 3], [3, 1], [1, 0]]
    assert smote_nc_neighbours(own, ["size"], 2).tolist() == [[1, 3], [0, 3], [1, 3], [1, 0]]


@pytest.mark.parametrize("block", [1, 50, 2 ** 24])
def test_the_fast_neighbour_search_orders_as_sorting_every_distance_does(monkeypatch, block):
    rng = np.random.default_rng(0)
    points = np.round(rng.normal(size=(60, 3)) * 1e4, -3)   # large units, many equal distances
    points[10:20] = points[0]                                # duplicates: ties at distance 0
    codes = rng.integers(0, 3, size=(60, 4))
    distance = ((points[:, None] - points[None]) ** 2).sum(-1) + 7.5 * (codes[:, None] != codes[None]).sum(-1)
    np.fill_diagonal(distance, np.inf)
    monkeypatch.setattr(augmentation, "NEAREST_BLOCK", block)
    assert np.array_equal(augmentation._nearest(points, 6, codes, 7.5),
                          np.argsort(distance, axis=1, kind="stable")[:, :6])


@pytest.mark.parametrize("logit, more", [(50.0, True), (-50.0, False)])
def test_the_decoder_chooses_between_the_two_rows_labels(small_fit, monkeypatch, logit, more):
    # a decoder sure of the second label of every binary column: a pair that differs takes it
    table, _, model = small_fit
    value = _rare(table)
    own = table.frame[table.frame[LABEL] == value]
    monkeypatch.setattr(model.vae, "decode", lambda z: torch.full((len(z), model.transformer.n_columns), logit))
    rows = interpolate_class(model, table.frame, LABEL, value, 400, seed=0).rows
    mixed = [s for s in model.transformer.layout_ if s.kind == "binary" and own[s.name].nunique() == 2]
    assert mixed
    for span in mixed:
        share = (rows[span.name] == span.categories[1]).mean()
        real_share = (own[span.name] == span.categories[1]).mean()
        assert share > real_share if more else share < real_share


def test_label_probability_by_hand():
    binary = Span("b", Role.BINARY, 0, 1, categories=("否", "是"))
    onehot = Span("c", Role.CATEGORICAL, 1, 4, categories=("x", "y", "z"))
    out = np.array([[np.log(3), np.log(2), 0.0, np.log(7)], [np.log(3), np.log(2), 0.0, np.log(7)]])
    # sigmoid(log 3) = 3/4; softmax of (log 2, 0, log 7) = (2, 1, 7) / 10
    assert label_probability(out, binary, np.array([[1.0], [0.0]])).tolist() == pytest.approx([0.75, 0.25])
    assert label_probability(out, onehot, np.array([[0, 0, 1.0], [1.0, 0, 0]])).tolist() == pytest.approx([0.7, 0.2])


def test_class_probability_by_hand():
    binary = Span("b", Role.BINARY, 0, 1, categories=("否", "是"))
    onehot = Span("c", Role.CATEGORICAL, 1, 4, categories=("x", "y", "z"))
    out = np.array([[0.0, 0.0, 0.0, 0.0], [np.log(3), np.log(2), 0.0, np.log(7)]])
    # sigmoid(0) = 1/2, sigmoid(log 3) = 3/4; softmax of (log 2, 0, log 7) = (2, 1, 7) / 10
    assert class_probability(out, binary, "是").tolist() == pytest.approx([0.5, 0.75])
    assert class_probability(out, binary, "否").tolist() == pytest.approx([0.5, 0.25])
    assert class_probability(out, onehot, "y").tolist() == pytest.approx([1 / 3, 0.1])


@pytest.mark.parametrize("label, value, fragment", [
    ("nope", "x", "not a column the model was trained on"),
    ("g0_c0", "1", "holds numbers"),
    (LABEL, "巨大", "is not a class"),
])
def test_bad_labels_are_refused(small_fit, label, value, fragment):
    table, _, model = small_fit
    with pytest.raises(InputError, match=fragment):
        check_label(model, table.frame, label, value)


def test_a_class_absent_from_the_rows_is_refused(small_fit):
    table, _, model = small_fit
    value = _rare(table)
    with pytest.raises(InputError, match="has 0 row"):
        sample_class(model, table.frame[table.frame[LABEL] != value], LABEL, value, 3)


def test_stratified_split_puts_every_class_of_two_or_more_rows_in_both_parts():
    labels = pd.Series(["a"] * 10 + ["b"] * 2 + ["c"])
    train, test = stratified_split(labels, 0.3, np.random.default_rng(0))
    assert sorted(np.r_[train, test]) == list(range(13)) and not set(train) & set(test)
    assert labels[test].value_counts().to_dict() == {"a": 3, "b": 1}   # round(0.3 * 10); at least 1
    assert labels[train].value_counts().to_dict() == {"a": 7, "b": 1, "c": 1}


def test_balance_count():
    counts = class_counts(pd.Series([1, 1, 1, 1, 2]))   # classes coded as numbers count as text
    assert counts.to_dict() == {"1": 4, "2": 1}
    assert balance_count(counts, "2") == 3 and balance_count(counts, "1") == 1


def test_smote_nc_rows_stay_within_the_class(small_fit):
    table, _, model = small_fit
    value = _rare(table)
    numeric = [s.name for s in model.transformer.layout_ if s.kind == "numeric"]
    own = table.frame[table.frame[LABEL] == value]
    rows = smote_nc_rows(table.frame, LABEL, value, 25, numeric, seed=0)
    assert len(rows) == 25 and (rows[LABEL] == value).all() and list(rows.columns) == table.features
    for name in numeric:   # SMOTE interpolates between rows of the class
        assert own[name].min() - 1e-9 <= rows[name].min() and rows[name].max() <= own[name].max() + 1e-9
    for name in set(table.features) - set(numeric):
        assert set(rows[name]) <= set(own[name])
    two = pd.concat([table.frame[table.frame[LABEL] != value].iloc[:20], own.iloc[:2]])
    assert len(smote_nc_rows(two, LABEL, value, 4, numeric, seed=0)) == 4   # k_neighbors cut to 1
    assert smote_nc_rows(pd.concat([two.iloc[:20], own.iloc[:1]]), LABEL, value, 4, numeric, 0) is None


def test_smote_nc_interpolates_towards_near_rows_and_takes_the_neighbours_label():
    # the class: six rows near 0 labelled x, one far row labelled y; k = 5
    train = pd.DataFrame({"size": [0.0, 1, 2, 3, 4, 5, 100, 50], "kind": list("xxxxxxyz"),
                          "grade": ["rare"] * 7 + ["common"]})
    rows = smote_nc_rows(train, "grade", "rare", 400, ["size"], seed=1)
    assert list(rows.columns) == ["size", "kind", "grade"] and (rows["grade"] == "rare").all()
    assert (rows["kind"] == "x").all()                  # even from the far row: its 5 neighbours say x
    near = rows["size"] <= 5
    assert rows["size"].between(0, 100).all() and near.mean() > 0.75   # 6 of 7 bases lie in the cluster
    assert not rows["size"].isin(train["size"]).all()   # new values between rows, not copies
    assert smote_nc_rows(train, "grade", "rare", 400, ["size"], seed=1).equals(rows)   # seeded
    only_labels = smote_nc_rows(train.drop(columns="size"), "grade", "rare", 10, [], seed=0)
    assert (only_labels["kind"] == "x").all() and len(only_labels) == 10


def test_smote_nc_breaks_a_tie_between_labels_at_random():
    # k = 2 neighbours, each of another label: every vote is a tie, each label wins half of them,
    # so each takes a third of the rows (the first label seen would have kept z out)
    train = pd.DataFrame({"size": [0.0, 1, 2, 9], "kind": list("xyzx"), "grade": ["rare"] * 3 + ["common"]})
    shares = smote_nc_rows(train, "grade", "rare", 900, ["size"], seed=0)["kind"].value_counts(normalize=True)
    assert set(shares.index) == {"x", "y", "z"} and np.allclose(shares, 1 / 3, atol=0.06)


def test_smote_nc_rows_lie_on_the_segment_between_two_rows():
    train = pd.DataFrame({"a": [0.0, 1.0, 5.0], "b": [0.0, 2.0, 7.0], "grade": ["rare", "rare", "common"]})
    rows = smote_nc_rows(train, "grade", "rare", 200, ["a", "b"], seed=0)
    assert np.allclose(rows["b"], 2 * rows["a"])   # one step per row, as SMOTE's, not one per column
    assert rows["a"].between(0, 1).all() and rows["a"].std() > 0.2


def test_compare_reports_the_three_routes(small_fit):
    table, _, model = small_fit
    value = _rare(table)
    progress = []
    report = compare(model, table.frame, LABEL, value, n_rows=15, n_splits=2,
                     on_split=lambda done, n: progress.append((done, n)))
    assert progress == [(1, 2), (2, 2)]
    assert report["n_new"] == 15 and report["n_splits"] == 2 and not report["refit"]
    assert set(report["routes"]) == {"real", "real+vae", "real+smote_nc"}
    for scores in report["routes"].values():
        assert 0 <= scores["macro_f1"] <= 1 and 0 <= scores["minority_recall"] <= 1
    assert 0 < report["acceptance"] <= 1 and 0 <= report["copy_rate"] <= 1
    assert compare(model, table.frame, LABEL, value, n_rows=15, n_splits=2) == report   # seeded
    ours, theirs = (np.array(report["routes"][r]["macro_f1_splits"]) for r in ("real+vae", "real+smote_nc"))
    gain = report["vae_minus_smote_nc"]   # SMOTE-NC ran on both splits: paired split by split
    assert gain["splits"] == 2 and gain["ahead"] == int((ours > theirs).sum())
    assert gain["macro_f1"] == pytest.approx((ours - theirs).mean())
    assert gain["se"] == pytest.approx(np.std(ours - theirs, ddof=1) / np.sqrt(2))


def test_a_score_is_the_mean_over_forests_of_consecutive_seeds(small_fit, monkeypatch):
    table, _, model = small_fit
    value = _rare(table)
    train_at, test_at = stratified_split(table.frame[LABEL].astype(str), 0.3, np.random.default_rng(0))
    train, test = table.frame.iloc[train_at], table.frame.iloc[test_at]
    design = _Design(model, LABEL)
    assert forests(train) == MAX_FORESTS == 3   # a small table
    averaged = design.score(train, None, test, value, seed=4)
    monkeypatch.setattr(augmentation_check, "MAX_FORESTS", 1)
    single = [design.score(train, None, test, value, seed=4 + k) for k in range(3)]
    assert len(set(single)) > 1                 # the seeds do differ
    assert averaged == pytest.approx(tuple(np.mean(single, axis=0)))


def test_fewer_forests_on_larger_tables():
    sizes = (10, 1_000, 1_001, 1_500, 3_000, 30_000)
    assert [forests(pd.DataFrame(index=range(n))) for n in sizes] == [3, 3, 2, 2, 1, 1]


def test_the_paired_gain_tells_ahead_behind_and_level():
    ahead = paired_gain([0.02, 0.03, 0.025, 0.02])
    assert ahead["verdict"] == "ahead" and ahead["ahead"] == 4 and ahead["splits"] == 4
    assert ahead["macro_f1"] == pytest.approx(0.02375)
    assert ahead["se"] == pytest.approx(np.std([0.02, 0.03, 0.025, 0.02], ddof=1) / 2)
    assert paired_gain([-0.02, -0.03, -0.025])["verdict"] == "behind"
    level = paired_gain([0.05, -0.03, 0.04, -0.02])   # mean +0.01, standard error 0.02
    assert level["verdict"] == "level" and level["ahead"] == 2
    one = paired_gain([0.05])
    assert one["se"] is None and one["verdict"] == "level"   # one split cannot tell
    assert paired_gain([]) is None                            # SMOTE-NC ran on no split


def test_compare_can_train_a_fresh_model_per_split(small_fit):
    table, _, model = small_fit
    value = _rare(table)
    report = compare(model, table.frame, LABEL, value, n_rows=10, n_splits=1, refit=True)
    assert report["refit"] and report["routes"]["real+vae"] is not None

"""Label columns read off a number (core.bands): found only where the training rows say so, and
kept agreeing in every generated row, with and without conditions, and in the project file."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from core.augmentation import interpolate_class, sample_class
from core.bands import Band, LabelMap, NumberMap, find_bands, find_label_maps, find_number_maps, is_forest
from core.columns import blank_column, prepare_table
from core.conditions import Condition, sample_where
from core.errors import InputError
from core.generation import generate
from core.model import TrainConfig
from core.project import Project
from core.projectfile import load_project, save_project
from core.semantics import SemanticMatrix
from core.training import fit
from core.transformer import TableTransformer
from tests.conftest import edit_project_file

BINS = ["0–10", "10–20", "20–30", "30以上"]


def survey(n_rows: int = 300, seed: int = 0) -> pd.DataFrame:
    """Raw cells as a reader gives them: a building's age and its service-year bin, which the age
    decides, beside columns that only follow it loosely."""
    rng = np.random.default_rng(seed)
    age = rng.uniform(0.5, 45, n_rows).round(1)
    return pd.DataFrame({
        "房龄": age.astype(str),
        "建成年限": np.array(BINS)[np.digitize(age, [10, 20, 30])],
        "裂缝宽度": (0.01 * age + rng.normal(0, 0.1, n_rows)).clip(0).round(2).astype(str),
        "结构": np.where(age + rng.normal(0, 10, n_rows) > 25, "砖混", "框架"),
        "层数": rng.integers(2, 12, n_rows).astype(str),
    })


def bands_of(raw: pd.DataFrame) -> list[Band]:
    table = prepare_table(raw)
    return find_bands(table.frame, TableTransformer().fit(table).layout_)


def outside(rows: pd.DataFrame, band: Band, categories: tuple[str, ...]) -> float:
    """The share of rows whose number lies outside their label's interval."""
    bounds = np.array([band.bounds(categories.index(label)) for label in rows[band.label]])
    values = rows[band.number].to_numpy(dtype=float)
    return float(np.mean((values < bounds[:, 0]) | (values > bounds[:, 1])))


@pytest.fixture(scope="module")
def fitted():
    raw = survey()
    table = prepare_table(raw)
    semantics = SemanticMatrix(["history", "damage"], list(raw.columns), [[1, 1, 0, 0, 0], [0, 0, 1, 1, 1]])
    model = fit(table, semantics, TrainConfig(epochs=60, finetune_epochs=10, seed=1, detail_latents=0))
    return raw, table, semantics, model


def test_a_bin_read_off_its_number_is_found_with_each_class_interval():
    raw = survey()
    [band] = bands_of(raw)
    assert (band.label, band.number) == ("建成年限", "房龄")
    table = prepare_table(raw)
    categories = next(s for s in TableTransformer().fit(table).layout_ if s.name == "建成年限").categories
    age = table.frame["房龄"]
    for index, label in enumerate(categories):
        assert band.bounds(index) == (age[raw["建成年限"] == label].min(), age[raw["建成年限"] == label].max())


def test_overlapping_classes_or_one_class_of_five_rows_are_no_band():
    raw = survey()
    raw.loc[0, "建成年限"] = "30以上" if raw.loc[0, "建成年限"] != "30以上" else "0–10"   # one row out of its bin
    assert bands_of(raw) == []
    few = survey()
    young = few["房龄"].astype(float) < 10
    few = pd.concat([few[~young], few[young].head(4)])   # "0–10" has 4 rows, the rest is one class...
    few["建成年限"] = np.where(few["房龄"].astype(float) < 10, "新", "旧")
    assert bands_of(few) == []                          # ...so only one class has 5 rows
    few.iloc[-5:, few.columns.get_loc("建成年限")] = "新"   # the 5 youngest of "旧" are not younger than 10
    assert bands_of(few) == []                          # 5 rows each, but the two intervals overlap


def test_blank_cells_do_not_count():
    raw = survey()
    raw.loc[raw.index[:60], "房龄"] = ""   # 20 % blank: kept as blanks, filled with the median for training
    [band] = bands_of(raw)
    assert band.number == "房龄"


def test_a_few_cells_filled_for_training_do_not_hide_a_band():
    raw = survey()
    young, old = raw.index[raw["建成年限"] == "0–10"][:3], raw.index[raw["建成年限"] == "30以上"][:3]
    raw.loc[young, "房龄"] = "unknown"   # 1 % text cells: filled with the median age (in another bin)
    raw.loc[old, "建成年限"] = ""         # 1 % blank: filled with the most frequent bin
    table = prepare_table(raw)
    layout = TableTransformer().fit(table).layout_
    assert blank_column("房龄") not in table.frame and find_bands(table.frame, layout) == []   # the fills clash
    [band] = find_bands(table.frame, layout, filled=table.filled)
    assert band.number == "房龄" and table.filled["房龄"].sum() == 3


def test_class_of_is_the_interval_holding_a_value_or_the_nearest():
    band = Band("b", "n", (0.0, math.nan, 10.0, 20.0), (5.0, math.nan, 15.0, 30.0))
    assert band.class_of(np.array([3.0, 5.0, 12.0, 8.0, 7.0, 100.0, -3.0])).tolist() == [0, 0, 2, 2, 0, 3, 0]
    assert band.meeting((6.0, 12.0)) == {1, 2}   # class 1 was never seen with a number
    assert band.class_of(np.array([7.0]), among=band.meeting((6.0, 12.0))).tolist() == [2]
    assert band.bounds(1) is None and band.bounds(3) == (20.0, 30.0)


def test_round_trip_and_malformed_bands():
    band = Band("b", "n", (0.0, math.nan), (5.0, math.nan))
    back = Band.from_dict(band.to_dict())
    assert back.bounds(0) == (0.0, 5.0) and back.bounds(1) is None
    for spec in [{"label": "b", "number": "n", "low": [1.0], "high": [0.0]},      # low above high
                 {"label": "b", "number": "n", "low": [1.0, 2.0], "high": [3.0]},
                 {"label": "b", "number": "n", "low": [None], "high": [3.0]}]:
        with pytest.raises(ValueError):
            Band.from_dict(spec)


def test_generated_rows_keep_every_band_the_decoder_alone_breaks(fitted):
    raw, table, semantics, model = fitted
    [band] = model.bands
    categories = next(s for s in model.transformer.layout_ if s.name == band.label).categories
    assert "建成年限 ~ 房龄" in " ".join(str(note) for note in model.notes)
    assert outside(generate(model, 2000, seed=4), band, categories) == 0.0
    assert outside(generate(model, 200, seed=4, sample_values=False), band, categories) == 0.0
    model.bands = []
    try:
        assert outside(generate(model, 2000, seed=4), band, categories) > 0.05   # what the bands fix
    finally:
        model.bands = [band]


def test_conditions_keep_the_band_whichever_column_is_conditioned(fitted):
    raw, table, semantics, model = fitted
    [band] = model.bands
    categories = next(s for s in model.transformer.layout_ if s.name == band.label).categories
    for conditions in ([Condition("房龄", low=15, high=25)], [Condition("建成年限", value="20–30")],
                       [Condition("建成年限", value="10–20"), Condition("房龄", low=12, high=40)]):
        rows = sample_where(model, table.frame, conditions, 500, seed=2)
        assert outside(rows, band, categories) == 0.0, conditions
        for condition in conditions:
            span = next(s for s in model.transformer.layout_ if s.name == condition.column)
            assert condition.holds(rows[span.name], span).all(), condition
    ages = sample_where(model, table.frame, [Condition("房龄", low=15, high=25)], 500, seed=2)
    assert set(ages["建成年限"]) == {"10–20", "20–30"}     # both bins the range meets


def test_rows_made_for_a_rare_class_keep_the_band_too(fitted):
    raw, table, semantics, model = fitted
    [band] = model.bands
    categories = next(s for s in model.transformer.layout_ if s.name == band.label).categories
    between = interpolate_class(model, table.frame, "结构", "砖混", 1000, seed=1).rows   # the bin of i or j
    likeliest = sample_class(model, table.frame, "结构", "砖混", 300, seed=1).rows
    for rows in (between, likeliest):
        assert (rows["结构"] == "砖混").all() and outside(rows, band, categories) == 0.0
    assert between["房龄"].nunique() > 200     # still interpolated ages, not a few real ones
    old = sample_class(model, table.frame, "建成年限", "30以上", 300, seed=1).rows   # the class is the bin
    assert len(old) and (old["建成年限"] == "30以上").all() and outside(old, band, categories) == 0.0

def test_the_project_file_keeps_the_bands_and_refuses_one_that_does_not_fit(fitted):
    raw, table, semantics, model = fitted
    project = Project(data=raw, source_name="survey.csv", semantics=semantics, settings=model.config)
    project.model = model
    data = save_project(project)
    back = load_project(data)
    assert back.model.bands == model.bands
    assert generate(back.model, 50, seed=1).equals(generate(model, 50, seed=1))

    def drop(document):
        del document["model"]["bands"]
    assert load_project(edit_project_file(data, drop)).model.bands == []   # a project saved before bands

    def unknown(document):
        document["model"]["bands"][0]["number"] = "层数x"
    with pytest.raises(InputError, match="band of '建成年限' over '层数x'"):
        load_project(edit_project_file(data, unknown), "p.zip")

    def broken(document):
        document["model"]["bands"][0]["low"] = "x"
    with pytest.raises(InputError, match="p.zip: a band of the model is malformed"):
        load_project(edit_project_file(data, broken), "p.zip")


def test_two_labels_read_off_one_number_agree_with_it_and_each_other():
    raw = survey()
    raw["老旧"] = np.where(raw["房龄"].astype(float) >= 30, "是", "否")   # decided by the same age
    table = prepare_table(raw)
    semantics = SemanticMatrix(["history", "damage"], list(raw.columns), [[1, 1, 0, 0, 0, 1], [0, 0, 1, 1, 1, 0]])
    model = fit(table, semantics, TrainConfig(epochs=40, finetune_epochs=5, seed=2, detail_latents=0))
    assert [(band.label, band.number) for band in model.bands] == [("建成年限", "房龄"), ("老旧", "房龄")]
    spans = {span.name: span for span in model.transformer.layout_}
    for rows in (generate(model, 2000, seed=5), sample_where(model, table.frame, [Condition("老旧", value="是")], 300)):
        for band in model.bands:
            assert outside(rows, band, spans[band.label].categories) == 0.0, band.label
    assert (sample_where(model, table.frame, [Condition("老旧", value="是")], 300)["建成年限"] == "30以上").all()



def test_a_label_banded_over_two_numbers_agrees_with_both_whichever_leads():
    """The bin holds its own interval of the age and of a depreciation rate; a coarser grade of
    the rate (ahead of the bin in the table) holds its own interval of the rate only. The bin,
    set by the first number, leads the second; a condition on the second sets it first."""
    raw = survey()
    bin_index = np.array([BINS.index(b) for b in raw["建成年限"]])
    rate = (25 * bin_index + np.random.default_rng(3).uniform(0, 20, len(raw))).round(1)
    raw.insert(1, "折旧档", np.array(["甲", "乙", "丙", "丁", "戊"])[np.digitize(rate, [10, 35, 60, 85])])
    raw["折旧率"] = rate.astype(str)
    table = prepare_table(raw)
    semantics = SemanticMatrix(["history", "damage"], list(raw.columns),
                               [[1, 1, 1, 0, 0, 0, 1], [0, 0, 0, 1, 1, 1, 0]])
    model = fit(table, semantics, TrainConfig(epochs=40, finetune_epochs=5, seed=2, detail_latents=0))
    assert [(band.label, band.number) for band in model.bands] == [
        ("建成年限", "房龄"), ("折旧档", "折旧率"), ("建成年限", "折旧率")]
    spans = {span.name: span for span in model.transformer.layout_}
    for rows in (generate(model, 2000, seed=5),
                 sample_where(model, table.frame, [Condition("折旧率", low=30, high=40)], 500, seed=1),
                 sample_where(model, table.frame, [Condition("折旧率", low=15, high=30),
                                                   Condition("房龄", low=5, high=25)], 500, seed=1)):
        for band in model.bands:
            assert outside(rows, band, spans[band.label].categories) == 0.0, (band.label, band.number)
    assert (sample_where(model, table.frame, [Condition("折旧率", low=30, high=40)], 300)["建成年限"] == "10–20").all()

STREETS = {"东风路": "城东区", "人民路": "城东区", "解放路": "城西区", "建设路": "城西区", "和平路": "城南区",
           "中山路": "城南区"}


def mapped(n_rows: int = 300, seed: int = 0) -> pd.DataFrame:
    """`survey` with a street and its district (read off the street) and a code beside its name."""
    raw = survey(n_rows, seed)
    rng = np.random.default_rng(seed + 1)
    raw["街道"] = rng.choice(list(STREETS), n_rows)
    raw["区"] = raw["街道"].map(STREETS)
    raw["结构代码"] = raw["结构"].map({"砖混": "B", "框架": "F"})
    return raw


def maps_of(raw: pd.DataFrame):
    table = prepare_table(raw)
    return find_label_maps(table.frame, TableTransformer().fit(table).layout_)


def test_a_label_read_off_another_is_found_once_and_not_by_chance():
    found = {(m.key, m.label) for m in maps_of(mapped())}
    assert found == {("街道", "区"), ("结构", "结构代码")}          # not 区 -> 街道, nor 结构代码 -> 结构 back
    raw = mapped()
    raw.loc[0, "区"] = "城北区"                                   # one street in two districts
    assert ("街道", "区") not in {(m.key, m.label) for m in maps_of(raw)}
    small = mapped(12, seed=3)   # 6 streets of 2 rows: agreeing by chance is likely, so no map
    assert ("街道", "区") not in {(m.key, m.label) for m in maps_of(small)}
    assert is_forest([LabelMap("a", "b", (0,)), LabelMap("b", "c", (0,))])
    assert not is_forest([LabelMap("a", "b", (0,)), LabelMap("b", "a", (0,))])
    assert not is_forest([LabelMap("a", "b", (0,)), LabelMap("c", "b", (0,))])


@pytest.fixture(scope="module")
def fitted_maps():
    raw = mapped()
    table = prepare_table(raw)
    semantics = SemanticMatrix(["history", "place"], list(raw.columns), [[1, 1, 1, 1, 0, 0, 0, 1], [0, 0, 0, 0, 1, 1, 1, 0]])
    return table, fit(table, semantics, TrainConfig(epochs=60, finetune_epochs=10, seed=1, detail_latents=0))


def test_a_street_only_filled_for_training_meets_no_condition_and_no_condition_is_overwritten():
    raw = mapped()
    commonest = raw["街道"].value_counts().index[0]
    blank = raw.index[raw["区"] != STREETS[commonest]][:4]   # < 5 % of the rows: filled with the commonest
    district = raw.loc[blank[0], "区"]
    raw["街道"] = raw["街道"].astype(object)
    raw.loc[blank, "街道"] = ""
    table = prepare_table(raw)
    street = table.frame.loc[blank[0], "街道"]
    assert table.filled["街道"][blank].all() and street == commonest
    semantics = SemanticMatrix(["history", "place"], list(raw.columns), [[1, 1, 1, 1, 0, 0, 0, 1], [0, 0, 0, 0, 1, 1, 1, 0]])
    model = fit(table, semantics, TrainConfig(epochs=20, finetune_epochs=0, seed=1, detail_latents=0))
    assert ("街道", "区") in {(m.key, m.label) for m in model.label_maps}   # from the streets the input holds
    asked = [Condition("街道", value=street), Condition("区", value=district)]
    with pytest.raises(InputError, match="no row of the data has all of these"):
        sample_where(model, table.frame, asked, 100, filled=table.filled)
    rows = sample_where(model, table.frame, asked, 100)   # the filled cells counted: the conditions still hold
    assert (rows["街道"] == street).all() and (rows["区"] == district).all()

def test_generated_rows_read_the_district_off_the_street(fitted_maps):
    table, model = fitted_maps
    agree = lambda rows: float(np.mean(rows["区"] == rows["街道"].map(STREETS)))
    assert agree(generate(model, 2000, seed=4)) == 1.0
    assert agree(generate(model, 200, seed=4, sample_values=False)) == 1.0
    rows = generate(model, 2000, seed=4)
    assert (rows["结构代码"] == rows["结构"].map({"砖混": "B", "框架": "F"})).all()
    maps, model.label_maps = model.label_maps, []
    try:
        assert agree(generate(model, 2000, seed=4)) < 0.95      # what the maps fix
    finally:
        model.label_maps = maps
    west = sample_where(model, table.frame, [Condition("区", value="城西区")], 400, seed=1)
    assert set(west["街道"]) == {"解放路", "建设路"} and (west["区"] == "城西区").all()
    street = sample_where(model, table.frame, [Condition("街道", value="和平路")], 100, seed=1)
    assert (street["区"] == "城南区").all()
    code = sample_where(model, table.frame, [Condition("结构代码", value="B")], 100, seed=1)
    assert (code["结构"] == "砖混").all() and (code["结构代码"] == "B").all()


def test_the_project_file_keeps_the_label_maps_and_refuses_a_cycle(fitted_maps):
    table, model = fitted_maps
    project = Project(data=mapped(), source_name="survey.csv", semantics=model.semantics, settings=model.config)
    project.model = model
    data = save_project(project)
    assert load_project(data).model.label_maps == model.label_maps != []

    first = model.label_maps[0]
    width = len(next(s for s in model.transformer.layout_ if s.name == first.label).categories)

    def cycle(document):   # the key read back off its own label: well formed, but a cycle
        document["model"]["label_maps"].append({"key": first.label, "label": first.key, "targets": [0] * width})
    with pytest.raises(InputError, match=f"p.zip: the label map of '{first.key}' off '{first.label}' does not fit"):
        load_project(edit_project_file(data, cycle), "p.zip")


def test_columns_of_different_semantics_are_not_tied():
    raw = mapped()
    table = prepare_table(raw)
    apart = SemanticMatrix(["age", "bin"], list(raw.columns), [[1, 0, 1, 1, 1, 1, 1, 1], [0, 1, 0, 0, 0, 0, 0, 0]])
    assert not apart.together("房龄", "建成年限") and apart.together("街道", "区")
    assert apart.together("未知列", "另一列")                    # neither in R: in no semantic, alike
    layout = TableTransformer().fit(table).layout_
    assert find_bands(table.frame, layout, apart.together) == []
    assert {(m.key, m.label) for m in find_label_maps(table.frame, layout, apart.together)} == \
        {("街道", "区"), ("结构", "结构代码")}
    model = fit(table, apart, TrainConfig(epochs=5, finetune_epochs=0, seed=1, detail_latents=0))
    assert model.bands == [] and len(model.label_maps) == 2


def test_a_conditioned_number_keeps_its_band_and_the_label_map_beside_it():
    raw = survey()
    raw["年限代码"] = raw["建成年限"].map({"0–10": "X", "10–20": "Y", "20–30": "X", "30以上": "Y"})   # no band
    table = prepare_table(raw)
    semantics = SemanticMatrix(["history", "damage"], list(raw.columns), [[1, 1, 0, 0, 0, 1], [0, 0, 1, 1, 1, 0]])
    model = fit(table, semantics, TrainConfig(epochs=40, finetune_epochs=5, seed=2, detail_latents=0))
    assert [(m.key, m.label) for m in model.label_maps] == [("建成年限", "年限代码")] and len(model.bands) == 1
    spans = {span.name: span for span in model.transformer.layout_}
    rows = sample_where(model, table.frame, [Condition("房龄", low=15, high=25)], 500, seed=2)
    assert rows["房龄"].between(15, 25).all() and set(rows["建成年限"]) == {"10–20", "20–30"}
    assert (rows["年限代码"] == rows["建成年限"].map({"10–20": "Y", "20–30": "X"})).all()
    for band in model.bands:
        assert outside(rows, band, spans[band.label].categories) == 0.0, band.label


def test_a_label_whose_key_is_blank_still_keeps_to_a_conditioned_number():
    """The bin is read off a code, which is blank in a tenth of the rows; where it is blank the
    bin is read off nothing, and a condition on the age must still keep the bin to the age."""
    raw = survey()
    code = raw["建成年限"].map(dict(zip(BINS, "ABCD"))).astype(object)
    code[np.random.default_rng(4).random(len(raw)) < 0.1] = ""
    raw.insert(0, "年限代码", code)
    table = prepare_table(raw)
    semantics = SemanticMatrix(["history", "damage"], list(raw.columns), [[1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1]])
    model = fit(table, semantics, TrainConfig(epochs=40, finetune_epochs=5, seed=2, detail_latents=0))
    assert [(m.key, m.label) for m in model.label_maps] == [("年限代码", "建成年限")]
    assert {(band.label, band.number) for band in model.bands} == {("年限代码", "房龄"), ("建成年限", "房龄")}
    spans = {span.name: span for span in model.transformer.layout_}
    rows = sample_where(model, table.frame, [Condition("房龄", low=15, high=25)], 1000, seed=1)
    assert rows[blank_column("年限代码")].mean() > 0.02 and rows["房龄"].between(15, 25).all()   # codes blank
    shown = rows[~rows[blank_column("年限代码")]]
    for band in model.bands:
        assert outside(rows if band.label == "建成年限" else shown, band, spans[band.label].categories) == 0.0

def test_a_number_read_off_another_is_found_only_when_exact():
    raw = survey()
    raw["建成年份"] = (2024 - raw["房龄"].astype(float)).round(1).astype(str)   # the age, written as a year
    raw["噪声年份"] = (2024 - raw["房龄"].astype(float) + np.random.default_rng(1).normal(0, 0.3, len(raw))).round(1)
    table = prepare_table(raw)
    layout = TableTransformer().fit(table).layout_
    [found] = find_number_maps(table.frame, layout, filled=table.filled)
    assert (found.key, found.number) == ("房龄", "建成年份")
    assert found.offset == pytest.approx(2024) and found.slope == pytest.approx(-1)
    apart = SemanticMatrix(["a", "b"], list(raw.columns), [[1, 1, 1, 1, 1, 0, 1], [0, 0, 0, 0, 0, 1, 0]])
    assert find_number_maps(table.frame, layout, apart.together, table.filled) == []
    two = raw.assign(房龄=np.where(raw["房龄"].astype(float) > 20, "30", "10"))   # two values fit any line
    two["建成年份"] = 2024 - two["房龄"].astype(float)
    table = prepare_table(two)
    assert find_number_maps(table.frame, TableTransformer().fit(table).layout_) == []
    with pytest.raises(ValueError):
        NumberMap.from_dict({"key": "a", "number": "b", "offset": 1.0, "slope": 0.0})


def test_generated_years_are_the_ages_written_as_years():
    raw = survey()
    raw["建成年份"] = (2024 - raw["房龄"].astype(float)).round(1).astype(str)
    table = prepare_table(raw)
    semantics = SemanticMatrix(["history", "damage"], list(raw.columns), [[1, 1, 0, 0, 0, 1], [0, 0, 1, 1, 1, 0]])
    model = fit(table, semantics, TrainConfig(epochs=40, finetune_epochs=5, seed=2, detail_latents=0))
    assert [(m.key, m.number) for m in model.number_maps] == [("房龄", "建成年份")]
    exact = lambda rows: np.allclose(rows["建成年份"] + rows["房龄"], 2024, atol=1e-9)
    assert exact(generate(model, 2000, seed=4)) and exact(generate(model, 100, seed=4, sample_values=False))
    young = sample_where(model, table.frame, [Condition("建成年份", low=2010, high=2015)], 300, seed=1)
    assert exact(young) and young["建成年份"].between(2010, 2015).all()
    both = sample_where(model, table.frame, [Condition("建成年份", low=2000, high=2015),
                                             Condition("房龄", low=12, high=30)], 300, seed=1)
    assert exact(both) and both["房龄"].between(12, 24).all()
    age = float(raw["房龄"].iloc[0])   # ranges that meet in one age only, a real row's
    edge = sample_where(model, table.frame, [Condition("建成年份", low=round(2024 - age, 1), high=2024),
                                             Condition("房龄", low=age, high=45)], 300, seed=1)
    assert exact(edge) and (edge["房龄"] == age).all()
    spans = {span.name: span for span in model.transformer.layout_}
    for band in model.bands:   # the bin read off the age and off the year alike
        for rows in (generate(model, 1000, seed=3), young, both, edge):
            assert outside(rows, band, spans[band.label].categories) == 0.0, band.number
    maps, model.number_maps = model.number_maps, []
    try:
        assert not exact(generate(model, 2000, seed=4))                         # what the map fixes
    finally:
        model.number_maps = maps
    project = Project(data=raw, source_name="survey.csv", semantics=semantics, settings=model.config)
    project.model = model
    data = save_project(project)
    assert load_project(data).model.number_maps == model.number_maps

    def twice(document):
        document["model"]["number_maps"].append(dict(document["model"]["number_maps"][0]))
    with pytest.raises(InputError, match="p.zip: the number map of '建成年份' off '房龄' does not fit"):
        load_project(edit_project_file(data, twice), "p.zip")

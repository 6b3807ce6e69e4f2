"""Rows that satisfy conditions (core.conditions): every row, exactly n, and the other columns
shift as they do in the real data."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.columns import ColumnSpec, PreparedTable, prepare_table
from core.conditions import Condition, as_written, check_conditions, sample_where
from core.effects import feature_shift
from core.errors import InputError
from core.generation import generate
from core.messages import msg
from core.model import TrainConfig
from core.roles import Role
from core.passthrough import Passthrough
from core.semantics import SemanticMatrix
from core.table import read_table
from core.training import fit
from tests.conftest import factor_table

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def related():
    """300 rows of four groups of related columns, and a model of them."""
    table, semantics = factor_table(n_rows=300, seed=2)
    return table, fit(table, semantics, TrainConfig(epochs=150, finetune_epochs=30, seed=1))


def test_parse():
    assert Condition.parse("结构体系=砌体结构") == Condition("结构体系", value="砌体结构")
    assert Condition.parse(" 年代 = 20 .. 30 ") == Condition("年代", low=20.0, high=30.0)
    assert Condition.parse("a=b=c") == Condition("a=b", value="c")        # the last '=' splits
    assert Condition.parse("x=-1.5..2") == Condition("x", low=-1.5, high=2.0)
    assert str(Condition.parse("x=1..2")) == "x=1..2"
    assert Condition.parse("墙体开裂= ") == Condition("墙体开裂", value="")     # a tick box left blank
    for text, message in [("no-equals", "COLUMN=VALUE"), ("=v", "COLUMN=VALUE"),
                          ("a=3..1", "LO \\(3\\) is above HI \\(1\\)"), ("a=x..y", "must be numbers"),
                          ("a=1..inf", "finite")]:
        with pytest.raises(InputError, match=message):
            Condition.parse(text)


def test_every_row_satisfies_every_kind_of_condition(related):
    table, model = related
    real = table.frame
    rare = float(np.quantile(real["g1_c0"], 0.96))          # a numeric range 4 % of the rows have
    cases = [[Condition("g0_c2", value="高")],                # a label
             [Condition("g0_c1", value="是")],                # a binary column
             [Condition("g2_c3", value=str(int(real["g2_c3"].mode()[0])))],   # an integer code
             [Condition("g1_c0", low=rare, high=float(real["g1_c0"].max()))],
             [Condition("g0_c2", value="高"), Condition("g3_c3", low=8, high=12)]]   # AND
    for conditions in cases:
        rows = sample_where(model, real, conditions, 250, seed=3)
        assert len(rows) == 250 and list(rows.columns) == table.features
        for condition in conditions:
            span = next(s for s in model.transformer.layout_ if s.name == condition.column)
            assert condition.holds(rows[span.name], span).all(), condition
        assert rows["g2_c3"].dtype == np.int64                # integers stay integers
    fixed = sample_where(model, real, cases[0], 50, fixed={"S3": 2.5}, seed=3)   # with a slider
    assert (fixed["g0_c2"] == "高").all()


def test_a_range_with_fractional_ends_on_integers_holds_for_every_row(related):
    """50.2..75 on a column of integers is 51..75: no row may come back rounded to 50, and the
    rows that stay outside after the redraws take real values of the range, not its edge."""
    table, model = related
    real = table.frame["g2_c3"]
    # the lowest odd code held by at most 10 % of the rows and up: c - 0.5 rounds (half to even) to c - 1
    edge = min(c for c in real.unique() if c % 2 == 1 and (real >= c).mean() <= 0.1)
    condition = Condition("g2_c3", low=edge - 0.8, high=float(real.max()))
    rows = sample_where(model, table.frame, [condition], 1000, seed=4)
    assert rows["g2_c3"].between(edge, real.max()).all()
    in_range = real[real >= edge]
    assert (rows["g2_c3"] == edge).mean() <= (in_range == edge).mean() + 0.15   # not piled up on the edge


def test_a_column_recorded_in_steps_is_generated_and_conditioned_on_its_steps():
    """Ages recorded in 5s (and a rating in halves) come back in 5s (halves) whatever the decoder
    gives, and a range whose ends are off the grid holds on it: 22..38 is 25..35."""
    table, semantics = factor_table(n_rows=200, seed=3)
    signal = table.frame["g1_c0"].to_numpy()
    frame = table.frame.assign(age=20 + 5 * np.clip(np.round(2 * signal + 4), 0, 9),
                               rating=0.5 + np.clip(np.round(signal + 2), 0, 4))
    specs = table.specs + [ColumnSpec("age", Role.INTEGER), ColumnSpec("rating", Role.CONTINUOUS)]
    features = [*semantics.features, "age", "rating"]
    values = np.concatenate([semantics.values, np.zeros((len(semantics.names), 2))], axis=1)
    values[1, -2:] = 1   # both in S1, beside g1_*
    model = fit(PreparedTable(frame, specs), SemanticMatrix(semantics.names, features, values),
                TrainConfig(epochs=60, finetune_epochs=10, seed=1))
    rows = generate(model, 1000, seed=2)
    assert rows["age"].isin(range(20, 70, 5)).all() and rows["rating"].isin(np.arange(0.5, 5, 1)).all()
    assert rows["age"].nunique() >= 5                       # on the grid, not piled onto one value
    held = sample_where(model, frame, [Condition("age", low=22, high=38), Condition("rating", low=1, high=3.2)],
                        300, seed=3)
    assert len(held) == 300 and held["age"].isin([25, 30, 35]).all() and held["rating"].isin([1.5, 2.5]).all()
    with pytest.raises(InputError, match=r"age=26\.\.29: no row of the data has it \('age' runs 20\.\.65 in steps of 5\)"):
        sample_where(model, frame, [Condition("age", low=26, high=29)], 10)


def test_the_other_columns_shift_as_in_the_real_data(related):
    """The rows of a condition against unconditional rows move each column as the real rows of
    the condition move against all real rows (correlation over the other columns >= 0.7), for a
    common label and for a range 4 % of the rows fall in."""
    table, model = related
    real = table.frame
    everything = generate(model, 2000, seed=5)
    rare = float(np.quantile(real["g1_c0"], 0.96))
    for condition in [Condition("g0_c2", value="高"), Condition("g1_c0", low=rare, high=float(real["g1_c0"].max()))]:
        span = next(s for s in model.transformer.layout_ if s.name == condition.column)
        mask = condition.holds(real[condition.column], span)
        assert mask.mean() <= (0.05 if condition.value is None else 0.5)
        wanted = feature_shift(real, real[mask], model).drop(condition.column)
        got = feature_shift(everything, sample_where(model, real, [condition], 2000, seed=6), model
                            ).drop(condition.column)
        assert np.corrcoef(wanted, got)[0, 1] >= 0.7, (condition, wanted.round(2).to_dict(), got.round(2).to_dict())


def test_conditions_that_cannot_hold_are_clear_errors(related):
    table, model = related
    real = table.frame
    for conditions, message in [
            ([Condition("nope", value="x")], "'nope' is not a modelled column"),
            ([Condition("g0_c2", value="极高")], "'极高' never occurs in 'g0_c2'; its values: "),
            ([Condition("g0_c2", low=1, high=2)], "holds labels"),
            ([Condition("g0_c0", value="1")], "continuous numbers; give a range"),
            ([Condition("g2_c3", value="abc")], "holds numbers"),
            ([Condition("g0_c0", low=100, high=200)], "no row of the data has it"),
            ([Condition("g0_c2", value="高"), Condition("g0_c2", value="低")],
             "no row of the data has all of these at once")]:
        with pytest.raises(InputError, match=message):
            check_conditions(model, real, conditions)
    with pytest.raises(InputError, match="at least 1"):
        sample_where(model, real, [Condition("g0_c2", value="高")], 0)


def test_check_returns_the_rows_that_satisfy_all(related):
    table, model = related
    real = table.frame
    mask = check_conditions(model, real, [Condition("g0_c2", value="高"), Condition("g0_c1", value="是")])
    assert mask.tolist() == ((real["g0_c2"] == "高") & (real["g0_c1"] == "是")).tolist()


def test_a_constant_column_meets_its_own_value_only(related):
    """A flag that never occurs is not modelled: asking for its one value is no condition at
    all, asking for another is an error naming the value every row has."""
    table, model = related
    real = table.frame
    flag = Passthrough.of("倾斜", ["0"] * len(real), msg("reason.constant"))
    blanks = Passthrough.of("备注", ["无"] * (len(real) - 1) + [None], msg("reason.constant"))
    model = replace(model, unmodelled=[flag, blanks])
    wanted = [Condition("g0_c2", value="高")]
    alone = sample_where(model, real, wanted, 40, seed=3)
    assert sample_where(model, real, wanted + [Condition("倾斜", value="0")], 40, seed=3).equals(alone)
    assert check_conditions(model, real, [Condition("倾斜", value="0")]).all()
    for condition, message in [(Condition("倾斜", value="1"), "every row of the data has '0', and so"),
                               (Condition("倾斜", low=0, high=1), "every row of the data has '0'"),
                               (Condition("备注", value="无"), "has '无' or a blank")]:
        with pytest.raises(InputError, match=message):
            check_conditions(model, real, [condition])


def test_a_column_or_label_typed_with_other_dashes_or_full_width_forms_is_the_tables():
    raw = read_table(ROOT / "sample_data" / "buildings_30.csv").frame
    preset = pd.read_csv(ROOT / "sample_data" / "semantics.csv", encoding="utf-8-sig", dtype=str)
    table = prepare_table(raw)
    model = fit(table, SemanticMatrix.from_frame(preset, list(raw.columns)), TrainConfig(epochs=10, finetune_epochs=0))
    typed = Condition.parse("使用年限（年）=15-20")   # the survey writes 使用年限(年) and 15–20
    assert as_written(model, typed) == Condition("使用年限(年)", value="15–20")
    rows = sample_where(model, table.frame, [typed, Condition.parse("梁最大裂缝宽度（mm）=0..0.3")], 50)
    assert len(rows) == 50 and (rows["使用年限(年)"] == "15–20").all() and rows["梁最大裂缝宽度(mm)"].le(0.3).all()
    with pytest.raises(InputError, match="'15-21' never occurs in '使用年限\\(年\\)'"):
        sample_where(model, table.frame, [Condition.parse("使用年限(年)=15-21")], 5)

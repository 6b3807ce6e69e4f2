"""The column transformer: layout, round-trip (property-based) and the reverse step's guarantees."""
import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from core.columns import ColumnSpec, PreparedTable, blank_column
from core.roles import Role
from core.evaluation import validity
from core.transformer import TableTransformer, grid_step

LABELS = ["框架结构", "框剪结构", "砖混结构", "A", "b c"]


@st.composite
def tables(draw):
    n = draw(st.integers(2, 25))
    columns, specs = {}, []
    for i in range(draw(st.integers(1, 6))):
        role = draw(st.sampled_from([Role.CONTINUOUS, Role.INTEGER, Role.BINARY, Role.CATEGORICAL, Role.ORDINAL]))
        name = f"列{i}"
        if role is Role.CONTINUOUS:
            values = draw(st.lists(st.floats(-1e4, 1e4, allow_nan=False), min_size=n, max_size=n))
            columns[name] = np.round(np.array(values), 3)
            specs.append(ColumnSpec(name, role))
        elif role is Role.INTEGER:
            columns[name] = np.array(draw(st.lists(st.integers(-1000, 1000), min_size=n, max_size=n)), float)
            specs.append(ColumnSpec(name, role))
        else:
            k = 2 if role is Role.BINARY else draw(st.integers(1, len(LABELS)))
            pool = LABELS[:k]
            values = draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n))
            seen = tuple(label for label in pool if label in values)
            if role is Role.BINARY and len(seen) < 2:
                role, seen = Role.CATEGORICAL, seen
            columns[name] = values
            specs.append(ColumnSpec(name, role, seen))
    return PreparedTable(pd.DataFrame(columns), specs)


@settings(max_examples=150, deadline=None)
@given(tables())
def test_round_trip(table):
    transformer = TableTransformer().fit(table)
    matrix = transformer.transform(table.frame)
    assert matrix.shape == (len(table.frame), transformer.n_columns) and matrix.dtype == np.float32
    back = transformer.inverse_transform(matrix)
    assert list(back.columns) == list(table.frame.columns)
    for spec in table.specs:
        if spec.role is Role.INTEGER:
            assert back[spec.name].dtype == np.int64
            np.testing.assert_array_equal(back[spec.name], table.frame[spec.name].astype(np.int64))
        elif spec.role is Role.CONTINUOUS:
            np.testing.assert_allclose(back[spec.name], table.frame[spec.name], rtol=1e-5, atol=1e-3)
        else:
            assert list(back[spec.name]) == list(table.frame[spec.name])


def test_layout_spans_are_contiguous_and_named():
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "b": ["否", "是", "否"], "c": ["甲", "乙", "丙"]})
    specs = [ColumnSpec("x", Role.CONTINUOUS), ColumnSpec("b", Role.BINARY, ("否", "是")),
             ColumnSpec("c", Role.CATEGORICAL, ("丙", "乙", "甲"))]
    t = TableTransformer().fit(PreparedTable(frame, specs))
    assert [(s.start, s.stop, s.kind) for s in t.layout_] == [(0, 1, "numeric"), (1, 2, "binary"), (2, 5, "onehot")]
    assert t.columns_ == ["x", "b", "c=丙", "c=乙", "c=甲"]
    assert t.column_feature().tolist() == [0, 1, 2, 2, 2]
    assert TableTransformer.from_dict(t.to_dict()).layout_ == t.layout_


def test_reverse_step_clips_rounds_and_keeps_training_categories():
    frame = pd.DataFrame({"x": [0.0, 10.0], "n": [1.0, 3.0], "c": ["甲", "乙"]})
    specs = [ColumnSpec("x", Role.CONTINUOUS), ColumnSpec("n", Role.INTEGER), ColumnSpec("c", Role.CATEGORICAL, ("甲", "乙"))]
    t = TableTransformer().fit(PreparedTable(frame, specs))
    wild = np.array([[100.0, 0.26, -3.0, 7.0], [-100.0, -50.0, 9.0, -9.0]], dtype=np.float32)
    out = t.inverse_transform(wild)
    assert out["x"].tolist() == [10.0, 0.0]                       # clipped to the observed range
    assert t.layout_[0].decimals == 0 and t.layout_[1].decimals == 0
    # mean 2, std 1: 2.26 rounds to 2; -48 clips to the observed minimum 1
    assert out["n"].tolist() == [2, 1] and out["n"].dtype == np.int64
    assert out["c"].tolist() == ["乙", "甲"]                       # argmax over training categories only


def test_generated_numbers_keep_the_data_precision():
    frame = pd.DataFrame({"w": [0.12, 0.3, 1.05]})
    t = TableTransformer().fit(PreparedTable(frame, [ColumnSpec("w", Role.CONTINUOUS)]))
    assert t.layout_[0].decimals == 2
    out = t.inverse_transform(np.array([[0.123456]], dtype=np.float32))
    assert out["w"].iloc[0] == round(out["w"].iloc[0], 2)


def test_generated_small_numbers_keep_their_digits():
    frame = pd.DataFrame({"strain": [1.2e-13, 3.4e-13, 5.6e-13]})
    t = TableTransformer().fit(PreparedTable(frame, [ColumnSpec("strain", Role.CONTINUOUS)]))
    out = t.inverse_transform(np.array([[0.3], [-0.7]], dtype=np.float32))["strain"]
    assert (out > 1e-13).all() and len(set(out)) == 2


def test_a_label_column_past_the_127th_encoded_column_is_encoded_in_its_own_columns():
    """pandas keeps the codes of a few categories as int8: start + code once wrapped past 127 (a
    label written into another column's one-hot) or overflowed past 128 (a crash on a wide survey)."""
    wide = {f"c{i}": [str(j % 64) for j in range(130)] for i in range(3)}   # 3 x 64 one-hot columns
    frame = pd.DataFrame({**wide, "kind": ["a", "b"] * 65})
    specs = [ColumnSpec(f"c{i}", Role.CATEGORICAL, tuple(str(j) for j in range(64))) for i in range(3)]
    table = PreparedTable(frame, [*specs, ColumnSpec("kind", Role.BINARY, ("a", "b"))])
    transformer = TableTransformer().fit(table)
    encoded = transformer.transform(frame)
    assert encoded.sum(axis=1).tolist() == [3 + (i % 2) for i in range(130)]
    assert transformer.inverse_transform(encoded).equals(frame)
    middle = pd.DataFrame({"c0": [str(j % 64) for j in range(130)], "x": ["p", "q", "r"] * 43 + ["p"],
                           "c1": [str(j % 64) for j in range(130)]})
    specs = [ColumnSpec("c0", Role.CATEGORICAL, tuple(str(j) for j in range(64))),
             ColumnSpec("x", Role.CATEGORICAL, ("p", "q", "r")),
             ColumnSpec("c1", Role.CATEGORICAL, tuple(str(j) for j in range(64)))]
    transformer = TableTransformer().fit(PreparedTable(middle, specs))
    assert transformer.inverse_transform(transformer.transform(middle)).equals(middle)


def test_generated_numbers_at_an_end_written_at_fewer_decimals_are_valid():
    """A log-scale column (uis' ND2) reaches -23.0258509299405; written at 6 decimals its floor
    reads -23.025851, within half a unit of its last decimal of the range: valid, and the value
    a number map reads off it is the same as in the data (grouseticks' cHEIGHT off HEIGHT)."""
    frame = pd.DataFrame({"nd2": [-23.0258509299405, -2.2907268, 0.367871027040846] * 4})
    transformer = TableTransformer().fit(PreparedTable(frame, [ColumnSpec("nd2", Role.CONTINUOUS)]))
    [span] = transformer.layout_
    assert span.decimals == 6
    written = span.written(np.array([-30.0, -23.0258509299405, -2.29072684, 0.367871027040846, 9.0]))
    assert written.tolist() == [-23.025851, -23.025851, -2.290727, 0.367871, 0.367871]
    rows = transformer.inverse_transform(transformer.transform(frame))
    assert validity(rows, transformer.layout_)["numeric_in_range"] == 1.0
    assert validity(rows.assign(nd2=rows["nd2"] - 1e-6), transformer.layout_)["numeric_in_range"] < 1.0


def test_a_column_on_a_grid_coarser_than_its_decimals_has_that_step():
    step = lambda values, places: grid_step(pd.Series(values, dtype=float), places)
    assert step([20, 25, 35, 60, 45], 0) == 5.0                 # ages in 5s
    assert step([0, 0.5, 1, 0, 1], 1) == 0.5                    # edema
    assert step([0.5, 1.5, 3.5, 2.5], 1) == 1.0                 # halves off the whole numbers
    assert step([50, 70, 100, 90], 0) == 10.0                   # Karnofsky scores
    assert step([1, 2, 3, 5], 0) == 0.0                         # no coarser grid than the decimals
    assert step([0.12, 0.37, 1.05], 2) == 0.0
    assert step([0, 10], 0) == 0.0                              # two values tell no grid
    assert step([1 / 3, 2 / 3, 1.0, 4 / 3], 6) == 0.0            # the decimals do not write thirds
    assert step([1e300, 2e300, 3e300], 0) == 0.0                 # past exact integers in a float


def test_generated_numbers_are_written_on_the_column_grid_and_conditions_are_moved_onto_it():
    frame = pd.DataFrame({"age": [20.0, 25, 35, 60, 45, 30] * 3, "half": [0.5, 1.5, 3.5, 2.5, 0.5, 1.5] * 3,
                          "cm": [10.25, 11.5, 12.0, 9.75, 10.0, 11.25] * 3})
    transformer = TableTransformer().fit(PreparedTable(frame, [
        ColumnSpec("age", Role.INTEGER), ColumnSpec("half", Role.CONTINUOUS), ColumnSpec("cm", Role.CONTINUOUS)]))
    age, half, cm = transformer.layout_
    assert (age.step, half.step, cm.step, cm.decimals) == (5.0, 1.0, 0.25, 2)
    assert age.written(np.array([21.0, 22.6, 58.0, 61.0, 3.0])).tolist() == [20, 25, 60, 60, 20]
    assert half.written(np.array([2.2, 0.0, 3.4, 9.0])).tolist() == [2.5, 0.5, 3.5, 3.5]
    assert cm.written(np.array([10.1, 10.13, 11.9])).tolist() == [10.0, 10.25, 12.0]
    assert age.within(22, 38) == (25.0, 35.0) and age.within(25, 35) == (25.0, 35.0)
    assert half.within(0.7, 3.5) == (1.5, 3.5) and cm.within(10.01, 10.5) == (10.25, 10.5)
    plain = TableTransformer().fit(PreparedTable(pd.DataFrame({"n": [1.0, 2, 4, 7]}), [ColumnSpec("n", Role.INTEGER)]))
    assert plain.layout_[0].step == 0.0 and plain.layout_[0].within(50.2, 75) == (51.0, 75.0)
    restored = TableTransformer.from_dict(transformer.to_dict())
    assert restored.layout_ == transformer.layout_
    old = transformer.to_dict()                         # a project saved before the grid
    for span in old["layout"]:
        del span["step"]
    assert [span.step for span in TableTransformer.from_dict(old).layout_] == [0.0, 0.0, 0.0]


def test_a_blank_cell_holds_its_fill_even_off_the_grid_of_the_cells_that_are_not_blank():
    """pbc's ast: the shown cells on a 0.01 grid, blank ones filled with the median 116.625.
    A generated blank holds exactly that fill (as the prepared frame does, so the two compare
    as they are); snapped onto the grid it moved a third of the column off its real value."""
    shown = [26.35, 116.62, 116.63, 338.0, 80.6]
    frame = pd.DataFrame({"ast": shown + [116.625] * 3, blank_column("ast"): [False] * 5 + [True] * 3})
    transformer = TableTransformer().fit(PreparedTable(frame, [ColumnSpec("ast", Role.CONTINUOUS, blanks=True)]))
    [span] = transformer.layout_
    assert (span.step, span.fill, span.decimals) == (0.01, 116.625, 3)
    rows = transformer.inverse_transform(transformer.transform(frame))
    assert rows["ast"].tolist() == frame["ast"].tolist()
    assert rows[blank_column("ast")].tolist() == frame[blank_column("ast")].tolist()

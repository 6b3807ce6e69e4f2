"""R.csv parsing (the command line's contract) and the Eq. 5 expansion."""
import numpy as np
import pytest

from core.errors import InputError
from core.roles import Role
from core.semantics import SemanticMatrix
from core.transformer import Span

FEATURES = ["结构体系", "裂缝宽度", "碳化深度"]


def test_blank_is_zero_and_missing_data_columns_are_zero():
    text = "semantic,结构体系,裂缝宽度\n布置,1,\n裂缝,0,1\n".encode("utf-8-sig")
    r = SemanticMatrix.from_csv(text, FEATURES)
    assert r.names == ["布置", "裂缝"]
    np.testing.assert_array_equal(r.values, [[1, 0, 0], [0, 1, 0]])
    assert r.unassigned_features() == ["碳化深度"]


def test_gbk_file_is_read():
    r = SemanticMatrix.from_csv("semantic,碳化深度\n耐久性,1\n".encode("gbk"), FEATURES)
    assert r.names == ["耐久性"] and r.values[0, 2] == 1


@pytest.mark.parametrize("text, message", [
    ("semantic,层数\n布置,1\n", "are not columns of the data: '层数'"),
    ("结构体系,裂缝宽度\n1,0\n", "first column must hold the semantic names"),
    ("semantic,结构体系\n布置,2\n", "row 2, column '结构体系' must be 1, 0 or blank"),
    ("semantic,结构体系\n布置,maybe\n", "row 2, column '结构体系'"),
    ("semantic,结构体系,裂缝宽度\n布置,1,0\n裂缝,0,0\n", "semantic '裂缝' has no feature"),
    ("semantic,结构体系\n布置,1\n布置,1\n", "semantic '布置' appears twice"),
])
def test_bad_r_files_are_refused_with_the_place_named(text, message):
    with pytest.raises(InputError, match=message):
        SemanticMatrix.from_csv(text.encode(), FEATURES, source="R.csv")


def test_expand_gives_every_one_hot_column_its_feature_value():
    layout = [Span("结构体系", Role.CATEGORICAL, 0, 3, ("a", "b", "c")),
              Span("裂缝宽度", Role.CONTINUOUS, 3, 4), Span("标签", Role.BINARY, 4, 5, ("n", "y"))]
    r = SemanticMatrix(["布置", "裂缝"], FEATURES, [[1, 0, 0], [0, 1, 1]])
    np.testing.assert_array_equal(r.expand(layout), [[1, 1, 1, 0, 0], [0, 0, 0, 1, 0]])


def test_csv_round_trip_and_warnings():
    r = SemanticMatrix(["布置", "空"], FEATURES, [[1, 1, 0], [0, 0, 0]])
    back = SemanticMatrix.from_csv(r.to_csv_bytes(), FEATURES, require_members=False)
    assert back.names == r.names and (back.values == r.values).all()
    notes = [str(note) for note in r.warnings(latent_dim=1)]
    assert any("'空' has no feature" in n for n in notes)
    assert any("碳化深度" in n for n in notes)
    assert any("2 semantics and 1 latents" in n for n in notes)


def test_r_written_as_an_engineer_would_is_read():
    """Any name for the first column, tick marks from a spreadsheet, or features down the side."""
    ticks = "名称,结构体系,裂缝宽度,碳化深度\n布置,√,,否\n裂缝,0,1.0,yes\n".encode("utf-8")
    r = SemanticMatrix.from_csv(ticks, FEATURES)
    assert r.names == ["布置", "裂缝"]
    np.testing.assert_array_equal(r.values, [[1, 0, 0], [0, 1, 1]])
    down = "feature,布置,裂缝\n结构体系,1,0\n裂缝宽度,0,1\n碳化深度,,1\n".encode("utf-8")
    turned = SemanticMatrix.from_csv(down, FEATURES)
    assert turned.names == ["布置", "裂缝"] and (turned.values == r.values).all()

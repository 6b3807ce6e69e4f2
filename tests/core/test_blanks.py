"""Blank cells that a survey leaves on purpose (depth not measured, section not filled): a column
with at least 5 % of them keeps them. The model learns which rows are blank, generated rows are
blank as often and in the same kind of rows, and the values they do hold have the real shape,
without the spike that filling every blank with the median or the mode puts in them."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from core.augmentation_check import compare
from core.columns import blank_column, prepare_table, reading_notes
from core.errors import InputError
from core.generation import generate
from core.model import TrainConfig
from core.projectfile import load_project, save_project
from core.roles import Role
from core.semantics import SemanticMatrix
from core.training import fit
from core.transformer import TableTransformer
from tests.conftest import cli, edit_project_file, fit_on_cli


def test_a_column_keeps_its_blanks_from_five_percent_with_a_companion_that_marks_them():
    n = 40
    frame = pd.DataFrame({
        "depth": ["缺失" if i % 4 == 0 else "n/a" if i == 1 else str(1 + i % 7) for i in range(n)],   # 11 of 40
        "kind": [None if i % 10 == 3 else "砖混" if i % 2 else "框架" for i in range(n)],                # 4 of 40
        "floors": [None if i == 5 else str(i % 6 + 1) for i in range(n)],                              # 1 of 40
    })
    table = prepare_table(frame)
    specs = {spec.name: spec for spec in table.specs}
    assert specs["depth"].blanks and specs["kind"].blanks and not specs["floors"].blanks
    assert table.frame[blank_column("depth")].tolist() == [i % 4 == 0 or i == 1 for i in range(n)]
    assert table.frame[blank_column("kind")].sum() == 4
    assert blank_column("floors") not in table.frame.columns
    assert list(table.frame.columns[:3]) == ["depth", "kind", "floors"]   # the companions trail the columns
    assert not table.frame[["depth", "kind", "floors"]].isna().any().any()   # filled for training, as before
    notes = {note.code: note for note in reading_notes(table)}
    assert notes["read.kept_blank"].params["name"] in ("depth", "kind")
    assert "1 missing cell(s) filled with median" in str(notes["read.filled"])   # floors: under 5 %


def test_columns_blank_in_the_same_rows_get_one_reading_note():
    """A form section left empty: one note for its columns, not one per column."""
    n = 40
    section = [i % 5 == 0 for i in range(n)]
    frame = pd.DataFrame({"use": [None if s else ["住宅", "商业"][i % 2] for i, s in enumerate(section)],
                          "families": [None if s else str(i % 4 + 1) for i, s in enumerate(section)],
                          "shops": [None if s else str(i % 3) for i, s in enumerate(section)],
                          "depth": [None if i % 7 == 1 else f"{0.1 * (i % 9):.1f}" for i in range(n)]})
    notes = [str(note) for note in reading_notes(prepare_table(frame))]
    assert notes[0] == ("columns 'use', 'families', 'shops': blank in the same 8 row(s) (20%), kept: the model "
                        "learns which rows are blank, and generated rows leave as many blank (for training, each "
                        "is filled with its median or most frequent label)")
    assert len(notes) == 2 and notes[1].startswith("column 'depth': 6 missing cell(s) (15%) kept")


def test_the_encoding_carries_the_blank_and_writes_it_back_in_each_role():
    frame = pd.DataFrame({
        "width": [None, "0.2", "0.35", None, "0.1", "0.4", "0.15", "0.3", "0.25", "0.05"],
        "floors": ["3", None, "5", "2", "6", "4", "3", "2", "5", "4"],
        "kind": ["砖混", "框架", None, "框架", "砖混", "钢", "框架", "砖混", "框架", "钢"],
        "built": ["2001-05-03", "1998-11-20", "2010-01-15", None, "2005-07-07", "1995-03-30", "2012-12-01",
                  "2003-09-09", "1999-02-02", "2008-08-08"],
    })
    table = prepare_table(frame)
    transformer = TableTransformer().fit(table)
    spans = {span.name: span for span in transformer.layout_}
    assert all(span.blank for span in spans.values()) and spans["kind"].width == 4   # 3 labels + blank
    assert transformer.columns_[spans["kind"].stop - 4:spans["kind"].stop] == ["kind=框架", "kind=砖混", "kind=钢", "kind=∅"]
    encoded = transformer.transform(table.frame)
    for name, span in spans.items():
        assert encoded[:, span.stop - 1].tolist() == frame[name].isna().astype(float).tolist()
    rows = transformer.inverse_transform(encoded)
    written = transformer.written(rows)
    assert list(written.columns) == ["width", "floors", "kind", "built"]   # companions gone
    assert np.isnan(written["width"][0]) and written["width"][1] == 0.2
    assert written["floors"][1] is None and written["floors"][0] == 3
    assert written["kind"][2] == "" and written["kind"][0] == "砖混"
    assert written["built"][3] == "" and written["built"][0] == "2001-05-03"
    again = TableTransformer.from_dict(transformer.to_dict())   # the project file's round trip
    assert again.layout_ == transformer.layout_


def _survey(n: int = 400, seed: int = 0) -> pd.DataFrame:
    """Carbonation depth is measured on concrete frames only, and their year is sometimes unknown."""
    rng = np.random.default_rng(seed)
    frame_built = rng.random(n) < 0.6
    age = rng.integers(5, 60, n).astype(float)
    depth = np.round(0.3 * np.sqrt(age) + rng.normal(0, 0.2, n), 2)
    return pd.DataFrame({
        "结构": np.where(frame_built, "框架", "砖混"),
        "房龄": np.where(rng.random(n) < 0.1, np.nan, age),
        "碳化深度": np.where(frame_built, depth, np.nan),
        "层数": np.where(frame_built, rng.integers(4, 12, n), rng.integers(1, 4, n)),
    })


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    return fit_on_cli(tmp_path_factory.mktemp("blanks"), _survey(), {"构造": ["结构", "层数"], "耐久": ["房龄", "碳化深度"]})


def test_generated_rows_are_blank_as_often_and_where_the_real_ones_are(fitted):
    result = cli("generate", "p.zip", "--n", "2000", "--out", "rows.csv", "--seed", "3", cwd=fitted)
    assert result.returncode == 0, result.stderr
    rows = pd.read_csv(fitted / "rows.csv", dtype=str, keep_default_na=False)
    real = pd.read_csv(fitted / "survey.csv", dtype=str, keep_default_na=False)
    for name in ("碳化深度", "房龄"):
        assert abs((rows[name] == "").mean() - (real[name] == "").mean()) < 0.05, name
    # depth is blank on brick buildings, as in the survey (before: never blank, and 40 % of the
    # values at the median)
    brick = rows["结构"] == "砖混"
    assert (rows.loc[brick, "碳化深度"] == "").mean() > 0.85 and (rows.loc[~brick, "碳化深度"] == "").mean() < 0.15
    measured = rows.loc[rows["碳化深度"] != "", "碳化深度"].astype(float)
    real_measured = real.loc[real["碳化深度"] != "", "碳化深度"].astype(float)
    median = float(real_measured.median())
    assert (measured == median).mean() < 0.05   # no spike where the blanks were filled
    assert abs(measured.mean() - real_measured.mean()) < 0.1


def test_a_condition_on_a_value_is_never_met_by_a_blank_and_an_empty_one_asks_for_blanks(fitted):
    result = cli("generate", "p.zip", "--n", "300", "--out", "where.csv", "--where", "碳化深度=1.5..3",
                 cwd=fitted)
    assert result.returncode == 0, result.stderr
    rows = pd.read_csv(fitted / "where.csv", dtype=str, keep_default_na=False)
    assert len(rows) == 300 and rows["碳化深度"].astype(float).between(1.5, 3).all()
    assert (rows["结构"] == "框架").mean() > 0.9   # only frames have a depth
    result = cli("generate", "p.zip", "--n", "300", "--out", "no_depth.csv", "--where", "碳化深度=", cwd=fitted)
    assert result.returncode == 0, result.stderr
    rows = pd.read_csv(fitted / "no_depth.csv", dtype=str, keep_default_na=False)
    assert len(rows) == 300 and (rows["碳化深度"] == "").all() and (rows["结构"] == "砖混").mean() > 0.9
    result = cli("generate", "p.zip", "--n", "10", "--out", "x.csv", "--where", "层数=", cwd=fitted)
    assert result.returncode == 2 and "'层数' holds numbers" in result.stderr   # no blanks kept there


def test_a_project_keeps_the_blanks_of_its_model(fitted):
    project = load_project((fitted / "p.zip").read_bytes())
    spans = {span.name: span for span in project.model.transformer.layout_}
    assert spans["碳化深度"].blank and spans["房龄"].blank and not spans["结构"].blank
    assert blank_column("碳化深度") in project.model.calibration
    again = load_project(save_project(project))
    assert again.model.transformer.layout_ == project.model.transformer.layout_
    assert spans["碳化深度"].role is Role.CONTINUOUS


def test_generated_blank_cells_hold_the_fill_of_the_real_ones_until_written(fitted):
    """Inside, a generated blank holds what a real blank holds in the prepared frame (its median
    or most frequent label), so the two compare as they are; `complete` writes it blank."""
    model = load_project((fitted / "p.zip").read_bytes()).model
    rows = generate(model, 500, seed=2)
    span = next(span for span in model.transformer.layout_ if span.name == "碳化深度")
    blank = rows[blank_column("碳化深度")]
    assert 0.2 < blank.mean() < 0.6 and (rows.loc[blank, "碳化深度"] == span.fill).all()
    assert (rows.loc[~blank, "碳化深度"] != span.fill).mean() > 0.9
    written = model.complete(rows, seed=2)
    assert written["碳化深度"].isna().tolist() == blank.tolist() and blank_column("碳化深度") not in written


def test_a_hand_edited_fill_that_is_no_label_of_its_column_is_refused(fitted):
    layout = load_project((fitted / "p.zip").read_bytes()).model.transformer.layout_
    number = next(i for i, span in enumerate(layout) if span.blank)   # a number: a label will not do

    def edit(document):
        document["model"]["transformer"]["layout"][number]["fill"] = "__class__"
    edited = edit_project_file((fitted / "p.zip").read_bytes(), edit)
    with pytest.raises(InputError, match=rf"layout\[{number}\].fill must be one of its labels, or a number"):
        load_project(edited, "shared.zip")


def test_the_augmentation_check_leaves_out_rows_whose_class_is_blank():
    """A row whose class was never recorded is no row of the most frequent class (its fill)."""
    rng = np.random.default_rng(0)
    n = 200
    grade = np.array(["A"] * 100 + ["B"] * 40 + [None] * 60, dtype=object)
    frame = pd.DataFrame({"等级": grade, "房龄": rng.integers(5, 60, n).astype(str),
                          "层数": rng.integers(1, 7, n).astype(str)})
    table = prepare_table(frame)
    assert blank_column("等级") in table.frame.columns
    model = fit(table, SemanticMatrix(["a", "b"], table.features, [[1, 1, 0], [0, 0, 1]]),
                TrainConfig(epochs=20, finetune_epochs=2, detail_latents=0))
    result = compare(model, table.frame, "等级", "B", n_splits=2)
    assert result["n_new"] == 42   # 70 A - 28 B in 70 % of the 140 rows with a class (60 blanks left out)


def test_a_width_measured_only_on_cracked_buildings_is_modelled_where_it_was_measured(tmp_path):
    """75 % blank: before, set aside as mostly missing and drawn apart from the grades."""
    rng = np.random.default_rng(1)
    n = 400
    grade = rng.choice(["A", "B", "C", "D"], n, p=[0.45, 0.3, 0.15, 0.1])
    width = np.where(grade == "D", rng.gamma(4, 0.3, n), rng.gamma(4, 0.1, n)).round(2)
    frame = pd.DataFrame({"等级": grade, "裂缝宽度": np.where(np.isin(grade, ["C", "D"]), width, np.nan),
                          "房龄": (rng.integers(5, 60, n) + 10 * (grade == "D")).astype(int)})
    fit_on_cli(tmp_path, frame, {"损坏": ["等级", "裂缝宽度"], "年代": ["房龄"]})
    result = cli("generate", "p.zip", "--n", "2000", "--out", "rows.csv", "--seed", "2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = pd.read_csv(tmp_path / "rows.csv", keep_default_na=False, dtype=str)
    measured = rows["裂缝宽度"] != ""
    assert abs(measured.mean() - 0.25) < 0.06
    cracked = rows["等级"].isin(["C", "D"])
    assert measured[cracked].mean() > 0.8 and measured[~cracked].mean() < 0.1
    widths = rows.loc[measured, "裂缝宽度"].astype(float)
    assert widths[rows["等级"] == "D"].mean() > 1.5 * widths[rows["等级"] == "C"].mean()


def test_one_word_written_only_for_the_rare_dangerous_buildings_is_modelled_as_a_tick_box(tmp_path):
    """'危房' for 6 % of the buildings and blank elsewhere: before, too few values, set aside and
    drawn apart from the grades; now two values, the blank one of them."""
    rng = np.random.default_rng(2)
    n = 400
    grade = rng.choice(["A", "B", "C", "D"], n, p=[0.45, 0.3, 0.15, 0.1])
    dangerous = (grade == "D") & (rng.random(n) < 0.6)
    frame = pd.DataFrame({"等级": grade, "危房": np.where(dangerous, "危房", None),
                          "房龄": (rng.integers(5, 60, n) + 15 * (grade == "D")).astype(int)})
    table = prepare_table(frame)
    entry = next(e for e in table.report if e.name == "危房")
    assert entry.role is Role.BINARY and str(entry.reason) == "'危房' or blank: two values, the blank one of them"
    fit_on_cli(tmp_path, frame, {"损坏": ["等级", "危房"], "年代": ["房龄"]})
    result = cli("generate", "p.zip", "--n", "3000", "--out", "rows.csv", "--seed", "2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = pd.read_csv(tmp_path / "rows.csv", keep_default_na=False, dtype=str)
    marked = rows["危房"] == "危房"
    assert set(rows["危房"]) == {"", "危房"} and abs(marked.mean() - dangerous.mean()) < 0.03
    assert (rows.loc[marked, "等级"] == "D").mean() > 0.4   # all real ones are D, 10 % of all buildings
    result = cli("generate", "p.zip", "--n", "200", "--out", "where.csv", "--where", "危房=危房", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (pd.read_csv(tmp_path / "where.csv", dtype=str)["等级"] == "D").mean() > 0.4


def test_the_evaluation_reports_how_often_each_column_is_blank_real_and_generated(fitted):
    result = cli("evaluate", "p.zip", "--real", "survey.csv", cwd=fitted)
    assert result.returncode == 0, result.stderr
    blanks = json.loads(result.stdout)["blanks"]
    assert set(blanks) == {"碳化深度", "房龄"}
    real = pd.read_csv(fitted / "survey.csv")
    for name, shares in blanks.items():
        assert shares["real"] == pytest.approx(real[name].isna().mean())
        assert abs(shares["generated"] - shares["real"]) < 0.05, name

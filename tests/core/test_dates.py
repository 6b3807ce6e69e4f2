"""A column of dates (竣工日期 2007/7/7): modelled in years, written back as dates in the
column's own style, kept by the project file, and a range of dates works with --where."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.cells import date_of
from core.projectfile import load_project
from tests.conftest import cli, fit_on_cli


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """300 buildings whose grade follows their age; fitted on the command line."""
    folder = tmp_path_factory.mktemp("dates")
    rng = np.random.default_rng(0)
    n = 300
    built = rng.integers(1960, 2015, n)
    frame = pd.DataFrame({
        "竣工日期": [f"{y}/{m}/{d}" for y, m, d in zip(built, rng.integers(1, 13, n), rng.integers(1, 29, n))],
        "结构": rng.choice(["砖混", "框架"], n),
        "裂缝宽度": np.round(rng.gamma(2.0, 0.2, n) * (2020 - built) / 40, 2),
        "等级": np.where(2020 - built + rng.normal(0, 8, n) > 50, "D", "B")})
    return fit_on_cli(folder, frame, {"age": ["竣工日期", "等级"], "damage": ["结构", "裂缝宽度"]}), frame


def _years(column: pd.Series) -> np.ndarray:
    return np.array([date_of(text).year for text in column])


def test_generated_dates_are_written_as_the_survey_writes_them(fitted):
    folder, frame = fitted
    assert cli("generate", "p.zip", "--n", "400", "--out", "rows.csv", cwd=folder).returncode == 0
    rows = pd.read_csv(folder / "rows.csv", dtype=str)
    assert list(rows.columns) == list(frame.columns)
    assert rows["竣工日期"].str.fullmatch(r"\d{4}/[1-9]\d?/[1-9]\d?").all()   # 2007/7/7: no zeros added
    built = _years(rows["竣工日期"])
    assert built.min() >= 1960 and built.max() <= 2014 and len(np.unique(built)) > 20


def test_the_project_file_keeps_the_dates_and_their_style(fitted):
    folder, _ = fitted
    span = next(s for s in load_project(folder / "p.zip").model.transformer.layout_ if s.name == "竣工日期")
    assert span.role.value == "date" and span.style == "{Y}/{M}/{D}" and 1960 <= span.low < span.high < 2015


def test_a_range_of_dates_holds_for_every_row_and_brings_its_grades(fitted):
    folder, frame = fitted
    result = cli("generate", "p.zip", "--n", "300", "--out", "old.csv",
                 "--where", "竣工日期=1960-01-01..1969-12-31", cwd=folder)
    assert result.returncode == 0, result.stderr
    rows = pd.read_csv(folder / "old.csv", dtype=str)
    built = _years(rows["竣工日期"])
    assert len(rows) == 300 and built.min() >= 1960 and built.max() <= 1969
    real_old = frame.loc[_years(frame["竣工日期"]) < 1970, "等级"]
    assert (rows["等级"] == "D").mean() > 0.5 > (frame["等级"] == "D").mean()   # old buildings: mostly D
    assert abs((rows["等级"] == "D").mean() - (real_old == "D").mean()) < 0.2


def test_a_range_that_is_neither_numbers_nor_dates_is_a_clear_error(fitted):
    folder, _ = fitted
    result = cli("generate", "p.zip", "--n", "5", "--out", "x.csv", "--where", "竣工日期=1960..long ago", cwd=folder)
    assert result.returncode != 0 and "must be numbers, or dates such as 2007-07-07" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_project_saved_when_dates_were_set_aside_opens_with_its_model():
    from core.roles import Role
    from core.model import TrainConfig
    from core.project import Project
    from core.projectfile import save_project
    from core.semantics import SemanticMatrix
    from core.training import fit
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"检测日期": [f"2019-{m:02d}-{d:02d}" for m, d in zip(rng.integers(1, 13, 60), rng.integers(1, 28, 60))],
                          "层数": rng.integers(1, 7, 60).astype(str), "结构": rng.choice(["砖混", "框架"], 60)})
    project = Project(data=frame, source_name="old.csv", encoding="utf-8")
    project.roles = {"检测日期": Role.EXCLUDED}   # what inference decided before dates were modelled
    project.semantics = SemanticMatrix(["s"], project.prepared().features, [[1, 1]])
    project.model = fit(project.prepared(), project.semantics, TrainConfig(epochs=20, finetune_epochs=2))
    project.roles = {}                              # ... and the file recorded no role of the user's
    opened = load_project(save_project(project), "old.zip")
    assert opened.model is not None and opened.roles == {"检测日期": Role.EXCLUDED}
    assert opened.prepared().features == ["层数", "结构"]


@pytest.mark.parametrize("where, said", [
    ("竣工日期=2007-07-07", "'竣工日期' holds dates; give a range of them, e.g. 竣工日期=19"),
    ("竣工日期=1900-01-01..1910-12-31", "竣工日期=1900-01-01..1910-12-31: no row of the data has it ('竣工日期' runs 19")])
def test_a_date_condition_that_cannot_hold_names_the_dates_the_data_has(fitted, where, said):
    folder, _ = fitted
    result = cli("generate", "p.zip", "--n", "5", "--out", "x.csv", "--where", where, cwd=folder)
    assert result.returncode != 0 and said in result.stderr and "Traceback" not in result.stderr

"""Bring your own table: a survey-like table (tests/survey_table.py) through the command line.

The table has an identifier, a region code named like an id, a numeric column with two text
cells, four flags that never occur (constant), one-letter codes and a grade coded 1/2/3; its
R ticks one constant flag and the region code.
"""
from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from core.columns import prepare_table, reading_notes
from core.errors import InputError
from core.evaluation import column_shapes
from core.generation import generate
from core.projectfile import load_project
from core.roles import Role
from core.semantics import SemanticMatrix
from core.table import read_table
from core.model import TrainConfig
from core.training import fit
from core.export import xlsx_bytes
from tests.conftest import cli
from tests.survey_table import NEVER, survey_frame, survey_semantics

SHORT = ["--epochs", "80", "--finetune-epochs", "30", "--seed", "1"]


@pytest.fixture(scope="module")
def survey(tmp_path_factory):
    folder = tmp_path_factory.mktemp("survey")
    frame = survey_frame()
    frame.to_csv(folder / "survey.csv", index=False)
    survey_semantics([c for c in frame.columns if c != "damage_grade"]).to_csv(folder / "R.csv", index=False)
    return folder, frame


@pytest.fixture(scope="module")
def fitted(survey):
    """`fit DATA --semantics R.csv --role damage_grade=categorical`, in process; (stderr, folder)."""
    folder, _ = survey
    result = cli("fit", "survey.csv", "--semantics", "R.csv", "--out", "p.zip",
                 "--role", "damage_grade=categorical", *SHORT, cwd=folder)
    assert result.returncode == 0, result.stderr
    return result.stderr, folder


def test_fit_warns_and_names_the_r_columns_it_cannot_use(fitted):
    stderr, _ = fitted
    lines = stderr.splitlines()
    assert all(line.startswith("note: ") for line in lines)
    assert "survey.csv: read as utf-8, delimiter ','" in lines[0]
    site = next(line for line in lines if "semantic 'site'" in line)
    assert "'geo_level_1_id': name looks like an id" in site and "score nothing" in site
    use = next(line for line in lines if "semantic 'use'" in line)
    assert all(f"'{flag}': constant" in use for flag in NEVER)
    # what the reader did: text cells in a numeric column with their rows, excluded columns
    assert "column 'age': 2 text cell(s) among numbers treated as missing (row(s) 9, 43: 'unknown', 'inf')" \
        in stderr
    assert "column 'building_id' is not modelled: name looks like an id" in stderr
    assert "32 of 38 columns are modelled" in stderr


def test_generated_csv_has_every_input_column_in_input_order_and_valid_rows(survey, fitted):
    real, folder = survey[1], fitted[1]
    result = cli("generate", "p.zip", "--n", "400", "--out", "g.csv", cwd=folder)
    assert result.returncode == 0, result.stderr
    rows = pd.read_csv(folder / "g.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(rows.columns) == list(real.columns) and len(rows) == 400
    assert (rows["building_id"] == "").all()                       # no identifier is copied
    assert set(rows["geo_level_1_id"]) <= set(real["geo_level_1_id"].astype(str))
    for flag in NEVER:                                             # constant columns keep their value
        assert set(rows[flag]) == {"0"}
    assert "6 column(s) were not modelled" in result.stderr
    for column in ("foundation_type", "roof_type", "plan_configuration", "damage_grade",
                   "has_superstructure_timber"):                   # categories from the real set
        assert set(rows[column]) <= set(real[column].astype(str)), column
    for column in ("count_floors_pre_eq", "area_percentage", "count_families"):
        values = rows[column].astype(float)
        assert (values == values.round()).all(), column            # integers stay integral
        assert values.min() >= real[column].min() and values.max() <= real[column].max(), column
    ages = pd.to_numeric(real["age"], errors="coerce").dropna()
    generated_ages = rows["age"].astype(float)
    assert generated_ages.between(ages.min(), ages.max()).all()


def test_the_role_is_saved_and_the_coded_class_works_as_a_label(fitted):
    _, folder = fitted
    project = load_project(folder / "p.zip")
    assert project.roles == {"damage_grade": Role.CATEGORICAL}
    span = next(s for s in project.model.transformer.layout_ if s.name == "damage_grade")
    assert span.categories == ("1", "2", "3")
    result = cli("report", "p.zip", cwd=folder)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["input_columns"][0] == "building_id" and len(report["input_columns"]) == 38
    assert {u["column"] for u in report["unmodelled"]} == {"building_id", "geo_level_1_id", *NEVER}
    from core.augmentation import augment
    rows = augment(project.model, project.prepared().frame, "damage_grade", "1", 20)
    assert len(rows) == 20 and set(rows["damage_grade"]) == {"1"}


def test_an_integer_coded_class_is_flagged_and_the_label_route_says_how_to_fix_it(survey):
    _, frame = survey
    table = prepare_table(read_table(frame.to_csv(index=False).encode(), "survey.csv").frame)
    entry = next(e for e in table.report if e.name == "damage_grade")
    assert entry.role is Role.INTEGER and entry.maybe_class
    assert "maybe a class coded as numbers" in str(entry.reason)
    assert any("--role damage_grade=categorical" in str(n) for n in reading_notes(table))
    assert not next(e for e in table.report if e.name == "count_floors_pre_eq").maybe_class
    model = fit(table, SemanticMatrix.from_frame(survey_semantics(table.columns), table.columns),
                TrainConfig(epochs=5, finetune_epochs=0))
    from core.augmentation import augment
    with pytest.raises(InputError, match=r"set its role to categorical \(--role damage_grade=categorical"):
        augment(model, table.frame, "damage_grade", "1", 5)


def test_r_keeps_ticks_on_unmodelled_columns_and_brings_them_back(survey):
    _, frame = survey
    raw = read_table(frame.to_csv(index=False).encode(), "survey.csv").frame
    R = SemanticMatrix.from_frame(survey_semantics(raw.columns), list(raw.columns))
    without_age = prepare_table(raw, exclude=["age"])
    notes = [str(n) for n in R.warnings(unmodelled=without_age.unmodelled_reasons())]
    assert any("semantic 'age' ticks 1 column(s) the model does not use ('age': set by the user)" in n
               for n in notes)
    assert "semantic 'age' has no feature the model uses" in notes
    model = fit(without_age, R, TrainConfig(epochs=5, finetune_epochs=0))
    assert R.expand(model.transformer.layout_)[R.names.index("age")].sum() == 0   # scores nothing
    back = prepare_table(raw)
    assert R.usable(back.features).all()                                         # the tick is back
    assert not any("'age'" in str(n) for n in R.warnings(unmodelled=back.unmodelled_reasons()))


def test_unknown_r_columns_are_all_listed_with_suggestions(survey):
    _, frame = survey
    r = survey_semantics(frame.columns)
    r["has_secondry_use_school"] = 0
    r["storeys"] = 1
    with pytest.raises(InputError) as error:
        SemanticMatrix.from_frame(r, list(frame.columns), "R.csv")
    assert str(error.value) == ("R.csv: 2 column(s) are not columns of the data: 'has_secondry_use_school' "
                                "(did you mean 'has_secondary_use_school'?), 'storeys'")


def test_training_is_refused_when_no_semantic_has_a_usable_feature(survey):
    _, frame = survey
    table = prepare_table(read_table(frame.to_csv(index=False).encode(), "survey.csv").frame)
    only_constants = SemanticMatrix(["use"], table.columns, [[int(c in NEVER) for c in table.columns]])
    with pytest.raises(InputError, match="no semantic ticks a column the model uses"):
        fit(table, only_constants, TrainConfig(epochs=2, finetune_epochs=0))


def test_mostly_numeric_columns_stay_numeric_and_flags_stay_binary():
    n = 40
    data = pd.DataFrame({
        "height": [f"{3 + i % 7}.5" for i in range(n)],
        "flag": ["1" if i % 3 else "0" for i in range(n)],
        "code": [str(1 + i % 3) for i in range(n)],
    }, dtype=str)
    data.loc[[4, 30], "height"] = ["unknown", "inf"]
    data.loc[11, "flag"] = "x"
    table = prepare_table(data)
    roles = {e.name: e for e in table.report}
    assert roles["height"].role is Role.CONTINUOUS and roles["height"].text_cells == [(6, "unknown"), (32, "inf")]
    assert roles["flag"].role is Role.BINARY and roles["flag"].text_cells == [(13, "x")]
    assert next(s for s in table.specs if s.name == "flag").categories == ("0", "1")
    assert not roles["code"].maybe_class                    # no class-like name: not flagged


def test_role_argument_errors_are_one_line(survey):
    result = cli("fit", "survey.csv", "--semantics", "R.csv", "--out", "x.zip", "--role", "damage_grade=class",
                 cwd=survey[0])
    code, err = result.returncode, result.stderr
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("error: --role: role 'class' for column 'damage_grade' is not one of continuous")


def test_project_file_keeps_the_unmodelled_columns(fitted):
    _, folder = fitted
    model = load_project(folder / "p.zip").model
    rows = model.complete(generate(model, 50, seed=4), seed=4)
    assert list(rows.columns) == model.columns and len(model.columns) == 38
    book = pd.read_excel(io.BytesIO(xlsx_bytes(rows, notes=["6 column(s) were not modelled"])), sheet_name=None)
    assert list(book["generated"].columns) == model.columns
    assert book["notes"]["notes"].tolist() == ["6 column(s) were not modelled"]
    assert pd.api.types.is_integer_dtype(book["generated"]["has_secondary_use_school"])


def test_column_shapes_of_the_survey_model(survey, fitted):
    """Column-shape fidelity on the survey, with the short training of these tests."""
    _, folder = fitted
    project = load_project(folder / "p.zip")
    real = project.prepared().frame
    rows = generate(project.model, 1000, seed=0)
    shapes = column_shapes(real, rows, project.model.transformer.layout_)
    assert shapes["score"].mean() >= 0.85, shapes.sort_values("score").head()

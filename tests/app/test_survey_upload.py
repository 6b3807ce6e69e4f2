"""Bring your own table, in the app: a survey unlike the sample is uploaded, its semantics are not
inherited, training is gated, an R is imported, a role change changes the model, and the
download keeps every column of the survey."""
from __future__ import annotations

import pytest

from core.roles import Role
from core.training import fit
from tests.app.conftest import FAST, open_page, texts
from tests.survey_table import NEVER, survey_frame, survey_semantics

SURVEY = survey_frame()
R_FILE = survey_semantics(SURVEY.columns).to_csv(index=False).encode("utf-8")


@pytest.fixture(scope="module")
def uploaded():
    """The app after the survey was uploaded over the sample."""
    at = open_page()
    at.file_uploader(key="table_upload").set_value(("survey.csv", SURVEY.to_csv(index=False).encode(),
                                                    "text/csv"))
    return at.run()


def test_a_new_table_does_not_inherit_the_samples_semantics(uploaded):
    project = uploaded.session_state["project"]
    assert list(project.data.columns) == list(SURVEY.columns)
    assert project.semantics.names == [] and project.semantics.features == list(SURVEY.columns)
    assert "The semantics of buildings_30.csv (8) tick columns this table does not have" in texts(uploaded.warning)
    assert any(b.label == "Start with an empty R" for b in uploaded.button)
    assert any(u.label == "Import R (CSV)" for u in uploaded.get("file_uploader"))
    # the reader's findings are on the page: text cells in a numeric column, a coded class
    assert "Column 'age' is read as numbers; 2 text cell(s) were treated as missing: row 9 ('unknown'), " \
           "43 ('inf')." in texts(uploaded.warning)
    assert "damage_grade: whole numbers with few values" in texts(uploaded.info)


def test_training_is_gated_until_a_semantic_ticks_a_used_column(uploaded):
    uploaded.switch_page("pages/train.py").run()
    assert "Define at least one semantic that ticks a column the model uses" in texts(uploaded.info)
    assert not any(b.label == "Train" for b in uploaded.button)
    assert any(link.proto.label == "2 · Semantics" for link in uploaded.get("page_link"))
    uploaded.switch_page("pages/data.py").run()


def test_import_r_then_change_a_role_then_download_every_column(uploaded):
    at = uploaded
    at.file_uploader(key="data_r_upload").set_value(("survey_R.csv", R_FILE, "text/csv"))
    at.run()
    project = at.session_state["project"]
    assert len(project.semantics.names) == 7 and "were not carried over" not in texts(at.warning)
    at.switch_page("pages/semantics.py").run()
    warnings = texts(at.warning)
    assert "semantic 'use' ticks 4 column(s) the model does not use" in warnings
    assert "'has_secondary_use_school': constant" in warnings

    project.model = fit(project.prepared(), project.semantics, FAST)     # trained as the worker would
    before = {s.name: s.role for s in project.model.transformer.layout_}
    assert before["damage_grade"] is Role.INTEGER
    at.switch_page("pages/data.py").run()
    at.selectbox(key="override_column").set_value("damage_grade")
    at.selectbox(key="override_role_en").set_value("categorical")
    next(b for b in at.button if b.label == "Apply").click().run()
    assert project.roles == {"damage_grade": Role.CATEGORICAL}
    assert project.model is None and "no longer fits" in texts(at.warning)

    project.model = fit(project.prepared(), project.semantics, FAST)
    span = next(s for s in project.model.transformer.layout_ if s.name == "damage_grade")
    assert span.role is Role.CATEGORICAL and span.categories == ("1", "2", "3")
    at.switch_page("pages/generate.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="gen_aug_label").value == "damage_grade"     # the coded class is a label now
    assert at.selectbox(key="gen_aug_class").value == "1"                # the rarest first
    rows = project.generated
    assert list(rows.columns) == list(SURVEY.columns) and len(rows) == 100
    assert rows["building_id"].isna().all()
    assert all(set(rows[flag].astype(str)) == {"0"} for flag in NEVER)
    assert "6 column(s) were not modelled and are filled as in the survey" in texts(at.caption)


def test_groups_proposed_on_a_new_upload_become_the_starting_r():
    at = open_page()
    at.file_uploader(key="table_upload").set_value(("survey.csv", SURVEY.to_csv(index=False).encode(),
                                                    "text/csv")).run()
    at.button(key="data_propose").click().run()
    project = at.session_state["project"]
    assert 2 <= len(project.semantics.names) <= 12 and project.semantics.features == list(SURVEY.columns)
    assert project.semantics.usable(project.prepared().features).all()
    assert project.dropped_semantics is None and "Proposed " in texts(at.success)
    at.switch_page("pages/train.py").run()                 # training is no longer gated
    assert any(b.label == "Train" for b in at.button)

"""One state: the Project holds everything a session knows, and derived results are computed
once per change of what they depend on."""
from __future__ import annotations

import pytest

import core.evaluation
import core.project
import core.views
import pages.ui
from tests.app.conftest import open_page

PAGES = ["pages/data.py", "pages/semantics.py", "pages/train.py", "pages/analysis.py",
         "pages/generate.py", "pages/evaluate.py"]
ALLOWED = {"project", "lang", "r_grid"}   # the state, the UI language, the R grid's editor base


@pytest.fixture
def counted(monkeypatch):
    """Counts of the derivations that read every real row: the prepared table, slider
    controllability, the evaluation, the copy index, class counts and the compare charts' shares."""
    calls = {}

    def count(owner, name):
        function, key = getattr(owner, name), f"{owner.__name__.split('.')[-1]}.{name}"
        calls[key] = 0

        def wrapper(*args, **kwargs):
            calls[key] += 1
            return function(*args, **kwargs)
        monkeypatch.setattr(owner, name, wrapper)
    count(core.project, "prepare_table")
    count(pages.ui, "controllability")
    count(pages.ui, "class_counts")
    count(core.evaluation, "evaluate")                 # pages import it on every run: patched there
    count(core.evaluation.CopyIndex, "of")
    count(core.views.Shares, "of")
    return calls


def test_reruns_that_change_nothing_recompute_nothing(trained, counted):
    at = open_page("pages/generate.py", trained)
    for page in PAGES:
        at.switch_page(page).run()
    assert counted == {"project.prepare_table": counted["project.prepare_table"], "ui.controllability": 1,
                       "ui.class_counts": 1, "evaluation.evaluate": 1,
                       "CopyIndex.of": 2,               # Generate's, and the evaluation's own
                       "Shares.of": 2}                  # one label column; two features compared
    assert counted["project.prepare_table"] <= 1
    first = dict(counted)
    for page in PAGES:                                  # every page, twice more
        at.switch_page(page).run()
        at.run()
    at.switch_page("pages/generate.py").run()
    latent = next(s.key for s in at.slider if s.key)    # a slider moves: rows change, R and model do not
    at.slider(key=latent).set_value(2.0).run()
    assert counted == first


def test_a_change_recomputes_once(trained, counted):
    at = open_page("pages/data.py", trained)
    first = counted["project.prepare_table"]
    at.selectbox(key="override_column").set_value("结构体系")
    at.selectbox(key="override_role_en").set_value("excluded")
    next(b for b in at.button if b.label == "Apply").click().run()
    assert trained.exclude == ["结构体系"] and trained.model is None
    assert counted["project.prepare_table"] == first + 1   # the sample without one column, once
    at.run()
    at.switch_page("pages/semantics.py").run()
    assert counted["project.prepare_table"] == first + 1


def test_pages_keep_no_state_outside_the_project(trained):
    at = open_page(project=trained)
    for page in PAGES:
        at.switch_page(page).run()
    next(b for b in at.button if b.label == "Generate rows of this class").click().run()
    inner = at.session_state._state._state
    widgets = set(inner._key_id_mapper._key_id_mapping)
    others = set(at.session_state._state.filtered_state) - widgets
    assert others <= ALLOWED, others - ALLOWED

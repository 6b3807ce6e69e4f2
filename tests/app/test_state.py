"""One state: the Project holds everything a session knows, and derived results are computed
once per change of what they depend on."""
from __future__ import annotations

import pytest

import core.project
import pages.ui
from tests.app.conftest import open_page

PAGES = ["pages/data.py", "pages/semantics.py", "pages/train.py", "pages/analysis.py",
         "pages/generate.py", "pages/evaluate.py"]
ALLOWED = {"project", "lang", "r_grid"}   # the state, the UI language, the R grid's editor base


@pytest.fixture
def counted(monkeypatch):
    """Counts of the expensive derivations: the prepared table and slider controllability."""
    calls = {"prepare_table": 0, "controllability": 0}

    def counting(name, function):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return function(*args, **kwargs)
        return wrapper
    monkeypatch.setattr(core.project, "prepare_table", counting("prepare_table", core.project.prepare_table))
    monkeypatch.setattr(pages.ui, "controllability", counting("controllability", pages.ui.controllability))
    return calls


def test_reruns_that_change_nothing_recompute_nothing(trained, counted):
    at = open_page("pages/generate.py", trained)
    assert counted["prepare_table"] <= 1 and counted["controllability"] == 1
    first = dict(counted)
    for page in PAGES[:5]:                              # every page, twice
        at.switch_page(page).run()
        at.run()
    latent = next(s.key for s in at.slider if s.key)    # a slider moves: rows change, R and model do not
    at.slider(key=latent).set_value(2.0).run()
    assert counted == first


def test_a_change_recomputes_once(trained, counted):
    at = open_page("pages/data.py", trained)
    first = counted["prepare_table"]
    at.selectbox(key="override_column").set_value("结构体系")
    at.selectbox(key="override_role_en").set_value("excluded")
    next(b for b in at.button if b.label == "Apply").click().run()
    assert trained.exclude == ["结构体系"] and trained.model is None
    assert counted["prepare_table"] == first + 1        # the sample without one column, once
    at.run()
    at.switch_page("pages/semantics.py").run()
    assert counted["prepare_table"] == first + 1


def test_pages_keep_no_state_outside_the_project(trained):
    at = open_page(project=trained)
    for page in PAGES:
        at.switch_page(page).run()
    next(b for b in at.button if b.label == "Generate rows of this class").click().run()
    inner = at.session_state._state._state
    widgets = set(inner._key_id_mapper._key_id_mapping)
    others = set(at.session_state._state.filtered_state) - widgets
    assert others <= ALLOWED, others - ALLOWED

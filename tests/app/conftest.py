"""AppTest helpers: run the real router (app.py) on a chosen page, state seeded via the Project."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.project import Project
from core.semantics import SemanticMatrix
from core.table import read_table
from core.model import TrainConfig
from core.training import fit

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
SAMPLE = ROOT / "sample_data" / "buildings_30.csv"
PRESET = ROOT / "sample_data" / "semantics.csv"
FAST = TrainConfig(epochs=30, finetune_epochs=10, seed=0)


def sample_project(model=None) -> Project:
    frame = read_table(SAMPLE).frame
    project = Project(data=frame, source_name=SAMPLE.name, encoding="utf-8-sig")
    project.semantics = SemanticMatrix.from_csv(PRESET, project.prepared().features)
    project.settings, project.model = FAST, model
    return project


def open_page(page: str | None = None, project: Project | None = None, timeout: float = 60) -> AppTest:
    """Run app.py (sidebar, navigation) once, then switch to `page` (e.g. "pages/train.py")."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    if project is not None:
        at.session_state["project"] = project
    at.run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def figure(at, index: int) -> dict:
    """A plotly chart on the page as its decoded figure (plotly escapes text differently with
    and without orjson, so the JSON string itself is no contract)."""
    return json.loads(at.get("plotly_chart")[index].proto.spec)


def texts(elements) -> str:
    """The elements' text as the browser shows it: Markdown's backslash escapes removed."""
    return "\n".join(shown(e.value) for e in elements)


def shown(markdown) -> str:
    """Markdown source as read on screen, for the escapes pages.i18n.md adds to names."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", str(markdown))


@pytest.fixture(scope="session")
def fitted():
    """One small model of the sample data with the paper's semantics, shared read-only."""
    project = sample_project()
    return fit(project.prepared(), project.semantics, FAST)


@pytest.fixture
def trained(fitted) -> Project:
    """A fresh Project around the shared model (tests may change its data or R)."""
    return sample_project(fitted)

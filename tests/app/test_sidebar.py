"""Sidebar: language switch, save the project, open a project file (and refuse a bad one)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.projectfile import save_project
from pages.i18n import STRINGS
from streamlit.testing.v1 import AppTest

from tests.app.conftest import open_page, shown, texts

PAGES = ["pages/data.py", "pages/semantics.py", "pages/train.py", "pages/analysis.py",
         "pages/generate.py"]


def sidebar_only():
    """The sidebar without st.navigation: AppTest 1.67 drops sidebar elements on reruns of
    apps that use st.navigation, so the sidebar's own actions are tested on their own."""
    from pages import ui
    ui.project()
    ui.sidebar()


def open_sidebar(project=None) -> AppTest:
    at = AppTest.from_function(sidebar_only, default_timeout=60)
    if project is not None:
        at.session_state["project"] = project
    return at.run()


def upload_project(at, name: str, content: bytes):
    at.file_uploader(key="project_upload").set_value((name, content, "application/zip"))
    return at.run()


def test_opening_a_saved_project_restores_it(trained):
    trained.source_name = "saved.csv"
    data = save_project(trained)
    at = open_sidebar()
    assert at.session_state["project"].model is None
    at = upload_project(at, "mine.zip", data)
    project = at.session_state["project"]
    assert project.source_name == "saved.csv" and project.model is not None
    assert project.semantics.names == trained.semantics.names
    assert [(kind, shown(text)) for kind, text in project.notices] == [("success", "Opened project mine.zip.")]   # shown by the next page
    assert "Model trained" in texts(at.sidebar.caption)


def test_a_bad_project_file_is_refused_and_work_is_kept():
    at = open_sidebar()
    before = at.session_state["project"]
    at = upload_project(at, "evil.zip", b"\x80\x04pickle")
    assert at.session_state["project"] is before
    (kind, text), = before.notices                       # shown at the top of the page
    assert kind == "error" and "current work is kept" in text and "pickle" in text


def test_save_button_is_in_the_sidebar():
    at = open_page()
    assert at.sidebar.download_button[0].label == "Save project"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_in_chinese(page, trained):
    at = open_page(project=trained)
    at.button_group(key="lang_choice").set_value("zh").run()
    at.switch_page(page).run()
    assert not at.exception
    assert at.title[0].value == STRINGS[Path(page).stem + ".title"]["zh"]


def test_every_string_has_both_languages_and_the_same_placeholders():
    for key, text in STRINGS.items():
        assert set(text) == {"en", "zh"}, key
        assert set(re.findall(r"{(\w+)", text["en"])) == set(re.findall(r"{(\w+)", text["zh"])), key


def test_every_key_used_in_the_pages_exists():
    root = Path(__file__).resolve().parents[2]
    used = set()
    for path in [root / "app.py", *sorted((root / "pages").glob("*.py"))]:
        source = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'\bt\("([\w.]+)"', source))
        used |= set(re.findall(r'gate\([^,]+,\s*"([\w.]+)"', source))
    missing = sorted(key for key in used if key not in STRINGS)
    assert not missing, missing

"""Both languages: every core message code has a Chinese template, and every page walked in
中文 shows no English sentence apart from the user's own names."""
from __future__ import annotations

import re
import string

import pytest

from core.messages import ENGLISH
from core.training import fit
from core.messages_zh import ZH
from tests.app.conftest import FAST, open_page, shown
from tests.survey_table import survey_frame, survey_semantics

PAGES = ["pages/data.py", "pages/semantics.py", "pages/train.py", "pages/analysis.py",
         "pages/generate.py", "pages/evaluate.py"]
ENGLISH_SENTENCE = re.compile(r"[A-Za-z]{2,}(?:[ ,;:'’-]+[A-Za-z]{2,}){2,}")   # three English words in a row
ENGLISH_WORD = re.compile(r"(?<![A-Za-z])[A-Za-z]{3,}(?![A-Za-z])")
QUOTED = re.compile(r"'[^']*'|“[^”]*”")
TERMS = {"VAE", "CSV", "Excel", "SMOTE", "UTF", "GBK", "XLSX", "KL"}       # names of methods and formats
TEXT_ELEMENTS = ("title", "header", "subheader", "caption", "markdown", "info", "warning", "error",
                 "success", "exception")
LABELLED = ("button", "selectbox", "multiselect", "number_input", "text_input", "slider", "toggle",
            "checkbox", "radio", "metric", "expander", "tab")


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_core_message_has_chinese_with_the_same_placeholders():
    assert set(ZH) == set(ENGLISH)
    for code, template in ENGLISH.items():
        assert placeholders(ZH[code]) == placeholders(template), code
        if code != "text":
            assert not ENGLISH_SENTENCE.search(ZH[code].replace("--role", "")), code


@pytest.fixture(scope="module")
def survey_project():
    """The survey with its own R, a coded class and a trained model: the pages' busiest state."""
    from core.project import Project
    from core.semantics import SemanticMatrix
    from core.table import read_table

    frame = read_table(survey_frame().to_csv(index=False).encode(), "survey.csv").frame
    project = Project(data=frame, source_name="survey.csv", encoding="utf-8", settings=FAST)
    project.semantics = SemanticMatrix.from_frame(survey_semantics(frame.columns), project.columns())
    project.model = fit(project.prepared(), project.semantics, FAST)
    return project


def shown_text(at) -> list[str]:
    found = []
    for kind in TEXT_ELEMENTS:
        found += [shown(element.value) for element in at.get(kind)]
    for kind in LABELLED:
        found += [shown(getattr(element, "label", "")) for element in at.get(kind)]
    for frame in at.dataframe:
        found += [str(column) for column in frame.value.columns]
    return found


def users_names(project) -> re.Pattern:
    """Column, semantic and file names: the user's, shown as they are (whole tokens only, so
    that one-letter codes such as 'n' do not eat into English words)."""
    names = sorted({*project.columns(), *project.semantics.names, project.source_name}, key=len, reverse=True)
    return re.compile(r"(?<![\w])(?:" + "|".join(map(re.escape, names)) + r")(?![\w])")


@pytest.mark.parametrize("page", PAGES)
def test_every_page_in_chinese_has_no_english_sentence(page, survey_project):
    at = open_page(project=survey_project)
    at.button_group(key="lang_choice").set_value("zh").run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    names = users_names(survey_project)
    english = []
    for text in shown_text(at):
        text = QUOTED.sub(" ", names.sub(" ", text))   # quoted: a cell's own text, e.g. 'unknown'
        english += ENGLISH_SENTENCE.findall(text) + [w for w in ENGLISH_WORD.findall(text) if w not in TERMS]
    assert not english, english

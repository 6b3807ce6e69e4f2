"""Every user-supplied name shows literally: column and semantic names that look like Markdown,
Streamlit directives or HTML are escaped wherever the pages show them, once."""
from __future__ import annotations

import json
import re

import pytest

from core.semantics import SemanticMatrix
from core.training import fit
from pages.i18n import md
from tests.app.conftest import FAST, open_page, sample_project, shown
from tests.app.test_i18n import LABELLED, PAGES, TEXT_ELEMENTS

COLUMNS = {"结构体系": "**体系**", "平面形状": "<b>形状</b>", "长宽比": ":red[比] $x$"}
SEMANTIC = "_裂缝_ :material/home:"          # the third semantic of the sample, renamed
LOOKS_LIKE_MARKUP = [*COLUMNS.values(), SEMANTIC]
DOUBLE_ESCAPE = re.compile(r"\\[!-/:-@\[-`{-~]")   # what is left of an escape escaped twice


@pytest.fixture(scope="module")
def marked_up():
    project = sample_project()
    project.data = project.data.rename(columns=COLUMNS)
    R = project.semantics
    names = [SEMANTIC if n == 2 else name for n, name in enumerate(R.names)]
    project.semantics = SemanticMatrix(names, [COLUMNS.get(f, f) for f in R.features], R.values)
    project.model = fit(project.prepared(), project.semantics, FAST)
    return project


def sources(at) -> list[str]:
    """The Markdown source of every text, label and option the page renders as Markdown."""
    found = [str(e.value) for kind in TEXT_ELEMENTS for e in at.get(kind)]
    found += [str(getattr(e, "label", "")) for kind in LABELLED for e in at.get(kind)]
    found += [str(option) for radio in at.radio for option in radio.options]
    return found


@pytest.mark.parametrize("page", PAGES)
def test_names_are_escaped_once_on_every_page(page, marked_up):
    at = open_page(page, marked_up)
    texts = sources(at)
    for text in texts:
        for name in LOOKS_LIKE_MARKUP:
            assert name not in text, f"{name!r} unescaped in {text!r}"
        assert not DOUBLE_ESCAPE.search(shown(text)), f"escaped twice: {text!r}"
    on_screen = "\n".join(shown(text) for text in texts)
    if page == "pages/generate.py":   # a slider per semantic, labelled with its name as it is
        assert SEMANTIC in on_screen


def test_charts_show_names_as_text_not_html(marked_up):
    at = open_page("pages/analysis.py", marked_up)
    labels = [label for chart in at.get("plotly_chart")
              for trace in json.loads(chart.proto.spec)["data"] for label in trace.get("x", []) or []
              if isinstance(label, str)]
    assert "&lt;b&gt;形状&lt;/b&gt;" in labels          # plotly turns the entities back into < and >
    assert not [label for label in labels if "<b>" in label]


def test_ordinary_names_pass_unescaped():
    """Streamlit reads a widget's label out as its aria-label: a backslash there is read aloud, so
    only what Markdown would take as markup is escaped."""
    for name in ["沉降速率(mm/月)", "3.5 m", "-3", "building", "XY向跨度比", "Dsu", "20–25", "C30/C35"]:
        assert md(name) == name
    assert md("- item") == "\\- item" and md("1. one") == "1\\. one" and md("a_b") == "a\\_b"
    assert md(md("**x**")) == md("**x**")                    # Markdown is not escaped twice

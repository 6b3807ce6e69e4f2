"""The report to keep (core.handout): one self-contained HTML file, in either language, that
shows every name the user gave literally."""
from __future__ import annotations

import re

import plotly
import pytest

from core.handout import html_report
from core.model import TrainConfig
from core.project import Project
from core.projectfile import save_project
from core.semantics import SemanticMatrix
from core.table import read_table
from core.training import fit
from tests.conftest import ROOT, cli

SCRIPT_NAME = "<script>alert(1)</script>"       # a column name that must stay text
BOLD_NAME = "**R&D**"                           # a semantic name that must not turn bold
SOURCE = "**survey**.csv"                       # a file name, filled into the report's sentences
FETCHES = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import""", re.I)


@pytest.fixture(scope="module")
def project():
    """The sample with a column and a semantic whose names look like markup."""
    frame = read_table(ROOT / "sample_data" / "buildings_30.csv").frame
    preset = SemanticMatrix.from_csv(ROOT / "sample_data" / "semantics.csv", list(frame.columns))
    project = Project(data=frame.rename(columns={"结构体系": SCRIPT_NAME}), source_name=SOURCE)
    project.semantics = SemanticMatrix([BOLD_NAME if n == 1 else name for n, name in enumerate(preset.names)],
                                       [SCRIPT_NAME if f == "结构体系" else f for f in preset.features],
                                       preset.values)
    project.model = fit(project.prepared(), project.semantics, TrainConfig(epochs=30, finetune_epochs=10, seed=0))
    return project


@pytest.fixture(scope="module")
def reports(project):
    return {lang: html_report(project, lang) for lang in ("en", "zh")}


def test_one_file_with_plotly_once_and_nothing_to_fetch(reports):
    head = plotly.offline.get_plotlyjs()[:200]
    for document in reports.values():
        assert document.startswith("<!DOCTYPE html>") and document.rstrip().endswith("</html>")
        assert document.count(head) == 1                              # the library, inlined once
        assert document.count('class="plotly-graph-div"') == 7        # curves, C, B, D, sliders, effects, columns
        assert not FETCHES.findall(document.split("</script>", 1)[1])  # after the library: no URL is loaded
        assert len(document.encode()) < 15_000_000


def test_every_section_in_the_chosen_language(reports, project):
    sections = re.findall(r'<section id="(\w+)"><h2>([^<]+)</h2>', reports["zh"])
    assert [anchor for anchor, _ in sections] == ["data", "semantics", "train", "analysis", "control", "effects",
                                                  "fidelity", "sample", "settings"]
    assert dict(sections)["data"] == "1 · 数据" and 'lang="zh-CN"' in reports["zh"]
    assert dict(re.findall(r'<section id="(\w+)"><h2>([^<]+)</h2>', reports["en"]))["data"] == "1 · Data"
    for name in project.model.transformer.features_:       # R lists every feature, the sample every column
        assert name.replace("<", "&lt;").replace(">", "&gt;") in reports["en"]


def test_names_show_literally(reports, project):
    for document in reports.values():
        assert SCRIPT_NAME not in document                        # never markup, neither in HTML nor in a figure
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in document
        assert "<b>R&amp;D</b>" not in document and "<b>survey</b>" not in document
        assert "&#42;&#42;survey&#42;&#42;.csv" in document       # in a sentence: its stars are not bold markers
        for name in project.semantics.names:                     # every semantic is named, in tables
            assert f"<td>{name.replace('&', '&amp;')}</td>" in document


def test_cli_export_writes_the_report_and_refuses_bad_input(project, tmp_path):
    (tmp_path / "p.zip").write_bytes(save_project(project))
    done = cli("export", "p.zip", "--out", "report.html", "--lang", "zh", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "1 · 数据" in (tmp_path / "report.html").read_text(encoding="utf-8")
    clobber = cli("export", "p.zip", "--out", "p.zip", cwd=tmp_path)
    assert clobber.returncode == 2 and "destroy the input" in clobber.stderr
    (tmp_path / "untrained.zip").write_bytes(save_project(Project(data=project.data, source_name="x.csv")))
    untrained = cli("export", "untrained.zip", "--out", "u.html", cwd=tmp_path)
    assert untrained.returncode == 2 and "no trained model" in untrained.stderr
    assert not (tmp_path / "u.html").exists()

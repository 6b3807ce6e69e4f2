"""The report to keep: one self-contained HTML file of a project's whole analysis.

`python -m core export PROJECT.zip --out report.html --lang zh` and the app's "Download report"
button write it. Everything is inside the file: plotly's JavaScript once, in the head, then each
figure as a call to it; no font, icon or script is fetched, so it opens offline and can be
mailed. It holds, in order: the data summary, R, the training curves with the critical point,
the C, binarised C and D heatmaps, both matchings with their MI, controllability per slider and
what each slider does, the fidelity of generated rows, a sample of them, and the settings and
seed that reproduce the model.

Every text is HTML-escaped: names come from the user's table (tests/core/test_handout.py).
"""
from __future__ import annotations

import html
import re
from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd
import plotly
import plotly.graph_objects as go
import torch

from core import figures
from core.contribution import feature_shares
from core.controllability import Control, controllability, median_selectivity
from core.evaluation import evaluate
from core.generation import generate
from core.project import Project
from core.strings import LANGUAGES, say_in, translate
from core.views import latent_labels, match_table

SAMPLE_ROWS = 20          # generated rows shown in the report
CONTROL_ROWS = 300        # rows per slider end for controllability (the app's figure)

_STYLE = """
body{font-family:"Noto Sans CJK SC","Noto Sans SC","Source Sans Pro",system-ui,sans-serif;margin:0 auto;
max-width:1200px;padding:24px;color:#262730;line-height:1.5}
h1{font-size:1.8rem;margin-bottom:0}h2{border-bottom:2px solid #e6e9ef;padding-bottom:4px;margin-top:2.2rem}
nav ol{columns:2}.muted{color:#6b7280}.figure{margin:12px 0}
.cards{display:flex;flex-wrap:wrap;gap:12px}.card{border:1px solid #e6e9ef;border-radius:8px;padding:8px 16px;min-width:140px}
.card b{display:block;font-size:1.5rem}
.table{overflow-x:auto;margin:8px 0}table{border-collapse:collapse;font-size:.85rem}
th,td{border:1px solid #e6e9ef;padding:3px 8px;text-align:left;white-space:nowrap}th{background:#f6f7f9}
@media print{.figure{break-inside:avoid}}
"""


class _Writer:
    """The report's words in one language, every filled-in value escaped."""

    def __init__(self, lang: str):
        self.lang = lang

    def plain(self, key: str, **fmt) -> str:
        """A translated string as plain text (for figures, which escape for themselves)."""
        return translate(key, self.lang, **fmt)

    def __call__(self, key: str, **fmt) -> str:
        """A translated string as HTML: its `**bold**` kept, every value shown literally."""
        template = html.escape(translate(key, self.lang))
        safe = {name: _literal(value) if isinstance(value, str) else value for name, value in fmt.items()}
        return _BOLD.sub(r"<b>\1</b>", template.format(**safe) if fmt else template)


_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _literal(text: str) -> str:
    """User text as HTML that shows it as it is, `*` included (the templates' bold markers)."""
    return html.escape(text).replace("*", "&#42;")


def html_report(project: Project, lang: str = "en", seed: int = 0) -> str:
    """The whole report of `project` (it must hold a model) as one HTML document in `lang`."""
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r}: choose one of {', '.join(LANGUAGES)}")
    model, real = project.model, project.prepared().frame
    R, _ = project.scoring_semantics()
    t = _Writer(lang)
    scores = model.score(R)
    controls = controllability(model, R, n_rows=CONTROL_ROWS, seed=seed)
    quality = evaluate(model, real, seed=seed)
    sections = [
        ("data", t("data.title"), _data(project, t)),
        ("semantics", t("semantics.title"), _semantics(R, t)),
        ("train", t("train.title"), _training(model, t)),
        ("analysis", t("analysis.title"), _analysis(model, R, scores, t)),
        ("control", t("ctl.tab"), _control(controls, t)),
        ("effects", t("report.effects"), _effects(model, controls, t)),
        ("fidelity", t("ev.realistic"), _fidelity(quality, t)),
        ("sample", t("report.sample"), _sample(model, seed, t)),
        ("settings", t("report.settings"), _settings(model, seed, t)),
    ]
    contents = "".join(f'<li><a href="#{anchor}">{title}</a></li>' for anchor, title, _ in sections)
    body = "".join(f'<section id="{anchor}"><h2>{title}</h2>{content}</section>'
                   for anchor, title, content in sections)
    title = t("report.title", name=project.source_name or "—")
    return (f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>'
            f'<link rel="icon" href="data:,"><style>{_STYLE}</style>'
            f'<script>{_plotly_js()}</script></head><body>'
            f'<h1>{title}</h1><p class="muted">{t("report.made", day=date.today().isoformat())}</p>'
            f'<nav><ol>{contents}</ol></nav>{body}</body></html>')


@lru_cache(maxsize=1)
def _plotly_js() -> str:
    """plotly.js, bundled with the plotly package: the report fetches nothing. A `</script>` in
    it would end the tag early; the library has none, and this keeps it so."""
    return plotly.offline.get_plotlyjs().replace("</script", "<\\/script")


def _figure(figure: go.Figure, anchor: str) -> str:
    return '<div class="figure">' + figure.to_html(
        full_html=False, include_plotlyjs=False, div_id=f"figure-{anchor}",
        config={"displaylogo": False, "responsive": True}) + "</div>"


def _table(frame: pd.DataFrame) -> str:
    return '<div class="table">' + frame.to_html(index=False, escape=True, border=0, na_rep="") + "</div>"


def _cards(pairs: list[tuple[str, str]]) -> str:
    return '<div class="cards">' + "".join(f'<div class="card">{label}<b>{html.escape(value)}</b></div>'
                                           for label, value in pairs) + "</div>"


def _note(text: str) -> str:
    return f'<p class="muted">{text}</p>'


# ---------------------------------------------------------------- sections

def _data(project: Project, t: _Writer) -> str:
    prepared = project.prepared()
    rows = [{t.plain("data.col_name"): entry.name, t.plain("data.col_role"): t.plain(f"role.{entry.role.value}"),
             t.plain("data.col_reason"): say_in(entry.reason, t.lang),
             t.plain("data.col_missing"): entry.n_missing,
             t.plain("data.col_action"): "" if entry.missing_action is None else say_in(entry.missing_action, t.lang)}
            for entry in prepared.report]
    return (_cards([(t("report.rows"), f"{len(prepared.frame):,}"), (t("report.columns"), str(len(prepared.report))),
                    (t("report.modelled"), str(len(prepared.features)))])
            + _note(t("report.source", name=project.source_name or "—")) + _table(pd.DataFrame(rows)))


def _semantics(R, t: _Writer) -> str:
    """R with a feature per row and a semantic per column (Eq. 5), ✓ where it is ticked."""
    ticked = pd.DataFrame(np.where(R.values.T > 0, "✓", ""), columns=R.names)
    ticked.insert(0, t.plain("axis.feature"), R.features)
    return _note(t("report.r_help")) + _table(ticked)


def _training(model, t: _Writer) -> str:
    before = "—" if model.mi_before_finetune is None else f"{model.mi_before_finetune:.1f} %"
    cards = _cards([(t("train.critical"), str(model.critical_epoch)), (t("train.mi_before"), before),
                    (t("train.mi_after"), f"{model.score().mi:.1f} %")])
    return cards + _figure(figures.training_curves(model.history, model.critical_epoch, lang=t.lang), "curves")


def _analysis(model, R, scores, t: _Writer) -> str:
    """C per feature (Eq. 4), its binarisation per encoded column, D (Eq. 7), both matchings
    with MI (Algorithm 1, Eq. 9)."""
    latents = latent_labels(scores.matches, R.names, model.semantic_dim)
    transformer = model.transformer
    shares = feature_shares(scores.contribution, transformer.column_feature(), len(transformer.features_))
    parts = [
        _note(t("analysis.c_help")),
        _figure(figures.heatmap(shares, latents, transformer.features_, t.plain("analysis.c_title"),
                                t.plain("axis.feature"), t.plain("axis.latent"), "C", zmax=1), "c"),
        _note(t("analysis.b_help")),
        _figure(figures.heatmap(scores.binary, latents, transformer.columns_, t.plain("analysis.b_title"),
                                t.plain("axis.column"), t.plain("axis.latent"), "B", zmax=1), "b"),
        _figure(figures.heatmap(scores.distance, latents, R.names, t.plain("sem.d_title"), t.plain("axis.semantic"),
                                t.plain("axis.latent"), "D", colorscale="Reds_r"), "d"),
    ]
    headers = {"latent": t.plain("col.latent"), "semantic": t.plain("col.semantic"), "distance": t.plain("col.distance")}
    for key, matches, mi in (("analysis.greedy_mi", scores.matches, scores.mi),
                             ("analysis.optimal_mi", scores.matches_optimal, scores.mi_optimal)):
        table = match_table(matches, R.names).rename(columns=headers).round(3)
        parts += [f"<p>{t(key, mi=mi)}</p>", _table(table)]
    return "".join(parts)


def _control(controls: list[Control], t: _Writer) -> str:
    if not controls:
        return _note(t("report.no_sliders"))
    hits = sum(c.hit for c in controls)
    table = pd.DataFrame([{t.plain("ctl.semantic"): c.semantic, t.plain("ctl.latent"): f"z{c.latent}",
                           t.plain("ctl.own"): round(c.own, 3), t.plain("ctl.other"): round(c.other, 3),
                           t.plain("ctl.selectivity"): round(c.selectivity, 1),
                           t.plain("ctl.hit"): "✓" if c.hit else "✗"} for c in controls])
    chart = figures.selectivity_bars(controls, t.lang)
    return (_note(t("ctl.help"))
            + _cards([(t("ctl.hits"), f"{hits} / {len(controls)}"),
                      (t("ctl.median"), f"{median_selectivity(controls):.1f}")])
            + _table(table) + _figure(chart, "control"))


def _effects(model, controls: list[Control], t: _Writer) -> str:
    """Each slider's shift of every feature from z = -2 to +2, and the strongest in words."""
    if not controls:
        return _note(t("report.no_sliders"))
    shifts = np.array([c.shifts for c in controls])
    chart = figures.heatmap(shifts, [f"{c.semantic} (z{c.latent})" for c in controls], model.transformer.features_,
                            t.plain("report.effects_title"), t.plain("axis.feature"), t.plain("axis.semantic"),
                            t.plain("analysis.shift"), colorscale="RdBu_r", diverging=True)
    words = pd.DataFrame([{t.plain("ctl.semantic"): c.semantic, t.plain("ctl.right"): ", ".join(c.effects) or "—"}
                          for c in controls])
    return _note(t("report.effects_help")) + _figure(chart, "effects") + _table(words)


def _fidelity(quality: dict, t: _Writer) -> str:
    valid = min(quality["validity"]["numeric_in_range"], quality["validity"]["categories_seen"])
    copies = round(quality["exact_copy_rate"] * quality["n_generated"])
    cards = _cards([(t("ev.fidelity"), f"{quality['fidelity']:.1%}"),
                    (t("report.shapes"), f"{quality['column_shapes']:.1%}"),
                    (t("report.pairs"), f"{quality['pair_trends']:.1%}"),
                    (t("ev.validity"), f"{valid:.0%}"),
                    (t("ev.copies"), f"{copies} / {quality['n_generated']}"),
                    (t("ev.dcr"), f"{quality['dcr_ratio']:.2f}")])
    chart = figures.column_scores(quality["columns"], t.lang)
    worst = pd.DataFrame(quality["worst_pairs"])
    if not worst.empty:
        worst = worst.rename(columns={c: t.plain(f"col.{c}") for c in worst.columns}).round(3)
    return (_note(t("ev.realistic_help", n=quality["n_generated"])) + cards + _figure(chart, "columns")
            + _note(t("ev.worst_pairs")) + _table(worst))


def _sample(model, seed: int, t: _Writer) -> str:
    rows = model.complete(generate(model, SAMPLE_ROWS, seed=seed), seed=seed)
    return _note(t("report.sample_help", n=SAMPLE_ROWS, seed=seed)) + _table(rows)


def _settings(model, seed: int, t: _Writer) -> str:
    settings = {**model.config.to_dict(), "latent_dim": model.latent_dim, "critical_epoch": model.critical_epoch,
                "report_seed": seed, "torch": torch.__version__, "plotly": plotly.__version__}
    table = pd.DataFrame({t.plain("report.setting"): list(settings),
                          t.plain("report.value"): [str(v) for v in settings.values()]})
    return _note(t("report.settings_help")) + _table(table)

"""Plotly figures for the pages and the exported report: heatmaps, training curves, bars,
distribution comparisons, each in the language `lang`.

Every figure has a title and axis labels; fonts list Noto Sans CJK first so Chinese
feature names render in the browser (fonts-noto-cjk is installed on our machines).
Plotly reads titles, labels and legend names as a little HTML (`<b>`, `<br>`, entities),
so every name that comes from the user goes through `literal` first.
"""
from __future__ import annotations

import html
from functools import partial

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.model import EpochRecord
from core.strings import translate
from core.views import Shares

FONT = "Noto Sans CJK SC, Noto Sans SC, Source Sans Pro, sans-serif"
REAL, GENERATED = "#1f77b4", "#ff7f0e"


CROWDED = 20          # columns beyond which a heatmap's column labels are shortened
SHORT_WIDTH = 12      # a short label's width, in Latin letters (a Chinese character counts 2)


def short(label: str, width: int = SHORT_WIDTH) -> str:
    """`label` cut to `width` letters' worth with "…", a Chinese character counting as two."""
    label, used = str(label), 0
    for n, char in enumerate(label):
        used += 2 if ord(char) > 0x2E7F else 1
        if used > width and n < len(label) - 1:
            return label[:n] + "…"
    return label


def literal(names):
    """User-supplied text (one name or a list) as plotly shows it literally: `<`, `>`, `&` as entities."""
    if isinstance(names, str):
        return html.escape(names, quote=False)
    return [html.escape(str(name), quote=False) for name in names]


def _style(figure: go.Figure, title: str, height: int) -> go.Figure:
    """Title, height and font; the legend sits on the left above the plot, where plotly's
    toolbar (top right) cannot cover it."""
    figure.update_layout(title=literal(title), height=height, font_family=FONT, margin=dict(l=10, r=10, t=70, b=10),
                         legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0))
    figure.update_xaxes(automargin=True)   # room for every label outside Streamlit's theme, too (the report)
    figure.update_yaxes(automargin=True)
    return figure


def heatmap(matrix: np.ndarray, rows: list[str], columns: list[str], title: str,
            x_title: str, y_title: str, value_title: str, zmax: float | None = None,
            colorscale: str = "Blues", diverging: bool = False) -> go.Figure:
    """A labelled heatmap; the figure grows with the number of rows so labels stay readable.
    Every text is plain (not HTML): it is shown as it is."""
    x_title, y_title, value_title = literal([x_title, y_title, value_title])
    figure = go.Figure(go.Heatmap(
        z=np.asarray(matrix, dtype=float), x=literal(columns), y=literal(rows), colorscale=colorscale,
        zmin=None if diverging else 0, zmax=zmax, zmid=0 if diverging else None, colorbar=dict(title=value_title),
        hovertemplate=f"{y_title}: %{{y}}<br>{x_title}: %{{x}}<br>{value_title}: %{{z:.3f}}<extra></extra>"))
    # dtick=1: every row and column label is shown (plotly skips every other one when crowded); many
    # columns get short labels on the axis and their whole name in the hover
    figure.update_xaxes(title=x_title, tickangle=-60 if len(columns) > 8 else 0, type="category", dtick=1)
    if len(columns) > CROWDED:
        figure.update_xaxes(tickmode="array", tickvals=literal(columns), ticktext=literal([short(c) for c in columns]),
                            tickangle=-90, tickfont_size=10)   # upright: side by side even at 768 px
    figure.update_yaxes(title=y_title, autorange="reversed", type="category", dtick=1)
    height = 180 + 22 * len(rows) + (120 if len(columns) > 8 else 0)
    return _style(figure, title, min(max(height, 320), 1400))


def training_curves(records: list[EpochRecord], critical_epoch: int | None = None, lang: str = "en"
                    ) -> go.Figure:
    """Reconstruction, KL and MI per epoch.

    Training runs all its epochs; fine-tuning restarts from the critical epoch (numbered
    critical + 1 on), so the training curve past the critical point is drawn dotted: those
    weights were set aside. The critical point is marked on the KL curve, fine-tuning shaded.
    """
    t = partial(translate, lang=lang)
    figure = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.07,
                           subplot_titles=(t("chart.recon"), t("chart.kl"), t("chart.mi")))
    trained = [r for r in records if r.phase == "train"]
    tuned = [r for r in records if r.phase == "finetune"]
    cut = critical_epoch or (tuned[0].epoch - 1 if tuned else None)
    for row, field in enumerate(("recon", "kl", "mi"), start=1):
        kept = [r for r in trained if cut is None or r.epoch <= cut]
        unused = [r for r in trained if cut is not None and r.epoch >= cut]
        for part, name, style in ((kept, t("chart.train"), dict(color="#1f77b4")),
                                  (unused, t("chart.unused"), dict(color="#9aa5b1", dash="dot")),
                                  (tuned, t("chart.finetune"), dict(color="#2ca02c"))):
            if part:
                figure.add_trace(go.Scatter(x=[r.epoch for r in part], y=[getattr(r, field) for r in part],
                                            mode="lines", line=style, name=name, legendgroup=name,
                                            showlegend=row == 1), row=row, col=1)
    if tuned:
        for row in (1, 2, 3):
            figure.add_vrect(x0=tuned[0].epoch - 0.5, x1=tuned[-1].epoch + 0.5, fillcolor="#2ca02c",
                             opacity=0.10, line_width=0, row=row, col=1)
    if critical_epoch:
        figure.add_vline(x=critical_epoch, line_dash="dash", line_color="#d62728", row=2, col=1)
        figure.add_annotation(x=critical_epoch, y=1, yref="y2 domain", showarrow=False,
                              text=t("chart.critical", epoch=critical_epoch), xanchor="left",
                              font_color="#d62728", row=2, col=1)
    figure.update_xaxes(title=t("chart.epoch"), row=3, col=1)
    figure.update_yaxes(title=t("chart.loss"), row=1, col=1)
    figure.update_yaxes(title=t("chart.loss"), row=2, col=1)
    figure.update_yaxes(title="%", row=3, col=1)
    figure = _style(figure, t("chart.curves"), 660)
    # above the first subplot's title, not over it; the toolbar (top right) stays clear of it too
    return figure.update_layout(margin_t=100, legend_y=1.05)


def compare(real: Shares, generated: pd.Series, feature: str, lang: str = "en") -> go.Figure:
    """Real vs generated distribution of one feature (shares, so row counts may differ)."""
    t = partial(translate, lang=lang)
    figure = go.Figure()
    labels, real_shares, generated_shares = real.of_rows(generated)
    labels, feature = literal(labels), literal(feature)
    bars = [(real_shares, t("chart.real"), REAL), (generated_shares, t("chart.generated"), GENERATED)]
    if real.edges is not None:   # binned in core: a figure of 15 bars, not of every real value
        for shares, name, colour in bars:
            figure.add_trace(go.Bar(x=real.centres, y=shares, width=np.diff(real.edges), name=name,
                                    marker_color=colour, opacity=0.6))
        figure.update_layout(barmode="overlay")
        figure.update_xaxes(title=feature)
    else:
        for shares, name, colour in bars:
            figure.add_trace(go.Bar(x=labels, y=shares, name=name, marker_color=colour))
        figure.update_layout(barmode="group")
        figure.update_xaxes(title=feature, type="category")
    figure.update_yaxes(title=t("chart.share"))
    return _style(figure, t("chart.compare_title", feature=feature), 320)


def mi_bars(names: list[str], greedy: list[float], optimal: list[float], lang: str = "en") -> go.Figure:
    """MI of several R variants side by side."""
    t = partial(translate, lang=lang)
    names = literal(names)
    figure = go.Figure([go.Bar(x=names, y=greedy, name=t("sem.greedy")),
                        go.Bar(x=names, y=optimal, name=t("sem.optimal"))])
    figure.update_xaxes(title=t("sem.variant"), type="category")
    figure.update_yaxes(title="MI (%)", range=[0, 100])
    return _style(figure, t("sem.compare_chart"), 320)


def bars(names: list[str], values: list, title: str, axis: str, colours=None, line: float | None = None,
         bar_px: int = 24, log: bool = False) -> go.Figure:
    """Horizontal bars, one per name, top to bottom; a dashed line marks `line`."""
    figure = go.Figure(go.Bar(x=values, y=literal(names), orientation="h", marker_color=colours))
    if line is not None:
        figure.add_vline(x=line, line_dash="dash", line_color="black")
    figure.update_xaxes(title=axis, type="log" if log else "linear")
    figure.update_yaxes(type="category", autorange="reversed", dtick=1)
    return _style(figure, title, 140 + bar_px * len(names))


def selectivity_bars(controls, lang: str = "en") -> go.Figure:
    """Each slider's selectivity (core.controllability), hits in colour, the line at 1; a log scale
    when one is above 10 (a masked decoder's sliders reach hundreds)."""
    shown = [c.selectivity if np.isfinite(c.selectivity) else None for c in controls]
    wide = max((v for v in shown if v is not None), default=1) > 10
    return bars([f"{c.semantic} (z{c.latent})" for c in controls], shown, translate("ev.control_title", lang),
                translate("ev.selectivity", lang), [REAL if c.hit else "#bbbbbb" for c in controls],
                line=1.0, log=wide)


def column_scores(columns: dict[str, dict], lang: str = "en") -> go.Figure:
    """Each column's fidelity score (`evaluate()["columns"]`), worst first."""
    ranked = sorted(columns.items(), key=lambda item: item[1]["score"])
    return bars([name for name, _ in ranked], [round(d["score"], 3) for _, d in ranked],
                translate("ev.columns_title", lang), translate("ev.score", lang), bar_px=16)

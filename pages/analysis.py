"""Step 4: what each latent depends on (C, Eq. 2–4), how it matches the semantics (D, MI)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core import figures
from core.contribution import feature_shares
from core.effects import traversal
from core.views import latent_labels, match_table
from pages import ui
from pages.i18n import t, t_plain

ui.header("analysis")
project = ui.project()
ui.gate(project.model is None, "gate.model", "train")
model = project.model
R, current = project.scoring_semantics()
scores = model.score(R)
latents = latent_labels(scores.matches, R.names, model.semantic_dim)

a, b, c, d = st.columns(4)
a.metric(t("sem.mi_greedy"), f"{scores.mi:.1f} %", help=t("sem.mi_help"))
b.metric(t("sem.mi_optimal"), f"{scores.mi_optimal:.1f} %")
c.metric(t("train.mi_before"), "—" if model.mi_before_finetune is None else f"{model.mi_before_finetune:.1f} %")
d.metric(t("train.mi_after"), f"{model.score().mi:.1f} %", help=t("analysis.after_help"))
if not current:
    st.caption(t("analysis.uses_trained_r"))
if model.semantic_dim != len(R.names):
    st.caption(t("analysis.unmatched", pairs=min(model.semantic_dim, len(R.names))))

c_tab, b_tab, d_tab, m_tab, ctl_tab, trav_tab = st.tabs(
    [t("analysis.c"), t("analysis.b"), t("analysis.d"), t("analysis.matches"), t("ctl.tab"),
     t("analysis.traversal")])
with c_tab:
    st.caption(t("analysis.c_help"))
    per_feature = st.toggle(t("analysis.per_feature"), value=True, key="c_per_feature")
    features = model.transformer.features_
    if per_feature:
        matrix = feature_shares(scores.contribution, model.transformer.column_feature(), len(features))
        columns = features
    else:
        matrix, columns = scores.contribution, model.transformer.columns_
    st.plotly_chart(ui.figure("c", (model, R, per_feature), lambda: figures.heatmap(
        matrix, latents, columns, t_plain("analysis.c_title"), t_plain("axis.feature") if per_feature else t_plain("axis.column"),
        t_plain("axis.latent"), "C", zmax=1)))
with b_tab:
    st.caption(t("analysis.b_help"))
    st.plotly_chart(ui.figure("b", (model, R), lambda: figures.heatmap(
        scores.binary, latents, model.transformer.columns_, t_plain("analysis.b_title"), t_plain("axis.column"),
        t_plain("axis.latent"), "B", zmax=1)))
with d_tab:
    st.caption(t("analysis.d_help"))
    st.plotly_chart(ui.figure("d", (model, R), lambda: figures.heatmap(
        scores.distance, latents, R.names, t_plain("sem.d_title"), t_plain("axis.semantic"), t_plain("axis.latent"), "D",
        colorscale="Reds_r")))
with m_tab:
    left, right = st.columns(2)
    left.markdown(t("analysis.greedy_mi", mi=scores.mi))
    left.dataframe(ui.labelled(match_table(scores.matches, R.names)), hide_index=True)
    right.markdown(t("analysis.optimal_mi", mi=scores.mi_optimal))
    right.dataframe(ui.labelled(match_table(scores.matches_optimal, R.names)), hide_index=True)
with ctl_tab:   # MI (encoder weights) beside controllability (generated rows)
    st.caption(t("ctl.help"))
    found = ui.controls(model, R)
    left, middle, right = st.columns(3)
    left.metric(t("sem.mi_greedy"), f"{scores.mi:.1f} %")
    middle.metric(t("ctl.hits"), f"{sum(c.hit for c in found.values())} / {len(found)}")
    right.metric(t("ctl.median"), f"{np.median([c.selectivity for c in found.values()]):.1f}" if found else "—")
    st.dataframe(pd.DataFrame([{t("ctl.semantic"): c.semantic, t("ctl.latent"): f"z{c.latent}",
                                t("ctl.own"): round(c.own, 3), t("ctl.other"): round(c.other, 3),
                                t("ctl.selectivity"): round(c.selectivity, 1), t("ctl.hit"): c.hit,
                                t("ctl.right"): ", ".join(c.effects)} for c in found.values()]),
                 hide_index=True)
with trav_tab:
    st.caption(t("analysis.traversal_help"))
    latent = st.selectbox(t("axis.latent"), range(model.semantic_dim), format_func=lambda i: latents[i],
                          key="traversal_latent")
    shifts = project.derived("traversal", (model, latent), lambda: traversal(model, latent, n_rows=200, seed=0))
    st.plotly_chart(ui.figure("traversal", (shifts, R), lambda: figures.heatmap(
        shifts.to_numpy(), list(shifts.index), [f"{v:+.1f}" for v in shifts.columns],
        t_plain("analysis.traversal_title", latent=latents[latent]), t_plain("axis.z_value"), t_plain("axis.feature"),
        t_plain("analysis.shift"), colorscale="RdBu_r", diverging=True)))

"""The Semantics page's R workbench (core.workbench): suggested ticks, R variants side by side,
and why a semantic matched its latent."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core import figures
from core.controllability import controllability, median_selectivity
from core.errors import InputError
from core.project import Project
from core.semantics import SemanticMatrix
from core.workbench import explain, flipped, suggestions, tick_diff, variants_from_csv, variants_to_csv
from pages import ui
from pages.i18n import language, md, say, t, t_plain


def suggestion_list(project: Project, model, semantics: SemanticMatrix) -> None:
    """The five tick flips that raise MI most, each applied with one click; the last one
    applied can be undone."""
    top = [s for s in project.derived("suggestions", (model, semantics), lambda: suggestions(model, semantics, 5))
           if s["delta"] > 0]
    st.caption(t("sem.suggest_help") if top else t("sem.suggest_none"))
    for n, found in enumerate(top):
        text, button = st.columns([5, 1], vertical_alignment="center")
        text.markdown(t(f"sem.suggest_{found['value']}", feature=found["feature"], semantic=found["semantic"],
                        delta=found["delta"], mi=found["mi"]))
        button.button(t("sem.suggest_apply"), key=f"suggest_{n}", on_click=_apply_flip, args=(found,))
    if project.undo_semantics is not None:
        st.button(t("sem.suggest_undo"), icon=":material/undo:", on_click=_undo_flip)


def _apply_flip(found: dict) -> None:
    current = ui.project()
    current.undo_semantics = current.semantics
    current.semantics = flipped(current.semantics, found["semantic"], found["feature"], found["value"])


def _undo_flip() -> None:
    current = ui.project()
    current.semantics, current.undo_semantics = current.undo_semantics, None


def variants_section(project: Project, model, current: SemanticMatrix, features: list[str]) -> None:
    """Named R variants side by side (MI, matches, slider hits, selectivity), their tick
    differences, and all of them exported or imported as one file."""
    st.subheader(t("sem.variants"))
    a, b = st.columns([3, 1], vertical_alignment="bottom")
    a.text_input(t("sem.variant_name"), key="variant_name")
    b.button(t("sem.save_variant"), width="stretch", on_click=_save_variant)
    left, right = st.columns(2)
    left.download_button(t("sem.export_variants"), variants_to_csv(project.variants), "R_variants.csv", "text/csv",
                         on_click="ignore", icon=":material/download:", disabled=not project.variants)
    right.file_uploader(t("sem.import_variants"), type=["csv"], key="variants_upload", on_change=_import_variants,
                        args=(features,))
    if not project.variants:
        return
    compared = {t("sem.current"): current, **{n: r.aligned(features) for n, r in project.variants.items()}}
    rows, names, greedy, optimal = [], [], [], []
    for label, matrix in compared.items():
        row = {t("sem.variant"): label, "K": len(matrix.names)}
        if model is not None and matrix.names:
            s = model.score(matrix)
            controls = project.derived(f"variant_controls:{label}", (model, matrix),
                                       lambda: controllability(model, matrix, n_rows=300))
            row |= {t("sem.mi_greedy"): round(s.mi, 1), t("sem.mi_optimal"): round(s.mi_optimal, 1),
                    t("sem.matches"): ", ".join(f"z{m.latent}→{matrix.names[m.semantic]}"
                                                for m in sorted(s.matches, key=lambda m: m.latent)),
                    t("ctl.hits"): f"{sum(c.hit for c in controls)} / {len(controls)}",
                    t("ctl.median"): round(median_selectivity(controls), 1) if controls else None}
            names.append(label), greedy.append(s.mi), optimal.append(s.mi_optimal)
        rows.append(row)
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    if names:
        st.plotly_chart(figures.mi_bars(names, greedy, optimal, lang=language()))
    a, b, c = st.columns([3, 1, 1], vertical_alignment="bottom")
    chosen = a.selectbox(t("sem.variant"), list(project.variants), key="variant_choice")
    b.button(t("sem.use_variant"), width="stretch", on_click=_use_variant, args=(chosen, features))
    c.button(t("sem.delete_variant"), width="stretch", on_click=_delete_variant, args=(chosen,))
    x, y = st.columns(2)
    first = x.selectbox(t("sem.diff_a"), list(compared), key="diff_a")
    second = y.selectbox(t("sem.diff_b"), list(compared), index=min(1, len(compared) - 1), key="diff_b")
    diff = tick_diff(compared[first], compared[second])
    if diff.empty:
        st.caption(t("sem.diff_none"))
    else:
        st.dataframe(diff.rename(columns={"semantic": t("sem.diff_semantic"), "feature": t("sem.diff_feature"),
                                          "a": first, "b": second}), hide_index=True)


def _save_variant() -> None:
    current, name = ui.project(), st.session_state.get("variant_name", "").strip()
    if name:
        current.variants = {**current.variants, name: current.semantics}


def _use_variant(name: str, features: list[str]) -> None:
    current = ui.project()
    current.semantics = current.variants[name].aligned(features)
    ui.flash("success", t("sem.variant_loaded", name=name))


def _delete_variant(name: str) -> None:
    current = ui.project()
    current.variants = {n: r for n, r in current.variants.items() if n != name}


def _import_variants(features: list[str]) -> None:
    upload = st.session_state.get("variants_upload")
    if upload is None:
        return
    try:
        found = variants_from_csv(upload.getvalue(), features, upload.name)
    except InputError as exc:
        ui.flash("error", t("sem.import_failed", error=say(exc)))
        return
    current = ui.project()
    current.variants = {**current.variants, **found}
    ui.flash("success", t("sem.variants_imported", n=len(found), name=upload.name))


def explain_section(model, semantics: SemanticMatrix) -> None:
    """For one semantic: the features that drive its latent, ticked-but-weak and unticked-but-strong."""
    with st.expander(t("sem.explain"), icon=":material/manage_search:"):
        name = st.selectbox(t("axis.semantic"), semantics.names, key="explain_semantic")
        found = ui.project().derived("explain", (model, semantics, name), lambda: explain(model, semantics, name))
        if found["latent"] is None:
            st.info(t("sem.explain_unmatched"))
            return
        drivers = found["drivers"]
        st.caption(t("sem.explain_help", latent=found["latent"], even=f"{1 / model.semantic_dim:.2f}"))
        top = drivers.head(15)
        st.plotly_chart(ui.figure("explain", (found,), lambda: figures.heatmap(
            np.asarray([top.to_numpy()]), [f"z{found['latent']}"], list(top.index), t_plain("sem.explain_title", name=name),
            t_plain("axis.feature"), t_plain("axis.latent"), "C")), key="explain_chart")
        weak, strong = st.columns(2)
        weak.markdown(t("sem.explain_weak") + (md(", ".join(found["weak"])) or "—"))
        strong.markdown(t("sem.explain_strong") + (md(", ".join(found["strong"][:10])) or "—"))

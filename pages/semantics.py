"""Step 2: define the semantics (the R matrix) and see, live, how well the model matches them."""
from __future__ import annotations

import numpy as np
import streamlit as st

from core import figures
from core.errors import InputError
from core.messages import msg
from core.semantics import SemanticMatrix
from core.views import match_table
from pages import grid, ui, workbench
from pages.i18n import say, t, t_plain

ui.header("semantics")
project = ui.project()
ui.gate(project.data is None, "gate.data", "data")
try:
    table = project.prepared()
except InputError as exc:
    st.error(say(exc))
    st.stop()
features = project.columns()   # R is written over every column; unmodelled ticks score nothing
project.semantics = ui.semantics(project)
if (dropped := project.dropped_semantics) is not None:
    st.info(t("sem.r_dropped", old=dropped[0], k=dropped[1]), icon=":material/label_off:")


def replace(semantics: SemanticMatrix, message: str) -> None:
    project.semantics = semantics
    ui.flash("success", message)
    st.rerun()


def with_names(names: list[str], values: np.ndarray) -> SemanticMatrix:
    return SemanticMatrix(names, features, values.reshape(len(names), len(features)))


R = project.semantics
with st.expander(t("sem.manage"), expanded=not R.names, icon=":material/edit:"):
    add, rename, delete = st.tabs([t("sem.add"), t("sem.rename"), t("sem.delete")])
    new_name = add.text_input(t("sem.name"), key="sem_new_name").strip()
    if add.button(t("sem.add"), key="sem_add_button"):
        if not new_name or new_name in R.names:
            add.error(t("sem.bad_name", name=new_name))
        else:
            replace(with_names(R.names + [new_name], np.vstack([R.values, np.zeros(len(features))])),
                    t("sem.added", name=new_name))
    if R.names:
        old = rename.selectbox(t("sem.which"), R.names, key="sem_rename_which")
        renamed = rename.text_input(t("sem.new_name"), key="sem_rename_to").strip()
        if rename.button(t("sem.rename"), key="sem_rename_button"):
            if not renamed or renamed in R.names:
                rename.error(t("sem.bad_name", name=renamed))
            else:
                replace(with_names([renamed if n == old else n for n in R.names], R.values),
                        t("sem.renamed", old=old, new=renamed))
        gone = delete.selectbox(t("sem.which"), R.names, key="sem_delete_which")
        if delete.button(t("sem.delete"), key="sem_delete_button", type="primary"):
            keep = [i for i, n in enumerate(R.names) if n != gone]
            replace(with_names([R.names[i] for i in keep], R.values[keep]), t("sem.deleted", name=gone))

with st.expander(t("sem.files"), icon=":material/upload_file:"):
    left, right = st.columns(2)
    ui.import_semantics(left, "r_upload")
    right.download_button(t("sem.export"), R.to_csv_bytes(), "R.csv", "text/csv", on_click="ignore",
                          icon=":material/download:")
    if ui.preset_fits(project) and right.button(t("sem.preset"), help=t("sem.preset_help")):
        replace(ui.preset_semantics(project), t("sem.preset_loaded"))
    ui.propose_semantics(right, "sem_propose")

st.subheader(t("sem.grid"))
st.caption(t("sem.grid_help"))
live = st.container()   # filled after the grid has applied this run's ticks, shown above it
R = project.semantics = grid.edit(R)
if R.values.any():
    project.dropped_semantics = None   # the user has started an R of their own
latents = project.model.semantic_dim if project.model else project.settings.latent_dim
for note in R.warnings(latents, table.unmodelled_reasons()):
    st.warning(say(note))
if R.names and not R.usable(table.features).any():
    st.error(say(msg("r.nothing_usable")))

model = project.model
scores = model.score(R) if model is not None and R.names else None
if scores is not None:
    trained = model.score().mi
    a, b = live.columns(2)
    a.metric(t("sem.mi_greedy"), f"{scores.mi:.1f} %", f"{scores.mi - trained:+.1f}", help=t("sem.mi_help"))
    b.metric(t("sem.mi_optimal"), f"{scores.mi_optimal:.1f} %")
    workbench.suggestion_list(project, model, R)
    st.subheader(t("sem.live"))
    latent_labels = [f"z{i}" for i in range(model.semantic_dim)]
    st.plotly_chart(ui.figure("sem_d", (model, R), lambda: figures.heatmap(
        scores.distance, latent_labels, R.names, t_plain("sem.d_title"), t_plain("axis.semantic"), t_plain("axis.latent"), "D",
        colorscale="Reds_r")))
    left, right = st.columns(2)
    left.caption(t("sem.greedy"))
    left.dataframe(ui.labelled(match_table(scores.matches, R.names)), hide_index=True)
    right.caption(t("sem.optimal"))
    right.dataframe(ui.labelled(match_table(scores.matches_optimal, R.names)), hide_index=True)
elif model is None:
    st.info(t("sem.train_for_live"))

workbench.variants_section(project, model, R, features)
if scores is not None:
    workbench.explain_section(model, R)

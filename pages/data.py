"""Step 1: load the table and check how every column is read."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.columns import Role
from core.errors import InputError
from core.semantics import SemanticMatrix
from core.table import DEFAULT_MAX_BYTES, read_table
from core.views import distribution_counts
from core.xlsx import sheet_names
from pages import ui
from pages.i18n import language, say, t

ENCODINGS = ["auto", "utf-8", "utf-8-sig", "gbk", "gb18030", "big5", "utf-16", "latin-1"]
TABLE_TYPES = ["csv", "txt", "tsv", "xlsx", "xlsm"]

ui.header("data")
project = ui.project()


def load(name: str, raw: bytes, encoding: str | None = None, sheet: str | None = None) -> None:
    """Read a table into the project; on a bad file show why and keep what was there."""
    try:
        result = read_table(raw, name, encoding=encoding, sheet=sheet, max_bytes=DEFAULT_MAX_BYTES)
        candidate = type(project)(data=result.frame, source_name=result.source,
                                  encoding=result.encoding, settings=project.settings)
        candidate.prepared()   # refuses a table that cannot train
    except InputError as exc:
        st.error(t("data.read_failed", error=say(exc)))
        others = sheet_names(raw) if name.lower().endswith((".xlsx", ".xlsm")) else []
        st.session_state["failed_workbook"] = (name, raw, others) if len(others) > 1 else None
        return
    st.session_state["failed_workbook"] = None
    same_table = project.data is not None and project.data.equals(result.frame)
    old_source, old_semantics = project.source_name, project.semantics
    project.data, project.source_name, project.encoding = result.frame, result.source, result.encoding
    if not same_table:
        project.roles, project.exclude, project.variants = {}, [], {}
        columns = candidate.columns()
        if old_semantics is not None and old_semantics.names and not old_semantics.fits(columns):
            st.session_state[ui.R_NOTICE] = (old_source, len(old_semantics.names))   # never inherited
            project.semantics = SemanticMatrix.empty(columns)
        else:
            project.semantics = ui.semantics(project)
        if project.model is not None:
            project.model, project.generated = None, None
            ui.flash("warning", t("ui.model_cleared"))
    st.session_state["raw_table"] = (name, raw)
    st.session_state["sheets"] = (result.sheet, result.sheets)
    for note in result.warnings:
        ui.flash("warning", say(note))
    ui.flash("success", t("data.loaded", name=result.source, rows=len(result.frame)))
    st.rerun()



upload = st.file_uploader(t("data.upload"), type=TABLE_TYPES, help=t("data.upload_help"),
                          key="table_upload")
if upload is not None and st.session_state.get("table_upload_done") != upload.file_id:
    st.session_state["table_upload_done"] = upload.file_id
    load(upload.name, upload.getvalue())
failed = st.session_state.get("failed_workbook")
if failed is not None:   # the sheet tried first was not a table: offer the others
    choice = st.selectbox(t("data.other_sheet", name=failed[0]), failed[2], index=None, key="failed_sheet")
    if choice is not None:
        load(failed[0], failed[1], sheet=choice)
if st.button(t("data.use_sample"), icon=":material/restart_alt:"):
    st.session_state["project"] = project = ui.sample_project()
    ui.flash("success", t("data.loaded", name=project.source_name, rows=len(project.data)))
    st.rerun()

ui.gate(project.data is None, "data.none", "data")
notice = st.session_state.get(ui.R_NOTICE)
if notice is not None:   # the new table does not fit the R of the old one: the user chooses
    with st.container(border=True):
        st.warning(t("data.r_dropped", old=notice[0], k=notice[1]), icon=":material/label_off:")
        left, right = st.columns(2)
        if left.button(t("data.r_empty"), icon=":material/check_box_outline_blank:"):
            st.session_state.pop(ui.R_NOTICE, None)
            st.switch_page(ui.PAGES["semantics"])
        ui.import_semantics(right, project, "data_r_upload")
raw = st.session_state.get("raw_table")
sheet, sheets = st.session_state.get("sheets", (None, []))
st.subheader(t("data.file", name=project.source_name))
left, right = st.columns(2)
if raw is not None and len(sheets) > 1:
    chosen = left.selectbox(t("data.sheet"), sheets, index=sheets.index(sheet))
    if chosen != sheet:
        load(raw[0], raw[1], sheet=chosen)
elif raw is not None and project.encoding:
    left.caption(t("data.detected", encoding=project.encoding))
    chosen = left.selectbox(t("data.encoding"), ENCODINGS, help=t("data.encoding_help"),
                            key="encoding_choice", format_func=lambda e: t("data.auto") if e == "auto" else e)
    if chosen != "auto" and chosen != project.encoding:
        load(raw[0], raw[1], encoding=chosen)
right.metric(t("data.shape"), f"{len(project.data)} × {project.data.shape[1]}")

with st.expander(t("data.preview"), expanded=False):
    st.dataframe(project.data.head(50), hide_index=False)

try:
    prepared = project.prepared()
except InputError as exc:   # an override left nothing usable: show it, allow a reset
    st.error(t("data.prepare_failed", error=say(exc)))
    prepared = None

if prepared is not None:
    st.subheader(t("data.profile"))
    numeric = {spec.name: spec.is_numeric for spec in prepared.specs}
    rows = []
    for entry in prepared.report:
        used = entry.name in prepared.frame.columns
        rows.append({
            t("data.col_name"): entry.name, t("data.col_role"): t(f"role.{entry.role.value}"),
            t("data.col_reason"): say(entry.reason) + (" ✎" if entry.overridden else ""),
            t("data.col_missing"): entry.n_missing,
            t("data.col_action"): "" if entry.missing_action is None else say(entry.missing_action),
            t("data.col_coerced"): entry.n_coerced,
            t("data.col_distribution"): distribution_counts(
                prepared.frame[entry.name] if used else project.data[entry.name],
                numeric.get(entry.name, False)),
        })
    st.dataframe(pd.DataFrame(rows), hide_index=True, column_config={
        t("data.col_distribution"): st.column_config.BarChartColumn(t("data.col_distribution"))})
    excluded = [e for e in prepared.report if e.role is Role.EXCLUDED]
    if excluded:
        st.caption(t("data.excluded", n=len(excluded), names=", ".join(
            f"{e.name} ({say(e.reason)})" for e in excluded)))
    for entry in prepared.report:
        if entry.text_cells:
            st.warning(t("data.text_cells", name=entry.name, n=len(entry.text_cells),
                         rows=", ".join(f"{row} ('{text[:20]}')" for row, text in entry.text_cells[:8])))
    if classes := [e.name for e in prepared.report if e.maybe_class]:
        st.info(t("data.maybe_class", names=", ".join(classes)), icon=":material/category:")

st.subheader(t("data.override"))
st.caption(t("data.override_help"))
a, b, c = st.columns([2, 2, 1], vertical_alignment="bottom")
column = a.selectbox(t("data.col_name"), list(project.data.columns), key="override_column")
labels = {"auto": t("data.auto")} | {role.value: t(f"role.{role.value}") for role in Role}
role = b.selectbox(t("data.col_role"), list(labels), key=f"override_role_{language()}",   # labels differ
                   format_func=labels.get)
if c.button(t("data.apply"), width="stretch"):
    roles = {k: v for k, v in project.roles.items() if k != column}
    exclude = [name for name in project.exclude if name != column]
    if role == Role.EXCLUDED.value:
        exclude.append(column)
    elif role != "auto":
        roles[column] = Role(role)
    before = (project.roles, project.exclude)
    project.roles, project.exclude = roles, exclude
    try:
        project.prepared()
    except InputError as exc:
        project.roles, project.exclude = before
        st.error(t("data.override_failed", error=say(exc)))
    else:
        ui.data_changed(project)
        st.rerun()
if (project.roles or project.exclude) and st.button(t("data.reset_roles")):
    project.roles, project.exclude = {}, []
    ui.data_changed(project)
    st.rerun()

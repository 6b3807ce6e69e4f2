"""Step 1: load the table and check how every column is read."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.columns import present_cells
from core.errors import InputError
from core.project import Project, TableSource
from core.roles import Role
from core.table import read_table
from core.upload import DEFAULT_MAX_BYTES
from core.views import distribution_counts
from core.xlsx import sheet_names
from pages import ui
from pages.i18n import language, say, t, t_plain

ENCODINGS = ["auto", "utf-8", "utf-8-sig", "gbk", "gb18030", "big5", "utf-16", "latin-1"]
TABLE_TYPES = ["csv", "txt", "tsv", "xlsx", "xlsm"]

ui.header("data")
project = ui.project()


def load(name: str, raw: bytes, encoding: str | None = None, sheet: str | None = None) -> None:
    """Read a table into the project; on a bad file say why and keep what was there."""
    current = ui.project()
    try:
        result = read_table(raw, name, encoding=encoding, sheet=sheet, max_bytes=DEFAULT_MAX_BYTES)
        Project(data=result.frame, source_name=result.source).prepared()   # refuses a table that cannot train
    except InputError as exc:
        ui.flash("error", t("data.read_failed", error=say(exc)))
        others = sheet_names(raw) if name.lower().endswith((".xlsx", ".xlsm")) else []
        current.failed_source = TableSource(name, raw, None, others) if len(others) > 1 else None
        return
    current.failed_source = None
    lost = current.replace_table(result.frame, result.source, result.encoding,
                                 TableSource(name, raw, result.sheet, result.sheets))
    if "model" in lost:
        ui.flash("warning", t("ui.model_cleared"))
    for note in result.warnings:
        ui.flash("warning", say(note))
    ui.flash("success", t("data.loaded", name=result.source, rows=len(result.frame)))


def uploaded() -> None:
    if (upload := st.session_state.get("table_upload")) is not None:
        load(upload.name, upload.getvalue())


def other_sheet() -> None:
    failed = ui.project().failed_source
    if failed is not None and (choice := st.session_state.get("failed_sheet")) is not None:
        load(failed.name, failed.raw, sheet=choice)


def reread(option: str) -> None:
    """The same file again, with the sheet or encoding the user chose."""
    source, choice = ui.project().source, st.session_state.get(f"{option}_choice")
    if source is not None and choice not in (None, "auto"):
        load(source.name, source.raw, **{option: choice})


def use_sample() -> None:
    st.session_state["project"] = sample = ui.sample_project()
    ui.flash("success", t("data.loaded", name=sample.source_name, rows=len(sample.data)))


st.file_uploader(t("data.upload"), type=TABLE_TYPES, help=t("data.upload_help"), key="table_upload",
                 on_change=uploaded)
if project.failed_source is not None:   # the sheet tried first was not a table: offer the others
    st.selectbox(t("data.other_sheet", name=project.failed_source.name), project.failed_source.sheets,
                 index=None, key="failed_sheet", on_change=other_sheet)
st.button(t("data.use_sample"), icon=":material/restart_alt:", on_click=use_sample)

ui.gate(project.data is None, "data.none", "data")
if (dropped := project.dropped_semantics) is not None:   # the old R did not fit: the user chooses
    with st.container(border=True):
        st.warning(t("data.r_dropped", old=dropped[0], k=dropped[1]), icon=":material/label_off:")
        left, middle, right = st.columns(3)
        ui.propose_semantics(left, "data_propose")
        if middle.button(t("data.r_empty"), icon=":material/check_box_outline_blank:"):
            project.dropped_semantics = None
            st.switch_page(ui.PAGES["semantics"])
        ui.import_semantics(right, "data_r_upload")
source = project.source
st.subheader(t("data.file", name=project.source_name))
left, right = st.columns(2)
if source is not None and len(source.sheets) > 1:
    left.selectbox(t("data.sheet"), source.sheets, index=source.sheets.index(source.sheet), key="sheet_choice",
                   on_change=reread, args=("sheet",))
elif source is not None and project.encoding:
    left.caption(t("data.detected", encoding=project.encoding))
    left.selectbox(t("data.encoding"), ENCODINGS, help=t("data.encoding_help"), key="encoding_choice",
                   format_func=lambda e: t("data.auto") if e == "auto" else e, on_change=reread, args=("encoding",))
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
    specs = {spec.name: spec for spec in prepared.specs}

    def counts(name: str) -> list[int]:   # of the cells not blank; labels in the column's order
        if name not in specs:
            return distribution_counts(project.data[name], numeric=False)
        spec = specs[name]
        return distribution_counts(present_cells(prepared.frame, name), spec.is_numeric, order=spec.categories)

    # once per table: on 100,000 rows the counts take longer than the rest of the page
    distributions = project.derived("distributions", (prepared,),
                                    lambda: {entry.name: counts(entry.name) for entry in prepared.report})
    kept = {spec.name for spec in prepared.specs if spec.blanks}
    rows = []
    for entry in prepared.report:
        action = "" if entry.missing_action is None else say(entry.missing_action, markdown=False)
        rows.append({
            t("data.col_name"): entry.name, t("data.col_role"): t(f"role.{entry.role.value}"),
            t("data.col_reason"): say(entry.reason, markdown=False) + (" ✎" if entry.overridden else ""),
            t("data.col_missing"): entry.n_missing,
            t("data.col_action"): t_plain("data.kept_blank", action=action) if entry.name in kept else action,
            t("data.col_coerced"): entry.n_coerced,
            t("data.col_distribution"): distributions[entry.name],
        })
    st.dataframe(pd.DataFrame(rows), hide_index=True, column_config={
        # bars from 0: by default each cell's axis starts at its smallest count, which hides the rarest label
        t("data.col_distribution"): st.column_config.BarChartColumn(t("data.col_distribution"), y_min=0)})
    excluded = [e for e in prepared.report if e.role is Role.EXCLUDED]
    if excluded:
        st.caption(t("data.excluded", n=len(excluded), names=", ".join(
            f"{e.name} ({say(e.reason, markdown=False)})" for e in excluded)))
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
    try:
        if project.set_roles(roles, exclude):
            ui.flash("warning", t("ui.model_cleared"))
    except InputError as exc:
        st.error(t("data.override_failed", error=say(exc)))
    else:
        st.rerun()
if (project.roles or project.exclude) and st.button(t("data.reset_roles")):
    if project.set_roles({}, []):
        ui.flash("warning", t("ui.model_cleared"))
    st.rerun()

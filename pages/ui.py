"""What every page shares: the session's Project, page headers, gates, messages, the sidebar.

All of a session's state lives in ONE `core.project.Project` at `st.session_state["project"]`:
the work, the uploaded bytes, the training run, one-shot notices and every derived result
(cached there, keyed on its inputs). Besides it the session holds only widget state and the
UI language. Nothing user-made goes into st.cache_*: that cache is shared by all sessions.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

import streamlit as st

from core.augmentation import balance_count, class_counts
from core.cells import day_of
from core.controllability import Control, controllability
from core.device import configure_threads
from core.errors import InputError
from core.export import download_name
from core.grouping import propose_groups
from core.handout import html_report
from core.project import Project, TableSource
from core.projectfile import load_project, save_project
from core.roles import Role, maybe_class
from core.semantics import SemanticMatrix
from core.table import read_table
from core.worker import limit_trainings
from pages.i18n import LANGUAGES, language, md, say, t, t_plain

# Once per server process: two sessions may train at once, each on its share of the cores;
# a third waits in the queue (core.worker).
TRAININGS = 2
configure_threads(trainings=TRAININGS)
limit_trainings(TRAININGS)


def session_alive() -> Callable[[], bool]:
    """A check a worker thread can call: is the session running this script still there? A
    session whose browser went away counts as there for `server.disconnectedSessionTTL` seconds
    more (Streamlit keeps it that long for a reconnect), so a network blip stops nothing.
    Outside a server (AppTest), always True."""
    from streamlit import runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx()
    if context is None or not runtime.exists():
        return lambda: True
    server, session = runtime.get_instance(), context.session_id
    grace, gone_since = float(st.get_option("server.disconnectedSessionTTL")), []

    def alive() -> bool:
        if server.is_active_session(session):
            gone_since.clear()
            return True
        gone_since[:] = gone_since or [time.monotonic()]
        return time.monotonic() - gone_since[0] < grace
    return alive


ROOT = Path(__file__).resolve().parents[1]
SAMPLE_TABLE = ROOT / "sample_data" / "buildings_30.csv"
SAMPLE_SEMANTICS = ROOT / "sample_data" / "semantics.csv"
PAGES = {"data": "pages/data.py", "semantics": "pages/semantics.py", "train": "pages/train.py",
         "analysis": "pages/analysis.py", "generate": "pages/generate.py", "evaluate": "pages/evaluate.py"}


def project() -> Project:
    """The session's Project; on the first visit, the 30-row sample with the paper's semantics."""
    if "project" not in st.session_state:
        st.session_state["project"] = sample_project()
    return st.session_state["project"]


def sample_project() -> Project:
    raw = SAMPLE_TABLE.read_bytes()
    result = read_table(raw, SAMPLE_TABLE.name)
    project = Project(data=result.frame, source_name=result.source, encoding=result.encoding,
                      source=TableSource(SAMPLE_TABLE.name, raw))
    project.semantics = preset_semantics(project)
    return project


def preset_semantics(project: Project) -> SemanticMatrix:
    """The paper's 8 semantics, for the sample's columns (fails on other data)."""
    return SemanticMatrix.from_csv(SAMPLE_SEMANTICS, project.columns())


def preset_fits(project: Project) -> bool:
    """The paper's 8 semantics name columns of this table (the sample, or a table like it);
    decided once per table, not on every rerun of the Semantics page."""
    def fits() -> bool:
        try:
            preset_semantics(project)
        except InputError:
            return False
        return True
    return project.derived("preset_fits", (project.data,), fits)


def semantics(project: Project) -> SemanticMatrix:
    """The project's R over the table's columns (empty when there is none)."""
    columns = project.columns()
    return SemanticMatrix.empty(columns) if project.semantics is None else project.semantics.aligned(columns)


def ready_to_train(project: Project) -> bool:
    """At least one semantic ticks a column the model will use."""
    if project.semantics is None or not project.semantics.names:
        return False
    try:
        return bool(project.semantics.usable(project.prepared().features).any())
    except InputError:
        return False


def propose_semantics(where, key: str) -> None:
    """A button that replaces R by groups proposed from the data (core.grouping)."""
    where.button(t("sem.propose"), key=key, icon=":material/auto_awesome:", help=t("sem.propose_help"),
                 on_click=_propose_semantics)


def _propose_semantics() -> None:
    current = project()
    try:
        table = current.prepared()
        proposal = propose_groups(table)
    except InputError as exc:
        flash("error", say(exc))
        return
    current.semantics, current.dropped_semantics = proposal.semantics(table.columns), None
    flash("success", t("sem.proposed", k=proposal.k, silhouette=f"{proposal.silhouette:.2f}",
                       names=", ".join(proposal.groups)))


def import_semantics(where, key: str) -> None:
    """An uploader for an R file; on success R is replaced, on failure R is unchanged."""
    where.file_uploader(t("sem.import"), type=["csv"], key=key, help=t("sem.import_help"),
                        on_change=_import_semantics, args=(key,))


def _import_semantics(key: str) -> None:
    imported, current = st.session_state.get(key), project()
    if imported is None:
        return
    try:
        current.semantics = SemanticMatrix.from_csv(imported.getvalue(), current.columns(), imported.name,
                                                    require_members=False)
    except InputError as exc:
        flash("error", t("sem.import_failed", error=say(exc)))
        return
    current.dropped_semantics = None
    flash("success", t("sem.imported", name=imported.name))


def figure(name: str, inputs: tuple, build: Callable[[], Any]) -> Any:
    """A chart built once per change of its inputs or of the language: building a plotly
    figure costs ~25 ms, too much to repeat on every rerun."""
    return project().derived(f"figure:{name}", (*inputs, language()), build)


WEAK_SELECTIVITY = 2.0     # below this a slider moves other features almost as much as its own


def controls(model, semantics: SemanticMatrix) -> dict[str, Control]:
    """Controllability per semantic name, computed once per (model, R)."""
    return project().derived("controls", (model, semantics), lambda: {
        c.semantic: c for c in controllability(model, semantics, n_rows=300)})


def class_picker(model, table, prefix: str) -> tuple[str, str, int] | None:
    """Label column, class (rarest first) and rows to add, as three widgets keyed by `prefix`;
    None when the model has no column of classes. `table`: the PreparedTable; a blank class,
    kept or filled for training, is no class."""
    real = table.frame
    labels = [span.name for span in model.transformer.layout_ if span.kind != "numeric"]
    coded = project().derived("coded_classes", (model, real), lambda: [
        span.name for span in model.transformer.layout_
        if span.role is Role.INTEGER and maybe_class(span.name, real[span.name].to_numpy())])
    if coded:   # a class coded 1/2/3 is read as integers until the user says otherwise
        st.caption(t("ev.coded_classes", names=", ".join(coded)))
    if not labels:
        return None
    a, b, c = st.columns(3)
    label = a.selectbox(t("ev.label"), labels, index=len(labels) - 1, key=f"{prefix}_label")
    counts = project().derived(f"class_counts:{label}", (real,), lambda: class_counts(table.held(label)[label]))
    shown = {name: t_plain("ev.class_count", name=_shown(name), n=int(counts[name])) for name in counts.index}
    value = b.selectbox(t("ev.class"), sorted(counts.index, key=lambda name: (counts[name], name)),
                        format_func=shown.get, key=f"{prefix}_class")   # the words of this run's language
    n_rows = c.number_input(t("ev.n_rows"), 1, 100_000, balance_count(counts, value),
                            key=f"{prefix}_n_{label}_{value}", help=t("ev.n_rows_help"))
    return label, value, int(n_rows)


def condition_picker(current: Project, model) -> None:
    """The Generate page's conditions (core.conditions): pick a column, then a label, a code or
    a range (or, in a column that keeps its blanks, its blank cells), and add it; each condition
    kept is a button that removes it."""
    spans = {span.name: span for span in model.transformer.layout_}
    a, b, c = st.columns([2, 3, 1], vertical_alignment="bottom")
    name = a.selectbox(t("gen.where_column"), list(spans), key="where_column")
    span = spans[name]
    if span.role is Role.DATE:   # the model holds decimal years; the engineer picks days
        first, last = day_of(span.low), day_of(span.high)
        low, high = b.slider(t("gen.where_range"), first, last, (first, last), format="YYYY-MM-DD",
                             key=f"where_range_{name}")
        text = f"{name}={low.isoformat()}..{high.isoformat()}"
    elif span.kind != "numeric" or (span.role is Role.INTEGER and span.high - span.low <= 30 * span.spacing):
        values = span.categories if span.kind != "numeric" \
            else range(int(span.low), int(span.high) + 1, int(span.spacing))   # ages in 5s: 20, 25, ...
        text = f"{name}={b.selectbox(t('gen.where_value'), values, key=f'where_value_{name}', format_func=_shown)}"
    else:
        low, high = b.slider(t("gen.where_range"), float(span.low), float(span.high),
                             (float(span.low), float(span.high)), step=span.step or None, key=f"where_range_{name}")
        text = f"{name}={low:.10g}..{high:.10g}"
    if span.blank and b.checkbox(t("gen.where_blank"), key=f"where_blank_{name}"):   # it keeps its blanks
        text = f"{name}="
    c.button(t("gen.where_add"), key="where_add", icon=":material/filter_alt:", width="stretch",
             disabled=text in current.conditions, on_click=_set_conditions, args=([*current.conditions, text],))
    for n, kept in enumerate(current.conditions):
        st.button(md(kept), key=f"where_drop_{n}", icon=":material/close:", help=t("gen.where_drop"),
                  on_click=_set_conditions, args=([c for c in current.conditions if c != kept],))


def _shown(value) -> str:
    """A label as a picker shows it: the blank of a tick box as "(blank)"."""
    return t("gen.blank") if value == "" else str(value)


def _set_conditions(conditions: list[str]) -> None:
    project().conditions = conditions


def labelled(frame, metric_column: str | None = None):
    """A core table with translated headers ("col.<name>"), and translated metric names."""
    frame = frame.copy()
    if metric_column is not None:
        frame[metric_column] = frame[metric_column].map(lambda name: t(f"metric.{name}"))
    return frame.rename(columns=lambda name: t(f"col.{name}"))


def duration(seconds: float) -> str:
    """'45 s', '3 min', '1 h 5 min' in the session's language."""
    seconds = round(seconds)
    if seconds < 60:
        return t("time.seconds", n=seconds)
    minutes = round(seconds / 60)
    return t("time.minutes", n=minutes) if minutes < 60 else t("time.hours", h=minutes // 60, m=minutes % 60)


def header(page: str) -> None:
    """Title, the one sentence saying what the page is for, and any pending message."""
    if "project" not in st.session_state:
        # A deep link on a freshly started server can run a page file on its own (Streamlit
        # treats pages/ as an old-style page folder until app.py has called st.navigation
        # once); the router makes the project first: go through it instead.
        st.switch_page("app.py")
    st.title(t(f"{page}.title"))
    st.caption(t(f"{page}.purpose"))
    current = project()
    notices, current.notices = current.notices, []
    for kind, text in notices:
        getattr(st, kind)(text)


def flash(kind: str, text: str) -> None:
    """A message shown once at the top of the next run (it survives st.rerun)."""
    project().notices.append((kind, text))


def gate(missing: bool, message_key: str, page: str) -> None:
    """Stop the page with a pointer to the step that is missing."""
    if missing:
        st.info(t(message_key))
        st.page_link(PAGES[page], label=t(f"{page}.title"), icon=":material/arrow_forward:")
        st.stop()


def collect_training() -> bool:
    """Move a finished training run's result into the Project, once; True if it did."""
    current = project()
    worker = current.collect_training()
    if worker is None:
        return False
    if worker.result is not None and current.model is worker.result:
        mi = worker.result.score(current.semantics).mi if current.semantics and current.semantics.names \
            else 0.0
        flash("success", t("train.done", mi=mi))
    elif worker.result is not None:
        flash("warning", t("train.stale"))
    elif worker.cancelled:
        flash("info", t("train.cancelled"))
    else:
        flash("error", t("train.failed", error=say(worker.error)))
    return True


def follow(worker, collect: Callable[[], bool], fraction: float, text: str, cancel: str, key: str) -> None:
    """Inside a polling fragment: once `worker` has finished, `collect` it and rerun the page;
    while it runs, its place in the queue for a training slot, a progress bar and a Cancel button."""
    if not worker.running:
        if collect():
            st.rerun()
        return
    if (place := worker.queue_position()) is not None:   # other sessions hold every training slot
        st.info(t("train.queued", place=place), icon=":material/hourglass_top:")
    st.progress(fraction, text=text)
    if st.button(cancel, icon=":material/stop:", key=key):
        worker.cancel()


def collect_check() -> bool:
    """Keep a finished augmentation check's result in the Project, once; True if one finished."""
    worker = project().collect_check()
    if worker is None:
        return False
    if worker.cancelled:
        flash("info", t("ev.cancelled"))
    elif worker.error is not None:
        flash("error", t("ev.failed", error=say(worker.error)))
    return True


def _remember_language() -> None:
    # Kept outside the widget's key, which Streamlit may drop when the widget is not drawn.
    st.session_state["lang"] = st.session_state["lang_choice"]


def localise_widgets() -> None:
    """Streamlit draws the file uploader's button and size line itself, in English, with no
    parameter to change them (1.67): in Chinese, CSS writes our text over them."""
    if language() == "en":
        return
    st.html(f"""<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{font-size: 0}}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {{
  content: "{t('ui.upload_button')}"; font-size: 0.875rem}}
[data-testid="stFileUploaderDropzoneInstructions"] span {{font-size: 0}}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{
  content: "{t('ui.upload_hint')}"; font-size: 0.875rem}}
</style>""")


def sidebar() -> None:
    with st.sidebar:
        st.segmented_control(t("ui.language"), list(LANGUAGES), key="lang_choice",
                             default=language(), format_func=LANGUAGES.get, required=True,
                             on_change=_remember_language)
        project_box(project())


def project_box(current: Project) -> None:
    st.subheader(t("ui.project"))
    if current.data is not None:
        st.caption(t("ui.summary_data", name=current.source_name, rows=len(current.data),
                     cols=current.data.shape[1]))
    if current.semantics is not None:
        st.caption(t("ui.summary_semantics", k=len(current.semantics.names)))
    if current.model is not None:
        st.caption(t("ui.summary_model", mi=current.model.score().mi))   # with the R it was trained on
    else:
        st.caption(t("ui.summary_no_model"))
    if current.training is not None and current.training.running:
        st.caption(t("ui.training"))
    st.download_button(t("ui.save_project"), lambda: save_project(current), "project.zip",
                       "application/zip", on_click="ignore", icon=":material/save:",
                       width="stretch")
    if current.model is not None:   # built on the click: a few seconds, not on every rerun
        lang = language()
        st.download_button(t("ui.download_report"), lambda: html_report(current, lang),
                           download_name(current.source_name, ["report", lang], "html"), "text/html",
                           on_click="ignore", icon=":material/description:", width="stretch",
                           help=t("ui.download_report_help"), key="download_report")
    st.file_uploader(t("ui.load_project"), type=["zip"], key="project_upload", on_change=_open_project)


def _open_project() -> None:
    uploaded = st.session_state.get("project_upload")
    if uploaded is None:
        return
    try:
        loaded = load_project(uploaded.getvalue(), uploaded.name)
    except InputError as exc:
        flash("error", t("ui.load_failed", error=say(exc)))   # the current project stays
        return
    st.session_state["project"] = loaded
    flash("success", t("ui.loaded", name=uploaded.name))

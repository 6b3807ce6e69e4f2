"""What every page shares: the session's Project, page headers, gates, messages, the sidebar.

All of a user's work lives in ONE `core.project.Project` at `st.session_state["project"]`.
Besides it, the session keeps only bookkeeping: widget keys, the raw bytes of the last
uploaded table (so the encoding can be overridden), the training worker and one-shot
messages. Nothing user-made goes into st.cache_*: that cache is shared by all sessions.
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st
import torch

from core.augmentation import balance_count
from core.columns import Role, maybe_class
from core.controllability import Control, controllability
from core.errors import InputError
from core.project import Project, schema_differences
from core.projectfile import load_project, save_project
from core.semantics import SemanticMatrix
from core.table import read_table
from pages.i18n import LANGUAGES, language, say, t

# The models are tiny (tens of rows, ~100 columns): one thread is fastest, and several
# sessions training at once would otherwise fight over every core.
torch.set_num_threads(1)

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_TABLE = ROOT / "sample_data" / "buildings_30.csv"
SAMPLE_SEMANTICS = ROOT / "sample_data" / "semantics.csv"
WORKER = "train_worker"   # the session's pages.worker.TrainingWorker, if any
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
    st.session_state["raw_table"] = (SAMPLE_TABLE.name, raw)
    st.session_state.pop(R_NOTICE, None)
    project = Project(data=result.frame, source_name=result.source, encoding=result.encoding)
    project.semantics = preset_semantics(project)
    return project


def preset_semantics(project: Project) -> SemanticMatrix:
    """The paper's 8 semantics, for the sample's columns (fails on other data)."""
    return SemanticMatrix.from_csv(SAMPLE_SEMANTICS, project.columns())


def preset_fits(project: Project) -> bool:
    """The paper's 8 semantics name columns of this table (the sample, or a table like it)."""
    try:
        preset_semantics(project)
    except InputError:
        return False
    return True


def semantics(project: Project) -> SemanticMatrix:
    """The project's R over the table's columns (empty when there is none)."""
    columns = project.columns()
    return SemanticMatrix.empty(columns) if project.semantics is None else project.semantics.aligned(columns)


def scoring_semantics(project: Project) -> tuple[SemanticMatrix, bool]:
    """(R, True) to score the model with: the current R; (R, False) with the R the model was
    trained with when the current one has no semantic."""
    model = project.model
    current = project.semantics.aligned(model.columns) if project.semantics is not None else None
    return (current, True) if current is not None and current.names else (model.semantics, False)


def ready_to_train(project: Project) -> bool:
    """At least one semantic ticks a column the model will use."""
    if project.semantics is None or not project.semantics.names:
        return False
    try:
        return bool(project.semantics.usable(project.prepared().features).any())
    except InputError:
        return False


R_NOTICE = "r_notice"   # (old table, number of semantics) when a new table did not fit the current R


def import_semantics(where, project: Project, key: str) -> None:
    """An uploader for an R file; on success R is replaced, on failure R is unchanged."""
    imported = where.file_uploader(t("sem.import"), type=["csv"], key=key, help=t("sem.import_help"))
    if imported is None or st.session_state.get(f"{key}_done") == imported.file_id:
        return
    st.session_state[f"{key}_done"] = imported.file_id
    try:
        project.semantics = SemanticMatrix.from_csv(imported.getvalue(), project.columns(), imported.name,
                                                    require_members=False)
    except InputError as exc:
        where.error(t("sem.import_failed", error=say(exc)))
        return
    st.session_state.pop(R_NOTICE, None)
    flash("success", t("sem.imported", name=imported.name))
    st.rerun()


CONTROLS = "controls"      # (model id, R key) -> controllability of that pair, see `controls`
WEAK_SELECTIVITY = 2.0     # below this a slider moves other features almost as much as its own


def controls(model, semantics: SemanticMatrix) -> dict[str, Control]:
    """Controllability per semantic name, computed once per (model, R) in this session."""
    key = (id(model), tuple(semantics.names), semantics.values.tobytes())
    cached = st.session_state.get(CONTROLS)
    if cached is None or cached[0] != key:
        cached = (key, {c.semantic: c for c in controllability(model, semantics, n_rows=300)})
        st.session_state[CONTROLS] = cached
    return cached[1]


def class_picker(model, real, prefix: str) -> tuple[str, str, int] | None:
    """Label column, class (rarest first) and rows to add, as three widgets keyed by `prefix`;
    None when the model has no column of classes."""
    labels = [span.name for span in model.transformer.layout_ if span.kind != "numeric"]
    coded = [span.name for span in model.transformer.layout_
             if span.role is Role.INTEGER and maybe_class(span.name, real[span.name].to_numpy())]
    if coded:   # a class coded 1/2/3 is read as integers until the user says otherwise
        st.caption(t("ev.coded_classes", names=", ".join(coded)))
    if not labels:
        return None
    a, b, c = st.columns(3)
    label = a.selectbox(t("ev.label"), labels, index=len(labels) - 1, key=f"{prefix}_label")
    counts = real[label].astype(str).value_counts()
    value = b.selectbox(t("ev.class"), sorted(counts.index, key=lambda name: (counts[name], name)),
                        format_func=lambda name: t("ev.class_count", name=name, n=int(counts[name])),
                        key=f"{prefix}_class")
    n_rows = c.number_input(t("ev.n_rows"), 1, 100_000, balance_count(real[label], value),
                            key=f"{prefix}_n_{label}_{value}", help=t("ev.n_rows_help"))
    return label, value, int(n_rows)


def labelled(frame, metric_column: str | None = None):
    """A core table with translated headers ("col.<name>"), and translated metric names."""
    frame = frame.copy()
    if metric_column is not None:
        frame[metric_column] = frame[metric_column].map(lambda name: t(f"metric.{name}"))
    return frame.rename(columns=lambda name: t(f"col.{name}"))


def header(page: str) -> None:
    """Title, the one sentence saying what the page is for, and any pending message."""
    if not st.session_state.get("routed"):
        # A deep link on a freshly started server can run a page file on its own (Streamlit
        # treats pages/ as an old-style page folder until app.py has called st.navigation
        # once): go through the router instead.
        st.switch_page("app.py")
    st.title(t(f"{page}.title"))
    st.caption(t(f"{page}.purpose"))
    for kind, text in st.session_state.pop("flash", []):
        getattr(st, kind)(text)


def flash(kind: str, text: str) -> None:
    """A message shown once at the top of the next run (it survives st.rerun)."""
    st.session_state.setdefault("flash", []).append((kind, text))


def gate(missing: bool, message_key: str, page: str) -> None:
    """Stop the page with a pointer to the step that is missing."""
    if missing:
        st.info(t(message_key))
        st.page_link(PAGES[page], label=t(f"{page}.title"), icon=":material/arrow_forward:")
        st.stop()


def data_changed(project: Project) -> None:
    """After any change to data, roles or exclusions: drop a model that no longer fits."""
    if project.model is None:
        return
    try:
        differences = schema_differences(project.model, project.prepared())
    except InputError:
        differences = ["—"]
    if differences:
        project.model, project.generated = None, None
        flash("warning", t("ui.model_cleared"))


def collect_training() -> bool:
    """Move a finished training run's result into the Project, once; True if it did."""
    worker = st.session_state.get(WORKER)
    if worker is None or worker.running or worker.collected:
        return False
    worker.collected = True
    current = project()
    if worker.result is not None and _fits(worker.result, current):
        current.model, current.generated = worker.result, None
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


def _fits(model, current: Project) -> bool:
    """The data changed while training ran: a model for other columns is not kept."""
    try:
        return current.data is not None and not schema_differences(model, current.prepared())
    except InputError:
        return False


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
    worker = st.session_state.get(WORKER)
    if worker is not None and worker.running:
        st.caption(t("ui.training"))
    st.download_button(t("ui.save_project"), lambda: save_project(current), "project.zip",
                       "application/zip", on_click="ignore", icon=":material/save:",
                       width="stretch")
    uploaded = st.file_uploader(t("ui.load_project"), type=["zip"], key="project_upload")
    if uploaded is not None and st.session_state.get("project_upload_done") != uploaded.file_id:
        st.session_state["project_upload_done"] = uploaded.file_id
        try:
            loaded = load_project(uploaded.getvalue(), uploaded.name)
        except InputError as exc:
            st.error(t("ui.load_failed", error=say(exc)))
            return
        st.session_state["project"] = loaded
        st.session_state["raw_table"], st.session_state["sheets"] = None, (None, [])
        flash("success", t("ui.loaded", name=uploaded.name))
        st.rerun()

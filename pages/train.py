"""Step 3: train the VAE, find the critical point, fine-tune for clarity (MI)."""
from __future__ import annotations

from dataclasses import replace

import streamlit as st

from core import figures
from core.errors import InputError
from core.limits import MAX_FREE_BITS
from core.model import MODES, TrainConfig
from core.worker import TrainingWorker
from pages import ui
from pages.i18n import language, say, t

POLL_SECONDS = 1.0    # progress and the end of a run
CURVE_SECONDS = 3.0   # the live curves

ui.header("train")
project = ui.project()
ui.gate(project.data is None, "gate.data", "data")
ui.gate(not ui.ready_to_train(project), "gate.semantics", "semantics")


def start(config: TrainConfig, semantics=None) -> None:
    """Start a worker thread (from a button's callback, so the page's next run already shows
    it); the previous model stays in use until the new one is ready."""
    current = ui.project()
    if current.training is not None and current.training.running:
        return
    try:
        table = current.prepared()
    except InputError as exc:
        ui.flash("error", say(exc))
        return
    current.settings = config
    current.training = TrainingWorker(table, semantics or current.semantics, config,
                                      alive=ui.session_alive()).start()   # stops when the session closes


def submit() -> None:
    """The settings form's Train button: check the layer sizes, then start."""
    state, settings = st.session_state, ui.project().settings
    hidden = state["train_hidden"]
    try:
        layers = tuple(int(part) for part in hidden.replace("，", ",").split(",") if part.strip())
        if not layers or min(layers) < 1:
            raise ValueError
    except ValueError:
        ui.flash("error", t("train.bad_hidden", value=hidden))
        return
    start(replace(settings, latent_dim=int(state["train_latent"]) or None, hidden=layers,
                  seed=int(state["train_seed"]), epochs=int(state["train_epochs"]),
                  finetune_epochs=int(state["train_finetune"]), learning_rate=float(state["train_rate"]),
                  target_mi=float(state["train_target"]) or None, critical_epoch=None, mode=state["train_mode"],
                  detail_latents=int(state["train_detail"]), free_bits=float(state["train_free_bits"])))


busy = project.training is not None and project.training.running

s = project.settings
with st.form("settings"):
    st.subheader(t("train.settings"))
    a, b, c = st.columns(3)
    a.number_input(t("train.latent"), 0, 64, s.latent_dim or 0, help=t("train.latent_help"), key="train_latent")
    b.text_input(t("train.hidden"), ", ".join(map(str, s.hidden)), help=t("train.hidden_help"), key="train_hidden")
    c.number_input(t("train.seed"), 0, 2**31 - 1, s.seed, key="train_seed")
    a.number_input(t("train.epochs"), 5, 5000, s.epochs, help=t("train.epochs_help"), key="train_epochs")
    b.number_input(t("train.finetune"), 0, 5000, s.finetune_epochs, help=t("train.finetune_help"),
                   key="train_finetune")
    c.number_input(t("train.rate"), 1e-5, 1.0, s.learning_rate, format="%.4f", key="train_rate")
    a.number_input(t("train.target"), 0.0, 100.0, s.target_mi or 0.0, help=t("train.target_help"), key="train_target")
    b.selectbox(t("train.mode"), MODES, index=MODES.index(s.mode), help=t("train.mode_help"),
                format_func=lambda m: t(f"mode.{m}"), key="train_mode")
    c.number_input(t("train.detail"), 0, 64, s.detail_latents, help=t("train.detail_help"), key="train_detail")
    a.number_input(t("train.free_bits"), 0.0, MAX_FREE_BITS, float(s.free_bits), step=0.05, format="%.2f",
                   help=t("train.free_bits_help"), key="train_free_bits")
    st.form_submit_button(t("train.start"), type="primary", disabled=busy, icon=":material/play_arrow:",
                          on_click=submit)


@st.fragment(run_every=POLL_SECONDS if busy else None)
def live() -> None:
    """Polls the worker while it runs; reruns the whole page once it has finished."""
    worker = project.training
    if worker is None:
        return
    records = worker.records()
    phase = records[-1].phase if records else "train"
    eta = worker.eta_seconds()
    text = t("train.progress", done=len(records), total=worker.total_epochs, phase=t(f"phase.{phase}"))
    ui.follow(worker, ui.collect_training, worker.progress(),
              text if eta is None else text + t("train.eta", time=ui.duration(eta)), t("train.cancel"), "train_cancel")


@st.fragment(run_every=CURVE_SECONDS if busy else None)
def live_curves() -> None:
    """The curves so far: drawn at once, then redrawn every few seconds, light (<= 200 points,
    no interaction), so that the training thread keeps the CPU (measured: 0.1 s per redraw)."""
    worker = project.training
    if worker is None or not worker.running:
        return
    worker.wait_for_first_epoch(timeout=0.8)
    records = worker.records()
    if records:
        step = -(-len(records) // 200)
        shown = records[::step] + ([records[-1]] if (len(records) - 1) % step else [])
        st.plotly_chart(figures.training_curves(shown, lang=language()), key="live_curves", config={"staticPlot": True})


live()
live_curves()

model = project.model
if model is not None and not busy:
    st.subheader(t("train.result"))
    a, b, c = st.columns(3)
    a.metric(t("train.mi_before"), "—" if model.mi_before_finetune is None else f"{model.mi_before_finetune:.1f} %")
    a.caption(t("train.mi_after_help"))
    b.metric(t("train.mi_after"), f"{model.score().mi:.1f} %")
    c.metric(t("train.critical"), model.critical_epoch)
    for note in model.notes:
        st.caption(say(note))
    st.plotly_chart(project.derived("curves", (model, language()), lambda: figures.training_curves(
        model.history, model.critical_epoch, lang=language())), key="final_curves")
    st.subheader(t("train.move_critical"))
    st.caption(t("train.move_help"))
    x, y = st.columns([3, 1], vertical_alignment="bottom")
    epoch = x.number_input(t("train.critical"), 1, model.config.epochs, model.critical_epoch,
                           key="critical_choice")
    y.button(t("train.refit"), width="stretch", disabled=epoch == model.critical_epoch, on_click=start,
             args=(replace(model.config, critical_epoch=int(epoch)), model.semantics))
elif model is None and not busy:
    st.info(t("train.no_model"))
    st.plotly_chart(figures.training_curves([], lang=language()), key="empty_curves")   # the curves' frame, ready to fill

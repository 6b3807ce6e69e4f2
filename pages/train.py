"""Step 3: train the VAE, find the critical point, fine-tune for clarity (MI)."""
from __future__ import annotations

from dataclasses import replace

import streamlit as st

from core.errors import InputError
from core.model import MODES, TrainConfig
from core.worker import TrainingWorker
from pages import charts, ui
from pages.i18n import say, t

POLL_SECONDS = 0.5

ui.header("train")
project = ui.project()
ui.gate(project.data is None, "gate.data", "data")
ui.gate(not ui.ready_to_train(project), "gate.semantics", "semantics")


def start(config: TrainConfig, semantics=None) -> None:
    """Start a worker thread; the previous model stays in use until the new one is ready."""
    try:
        table = project.prepared()
    except InputError as exc:
        st.error(say(exc))
        return
    project.settings = config
    project.training = TrainingWorker(table, semantics or project.semantics, config).start()
    st.rerun()


busy = project.training is not None and project.training.running

s = project.settings
with st.form("settings"):
    st.subheader(t("train.settings"))
    a, b, c = st.columns(3)
    latent = a.number_input(t("train.latent"), 0, 64, s.latent_dim or 0, help=t("train.latent_help"))
    hidden = b.text_input(t("train.hidden"), ", ".join(map(str, s.hidden)), help=t("train.hidden_help"))
    seed = c.number_input(t("train.seed"), 0, 2**31 - 1, s.seed)
    epochs = a.number_input(t("train.epochs"), 5, 5000, s.epochs, help=t("train.epochs_help"))
    finetune = b.number_input(t("train.finetune"), 0, 5000, s.finetune_epochs, help=t("train.finetune_help"))
    rate = c.number_input(t("train.rate"), 1e-5, 1.0, s.learning_rate, format="%.4f")
    target = a.number_input(t("train.target"), 0.0, 100.0, s.target_mi or 0.0, help=t("train.target_help"))
    mode = b.selectbox(t("train.mode"), MODES, index=MODES.index(s.mode), help=t("train.mode_help"),
                       format_func=lambda m: t(f"mode.{m}"))
    submitted = st.form_submit_button(t("train.start"), type="primary", disabled=busy,
                                      icon=":material/play_arrow:")
if submitted:
    try:
        layers = tuple(int(part) for part in hidden.replace("，", ",").split(",") if part.strip())
        if not layers or min(layers) < 1:
            raise ValueError
    except ValueError:
        st.error(t("train.bad_hidden", value=hidden))
    else:
        start(replace(s, latent_dim=int(latent) or None, hidden=layers, seed=int(seed),
                      epochs=int(epochs), finetune_epochs=int(finetune), learning_rate=float(rate),
                      target_mi=float(target) or None, critical_epoch=None, mode=mode))


@st.fragment(run_every=POLL_SECONDS if busy else None)
def live() -> None:
    """Polls the worker while it runs; reruns the whole page once it has finished."""
    worker = project.training
    if worker is None:
        return
    if not worker.running:
        if ui.collect_training():
            st.rerun()
        return
    records = worker.records()
    phase = records[-1].phase if records else "train"
    st.progress(worker.progress(), text=t("train.progress", done=len(records),
                                          total=worker.total_epochs, phase=t(f"phase.{phase}")))
    if st.button(t("train.cancel"), icon=":material/stop:"):
        worker.cancel()
    if records:
        st.plotly_chart(charts.training_curves(records), key="live_curves")


live()

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
    st.plotly_chart(charts.training_curves(model.history, model.critical_epoch), key="final_curves")
    st.subheader(t("train.move_critical"))
    st.caption(t("train.move_help"))
    x, y = st.columns([3, 1], vertical_alignment="bottom")
    epoch = x.number_input(t("train.critical"), 1, model.config.epochs, model.critical_epoch,
                           key="critical_choice")
    if y.button(t("train.refit"), width="stretch", disabled=epoch == model.critical_epoch):
        start(replace(model.config, critical_epoch=int(epoch)), model.semantics)
elif model is None and not busy:
    st.info(t("train.no_model"))

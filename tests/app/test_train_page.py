"""Train page and its worker: settings, a background run, the result, cancel, errors, the critical point."""
from __future__ import annotations

import threading

import pytest

from core.errors import InputError
from core.semantics import SemanticMatrix
from core.model import TrainConfig
from core.worker import TrainingWorker
from tests.app.conftest import FAST, open_page, sample_project, texts

PAGE = "pages/train.py"


def number(at, label: str):
    return [n for n in at.number_input if n.label == label][0]


def finish(at):
    """Wait for the session's worker, then rerun as the polling fragment would."""
    worker = at.session_state["project"].training
    if worker is not None:           # a run that already ended was collected by the last rerun
        worker.join(timeout=120)
    return at.run()


def test_gates_without_semantics():
    project = sample_project()
    project.semantics = SemanticMatrix.empty(project.semantics.features)
    at = open_page(PAGE, project)
    assert "Define at least one semantic that ticks a column the model uses" in texts(at.info)
    assert not at.button or all(b.label != "Train" for b in at.button)


def test_training_runs_in_the_background_and_becomes_the_model():
    at = open_page(PAGE, sample_project())
    assert "No model yet" in texts(at.info)
    number(at, "Training epochs").set_value(30)
    number(at, "Fine-tuning epochs (0 = none)").set_value(10)
    number(at, "Seed").set_value(2)
    assert number(at, "Free bits (nats)").value == TrainConfig().free_bits
    number(at, "Free bits (nats)").set_value(0.25)
    mode = [s for s in at.selectbox if s.label == "Model"][0]
    assert mode.value == "semantic" and mode.options == ["Semantic (controllable sliders)", "Paper (as published)"]
    mode.set_value("paper")
    [b for b in at.button if b.label == "Train"][0].click().run()
    worker = at.session_state["project"].training
    assert worker.config.epochs == 30 and worker.config.seed == 2 and worker.config.mode == "paper"
    assert worker.config.free_bits == 0.25
    at = finish(at)
    project = at.session_state["project"]
    assert project.model is worker.result and project.training is None   # collected once
    assert project.settings.epochs == 30
    assert "Training finished" in texts(at.success)
    assert [m.label for m in at.metric] == ["MI before fine-tuning", "MI after fine-tuning", "Critical epoch"]
    assert len(project.model.history) <= 40


def test_moving_the_critical_point_refits_from_there(trained):
    at = open_page(PAGE, trained)
    new = max(trained.model.critical_epoch - 10, 2)
    at.number_input(key="critical_choice").set_value(new).run()
    [b for b in at.button if b.label == "Fine-tune from here"][0].click().run()
    worker = at.session_state["project"].training
    assert worker.config.critical_epoch == new
    at = finish(at)
    model = at.session_state["project"].model
    assert model.critical_epoch == new
    tuned = [r for r in model.history if r.phase == "finetune"]
    assert tuned[0].epoch == new + 1


def test_a_failed_run_keeps_the_previous_model(trained, monkeypatch):
    def broken(*args, **kwargs):
        raise InputError("training diverged in the first epoch")
    monkeypatch.setattr("core.worker.fit", broken)
    at = open_page(PAGE, trained)
    [b for b in at.button if b.label == "Train"][0].click().run()
    shown = texts(at.error)          # the run may already have failed by the rerun after the click
    at = finish(at)
    assert "training diverged" in shown + texts(at.error)
    assert at.session_state["project"].model is trained.model


def test_bad_hidden_layers_are_refused(trained):
    at = open_page(PAGE, trained)
    at.text_input[0].input("64, abc")
    [b for b in at.button if b.label == "Train"][0].click().run()
    assert "not a list of layer sizes" in texts(at.error)
    assert at.session_state["project"].training is None


# ---------------------------------------------------------------- the worker itself

def test_worker_reports_epochs_and_returns_a_model():
    project = sample_project()
    worker = TrainingWorker(project.prepared(), project.semantics, FAST).start()
    worker.join(120)
    assert not worker.running and worker.error is None and not worker.cancelled
    records = worker.records()
    trained = [r.epoch for r in records if r.phase == "train"]
    tuned = [r.epoch for r in records if r.phase == "finetune"]
    assert trained == list(range(1, FAST.epochs + 1))
    assert tuned[0] == worker.result.critical_epoch + 1 and len(tuned) == FAST.finetune_epochs
    assert worker.result.history == records and worker.progress() == 1.0


def test_worker_cancels_between_epochs():
    project = sample_project()
    seen = threading.Event()
    worker = TrainingWorker(project.prepared(), project.semantics,
                            TrainConfig(epochs=5000, finetune_epochs=0))
    original = worker._on_epoch

    def on_epoch(*args):
        original(*args)
        seen.set()
    worker._on_epoch = on_epoch
    worker.start()
    assert seen.wait(60)
    worker.cancel()
    worker.join(60)
    assert worker.cancelled and worker.result is None and worker.error is None
    assert 0 < len(worker.records()) < 5000


def test_worker_reports_errors():
    project = sample_project()
    empty = SemanticMatrix.empty(project.semantics.features)
    worker = TrainingWorker(project.prepared(), empty, FAST).start()
    worker.join(60)
    assert isinstance(worker.error, InputError) and worker.result is None


@pytest.mark.parametrize("page", ["pages/analysis.py", "pages/generate.py"])
def test_pages_that_need_a_model_point_to_train(page):
    at = open_page(page, sample_project())
    assert "Train a model first." in texts(at.info)
    assert at.get("page_link")[0].proto.label == "3 · Train"

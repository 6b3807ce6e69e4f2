"""Training in the background: a server-wide number of slots with a queue, and runs that stop
when their session has closed."""
from __future__ import annotations

import threading
import time

import pytest

from core import worker as workers
from core.model import TrainConfig
from core.worker import TrainingWorker, limit_trainings
from tests.conftest import factor_table

SLOW = TrainConfig(epochs=4000, finetune_epochs=0, seed=1)   # runs until stopped
QUICK = TrainConfig(epochs=10, finetune_epochs=0, seed=1, detail_kl_weight=1.0)


@pytest.fixture
def one_slot():
    before = workers._SLOTS.limit
    limit_trainings(1)
    yield
    limit_trainings(before)


def wait_until(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_second_run_waits_for_the_slot_and_says_where_it_is(one_slot):
    table, semantics = factor_table(n_rows=40, n_groups=2, per_group=3)
    first = TrainingWorker(table, semantics, SLOW).start()
    wait_until(lambda: first.records())
    second = TrainingWorker(table, semantics, QUICK).start()
    third = TrainingWorker(table, semantics, QUICK).start()
    wait_until(lambda: third.queue_position() == 2)
    assert second.queue_position() == 1 and first.queue_position() is None
    assert not second.records()                         # nothing trains while it waits
    first.cancel()
    first.join(30), second.join(60), third.join(60)
    assert first.cancelled and second.result is not None and third.result is not None
    assert second.queue_position() is None and len(second.records()) == 20 == second.total_epochs   # 10 + 10 detail


def test_a_queued_run_that_is_cancelled_leaves_the_queue(one_slot):
    table, semantics = factor_table(n_rows=40, n_groups=2, per_group=3)
    first = TrainingWorker(table, semantics, SLOW).start()
    wait_until(lambda: first.records())
    waiting, behind = (TrainingWorker(table, semantics, QUICK).start() for _ in range(2))
    wait_until(lambda: behind.queue_position() == 2)
    waiting.cancel()
    wait_until(lambda: not waiting.running)
    assert waiting.cancelled and behind.queue_position() == 1
    first.cancel()
    behind.join(60)
    assert behind.result is not None


def test_training_stops_when_its_session_has_closed():
    table, semantics = factor_table(n_rows=40, n_groups=2, per_group=3)
    open_ = threading.Event()
    open_.set()
    run = TrainingWorker(table, semantics, SLOW, alive=open_.is_set).start()
    wait_until(lambda: run.records())
    open_.clear()                                       # the browser tab was closed
    run.join(30)
    assert not run.running and run.cancelled and run.result is None
    assert len(run.records()) < SLOW.epochs


def test_eight_runs_at_once_share_two_slots_and_give_their_solo_results():
    from core.training import fit

    before = workers._SLOTS.limit
    limit_trainings(2)
    try:
        table, semantics = factor_table(n_rows=40, n_groups=2, per_group=3)
        configs = [TrainConfig(epochs=40, finetune_epochs=10, seed=seed) for seed in range(8)]
        runs = [TrainingWorker(table, semantics, config).start() for config in configs]
        most, places = 0, set()
        while any(run.running for run in runs):
            most = max(most, workers._SLOTS.running)
            places |= {run.queue_position() for run in runs} - {None}
            time.sleep(0.005)
        assert most <= 2 and max(places) >= 5            # the rest waited, and knew their place
        for run, config in zip(runs, configs):            # as if each had trained alone
            alone = fit(table, semantics, config)
            assert run.error is None and not run.cancelled
            for name, weights in alone.vae.state_dict().items():
                assert (run.result.vae.state_dict()[name] == weights).all(), name
    finally:
        limit_trainings(before)


def test_the_check_worker_reports_splits_and_stops_when_cancelled():
    from core.training import TrainingCancelled
    from core.worker import CheckWorker

    def work(on_split, should_stop):   # a comparison of many splits, cancelled after the second
        for split in range(1, 1000):
            if should_stop():
                raise TrainingCancelled
            on_split(split, 999)
            if split == 2:
                reached.set()
            time.sleep(0.01)
    reached = threading.Event()
    worker = CheckWorker(work, n_splits=999).start()
    assert reached.wait(30)
    worker.cancel()
    worker.join(30)
    done, n = worker.progress()
    assert not worker.running and worker.cancelled and worker.result is None and worker.error is None
    assert 2 <= done < 999 and n == 999
    failing = CheckWorker(lambda on_split, should_stop: 1 / 0, n_splits=5).start()
    failing.join(30)
    assert isinstance(failing.error, ZeroDivisionError) and not failing.cancelled
    closed = CheckWorker(work, n_splits=999, alive=lambda: False).start()   # its session has gone
    closed.join(30)
    assert closed.cancelled


def test_the_comparison_stops_between_splits_and_inside_a_refit(small_fit):
    from core.augmentation_check import compare
    from core.training import TrainingCancelled
    table, _, model = small_fit
    label = next(s.name for s in model.transformer.layout_ if s.kind != "numeric")
    value = table.frame[label].astype(str).value_counts().index[-1]
    with pytest.raises(TrainingCancelled):
        compare(model, table.frame, label, value, n_splits=2, should_stop=lambda: True)
    calls = []

    def stop_inside_the_first_fit():   # compare's own check passes, the refit's first epoch stops
        calls.append(1)
        return len(calls) > 1
    with pytest.raises(TrainingCancelled):
        compare(model, table.frame, label, value, n_splits=2, refit=True, should_stop=stop_inside_the_first_fit)

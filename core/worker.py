"""Training in a background thread, so that a click elsewhere in the app cannot kill or corrupt it.

The app's Train page starts a `TrainingWorker`, keeps it in the session's `Project`
(`Project.training`) and polls it. The Evaluate page runs the augmentation check the same way
(`CheckWorker`, `Project.checking`): with a fresh model per split it is several trainings. The
worker knows nothing of the UI: `fit` reports each epoch through its callback into a
lock-protected list, and checks the cancel flag (and the caller's `alive` check: is the session
still open?) between epochs.

A server-wide number of training slots (`limit_trainings`) keeps a few tabs from starving
the machine: a worker waits for a slot first-come first-served, and says where it is in the
queue (`queue_position`).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from core.columns import PreparedTable
from core.model import FittedModel
from core.semantics import SemanticMatrix
from core.model import EpochRecord, TrainConfig
from core.training import TrainingCancelled, fit


class _Slots:
    """At most `limit` trainings at once in this process; the others wait in arrival order."""

    def __init__(self, limit: int):
        self.limit, self.running = limit, 0
        self.waiting: list[object] = []
        self.changed = threading.Condition()

    def acquire(self, worker: object, give_up: Callable[[], bool]) -> bool:
        """Wait for a slot; False (and out of the queue) as soon as `give_up()` says so."""
        with self.changed:
            self.waiting.append(worker)
            while self.waiting[0] is not worker or self.running >= self.limit:
                if give_up():
                    self.waiting.remove(worker)
                    self.changed.notify_all()
                    return False
                self.changed.wait(0.2)
            self.waiting.pop(0)
            self.running += 1
            self.changed.notify_all()
            return True

    def release(self) -> None:
        with self.changed:
            self.running -= 1
            self.changed.notify_all()

    def position(self, worker: object) -> int | None:
        """1 for the next in line; None when not waiting."""
        with self.changed:
            return self.waiting.index(worker) + 1 if worker in self.waiting else None


_SLOTS = _Slots(limit=2)


def limit_trainings(limit: int) -> None:
    """How many trainings may run at once in this process (set once at start-up, with the threads)."""
    _SLOTS.limit = max(1, int(limit))


class _Background:
    """A daemon thread that runs `work()` in a training slot; the work stops (TrainingCancelled)
    once cancelled or once the session that started it has closed (`alive()` False). `result`
    (what `work` returned), `error` and `cancelled` say how it ended."""

    def __init__(self, name: str, work: Callable[[], Any], alive: Callable[[], bool] | None):
        self._work = work
        self._alive = alive or (lambda: True)
        self._cancel = threading.Event()
        self.result: Any = None
        self.error: Exception | None = None     # InputError or any failure, shown to the user
        self.cancelled = False
        self._thread = threading.Thread(target=self._run, daemon=True, name=name)

    def start(self) -> "_Background":
        self.started = time.monotonic()
        self._thread.start()
        return self

    def _run(self) -> None:
        if not _SLOTS.acquire(self, self._should_stop):
            self.cancelled = True
            self._ended()
            return
        try:
            self.started = time.monotonic()   # the work counts from its slot, not from the wait
            self.result = self._work()
        except TrainingCancelled:
            self.cancelled = True
        except Exception as exc:   # reported on the page; what was there before stays in use
            self.error = exc
        finally:
            _SLOTS.release()
            self._ended()

    def _ended(self) -> None:
        """Called once the work has ended, however it ended."""

    def _should_stop(self) -> bool:
        return self._cancel.is_set() or not self._alive()

    def queue_position(self) -> int | None:
        """Where this run waits for a training slot (1 = next), or None when it is not waiting."""
        return _SLOTS.position(self)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)


class TrainingWorker(_Background):
    def __init__(self, table: PreparedTable, semantics: SemanticMatrix, config: TrainConfig,
                 alive: Callable[[], bool] | None = None):
        super().__init__("latent-semantics-training", self._train, alive)
        self.config, self._table, self._semantics = config, table, semantics
        self.total_epochs = config.epochs + config.finetune_epochs + config.detail_checkpoints
        self._lock = threading.Lock()
        self._records: list[EpochRecord] = []
        self._first = threading.Event()
        self.result: FittedModel | None = None

    def eta_seconds(self) -> float | None:
        """Seconds left at the pace so far (None until a few epochs have run); an upper bound,
        since training may stop early at the loss plateau and fine-tuning at the target MI."""
        done = len(self.records())
        if done < 3 or not self.running:
            return None
        return (time.monotonic() - self.started) / done * max(self.total_epochs - done, 0)

    def _train(self) -> FittedModel:
        result = fit(self._table, self._semantics, self.config, on_epoch=self._on_epoch, should_stop=self._should_stop)
        with self._lock:   # the records become the model's own history (one detail run of those tried)
            self._records = list(result.history)
        return result

    def _ended(self) -> None:
        self._first.set()

    def _on_epoch(self, epoch: int, phase: str, recon: float, kl: float, mi: float) -> None:
        with self._lock:
            self._records.append(EpochRecord(epoch, phase, recon, kl, mi))
        self._first.set()

    def wait_for_first_epoch(self, timeout: float) -> None:
        """Block until the first epoch is recorded or the run ends (at most `timeout` s), so
        that the first curve point shows at once rather than one poll later."""
        self._first.wait(timeout)

    def records(self) -> list[EpochRecord]:
        with self._lock:
            return list(self._records)

    def progress(self) -> float:
        """0..1; fine-tuning may stop early at the target MI, so this is an upper bound."""
        done = len(self.records())
        return 1.0 if not self.running else min(done / max(self.total_epochs, 1), 1.0)


class CheckWorker(_Background):
    """`work(on_split, should_stop)` in the background (core.augmentation_check.compare with both
    passed on): it takes a training slot, since it may train a model per split, and reports
    (done, n) splits. `result` is what `work` returned."""

    def __init__(self, work: Callable[[Callable[[int, int], None], Callable[[], bool]], Any], n_splits: int,
                 alive: Callable[[], bool] | None = None):
        super().__init__("latent-semantics-check", lambda: work(self._on_split, self._should_stop), alive)
        self._done, self.n_splits = 0, n_splits

    def _on_split(self, done: int, n: int) -> None:
        self._done, self.n_splits = done, n

    def progress(self) -> tuple[int, int]:
        """(splits done, splits)."""
        return self._done, self.n_splits

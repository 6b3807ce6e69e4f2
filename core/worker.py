"""Training in a background thread, so that a click elsewhere in the app cannot kill or corrupt it.

The app's Train page starts a `TrainingWorker`, keeps it in the session's `Project`
(`Project.training`) and polls it. The worker knows nothing of the UI: `fit` reports each
epoch through its callback into a lock-protected list, and checks the cancel flag between epochs.
"""
from __future__ import annotations

import threading
import time

from core.columns import PreparedTable
from core.model import FittedModel
from core.semantics import SemanticMatrix
from core.model import EpochRecord, TrainConfig
from core.training import TrainingCancelled, fit


class TrainingWorker:
    def __init__(self, table: PreparedTable, semantics: SemanticMatrix, config: TrainConfig):
        self.config = config
        self.total_epochs = config.epochs + config.finetune_epochs
        self._lock = threading.Lock()
        self._records: list[EpochRecord] = []
        self._cancel = threading.Event()
        self._first = threading.Event()
        self.result: FittedModel | None = None
        self.error: Exception | None = None     # InputError or any failure, shown to the user
        self.cancelled = False
        self._thread = threading.Thread(target=self._run, args=(table, semantics), daemon=True,
                                        name="latent-semantics-training")

    def start(self) -> "TrainingWorker":
        self.started = time.monotonic()
        self._thread.start()
        return self

    def eta_seconds(self) -> float | None:
        """Seconds left at the pace so far (None until a few epochs have run); an upper bound,
        since training may stop early at the loss plateau and fine-tuning at the target MI."""
        done = len(self.records())
        if done < 3 or not self.running:
            return None
        return (time.monotonic() - self.started) / done * max(self.total_epochs - done, 0)

    def _run(self, table: PreparedTable, semantics: SemanticMatrix) -> None:
        try:
            self.result = fit(table, semantics, self.config, on_epoch=self._on_epoch,
                              should_stop=self._cancel.is_set)
        except TrainingCancelled:
            self.cancelled = True
        except Exception as exc:   # reported on the page; the previous model stays in use
            self.error = exc
        finally:
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

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def progress(self) -> float:
        """0..1; fine-tuning may stop early at the target MI, so this is an upper bound."""
        done = len(self.records())
        return 1.0 if not self.running else min(done / max(self.total_epochs, 1), 1.0)

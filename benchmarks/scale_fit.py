"""Child process of run.py: read a large table, train a few epochs, report times and peak memory.

    python benchmarks/scale_fit.py TABLE.csv R.csv EPOCHS FINETUNE_EPOCHS   # prints one JSON line

Run in its own process so that ru_maxrss is this run's peak alone.
"""
from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.columns import prepare_table  # noqa: E402
from core.semantics import SemanticMatrix  # noqa: E402
from core.table import read_table  # noqa: E402
from core.model import TrainConfig  # noqa: E402
from core.training import fit  # noqa: E402


def main(table_path: str, r_path: str, epochs: int, finetune_epochs: int) -> dict:
    started = time.perf_counter()
    table = prepare_table(read_table(table_path, max_bytes=2**31).frame)
    semantics = SemanticMatrix.from_csv(r_path, table.features)
    read_seconds = time.perf_counter() - started
    read_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # KiB on Linux
    stamps: list[tuple[str, float]] = [("start", time.perf_counter())]
    model = fit(table, semantics, TrainConfig(epochs=epochs, finetune_epochs=finetune_epochs),
                on_epoch=lambda epoch, phase, *_: stamps.append((phase, time.perf_counter())))
    seconds = {"train": [], "finetune": [], "detail": []}   # a detail epoch's first also holds the
    for (_, before), (phase, after) in zip(stamps, stamps[1:]):   # scoring of the previous candidate
        seconds[phase].append(after - before)
    return {"rows": len(table.frame), "encoded_columns": model.transformer.n_columns,
            "read_seconds": read_seconds, "epoch_seconds": seconds, "peak_rss_after_read_mb": read_rss_mb,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}   # KiB on Linux


if __name__ == "__main__":
    path, r, n_train, n_tune = sys.argv[1:5]
    print(json.dumps(main(path, r, int(n_train), int(n_tune))))

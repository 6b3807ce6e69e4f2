"""Every single tick flip of R scored at once: seconds for 10 semantics x 40 features.

    python benchmarks/workbench.py

A survey-like table (tests/survey_table.py, plus columns up to 40), a random R of 10 semantics
over its 40 features, a short training (the model's quality does not matter here); prints the
median seconds of core.workbench.suggestions over 5 calls. Target: <= 1 s.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.machine import machine  # noqa: E402
from core.columns import prepare_table  # noqa: E402
from core.model import TrainConfig  # noqa: E402
from core.semantics import SemanticMatrix  # noqa: E402
from core.table import read_table  # noqa: E402
from core.training import fit  # noqa: E402
from core.workbench import suggestions  # noqa: E402
from tests.survey_table import survey_frame  # noqa: E402


def main() -> None:
    frame = survey_frame(1000, seed=4)
    rng = np.random.default_rng(4)
    for n in range(12):   # some survey columns are constant (not modelled): 40 modelled ones at least
        frame[f"extra_{n}"] = np.round(rng.normal(size=len(frame)), 2)
    raw = read_table(frame.to_csv(index=False).encode(), "survey.csv").frame
    table = prepare_table(raw, {"damage_grade": "categorical"})
    features = table.features[:40]
    values = (rng.random((10, len(features))) < 0.2).astype(int)
    values[np.arange(10), np.arange(10)] = 1
    semantics = SemanticMatrix([f"S{k}" for k in range(10)], features, values)
    model = fit(table, semantics, TrainConfig(epochs=10, finetune_epochs=0))
    times = []
    for _ in range(5):
        started = time.perf_counter()
        found = suggestions(model, semantics)
        times.append(time.perf_counter() - started)
    print(f"{machine()}: {len(found)} flips ({len(semantics.names)} semantics x {len(features)} features, "
          f"{model.transformer.n_columns} encoded columns): median {statistics.median(times):.3f} s")


if __name__ == "__main__":
    main()

"""Paper mode vs semantic mode: MI, slider hits, selectivity, fidelity and fit time.

    python benchmarks/modes.py            # writes benchmarks/MODES.md

Datasets: the two shipped samples, plus tables we did not tune on, drawn from
the same generator with other seeds (20 rows, the size of a district survey, and 500 rows).
One run each, default settings apart from the mode.
"""
from __future__ import annotations

import importlib.util
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.columns import prepare_table  # noqa: E402
from core.controllability import controllability, summary  # noqa: E402
from core.evaluation import fidelity  # noqa: E402
from core.generation import generate  # noqa: E402
from core.semantics import SemanticMatrix  # noqa: E402
from core.table import read_table  # noqa: E402
from core.model import MODES, TrainConfig  # noqa: E402
from core.training import fit  # noqa: E402


def _sample_generator():
    spec = importlib.util.spec_from_file_location("make_sample", ROOT / "sample_data" / "make_sample.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate


def datasets():
    for name in ("buildings_30", "buildings_500"):
        yield name, read_table(ROOT / "sample_data" / f"{name}.csv").frame
    make = _sample_generator()
    for n_rows, seed in ((20, 7), (20, 8), (500, 9)):
        frame, _ = make(n_rows, seed)
        yield f"held-out {n_rows} rows (seed {seed})", frame.astype(str)


def measure(frame, mode: str) -> dict:
    table = prepare_table(frame)
    preset = pd.read_csv(ROOT / "sample_data" / "semantics.csv", encoding="utf-8-sig", dtype=str)
    kept = ["semantic"] + [c for c in preset.columns[1:] if c in table.features]   # a 20-row draw may
    semantics = SemanticMatrix.from_frame(preset[kept], table.features)          # drop a constant column
    started = time.perf_counter()
    model = fit(table, semantics, TrainConfig(mode=mode))
    seconds = time.perf_counter() - started
    control = summary(controllability(model))
    synthetic = generate(model, max(len(table.frame), 500), seed=0)
    return {"mi": model.score().mi, "mi_before": model.mi_before_finetune, **control,
            "fidelity": fidelity(table.frame, synthetic, model.transformer.layout_).score,
            "seconds": seconds}


def _cpu() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []:
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def main() -> None:
    lines = ["# Paper mode vs semantic mode", "",
             f"Machine: {_cpu()}, {os.cpu_count()} cores; fit uses one torch thread (core.training). "
             f"Python {platform.python_version()}, torch {torch.__version__}. Command: `python benchmarks/modes.py`; "
             f"load average at start {os.getloadavg()[0]:.1f}.",
             "Defaults apart from the mode; one run each; controllability at z = -2 vs +2 over 500 rows.", "",
             "| dataset | mode | MI before → after fine-tuning (%) | hits | median selectivity | fidelity | fit (s) |",
             "|---|---|---|---|---|---|---|"]
    for name, frame in datasets():
        for mode in MODES:
            r = measure(frame, mode)
            row = (f"| {name} | {mode} | {r['mi_before']:.1f} → {r['mi']:.1f} | {r['hits']}/{r['matched']} | "
                   f"{r['median_selectivity']:.2f} | {r['fidelity']:.3f} | {r['seconds']:.2f} |")
            print(row, flush=True)
            lines.append(row)
    (ROOT / "benchmarks" / "MODES.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()

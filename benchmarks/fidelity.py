"""Fidelity with the sliders: how latents are drawn, beside SDV's GaussianCopula and TVAE.

    python benchmarks/fidelity.py            # writes benchmarks/FIDELITY.md and fidelity.json

For each table (the two samples; survey-like tables from tests/survey_table.py at 300 and
3,000 rows), in the same run:
- our semantic mode (the default) and the paper's mode, each fitted once with defaults, and
  sampled with the latents drawn from N(0, I) (the paper's prior, our old default) and from the
  aggregate posterior (core.model.latent_distribution, the new default);
- SDV's GaussianCopula and TVAE with defaults (benchmarks/peer_fit.py in the SDV venv,
  /tmp/sdv-venv, never one of our requirements); skipped when that venv is missing.
Every route samples max(rows, 1,000) rows, scored by core.evaluation.fidelity (SDMetrics'
QualityReport definitions: overall, column shapes, pair trends) against the prepared real table.
Sliders: hits and median selectivity (core.controllability, the other latents isolated).
"""
from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import pandas as pd
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.machine import machine as benchmark_machine  # noqa: E402

from benchmarks.scale import SDV_PYTHON, child  # noqa: E402
from core.cells import cell_text  # noqa: E402
from core.columns import prepare_table  # noqa: E402
from core.controllability import controllability, median_selectivity  # noqa: E402
from core.evaluation import fidelity  # noqa: E402
from core.generation import generate  # noqa: E402
from core.model import TrainConfig  # noqa: E402
from core.semantics import SemanticMatrix  # noqa: E402
from core.table import read_table  # noqa: E402
from core.training import fit  # noqa: E402
from tests.survey_table import survey_frame, survey_semantics  # noqa: E402


def tables(folder: Path):
    """(name, CSV path, R as a frame, roles) per table."""
    preset = pd.read_csv(ROOT / "sample_data" / "semantics.csv", encoding="utf-8-sig", dtype=str)
    for name in ("buildings_30", "buildings_500"):
        yield name, ROOT / "sample_data" / f"{name}.csv", preset, {}
    for n_rows in (300, 3000):
        frame = survey_frame(n_rows, seed=21)
        path = folder / f"survey_{n_rows}.csv"
        frame.to_csv(path, index=False)
        yield f"survey_{n_rows}", path, survey_semantics(frame.columns), {"damage_grade": "categorical"}


def scored(real: pd.DataFrame, rows: pd.DataFrame, layout) -> dict:
    result = fidelity(real, rows, layout)
    return {"overall": result.score, "shapes": result.column_shapes, "pairs": result.pair_trends}


def peer_rows(kind: str, path: Path, n_rows: int, folder: Path, layout, real: pd.DataFrame) -> pd.DataFrame:
    out = folder / f"{kind}.csv"
    child([str(SDV_PYTHON), "benchmarks/peer_fit.py", kind, str(path), str(n_rows), str(out)])
    raw = read_table(out, max_bytes=2**31).frame
    return pd.DataFrame({span.name: (pd.to_numeric(raw[span.name], errors="coerce").fillna(real[span.name].median())
                                     if span.kind == "numeric" else raw[span.name].map(cell_text).astype(str))
                         for span in layout})


def measure(name: str, path: Path, preset: pd.DataFrame, roles: dict, folder: Path, peers: bool) -> list[dict]:
    raw = read_table(path, max_bytes=2**31).frame
    table = prepare_table(raw, roles)
    semantics = SemanticMatrix.from_frame(preset, list(raw.columns))
    n_rows = max(len(table.frame), 1000)
    results = []
    for mode in ("semantic", "paper"):
        model = fit(table, semantics, TrainConfig(mode=mode))
        layout = model.transformer.layout_
        for prior, variant in (("N(0, I)", replace(model, latent_mean=None, latent_cov=None)),
                               ("aggregate posterior", model)):
            controls = controllability(variant, n_rows=300)
            results.append({"table": name, "route": f"ours, {mode} mode", "latents": prior,
                            **scored(table.frame, generate(variant, n_rows, seed=1), layout),
                            "hits": f"{sum(c.hit for c in controls)}/{len(controls)}",
                            "selectivity": median_selectivity(controls)})
            print(results[-1], flush=True)
    if peers:
        for kind in ("gaussian_copula", "tvae"):
            rows = peer_rows(kind, path, n_rows, folder, layout, table.frame)
            results.append({"table": name, "route": kind, "latents": "", **scored(table.frame, rows, layout),
                            "hits": "", "selectivity": None})
            print(results[-1], flush=True)
    return results


def main() -> None:
    torch.set_num_threads(1)
    peers = SDV_PYTHON.exists()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, path, preset, roles in tables(Path(tmp)):
            results.extend(measure(name, path, preset, roles, Path(tmp), peers))
    machine = benchmark_machine()
    (ROOT / "benchmarks" / "fidelity.json").write_text(json.dumps({"machine": machine, "results": results}, indent=1))
    lines = ["# Fidelity and sliders: how latents are drawn, beside the peers", "",
             f"`python benchmarks/fidelity.py` on {machine}; one fit per mode and table, defaults. "
             "Scores: core.evaluation.fidelity (SDMetrics' QualityReport definitions) of max(rows, 1,000) "
             "sampled rows; sliders: hits and median selectivity with the other latents isolated. Every route of "
             "ours decodes with the calibration learnt at the end of training (core.generation.calibrate); only "
             "the latents' distribution differs between its two rows.", "",
             "| table | route | latents drawn from | overall | shapes | pairs | slider hits | median selectivity |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        selectivity = "" if r["selectivity"] is None else f"{r['selectivity']:.1f}"
        lines.append(f"| {r['table']} | {r['route']} | {r['latents']} | {r['overall']:.3f} | {r['shapes']:.3f} | "
                     f"{r['pairs']:.3f} | {r['hits']} | {selectivity} |")
    (ROOT / "benchmarks" / "FIDELITY.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

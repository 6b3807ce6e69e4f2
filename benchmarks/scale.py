"""Training cost and column-shape fidelity against table size, ours beside SDV's peers.

    python benchmarks/scale.py [--sizes 300 3000 30000 100000] [--peers-up-to 30000]

For each size, a survey-like table (tests/survey_table.py: mixed types, constant flags, an
identifier, a rare class coded 1/2/3, text cells in a numeric column) is written to a temporary
folder and fitted by `python -m core fit` with defaults (a fresh process each: fit seconds are
the command's wall time, peak memory its ru_maxrss), and by SDV's GaussianCopula and TVAE in
their own venv (benchmarks/peer_fit.py; SDV is never one of our requirements). Every model
samples 2,000 rows; one scorer, ours (core.evaluation.column_shapes, equal to SDMetrics'
KSComplement / TVComplement), scores them against the same prepared real table.
Writes benchmarks/SCALE.md and benchmarks/scale.json.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.machine import machine as benchmark_machine  # noqa: E402

from core.cells import cell_text  # noqa: E402
from core.evaluation import column_shapes  # noqa: E402
from core.projectfile import load_project  # noqa: E402
from core.table import read_table  # noqa: E402
from tests.survey_table import survey_frame, survey_semantics  # noqa: E402

SDV_PYTHON = Path("/tmp/sdv-venv/bin/python")
SAMPLED = 2000


def child(command: list[str]) -> tuple[float, float, str]:
    """(wall seconds, peak MB, stdout) of one command, measured by GNU time."""
    started = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", *command], capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"{command[:4]} failed:\n{done.stderr[-2000:]}")
    return seconds, int(done.stderr.strip().splitlines()[-1]) / 1024, done.stdout



def run(n_rows: int, peers: bool, folder: Path) -> dict:
    data, r_file = folder / f"survey_{n_rows}.csv", folder / f"R_{n_rows}.csv"
    frame = survey_frame(n_rows, seed=11)
    frame.to_csv(data, index=False)
    survey_semantics(frame.columns).to_csv(r_file, index=False)
    project_file, sampled = folder / f"p_{n_rows}.zip", folder / f"ours_{n_rows}.csv"
    seconds, peak, _ = child([sys.executable, "-m", "core", "fit", str(data), "--semantics", str(r_file),
                              "--out", str(project_file), "--role", "damage_grade=categorical"])
    child([sys.executable, "-m", "core", "generate", str(project_file), "--n", str(SAMPLED), "--out", str(sampled)])
    project = load_project(project_file)
    model, real = project.model, project.prepared().frame
    layout = model.transformer.layout_
    result = {"rows": n_rows, "ours": {"seconds": seconds, "peak_mb": peak,
                                       "column_shapes": _score(sampled, real, layout)}}
    if peers:
        for kind in ("gaussian_copula", "tvae"):
            out = folder / f"{kind}_{n_rows}.csv"
            _, _, stdout = child([str(SDV_PYTHON), "benchmarks/peer_fit.py", kind, str(data), str(SAMPLED), str(out)])
            result[kind] = json.loads(stdout.strip().splitlines()[-1])
            result[kind]["column_shapes"] = _score(out, real, layout)
    return result


def _score(path: Path, real: pd.DataFrame, layout) -> float:
    """Column shapes of sampled rows, each column read as the model's layout reads it."""
    raw = read_table(path, max_bytes=2**31).frame
    rows = pd.DataFrame({span.name: (pd.to_numeric(raw[span.name], errors="coerce").fillna(real[span.name].median())
                                     if span.kind == "numeric" else raw[span.name].map(cell_text).astype(str))
                         for span in layout})
    return float(column_shapes(real, rows, layout)["score"].mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 3000, 30000, 100000])
    parser.add_argument("--peers-up-to", type=int, default=30000,
                        help="run the SDV peers on tables up to this many rows (TVAE is slow)")
    args = parser.parse_args()
    peers = SDV_PYTHON.exists()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for n_rows in args.sizes:
            results.append(run(n_rows, peers and n_rows <= args.peers_up_to, Path(folder)))
            print(json.dumps(results[-1]), flush=True)
    machine = benchmark_machine()
    (ROOT / "benchmarks" / "scale.json").write_text(json.dumps({"machine": machine, "results": results}, indent=1))
    lines = ["# Training cost against table size", "",
             f"`python benchmarks/scale.py` on {machine}; one run per cell. Fit: wall seconds of "
             "`python -m core fit` with defaults (process start included) or of the peer's `fit`; "
             "peak: the process's ru_maxrss; shapes: column-shape fidelity of 2,000 sampled rows "
             "(our scorer for everyone). Table: tests/survey_table.py.", "",
             "| rows | ours: fit s / peak MB / shapes | GaussianCopula | TVAE |", "|---|---|---|---|"]
    for r in results:
        cell = lambda k: "—" if k not in r else f"{r[k]['seconds']:.1f} / {r[k]['peak_mb']:.0f} / {r[k]['column_shapes']:.3f}"
        lines.append(f"| {r['rows']:,} | {cell('ours')} | {cell('gaussian_copula')} | {cell('tvae')} |")
    (ROOT / "benchmarks" / "SCALE.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

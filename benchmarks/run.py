"""Speed and quality benchmarks, one command:

    python benchmarks/run.py            # ~10 min on 2 cores; rewrites the generated part of RESULTS.md
    python benchmarks/run.py --quick    # smoke run: 1 repeat, 10 000-row scale table, no refit, no SDV

Speed: fit (CLI and in-process), re-scoring a changed R, generating 1 000 targeted rows,
and a 100 000-row table (seconds per epoch and peak memory, in a child process). Medians
over repeats. SDV's TVAE is timed on the same tables in a separate venv (SDV_VENV, made
here with `pip install sdv` if missing); SDV is never one of our requirements (licence).
Quality on the two samples with default settings, one run each: fidelity, validity,
exact copies, DCR ratio and the augmentation comparison for 安全性等级 = Dsu.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from core.augmentation_check import compare  # noqa: E402
from core.columns import prepare_table  # noqa: E402
from core.evaluation import column_shapes, evaluate, pair_trends  # noqa: E402
from core.generation import generate  # noqa: E402
from core.semantics import SemanticMatrix  # noqa: E402
from core.table import read_table  # noqa: E402
from core.model import TrainConfig  # noqa: E402
from core.training import fit  # noqa: E402
from benchmarks.report import write_results  # noqa: E402

DATA = ROOT / "sample_data"
R_CSV = DATA / "semantics.csv"
LABEL, MINORITY = "安全性等级", "Dsu"
SDV_VENV = Path("/tmp/sdv-venv")
AUGMENT_SPLITS = 10   # split-to-split sd of macro-F1 is ~0.03: 10 splits halve the noise of 5


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
                  if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    return {"cpu": model, "cores": os.cpu_count(), "ram_gb": mem_kb / 2**20,
            "python": platform.python_version(), "torch": torch.__version__,
            "load": os.getloadavg()[0]}


def median_seconds(work, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def load(name: str):
    table = prepare_table(read_table(DATA / f"{name}.csv").frame)
    return table, SemanticMatrix.from_csv(R_CSV, table.features)


def cli_fit(name: str, repeats: int) -> dict:
    """Wall time of `python -m core fit` minus that of `python -m core --help` (start-up)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def run(*args):
        subprocess.run([sys.executable, "-m", "core", *args], check=True, env=env, cwd=ROOT,
                       capture_output=True)
    with tempfile.TemporaryDirectory() as folder:
        total = median_seconds(lambda: run("fit", str(DATA / f"{name}.csv"), "--semantics", str(R_CSV),
                                           "--out", f"{folder}/p.zip"), repeats)
    baseline = median_seconds(lambda: run("--help"), repeats)
    return {"total": total, "baseline": baseline, "beyond": total - baseline}


def in_process_fit(name: str, repeats: int) -> tuple[float, object, object]:
    table, semantics = load(name)
    models = []
    seconds = median_seconds(lambda: models.append(fit(table, semantics, TrainConfig())), repeats)
    return seconds, models[0], table


def rescoring_ms(model, repeats: int = 50) -> float:
    """model.score(R') for an R' that differs in one tick from the model's R."""
    changed = SemanticMatrix(model.semantics.names, model.semantics.features, model.semantics.values.copy())
    changed.values[0, -2] = 1 - changed.values[0, -2]
    model.score(changed)   # warm-up
    return 1000 * median_seconds(lambda: model.score(changed), repeats)


def generation_ms(model, repeats: int = 20) -> float:
    fixed = {model.semantics.names[0]: 2.0}
    generate(model, 1000, fixed)
    return 1000 * median_seconds(lambda: generate(model, 1000, fixed, seed=1), repeats)


def scale_run(model, n_rows: int, epochs: int, finetune_epochs: int) -> dict:
    """Generate an n_rows table from the 500-row model, then train on it in a child process."""
    started = time.perf_counter()
    rows = generate(model, n_rows, seed=0)
    generate_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scale.csv"
        rows.to_csv(path, index=False, encoding="utf-8-sig")
        child = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "scale_fit.py"), str(path),
                                str(R_CSV), str(epochs), str(finetune_epochs)],
                               check=True, capture_output=True, text=True)
    result = json.loads(child.stdout.strip().splitlines()[-1])
    return {**result, "generate_seconds": generate_seconds,   # an "epoch" here is a checkpoint
            "train_epoch": statistics.median(result["epoch_seconds"]["train"]),
            **{f"{phase}_epoch": statistics.median(result["epoch_seconds"][phase] or [float("nan")])
               for phase in ("finetune", "detail")},
            "checkpoint_rows": TrainConfig().checkpoint_steps * TrainConfig().batch_size}


def sdv_python() -> tuple[Path | None, str]:
    """The SDV venv's python, making the venv if needed; (None, why) when SDV cannot install."""
    python = SDV_VENV / "bin" / "python"
    if not python.exists() or subprocess.run([python, "-c", "import sdv"], capture_output=True).returncode:
        steps = [[sys.executable, "-m", "venv", "--system-site-packages", str(SDV_VENV)],
                 [str(python), "-m", "pip", "install", "--quiet", "sdv"]]
        for step in steps:   # --system-site-packages: reuse our CPU torch, not a CUDA download
            done = subprocess.run(step, capture_output=True, text=True)
            if done.returncode:
                return None, (done.stderr.strip().splitlines() or ["failed"])[-1]
    return python, ""


def tvae(python: Path, repeats: int) -> dict:
    out = {}
    for name in ("buildings_30", "buildings_500"):
        child = subprocess.run([str(python), str(ROOT / "benchmarks" / "tvae_fit.py"),
                                str(DATA / f"{name}.csv"), str(repeats)], capture_output=True, text=True)
        out[name] = json.loads(child.stdout.strip().splitlines()[-1]) if child.returncode == 0 \
            else {"error": (child.stderr.strip().splitlines() or ["failed"])[-1]}
    return out


def sdmetrics_check(python: Path, model, table) -> dict:
    """Largest |ours - SDMetrics| over columns and same-kind pairs, on 500 generated rows."""
    layout = model.transformer.layout_
    generated = generate(model, 500, seed=0)
    numeric = [s.name for s in layout if s.kind == "numeric"]
    with tempfile.TemporaryDirectory() as folder:
        table.frame.to_csv(f"{folder}/real.csv", index=False)
        generated.to_csv(f"{folder}/generated.csv", index=False)
        Path(f"{folder}/numeric.json").write_text(json.dumps(numeric), encoding="utf-8")
        child = subprocess.run([str(python), str(ROOT / "benchmarks" / "sdmetrics_check.py"),
                                f"{folder}/real.csv", f"{folder}/generated.csv", f"{folder}/numeric.json"],
                               capture_output=True, text=True)
    if child.returncode:
        return {"error": (child.stderr.strip().splitlines() or ["failed"])[-1]}
    theirs = json.loads(child.stdout.strip().splitlines()[-1])
    ours_columns = column_shapes(table.frame, generated, layout).set_index("column")["score"]
    pairs = pair_trends(table.frame, generated, layout)
    ours_pairs = {f"{a}\t{b}": s for a, b, s in zip(pairs.column_a, pairs.column_b, pairs.score)}
    column_diff = max(abs(ours_columns[k] - v) for k, v in theirs["columns"].items())
    pair_diff = max(abs(ours_pairs[k] - v) for k, v in theirs["pairs"].items())
    return {"columns": len(theirs["columns"]), "pairs": len(theirs["pairs"]),
            "max_column_diff": column_diff, "max_pair_diff": pair_diff}


def quality(model, table, refit: bool) -> dict:
    """Figures over AUGMENT_SPLITS splits (the CLI's default of 5 is timed, and noisier)."""
    started = time.perf_counter()
    compare(model, table.frame, LABEL, MINORITY)
    seconds = time.perf_counter() - started
    return {"evaluation": evaluate(model, table.frame, seed=0), "augmentation_seconds": seconds,
            "augmentation": compare(model, table.frame, LABEL, MINORITY, n_splits=AUGMENT_SPLITS),
            "augmentation_refit": compare(model, table.frame, LABEL, MINORITY, n_splits=AUGMENT_SPLITS,
                                          refit=True) if refit else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run, numbers not for the record")
    quick = parser.parse_args().quick
    repeats = 1 if quick else 5
    results: dict = {"machine": machine(), "quick": quick, "repeats": repeats,
                     "defaults": TrainConfig().to_dict()}
    step = lambda text: print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)   # noqa: E731
    step("fit buildings_30 on the command line")
    results["cli_fit_30"] = cli_fit("buildings_30", repeats)
    step("fit in process")
    results["fit_30"], model_30, table_30 = in_process_fit("buildings_30", repeats)
    results["fit_500"], model_500, table_500 = in_process_fit("buildings_500", 1 if quick else 3)
    step("re-scoring and generation")
    results["score_ms"] = {"buildings_30": rescoring_ms(model_30), "buildings_500": rescoring_ms(model_500)}
    results["generate_ms"] = {"buildings_30": generation_ms(model_30), "buildings_500": generation_ms(model_500)}
    step("scale run")
    results["scale"] = scale_run(model_500, 10_000 if quick else 100_000, 3, 2)
    step("quality")
    results["quality"] = {"buildings_30": quality(model_30, table_30, refit=not quick),
                          "buildings_500": quality(model_500, table_500, refit=not quick)}
    if not quick:
        step("SDV")
        python, why = sdv_python()
        results["sdv"] = {"error": why} if python is None else {
            "tvae": tvae(python, 3), "sdmetrics": sdmetrics_check(python, model_500, table_500)}
    results["machine"]["load_after"] = os.getloadavg()[0]
    (ROOT / "benchmarks" / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1,
                                                                 default=str), encoding="utf-8")
    write_results(results, ROOT / "benchmarks" / "RESULTS.md")
    step("wrote benchmarks/RESULTS.md and benchmarks/results.json")


if __name__ == "__main__":
    main()

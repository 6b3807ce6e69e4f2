"""Blank cells: generated files against the real table as it is, blanks included, beside GaussianCopula.

    python benchmarks/blanks.py                  # the survey-like table with blanks, 300 and 3,000 rows:
                                                 # benchmarks/BLANKS.md and blanks.json
    python benchmarks/blanks.py --aside DIR      # every DIR/*.csv with a modelled column at least 5 %
                                                 # blank, at up to 3,000 rows: BLANKS_ASIDE.md, blanks_aside.json

For each table, in the same run:
- ours, the default: a column with at least 5 % blank cells keeps them (core.roles.BLANK_FRACTION);
- ours with every blank filled, the release before (the median, or the most frequent label; a
  column more than half blank set aside and drawn apart), the model's settings otherwise the same;
- SDV's GaussianCopula with defaults (benchmarks/peer_fit.py in /tmp/sdv-venv), which models blanks
  itself; skipped when that venv is missing.
Each route writes the CSV a user downloads (ours: `FittedModel.complete`), `--draws` (3) files of
max(rows, 1,000) rows. Scores: SDMetrics' own QualityReport (benchmarks/quality_report.py, run in the
SDV venv) on the columns we model, against the table read from its CSV, blanks included as SDMetrics
includes them; the error of each column's blank rate (mean over the columns with blanks, in
percentage points); and for each pair of such columns, the error of the share of rows blank in both.
The survey-like table is tests/survey_table.py: survey_with_blanks (age unknown mostly for old
buildings, a section of flags left blank together, foundations not inspected on taller buildings).
"""
from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import core.roles  # noqa: E402
from benchmarks.fidelity import random_semantics  # noqa: E402
from benchmarks.machine import command, machine as benchmark_machine  # noqa: E402
from benchmarks.scale import SDV_PYTHON, child  # noqa: E402
from core.columns import prepare_table  # noqa: E402
from core.generation import generate  # noqa: E402
from core.model import TrainConfig  # noqa: E402
from core.semantics import SemanticMatrix  # noqa: E402
from core.table import read_table  # noqa: E402
from core.training import fit  # noqa: E402
from tests.survey_table import survey_semantics, survey_with_blanks  # noqa: E402

ROUTES = ("ours (blanks kept, default)", "ours (blanks filled, before)", "GaussianCopula")


def tables(aside: Path | None, folder: Path):
    """(name, CSV path, R, roles) per table."""
    if aside is None:
        for n_rows in (300, 3000):
            frame = survey_with_blanks(n_rows, seed=21)
            path = folder / f"survey_blanks_{n_rows}.csv"
            frame.to_csv(path, index=False)
            yield f"survey_blanks_{n_rows}", path, survey_semantics(frame.columns), {"damage_grade": "categorical"}
        return
    for source in sorted(aside.glob("*.csv")):
        raw = read_table(source, max_bytes=2**31).frame
        if not any(spec.blanks for spec in prepare_table(raw).specs):
            continue
        part = raw.sample(3000, random_state=0) if len(raw) > 3000 else raw
        path = folder / f"{source.stem}_{len(part)}.csv"
        part.to_csv(path, index=False)
        yield f"{source.stem}_{len(part)}", path, random_semantics(list(raw.columns)), {}


def ours(path: Path, r: pd.DataFrame, roles: dict, keep_blanks: bool, n_rows: int, draws: int,
         folder: Path, tag: str) -> tuple[list[Path], list[str], list[str]]:
    """Our files (as downloaded), the modelled columns and the numeric ones among them."""
    raw = read_table(path, max_bytes=2**31).frame
    kept = core.roles.BLANK_FRACTION, core.roles.MAX_SPARSE_FRACTION
    if not keep_blanks:   # the release before: no blank kept, and a column more than half blank set aside
        core.roles.BLANK_FRACTION, core.roles.MAX_SPARSE_FRACTION = 2.0, core.roles.MAX_MISSING_FRACTION
    try:
        table = prepare_table(raw, roles)
    finally:
        core.roles.BLANK_FRACTION, core.roles.MAX_SPARSE_FRACTION = kept
    model = fit(table, SemanticMatrix.from_frame(r, list(raw.columns)), TrainConfig())
    files = []
    for draw in range(draws):
        out = folder / f"{tag}_{draw}.csv"
        model.complete(generate(model, n_rows, seed=1 + draw), seed=1 + draw).to_csv(out, index=False)
        files.append(out)
    layout = model.transformer.layout_
    return files, [s.name for s in layout], [s.name for s in layout if s.kind == "numeric"]


def gaussian_copula(path: Path, n_rows: int, draws: int, folder: Path) -> list[Path]:
    out = folder / "gaussian_copula.csv"
    child([str(SDV_PYTHON), "benchmarks/peer_fit.py", "gaussian_copula", str(path), str(n_rows * draws), str(out)])
    rows = pd.read_csv(out, low_memory=False)
    files = []
    for draw in range(draws):
        part = folder / f"gaussian_copula_{draw}.csv"
        rows.iloc[draw * n_rows:(draw + 1) * n_rows].to_csv(part, index=False)
        files.append(part)
    return files


def blank_errors(real: pd.DataFrame, generated: pd.DataFrame, columns: list[str]) -> tuple[float, float]:
    """(mean |blank rate error|, mean |error of the share blank in both| over pairs), in points."""
    if not columns:
        return 0.0, 0.0
    a, b = real[columns].isna(), generated[columns].isna()
    rates = float((a.mean() - b.mean()).abs().mean())
    pairs = [abs(float((a[x] & a[y]).mean() - (b[x] & b[y]).mean())) for x, y in itertools.combinations(columns, 2)]
    return 100 * rates, 100 * (float(np.mean(pairs)) if pairs else 0.0)


def measure(name: str, path: Path, r: pd.DataFrame, roles: dict, draws: int, folder: Path) -> list[dict]:
    real = pd.read_csv(path, low_memory=False)
    n_rows = max(len(real), 1000)
    routes = {ROUTES[0]: ours(path, r, roles, True, n_rows, draws, folder, "kept"),
              ROUTES[1]: ours(path, r, roles, False, n_rows, draws, folder, "filled")}
    files, columns, numeric = routes[ROUTES[0]]
    if SDV_PYTHON.exists():
        routes[ROUTES[2]] = (gaussian_copula(path, n_rows, draws, folder), columns, numeric)
    with_blanks = [c for c in columns if real[c].isna().any()]
    results = []
    for route, (files, _, _) in routes.items():
        job = folder / "job.json"
        job.write_text(json.dumps({"real": str(path), "generated": [str(f) for f in files],
                                   "numeric": numeric, "columns": columns}))
        scores = json.loads(child([str(SDV_PYTHON), "benchmarks/quality_report.py", str(job)])[2].strip().splitlines()[-1])
        errors = [blank_errors(real, pd.read_csv(f, low_memory=False), with_blanks) for f in files]
        results.append({"table": name, "route": route, "columns_with_blanks": len(with_blanks),
                        "blank_share": float(real[with_blanks].isna().mean().mean()) if with_blanks else 0.0,
                        **{key: float(np.mean([s[key] for s in scores])) for key in ("overall", "shapes", "pairs")},
                        "rate_error": float(np.mean([e[0] for e in errors])),
                        "both_error": float(np.mean([e[1] for e in errors]))})
        print(results[-1], flush=True)
    return results


def write(results: list[dict], stem: str, draws: int) -> str:
    machine = benchmark_machine()
    out = ROOT / "benchmarks"
    (out / f"{stem}.json").write_text(json.dumps({"machine": machine, "results": results}, indent=1))
    lines = ["# Blank cells: the files users download, against the table as it is", "",
             f"`{command()}` on {machine}; one fit per route and table, defaults, one torch thread. Scores: "
             f"SDMetrics' QualityReport (its own code, blanks included as it includes them), the mean over {draws} "
             "files of max(rows, 1,000) rows, on the columns we model. Blank rate: the mean over the columns "
             "with blanks of |generated − real| share of blank cells; blank together: the same for the share "
             "of rows blank in both columns of a pair, over the pairs of such columns (percentage points).", "",
             "| table | columns with blanks (mean share) | route | overall | shapes | pairs | blank rate error | "
             "blank together error |", "|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['table']} | {r['columns_with_blanks']} ({r['blank_share']:.0%}) | {r['route']} | "
                     f"{r['overall']:.3f} | {r['shapes']:.3f} | {r['pairs']:.3f} | {r['rate_error']:.1f} | "
                     f"{r['both_error']:.1f} |")
    text = "\n".join(lines) + "\n"
    (out / f"{stem.upper()}.md").write_text(text)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aside", type=Path, help="a folder of CSV tables kept out of the repo")
    parser.add_argument("--draws", type=int, default=3, help="files generated per route (mean)")
    parser.add_argument("--out", help="file stem in benchmarks/ (default: blanks, or blanks_aside with --aside)")
    args = parser.parse_args()
    if not SDV_PYTHON.exists():
        parser.error(f"SDMetrics runs in the SDV venv, {SDV_PYTHON}: see benchmarks/peer_fit.py")
    torch.set_num_threads(1)
    stem = args.out or ("blanks_aside" if args.aside else "blanks")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, path, r, roles in tables(args.aside, Path(tmp)):
            results.extend(measure(name, path, r, roles, args.draws, Path(tmp)))
            write(results, stem, args.draws)
    print(write(results, stem, args.draws))


if __name__ == "__main__":
    main()

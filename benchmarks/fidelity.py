"""Fidelity with the sliders, and the "no trade-off" check, beside SDV's GaussianCopula and TVAE.

    python benchmarks/fidelity.py                # writes benchmarks/FIDELITY.md and fidelity.json
    python benchmarks/fidelity.py --aside DIR    # tables kept aside only, without peers:
                                                 # benchmarks/FIDELITY_ASIDE.md and fidelity_aside.json
    python benchmarks/fidelity.py --aside DIR --peers gaussian_copula,tabular_argn --min-rows 400 \
        --out fidelity_aside_peers               # ... with chosen peers, on the larger tables only
    ... --resume                                 # keep the tables the results file has, measure the rest

For each table (the two samples; survey-like tables from tests/survey_table.py at 300 and
3,000 rows; with --aside, every DIR/*.csv at up to 300 and 3,000 rows, with a seeded random R
of about 4 features per semantic, so that strong relations cross groups), in the same run:
- ours, each fitted once with defaults otherwise: the default (semantic mode with 8 detail
  latents, core.vae.DetailPath), semantic mode without them (the default before) and the paper's
  mode, all sampled from the aggregate posterior (core.model.latent_distribution);
- the check: the default is within 0.005 of the paper mode overall, every slider hits its group
  and the median selectivity is at least 5;
- the peers with defaults, each in a venv of its own, never one of our requirements, skipped
  when that venv is missing: SDV's GaussianCopula and TVAE (benchmarks/peer_fit.py,
  /tmp/sdv-venv) and MOSTLY AI's TabularARGN (benchmarks/argn_fit.py, /tmp/argn-venv).
Every route samples `--draws` (3) sets of max(rows, 1,000) rows, each scored by
core.evaluation.fidelity (SDMetrics' QualityReport definitions: overall, column shapes, pair
trends) against the prepared real table; the table gives the mean. One draw of 1,000 rows moves
the overall score by up to ~0.004 on a 300-row table, as much as the check's margin.
Sliders: hits and median selectivity (core.controllability, the other latents isolated).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.machine import command, machine as benchmark_machine  # noqa: E402

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


ARGN_PYTHON = Path("/tmp/argn-venv/bin/python")
PEERS = {"gaussian_copula": (SDV_PYTHON, "benchmarks/peer_fit.py", "gaussian_copula"),
         "tvae": (SDV_PYTHON, "benchmarks/peer_fit.py", "tvae"),
         "tabular_argn": (ARGN_PYTHON, "benchmarks/argn_fit.py")}


def scored(real: pd.DataFrame, draws: list[pd.DataFrame], layout) -> dict:
    """Mean fidelity over the sets of generated rows `draws`."""
    results = [fidelity(real, rows, layout) for rows in draws]
    return {"overall": float(np.mean([r.score for r in results])),
            "shapes": float(np.mean([r.column_shapes for r in results])),
            "pairs": float(np.mean([r.pair_trends for r in results]))}


def peer_rows(kind: str, path: Path, n_rows: int, folder: Path, layout,
              real: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """(n_rows sampled by the peer `kind`, read as our layout reads them; its fit seconds)."""
    out = folder / f"{kind}.csv"
    python, *script = PEERS[kind]
    _, _, stdout = child([str(python), *script, str(path), str(n_rows), str(out)])
    raw = read_table(out, max_bytes=2**31).frame
    rows = pd.DataFrame({span.name: (pd.to_numeric(raw[span.name], errors="coerce").fillna(real[span.name].median())
                                     if span.kind == "numeric" else as_labels(raw[span.name], span.categories))
                         for span in layout})
    return rows, json.loads(stdout.strip().splitlines()[-1])["seconds"]


def as_labels(cells: pd.Series, categories) -> pd.Series:
    """A peer's label cells as our labels. A class coded 1/2 with blanks comes back from pandas as
    2.0; that is class "2", not an unseen label (it scored 0 on every such column of pbc)."""
    text = cells.map(cell_text).astype(str)
    by_number = {}
    for category in categories:
        number = pd.to_numeric(pd.Series([category]), errors="coerce").iloc[0]
        if pd.notna(number):
            by_number.setdefault(float(number), category)
    unseen = ~text.isin(categories)
    numbers = pd.to_numeric(text[unseen], errors="coerce")
    text[unseen] = [by_number.get(float(n), t) if pd.notna(n) else t for n, t in zip(numbers, text[unseen])]
    return text


def aside_tables(folder: Path, out: Path):
    """(name, CSV path, R, roles) for each DIR/*.csv at min(rows, 300) and min(rows, 3,000) rows."""
    for path in sorted(folder.glob("*.csv")):
        raw = read_table(path, max_bytes=2**31).frame
        for n_rows in sorted({min(len(raw), 300), min(len(raw), 3000)}):
            part = raw.sample(n_rows, random_state=0) if n_rows < len(raw) else raw
            target = out / f"{path.stem}_{n_rows}.csv"
            part.to_csv(target, index=False)
            yield f"{path.stem}_{n_rows}", target, random_semantics(list(raw.columns)), {}


def random_semantics(columns: list[str], per_group: int = 4, seed: int = 0) -> pd.DataFrame:
    """R with the columns dealt at random into round(F / per_group) semantics (at least 2)."""
    order = [str(c) for c in np.random.default_rng(seed).permutation(columns)]
    k = max(2, round(len(order) / per_group))
    rows = [{"semantic": f"group {j + 1}", **{c: str(int(i % k == j)) for i, c in enumerate(order)}} for j in range(k)]
    return pd.DataFrame(rows, columns=["semantic", *columns])


ROUTES = (("ours, default (semantic + 8 detail latents)", TrainConfig()),
          ("ours, semantic without detail latents", TrainConfig(detail_latents=0)),
          ("ours, paper mode", TrainConfig(mode="paper")))


def measure(name: str, path: Path, preset: pd.DataFrame, roles: dict, folder: Path, peers: list[str],
            draws: int, min_rows: int = 0) -> list[dict]:
    """The table's results, one per route; none when it has fewer than `min_rows` rows."""
    raw = read_table(path, max_bytes=2**31).frame
    if len(raw) < min_rows:
        return []
    table = prepare_table(raw, roles)
    semantics = SemanticMatrix.from_frame(preset, list(raw.columns))
    n_rows = max(len(table.frame), 1000)
    results = []
    for route, config in ROUTES:
        started = time.perf_counter()
        model = fit(table, semantics, config)
        seconds = time.perf_counter() - started
        layout = model.transformer.layout_
        controls = controllability(model, n_rows=300)
        rows = [generate(model, n_rows, seed=1 + draw) for draw in range(draws)]
        results.append({"table": name, "route": route, **scored(table.frame, rows, layout),
                        "hits": f"{sum(c.hit for c in controls)}/{len(controls)}",
                        "all_hit": all(c.hit for c in controls), "selectivity": median_selectivity(controls),
                        "fit_s": seconds})
        print(results[-1], flush=True)
    default, paper = results[0], results[2]
    default["no_trade_off"] = bool(default["overall"] >= paper["overall"] - 0.005 and default["all_hit"]
                                   and default["selectivity"] >= 5)
    for kind in peers:   # one fit, `draws` sets of rows
        rows, seconds = peer_rows(kind, path, n_rows * draws, folder, layout, table.frame)
        sets = [rows.iloc[i * n_rows:(i + 1) * n_rows].reset_index(drop=True) for i in range(draws)]
        results.append({"table": name, "route": kind, **scored(table.frame, sets, layout),
                        "hits": "", "selectivity": None, "fit_s": seconds})
        print(results[-1], flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aside", type=Path, help="a folder of CSV tables kept out of the repo")
    parser.add_argument("--peers", help=f"comma-separated, of {', '.join(PEERS)}; default: every peer whose "
                                        "venv exists, none with --aside")
    parser.add_argument("--min-rows", type=int, default=0, help="only tables of at least this many rows")
    parser.add_argument("--draws", type=int, default=3, help="sets of generated rows scored per route (mean)")
    parser.add_argument("--out", help="file stem of the results in benchmarks/ "
                                      "(default: fidelity, or fidelity_aside with --aside)")
    parser.add_argument("--resume", action="store_true",
                        help="keep the tables the results file already has and measure the others")
    args = parser.parse_args()
    torch.set_num_threads(1)
    wanted = [k for k in args.peers.split(",") if k] if args.peers is not None else [] if args.aside else list(PEERS)
    unknown = [kind for kind in wanted if kind not in PEERS]
    if unknown:
        parser.error(f"unknown peer {unknown[0]!r}; choose from {', '.join(PEERS)}")
    peers = [kind for kind in wanted if PEERS[kind][0].exists()]
    stem = args.out or ("fidelity_aside" if args.aside else "fidelity")
    saved = ROOT / "benchmarks" / f"{stem}.json"
    results = json.loads(saved.read_text())["results"] if args.resume and saved.exists() else []
    done = {r["table"] for r in results}
    with tempfile.TemporaryDirectory() as tmp:
        sources = aside_tables(args.aside, Path(tmp)) if args.aside else tables(Path(tmp))
        for name, path, preset, roles in sources:
            if name not in done:
                results.extend(measure(name, path, preset, roles, Path(tmp), peers, args.draws, args.min_rows))
                write(results, stem, args.draws)   # after every table: a crash keeps what was measured
    print(write(results, stem, args.draws))


def write(results: list[dict], stem: str, draws: int) -> str:
    """benchmarks/{stem}.json and {STEM}.md from `results`; returns the markdown."""
    machine = benchmark_machine()
    out = ROOT / "benchmarks"
    (out / f"{stem}.json").write_text(json.dumps({"machine": machine, "results": results}, indent=1))
    lines = ["# Fidelity, sliders and the \"no trade-off\" check, beside the peers", "",
             f"`{command()}` on {machine}; one fit per route and table, defaults, one torch thread. "
             "Scores: core.evaluation.fidelity (SDMetrics' QualityReport definitions), the mean over "
             f"{draws} sets of max(rows, 1,000) sampled rows (ours: latents from the aggregate posterior; a "
             "peer: one fit); sliders: hits and median selectivity with the "
             "other latents isolated. \"No trade-off\": the default is within 0.005 of the paper mode overall, "
             "every slider hits its group and the median selectivity is at least 5.", "",
             "| table | route | overall | shapes | pairs | slider hits | median selectivity | fit (s) | no trade-off |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        selectivity = "" if r["selectivity"] is None else f"{r['selectivity']:.1f}"
        verdict = {True: "yes", False: "**no**"}.get(r.get("no_trade_off"), "")
        seconds = f"{r['fit_s']:.1f}" if "fit_s" in r else ""
        lines.append(f"| {r['table']} | {r['route']} | {r['overall']:.3f} | {r['shapes']:.3f} | "
                     f"{r['pairs']:.3f} | {r['hits']} | {selectivity} | {seconds} | {verdict} |")
    text = "\n".join(lines) + "\n"
    (out / f"{stem.upper()}.md").write_text(text)
    return text


if __name__ == "__main__":
    main()

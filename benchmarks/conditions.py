"""`generate --where`: every row satisfies it, and the other columns shift as in the real data.

    python benchmarks/conditions.py               # writes benchmarks/CONDITIONS.md and conditions.json
    python benchmarks/conditions.py --aside DIR   # every DIR/*.csv at up to 300 and 3,000 rows:
                                                  # CONDITIONS_ASIDE.md and conditions_aside.json
    python benchmarks/conditions.py --aside DIR --out conditions_fresh   # CONDITIONS_FRESH.md, ...

The tables are those of benchmarks/fidelity.py (the samples and the survey-like tables; with
--aside, the tables kept aside, with its seeded random R). One default model per table
(TrainConfig()). Conditions, up to MAX_PER_KIND of each kind per table (columns picked with a
fixed seed):
- rare label: the rarest label of a label column (categorical, binary, ordinal) held by at
  most 5 % of the rows and at least MIN_ROWS of them;
- common label: a label column's most frequent label, when under 90 % of the rows;
- integer code: the rarest code of an integer column with at most 10 codes (a class coded
  1/2/3), at least MIN_ROWS rows;
- numeric range: the top 4 % of a numeric column, quantile 0.96 to the maximum.
Counts and quantiles leave out the blank cells of a column that keeps its blanks (filled only
for training), and the real rows meeting a condition are those the route itself uses
(`check_conditions`: never a blank).
For each, N_ROWS rows from `core.conditions.sample_where` against N_ROWS unconditional rows
(`core.generation.generate`), both seeded:
- satisfied: the share of rows that meet the condition (target 100 %), and whether exactly
  N_ROWS came back;
- shift r: the Pearson correlation, over the other modelled columns, between the shift of
  the conditional rows from the unconditional ones and the shift of the real rows meeting
  the condition from all real rows (core.effects.feature_shift: standardised mean difference
  for numbers, total variation distance for labels); target at least 0.7;
- shift r at LARGE_ROWS: the same from LARGE_ROWS rows of each, drawn apart. A label that most
  rows hold shifts the other columns little, so at N_ROWS the sampling noise of two
  generated sets is as large as the shift itself (survey_300, has_secondary_use_agriculture=0,
  87 % of the rows: r = 0.70 and 0.82 with two seeds at 2,000 rows, 0.86 and 0.85 at 20,000,
  0.93 and 0.93 at 100,000); the larger draw tells the method's shift from that noise;
- ms: the time of `sample_where` for N_ROWS rows.
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

from benchmarks.fidelity import aside_tables, tables  # noqa: E402
from benchmarks.machine import command, machine as benchmark_machine  # noqa: E402
from core.columns import filled_in, present_cells, prepare_table  # noqa: E402
from core.conditions import Condition, check_conditions, sample_where  # noqa: E402
from core.effects import feature_shift  # noqa: E402
from core.generation import generate  # noqa: E402
from core.model import TrainConfig  # noqa: E402
from core.roles import Role  # noqa: E402
from core.semantics import SemanticMatrix  # noqa: E402
from core.table import read_table  # noqa: E402
from core.training import fit  # noqa: E402

N_ROWS = 2_000
LARGE_ROWS = 20_000
MIN_ROWS = 5
RARE_SHARE = 0.05
MAX_PER_KIND = 3
TARGET_R = 0.7


def conditions(real: pd.DataFrame, layout, seed: int = 0) -> list[tuple[str, Condition]]:
    """(kind, condition) pairs for one table, as the module docstring says."""
    found: dict[str, list[Condition]] = {"rare label": [], "common label": [], "integer code": [],
                                         "numeric range": []}
    for span in layout:
        column = present_cells(real, span.name)   # a blank filled for training is no value
        if span.kind != "numeric":
            shares = column.astype(str).value_counts()
            rare = shares[(shares <= RARE_SHARE * len(column)) & (shares >= MIN_ROWS)]
            if len(rare):
                found["rare label"].append(Condition(span.name, value=str(rare.index[-1])))
            if shares.iloc[0] < 0.9 * len(column):
                found["common label"].append(Condition(span.name, value=str(shares.index[0])))
            continue
        codes = column.value_counts()
        if span.role is Role.INTEGER and len(codes) <= 10:
            kept = codes[codes >= MIN_ROWS]
            if len(kept) > 1:
                found["integer code"].append(Condition(span.name, value=f"{kept.index[-1]:g}"))
        low, high = float(column.quantile(0.96)), float(column.max())
        if low < high:
            found["numeric range"].append(Condition(span.name, low=low, high=high))
    rng = np.random.default_rng(seed)
    picked = []
    for kind, options in found.items():
        for i in sorted(rng.permutation(len(options))[:MAX_PER_KIND]):
            picked.append((kind, options[i]))
    return picked


def measure(name: str, path: Path, preset: pd.DataFrame, roles: dict) -> list[dict]:
    raw = read_table(path, max_bytes=2**31).frame
    table = prepare_table(raw, roles)
    model = fit(table, SemanticMatrix.from_frame(preset, list(raw.columns)), TrainConfig())
    real, spans = table.frame, {span.name: span for span in model.transformer.layout_}
    everything = generate(model, N_ROWS, seed=5)
    everything_large = generate(model, LARGE_ROWS, seed=7)
    results = []
    for kind, condition in conditions(real, model.transformer.layout_):
        span = spans[condition.column]
        mask = check_conditions(model, real, [condition])   # the route's own real rows: never a blank
        started = time.perf_counter()
        rows = sample_where(model, real, [condition], N_ROWS, seed=6)
        ms = 1000 * (time.perf_counter() - started)
        wanted = feature_shift(real, real[mask], model).drop(span.name)
        r = correlation(wanted, feature_shift(everything, rows, model).drop(span.name))
        large = sample_where(model, real, [condition], LARGE_ROWS, seed=8)
        r_large = correlation(wanted, feature_shift(everything_large, large, model).drop(span.name))
        results.append({"table": name, "kind": kind, "condition": str(condition),
                        "real_share": float(mask.mean()), "rows": len(rows),
                        "satisfied": float((condition.holds(rows[span.name], span)
                                            & filled_in(rows, span.name).to_numpy()).mean()),
                        "shift_r": r, "shift_r_large": r_large, "ms": ms})
        print(results[-1], flush=True)
    return results


def correlation(wanted: pd.Series, got: pd.Series) -> float:
    """Pearson's r of two shifts over the same columns; NaN when either is constant."""
    if len(wanted) < 2 or wanted.std() == 0 or got.std() == 0:
        return float("nan")
    return float(np.corrcoef(wanted, got)[0, 1])


def write(results: list[dict], stem: str) -> str:
    out = ROOT / "benchmarks"
    machine = benchmark_machine()
    (out / f"{stem}.json").write_text(json.dumps({"machine": machine, "results": results}, indent=1,
                                                 ensure_ascii=False))
    lines = ["# Conditions (`generate --where`)", "",
             f"`{command()}` on {machine}; one default model per table, one torch thread. Each condition: "
             f"{N_ROWS:,} rows from `sample_where` against {N_ROWS:,} unconditional rows. *satisfied*: share of "
             "the rows meeting the condition (target 100 %); *shift r*: correlation over the other columns between "
             "the generated and the real conditional shift (target ≥ 0.7), from those rows and, in the *large* "
             f"columns, from {LARGE_ROWS:,} rows of each, where sampling noise no longer hides the small shift of a "
             "common label; *ms*: time of `sample_where` for the "
             f"{N_ROWS:,} rows. How the conditions are chosen: the docstring of `benchmarks/conditions.py`.", "",
             "| table | conditions | rows exact | satisfied | shift r: min / median | r ≥ 0.7 | rare (≤ 5 %): min r "
             "| large: min / median | large: r ≥ 0.7 | ms: median (max) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    frame = pd.DataFrame(results)
    for name, group in frame.groupby("table", sort=False):
        r, large = group["shift_r"].dropna(), group["shift_r_large"].dropna()
        rare = group[group["real_share"] <= RARE_SHARE]["shift_r"].dropna()
        lines.append(f"| {name} | {len(group)} | {int((group['rows'] == N_ROWS).sum())}/{len(group)} | "
                     f"{group['satisfied'].min():.0%} | {r.min():.2f} / {r.median():.2f} | "
                     f"{int((r >= TARGET_R).sum())}/{len(r)} | {f'{rare.min():.2f}' if len(rare) else '—'} | "
                     f"{large.min():.2f} / {large.median():.2f} | {int((large >= TARGET_R).sum())}/{len(large)} | "
                     f"{group['ms'].median():.0f} ({group['ms'].max():.0f}) |")
    for key, label in (("shift_r", f"{N_ROWS:,} rows"), ("shift_r_large", f"{LARGE_ROWS:,} rows")):
        below = frame[frame[key] < TARGET_R]
        lines += ["", f"Conditions below r = {TARGET_R} at {label} ({len(below)} of {frame[key].notna().sum()}):", ""]
        lines += [f"- {row.table}, {row.kind} `{row.condition}` ({row.real_share:.1%} of the rows): "
                  f"r = {row.shift_r:.2f} at {N_ROWS:,} rows, {row.shift_r_large:.2f} at {LARGE_ROWS:,}"
                  for row in below.itertuples()] or ["- none"]
    text = "\n".join(lines) + "\n"
    (out / f"{stem.upper()}.md").write_text(text)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aside", type=Path, help="a folder of CSV tables kept out of the repo")
    parser.add_argument("--out", help="file stem of the results in benchmarks/ "
                                      "(default: conditions, or conditions_aside with --aside)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    stem = args.out or ("conditions_aside" if args.aside else "conditions")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        sources = aside_tables(args.aside, Path(tmp)) if args.aside else tables(Path(tmp))
        for name, path, preset, roles in sources:
            results.extend(measure(name, path, preset, roles))
            write(results, stem)
    print(write(results, stem))


if __name__ == "__main__":
    main()

"""Columns read off another (core.bands): generated rows with and without them, from the same fit.

    python benchmarks/bands.py                 # the survey-like table with an age band and the year
                                               # built, 300 and 3,000 rows
    python benchmarks/bands.py --aside DIR     # every DIR/*.csv where a label is read off another column

For each table: R is the table's own (the survey's, with `age_band` and `year_built` ticked
beside `age`) or
dealt at random (benchmarks/fidelity.random_semantics) with each label read off another column
then ticked in its key's semantics, as an engineer groups a date with its bin (columns of
different semantics are never tied). One fit with defaults; then, with the fit's bands, label
maps and number maps and with them removed: the share of generated rows where a pair disagrees
(its label not its key's image, a number outside its label's interval, or off its key's line
by more than half its last decimal; mean over the pairs), fidelity
(core.evaluation.fidelity, 3 sets of max(rows, 1,000) rows) and the sliders (hits and median
selectivity, the other latents isolated). Writes benchmarks/BANDS.md and bands.json (or
BANDS_ASIDE.md, bands_aside.json). Nothing here is timed.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.fidelity import random_semantics  # noqa: E402
from benchmarks.machine import command, machine as benchmark_machine  # noqa: E402
from core.bands import find_bands, find_label_maps  # noqa: E402
from core.columns import filled_in, prepare_table  # noqa: E402
from core.controllability import controllability, median_selectivity  # noqa: E402
from core.evaluation import fidelity  # noqa: E402
from core.generation import generate  # noqa: E402
from core.model import FittedModel, TrainConfig  # noqa: E402
from core.semantics import SemanticMatrix  # noqa: E402
from core.table import read_table  # noqa: E402
from core.training import fit  # noqa: E402
from core.transformer import TableTransformer  # noqa: E402
from tests.survey_table import survey_frame, survey_semantics  # noqa: E402

MAX_ROWS = 3000


def tables(aside: Path | None):
    """(name, raw frame, R as a frame) per table."""
    if aside is None:
        for n_rows in (300, 3000):
            raw = survey_frame(n_rows, seed=23)
            age = pd.to_numeric(raw["age"], errors="coerce")   # a few cells say "unknown": no band there
            raw["age_band"] = pd.cut(age, [-1, 9, 19, 29, 39, 500], labels=["0–9", "10–19", "20–29", "30–39", "40+"]
                                     ).astype(object).where(age.notna(), "")
            raw["year_built"] = (2024 - age).map(lambda year: "" if pd.isna(year) else f"{year:g}")   # off age
            r = survey_semantics(raw.columns)
            r["age_band"] = r["age"]
            r["year_built"] = r["age"]
            yield f"survey_band_{n_rows}", raw, r
        return
    for path in sorted(aside.glob("*.csv")):
        raw = read_table(path).frame
        raw = raw.sample(MAX_ROWS, random_state=0) if len(raw) > MAX_ROWS else raw
        table = prepare_table(raw)
        layout = TableTransformer().fit(table).layout_
        pairs = [(b.number, b.label) for b in find_bands(table.frame, layout)] + \
            [(m.key, m.label) for m in find_label_maps(table.frame, layout)]
        if pairs:
            r = random_semantics(list(raw.columns))
            for key, label in pairs:   # the label beside its key
                r[label] = r[key]
            yield f"{path.stem}_{len(raw)}", raw, r


def disagreement(model: FittedModel, bands, label_maps, number_maps, rows: pd.DataFrame) -> float:
    """The mean over the pairs of the share of rows (neither cell blank) where the pair disagrees."""
    spans = {span.name: span for span in model.transformer.layout_}
    shares = []
    for pair in number_maps:   # off the line by more than half the number's last decimal
        shown = rows[filled_in(rows, pair.key) & filled_in(rows, pair.number)]
        gap = np.abs(pair.offset + pair.slope * shown[pair.key].to_numpy(float) - shown[pair.number].to_numpy(float))
        shares.append(float(np.mean(gap > 0.5 * 10.0 ** -spans[pair.number].decimals + 1e-9)) if len(shown) else 0.0)
    for pair in [*bands, *label_maps]:
        key = getattr(pair, "number", None) or pair.key
        shown = rows[filled_in(rows, key) & filled_in(rows, pair.label)]
        index = np.array([spans[pair.label].categories.index(str(v)) for v in shown[pair.label]], dtype=int)
        if hasattr(pair, "number"):
            bounds = np.array([pair.bounds(k) or (-np.inf, np.inf) for k in index]).reshape(-1, 2)
            values = shown[key].to_numpy(dtype=float)
            tolerance = 1e-6 * np.maximum(1.0, np.abs(values))   # dates keep 6 decimals of a year
            wrong = (values < bounds[:, 0] - tolerance) | (values > bounds[:, 1] + tolerance)
        else:
            keys = np.array([spans[key].categories.index(str(v)) for v in shown[key]], dtype=int)
            wanted = np.asarray(pair.targets)[keys]
            wrong = (wanted >= 0) & (wanted != index)
        shares.append(float(np.mean(wrong)) if len(shown) else 0.0)
    return float(np.mean(shares)) if shares else 0.0


def measure(name: str, raw: pd.DataFrame, r: pd.DataFrame) -> list[dict]:
    table = prepare_table(raw)
    model = fit(table, SemanticMatrix.from_frame(r, list(raw.columns)), TrainConfig())
    bands, label_maps, number_maps = model.bands, model.label_maps, model.number_maps
    real = table.frame
    n_rows = max(len(real), 1000)
    results = []
    for route, kept in (("with bands and maps", (bands, label_maps, number_maps)), ("without", ([], [], []))):
        model.bands, model.label_maps, model.number_maps = kept
        scores = [fidelity(real, generate(model, n_rows, seed=1 + draw), model.transformer.layout_) for draw in range(3)]
        controls = controllability(model, n_rows=300)
        results.append({"table": name, "route": route,
                        "pairs": [f"{b.label} ~ {b.number}" for b in bands] + [f"{m.label} ~ {m.key}" for m in label_maps]
                        + [f"{m.number} ~ {m.key}" for m in number_maps],
                        "disagreeing": disagreement(model, bands, label_maps, number_maps, generate(model, n_rows, seed=1)),
                        "overall": float(np.mean([s.score for s in scores])),
                        "pair_trends": float(np.mean([s.pair_trends for s in scores])),
                        "hits": f"{sum(c.hit for c in controls)}/{len(controls)}",
                        "selectivity": median_selectivity(controls)})
        print(results[-1], flush=True)
    model.bands, model.label_maps, model.number_maps = bands, label_maps, number_maps
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aside", type=Path, help="a folder of CSV tables kept out of the repo")
    args = parser.parse_args()
    torch.set_num_threads(1)
    results = [row for name, raw, r in tables(args.aside) for row in measure(name, raw, r)]
    stem = "bands_aside" if args.aside else "bands"
    out = ROOT / "benchmarks"
    machine = benchmark_machine()
    (out / f"{stem}.json").write_text(json.dumps({"machine": machine, "results": results}, indent=1, ensure_ascii=False))
    lines = ["# Columns read off another: generated rows with and without them", "",
             f"`{command()}` on {machine}; one fit per table with defaults, one torch thread, then the "
             "same fit with its bands and label and number maps and without them. *Disagreeing*: the mean over the "
             "pairs of the share of generated rows where a pair disagrees. Fidelity: core.evaluation.fidelity, "
             "the mean over 3 sets of max(rows, 1,000) rows. Sliders: hits and median selectivity with the "
             "other latents isolated. R: each label ticked in its key's semantics (see the script).", "",
             "| table | pairs | route | disagreeing | overall | pair trends | slider hits | median selectivity |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['table']} | {', '.join(r['pairs'])} | {r['route']} | {r['disagreeing']:.1%} | "
                     f"{r['overall']:.3f} | {r['pair_trends']:.3f} | {r['hits']} | {r['selectivity']:.1f} |")
    (out / f"{stem.upper()}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

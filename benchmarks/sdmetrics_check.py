"""Child process of run.py, run with the SDV venv's python: SDMetrics' own scores, to check ours.

    /tmp/sdv-venv/bin/python benchmarks/sdmetrics_check.py REAL.csv GENERATED.csv NUMERIC.json

Prints one JSON line: {"columns": {name: score}, "pairs": {"a\\tb": score}} with KSComplement /
TVComplement per column, and CorrelationSimilarity (Pearson) / ContingencySimilarity for pairs of
two numbers / two label columns. Mixed pairs are left out: SDMetrics bins the number in equal-width
bins, we use quantile bins (core/evaluation.py), so those scores differ by design.
"""
from __future__ import annotations

import itertools
import json
import sys
import warnings

import pandas as pd
from sdmetrics.column_pairs import ContingencySimilarity, CorrelationSimilarity
from sdmetrics.single_column import KSComplement, TVComplement


def main(real_path: str, generated_path: str, numeric_path: str) -> dict:
    warnings.filterwarnings("ignore")
    numeric = set(json.load(open(numeric_path, encoding="utf-8")))
    real = pd.read_csv(real_path, encoding="utf-8-sig", dtype=str)
    generated = pd.read_csv(generated_path, encoding="utf-8-sig", dtype=str)
    for frame in (real, generated):
        for name in numeric:
            frame[name] = frame[name].astype(float)
    columns = {name: (KSComplement if name in numeric else TVComplement).compute(real[name], generated[name])
               for name in real.columns}
    pairs = {}
    for a, b in itertools.combinations(real.columns, 2):
        if (a in numeric) != (b in numeric):
            continue
        if a in numeric:
            score = CorrelationSimilarity.compute(real[[a, b]], generated[[a, b]], coefficient="Pearson")
        else:
            score = ContingencySimilarity.compute(real[[a, b]], generated[[a, b]])
        pairs[f"{a}\t{b}"] = float(score)
    return {"columns": {k: float(v) for k, v in columns.items()}, "pairs": pairs}


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:4]), ensure_ascii=False))

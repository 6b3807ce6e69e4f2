"""Child process of blanks.py, run with the SDV venv's python: SDMetrics' own QualityReport.

    /tmp/sdv-venv/bin/python benchmarks/quality_report.py JOB.json

JOB.json: {"real": CSV, "generated": [CSV, ...], "numeric": [column, ...], "columns": [column, ...]}.
Every table is read as pandas reads a CSV (a blank cell is NaN) and cut to `columns`; a column of
`numeric` is numerical, every other one categorical, its labels as text ('2.0' read from a column
with blanks is '2', as in a column without). Prints one JSON line, per generated file:
{"overall", "shapes", "pairs"} as SDMetrics' QualityReport computes them, blanks included the way
SDMetrics includes them.
"""
from __future__ import annotations

import json
import sys
import warnings

import pandas as pd


def labels(column: pd.Series) -> pd.Series:
    """Text labels, NaN kept; a whole float is written as the integer it is."""
    def text(value):
        if pd.isna(value):
            return value
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)
    return column.map(text).astype(object)


def read(path: str, columns: list[str], numeric: set[str]) -> pd.DataFrame:
    frame = pd.read_csv(path, encoding="utf-8-sig", low_memory=False)[columns]
    for name in columns:
        frame[name] = pd.to_numeric(frame[name], errors="coerce") if name in numeric else labels(frame[name])
    return frame


def main(job_path: str) -> list[dict]:
    warnings.filterwarnings("ignore")
    from sdmetrics.reports.single_table import QualityReport

    job = json.load(open(job_path, encoding="utf-8"))
    columns, numeric = job["columns"], set(job["numeric"])
    real = read(job["real"], columns, numeric)
    metadata = {"columns": {name: {"sdtype": "numerical" if name in numeric else "categorical"} for name in columns}}
    scores = []
    for path in job["generated"]:
        report = QualityReport()
        report.generate(real, read(path, columns, numeric), metadata, verbose=False)
        properties = report.get_properties().set_index("Property")["Score"]
        scores.append({"overall": float(report.get_score()), "shapes": float(properties["Column Shapes"]),
                       "pairs": float(properties["Column Pair Trends"])})
    return scores


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))

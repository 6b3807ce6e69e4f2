"""Child process of run.py, run with the SDV venv's python: time SDV's TVAE fit on one table.

    /tmp/sdv-venv/bin/python benchmarks/tvae_fit.py TABLE.csv REPEATS   # prints one JSON line

SDV stays out of our requirements (licence); this script only runs in that separate venv.
TVAE keeps its defaults (300 epochs, batch 500); one torch thread, like our fit.
"""
from __future__ import annotations

import json
import statistics
import sys
import time
import warnings

import pandas as pd
import torch
from sdv.metadata import Metadata
from sdv.single_table import TVAESynthesizer


def main(path: str, repeats: int) -> dict:
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    frame = pd.read_csv(path, encoding="utf-8-sig")
    metadata = Metadata.detect_from_dataframes({"table": frame}, infer_keys=None)
    times = []
    for _ in range(repeats):
        synthesizer = TVAESynthesizer(metadata)
        started = time.perf_counter()
        synthesizer.fit(frame)   # a single-table synthesizer takes the DataFrame
        times.append(time.perf_counter() - started)
    import sdv
    return {"seconds": statistics.median(times), "repeats": repeats, "epochs": synthesizer.epochs,
            "sdv": sdv.__version__}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]))))

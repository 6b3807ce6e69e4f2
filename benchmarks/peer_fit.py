"""Child process, run with the SDV venv's python: fit one SDV synthesizer, sample rows.

    /tmp/sdv-venv/bin/python benchmarks/peer_fit.py gaussian_copula|tvae TABLE.csv N_ROWS OUT.csv
    # prints one JSON line: fit seconds, peak memory

SDV stays out of our requirements (licence); this script only runs in that separate venv:

    python3 -m venv /tmp/sdv-venv
    /tmp/sdv-venv/bin/pip install sdv==1.32.1 "pandas<3" torch==2.13.0

pandas < 3: with pandas 3 pip picks rdt 1.19, and GaussianCopula then fails on Schooling
("OverflowError: Range exceeds valid bounds" in rdt's categorical transformer); with sdv 1.32.1,
rdt 2.0.0 and pandas 2.3.3 it fits. torch==2.13.0: the CPU
build our fit uses, not the CUDA build sdv would pull.
Defaults for both synthesizers; one torch thread for TVAE, like our fit in the app.
"""
from __future__ import annotations

import json
import resource
import sys
import time
import warnings

import pandas as pd


def main(kind: str, path: str, n_rows: int, out: str) -> dict:
    warnings.filterwarnings("ignore")
    from sdv.metadata import Metadata
    from sdv.single_table import GaussianCopulaSynthesizer, TVAESynthesizer

    frame = pd.read_csv(path, encoding="utf-8-sig")
    metadata = Metadata.detect_from_dataframes({"table": frame}, infer_keys=None)
    if kind == "tvae":
        import torch
        torch.set_num_threads(1)
    synthesizer = (TVAESynthesizer if kind == "tvae" else GaussianCopulaSynthesizer)(metadata)
    started = time.perf_counter()
    synthesizer.fit(frame)   # a single-table synthesizer takes the DataFrame
    seconds = time.perf_counter() - started
    rows = synthesizer.sample(n_rows)
    (rows["table"] if isinstance(rows, dict) else rows).to_csv(out, index=False)
    return {"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4])))

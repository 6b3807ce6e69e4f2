"""Child process, run with the TabularARGN venv's python: fit MOSTLY AI's TabularARGN, sample rows.

    /tmp/argn-venv/bin/python benchmarks/argn_fit.py TABLE.csv N_ROWS OUT.csv
    # prints one JSON line: fit seconds, peak memory

`mostlyai-engine` (Apache-2.0) stays out of our requirements: it pulls transformers, datasets,
opacus and more. It installs beside the pinned torch with `--no-deps` plus its other
requirements (torchvision, torchaudio and xgrammar are only for its language models), see
benchmarks/README or the closing note of issue 14. Defaults, CPU, one torch thread like our fit.
"""
from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
import warnings

import pandas as pd


def main(path: str, n_rows: int, out: str) -> dict:
    warnings.filterwarnings("ignore")
    import torch
    from mostlyai.engine import TabularARGN

    torch.set_num_threads(1)
    frame = pd.read_csv(path, encoding="utf-8-sig")
    with tempfile.TemporaryDirectory() as workspace:
        model = TabularARGN(device="cpu", random_state=0, workspace_dir=workspace)
        started = time.perf_counter()
        model.fit(frame)
        seconds = time.perf_counter() - started
        model.sample(n_samples=n_rows).to_csv(out, index=False)
    return {"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]), sys.argv[3])))

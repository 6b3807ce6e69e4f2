"""Child process, run with the TabularARGN venv's python: fit MOSTLY AI's TabularARGN, sample rows.

    /tmp/argn-venv/bin/python benchmarks/argn_fit.py TABLE.csv N_ROWS OUT.csv
    # prints one JSON line: fit seconds, peak memory

`mostlyai-engine` (Apache-2.0) stays out of our requirements: it pulls transformers, datasets,
opacus and more. Its metadata also asks for torchvision and torchaudio builds that do not match
the pinned torch; the tabular model does not import them (nor xgrammar, for its language models),
so the venv is made without them:

    python3 -m venv /tmp/argn-venv
    /tmp/argn-venv/bin/pip install torch==2.13.0
    /tmp/argn-venv/bin/pip install --no-deps mostlyai-engine==2.7.3
    /tmp/argn-venv/bin/pip install accelerate datasets huggingface-hub json-repair numpy \
        opacus pandas peft "psutil>=5.9.5,<6" pyarrow scikit-learn tokenizers "transformers>=5.5.3"

Defaults (model MOSTLY_AI/Medium, at most 100 epochs), CPU, one torch thread like our fit.
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

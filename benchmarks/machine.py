"""The one line every benchmark result file starts from: what it was measured on."""
from __future__ import annotations

import os
import platform
import sys
from pathlib import Path


def machine() -> str:
    """e.g. 'x86_64, 2 cores, Python 3.11.7, torch 2.13.0+cpu'."""
    import torch

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{platform.processor() or platform.machine()}, {cores} cores, Python {platform.python_version()}, " \
           f"torch {torch.__version__}"


def command() -> str:
    """The command line this benchmark was started with, e.g. 'python benchmarks/fidelity.py --aside DIR'."""
    script = Path(sys.argv[0]).resolve().relative_to(Path(__file__).resolve().parents[1])
    return " ".join(["python", script.as_posix(), *sys.argv[1:]])

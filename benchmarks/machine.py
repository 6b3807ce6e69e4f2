"""The one line every benchmark result file starts from: what it was measured on."""
from __future__ import annotations

import os
import platform


def machine() -> str:
    """e.g. 'x86_64, 2 cores, Python 3.11.7, torch 2.13.0+cpu'."""
    import torch

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{platform.processor() or platform.machine()}, {cores} cores, Python {platform.python_version()}, " \
           f"torch {torch.__version__}"

"""Where training runs: torch's thread count and the device, each decided in one place.

Threads are set once at start-up (`configure_threads`, called by the command line and by
the app), never inside `fit`: a library caller keeps its own setting. A GPU is used when one
exists and the device is "auto"; it is never required.
"""
from __future__ import annotations

import os

import torch

from core.errors import InputError
from core.messages import msg

DEVICES = ("auto", "cpu", "cuda")


def available_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def configure_threads(trainings: int = 1) -> int:
    """torch's intra-op threads: the available cores shared by `trainings` runs at once
    (OMP_NUM_THREADS, when set, wins). Oversubscribed OpenMP threads spin-wait: a fit that
    took 1.5 s took 31 s while other processes also used every core."""
    setting = os.environ.get("OMP_NUM_THREADS", "")
    threads = int(setting) if setting.isdigit() and int(setting) > 0 else \
        max(1, available_cores() // max(1, trainings))
    torch.set_num_threads(threads)
    return threads


def resolve_device(name: str) -> torch.device:
    """"auto": a CUDA GPU when one exists, else the CPU; "cuda" without a GPU is an error."""
    if name not in DEVICES:
        raise InputError(msg("device.unknown", device=name, devices=", ".join(DEVICES)))
    if name == "cuda" and not torch.cuda.is_available():
        raise InputError(msg("device.no_cuda"))
    use_cuda = name == "cuda" or (name == "auto" and torch.cuda.is_available())
    return torch.device("cuda" if use_cuda else "cpu")

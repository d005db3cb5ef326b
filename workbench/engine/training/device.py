"""Choosing where tensors live: CUDA when there is one, else the CPU with a sane thread count."""

from __future__ import annotations

import os

import torch

from ..common.errors import WorkbenchError
from .config import DEVICES


def resolve_device(name: str = "auto") -> torch.device:
    if name not in DEVICES:
        raise WorkbenchError(f"unknown device '{name}' (auto, cpu or cuda)")
    if name == "cuda" and not torch.cuda.is_available():
        raise WorkbenchError("no CUDA GPU is available to this torch build; use --device cpu")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cpu":
        configure_cpu_threads()
    return torch.device(name)


def configure_cpu_threads() -> None:
    """One intra-op thread per core we may use, at most 8; OMP_NUM_THREADS wins when set.

    More threads than cores (or than 8 for these small recurrent matrices) only adds
    synchronisation; an explicit OMP_NUM_THREADS is the user's (or the test suite's) choice.
    """
    if os.environ.get("OMP_NUM_THREADS"):
        return
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    torch.set_num_threads(max(1, min(8, cores)))


def describe_device(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    threads = torch.get_num_threads()
    return f"CPU ({threads} thread{'s' if threads != 1 else ''})"

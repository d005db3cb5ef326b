"""Where tensors live and how many CPU threads torch gets."""

import pytest
import torch

from workbench.engine.common.errors import WorkbenchError
from workbench.engine.training import device


@pytest.mark.parametrize(("cores", "threads"), [(1, 1), (2, 2), (16, 8)])
def test_one_thread_per_core_at_most_eight(monkeypatch, cores, threads):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(device.os, "sched_getaffinity", lambda _: set(range(cores)))
    before = torch.get_num_threads()
    try:
        device.configure_cpu_threads()
        assert torch.get_num_threads() == threads
    finally:
        torch.set_num_threads(before)


def test_an_explicit_thread_count_is_the_users(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setattr(device.os, "sched_getaffinity", lambda _: set(range(8)))
    before = torch.get_num_threads()
    try:
        device.configure_cpu_threads()
        assert torch.get_num_threads() == before
    finally:
        torch.set_num_threads(before)


def test_unknown_or_missing_devices_are_refused_in_words():
    with pytest.raises(WorkbenchError, match="unknown device 'tpu'"):
        device.resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(WorkbenchError, match="no CUDA GPU"):
            device.resolve_device("cuda")

"""Timing on a shared machine: what the machine is, and whether anyone else used it meanwhile.

Two torch threads on two cores run several times slower while any other process wants a core,
so a benchmark here must know when a neighbour ran. Linux counts every CPU's busy time in
/proc/stat; what the machine spent beyond this process's own CPU time is someone else's.
"""

from __future__ import annotations

import os
import platform
import time

import torch

MAX_OTHER_CORES = 0.05  # other processes using more CPU than this (in cores) disturb a timing
MAX_STOLEN_CORES = 0.05  # ... and so does the hypervisor giving more than this to other guests
QUIET_CHECK_S = 0.5  # how long the CPUs must be left alone before timing starts


def timed(work, *args) -> float:
    start = time.perf_counter()
    work(*args)
    return time.perf_counter() - start


def cpu_clock() -> tuple[float, float, float]:
    """(CPU seconds this machine's processes spent busy, this process's CPU seconds, wall seconds).

    Time the hypervisor gave to other guests (steal) is not counted as busy: it is not another
    process here (see ``steal_seconds`` and MAX_STOLEN_CORES).
    """
    busy = 0.0
    try:
        user, nice, system, irq, softirq = (_proc_stat()[i] for i in (0, 1, 2, 5, 6))
        busy = (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        pass  # no /proc/stat: disturbances go unseen (reported as 0)
    return busy, time.process_time(), time.perf_counter()


def steal_seconds() -> float:
    """CPU seconds the hypervisor has given to other guests while ours wanted to run (0 if unknown)."""
    try:
        return _proc_stat()[7] / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        return 0.0


def _proc_stat() -> list[int]:
    with open("/proc/stat", encoding="ascii") as stat:
        return list(map(int, stat.readline().split()[1:9]))


def watched(work) -> tuple[float, float, object]:
    """Run ``work()``; return its seconds, the cores other processes took meanwhile, its result."""
    before = cpu_clock()
    result = work()
    after = cpu_clock()
    busy, ours, wall = (b - a for a, b in zip(before, after))
    return wall, max(0.0, busy - ours) / wall if busy else 0.0, result


def wait_for_quiet(max_wait_s: float) -> float:
    """Wait until other processes leave the CPUs alone for QUIET_CHECK_S; return seconds waited."""
    waited = 0.0
    while waited < max_wait_s:
        seconds, others, _ = watched(lambda: time.sleep(QUIET_CHECK_S))
        waited += seconds
        if others <= MAX_OTHER_CORES:
            break
    return waited


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def describe_machine() -> str:
    """nproc, CPU model, torch and Python versions, OMP_NUM_THREADS and torch's thread count."""
    return (
        f"nproc {len(os.sched_getaffinity(0))} ({os.cpu_count()} CPUs), {cpu_model()}; "
        f"torch {torch.__version__}, Python {platform.python_version()}; "
        f"OMP_NUM_THREADS {os.environ.get('OMP_NUM_THREADS') or 'unset'}, "
        f"torch threads {torch.get_num_threads()}"
    )

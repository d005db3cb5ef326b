"""Data-parallel training on the CPU: `workbench train` on 1 and 2 processes against bare loops.

One character language model (the python-code demo at the given size: by default 2 × LSTM 256,
batch 32, sequence 100) is trained

- by `workbench train p.h5 --steps N` in one process of one thread (and, for comparison, one
  process of two threads: what one process makes of two cores),
- by `workbench train p.h5 --steps N --processes 2` (torchrun, gloo, one thread a process),
- by a bare PyTorch loop of the same model in one process of one thread, and
- by a bare DistributedDataParallel loop on two processes (torch.multiprocessing spawn, gloo,
  one thread each), each training its half of the same global batch; and, to tell where its
  shortfall from 2× goes, by one process on half the batch (the ideal) and by two processes on
  their halves at once without exchanging gradients (the cores' contention alone).

Every engine run starts from a copy of the same project, with probes, validation and samples
off. A command's wall time includes starting Python, importing torch, the rendezvous and the
final save, so each is timed for N and for 2N steps and the difference is the time of N steps
in the steady state (the fastest of ``--repeats`` launches of each, since noise only adds time).
The bare loops time N steps after a few warm-up steps inside their processes.

Peak RSS is the largest process's: ``os.wait4``'s figure for a command (its own and its reaped
descendants' largest), each bare process's own ``ru_maxrss``. /proc/stat is read around every
timing: "others" is the CPU, in cores, that processes not started by this script took meanwhile.

    python benchmarks/bench_distributed.py [--steps 60] [--repeats 2] [--batch 32] [--hidden 256] [--layers 2]
    python benchmarks/bench_distributed.py --quick  # tiny sizes, a smoke check
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from machine import cpu_clock, describe_machine, load_average, wait_for_quiet
from torch import nn
from torch.nn import functional as F
from torch.nn.parallel import DistributedDataParallel

from workbench.engine.data import IGNORE_INDEX, load_demo
from workbench.engine.model.builder import build_model
from workbench.engine.project.project import Project
from workbench.engine.project.starters import new_project

DEMO = "python-code"
WARMUP_STEPS = 3  # bare loops: steps before the timed ones
MAX_WAIT_S = 60.0  # most seconds spent waiting for other processes before each timing


@dataclass(frozen=True)
class Timing:
    """Seconds of ``steps`` steady-state steps, the largest process's peak RSS, others' cores."""

    steps: int
    seconds: float
    peak_rss_mb: float
    other_cores: float
    meter_tokens_per_s: float | None = None  # the engine's own StepMetrics, median of the longer run


def others_meanwhile(work):
    """Run ``work()``; return (wall seconds, cores other processes took, its result).

    Unlike ``machine.watched``, this script's reaped children are counted as its own."""
    before_children = os.times()
    before = cpu_clock()
    result = work()
    after = cpu_clock()
    after_children = os.times()
    busy, ours, wall = (b - a for a, b in zip(before, after))
    children = sum(after_children[i] - before_children[i] for i in (2, 3))
    others = max(0.0, busy - ours - children) / wall if busy else 0.0
    return wall, others, result


# -- the project and the engine's runs ------------------------------------------------------


def make_project(folder: Path, args) -> Path:
    """The python-code demo at the benchmark's size, probes, validation and samples off."""
    project = new_project(
        load_demo(DEMO),
        demo=DEMO,
        hidden=args.hidden,
        layers=args.layers,
        batch_size=args.batch,
        seq_len=args.seq_len,
    )
    project.set_config(replace(project.config, device="cpu", val_every=0, probe_every=0, sample_every=0))
    path = folder / "p.h5"
    project.save(path)
    project.close()
    return path


def launch(command: list[str], threads: int) -> tuple[float, float]:
    """Run ``command`` to its end; (its wall seconds, the largest process's peak RSS in MB)."""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "OMP_WAIT_POLICY": "PASSIVE"}
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    err = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({child.returncode}):\n{err[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


def engine_timing(project: Path, folder: Path, steps: int, processes: int, threads: int, repeats: int) -> Timing:
    """N steady-state steps of `workbench train`: the fastest 2N-step launch less the fastest N-step one."""
    walls: dict[int, list[float]] = {steps: [], 2 * steps: []}
    rss, others, meter = 0.0, 0.0, None
    for _ in range(repeats):
        for count in walls:
            copy = folder / f"run-{processes}-{threads}-{count}.h5"
            shutil.copy(project, copy)
            command = [sys.executable, "-m", "workbench", "train", str(copy), "--steps", str(count)]
            if processes > 1:
                command += ["--processes", str(processes)]
            wait_for_quiet(MAX_WAIT_S)
            _, other, (wall, peak) = others_meanwhile(lambda: launch(command, threads))  # noqa: B023
            walls[count].append(wall)
            print(
                f"  engine {processes}×{threads}, {count} steps: {wall:.1f} s, others {other:.2f} cores",
                file=sys.stderr,
            )
            rss, others = max(rss, peak), max(others, other)
            if count == 2 * steps:
                meter = meter_rate(copy, steps)
    seconds = min(walls[2 * steps]) - min(walls[steps])
    return Timing(steps, seconds, rss, others, meter)


def meter_rate(path: Path, skip: int) -> float | None:
    """The median tokens/s of the run's metrics reports after its first ``skip`` steps (rank 0's
    meter, which counts the global batch)."""
    project = Project.open(path)
    try:
        history = project.history
        rates = [rate for step, rate in zip(history.metric_steps, history.tokens_per_s) if step > skip]
    finally:
        project.close()
    return float(sorted(rates)[len(rates) // 2]) if rates else None


# -- the bare loops ------------------------------------------------------------------------


def bare_worker(
    rank: int, size: int, parts: int, exchange: bool, project_path: str, steps: int, port: int, results
) -> None:
    """A bare loop on this rank's rows (one of ``parts`` slices) of every global batch; when
    ``size`` > 1, in a gloo group (timed between two barriers), DDP's when ``exchange``."""
    torch.set_num_threads(1)
    project = Project.open(project_path)
    config, corpus = project.config, project.corpus
    model = build_model(project.model.spec)
    model.load_state_dict(project.model.state_dict())
    project.close()
    model.train()
    net: nn.Module = model
    if size > 1:
        os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
        dist.init_process_group("gloo", rank=rank, world_size=size)
        net = DistributedDataParallel(model) if exchange else model
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    batches = corpus.batcher("train", config.batch_size, config.seq_len, config.seed)
    rows = slice(rank * config.batch_size // parts, (rank + 1) * config.batch_size // parts)
    hidden = None

    def train(count: int) -> None:
        nonlocal hidden
        for _ in range(count):
            batch = batches.next_batch()
            inputs = torch.from_numpy(batch.inputs[rows])
            targets = torch.from_numpy(batch.targets[rows])
            logits, state = net(inputs, hidden if batch.continues else None)
            loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=IGNORE_INDEX)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
            optimizer.step()
            hidden = tuple(s.detach() for s in state)
            loss.item()

    train(WARMUP_STEPS)
    if size > 1:
        dist.barrier()
    started = time.perf_counter()
    train(steps)
    if size > 1:
        dist.barrier()
    seconds = time.perf_counter() - started
    if size > 1:
        dist.destroy_process_group()
    results.put((rank, seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bare_timing(
    project: Path, steps: int, processes: int, repeats: int, parts: int | None = None, exchange: bool = True
) -> Timing:
    """N steps of the bare loop on ``processes`` processes, each on one of ``parts`` (default
    ``processes``) slices of the global batch, exchanging gradients if ``exchange``; the fastest
    of ``repeats`` launches."""
    parts = parts or processes
    context = mp.get_context("spawn")
    results = context.SimpleQueue()
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # the spawned processes' OpenMP, before torch loads there

    def work():
        mp.spawn(bare_worker, (processes, parts, exchange, str(project), steps, free_port(), results), nprocs=processes)
        return [results.get() for _ in range(processes)]

    timings = []
    for _ in range(repeats):
        wait_for_quiet(MAX_WAIT_S)
        _, others, reported = others_meanwhile(work)
        seconds = max(seconds for _, seconds, _ in reported)
        print(
            f"  bare {processes}×1 on 1/{parts} of the batch: {seconds:.1f} s, others {others:.2f} cores",
            file=sys.stderr,
        )
        timings.append(Timing(steps, seconds, max(rss for _, _, rss in reported), others))
    fastest = min(timings, key=lambda timing: timing.seconds)
    return replace(fastest, other_cores=max(timing.other_cores for timing in timings))


# -- the report ----------------------------------------------------------------------------


def tokens_per_step(project: Path) -> int:
    opened = Project.open(project)
    try:
        config = opened.config
        return opened.corpus.batcher("train", config.batch_size, config.seq_len, config.seed).next_batch().tokens
    finally:
        opened.close()


def table(rows: dict[str, Timing], tokens: int) -> list[str]:
    """Rows named "LOOP K×T": processes K, threads T each."""
    rate = {name: tokens * timing.steps / timing.seconds for name, timing in rows.items()}
    lines = [
        "| loop | processes × threads | tokens/s | speed-up over 1 process | scaling efficiency "
        "| workbench / bare | engine's own meter (tokens/s) | peak RSS per process (MB) | others (cores) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, timing in rows.items():
        loop, shape = name.split(" ")
        processes = int(shape.split("×")[0])
        single = rate[f"{loop.split('/')[0]} 1×1"]
        speedup = rate[name] / single
        efficiency = f"{speedup / processes:.2f}" if "×1" in shape and "/" not in loop else "—"
        bare = f"**{rate[name] / rate[f'bare {processes}×1']:.3f}**" if loop == "engine" and "×1" in shape else "—"
        meter = f"{timing.meter_tokens_per_s:,.0f}" if timing.meter_tokens_per_s else "—"
        lines.append(
            f"| {loop} | {shape} | {rate[name]:,.0f} | {speedup:.2f}× | {efficiency} | {bare} | {meter} "
            f"| {timing.peak_rss_mb:,.0f} | {timing.other_cores:.2f} |"
        )
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=60, help="steady-state steps timed per loop")
    parser.add_argument("--batch", type=int, default=32, help="global batch size (rows)")
    parser.add_argument("--seq-len", type=int, default=100)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2, help="launches of each loop, the fastest kept")
    parser.add_argument("--processes", type=int, default=2, help="processes of the data-parallel runs")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, few steps: a smoke check (figures are noise)")
    args = parser.parse_args(argv)
    if args.quick:
        args.steps, args.batch, args.seq_len, args.hidden, args.layers, args.repeats = 3, 4, 20, 32, 1, 1
    if args.batch % args.processes:
        parser.error(f"--batch {args.batch} does not split over {args.processes} processes")
    started, load_before = time.perf_counter(), load_average()
    k = args.processes
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        project = make_project(folder, args)
        tokens = tokens_per_step(project)
        rows = {
            "bare 1×1": bare_timing(project, args.steps, 1, args.repeats),
            f"bare {k}×1": bare_timing(project, args.steps, k, args.repeats),
            f"bare/{k}-batch 1×1": bare_timing(project, args.steps, 1, args.repeats, k),
            f"bare/no-exchange {k}×1": bare_timing(project, args.steps, k, args.repeats, exchange=False),
            "engine 1×1": engine_timing(project, folder, args.steps, 1, 1, args.repeats),
            f"engine {k}×1": engine_timing(project, folder, args.steps, k, 1, args.repeats),
            f"engine 1×{k}": engine_timing(project, folder, args.steps, 1, k, args.repeats),
        }
    command = " ".join(["python benchmarks/bench_distributed.py", *(argv if argv is not None else sys.argv[1:])])
    print(f"Command: `{command}` ({(time.perf_counter() - started) / 60:.1f} min)\n")
    print(f"Machine: {describe_machine()}; load average before {load_before}, after {load_average()}.\n")
    print(
        f"Model: {DEMO} demo, {args.layers} × LSTM {args.hidden}, global batch {args.batch} × {args.seq_len} "
        f"({tokens:,} tokens a step); {args.steps} steady-state steps timed per loop.\n"
    )
    print("\n".join(table(rows, tokens)))
    print(
        f"\n`bare/{k}-batch 1×1`: one process training 1/{k} of each global batch (the rows one rank of "
        f"{k} trains), its steps counted as whole global batches: the rate {k} ranks would reach if "
        "they slowed each other down in nothing and exchanged gradients for free. `bare/no-exchange`: "
        f"{k} processes training their rows at once, each its own copy of the model, no gradients exchanged."
    )


if __name__ == "__main__":
    main()

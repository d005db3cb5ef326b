"""Where the engine trainer's time goes beyond a bare loop's, and what a busy neighbour costs.

Two experiments behind the reading of ``bench_trainer.py`` in docs/benchmarks.md:

1. Engine variants against the bare loop, in short alternating turns: the engine as it is, with
   the per-layer gradient norms of its metrics reports off, and with ``model.train()`` called
   after every step as the trainer did until it moved the call out of the step. What a variant
   gains or loses is what that piece costs.
2. The bare loop's step time with one and with two torch threads while another process keeps
   part of one core busy: what happens to the engine's thread choice (every core) when anything
   else, the user interface included, wants CPU.

    python benchmarks/trainer_overhead.py [--demo names] [--groups 20]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from dataclasses import replace

import torch
from bench_trainer import BareLoop, make_trainer
from machine import describe_machine, timed, wait_for_quiet

from workbench.engine.data import DEMOS
from workbench.engine.training.callbacks import Callback
from workbench.engine.training.trainer import Trainer

TURNS = 10  # turns of each loop per group; a group's figure is the ratio of their sums
BUSY_LOOP = """
import sys, time
duty = float(sys.argv[1])  # the share of every 10 ms this process spends spinning
while True:
    start = time.perf_counter()
    while time.perf_counter() - start < 0.01 * duty:
        pass
    if duty < 1:
        time.sleep(0.01 * (1 - duty))
"""


class TrainModeEveryStep(Callback):
    """The per-step ``model.train()`` the trainer used to make, put back as a callback."""

    def on_step_end(self, trainer: Trainer) -> None:
        trainer.model.train()


def engine_variant(demo: str, keep_grad_norms: bool, train_every_step: bool = False) -> Trainer:
    trainer = make_trainer(demo)
    if train_every_step:
        trainer.callbacks.append(TrainModeEveryStep())
    if not keep_grad_norms:
        # The first step of a run still reports; later ones never come due.
        trainer.config = replace(trainer.config, metrics_interval_s=1e9)
    return trainer


def compare_variants(demo: str, groups: int) -> list[str]:
    """Engine/bare ratios of each variant, over ``groups`` groups of alternating turns."""
    bare = BareLoop(make_trainer(demo))
    loops = {"bare loop": (bare.run, bare.batches)}
    for title, grad_norms, train_every_step in [
        ("engine as it is", True, False),
        ("engine, no per-layer gradient norms", False, False),
        ("engine, model.train() every step (as before)", True, True),
    ]:
        trainer = engine_variant(demo, grad_norms, train_every_step)
        loops[title] = (trainer.run, trainer.train_batches)
    for run, _ in loops.values():
        run(10)  # warm up
    chunk = max(1, round(0.15 / (timed(bare.run, 10) / 10)))
    ratios = {title: [] for title in loops}
    for group in range(groups):
        wait_for_quiet(30.0)
        seconds = alternate(loops, chunk, group)
        for title in loops:
            ratios[title].append(seconds["bare loop"] / seconds[title])
    rows = [f"| {title} | {statistics.median(r):.3f} | {iqr(r)} |" for title, r in ratios.items()]
    header = [
        f"{demo}: {groups} groups of {TURNS} turns of {chunk} steps per loop",
        "",
        "| loop | engine / bare (median) | middle half |",
        "|---|---:|---:|",
    ]
    return header + rows[1:]


def alternate(loops: dict, chunk: int, group: int) -> dict[str, float]:
    """TURNS turns of every loop on the same batches, the order rotating; seconds per loop."""
    titles, (_, first_batches) = list(loops), loops["bare loop"]
    seconds = dict.fromkeys(titles, 0.0)
    for turn in range(TURNS):
        position = first_batches.state()
        shift = (group + turn) % len(titles)
        for title in titles[shift:] + titles[:shift]:
            run, batches = loops[title]
            batches.restore(position)
            seconds[title] += timed(run, chunk)
    return seconds


def iqr(values: list[float]) -> str:
    low, _, high = statistics.quantiles(values, n=4, method="inclusive")
    return f"{low:.3f}–{high:.3f}"


def step_ms(bare: BareLoop, steps: int, repeats: int = 5) -> float:
    """Median milliseconds per step over ``repeats`` stretches of ``steps`` steps."""
    return statistics.median(timed(bare.run, steps) / steps * 1e3 for _ in range(repeats))


def compare_threads(demo: str) -> list[str]:
    """Step time with 1 and 2 threads beside a process spinning 0%, 30% and 100% of a core."""
    bare = BareLoop(make_trainer(demo))
    bare.run(10)  # warm up
    steps = max(5, round(1.0 / (timed(bare.run, 5) / 5)))
    rows = [
        f"{demo}: median ms per step over 5 stretches of {steps} steps",
        "",
        "| other process | 2 threads (ms) | 1 thread (ms) |",
        "|---|---:|---:|",
    ]
    for duty in (0.0, 0.3, 1.0):
        wait_for_quiet(30.0)
        neighbour = subprocess.Popen([sys.executable, "-c", BUSY_LOOP, str(duty)]) if duty else None
        time.sleep(0.2)
        timings = []
        for threads in (2, 1):
            torch.set_num_threads(threads)
            bare.run(2)
            timings.append(step_ms(bare, steps))
        if neighbour is not None:
            neighbour.terminate()
            neighbour.wait()
        rows.append(
            f"| {'none' if not duty else f'spinning {duty:.0%} of a core'} | {timings[0]:.1f} | {timings[1]:.1f} |"
        )
    torch.set_num_threads(2)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demo", choices=list(DEMOS), default="names", help="demo of experiment 1")
    parser.add_argument("--groups", type=int, default=20, help="groups of turns in experiment 1")
    args = parser.parse_args(argv)
    sections = [compare_variants(args.demo, args.groups)]
    sections += [compare_threads(demo) for demo in ("names", "python-code")]
    command = " ".join(["python benchmarks/trainer_overhead.py", *sys.argv[1:]])
    print(f"Command: `{command}`\n\nMachine: {describe_machine()}\n")
    print("\n\n".join("\n".join(section) for section in sections))


if __name__ == "__main__":
    main()

"""The engine trainer's training throughput against a hand-written PyTorch loop.

Both loops train the same architecture with identical starting weights, on the same batches,
in the same process and so with the same torch threads; they take turns in every round (the
order rotating), so drift in the machine's speed (thermal, other processes, allocator state)
falls on both. The figure is the ratio engine / bare of tokens per second, as a median over
rounds with its range: a ratio measured side by side says far more than two absolute numbers
taken minutes apart.

Three engine configurations are compared with the bare loop:

1. probes, validation and samples off;
2. probes at the default interval (``TrainConfig.probe_every``), validation and samples off;
3. every default on (probes, validation, samples).

Configuration 2 is timed directly when a window holds whole probe intervals. When one interval
is longer than a window, the window is placed so that exactly one probe falls inside it, and
the measured cost of that probe (window with it minus window without) is spread over the
interval. Configuration 3 adds the timed validation and sample calls, spread over theirs.

    python benchmarks/bench_trainer.py [--demo python-code names] [--seconds 10] [--rounds 5]
"""

from __future__ import annotations

import argparse
import copy
import math
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass, replace

import numpy as np
import torch
from torch.nn import functional as F

from workbench.engine.builder import build_model
from workbench.engine.config import TrainConfig
from workbench.engine.data import DEMOS, IGNORE_INDEX, load_demo
from workbench.engine.probes import trace_stack
from workbench.engine.project import Project
from workbench.engine.sampling import SamplingOptions
from workbench.engine.spec import RecurrentSpec
from workbench.engine.templates import from_template, language_model_task
from workbench.engine.trainer import Trainer

EMBEDDING_DIM = 64
DEFAULTS = TrainConfig()  # the default probe, validation and sample intervals
WARMUP_S = 3.0  # seconds of training for each loop before anything is timed
SAME_JOB_STEPS = 3  # steps both loops take from identical weights to show they do one job


class BareLoop:
    """What a competent person writes by hand for this job, on the trainer's model and data.

    Adam at the same learning rate, gradient norm clipped at the same value, the hidden state
    carried across contiguous batches and detached (truncated BPTT), the loss logged each step.
    """

    def __init__(self, trainer: Trainer) -> None:
        config = trainer.config
        self.model = build_model(trainer.model.spec)
        self.model.load_state_dict(trainer.model.state_dict())
        self.model.train()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.learning_rate)
        self.clip = config.grad_clip
        self.batches = trainer.corpus.batcher("train", config.batch_size, config.seq_len, config.seed)
        self.hidden = None
        self.losses: list[float] = []

    def run(self, steps: int) -> int:
        """Train ``steps`` steps; return the number of target tokens trained on."""
        tokens = 0
        for _ in range(steps):
            batch = self.batches.next_batch()
            inputs, targets = torch.from_numpy(batch.inputs), torch.from_numpy(batch.targets)
            logits, state = self.model(inputs, self.hidden if batch.continues else None)
            loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=IGNORE_INDEX)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.clip)
            self.optimizer.step()
            self.hidden = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
            self.losses.append(loss.item())
            tokens += batch.tokens
        return tokens


@dataclass(frozen=True)
class Round:
    """One round's timings; every window trains the same ``steps`` batches."""

    steps: int
    tokens: int
    bare_s: float
    engine_off_s: float
    engine_probes_s: float  # the same window with probes on
    probes_in_window: int
    probe_call_s: float  # one trainer.probe(), timed alone
    validate_call_s: float
    sample_call_s: float

    @property
    def engine_step_s(self) -> float:
        return self.engine_off_s / self.steps

    @property
    def probe_excess_s(self) -> float:
        """What one probe added to its window."""
        return (self.engine_probes_s - self.engine_off_s) / self.probes_in_window

    def step_s(self, configuration: int) -> float:
        """Mean seconds per step of the engine in ``configuration`` (1, 2 or 3)."""
        seconds = self.engine_step_s
        if configuration >= 2:
            seconds += self.probe_excess_s / DEFAULTS.probe_every
        if configuration >= 3:
            seconds += self.validate_call_s / DEFAULTS.val_every + self.sample_call_s / DEFAULTS.sample_every
        return seconds

    def ratio(self, configuration: int) -> float:
        return (self.bare_s / self.steps) / self.step_s(configuration)


def make_trainer(demo: str) -> Trainer:
    """The demo's suggested model and batch shape, probes, validation and samples off."""
    settings, corpus = DEMOS[demo], load_demo(demo)
    stack = RecurrentSpec("lstm", settings.hidden_size, settings.num_layers)
    spec = from_template("stacked", language_model_task(len(corpus.vocab), EMBEDDING_DIM), stack)
    config = TrainConfig(
        batch_size=settings.batch_size, seq_len=settings.seq_len, device="cpu",
        probe_every=0, val_every=0, sample_every=0,
    )
    return Project.create(spec, corpus, config).trainer()


def timed(work, *args) -> float:
    start = time.perf_counter()
    work(*args)
    return time.perf_counter() - start


def same_job_difference(trainer: Trainer, bare: BareLoop) -> float:
    """Largest loss difference over the first steps of both loops, from the same weights."""
    trainer.run(SAME_JOB_STEPS)
    bare.run(SAME_JOB_STEPS)
    engine_losses = trainer.history.losses[-SAME_JOB_STEPS:]
    return max(abs(a - b) for a, b in zip(engine_losses, bare.losses[-SAME_JOB_STEPS:]))


def warm_up(trainer: Trainer, bare: BareLoop) -> float:
    """Train both loops for about WARMUP_S seconds; return the engine's seconds per step."""
    steps = max(3, math.ceil(WARMUP_S / timed(trainer.run, 3) * 3))
    seconds = timed(trainer.run, steps)
    bare.run(steps)
    trainer.probe()
    trainer.validate()
    trainer.sample(sample_options())
    return seconds / steps


def sample_options() -> SamplingOptions:
    return SamplingOptions(length=DEFAULTS.sample_length, temperature=DEFAULTS.sample_temperature)


def window_steps(step_s: float, seconds: float) -> int:
    """Steps per timed window: about ``seconds`` long, whole probe intervals when that long."""
    steps = max(5, round(seconds / step_s))
    interval = DEFAULTS.probe_every
    return steps if steps < interval else round(steps / interval) * interval


def engine_window(trainer: Trainer, position: dict, steps: int, probes: bool) -> float:
    """Time ``steps`` engine steps from batch ``position``; with probes, place them inside."""
    interval = DEFAULTS.probe_every if probes else 0
    trainer.config = replace(trainer.config, probe_every=interval)
    trainer.train_batches.restore(position)
    if probes and steps < interval:  # exactly one probe, near the middle of the window
        trainer.step = (trainer.step // interval + 2) * interval - steps // 2
    return timed(trainer.run, steps)


def measure_round(trainer: Trainer, bare: BareLoop, steps: int, index: int) -> Round:
    """Bare, engine without and engine with probes, in an order rotated by ``index``."""
    position = trainer.train_batches.state()
    tokens = 0

    def bare_window() -> float:
        nonlocal tokens
        bare.batches.restore(position)
        start = time.perf_counter()
        tokens = bare.run(steps)
        return time.perf_counter() - start

    windows = {
        "bare": bare_window,
        "off": lambda: engine_window(trainer, position, steps, probes=False),
        "probes": lambda: engine_window(trainer, position, steps, probes=True),
    }
    names = list(windows)
    order = names[index % 3:] + names[:index % 3]
    seconds = {name: windows[name]() for name in order}
    return Round(
        steps=steps, tokens=tokens, bare_s=seconds["bare"], engine_off_s=seconds["off"],
        engine_probes_s=seconds["probes"], probes_in_window=max(1, steps // DEFAULTS.probe_every),
        probe_call_s=timed(trainer.probe), validate_call_s=timed(trainer.validate),
        sample_call_s=timed(trainer.sample, sample_options()),
    )


def probe_differences(trainer: Trainer) -> dict[str, float]:
    """How far a probe is from the fused module on the probe text, and why any gap is rounding.

    Hidden states (what the trainer emits and the top layer's output) are compared absolutely.
    The cell state grows to tens, so float32 rounding alone moves it by ~1e-5; it is compared
    with a float64 run of the fused module, which both float32 paths should miss equally.
    """
    model, config = trainer.model, trainer.config
    ids = trainer.corpus.probe_tokens(config.probe_length + 1)
    inputs = torch.from_numpy(np.asarray(ids[:-1], dtype=np.int64))[None]  # (1, T)
    emitted = torch.from_numpy(trainer.probe().layers[-1].hidden)  # (T, H) top layer
    reference = copy.deepcopy(model.encoder).double()
    model.eval()
    with torch.no_grad():
        embedded = model.inputs(inputs)
        fused, (h_fused, c_fused) = model.encoder(embedded)
        traced, (h_traced, c_traced), _ = trace_stack(model.encoder, embedded)
        _, (_, c_exact) = reference(embedded.double())
    model.train()

    def gap(a, b) -> float:
        return float((a.double() - b.double()).abs().max())

    return {
        "hidden": max(gap(fused[0], emitted), gap(fused, traced), gap(h_fused, h_traced)),
        "cell": gap(c_fused, c_traced),
        "cell_size": float(c_fused.abs().max()),
        "cell_fused_vs_float64": gap(c_fused, c_exact),
        "cell_probe_vs_float64": gap(c_traced, c_exact),
    }


@dataclass
class DemoResult:
    demo: str
    rounds: list[Round]
    same_job: float
    probe_gaps: dict[str, float]
    threads: int


def run_demo(demo: str, seconds: float, rounds: int) -> DemoResult:
    trainer = make_trainer(demo)
    bare = BareLoop(trainer)
    threads = torch.get_num_threads()
    same_job = same_job_difference(trainer, bare)
    steps = window_steps(warm_up(trainer, bare), seconds)
    measured = []
    for index in range(rounds):
        measured.append(measure_round(trainer, bare, steps, index))
        print(f"  {demo} round {index + 1}/{rounds}: {measured[-1].ratio(1):.3f}", file=sys.stderr)
    return DemoResult(demo, measured, same_job, probe_differences(trainer), threads)


# -- the report ----------------------------------------------------------------------------

CONFIGURATIONS = {
    1: "engine, probes/validation/samples off",
    2: f"engine, probes every {DEFAULTS.probe_every} steps",
    3: "engine, all defaults on",
}


def spread(values: list[float]) -> str:
    return f"{min(values):.3f}–{max(values):.3f}"


def throughput_rows(result: DemoResult) -> list[str]:
    rounds, median = result.rounds, statistics.median
    tokens_per_step = rounds[0].tokens / rounds[0].steps
    bare = median(r.tokens / r.bare_s for r in rounds)
    rows = [f"| {result.demo} | bare PyTorch loop | {bare:,.0f} | 1.000 | — |"]
    for configuration, title in CONFIGURATIONS.items():
        engine = median(tokens_per_step / r.step_s(configuration) for r in rounds)
        ratios = [r.ratio(configuration) for r in rounds]
        rows.append(f"| {result.demo} | {title} | {engine:,.0f} | {median(ratios):.3f} | {spread(ratios)} |")
    return rows


def cost_row(result: DemoResult) -> str:
    rounds, median = result.rounds, statistics.median
    step = median(r.engine_step_s for r in rounds)
    probe = median(r.probe_call_s for r in rounds)
    excess = median(r.probe_excess_s for r in rounds)
    validate = median(r.validate_call_s for r in rounds)
    sample = median(r.sample_call_s for r in rounds)
    return (
        f"| {result.demo} | {step * 1e3:.1f} | {probe * 1e3:.1f} | {probe / step:.2f} | "
        f"{excess / step:.2f} | {validate * 1e3:.0f} | {sample * 1e3:.0f} |"
    )


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


def demo_notes(result: DemoResult) -> list[str]:
    first, gaps = result.rounds[0], result.probe_gaps
    how = "timed directly" if first.steps >= DEFAULTS.probe_every else "one per window, its cost spread over the interval"
    return [
        f"- {result.demo}: {len(result.rounds)} rounds of {first.steps}-step windows ({first.tokens:,} "
        f"tokens each); probes {how}.",
        f"  Same job: the first {SAME_JOB_STEPS} losses of engine and bare loop from the same weights "
        f"differ by at most {result.same_job:.1e}.",
        f"  Probe vs fused module: hidden states max |Δ| {gaps['hidden']:.1e}; cell state max |Δ| "
        f"{gaps['cell']:.1e} at |c| up to {gaps['cell_size']:.1f} (against float64: fused "
        f"{gaps['cell_fused_vs_float64']:.1e}, probe {gaps['cell_probe_vs_float64']:.1e}).",
    ]


def report(results: list[DemoResult], args: argparse.Namespace, load_before: str) -> str:
    command = " ".join(["python benchmarks/bench_trainer.py", *sys.argv[1:]])
    lines = [
        f"Command: `{command}`", "",
        f"Machine: {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {cpu_model()}; "
        f"torch {torch.__version__}, Python {platform.python_version()}; "
        f"OMP_NUM_THREADS {os.environ.get('OMP_NUM_THREADS') or 'unset'}, "
        f"torch threads {', '.join(f'{r.demo} {r.threads}' for r in results)}; "
        f"load average before {load_before}, after {load_average()}.", "",
        "| demo | loop | tokens/s (median) | engine / bare (median) | range over rounds |",
        "|---|---|---:|---:|---:|",
    ]
    for result in results:
        lines += throughput_rows(result)
    lines += [
        "", "| demo | engine step (ms) | probe call (ms) | probe call / step | "
        "probe's cost in its window / step | validation (ms) | sample (ms) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [cost_row(result) for result in results]
    lines.append("")
    lines += [note for result in results for note in demo_notes(result)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demo", nargs="+", choices=list(DEMOS), default=["python-code", "names"])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each timed window")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of bare, engine, engine+probes")
    args = parser.parse_args(argv)
    if os.environ.get("OMP_NUM_THREADS"):
        print("note: OMP_NUM_THREADS is set, so the engine does not choose the threads", file=sys.stderr)
    load_before = load_average()
    results = [run_demo(demo, args.seconds, args.rounds) for demo in args.demo]
    print(report(results, args, load_before))


if __name__ == "__main__":
    main()

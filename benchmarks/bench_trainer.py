"""The engine trainer's training throughput against a hand-written PyTorch loop.

Both loops train the same architecture from identical weights, on the same batches, in the same
process and so with the same torch threads. In each round the bare loop, the engine with probes
off and the engine with probes on take ALTERNATIONS short turns each (a fraction of a second,
the order rotating), and the round's figure is the ratio engine / bare of tokens per second over
its turns; the table gives the median over rounds. Turns this short put the loops side by side
in whatever the machine is doing (host load, clock speed), which two figures taken minutes, or
even seconds, apart would not: on the shared machine this was written on, one-and-a-half-second
windows of the same loop differ by ±5%, fifth-of-a-second turns by ±1%.

Three engine configurations are compared with the bare loop:

1. probes, validation and samples off;
2. probes at the default interval (``TrainConfig.probe_every``), validation and samples off;
3. every default on (probes, validation, samples).

Configuration 2 is timed directly when a round holds whole probe intervals. When one interval is
longer than a round, the round is placed so that exactly one probe falls inside it, and what
that probe added to the round is spread over the interval. Configuration 3 adds the validation
and sample calls, timed alone, each spread over its interval.

The script watches /proc/stat while it times: a round in which other processes used more than
MAX_OTHER_CORES is left out and repeated, since two threads on two cores run many times slower
while anything else wants a core, and such a round measures the neighbour, not the loops.

    python benchmarks/bench_trainer.py [--demo python-code names] [--seconds 40] [--rounds 20]
"""

from __future__ import annotations

import argparse
import copy
import math
import os
import statistics
import sys
import time
from dataclasses import dataclass, replace

import numpy as np
import torch
from machine import MAX_OTHER_CORES, describe_machine, load_average, timed, wait_for_quiet, watched
from torch.nn import functional as F

from workbench.engine.data import DEMOS, IGNORE_INDEX, load_demo
from workbench.engine.data.base import language_model_task
from workbench.engine.inference.sampling_options import SamplingOptions
from workbench.engine.inside.probes import trace_stack
from workbench.engine.model.builder import build_model
from workbench.engine.model.templates import from_template
from workbench.engine.project.project import Project
from workbench.engine.spec import RecurrentSpec
from workbench.engine.training.config import TrainConfig
from workbench.engine.training.trainer import Trainer

EMBEDDING_DIM = 64
DEFAULTS = TrainConfig()  # the default probe, validation and sample intervals
WARMUP_S = 3.0  # seconds of training for each loop before anything is timed
SAME_JOB_STEPS = 3  # steps both loops take from identical weights to show they do one job
CALL_REPEATS = 5  # probe, validation and sample calls timed alone, the median kept
ALTERNATIONS = 10  # turns each loop takes per round; must divide TrainConfig.probe_every
MAX_WAIT_S = 120.0  # most seconds per demo spent waiting for other processes to finish


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
class Calls:
    """Seconds of one call of each kind the trainer makes between steps, timed alone."""

    probe_s: float
    validate_s: float
    sample_s: float


@dataclass(frozen=True)
class Round:
    """Seconds each loop spent on the same ``steps`` batches, taken in alternating turns."""

    steps: int
    tokens: int
    bare_s: float
    engine_off_s: float
    engine_probes_s: float  # the engine with probes on
    probes_in_window: int
    other_cores: float  # the most CPU other processes took during one of its windows, in cores

    @property
    def engine_step_s(self) -> float:
        return self.engine_off_s / self.steps

    @property
    def probe_excess_s(self) -> float:
        """What one probe added to its window."""
        return (self.engine_probes_s - self.engine_off_s) / self.probes_in_window

    def step_s(self, configuration: int, calls: Calls) -> float:
        """Mean seconds per step of the engine in ``configuration`` (1, 2 or 3)."""
        seconds = self.engine_step_s
        if configuration >= 2:
            seconds += self.probe_excess_s / DEFAULTS.probe_every
        if configuration >= 3:
            seconds += calls.validate_s / DEFAULTS.val_every + calls.sample_s / DEFAULTS.sample_every
        return seconds

    def ratio(self, configuration: int, calls: Calls) -> float:
        """Engine tokens/s over bare tokens/s."""
        return (self.bare_s / self.steps) / self.step_s(configuration, calls)


def make_trainer(demo: str) -> Trainer:
    """The demo's suggested model and batch shape, probes, validation and samples off."""
    settings, corpus = DEMOS[demo], load_demo(demo)
    stack = RecurrentSpec("lstm", settings.hidden_size, settings.num_layers)
    spec = from_template("stacked", language_model_task(len(corpus.vocab), EMBEDDING_DIM), stack)
    config = TrainConfig(
        batch_size=settings.batch_size,
        seq_len=settings.seq_len,
        device="cpu",
        probe_every=0,
        val_every=0,
        sample_every=0,
    )
    return Project.create(spec, corpus, config).trainer()


def sample_options() -> SamplingOptions:
    return SamplingOptions(length=DEFAULTS.sample_length, temperature=DEFAULTS.sample_temperature)


def same_job_difference(trainer: Trainer, bare: BareLoop) -> float:
    """Largest loss difference over the first steps of both loops, from the same weights."""
    trainer.run(SAME_JOB_STEPS)
    bare.run(SAME_JOB_STEPS)
    engine_losses = trainer.history.losses[-SAME_JOB_STEPS:]
    return max(abs(a - b) for a, b in zip(engine_losses, bare.losses[-SAME_JOB_STEPS:]))


def warm_up(trainer: Trainer, bare: BareLoop) -> float:
    """Train both loops for about WARMUP_S seconds each; return the engine's seconds per step.

    The step time is the best of several short stretches, so that a neighbour who ran during
    one of them does not shrink the windows.
    """
    steps = max(1, math.ceil(0.5 / timed(trainer.run, 3) * 3))  # about half a second
    stretches = max(2, math.ceil(WARMUP_S / 0.5))
    step_s = min(timed(trainer.run, steps) for _ in range(stretches)) / steps
    bare.run(steps * stretches)
    time_calls(trainer, repeats=1)  # first calls allocate and build what later calls reuse
    return step_s


def time_calls(trainer: Trainer, repeats: int = CALL_REPEATS) -> Calls:
    median = statistics.median
    return Calls(
        probe_s=median(timed(trainer.probe) for _ in range(repeats)),
        validate_s=median(timed(trainer.validate) for _ in range(repeats)),
        sample_s=median(timed(trainer.sample, sample_options()) for _ in range(repeats)),
    )


def chunk_steps(step_s: float, chunk_s: float) -> int:
    """Steps per turn, about ``chunk_s`` long; when a round holds a probe interval or more,
    a multiple of interval / ALTERNATIONS, so that it holds whole intervals."""
    steps = max(1, round(chunk_s / step_s))
    unit = DEFAULTS.probe_every // ALTERNATIONS
    return steps if steps * ALTERNATIONS < DEFAULTS.probe_every else max(1, round(steps / unit)) * unit


class Turns:
    """Turns of ``chunk`` steps for each loop, all on the batches of one position.

    The engine with probes keeps its own step count (the trainer's is set around each of its
    turns), placed so that a round holds whole probe intervals or else one probe mid-round.
    """

    def __init__(self, trainer: Trainer, bare: BareLoop, chunk: int) -> None:
        self.trainer, self.bare, self.chunk = trainer, bare, chunk
        self.tokens = 0
        interval, steps = DEFAULTS.probe_every, chunk * ALTERNATIONS
        self.probe_step = (trainer.step // interval + 2) * interval - steps // 2

    def take(self, loop: str, position: dict) -> None:
        if loop == "bare":
            self.bare.batches.restore(position)
            self.tokens += self.bare.run(self.chunk)
            return
        trainer, probes = self.trainer, loop == "probes"
        trainer.train_batches.restore(position)
        trainer.config = replace(trainer.config, probe_every=DEFAULTS.probe_every if probes else 0)
        if not probes:
            trainer.run(self.chunk)
            return
        own_step, trainer.step = trainer.step, self.probe_step
        trainer.run(self.chunk)
        self.probe_step, trainer.step = trainer.step, own_step


def measure_round(trainer: Trainer, bare: BareLoop, chunk: int, index: int) -> Round:
    """ALTERNATIONS turns of bare, engine without and engine with probes, the order rotating."""
    turns, loops = Turns(trainer, bare, chunk), ("bare", "off", "probes")
    seconds = dict.fromkeys(loops, 0.0)

    def alternate() -> None:
        for turn in range(ALTERNATIONS):
            position = trainer.train_batches.state()
            shift = (index + turn) % len(loops)
            for loop in loops[shift:] + loops[:shift]:
                seconds[loop] += timed(turns.take, loop, position)

    _, other_cores, _ = watched(alternate)
    steps = chunk * ALTERNATIONS
    return Round(
        steps=steps,
        tokens=turns.tokens,
        bare_s=seconds["bare"],
        engine_off_s=seconds["off"],
        engine_probes_s=seconds["probes"],
        probes_in_window=max(1, steps // DEFAULTS.probe_every),
        other_cores=other_cores,
    )


def probe_differences(trainer: Trainer) -> dict[str, float]:
    """How far a probe is from the fused module on the probe text, and why any gap is rounding.

    Hidden states (what the trainer emits, the top layer's output, every final h) and cell
    states (each layer's last, as the probe rebuilds them from its gates) are compared
    absolutely, and with a float64 run of the fused module: where the gap comes from float32
    rounding, both float32 paths miss the float64 run by about as much.
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
        traced, (h_traced, _), traces = trace_stack(model.encoder, embedded)
        c_traced = torch.stack([trace.cell_state[:, -1] for trace in traces])  # (L, 1, H)
        exact, (_, c_exact) = reference(embedded.double())
    model.train()

    def gap(a, b) -> float:
        return float((a.double() - b.double()).abs().max())

    return {
        "hidden": max(gap(fused[0], emitted), gap(fused, traced), gap(h_fused, h_traced)),
        "hidden_fused_vs_float64": gap(fused, exact),
        "hidden_probe_vs_float64": gap(traced, exact),
        "cell": gap(c_fused, c_traced),
        "cell_size": float(c_fused.abs().max()),
        "cell_fused_vs_float64": gap(c_fused, c_exact),
        "cell_probe_vs_float64": gap(c_traced, c_exact),
    }


@dataclass
class DemoResult:
    demo: str
    rounds: list[Round]  # the undisturbed ones, or every one when none was
    disturbed: int  # rounds left out because other processes ran
    calls: Calls
    same_job: float
    probe_gaps: dict[str, float]


def measure_rounds(trainer: Trainer, bare: BareLoop, chunk: int, rounds: int) -> tuple[list[Round], int]:
    """``rounds`` undisturbed rounds, repeating disturbed ones at most ``rounds // 2`` times.

    Each round waits (at most MAX_WAIT_S per demo in all) until other processes are idle.
    """
    clean: list[Round] = []
    disturbed: list[Round] = []
    waited = 0.0
    while len(clean) < rounds and len(disturbed) <= rounds // 2:
        waited += wait_for_quiet(MAX_WAIT_S - waited)
        measured = measure_round(trainer, bare, chunk, len(clean) + len(disturbed))
        (clean if measured.other_cores <= MAX_OTHER_CORES else disturbed).append(measured)
        print(
            f"  {trainer.corpus.source} round {len(clean) + len(disturbed)}: bare/engine time "
            f"{measured.bare_s / measured.engine_off_s:.3f}, other processes {measured.other_cores:.2f} "
            f"cores, waited {waited:.0f} s so far",
            file=sys.stderr,
        )
    return clean or disturbed, len(disturbed)


def run_demo(demo: str, seconds: float, rounds: int) -> DemoResult:
    trainer = make_trainer(demo)
    bare = BareLoop(trainer)
    same_job = same_job_difference(trainer, bare)
    chunk = chunk_steps(warm_up(trainer, bare), seconds / rounds / ALTERNATIONS)
    measured, disturbed = measure_rounds(trainer, bare, chunk, rounds)
    calls = time_calls(trainer)
    return DemoResult(demo, measured, disturbed, calls, same_job, probe_differences(trainer))


# -- the report ----------------------------------------------------------------------------

CONFIGURATIONS = {
    1: "engine, probes/validation/samples off",
    2: f"engine, probes every {DEFAULTS.probe_every} steps",
    3: "engine, all defaults on",
}


def quartiles(values: list[float]) -> str:
    if len(values) < 2:
        return "—"
    low, _, high = statistics.quantiles(values, n=4, method="inclusive")
    return f"{low:.3f}–{high:.3f}"


def throughput_rows(result: DemoResult) -> list[str]:
    rounds, calls, median = result.rounds, result.calls, statistics.median
    tokens_per_step = rounds[0].tokens / rounds[0].steps
    bare = median(r.tokens / r.bare_s for r in rounds)
    rows = [f"| {result.demo} | bare PyTorch loop | {bare:,.0f} | 1 | — | — |"]
    for configuration, title in CONFIGURATIONS.items():
        engine = median(tokens_per_step / r.step_s(configuration, calls) for r in rounds)
        ratios = [r.ratio(configuration, calls) for r in rounds]
        rows.append(
            f"| {result.demo} | {title} | {engine:,.0f} | **{median(ratios):.3f}** | "
            f"{quartiles(ratios)} | {min(ratios):.3f}–{max(ratios):.3f} |"
        )
    return rows


def cost_row(result: DemoResult) -> str:
    calls, median = result.calls, statistics.median
    step = median(r.engine_step_s for r in result.rounds)
    excess = median(r.probe_excess_s for r in result.rounds)
    return (
        f"| {result.demo} | {step * 1e3:.1f} | {calls.probe_s * 1e3:.1f} | {calls.probe_s / step:.2f} | "
        f"{excess / step:.2f} | {calls.validate_s * 1e3:.0f} | {calls.sample_s * 1e3:.0f} |"
    )


def best_window_ratio(result: DemoResult) -> float:
    """Fastest bare round over fastest engine round: noise only ever adds time."""
    return min(r.bare_s for r in result.rounds) / min(r.engine_off_s for r in result.rounds)


def demo_notes(result: DemoResult) -> list[str]:
    first, gaps = result.rounds[0], result.probe_gaps
    spread = "one per round, its cost spread over the interval"
    how = "timed directly" if first.steps >= DEFAULTS.probe_every else spread
    others = max(r.other_cores for r in result.rounds)
    left_out = f"{result.disturbed} disturbed round(s) left out" if result.disturbed else "none disturbed"
    if others > MAX_OTHER_CORES:
        left_out = "EVERY round disturbed by other processes: do not trust these figures"
    return [
        f"- {result.demo}: {len(result.rounds)} rounds, each {first.steps} steps ({first.tokens:,} tokens) "
        f"per loop in {ALTERNATIONS} turns of {first.steps // ALTERNATIONS}; probes {how}; other "
        f"processes took at most {others:.2f} cores in a reported round ({left_out}). Fastest engine "
        f"round (probes off) against fastest bare round: {best_window_ratio(result):.3f}.",
        f"  Same job: the first {SAME_JOB_STEPS} losses of engine and bare loop from the same weights "
        f"differ by at most {result.same_job:.1e}.",
        f"  Probe vs fused module: hidden states max |Δ| {gaps['hidden']:.1e} (against float64: fused "
        f"{gaps['hidden_fused_vs_float64']:.1e}, probe {gaps['hidden_probe_vs_float64']:.1e}); cell state max |Δ| "
        f"{gaps['cell']:.1e} at |c| up to {gaps['cell_size']:.1f} (against float64: fused "
        f"{gaps['cell_fused_vs_float64']:.1e}, probe {gaps['cell_probe_vs_float64']:.1e}).",
    ]


def report(results: list[DemoResult], load_before: str, minutes: float) -> str:
    command = " ".join(["python benchmarks/bench_trainer.py", *sys.argv[1:]])
    lines = [
        f"Command: `{command}` ({minutes:.1f} min)",
        "",
        f"Machine: {describe_machine()}; load average before {load_before}, after {load_average()}.",
        "",
        "| demo | loop | tokens/s (median) | engine / bare (median) | middle half of rounds | all rounds |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for result in results:
        lines += throughput_rows(result)
    lines += [
        "",
        "| demo | engine step (ms) | probe call (ms) | probe call / step | "
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
    parser.add_argument("--seconds", type=float, default=40.0, help="timed seconds per loop and demo")
    parser.add_argument("--rounds", type=int, default=20, help="rounds the timed seconds are split into")
    args = parser.parse_args(argv)
    if os.environ.get("OMP_NUM_THREADS"):
        print("note: OMP_NUM_THREADS is set, so the engine does not choose the threads", file=sys.stderr)
    started, load_before = time.perf_counter(), load_average()
    results = [run_demo(demo, args.seconds, args.rounds) for demo in args.demo]
    print(report(results, load_before, (time.perf_counter() - started) / 60))


if __name__ == "__main__":
    main()

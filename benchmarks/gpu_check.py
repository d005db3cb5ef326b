"""The GPU check: the workbench's trainer, insides live, against a bare cuDNN loop on one GPU.

Two models, each trained in the same process by

- the engine's ``Trainer`` as the window runs it: probes at their default interval and share of
  training time, step metrics (with every layer's gradient norm) every 0.1 s, the events going
  to a sink; validation and samples off;
- a bare loop written by hand on a copy of the same weights: Adam at the same rate, gradient
  norm clipped at the same value, ``loss.item()`` every step, the hidden state carried and
  detached, on batches from the same batcher (the same batches as the engine's, turn by turn).

The models: the course's character language model, 3 × LSTM 512 (``nn.LSTM``, cuDNN's fused
kernels), on about 1.1 MB of text (Tiny Shakespeare's size, made offline from the standard
library's Python sources); and Graves' handwriting synthesis network at the ``handwriting``
demo's settings (its first layer an ``LSTMCell`` stepped with the soft window, the layers above
fused), which the engine cannot probe, so only its metrics are live.

The loops take turns (``--rounds`` of each), so both meet the same clocks and the same GPU
state; a turn's time runs from the end of its first step to the end of its last, every step
ending in a synchronising ``loss.item()``, so what a ``Trainer.run`` call does once (its start,
its run-end validation) is left out, and probes are in. Peak GPU memory is each loop's own:
``torch.cuda.max_memory_allocated`` during its turns less what the other loop keeps allocated.
Then ``pytest -m cuda`` runs the suite's CUDA tests.

    bash benchmarks/gpu_check.sh                             # a CUDA machine, in under 8 minutes
    python benchmarks/gpu_check.py --device cpu --quick      # tiny sizes: a smoke run anywhere
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from workbench.engine.data import IGNORE_INDEX, load_demo
from workbench.engine.data.stdlib import stdlib_modules
from workbench.engine.data.text import stream_from_text
from workbench.engine.events import ProbeSnapshot, StepMetrics
from workbench.engine.model.builder import build_model
from workbench.engine.project.project import Project
from workbench.engine.project.starters import new_project
from workbench.engine.training.callbacks import Callback
from workbench.engine.training.trainer import Trainer

REPO = Path(__file__).resolve().parent.parent
SHAKESPEARE_CHARS = 1_115_394  # Tiny Shakespeare's length: the text the course trains on
WARMUP_STEPS = 3  # steps each loop takes before anything is timed (cuDNN plans, allocator)
NO_GPU = 3  # exit status when there is no CUDA GPU to check


@dataclass(frozen=True)
class Workload:
    name: str
    make: Callable[[argparse.Namespace], Project]  # the project, on the device the arguments name
    unit: str  # what a batch's tokens count


@dataclass
class Turns:
    """One loop's timed turns: steps, tokens and seconds of each, its peak GPU memory."""

    steps: int = 0
    tokens: int = 0
    seconds: float = 0.0
    rates: list[float] | None = None
    peak_bytes: int = 0

    def add(self, steps: int, tokens: int, seconds: float) -> None:
        self.steps, self.tokens, self.seconds = self.steps + steps, self.tokens + tokens, self.seconds + seconds
        self.rates = (self.rates or []) + [tokens / seconds]

    @property
    def rate(self) -> float:
        return self.tokens / self.seconds


# -- the two models -------------------------------------------------------------------------


def shakespeare_sized_text(chars: int) -> str:
    """``chars`` characters of the standard library's pure-ASCII sources, in path order."""
    parts, length = [], 0
    for path in stdlib_modules():
        data = path.read_bytes()
        if data.isascii():
            parts.append(data.decode("ascii").replace("\r\n", "\n"))
            length += len(parts[-1])
            if length >= chars:
                break
    return "".join(parts)[:chars]


def live_config(config, device: str):
    """The window's settings for looking inside while it trains; validation and samples off."""
    return replace(config, device=device, val_every=0, sample_every=0)


def char_model(args) -> Project:
    corpus = stream_from_text(shakespeare_sized_text(args.chars), "gpu-check:stdlib", "Python sources")
    project = new_project(corpus, hidden=args.hidden, layers=args.layers, batch_size=args.batch, seq_len=args.seq_len)
    project.set_config(live_config(project.config, args.device))
    return project


def handwriting_model(args) -> Project:
    project = new_project(load_demo("handwriting"), demo="handwriting", **args.handwriting)
    project.set_config(live_config(project.config, args.device))
    return project


# -- the loops ------------------------------------------------------------------------------


class BareLoop:
    """What one writes by hand for the trainer's job, on a copy of its model's weights."""

    def __init__(self, trainer: Trainer) -> None:
        config, self.device = trainer.config, trainer.device
        self.model = build_model(trainer.model.spec).to(self.device)
        self.model.load_state_dict(trainer.model.state_dict())
        self.model.train()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.learning_rate)
        self.clip = config.grad_clip
        self.batches = trainer.corpus.batcher("train", config.batch_size, config.seq_len, config.seed)
        self.pen = trainer.model.spec.writes_with_pen
        self.hidden = None
        self.losses: list[float] = []

    def step(self) -> int:
        """One step; returns the batch's tokens (target characters, or real pen points)."""
        batch = self.batches.next_batch()
        if self.pen:  # the network's own forward and eq. 26; lines carry no state
            loss, state = self.model.batch_loss(batch, None, self.device)
        else:
            inputs = torch.from_numpy(batch.inputs).to(self.device, non_blocking=True)
            targets = torch.from_numpy(batch.targets).to(self.device, non_blocking=True)
            logits, state = self.model(inputs, self.hidden if batch.continues else None)
            loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=IGNORE_INDEX)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(self.model.parameters(), self.clip)
        self.optimizer.step()
        self.hidden = None if state is None else tuple(s.detach() for s in state)
        self.losses.append(loss.item())
        return batch.tokens


class StepStamps(Callback):
    """The time at the end of each step (after its probe, if one was due); stops the run after
    ``steps``, so that no run-end validation follows a turn."""

    def __init__(self) -> None:
        self.stamps: list[float] = []
        self.steps = 0

    def on_step_end(self, trainer) -> None:
        self.stamps.append(time.perf_counter())
        if len(self.stamps) >= self.steps:
            trainer.control.stop()


class Events:
    """The sink the window would be, counting what it is told."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def __call__(self, event) -> None:
        self.counts[type(event).__name__] += 1


def engine_turn(trainer: Trainer, stamps: StepStamps, steps: int) -> float:
    """Seconds of steps 2..``steps`` of one trainer run."""
    stamps.stamps, stamps.steps = [], steps
    trainer.run(10**9)
    return stamps.stamps[-1] - stamps.stamps[0]


def bare_turn(bare: BareLoop, steps: int) -> tuple[float, int]:
    """Seconds of steps 2..``steps`` and their tokens."""
    bare.step()
    started, tokens = time.perf_counter(), 0
    for _ in range(steps - 1):
        tokens += bare.step()
    return time.perf_counter() - started, tokens


class GpuMemory:
    """Allocated bytes on the device, 0 throughout on the CPU."""

    def __init__(self, device: torch.device) -> None:
        self.cuda = device.type == "cuda"

    def allocated(self) -> int:
        return torch.cuda.memory_allocated() if self.cuda else 0

    def reset_peak(self) -> None:
        if self.cuda:
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()

    def peak(self) -> int:
        return torch.cuda.max_memory_allocated() if self.cuda else 0


@dataclass
class Result:
    name: str
    describe: str
    unit: str
    tokens_per_step: float
    engine: Turns
    bare: Turns
    first_loss_gap: float
    events: Counter


def measure(workload: Workload, args) -> Result:
    gc.collect()  # the model measured before, gone
    project = workload.make(args)
    device = torch.device(args.device)
    memory = GpuMemory(device)
    before = memory.allocated()
    events, stamps = Events(), StepStamps()
    trainer = project.trainer(events, [stamps])
    bare = BareLoop(trainer)  # the same weights, before either has trained
    stamps.steps = 1
    trainer.run(10**9)
    bare.step()
    first_loss_gap = abs(trainer.history.losses[0] - bare.losses[0])
    for _ in range(WARMUP_STEPS):
        engine_turn(trainer, stamps, 2)
        bare_turn(bare, 2)
    if trainer.looks_inside:
        trainer.probe()  # its first call builds what later ones reuse
    # After the same number of steps each, both are at the same batch.
    assert trainer.train_batches.state() == bare.batches.state()
    kept = memory.allocated() - before
    bare_kept = sum(t.numel() * t.element_size() for t in _tensors(bare)) if memory.cuda else 0
    engine_kept = kept - bare_kept

    step_s = max(1e-4, engine_turn(trainer, stamps, 3) / 2)
    bare_turn(bare, 3)
    chunk = max(3, round(args.seconds / args.rounds / step_s))
    engine, timed_bare = Turns(), Turns()
    for turn in range(args.rounds):
        for loop in ("engine", "bare") if turn % 2 == 0 else ("bare", "engine"):
            memory.reset_peak()
            others = memory.allocated() - (engine_kept if loop == "engine" else bare_kept)
            if loop == "engine":
                position = trainer.train_batches.state()
                seconds = engine_turn(trainer, stamps, chunk)
                engine.add(chunk - 1, _tokens_of(trainer, position, chunk), seconds)
                engine.peak_bytes = max(engine.peak_bytes, memory.peak() - others)
            else:
                seconds, tokens = bare_turn(bare, chunk)
                timed_bare.add(chunk - 1, tokens, seconds)
                timed_bare.peak_bytes = max(timed_bare.peak_bytes, memory.peak() - others)
    assert trainer.train_batches.state() == bare.batches.state()
    tokens_per_step = timed_bare.tokens / timed_bare.steps
    spec = project.spec.describe()
    project.close()
    return Result(
        workload.name, spec, workload.unit, tokens_per_step, engine, timed_bare, first_loss_gap, events.counts
    )


def _tensors(bare: BareLoop):
    """What the bare loop keeps between steps: weights, gradients, Adam's moments, the carried state."""
    for parameter in bare.model.parameters():
        yield parameter
        if parameter.grad is not None:
            yield parameter.grad
    for state in bare.optimizer.state.values():
        yield from (value for value in state.values() if torch.is_tensor(value) and value.is_cuda)
    yield from bare.hidden or ()


def _tokens_of(trainer: Trainer, position: dict, steps: int) -> int:
    """Tokens of the ``steps`` batches after the engine's ``position``, less the first (untimed) one."""
    config = trainer.config
    batches = trainer.corpus.batcher("train", config.batch_size, config.seq_len, config.seed)
    batches.restore(position)
    tokens = [batches.next_batch().tokens for _ in range(steps)]
    return sum(tokens[1:])


# -- the report -----------------------------------------------------------------------------


def machine(device: torch.device) -> str:
    if device.type == "cuda":
        properties = torch.cuda.get_device_properties(device)
        tf32 = "allowed" if torch.backends.cudnn.allow_tf32 else "off"
        gpu = (
            f"{properties.name} ({properties.total_memory / 2**30:.0f} GiB), CUDA {torch.version.cuda}, "
            f"cuDNN {torch.backends.cudnn.version()} (TF32 {tf32})"
        )
    else:
        gpu = f"CPU only ({torch.get_num_threads()} torch threads)"
    return f"{gpu}; torch {torch.__version__}, Python {platform.python_version()}, {os.cpu_count()} CPUs"


def table(results: list[Result], device: torch.device) -> list[str]:
    bare = "bare PyTorch loop (cuDNN)" if device.type == "cuda" else "bare PyTorch loop"
    lines = [
        "| model | loop | tokens/s | engine / bare | per-turn range (engine / bare) | peak GPU memory (MiB) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for result in results:
        memory = (
            (f"{result.bare.peak_bytes / 2**20:,.0f}", f"{result.engine.peak_bytes / 2**20:,.0f}")
            if device.type == "cuda"
            else ("—", "—")
        )
        ratios = [e / b for e, b in zip(result.engine.rates, result.bare.rates)]
        live = "probes + metrics live" if result.events["ProbeSnapshot"] else "metrics live (no probes for this model)"
        lines += [
            f"| {result.name} | {bare} | {result.bare.rate:,.0f} | 1 | — | {memory[0]} |",
            f"| {result.name} | workbench Trainer, {live} | {result.engine.rate:,.0f} | "
            f"**{result.engine.rate / result.bare.rate:.3f}** | {min(ratios):.3f}–{max(ratios):.3f} | {memory[1]} |",
        ]
    return lines


def notes(results: list[Result]) -> list[str]:
    lines = []
    for result in results:
        events = result.events
        lines.append(
            f"- {result.name}: {result.describe}; {result.tokens_per_step:,.0f} {result.unit} a step; "
            f"{result.engine.steps:,} timed steps per loop in {len(result.engine.rates)} turns; "
            f"probes {events[ProbeSnapshot.__name__]}, step metrics {events[StepMetrics.__name__]} told "
            f"meanwhile; the first losses from the same weights differ by {result.first_loss_gap:.1e}."
        )
    return lines


def run_cuda_tests() -> int:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "cuda", "tests"]
    print(f"\n$ {' '.join(command[2:])}", flush=True)
    return subprocess.call(command, cwd=REPO)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", choices=("cuda", "cpu"), default="cuda")
    parser.add_argument("--quick", action="store_true", help="tiny sizes and a few steps: a smoke run")
    parser.add_argument("--seconds", type=float, default=40.0, help="timed seconds per loop and model")
    parser.add_argument("--rounds", type=int, default=8, help="turns each loop takes per model")
    parser.add_argument("--no-tests", action="store_true", help="leave out `pytest -m cuda`")
    args = parser.parse_args(argv)
    args.chars, args.hidden, args.layers, args.batch, args.seq_len = SHAKESPEARE_CHARS, 512, 3, 64, 100
    args.handwriting = {}  # the demo's own settings
    if args.quick:
        args.chars, args.hidden, args.layers, args.batch, args.seq_len = 100_000, 32, 1, 4, 20
        args.handwriting = dict(hidden=16, layers=2, batch_size=2, seq_len=40)
        args.seconds, args.rounds = min(args.seconds, 2.0), min(args.rounds, 2)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        built = f"built for CUDA {torch.version.cuda}" if torch.version.cuda else "a CPU-only build"
        print(
            f"gpu_check: no CUDA GPU here (torch {torch.__version__}, {built}); nothing to check. "
            "For a smoke run on the CPU: python benchmarks/gpu_check.py --device cpu --quick",
            file=sys.stderr,
        )
        return NO_GPU
    device = torch.device(args.device)
    started = time.perf_counter()
    workloads = [
        Workload("char LM", char_model, "characters"),
        Workload("handwriting synthesis", handwriting_model, "pen points"),
    ]
    results = []
    for workload in workloads:
        print(f"timing {workload.name}...", file=sys.stderr, flush=True)
        results.append(measure(workload, args))
    command = " ".join(["python benchmarks/gpu_check.py", *(argv if argv is not None else sys.argv[1:])])
    print(f"Command: `{command}` ({(time.perf_counter() - started) / 60:.1f} min)\n")
    print(f"Machine: {machine(device)}.\n")
    print("\n".join(table(results, device) + [""] + notes(results)), flush=True)
    if args.no_tests:
        return 0
    return run_cuda_tests()


if __name__ == "__main__":
    sys.exit(main())

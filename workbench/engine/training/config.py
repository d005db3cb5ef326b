"""Training settings: plain data saved with the project, so a run can be repeated from the file."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

from ..common.errors import WorkbenchError
from ..inference.sampling_options import MAX_LENGTH, MAX_TEMPERATURE, MIN_TEMPERATURE

DEVICES = ("auto", "cpu", "cuda")  # where training may run; auto: CUDA when there is one

OPTIMIZERS = ("adam", "rmsprop", "sgd")
SCHEDULES = ("constant", "cosine", "step")
MAX_COUNT = 2**31 - 1  # sizes, steps and intervals: within every index type torch and numpy use
# The largest seed a project may hold: the trainer's sample seeds (seed × 1,000,003 + step) and a
# new run's (seed + runs) made from it still fit torch's 64 bits. Files from before this check
# held any seed a user typed, so it is far wider than the 2**32 - 1 a new project is offered.
LARGEST_SEED = 2**43 - 1
MAX_LEARNING_RATE = 1e37  # Adam's first step is 10× the rate, and a step must fit float32 (up to 3.4e38)


@dataclass(frozen=True)
class TrainConfig:
    batch_size: int = 32  # sequences per step
    seq_len: int = 100  # steps of truncated backpropagation through time (longest item for lines)
    optimizer: str = "adam"  # adam, rmsprop or sgd
    learning_rate: float = 2e-3
    momentum: float = 0.9  # sgd and rmsprop
    weight_decay: float = 0.0
    grad_clip: float = 5.0  # largest global gradient norm; 0 turns clipping off
    schedule: str = "constant"  # constant, cosine (to min_lr_ratio) or step (× decay_factor)
    warmup_steps: int = 0  # linear warm-up from 0 to learning_rate
    decay_steps: int = 5000  # cosine: steps to reach the minimum; step: steps between decays
    decay_factor: float = 0.5  # step schedule's factor
    min_lr_ratio: float = 0.1  # cosine schedule's floor, as a fraction of learning_rate
    val_every: int = 250  # steps between validations; 0 never
    val_batches: int = 20  # validation batches at most; 0 the whole split
    probe_every: int = 200  # steps between probe snapshots; 0 never
    probe_budget: float = 0.01  # most fraction of training time spent probing; 0 no limit
    probe_length: int = 100  # tokens of the probe text
    sample_every: int = 500  # steps between samples; 0 never
    sample_budget: float = 0.01  # most fraction of training time spent writing samples; 0 no limit
    sample_length: int = 200  # tokens per sample
    sample_temperature: float = 0.8
    metrics_interval_s: float = 0.1  # at most one StepMetrics event per interval
    seed: int = 1234  # initial weights, data order, dropout
    device: str = "auto"  # auto, cpu or cuda
    amp: bool = False  # float16 autocast with loss scaling, CUDA only
    patience: int = 0  # validations in a row without a better loss than the best before a run stops; 0 off
    max_minutes: float = 0.0  # minutes of training before a run stops; 0 off

    def check(self) -> TrainConfig:
        """Refuse, in one line, the first setting of the wrong type or out of its range."""
        for name, allowed in ALLOWED.items():
            problem = allowed.problem(getattr(self, name))
            if problem:
                raise WorkbenchError(problem)
        return self

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """Settings read from a file, checked; a setting left out takes its default."""
        if not isinstance(data, dict):
            raise WorkbenchError("the training settings are not a table of named settings")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise WorkbenchError(f"unknown training setting {unknown[0]!r}")
        return cls(**data).check()


@dataclass(frozen=True)
class Allowed:
    """What one setting may hold: its type, its range or names, and both in words."""

    what: str  # the setting in words: "the learning rate"
    kind: type  # int, float, str or bool; an int is a float too, a bool is neither
    words: str  # what it must be: "positive and finite"
    low: float = -math.inf
    high: float = math.inf
    above_low: bool = False  # the low end itself is left out
    below_high: bool = False  # the high end itself is left out
    or_zero: bool = False  # 0 allowed besides the range: the temperature's 0 is greedy
    names: tuple[str, ...] = ()

    def problem(self, value) -> str | None:
        """One line saying what is wrong with ``value``, or None when it is allowed."""
        if not self._has_kind(value) or not self._in_range(value):
            return f"{self.what} must be {self.words}, not {value!r}"
        return None

    def _has_kind(self, value) -> bool:
        if isinstance(value, bool) or self.kind is bool:
            return isinstance(value, bool) and self.kind is bool
        if self.kind is float:
            return isinstance(value, (int, float))
        return isinstance(value, self.kind)

    def _in_range(self, value) -> bool:
        if self.names:
            return value in self.names
        if self.kind is bool:
            return True
        if self.kind is float:
            try:
                value = float(value)  # a huge whole number overflows
            except OverflowError:
                return False
            if not math.isfinite(value):
                return False
        if self.or_zero and value == 0:
            return True
        too_low = value < self.low or (self.above_low and value == self.low)
        return not too_low and not (value > self.high or (self.below_high and value == self.high))


def _count(what: str, low: int, words: str = "") -> Allowed:
    return Allowed(what, int, words or f"a whole number from {low} to {MAX_COUNT:,}", low, MAX_COUNT)


def _fraction(what: str, words: str) -> Allowed:
    return Allowed(what, float, words, 0.0, 1.0, below_high=True)


def _one_of(what: str, names: tuple[str, ...]) -> Allowed:
    return Allowed(what, str, f"one of {', '.join(names)}", names=names)


ALLOWED: dict[str, Allowed] = {
    "batch_size": _count("the batch size", 1),
    "seq_len": _count("the sequence length", 1),
    "optimizer": _one_of("the optimizer", OPTIMIZERS),
    "learning_rate": Allowed(
        "the learning rate",
        float,
        f"positive and at most {MAX_LEARNING_RATE:g}",
        0.0,
        MAX_LEARNING_RATE,
        above_low=True,
    ),
    "momentum": _fraction("the momentum", "a number from 0 to below 1"),
    "weight_decay": Allowed("the weight decay", float, "a number from 0 to 1", 0.0, 1.0),
    "grad_clip": Allowed("the gradient clipping norm", float, "a finite number from 0 (off) up", 0.0),
    "schedule": _one_of("the schedule", SCHEDULES),
    "warmup_steps": _count("the warm-up", 0, f"a whole number of steps from 0 to {MAX_COUNT:,}"),
    "decay_steps": _count("the decay interval", 0, f"a whole number of steps from 0 to {MAX_COUNT:,}"),
    "decay_factor": Allowed(
        "the step schedule's factor", float, "a number above 0 and up to 1", 0.0, 1.0, above_low=True
    ),
    "min_lr_ratio": Allowed(
        "the cosine schedule's floor", float, "a fraction of the learning rate, from 0 to 1", 0.0, 1.0
    ),
    "val_every": _count("the validation interval", 0, f"a whole number of steps from 0 (never) to {MAX_COUNT:,}"),
    "val_batches": _count("the number of validation batches", 0, f"a whole number from 0 (all) to {MAX_COUNT:,}"),
    "probe_every": _count("the probe interval", 0, f"a whole number of steps from 0 (never) to {MAX_COUNT:,}"),
    "probe_budget": _fraction("the probe budget", "a fraction of training time, from 0 (no limit) to below 1"),
    "probe_length": _count("the probe length", 1),
    "sample_every": _count("the sample interval", 0, f"a whole number of steps from 0 (never) to {MAX_COUNT:,}"),
    "sample_budget": _fraction("the sample budget", "a fraction of training time, from 0 (no limit) to below 1"),
    "sample_length": Allowed(
        "the sample length", int, f"a whole number of tokens from 1 to {MAX_LENGTH:,}", 1, MAX_LENGTH
    ),
    "sample_temperature": Allowed(
        "the sampling temperature",
        float,
        f"0 (greedy) or a number from {MIN_TEMPERATURE:g} to {MAX_TEMPERATURE:g}",
        MIN_TEMPERATURE,
        MAX_TEMPERATURE,
        or_zero=True,
    ),
    "metrics_interval_s": Allowed("the metrics interval", float, "a finite number of seconds from 0 up", 0.0),
    "seed": Allowed("the seed", int, f"a whole number from 0 to {LARGEST_SEED:,}", 0, LARGEST_SEED),
    "device": _one_of("the device", DEVICES),
    "amp": Allowed("mixed precision (amp)", bool, "true or false"),
    "patience": _count("the patience", 0, f"a whole number of validations from 0 (off) to {MAX_COUNT:,}"),
    "max_minutes": Allowed("the time limit", float, "a finite number of minutes from 0 (off) up", 0.0),
}

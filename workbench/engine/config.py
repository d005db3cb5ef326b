"""Training settings: plain data saved with the project, so a run can be repeated from the file."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from .errors import WorkbenchError

OPTIMIZERS = ("adam", "rmsprop", "sgd")
SCHEDULES = ("constant", "cosine", "step")


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

    def check(self) -> "TrainConfig":
        problems = []
        if self.batch_size < 1 or self.seq_len < 1:
            problems.append("batch size and sequence length must be at least 1")
        if self.optimizer not in OPTIMIZERS:
            problems.append(f"unknown optimizer '{self.optimizer}' ({', '.join(OPTIMIZERS)})")
        if self.schedule not in SCHEDULES:
            problems.append(f"unknown schedule '{self.schedule}' ({', '.join(SCHEDULES)})")
        if not self.learning_rate > 0:
            problems.append("the learning rate must be positive")
        if self.grad_clip < 0:
            problems.append("the gradient clipping norm cannot be negative (0 turns it off)")
        if not 0 <= self.probe_budget < 1:
            problems.append("the probe budget is a fraction of training time, from 0 (no limit) up to 1")
        if not 0 <= self.sample_budget < 1:
            problems.append("the sample budget is a fraction of training time, from 0 (no limit) up to 1")
        if self.sample_temperature < 0:
            problems.append("the sampling temperature cannot be negative")
        if min(self.val_every, self.probe_every, self.sample_every, self.warmup_steps) < 0:
            problems.append("step intervals cannot be negative")
        if problems:
            raise WorkbenchError(problems[0])
        return self

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise WorkbenchError(f"unknown training setting '{unknown[0]}'")
        return cls(**data)

"""The record of one training run: every step's loss, throttled metrics, validations."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

import numpy as np

from ..common.errors import ProjectError
from ..common.stored_values import is_finite_number
from ..events import StepMetrics, ValidationResult

WALL_TIME = "wall_s"  # the meta key of a run's training time: seconds, over all its sessions


@dataclass
class RunHistory:
    name: str  # "run-001"
    meta: dict = field(default_factory=dict)  # model description, cell, started, wall_s (``add_wall_time``)
    steps: list[int] = field(default_factory=list)  # every optimisation step
    losses: list[float] = field(default_factory=list)
    learning_rates: list[float] = field(default_factory=list)
    metric_steps: list[int] = field(default_factory=list)  # one per StepMetrics event
    tokens_per_s: list[float] = field(default_factory=list)
    grad_norms: list[float] = field(default_factory=list)
    layer_grad_norms: dict[str, list[float]] = field(default_factory=dict)
    val_steps: list[int] = field(default_factory=list)
    val_losses: list[float] = field(default_factory=list)
    val_accuracies: list[float] = field(default_factory=list)  # NaN where a validation counts none
    val_whole: list[bool] = field(default_factory=list)  # the whole split, or a quick subset of it

    def record_step(self, step: int, loss: float, learning_rate: float) -> None:
        self.steps.append(step)
        self.losses.append(loss)
        self.learning_rates.append(learning_rate)

    def record_metrics(self, event: StepMetrics) -> None:
        self.metric_steps.append(event.step)
        self.tokens_per_s.append(event.tokens_per_s)
        self.grad_norms.append(event.grad_norm)
        for name, norm in zip(event.layer_names, event.layer_grad_norms):
            series = self.layer_grad_norms.setdefault(name, [])
            series.extend([np.nan] * (len(self.metric_steps) - 1 - len(series)))
            series.append(float(norm))

    def record_validation(self, event: ValidationResult) -> None:
        self.val_steps.append(event.step)
        self.val_losses.append(event.loss)
        self.val_accuracies.append(np.nan if event.accuracy is None else event.accuracy)
        self.val_whole.append(event.whole)

    def add_wall_time(self, seconds: float) -> None:
        """A session of this run trained ``seconds`` of wall-clock time (its pauses not counted)."""
        self.meta[WALL_TIME] = self.meta.get(WALL_TIME, 0.0) + seconds

    @property
    def wall_s(self) -> float | None:
        """The run's training time in seconds, over every session; None for a run from before
        runs recorded it."""
        return self.meta.get(WALL_TIME)

    def truncate(self, step: int) -> None:
        """Forget everything after ``step``: the trainer went back to that step's weights."""
        kept = bisect_right(self.steps, step)
        del self.steps[kept:], self.losses[kept:], self.learning_rates[kept:]
        kept = bisect_right(self.metric_steps, step)
        del self.metric_steps[kept:], self.tokens_per_s[kept:], self.grad_norms[kept:]
        for series in self.layer_grad_norms.values():
            del series[kept:]
        kept = bisect_right(self.val_steps, step)
        del self.val_steps[kept:], self.val_losses[kept:], self.val_accuracies[kept:], self.val_whole[kept:]

    def series(self) -> dict[str, np.ndarray]:
        """Named 1-D arrays, the form the project file stores."""
        columns = {
            "step": np.asarray(self.steps, np.int64),
            "loss": np.asarray(self.losses, np.float32),
            "lr": np.asarray(self.learning_rates, np.float32),
            "metric_step": np.asarray(self.metric_steps, np.int64),
            "tokens_per_s": np.asarray(self.tokens_per_s, np.float32),
            "grad_norm": np.asarray(self.grad_norms, np.float32),
            "val_step": np.asarray(self.val_steps, np.int64),
            "val_loss": np.asarray(self.val_losses, np.float32),
            "val_accuracy": np.asarray(self.val_accuracies, np.float32),
            "val_whole": np.asarray(self.val_whole, np.uint8),
        }
        for name, norms in self.layer_grad_norms.items():
            padded = norms + [np.nan] * (len(self.metric_steps) - len(norms))
            columns[f"grad_norm/{name}"] = np.asarray(padded, np.float32)
        return columns

    @classmethod
    def from_series(cls, name: str, meta: dict, columns: dict[str, np.ndarray]) -> RunHistory:
        def column(key: str) -> list:
            return columns[key].tolist() if key in columns else []

        wall_s = meta.get(WALL_TIME, 0.0)
        if not (is_finite_number(wall_s) and wall_s >= 0):
            raise ProjectError(f"runs/{name}'s {WALL_TIME} {wall_s!r} is not a number of seconds")

        return cls(
            name=name,
            meta=dict(meta),
            steps=column("step"),
            losses=column("loss"),
            learning_rates=column("lr"),
            metric_steps=column("metric_step"),
            tokens_per_s=column("tokens_per_s"),
            grad_norms=column("grad_norm"),
            layer_grad_norms={
                key.split("/", 1)[1]: value.tolist() for key, value in columns.items() if key.startswith("grad_norm/")
            },
            val_steps=column("val_step"),
            val_losses=column("val_loss"),
            val_accuracies=column("val_accuracy") or [np.nan] * len(column("val_step")),
            # Files before the column: their validations were quick ones unless set otherwise.
            val_whole=[bool(whole) for whole in column("val_whole")] or [False] * len(column("val_step")),
        )

    def recent_loss(self, window: int = 50) -> float | None:
        """Mean loss of the last ``window`` steps, or None before the first step."""
        if not self.losses:
            return None
        return float(np.mean(self.losses[-window:]))

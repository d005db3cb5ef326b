"""What the dashboard knows of one run: its series, filled from a RunHistory or from live events."""

from __future__ import annotations

import numpy as np

from ...engine.events import StepMetrics, ValidationResult
from ...engine.training.history import RunHistory
from .series import GrowingSeries


def run_label(name: str, meta: dict) -> str:
    """'run-002 · stacked: 2 × LSTM 128' — the run and its model, for legends and menus."""
    model = str(meta.get("model", "")).split(",")[0].strip()
    if not model and meta.get("cell"):
        model = str(meta["cell"]).upper()
    return f"{name} · {model}" if model else name


class RunData:
    """Every series the dashboard draws for one run, in nats where it is a loss."""

    def __init__(self, name: str, meta: dict | None = None) -> None:
        self.name = name
        self.meta = dict(meta or {})
        self.loss = GrowingSeries()  # training loss: per step (saved runs) or per event (live)
        self.validation = GrowingSeries()
        self.learning_rate = GrowingSeries()
        self.tokens_per_s = GrowingSeries()
        self.grad_norm = GrowingSeries()
        self.layer_grad_norms: dict[str, GrowingSeries] = {}
        self.per_step_losses = False  # add_step_losses feeds the loss; StepMetrics.loss is then ignored

    @property
    def label(self) -> str:
        return run_label(self.name, self.meta)

    @classmethod
    def from_history(cls, history: RunHistory) -> RunData:
        run = cls(history.name, history.meta)
        steps = np.asarray(history.steps, np.float64)
        run.loss.extend(steps, history.losses)
        run.learning_rate.extend(steps, history.learning_rates)
        metric_steps = np.asarray(history.metric_steps, np.float64)
        run.tokens_per_s.extend(metric_steps, history.tokens_per_s)
        run.grad_norm.extend(metric_steps, history.grad_norms)
        for name, norms in history.layer_grad_norms.items():
            run.layer_series(name).extend(metric_steps, norms)  # extend() zips to the shorter
        run.validation.extend(history.val_steps, history.val_losses)
        return run

    def layer_series(self, name: str) -> GrowingSeries:
        series = self.layer_grad_norms.get(name)
        if series is None:
            series = self.layer_grad_norms[name] = GrowingSeries()
        return series

    def add_metrics(self, events: list[StepMetrics]) -> None:
        steps = np.fromiter((event.step for event in events), np.float64, len(events))
        if not self.per_step_losses:
            self.loss.extend(steps, [event.loss for event in events])
        self.learning_rate.extend(steps, [event.learning_rate for event in events])
        self.tokens_per_s.extend(steps, [event.tokens_per_s for event in events])
        self.grad_norm.extend(steps, [event.grad_norm for event in events])
        for event in events:
            for name, norm in zip(event.layer_names, np.asarray(event.layer_grad_norms).ravel()):
                self.layer_series(name).append(event.step, float(norm))

    def add_step_losses(self, steps: np.ndarray, losses: np.ndarray) -> None:
        if not self.per_step_losses:  # from now on the finer points replace the per-event means
            self.per_step_losses = True
            first = np.asarray(steps).ravel()[:1]
            if len(first):
                self.loss.truncate_after(float(first[0]) - 1)
        self.loss.extend(steps, losses)

    def add_validation(self, event: ValidationResult) -> None:
        self.validation.append(event.step, event.loss)

    def truncate_after(self, step: int) -> None:
        """Forget what came after ``step``: the run continues from there."""
        for series in self.all_series():
            series.truncate_after(step)

    def all_series(self) -> list[GrowingSeries]:
        fixed = [self.loss, self.validation, self.learning_rate, self.tokens_per_s, self.grad_norm]
        return fixed + list(self.layer_grad_norms.values())

    @property
    def last_step(self) -> float | None:
        steps = [series.last_x for series in self.all_series() if len(series)]
        return max(steps) if steps else None

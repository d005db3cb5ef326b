"""Every metric a run logged, as (metric, step, value) points: what the CSV and TensorBoard exports write.

The names are the same in both exports: ``train_loss`` and ``learning_rate`` (every step);
``tokens_per_s`` (or ``items_per_s``, ``steps_per_s``, ``points_per_s``: what the run counts),
``grad_norm`` and ``grad_norm/LAYER`` (each throttled metrics report); ``val_loss``,
``val_accuracy`` (classifiers and taggers) and ``val_whole`` (1 where the validation scored the
whole split, 0 a quick subset of it). A value the run did not measure (NaN) is no point.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import NamedTuple

from ..spec import ModelSpec
from .history import RunHistory


class MetricPoint(NamedTuple):
    metric: str
    step: int
    value: float


def throughput_counts(spec: ModelSpec, corpus) -> str:
    """What a run's throughput counts: a classifier learns from items, a forecaster from steps, a
    handwriting model from pen points, the rest from tokens."""
    kind = spec.head.kind
    if kind == "regression":
        return "steps" if getattr(corpus, "kind", "") == "series" else "items"
    return {"classification": "items", "mixture_density": "points"}.get(kind, "tokens")


def metric_points(history: RunHistory, counts: str = "tokens") -> Iterator[MetricPoint]:
    """The run's metrics one series after another, each in step order."""
    series: list[tuple[str, list[int], list[float]]] = [
        ("train_loss", history.steps, history.losses),
        ("learning_rate", history.steps, history.learning_rates),
        (f"{counts}_per_s", history.metric_steps, history.tokens_per_s),
        ("grad_norm", history.metric_steps, history.grad_norms),
        *((f"grad_norm/{layer}", history.metric_steps, norms) for layer, norms in history.layer_grad_norms.items()),
        ("val_loss", history.val_steps, history.val_losses),
        ("val_accuracy", history.val_steps, history.val_accuracies),
        ("val_whole", history.val_steps, [float(whole) for whole in history.val_whole]),
    ]
    for metric, steps, values in series:
        for step, value in zip(steps, values):
            if not math.isnan(value):
                yield MetricPoint(metric, int(step), float(value))

"""Multi-step forecasts from a series model, scored against the naive last-value forecast.

A forecaster is trained one step ahead; to see further it reads a history, then feeds each of
its predictions back in as the next input. The naive forecast repeats the last observed value:
beating it is the least a forecaster must do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .data.series import SeriesCorpus
from .errors import DataError
from .inference import inference


@dataclass(frozen=True)
class ForecastScores:
    """Errors of ``windows`` forecasts of ``horizon`` steps, each column in its own units."""

    horizon: int
    windows: int  # forecasts scored, each from a different start in the validation part
    columns: tuple[str, ...]
    model_mae: np.ndarray  # (F,) mean absolute error of the model
    naive_mae: np.ndarray  # (F,) of the last value held for the whole horizon
    model_rmse: np.ndarray  # (F,)
    naive_rmse: np.ndarray  # (F,)
    ratio: float  # model's over the naive forecast's mean absolute error, columns normalised

    def describe(self) -> str:
        return f"error {self.ratio:.2f}× the naive forecast"


@dataclass(frozen=True)
class ForecastShown:
    """One forecast from validation step ``start``: what the model read, what came, both forecasts; user's units."""

    columns: tuple[str, ...]
    start: int  # the validation step the forecast begins at
    history_steps: np.ndarray  # (H,) validation steps read first; negative ones lie in the training part
    history: np.ndarray  # (H, F) the steps the model read before ``start``
    truth: np.ndarray  # (K, F) what came after them
    forecast: np.ndarray  # (K, F) the model's forecast, its predictions fed back
    naive: np.ndarray  # (K, F) the last history value, held
    model_mae: np.ndarray  # (F,) mean absolute error of the model over the K steps
    naive_mae: np.ndarray  # (F,) of the naive forecast

    @property
    def steps(self) -> np.ndarray:
        """(K,) the validation steps forecast."""
        return self.start + np.arange(len(self.truth))


def forecast(model: nn.Module, corpus: SeriesCorpus, history: np.ndarray, horizon: int) -> np.ndarray:
    """The next ``horizon`` steps after ``history``, in the series' units.

    ``history`` is (T, F), or (B, T, F) for several forecasts at once; the result is (horizon, F)
    or (B, horizon, F).
    """
    history = np.asarray(history, np.float32)
    batch = history[None] if history.ndim == 2 else history  # (B, T, F)
    width = len(corpus.columns)
    if batch.ndim != 3 or batch.shape[1] < 1 or batch.shape[2] != width:
        raise DataError(f"a forecast needs a history of at least one step of {width} values, not {history.shape}.")
    if horizon < 1:
        raise DataError(f"the forecast horizon must be at least one step, not {horizon}.")
    with inference(model):
        predicted = roll_forward(model, torch.from_numpy(corpus.normalise(batch)), horizon)
    values = corpus.denormalise(predicted)
    return values[0] if history.ndim == 2 else values


def roll_forward(model: nn.Module, history: torch.Tensor, horizon: int) -> np.ndarray:
    """Warm the state on ``history`` (B, T, F), normalised; feed predictions back -> (B, horizon, F)."""
    device = next(model.parameters()).device
    prediction, state = model(history.to(device), None)
    step = prediction[:, -1:]  # (B, 1, F): the model's guess for the step after the history
    steps = [step]
    for _ in range(horizon - 1):
        step, state = model(step, state)
        steps.append(step)
    return torch.cat(steps, 1).float().cpu().numpy()


def evaluate_forecast(
    model: nn.Module, corpus: SeriesCorpus, horizon: int, history: int = 100, windows: int = 256, seed: int = 0
) -> ForecastScores:
    """Forecasts from up to ``windows`` random starts whose ``horizon`` steps lie in the validation part.

    Each reads the ``history`` steps before its start (which may reach back into the training
    part: the past is always known). The ratio compares absolute errors in normalised units, so
    each column counts by its spread; for one column it is the ratio of the two MAEs.
    """
    series = corpus.normalise(corpus.values())  # (N, F)
    first = max(len(corpus.normalised("train")), history)
    count = len(series) - horizon - first + 1  # possible starts
    if count < 1 or history < 1:
        raise DataError(
            f"{corpus.source}: the validation part is too short for forecasts of {horizon} steps "
            f"after {history} steps of history."
        )
    rng = np.random.default_rng(seed)
    starts = first + np.sort(rng.choice(count, size=min(windows, count), replace=False))
    past = series[starts[:, None] + np.arange(-history, 0)]  # (W, history, F)
    truth = series[starts[:, None] + np.arange(horizon)]  # (W, horizon, F)
    with inference(model):
        predicted = roll_forward(model, torch.from_numpy(past), horizon)
    model_error, naive_error = predicted - truth, past[:, -1:] - truth  # (W, horizon, F), normalised
    std = corpus.normalisation.std.astype(np.float32)
    return ForecastScores(
        horizon=horizon,
        windows=len(starts),
        columns=corpus.columns,
        model_mae=np.abs(model_error).mean((0, 1)) * std,
        naive_mae=np.abs(naive_error).mean((0, 1)) * std,
        model_rmse=np.sqrt(np.square(model_error).mean((0, 1))) * std,
        naive_rmse=np.sqrt(np.square(naive_error).mean((0, 1))) * std,
        ratio=float(np.abs(model_error).mean() / max(np.abs(naive_error).mean(), 1e-12)),
    )


def forecast_at(model: nn.Module, corpus: SeriesCorpus, start: int, horizon: int, history: int = 100) -> ForecastShown:
    """Forecast ``horizon`` steps from validation step ``start`` after the ``history`` steps before it.

    The history may reach back into the training part; the forecast must end in the validation part.
    """
    train_steps, val_steps = len(corpus.values("train")), len(corpus.values("val"))
    first, last = max(0, history - train_steps), val_steps - horizon  # the starts that fit
    if last < first:
        raise DataError(
            f"{corpus.source}: the validation part has {val_steps} steps, too few for a forecast of {horizon} "
            f"steps after {history} steps of history."
        )
    if not first <= start <= last:
        raise DataError(
            f"{corpus.source}: a forecast of {horizon} steps can start at validation steps {first} to {last}, "
            f"not at {start}."
        )
    at = train_steps + start  # the first forecast step in the whole series
    past = corpus.values()[at - history : at].copy()  # (H, F)
    truth = corpus.values()[at : at + horizon].copy()  # (K, F)
    predicted = forecast(model, corpus, past, horizon)  # (K, F)
    naive = np.repeat(past[-1:], horizon, axis=0)  # (K, F)
    return ForecastShown(
        columns=corpus.columns,
        start=start,
        history_steps=np.arange(start - history, start),
        history=past,
        truth=truth,
        forecast=predicted,
        naive=naive,
        model_mae=np.abs(predicted - truth).mean(0),
        naive_mae=np.abs(naive - truth).mean(0),
    )

"""Multi-step forecasts from a series model: it is trained one step ahead; to see further it
reads a history, then feeds each of its predictions back in as the next input."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..common.errors import DataError
from ..data.series import SeriesCorpus
from ..model.inference_mode import inference

FORECAST_BATCH = 1024  # forecasts rolled forward together when scoring


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

    ``history`` is (T, F), or (B, T, F) for several forecasts at once, in the series' units; the
    result is (horizon, F) or (B, horizon, F). A model of a differenced series reads the history's
    changes and its predicted changes are added up from the history's last step.
    """
    history = np.asarray(history, np.float32)
    batch = history[None] if history.ndim == 2 else history  # (B, T, F)
    width = len(corpus.columns)
    if batch.ndim != 3 or batch.shape[1] < 1 or batch.shape[2] != width:
        raise DataError(f"a forecast needs a history of at least one step of {width} values, not {history.shape}.")
    if horizon < 1:
        raise DataError(f"the forecast horizon must be at least one step, not {horizon}.")
    with inference(model):
        predicted = roll_forward(model, torch.from_numpy(corpus.model_inputs(batch)), horizon)
    values = corpus.forecast_in_units(predicted, batch)
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

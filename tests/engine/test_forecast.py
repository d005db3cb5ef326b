"""Forecasts: fed back step by step, in the series' units, scored against the last value held."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import torch
from torch import nn

from tiny import TINY_CONFIG
from workbench.engine.data.series import SeriesCorpus
from workbench.engine.errors import DataError
from workbench.engine.forecast import evaluate_forecast, forecast, forecast_at
from workbench.engine.project import Project
from workbench.engine.spec import RecurrentSpec
from workbench.engine.templates import from_template

PERIOD = 24
OMEGA = 2 * math.pi / PERIOD
LEVEL = 5.0


def sine(steps: int) -> np.ndarray:
    return (LEVEL + 3 * np.sin(OMEGA * np.arange(steps)))[:, None]  # (N, 1)


@pytest.fixture(scope="module")
def waves() -> SeriesCorpus:
    return SeriesCorpus.from_values(sine(2000), ("level",), "test:sine", "sine", val_fraction=0.2)


class SineRecurrence(nn.Module):
    """A model that knows the sine: with y = x − LEVEL, y_{t+1} = 2 cos(ω) y_t − y_{t−1} in the series' units."""

    def __init__(self, corpus: SeriesCorpus) -> None:
        super().__init__()
        self.mean, self.std = (float(v[0]) for v in (corpus.normalisation.mean, corpus.normalisation.std))
        self.unused = nn.Parameter(torch.zeros(1))  # where the model lives

    def forward(self, x: torch.Tensor, state: torch.Tensor | None = None):
        assert not torch.is_grad_enabled() and not self.training
        values = x * self.std + self.mean - LEVEL  # (B, T, 1)
        previous = values[:, :1] if state is None else state
        predictions = []
        for t in range(values.shape[1]):
            current = values[:, t : t + 1]
            predictions.append(2 * math.cos(OMEGA) * current - previous)
            previous = current
        return (torch.cat(predictions, 1) + LEVEL - self.mean) / self.std, previous


class Persistence(nn.Module):
    """Predicts that the next value is the one it reads: the naive forecast."""

    def __init__(self) -> None:
        super().__init__()
        self.unused = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor, state=None):
        return x, None


def test_a_forecast_feeds_its_predictions_back_and_comes_back_in_units(waves):
    model = SineRecurrence(waves).train()
    history = sine(130)[:100]
    predicted = forecast(model, waves, history, horizon=30)
    assert predicted.shape == (30, 1)
    np.testing.assert_allclose(predicted, sine(130)[100:], atol=1e-3)
    assert model.training  # the mode it was in


def test_several_histories_forecast_at_once(waves):
    histories = np.stack([sine(60)[:50], sine(60)[5:55]])  # (2, 50, 1)
    predicted = forecast(SineRecurrence(waves), waves, histories, horizon=5)
    assert predicted.shape == (2, 5, 1)
    np.testing.assert_allclose(predicted[1], sine(60)[55:], atol=1e-3)


def test_a_history_of_the_wrong_width_or_a_zero_horizon_is_refused(waves):
    with pytest.raises(DataError, match="1 values"):
        forecast(Persistence(), waves, np.zeros((10, 2)), horizon=3)
    with pytest.raises(DataError, match="at least one step"):
        forecast(Persistence(), waves, np.zeros((10, 1)), horizon=0)


def test_the_naive_forecast_scores_a_ratio_of_one(waves):
    scores = evaluate_forecast(Persistence(), waves, horizon=6, history=10, windows=50)
    assert scores.windows == 50 and scores.columns == ("level",)
    assert scores.ratio == pytest.approx(1.0)
    np.testing.assert_allclose(scores.model_mae, scores.naive_mae, rtol=1e-6)
    # the last value held 1..6 steps on a sine of amplitude 3: a known error
    assert 1.0 < scores.naive_mae[0] < 3.0 and scores.naive_rmse[0] > scores.naive_mae[0]


def test_a_model_that_knows_the_function_beats_the_naive_forecast(waves):
    scores = evaluate_forecast(SineRecurrence(waves), waves, horizon=12, history=24, windows=40, seed=3)
    assert scores.ratio < 0.01 and scores.model_mae[0] < 0.01
    assert scores.describe() == f"error {scores.ratio:.2f}× the naive forecast"


def test_scored_forecasts_lie_in_the_validation_part(waves):
    with pytest.raises(DataError, match="test:sine: the validation part is too short"):
        evaluate_forecast(Persistence(), waves, horizon=401)
    scores = evaluate_forecast(Persistence(), waves, horizon=400, history=5)
    assert scores.windows == 1


def test_a_small_lstm_trained_on_a_sine_beats_the_naive_forecast(waves):
    spec = from_template("stacked", waves.task(), RecurrentSpec("lstm", 16, 1))
    config = replace(TINY_CONFIG, batch_size=16, seq_len=48, learning_rate=1e-2, val_every=100)
    project = Project.create(spec, waves, config)
    project.trainer().run(300)
    assert project.history.val_losses[-1] < 0.01  # mean squared error, normalised units
    scores = evaluate_forecast(project.model, waves, horizon=12, history=48, windows=64)
    assert scores.ratio < 0.3, scores


def test_a_forecast_at_a_start_shows_its_history_truth_and_both_forecasts(waves):
    val = waves.values("val")  # 400 steps after 1600 of training
    shown = forecast_at(SineRecurrence(waves), waves, start=30, horizon=24, history=50)
    assert shown.columns == ("level",) and shown.start == 30
    assert shown.history.shape == (50, 1) and shown.truth.shape == shown.forecast.shape == shown.naive.shape == (24, 1)
    np.testing.assert_array_equal(shown.history_steps, np.arange(-20, 30))
    np.testing.assert_array_equal(shown.steps, np.arange(30, 54))
    np.testing.assert_array_equal(shown.truth, val[30:54])
    np.testing.assert_array_equal(shown.history, np.concatenate([waves.values("train")[-20:], val[:30]]))
    np.testing.assert_array_equal(shown.naive, np.repeat(val[29:30], 24, axis=0))
    np.testing.assert_allclose(shown.forecast, shown.truth, atol=1e-3)
    assert shown.model_mae[0] < 1e-3 < 1.0 < shown.naive_mae[0]
    assert not np.shares_memory(shown.truth, waves.values()) and not np.shares_memory(shown.history, waves.values())


def test_the_naive_model_forecasts_the_naive_forecast(waves):
    shown = forecast_at(Persistence(), waves, start=0, horizon=5, history=3)
    np.testing.assert_allclose(shown.forecast, shown.naive, rtol=1e-6)
    np.testing.assert_allclose(shown.model_mae, shown.naive_mae, rtol=1e-6)


def test_a_start_out_of_range_is_refused_naming_the_range(waves):
    for start in (-1, 377):
        with pytest.raises(DataError, match=f"can start at validation steps 0 to 376, not at {start}"):
            forecast_at(Persistence(), waves, start, horizon=24)
    with pytest.raises(DataError, match="validation steps 10 to 396"):
        forecast_at(Persistence(), waves, 5, horizon=4, history=1610)  # the history would begin before the series
    with pytest.raises(DataError, match="the validation part has 400 steps, too few for a forecast of 401 steps"):
        forecast_at(Persistence(), waves, 0, horizon=401)

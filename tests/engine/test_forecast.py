"""Forecasts: fed back step by step, in the series' units, scored against the last value held, the
value one period before and a linear autoregression."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import torch
from tiny import TINY_CONFIG
from torch import nn

from workbench.engine.common.errors import DataError
from workbench.engine.data.series import SeriesCorpus
from workbench.engine.inference.forecasting import forecast, forecast_at
from workbench.engine.model.templates import from_template
from workbench.engine.project.project import Project
from workbench.engine.scoring.forecast_scores import (
    ForecastBaseline,
    ForecastScores,
    autoregression_forecast,
    dominant_period,
    evaluate_forecast,
    fit_autoregression,
    seasonal_naive_forecast,
)
from workbench.engine.spec import RecurrentSpec

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
    assert scores.verdict().startswith(
        f"error {scores.ratio:.2f}× the naive forecast: better than repeating the last value"
    )


def test_the_baselines_are_scored_on_the_same_windows(waves):
    scores = evaluate_forecast(Persistence(), waves, horizon=12, history=48, windows=40, seed=3)
    naive, seasonal, autoregression = scores.baselines
    assert scores.period == 24 and [b.label for b in scores.baselines] == [
        "naive",
        "seasonal-naive (24 steps)",
        "linear autoregression (48 steps)",
    ]
    np.testing.assert_allclose(naive.mae, scores.naive_mae, rtol=1e-6)
    assert naive.ratio == 1.0
    # a pure sine repeats every 24 steps and is a linear recurrence: both baselines are (nearly) exact
    assert seasonal.mae[0] < 1e-5 and autoregression.mae[0] < 1e-3 and seasonal.ratio < 1e-5
    assert scores.best_baseline() is seasonal
    assert scores.describe() == (
        "error 1.00× the naive forecast: as well as repeating the last value; the best baseline, the seasonal-naive "
        f"(24 steps), does {seasonal.ratio:.2f}×: the model does worse than it. Mean absolute error in each column's "
        f"own unit: level MAE {scores.model_mae[0]:#.3g} (naive {naive.mae[0]:#.3g}, seasonal-naive "
        f"{seasonal.mae[0]:#.3g}, linear autoregression {autoregression.mae[0]:#.3g})"
    )


def test_a_trending_seasonal_series_is_beaten_by_its_baselines_not_by_persistence():
    rng = np.random.default_rng(4)
    weeks = np.arange(1500)
    values = 300 + 0.03 * weeks + 3 * np.sin(2 * np.pi * weeks / 52) + rng.normal(0, 0.3, len(weeks))  # like co2
    corpus = SeriesCorpus.from_values(values[:, None], ("co2",), "test:co2", "co2", val_fraction=0.2)
    scores = evaluate_forecast(Persistence(), corpus, horizon=26, history=104, windows=64)
    assert scores.period == 52 and scores.best_baseline().name == "linear autoregression"
    assert scores.best_baseline().ratio < 0.5 and "the model does worse than it" in scores.verdict()


def test_the_verdict_says_whether_the_model_beats_the_best_baseline():
    def scores(ratio, *baselines):
        one = np.ones(1)
        made = [ForecastBaseline(name, "", steps, one * r, r) for name, steps, r in (("naive", 1, 1.0),) + baselines]
        return ForecastScores(6, 10, ("x",), one * ratio, one, one, one, ratio, tuple(made), 24)

    assert scores(0.3, ("seasonal-naive", 24, 0.5)).verdict() == (
        "error 0.30× the naive forecast: better than repeating the last value; the best baseline, the "
        "seasonal-naive (24 steps), does 0.50×: the model does better than it"
    )
    assert scores(1.1, ("seasonal-naive", 24, 1.3), ("linear autoregression", 48, 1.2)).verdict() == (
        "error 1.10× the naive forecast: worse than repeating the last value; no other baseline does better "
        "(seasonal-naive (24 steps) 1.30×, linear autoregression (48 steps) 1.20×)"
    )
    bare = ForecastScores(6, 10, ("x",), np.ones(1), np.ones(1), np.ones(1), np.ones(1), 0.33)
    assert bare.describe() == "error 0.33× the naive forecast" and bare.best_baseline() is None


def test_the_dominant_period_is_found_in_a_noisy_trending_series_and_not_in_noise():
    rng = np.random.default_rng(5)
    steps = np.arange(3000)
    assert dominant_period(np.sin(2 * np.pi * steps / 24)) == 24
    assert dominant_period(2 * np.sin(2 * np.pi * steps / 12) + 0.002 * steps + rng.normal(0, 1, 3000)) == 12
    two_columns = np.stack([np.sin(2 * np.pi * steps / 7), rng.normal(0, 1, 3000)], 1)
    assert dominant_period(two_columns) == 7
    assert dominant_period(rng.normal(0, 1, 3000)) is None
    assert dominant_period(np.cumsum(rng.normal(0, 1, 3000))) is None  # a random walk
    assert dominant_period(np.full(100, 3.0)) is None


def test_the_seasonal_naive_forecast_reads_one_period_back_from_the_last_period_observed():
    series = np.arange(100.0)[:, None]
    np.testing.assert_array_equal(
        seasonal_naive_forecast(series, np.array([50, 60]), 5, 3)[:, :, 0], [[47, 48, 49, 47, 48], [57, 58, 59, 57, 58]]
    )


def test_an_autoregression_recovers_a_linear_recurrence():
    level, c = 5.0, math.cos(OMEGA)
    values = sine(400)  # x_t = 2c·x_{t−1} − x_{t−2} + level·(2 − 2c)
    coefficients = fit_autoregression(values, steps=2)  # (3, 1): oldest step, newest, constant
    np.testing.assert_allclose(coefficients[:, 0], [-1, 2 * c, level * (2 - 2 * c)], atol=1e-4)
    rolled = autoregression_forecast(coefficients, values[None, :100], 50)  # (1, 50, 1)
    np.testing.assert_allclose(rolled[0], values[100:150], atol=1e-3)


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


class Damped(nn.Module):
    """Reads a step and predicts 0.8 of it plus 0.1, in normalised units: a forecast that moves."""

    def __init__(self) -> None:
        super().__init__()
        self.unused = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor, state=None):
        return 0.8 * x + 0.1, None


def test_a_series_not_differenced_scores_as_before_differencing_came():
    rng = np.random.default_rng(7)
    t = np.arange(240)
    values = np.stack(
        [
            20 + 0.05 * t + 2 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.2, 240),
            1000 - 0.5 * t + 30 * np.cos(2 * np.pi * t / 12) + rng.normal(0, 5, 240),
        ],
        1,
    )
    corpus = SeriesCorpus.from_values(values, ("a", "b"), "test:two", "two", val_fraction=0.25)
    scores = evaluate_forecast(Damped(), corpus, horizon=6, history=20, windows=16, seed=1)
    # the figures the scoring gave before differencing came, on the model's normalised scale
    assert scores.windows == 16 and scores.period == 12 and scores.ratio == pytest.approx(1.3449098, rel=1e-6)
    for got, expected in (
        (scores.model_mae, [2.30451298, 39.9898262]),
        (scores.naive_mae, [1.65497267, 30.4209747]),
        (scores.model_rmse, [2.787251, 48.6307335]),
        (scores.naive_rmse, [1.99088252, 35.6662941]),
    ):
        np.testing.assert_allclose(got, expected, rtol=1e-6)
    expected = [
        (1.0, [1.65497267, 30.4209747]),
        (0.300630392, [0.64064765, 7.46636581]),
        (0.117734141, [0.165939898, 3.92074654]),
    ]
    for baseline, (ratio, mae) in zip(scores.baselines, expected, strict=True):
        assert baseline.ratio == pytest.approx(ratio, rel=1e-6)
        np.testing.assert_allclose(baseline.mae, mae, rtol=1e-6)
    shown = forecast_at(Damped(), corpus, start=3, horizon=3, history=10)
    np.testing.assert_allclose(
        shown.forecast, [[29.9443779, 932.103394], [29.1334267, 940.117554], [28.4846668, 946.528931]], rtol=1e-6
    )


class MeanChange(nn.Module):
    """Predicts 0, normalised: for a differenced series, the training part's mean change (the drift forecast)."""

    def __init__(self) -> None:
        super().__init__()
        self.unused = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor, state=None):
        return torch.zeros_like(x), None


def trend(differencing: int) -> SeriesCorpus:
    rng = np.random.default_rng(8)
    values = 50 + 0.2 * np.arange(600) + rng.normal(0, 0.5, 600)  # level 50 to 170
    return SeriesCorpus.from_values(values[:, None], ("level",), "test:trend", "trend", 0.2, differencing)


def test_a_differenced_model_forecasts_changes_added_up_from_the_last_value_read():
    corpus = trend(1)
    drift = float(corpus.normalisation.mean[0])  # the training part's mean change, about 0.2
    history = corpus.values()[:50]  # (50, 1)
    predicted = forecast(MeanChange(), corpus, history, horizon=5)
    np.testing.assert_allclose(predicted[:, 0], history[-1, 0] + drift * np.arange(1, 6), rtol=1e-6)
    shown = forecast_at(MeanChange(), corpus, start=10, horizon=4, history=20)
    np.testing.assert_allclose(shown.forecast[:, 0], shown.history[-1, 0] + drift * np.arange(1, 5), rtol=1e-6)
    with pytest.raises(DataError, match="test:trend: the model reads changes, so it needs at least two steps"):
        forecast(MeanChange(), corpus, history[:1], horizon=5)


def test_a_differenced_series_is_scored_in_its_units_against_baselines_fitted_on_its_values():
    differenced, levels = trend(1), trend(0)
    scores = evaluate_forecast(MeanChange(), differenced, horizon=24, history=30, windows=40)
    values, train_steps = differenced.values()[:, 0], differenced.stats()["train_steps"]
    starts = train_steps + np.sort(np.random.default_rng(0).choice(len(values) - 24 - train_steps + 1, 40, False))
    ahead = np.arange(1, 25)
    drift = values[starts - 1, None] + float(differenced.normalisation.mean[0]) * ahead  # (40, 24)
    truth = values[starts[:, None] + ahead - 1]
    np.testing.assert_allclose(scores.model_mae, np.abs(drift - truth).mean(), rtol=1e-4)
    assert scores.model_mae[0] < 2.0 < scores.naive_mae[0] < 4.0 and scores.ratio < 0.5  # a trend: drift beats naive
    same = evaluate_forecast(Persistence(), levels, horizon=24, history=30, windows=40)  # the series itself
    assert same.windows == scores.windows and same.period == scores.period
    for baseline, level_baseline in zip(scores.baselines, same.baselines, strict=True):
        assert baseline.label == level_baseline.label
        np.testing.assert_allclose(baseline.mae, level_baseline.mae, rtol=1e-4)
    with pytest.raises(DataError, match="at least two steps of history"):
        evaluate_forecast(MeanChange(), differenced, horizon=24, history=1)


def test_an_untrained_lstm_of_a_differenced_series_forecasts_near_its_level():
    corpus = trend(1)
    spec = from_template("stacked", corpus.task(), RecurrentSpec("lstm", 8, 1))
    model = Project.create(spec, corpus, TINY_CONFIG).model
    val = corpus.values("val")  # levels near 150 to 170
    predicted = forecast(model, corpus, corpus.values()[400:480], horizon=24)
    assert np.abs(predicted - corpus.values()[480:504]).max() < 30  # near the level, not near 0
    scores = evaluate_forecast(model, corpus, horizon=24, history=30, windows=16)
    assert 0 < scores.model_mae[0] < 30 < val.min()

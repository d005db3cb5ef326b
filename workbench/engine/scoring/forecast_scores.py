"""Multi-step forecasts scored against three baselines on the same windows.

The naive forecast repeats the last observed value (beating it is the least a forecaster must
do); the seasonal-naive forecast repeats the value one period before, the period being the
training part's dominant one; a linear autoregression, fitted by least squares on the training
part, is rolled forward like the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..common.errors import DataError
from ..data.series import Normalisation, SeriesCorpus
from ..inference.forecasting import FORECAST_BATCH, roll_forward
from ..model.inference_mode import inference
from .scores import compare

AUTOREGRESSION_STEPS = 24  # steps an autoregression reads when the series has no clear period
CLEAR_PEAK = 0.2  # the autocorrelation a period must reach, and rise by from its lowest before
REPEAT_SHARE = 0.5  # of CLEAR_PEAK, the autocorrelation again near twice the period
SHORTEST_WITHIN = 0.8  # of the highest clear peak: the shortest peak this high is the period
CHUNK_ROWS = 65_536  # rows of the autoregression's design matrix built at a time


@dataclass(frozen=True)
class ForecastBaseline:
    """One baseline's errors on the windows the model was scored on."""

    name: str  # "naive", "seasonal-naive", "linear autoregression"
    explanation: str  # one plain sentence: what it does
    steps: int  # how far back it reads: 1, the period, the autoregression's steps
    mae: np.ndarray  # (F,) mean absolute error, each column in its own units
    ratio: float  # its mean absolute error over the naive forecast's, columns normalised

    @property
    def label(self) -> str:
        """'seasonal-naive (52 steps)': the name, with the steps it reads where they are not just one."""
        return self.name if self.steps == 1 else f"{self.name} ({self.steps} steps)"


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
    baselines: tuple[ForecastBaseline, ...] = ()  # naive first, then seasonal-naive (given a period), autoregression
    period: int | None = None  # the training part's dominant period in steps; None: no clear one

    def best_baseline(self) -> ForecastBaseline | None:
        """The baseline of the lowest error (the first of equals), None when none was scored."""
        return min(self.baselines, key=lambda baseline: baseline.ratio) if self.baselines else None

    def verdict(self) -> str:
        """How the model compares with the naive forecast and the best baseline, in words.

        'error 1.10× the naive forecast: worse than repeating the last value; the best baseline,
        the linear autoregression (100 steps), does 0.40×: the model does worse than it'.
        """
        said = f"error {self.ratio:.2f}× the naive forecast"
        best = self.best_baseline()
        if best is None:
            return said
        said += f": {_compared(self.ratio, 1.0)} repeating the last value"
        others = [baseline for baseline in self.baselines if baseline.name != "naive"]
        if best.name == "naive":
            listed = ", ".join(f"{baseline.label} {baseline.ratio:.2f}×" for baseline in others)
            return said + (f"; no other baseline does better ({listed})" if others else "")
        return (
            f"{said}; the best baseline, the {best.label}, does {best.ratio:.2f}×: "
            f"the model does {_compared(self.ratio, best.ratio)} it"
        )

    def column_errors(self, column: int) -> str:
        """'co2 MAE 0.523 (naive 0.475, seasonal-naive 0.801, linear autoregression 0.190)', in its units."""
        others = ", ".join(f"{baseline.name} {_number(baseline.mae[column])}" for baseline in self.baselines)
        return f"{self.columns[column]} MAE {_number(self.model_mae[column])}" + (f" ({others})" if others else "")

    def describe(self) -> str:
        """The verdict, then each column's errors in its own units (the verdict alone without baselines)."""
        if not self.baselines:
            return self.verdict()
        columns = "; ".join(self.column_errors(column) for column in range(len(self.columns)))
        return f"{self.verdict()}. Mean absolute error in each column's own unit: {columns}"


def _compared(error: float, other: float) -> str:
    """'better than', 'as well as' or 'worse than': ``error`` against ``other``, level within
    ``scores.LEVEL_WITHIN`` of it as every score's verdict is."""
    return {1: "better than", 0: "as well as", -1: "worse than"}[
        compare(error, other, higher_is_better=False, is_share=False)
    ]


def _number(value: float) -> str:
    """Three significant digits, with no exponent for large values: 5.00, 1.06, 0.00123, 123, 12,346."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:#.3g}".rstrip(".")


def evaluate_forecast(
    model: nn.Module, corpus: SeriesCorpus, horizon: int, history: int = 100, windows: int = 256, seed: int = 0
) -> ForecastScores:
    """Forecasts from up to ``windows`` random starts whose ``horizon`` steps lie in the validation part.

    Each reads the ``history`` steps before its start (which may reach back into the training
    part: the past is always known); the seasonal-naive forecast may look further back, one
    period. Every forecast is scored as values of the series, the model's included when it
    reads changes; the baselines read and are fitted on the values, on the scale of
    ``level_scale``. The ratios compare absolute errors on that scale, so each column counts by
    its spread; for one column a ratio is that of the two MAEs.
    """
    scale = level_scale(corpus)
    values = corpus.values()  # (N, F), the series' units
    series = scale.apply(values)  # (N, F), each column of unit spread in the training part
    train = series[: corpus.stats()["train_steps"]].astype(np.float64)  # (N_train, F)
    first = max(len(train), history)
    count = len(series) - horizon - first + 1  # possible starts
    if count < 1 or history < 1:
        raise DataError(
            f"{corpus.source}: the validation part is too short for forecasts of {horizon} steps "
            f"after {history} steps of history."
        )
    rng = np.random.default_rng(seed)
    starts = first + np.sort(rng.choice(count, size=min(windows, count), replace=False))
    read = starts[:, None] + np.arange(-history, 0)  # (W, history)
    past, truth = series[read], series[starts[:, None] + np.arange(horizon)]  # (W, history | horizon, F)
    seen = values[read]  # (W, history, F) the past in the series' units, as the model is given it
    inputs = corpus.model_inputs(seen)
    with inference(model):  # in chunks: every window of a long series at once would not fit in memory
        predicted = np.concatenate(
            [
                roll_forward(model, torch.from_numpy(inputs[start : start + FORECAST_BATCH]), horizon)
                for start in range(0, len(inputs), FORECAST_BATCH)
            ]
        )
    predicted = scale.apply(corpus.forecast_in_units(predicted, seen))  # (W, horizon, F)
    model_error, naive_error = predicted - truth, past[:, -1:] - truth  # (W, horizon, F), on the scale
    std = scale.std.astype(np.float32)
    naive_scale = max(float(np.abs(naive_error).mean()), 1e-12)

    def scored(name: str, explanation: str, steps: int, forecasts: np.ndarray) -> ForecastBaseline:
        error = np.abs(forecasts - truth)  # (W, horizon, F)
        return ForecastBaseline(name, explanation, steps, error.mean((0, 1)) * std, float(error.mean()) / naive_scale)

    period = dominant_period(train)
    baselines = [scored("naive", "repeats the last value it read for the whole horizon", 1, past[:, -1:])]
    if period is not None:
        baselines.append(
            scored(
                "seasonal-naive",
                f"repeats the value one period ({period} steps) before each step",
                period,
                seasonal_naive_forecast(series, starts, horizon, period),
            )
        )
    steps = autoregression_steps(len(train), len(corpus.columns), history, period)
    if steps:
        baselines.append(
            scored(
                "linear autoregression",
                f"predicts each step as a weighted sum of the {steps} before it (least squares on the "
                "training part), feeding its predictions back like the model",
                steps,
                autoregression_forecast(fit_autoregression(train, steps), past, horizon),
            )
        )
    return ForecastScores(
        horizon=horizon,
        windows=len(starts),
        columns=corpus.columns,
        model_mae=np.abs(model_error).mean((0, 1)) * std,
        naive_mae=np.abs(naive_error).mean((0, 1)) * std,
        model_rmse=np.sqrt(np.square(model_error).mean((0, 1))) * std,
        naive_rmse=np.sqrt(np.square(naive_error).mean((0, 1))) * std,
        ratio=float(np.abs(model_error).mean()) / naive_scale,
        baselines=tuple(baselines),
        period=period,
    )


def level_scale(corpus: SeriesCorpus) -> Normalisation:
    """The training part's mean and spread (``corpus.spread``) in the series' units: the scale on
    which forecasts are compared and the baselines fitted. Without differencing it is the model's
    normalisation; with it, that normalisation is of the changes, so the values get their own."""
    if not corpus.differencing:
        return corpus.normalisation
    return Normalisation(corpus.values("train").astype(np.float64).mean(0), corpus.spread)


def dominant_period(train: np.ndarray) -> int | None:
    """The dominant period of a training series (N,) or (N, F), in steps; None when it has no clear one.

    Each column loses its least-squares quadratic trend and is scaled to unit spread; r(k) is
    the autocorrelation at lag k (the biased estimate, by FFT), averaged over the columns.
    (Removing a trend rather than differencing keeps a cycle clear of step-to-step noise: on
    weekly co2, differencing leaves a peak of 0.3 among noise, detrending one of 0.9 at 52
    weeks.) A lag P from 2 to N/3 is a clear peak when r has a local maximum there of at least
    0.2 (or 3/√N, its noise on short series), has been that much lower before it, and comes
    back near 2P (within P/5) to half that height: the cycle repeats. The repeat is looked for
    up to lag N/2 only, where r is still well estimated, so red noise, whose r wanders, shows
    a period on few series (at most 3 in 40 in trials of AR(1) noise). The period is the
    shortest clear peak at least 0.8 of the highest, so that a multiple of the period, nearly
    as high, does not win on noise.
    """
    values = np.asarray(train, np.float64)
    values = values[:, None] if values.ndim == 1 else values  # (N, F)
    length = len(values)
    if length < 6:
        return None
    time = np.linspace(-1.0, 1.0, length)
    trend = np.stack([time**2, time, np.ones(length)], 1)  # (N, 3)
    residual = values - trend @ np.linalg.lstsq(trend, values, rcond=None)[0]
    spread = residual.std(0)
    residual = residual[:, spread > 1e-12 * max(1.0, float(np.abs(values).max()))]
    if residual.shape[1] == 0:
        return None
    spectrum = np.fft.rfft(residual, 2 * length, axis=0)
    covariance = np.fft.irfft(np.abs(spectrum) ** 2, 2 * length, axis=0)[: length // 2 + 1]  # (lags, F)
    r = (covariance / covariance[0]).mean(1)  # (lags,) from lag 0, where r = 1
    lags = np.arange(2, min(length // 3, len(r) - 2) + 1)
    clear = max(CLEAR_PEAK, 3 / np.sqrt(length))
    peaks = lags[
        (r[lags] >= r[lags - 1])
        & (r[lags] > r[lags + 1])
        & (r[lags] >= clear)
        & (r[lags] - np.minimum.accumulate(r)[lags] >= clear)
    ]
    again = np.array([r[2 * p - p // 5 : 2 * p + p // 5 + 1].max(initial=-1.0) for p in peaks])  # near 2P
    peaks = peaks[again >= REPEAT_SHARE * clear] if len(peaks) else peaks
    if not len(peaks):
        return None
    return int(peaks[r[peaks] >= SHORTEST_WITHIN * r[peaks].max()][0])


def seasonal_naive_forecast(series: np.ndarray, starts: np.ndarray, horizon: int, period: int) -> np.ndarray:
    """(W, horizon, F) the value one period before each step: step s + h reads s + h − P·(⌊h/P⌋ + 1).

    ``series`` is (N, F); each start must lie at least ``period`` steps in, so every step read
    is one before the start.
    """
    ahead = np.arange(horizon)
    back = ahead - period * (ahead // period + 1)  # (horizon,) all negative
    return series[starts[:, None] + back]


def autoregression_steps(train_steps: int, width: int, history: int, period: int | None) -> int:
    """How many past steps the autoregression reads: min(history, 2 × period, or 24 without one),
    fewer where the training part has under two rows per coefficient; 0 when none fit."""
    steps = min(history, 2 * period if period else AUTOREGRESSION_STEPS)
    fitting = (train_steps - 2) // (2 * width + 1)  # train_steps − p ≥ 2 (p·F + 1)
    return max(0, min(steps, fitting))


def fit_autoregression(train: np.ndarray, steps: int) -> np.ndarray:
    """(steps·F + 1, F) least-squares coefficients predicting x_t from x_{t−steps} … x_{t−1} and a constant.

    ``train`` is (N, F), normalised. The normal equations are summed in chunks of rows, with a
    vanishing ridge (10⁻⁸ of their mean diagonal) so that a constant column cannot make them singular.
    """
    windows = np.lib.stride_tricks.sliding_window_view(train, steps + 1, axis=0)  # (N − p, F, p + 1)
    size = steps * train.shape[1] + 1
    gram, moment = np.zeros((size, size)), np.zeros((size, train.shape[1]))
    for start in range(0, len(windows), CHUNK_ROWS):
        chunk = windows[start : start + CHUNK_ROWS]
        inputs = _lagged(chunk[..., :-1])  # (rows, p·F + 1)
        gram += inputs.T @ inputs
        moment += inputs.T @ chunk[..., -1]
    ridge = 1e-8 * max(float(np.trace(gram)) / size, 1e-12)
    return np.linalg.solve(gram + ridge * np.eye(size), moment)


def autoregression_forecast(coefficients: np.ndarray, past: np.ndarray, horizon: int) -> np.ndarray:
    """(W, horizon, F) the autoregression rolled forward from ``past`` (W, T, F), its predictions fed back."""
    width = past.shape[2]
    steps = (len(coefficients) - 1) // width
    recent = past[:, -steps:].transpose(0, 2, 1)  # (W, F, p), oldest first
    predicted = []
    for _ in range(horizon):
        step = _lagged(recent) @ coefficients  # (W, F)
        predicted.append(step)
        recent = np.concatenate([recent[..., 1:], step[..., None]], axis=2)
    return np.stack(predicted, 1)


def _lagged(windows: np.ndarray) -> np.ndarray:
    """(rows, p·F + 1) the p steps of each (rows, F, p) window, step-major, and a 1 for the constant."""
    rows = windows.transpose(0, 2, 1).reshape(len(windows), -1)
    return np.concatenate([rows, np.ones((len(windows), 1))], axis=1)

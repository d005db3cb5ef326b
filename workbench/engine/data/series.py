"""Time series as training data: a float series split in time, normalised, cut into windows.

The series is kept in its own units; the model meets it normalised per column with the mean and
standard deviation of the training part, which the project stores with the data, so forecasts
come back in the units the user gave. The last ``val_fraction`` of the steps is held out.

A trending series may be differenced (order 1): the model then reads and predicts the change
from one step to the next, ``d_t = x_t - x_{t-1}``, normalised with the training part's changes,
and a forecast is added back up from the last value it read. The project stores the series
itself, with ``differencing`` in its description (a project from before has none: order 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..common.errors import DataError
from ..spec import HeadSpec, InputSpec
from .base import SPLIT_NAMES, Task
from .batching import Batch, Batcher, check_batch_shape
from .checks import check_val_fraction, stored_finite
from .probe import ProbeExample
from .series_file import MIN_ROWS, SeriesSurvey, check_fill, choose_columns, fill_gaps, read_series_table, survey_table

DEFAULT_VAL_FRACTION = 0.1
DEFAULT_SEQ_LEN = 100  # the sequence length a new project takes when the series is long enough
HOURS_PER_DAY = 24
DAYS_PER_YEAR = 365


@dataclass(frozen=True)
class FeatureNames:
    """The ``vocab`` of feature data: the name of each column a step holds."""

    names: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.names)

    def to_json(self) -> dict[str, Any]:
        return {"columns": list(self.names)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FeatureNames:
        names = data.get("columns") if isinstance(data, dict) else None
        if not isinstance(names, list) or not names or not all(isinstance(name, str) for name in names):
            raise DataError("the stored column names are damaged.")
        return cls(tuple(names))


@dataclass(frozen=True)
class Normalisation:
    """Per-column ``(x - mean) / std``; a constant column keeps ``std = 1``."""

    mean: np.ndarray  # (F,) float64
    std: np.ndarray  # (F,) float64

    @classmethod
    def fit(cls, values: np.ndarray) -> Normalisation:
        std = values.std(0)
        return cls(values.mean(0), np.where(std > 0, std, 1.0))

    def apply(self, values: np.ndarray) -> np.ndarray:
        return ((values - self.mean) / self.std).astype(np.float32)

    def undo(self, values: np.ndarray) -> np.ndarray:
        return (values * self.std + self.mean).astype(np.float32)

    def to_json(self) -> dict[str, list[float]]:
        return {"mean": self.mean.tolist(), "std": self.std.tolist()}

    @classmethod
    def from_json(cls, data: dict[str, Any], width: int, source: str) -> Normalisation:
        try:
            mean, std = (np.asarray(data[name], np.float64) for name in ("mean", "std"))
        except (KeyError, TypeError, ValueError):
            raise DataError(f"{source}: the series has no usable normalisation statistics.") from None
        if mean.shape != (width,) or std.shape != (width,) or not (std > 0).all():
            raise DataError(f"{source}: the normalisation statistics do not fit the series' {width} columns.")
        return cls(mean, std)


class SeriesCorpus:
    """A series of ``F`` columns over ``N`` steps; the model predicts every column one step ahead.

    What the model reads is the series, or with ``differencing`` its ``N - 1`` changes, normalised:
    ``normalised(split)``, ``normalise`` and ``denormalise`` are in those terms. Everything else
    (``values``, ``stats``, ``spread``) is in the series' own units; ``model_inputs`` and
    ``forecast_in_units`` go from the one to the other.
    """

    kind = "series"

    def __init__(self, description: dict[str, Any], columns: FeatureNames, values: np.ndarray) -> None:
        # kind, source, title, val_fraction, train_steps, normalisation, differencing (absent: 0);
        # from a file also fill, left_out and notes (what the import did, a sentence by topic)
        self.description = description
        self.vocab = columns
        self._values = values  # (N, F) float32, the user's units
        self.differencing = _stored_order(description.get("differencing", 0), self.source)
        self._train_steps = description["train_steps"]
        if not isinstance(self._train_steps, int) or not self.differencing < self._train_steps < len(values):
            raise DataError(f"{self.source}: the stored split does not fit the series' {len(values)} steps.")
        self.normalisation = Normalisation.from_json(description["normalisation"], len(columns), self.source)
        train_levels = values[: self._train_steps].astype(np.float64)
        self.spread = self.normalisation.std if not self.differencing else Normalisation.fit(train_levels).std
        normalised = self.normalisation.apply(np.diff(values, axis=0) if self.differencing else values)
        cut = self._train_steps - self.differencing  # (N - d, F) split where the validation steps begin
        self._splits = {"train": normalised[:cut], "val": normalised[cut:]}

    @classmethod
    def from_values(
        cls,
        values: np.ndarray,
        columns: tuple[str, ...],
        source: str,
        title: str,
        val_fraction: float = DEFAULT_VAL_FRACTION,
        differencing: bool | int = 0,
    ) -> SeriesCorpus:
        """Hold out the last ``val_fraction`` of ``values`` (N, F); fit the normalisation on the rest
        (on its changes, with ``differencing`` 1 or True)."""
        order = differencing_order(differencing)
        values = np.asarray(values, np.float32)
        if len(values) < MIN_ROWS:
            raise DataError(f"{source}: a series needs at least {MIN_ROWS} steps; found {len(values)}.")
        train_steps, _ = split_steps(len(values), val_fraction)
        train = values[:train_steps].astype(np.float64)
        description = {
            "kind": cls.kind,
            "source": source,
            "title": title,
            "val_fraction": val_fraction,
            "train_steps": train_steps,
            "differencing": order,
            "normalisation": Normalisation.fit(np.diff(train, axis=0) if order else train).to_json(),
        }
        return cls(description, FeatureNames(tuple(columns)), values)

    @classmethod
    def from_arrays(
        cls, description: dict[str, Any], vocabulary: dict[str, Any], arrays: dict[str, np.ndarray]
    ) -> SeriesCorpus:
        source = description.get("source", "the project")
        values = stored_finite(arrays, "values", source, ndim=2).astype(np.float32)
        columns = FeatureNames.from_json(vocabulary)
        if values.ndim != 2 or values.shape[1] != len(columns):
            raise DataError(f"{source}: the stored series does not match its {len(columns)} column names.")
        if "normalisation" not in description or "train_steps" not in description:
            raise DataError(f"{source}: the stored series lacks its split or normalisation.")
        return cls(description, columns, values)

    def arrays(self) -> dict[str, np.ndarray]:
        return {"values": self._values}

    def task(self, embedding_dim: int = 64) -> Task:
        """Every column in, every column one step ahead out."""
        width = len(self.vocab)
        return Task("forecasting", InputSpec(kind="features", feature_dim=width), HeadSpec("regression", width))

    @property
    def source(self) -> str:
        return self.description["source"]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.vocab.names

    def values(self, split: str | None = None) -> np.ndarray:
        """The series in its own units: all of it, or one split (N, F)."""
        if split is None:
            return self._values
        return self._values[: self._train_steps] if split == "train" else self._values[self._train_steps :]

    def normalised(self, split: str) -> np.ndarray:
        """One split as the model reads it (N, F); differenced, the training part's first step has no change."""
        return self._splits[split]

    def probe_example(self, length: int) -> ProbeExample:
        """The first ``length`` validation steps, each predicting the next; labelled by the first column."""
        val = self._splits["val"].astype(np.float32)
        steps = min(length, len(val) - 1)
        shown = self.values("val")[:steps, 0]
        return ProbeExample(val[:steps], val[1 : steps + 1], tuple(f"{value:.1f}" for value in shown))

    def normalise(self, values: np.ndarray) -> np.ndarray:
        """What the model reads (the changes, when differenced) -> normalised."""
        return self.normalisation.apply(np.asarray(values, np.float64))

    def denormalise(self, values: np.ndarray) -> np.ndarray:
        """Normalised model outputs -> what the model predicts (the changes, when differenced)."""
        return self.normalisation.undo(np.asarray(values, np.float64))

    def model_inputs(self, history: np.ndarray) -> np.ndarray:
        """Steps in the series' units (..., T, F) -> what the model reads (..., T - d, F) float32."""
        history = np.asarray(history, np.float64)
        if history.shape[-2] <= self.differencing:
            raise DataError(f"{self.source}: the model reads changes, so it needs at least two steps of history.")
        return self.normalise(np.diff(history, axis=-2) if self.differencing else history)

    def forecast_in_units(self, predicted: np.ndarray, history: np.ndarray) -> np.ndarray:
        """The model's normalised predictions (..., K, F) after ``history`` (..., T, F) -> (..., K, F) in the
        series' units: differenced, the predicted changes are added up from the last step of the history."""
        steps = self.denormalise(predicted).astype(np.float64)
        if self.differencing:
            steps = np.asarray(history, np.float64)[..., -1:, :] + np.cumsum(steps, axis=-2)
        return steps.astype(np.float32)

    def fitting_seq_len(self, preferred: int = DEFAULT_SEQ_LEN) -> int:
        """``preferred``, or the longest sequence length both parts have windows of, if shorter."""
        return min(preferred, min(len(split) for split in self._splits.values()) - 1)

    def batcher(self, split: str, batch_size: int, seq_len: int, seed: int) -> WindowBatcher:
        self._check_split_fits(split, batch_size, seq_len)
        return WindowBatcher(self._splits[split], batch_size, seq_len, seed)

    def check_fits(self, batch_size: int, seq_len: int) -> None:
        for split in SPLIT_NAMES:
            self._check_split_fits(split, batch_size, seq_len)

    def _check_split_fits(self, split: str, batch_size: int, seq_len: int) -> None:
        check_batch_shape(batch_size, seq_len)
        have = len(self._splits[split])
        if have < seq_len + 1:
            what = "changes" if self.differencing else "steps"
            raise DataError(
                f"{self.source}: the {SPLIT_NAMES[split]} part has {have} {what}, too few for windows of "
                f"{seq_len} steps and the step after them; use a sequence length of at most {self.fitting_seq_len()}."
            )

    def stats(self) -> dict[str, Any]:
        return {
            "columns": list(self.columns),
            "steps": len(self._values),
            "train_steps": self._train_steps,
            "val_steps": len(self._values) - self._train_steps,
            "min": self._values.min(0).tolist(),
            "max": self._values.max(0).tolist(),
        }

    def preview(self, max_chars: int = 400) -> str:
        """The first steps as a table, whole rows up to ``max_chars``."""
        rows = [",".join(self.columns)[:max_chars]]
        length = len(rows[0])
        for values in self._values:
            row = ",".join(f"{value:.4g}" for value in values)
            if length + len(row) + 1 > max_chars:
                break
            rows.append(row)
            length += len(row) + 1
        return "\n".join(rows)


def split_steps(steps: int, val_fraction: float = DEFAULT_VAL_FRACTION) -> tuple[int, int]:
    """A series of ``steps`` -> (training steps, validation steps): the last ``val_fraction``, at least
    two steps each side."""
    check_val_fraction(val_fraction)
    val_steps = min(steps - 2, max(2, round(steps * val_fraction)))
    return steps - val_steps, val_steps


def longest_seq_len(steps: int, val_fraction: float = DEFAULT_VAL_FRACTION, differencing: bool | int = 0) -> int:
    """The longest sequence length whose windows, and the step after them, fit both parts of a series
    of ``steps`` (0 when none does)."""
    train_steps, val_steps = split_steps(steps, val_fraction)
    return max(0, min(train_steps - differencing_order(differencing), val_steps) - 1)


def differencing_order(differencing: bool | int) -> int:
    """``differencing`` given as True/False or an order 0/1 -> the order."""
    if isinstance(differencing, (bool, int, np.integer)) and differencing in (0, 1):
        return int(differencing)
    raise DataError(f"differencing is of order 0 (none) or 1 (the change from step to step), not {differencing!r}.")


def _stored_order(order: Any, source: str) -> int:
    if isinstance(order, bool) or not isinstance(order, int) or order not in (0, 1):
        raise DataError(f"{source}: the stored differencing order is damaged ({order!r}).")
    return order


class WindowBatcher(Batcher):
    """Windows of ``T`` steps at random starts: inputs ``x_t``, targets ``x_{t+1}``.

    An epoch is about one pass over the split (``(N - T) // (B T)`` batches, at least one); its
    starts come from ``np.random.default_rng([seed, epoch])``. Validation batches take evenly
    spaced starts instead, the same every time.
    """

    def __init__(self, values: np.ndarray, batch_size: int, seq_len: int, seed: int) -> None:
        check_batch_shape(batch_size, seq_len)
        super().__init__(max(1, (len(values) - seq_len) // (batch_size * seq_len)))
        self._values = values  # (N, F) float32, normalised
        self._batch_size, self._seq_len, self._seed = batch_size, seq_len, seed
        self._last_start = len(values) - seq_len - 1
        self._starts_epoch: int | None = None  # the epoch whose starts ``_starts`` holds
        self._starts = np.zeros((0, batch_size), np.int64)

    def _batch(self, epoch: int, index: int) -> Batch:
        if self._starts_epoch != epoch:
            rng = np.random.default_rng([self._seed, epoch])
            shape = (self.batches_per_epoch, self._batch_size)
            self._starts, self._starts_epoch = rng.integers(0, self._last_start + 1, shape), epoch
        return self._windows(self._starts[index])

    def _fixed_batch(self, index: int) -> Batch:
        count = self.batches_per_epoch * self._batch_size
        starts = np.linspace(0, self._last_start, count).round().astype(np.int64)
        return self._windows(starts[index * self._batch_size : (index + 1) * self._batch_size])

    def _windows(self, starts: np.ndarray) -> Batch:
        steps = starts[:, None] + np.arange(self._seq_len + 1)  # (B, T + 1)
        windows = self._values[steps]  # (B, T + 1, F)
        inputs, targets = windows[:, :-1], windows[:, 1:]  # (B, T, F) each
        return Batch(inputs, targets, continues=False, tokens=inputs.shape[0] * inputs.shape[1])


def weather_series(years: int = 3, seed: int = 0, humidity: bool = True) -> tuple[np.ndarray, tuple[str, ...]]:
    """Hourly temperature (°C), and relative humidity (%) that falls as it warms.

    temperature = 10 + 0.3·years elapsed (trend) − 8·cos(2π (day − 15) / 365) (coldest mid-January)
                  − (4 + 1.5·season)·cos(2π (hour − 3) / 24) (coldest at 3 am, wider days in summer)
                  + AR(1) noise (φ = 0.95 per hour, innovations σ = 0.4 °C: weather that lasts a day);
    humidity    = 75 − 6·season (damp winters) − 2.5·(daily part of the temperature) − 0.8·(noise part)
                  + its own AR(1) noise, kept within 5–100 %.
    Deterministic by ``seed``. Returns the values (years·365·24, F) float32 and the column names.
    """
    rng = np.random.default_rng(seed)
    hours = np.arange(years * DAYS_PER_YEAR * HOURS_PER_DAY)
    days = hours / HOURS_PER_DAY
    season = -np.cos(2 * np.pi * (days - 15) / DAYS_PER_YEAR)  # -1 in mid-January, +1 in mid-July
    daily = -(4 + 1.5 * season) * np.cos(2 * np.pi * (hours % HOURS_PER_DAY - 3) / HOURS_PER_DAY)
    weather = _ar1(rng, len(hours), phi=0.95, sigma=0.4)
    temperature = 10 + 0.3 * days / DAYS_PER_YEAR + 8 * season + daily + weather
    if not humidity:
        return temperature[:, None].astype(np.float32), ("temperature",)
    moisture = 75 - 6 * season - 2.5 * daily - 0.8 * weather + _ar1(rng, len(hours), phi=0.9, sigma=1.5)
    values = np.stack([temperature, np.clip(moisture, 5, 100)], axis=1)
    return values.astype(np.float32), ("temperature", "humidity")


def _ar1(rng: np.random.Generator, length: int, phi: float, sigma: float) -> np.ndarray:
    """``e_t = φ e_{t-1} + σ ε_t``, started from its stationary distribution."""
    shocks = rng.normal(0.0, sigma, length)
    shocks[0] /= np.sqrt(1 - phi**2)
    noise = np.empty(length)
    noise[0] = shocks[0]
    for t in range(1, length):
        noise[t] = phi * noise[t - 1] + shocks[t]
    return noise


def load_weather_demo(years: int = 3, seed: int = 0) -> SeriesCorpus:
    values, columns = weather_series(years, seed)
    return SeriesCorpus.from_values(values, columns, "demo:weather", "Weather-like series")


def load_series_csv(
    path: str | Path,
    columns: list[str] | None = None,
    val_fraction: float = DEFAULT_VAL_FRACTION,
    *,
    fill: str | None = None,
    differencing: bool | int = 0,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> SeriesCorpus:
    """A series from a CSV file with a header row; rows are steps, in time order.

    ``columns`` names the columns to model, in that order; by default every column whose first
    value is a number, except those that count time (see ``series_file.index_reason``): the
    description's ``left_out`` names them and its ``notes`` (a sentence by topic: columns, gaps,
    differencing) say what the import did. ``fill`` says what becomes
    of gaps (``series_file.fill_gaps``); None refuses the first one, naming its line.
    ``delimiter`` None guesses comma, semicolon or tab; ``encoding`` None reads UTF-8.
    """
    check_val_fraction(val_fraction)
    check_fill(fill)
    order = differencing_order(differencing)
    path = Path(path).expanduser().absolute()
    table = read_series_table(path, delimiter, encoding)
    chosen, left_out = choose_columns(table, columns)
    values = np.stack([table.numbers(name) for name in chosen], axis=1)  # (N, F) float64, NaN in the gaps
    values, filled = fill_gaps(table, chosen, values, fill)
    corpus = SeriesCorpus.from_values(values, tuple(chosen), str(path), path.name, val_fraction, order)
    notes = {
        "columns": left_out and f"Left out {left_out}; name it among the columns to model it.",
        "gaps": filled,
        "differencing": order and "The model learns the change from one step to the next; forecasts add it back up.",
    }
    corpus.description.update(
        fill=fill,
        left_out=[name for name in table.numeric_columns() if name not in chosen],
        notes={topic: note for topic, note in notes.items() if note},
    )
    return corpus


def survey_series_csv(path: str | Path, delimiter: str | None = None, encoding: str | None = None) -> SeriesSurvey:
    """What the import dialog offers: a CSV's columns, their gaps and the ones that count time."""
    return survey_table(read_series_table(Path(path).expanduser().absolute(), delimiter, encoding))

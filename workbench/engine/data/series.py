"""Time series as training data: a float series split in time, normalised, cut into windows.

The series is kept in its own units; the model meets it normalised per column with the mean and
standard deviation of the training part, which the project stores with the data, so forecasts
come back in the units the user gave. The last ``val_fraction`` of the steps is held out.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError
from ..spec import HeadSpec, InputSpec
from ..templates import Task
from .batching import Batch, Batcher, check_batch_shape
from .checks import check_val_fraction, read_text_file, stored_finite
from .probe import ProbeExample

SPLIT_NAMES = {"train": "training", "val": "validation"}
MIN_ROWS = 10  # fewer rows than this cannot be split into a training and a validation part
MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "-"})  # cells read as missing values
DELIMITERS = (",", ";", "\t")
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
    """A series of ``F`` columns over ``N`` steps; the model predicts every column one step ahead."""

    kind = "series"

    def __init__(self, description: dict[str, Any], columns: FeatureNames, values: np.ndarray) -> None:
        self.description = description  # kind, source, title, val_fraction, train_steps, normalisation
        self.vocab = columns
        self._values = values  # (N, F) float32, the user's units
        self.normalisation = Normalisation.from_json(description["normalisation"], len(columns), self.source)
        self._train_steps = int(description["train_steps"])
        normalised = self.normalisation.apply(values)
        self._splits = {"train": normalised[: self._train_steps], "val": normalised[self._train_steps :]}

    @classmethod
    def from_values(
        cls, values: np.ndarray, columns: tuple[str, ...], source: str, title: str, val_fraction: float = 0.1
    ) -> SeriesCorpus:
        """Hold out the last ``val_fraction`` of ``values`` (N, F); fit the normalisation on the rest."""
        check_val_fraction(val_fraction)
        values = np.asarray(values, np.float32)
        if len(values) < MIN_ROWS:
            raise DataError(f"{source}: a series needs at least {MIN_ROWS} steps; found {len(values)}.")
        val_steps = min(len(values) - 2, max(2, round(len(values) * val_fraction)))
        train_steps = len(values) - val_steps
        description = {
            "kind": cls.kind, "source": source, "title": title, "val_fraction": val_fraction,
            "train_steps": train_steps,
            "normalisation": Normalisation.fit(values[:train_steps].astype(np.float64)).to_json(),
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
        """One split as the model reads it (N, F)."""
        return self._splits[split]

    def probe_example(self, length: int) -> ProbeExample:
        """The first ``length`` validation steps, each predicting the next; labelled by the first column."""
        val = self._splits["val"].astype(np.float32)
        steps = min(length, len(val) - 1)
        shown = self.values("val")[:steps, 0]
        return ProbeExample(val[:steps], val[1 : steps + 1], tuple(f"{value:.1f}" for value in shown))

    def normalise(self, values: np.ndarray) -> np.ndarray:
        return self.normalisation.apply(np.asarray(values, np.float64))

    def denormalise(self, values: np.ndarray) -> np.ndarray:
        return self.normalisation.undo(np.asarray(values, np.float64))

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
            raise DataError(
                f"{self.source}: the {SPLIT_NAMES[split]} part has {have} steps, too few for windows of "
                f"{seq_len} steps and the step after them; use a shorter sequence length."
            )

    def stats(self) -> dict[str, Any]:
        train, val = self._splits["train"], self._splits["val"]
        return {
            "columns": list(self.columns),
            "steps": len(train) + len(val),
            "train_steps": len(train),
            "val_steps": len(val),
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
    path: str | Path, columns: list[str] | None = None, val_fraction: float = 0.1
) -> SeriesCorpus:
    """A series from a CSV file with a header row; rows are steps, in time order.

    ``columns`` names the columns to model, in that order; by default every column whose first
    value is a number. The delimiter is whichever of comma, semicolon and tab the header holds
    most of; with semicolons a decimal comma is accepted. Missing values (empty, NA, NaN, null)
    are refused, naming the line: fill them in first, since a gap cannot be forecast from.
    """
    path = Path(path).expanduser().absolute()
    header, body, decimal_comma = _read_table(path)
    chosen = _choose_columns(path, header, body[0][1], columns, decimal_comma)
    values = np.empty((len(body), len(chosen)), np.float32)
    for j, name in enumerate(chosen):
        column = header.index(name)
        for i, (line, row) in enumerate(body):
            values[i, j] = _number(path, line, name, row[column], decimal_comma)
    return SeriesCorpus.from_values(values, tuple(chosen), str(path), path.name, val_fraction)


def series_columns(path: str | Path) -> tuple[list[str], list[str]]:
    """A CSV's columns, and those whose first value is a number: what the user chooses from."""
    path = Path(path).expanduser().absolute()
    header, body, decimal_comma = _read_table(path)
    return header, [name for name, cell in zip(header, body[0][1]) if _parse(cell, decimal_comma) is not None]


def _read_table(path: Path) -> tuple[list[str], list[tuple[int, list[str]]], bool]:
    """The header, the (line number, cells) of every non-blank row, and whether decimals are commas."""
    text = read_text_file(path)
    header_line = next(line for line in text.split("\n") if line.strip())
    delimiter = max(DELIMITERS, key=header_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        rows = [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as error:
        raise DataError(f"{path}, line {reader.line_num}: not readable as CSV ({error}).") from None
    header = [name.strip() for name in rows[0][1]]
    body = rows[1:]
    if len(body) < MIN_ROWS:
        raise DataError(f"{path}: a series needs at least {MIN_ROWS} rows of values; found {len(body)}.")
    for line, row in body:
        if len(row) != len(header):
            raise DataError(f"{path}, line {line}: {len(row)} values, but the header names {len(header)} columns.")
    return header, body, delimiter == ";"


def _choose_columns(
    path: Path, header: list[str], first_row: list[str], wanted: list[str] | None, decimal_comma: bool
) -> list[str]:
    if wanted is None:
        numeric = [name for name, cell in zip(header, first_row) if _parse(cell, decimal_comma) is not None]
        if not numeric:
            raise DataError(f"{path}: no column holds numbers in its first row; the columns are {', '.join(header)}.")
        return numeric
    if not wanted:
        raise DataError(f"{path}: choose at least one column to model.")
    for name in wanted:
        if name not in header:
            raise DataError(f"{path}: no column named {name!r}; the columns are {', '.join(header)}.")
    if len(set(wanted)) != len(wanted):
        raise DataError(f"{path}: a column is chosen twice.")
    return list(wanted)


def _number(path: Path, line: int, column: str, cell: str, decimal_comma: bool) -> float:
    if cell.strip().lower() in MISSING:
        raise DataError(
            f"{path}, line {line}, column {column!r}: the value is missing; fill in the gaps "
            f"(for example with the value before) and try again."
        )
    value = _parse(cell, decimal_comma)
    if value is None:
        raise DataError(f"{path}, line {line}, column {column!r}: {cell.strip()!r} is not a number.")
    return value


def _parse(cell: str, decimal_comma: bool) -> float | None:
    """The finite number ``cell`` holds, or None."""
    cell = cell.strip()
    if decimal_comma and "," in cell and "." not in cell:
        cell = cell.replace(",", ".")
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if np.isfinite(value) else None

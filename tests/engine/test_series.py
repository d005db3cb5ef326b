"""Series data: the weather demo's cycles, normalisation, differencing, windows one step ahead, CSV files."""

from __future__ import annotations

import json
from dataclasses import replace

import h5py
import numpy as np
import pytest
from tiny import TINY_CONFIG

from workbench.engine.common.errors import DataError
from workbench.engine.data.series import SeriesCorpus, load_series_csv, load_weather_demo, weather_series
from workbench.engine.model.builder import build_model
from workbench.engine.model.templates import from_template
from workbench.engine.project.project import Project
from workbench.engine.spec import RecurrentSpec

HOURS_PER_YEAR = 365 * 24


@pytest.fixture(scope="module")
def weather() -> SeriesCorpus:
    return load_weather_demo(years=2)


def autocorrelation(x: np.ndarray, lag: int) -> float:
    return float(np.corrcoef(x[:-lag], x[lag:])[0, 1])


def write_csv(tmp_path, text: str, name: str = "series.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def csv_rows(count: int, delimiter: str = ",") -> str:
    lines = [delimiter.join(["date", "temp", "rain", "wind"])]
    for i in range(count):
        lines.append(delimiter.join([f"2020-01-{i + 1:02d}", f"{10 + i % 7 * 0.5}", f"{i % 3}", f"{20 - i}"]))
    return "\n".join(lines) + "\n"


# The weather demo


def test_temperature_has_a_daily_and_a_yearly_cycle():
    values, columns = weather_series(years=3, seed=0)
    temperature = values[:, 0]
    assert columns == ("temperature", "humidity") and values.shape == (3 * HOURS_PER_YEAR, 2)
    assert autocorrelation(temperature, 24) > autocorrelation(temperature, 12) + 0.3
    assert autocorrelation(temperature, HOURS_PER_YEAR) > 0.8 > 0 > autocorrelation(temperature, HOURS_PER_YEAR // 2)
    power = np.abs(np.fft.rfft(temperature - temperature.mean())) ** 2
    assert np.argmax(power[1:100]) + 1 == 3  # three years: three cycles
    daily = 3 * 365  # one cycle a day
    assert power[daily] > 20 * max(power[daily - 5 : daily].max(), power[daily + 1 : daily + 6].max())


def test_humidity_falls_as_it_warms_and_stays_within_bounds():
    values, _ = weather_series(years=1, seed=1)
    assert np.corrcoef(values[:, 0], values[:, 1])[0, 1] < -0.2
    assert 5 <= values[:, 1].min() and values[:, 1].max() <= 100


def test_the_weather_is_the_same_for_a_seed_and_differs_between_seeds():
    first, _ = weather_series(years=1, seed=3)
    np.testing.assert_array_equal(first, weather_series(years=1, seed=3)[0])
    assert not np.allclose(first, weather_series(years=1, seed=4)[0])
    single, columns = weather_series(years=1, seed=3, humidity=False)
    assert columns == ("temperature",) and single.shape == (HOURS_PER_YEAR, 1)


# Split, normalisation, storage


def test_the_last_part_is_held_out_and_normalised_with_the_training_part(weather):
    train, val = weather.values("train"), weather.values("val")
    assert len(val) == round(0.1 * len(weather.values())) and weather.description["source"] == "demo:weather"
    np.testing.assert_array_equal(np.concatenate([train, val]), weather.values())
    normalised = weather.normalised("train")
    np.testing.assert_allclose(normalised.mean(0), 0, atol=1e-4)
    np.testing.assert_allclose(normalised.std(0), 1, atol=1e-4)
    np.testing.assert_allclose(weather.denormalise(weather.normalise(val)), val, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(weather.normalised("val"), weather.normalise(val), atol=1e-6)


def test_a_constant_column_is_kept_as_it_is():
    values = np.stack([np.arange(30.0), np.full(30, 7.0)], 1)
    corpus = SeriesCorpus.from_values(values, ("ramp", "flat"), "test", "test")
    assert corpus.normalisation.std[1] == 1.0
    np.testing.assert_allclose(corpus.normalised("train")[:, 1], 0)


def test_the_corpus_round_trips_through_json_and_hdf5(weather, tmp_path):
    with h5py.File(tmp_path / "data.h5", "w") as file:
        for name, array in weather.arrays().items():
            file[name] = array
    with h5py.File(tmp_path / "data.h5", "r") as file:
        arrays = {name: file[name][()] for name in file}
    description = json.loads(json.dumps(weather.description))
    again = SeriesCorpus.from_arrays(description, json.loads(json.dumps(weather.vocab.to_json())), arrays)
    assert again.columns == weather.columns and again.stats() == weather.stats()
    first, second = weather.batcher("train", 4, 24, 7), again.batcher("train", 4, 24, 7)
    for _ in range(3):
        a, b = first.next_batch(), second.next_batch()
        np.testing.assert_array_equal(a.inputs, b.inputs)
        np.testing.assert_array_equal(a.targets, b.targets)


def test_damaged_storage_is_named():
    corpus = SeriesCorpus.from_values(np.arange(40.0)[:, None], ("x",), "saved.h5", "x")
    with pytest.raises(DataError, match="saved.h5.*'values'"):
        SeriesCorpus.from_arrays(corpus.description, corpus.vocab.to_json(), {})
    with pytest.raises(DataError, match="column names"):
        SeriesCorpus.from_arrays(corpus.description, {"columns": ["x", "y"]}, corpus.arrays())


# Batches


def test_batches_are_windows_with_targets_one_step_ahead(weather):
    batch = weather.batcher("train", 8, 48, seed=1).next_batch()
    assert batch.inputs.shape == batch.targets.shape == (8, 48, 2)
    assert batch.inputs.dtype == batch.targets.dtype == np.float32
    assert not batch.continues and batch.tokens == 8 * 48 and batch.mask is None
    np.testing.assert_array_equal(batch.targets[:, :-1], batch.inputs[:, 1:])
    series = weather.normalised("train")
    for row in range(8):
        start = np.flatnonzero((series[:, 0] == batch.inputs[row, 0, 0]) & (series[:, 1] == batch.inputs[row, 0, 1]))[0]
        np.testing.assert_array_equal(series[start + 1 : start + 49], batch.targets[row])


def test_batches_follow_the_seed_and_the_position(weather):
    batcher = weather.batcher("train", 4, 24, seed=5)
    taken = [batcher.next_batch() for _ in range(batcher.batches_per_epoch + 2)]
    restored = weather.batcher("train", 4, 24, seed=5)
    restored.restore({"epoch": 1, "cursor": 1})
    np.testing.assert_array_equal(restored.next_batch().inputs, taken[-1].inputs)
    other = weather.batcher("train", 4, 24, seed=6).next_batch()
    assert not np.array_equal(other.inputs, taken[0].inputs)


def test_validation_batches_are_fixed_and_cover_the_split(weather):
    batcher = weather.batcher("val", 16, 24, seed=0)
    first, second = list(batcher.epoch_batches()), list(batcher.epoch_batches())
    assert len(first) == batcher.batches_per_epoch >= 1
    np.testing.assert_array_equal(first[-1].inputs, second[-1].inputs)
    val = weather.normalised("val")
    np.testing.assert_array_equal(first[0].inputs[0], val[:24])
    np.testing.assert_array_equal(first[-1].targets[-1], val[-24:])


def test_a_split_too_short_for_the_window_is_refused_in_words():
    corpus = SeriesCorpus.from_values(np.arange(100.0)[:, None], ("x",), "short.csv", "x")
    corpus.check_fits(32, 9)
    with pytest.raises(DataError, match=r"short.csv: the validation part has 10 steps.*windows of 10"):
        corpus.check_fits(32, 10)


def test_the_task_builds_a_forecaster():
    corpus = SeriesCorpus.from_values(np.random.default_rng(0).normal(size=(50, 3)), ("a", "b", "c"), "t", "t")
    task = corpus.task()
    assert (task.inputs.kind, task.inputs.feature_dim, task.head.kind, task.head.num_outputs) == (
        "features",
        3,
        "regression",
        3,
    )
    build_model(from_template("stacked", task, RecurrentSpec("gru", 8, 1)))


# CSV files


def test_csv_default_takes_every_numeric_column(tmp_path):
    corpus = load_series_csv(write_csv(tmp_path, csv_rows(20)))
    assert corpus.columns == ("temp", "rain", "wind")
    np.testing.assert_allclose(corpus.values()[:3], [[10, 0, 20], [10.5, 1, 19], [11, 2, 18]])
    assert corpus.description["title"] == "series.csv" and corpus.source.endswith("series.csv")


def test_csv_columns_are_chosen_by_name_in_the_order_given(tmp_path):
    corpus = load_series_csv(write_csv(tmp_path, csv_rows(20)), columns=["wind", "temp"], val_fraction=0.25)
    assert corpus.columns == ("wind", "temp") and corpus.task().head.num_outputs == 2
    np.testing.assert_allclose(corpus.values()[0], [20, 10])
    assert corpus.stats()["val_steps"] == 5


def test_semicolons_and_decimal_commas_are_read(tmp_path):
    text = "time;level\n" + "\n".join(f"08:{i:02d};{i % 4},5" for i in range(12)) + "\n"
    corpus = load_series_csv(write_csv(tmp_path, text))
    assert corpus.columns == ("level",)
    assert corpus.values()[3, 0] == pytest.approx(3.5)


@pytest.mark.parametrize(
    "edit, columns, message",
    [
        (
            lambda text: text.replace("11.5,", "eleven,"),
            ["temp"],
            r"series.csv, line 5, column 'temp': 'eleven' is not a number",
        ),
        (lambda text: text.replace(",2,18", ",,18"), None, r"series.csv, line 4, column 'rain': the value is missing"),
        (lambda text: text.replace(",2,18", ",NA,18"), None, r"line 4, column 'rain': the value is missing"),
        (lambda text: text, ["temperature"], r"series.csv: no column named 'temperature'; the columns are date"),
        (lambda text: text.replace(",2,18", ",2,18,9"), None, r"series.csv, line 4: 5 values, but the header names 4"),
        (lambda text: text, [], r"choose at least one column"),
    ],
)
def test_csv_problems_name_the_file_line_and_column(tmp_path, edit, columns, message):
    path = write_csv(tmp_path, edit(csv_rows(20)))
    with pytest.raises(DataError, match=message):
        load_series_csv(path, columns=columns)


def test_csv_without_numbers_or_rows_is_refused(tmp_path):
    with pytest.raises(DataError, match="needs at least 10 rows of values; found 3"):
        load_series_csv(write_csv(tmp_path, csv_rows(3)))
    words = "a,b\n" + "x,y\n" * 12
    with pytest.raises(DataError, match="no column holds numbers"):
        load_series_csv(write_csv(tmp_path, words, "words.csv"))
    with pytest.raises(DataError, match="no such file"):
        load_series_csv(tmp_path / "absent.csv")


# Differencing


def trend(steps: int = 200) -> np.ndarray:
    """A rising line with a cycle on it (N, 2): the kind of series that is differenced."""
    t = np.arange(steps, dtype=np.float64)
    return np.stack([300 + 0.5 * t + 3 * np.sin(2 * np.pi * t / 12), 20 - 0.1 * t + np.cos(t / 5)], 1)


@pytest.fixture
def differenced() -> SeriesCorpus:
    return SeriesCorpus.from_values(trend(), ("co2", "other"), "trend.csv", "trend", differencing=True)


def test_a_differenced_series_is_modelled_as_its_normalised_changes(differenced):
    values = differenced.values()
    np.testing.assert_allclose(values, trend(), rtol=1e-6)  # the user's units, as before
    changes = np.diff(values.astype(np.float64), axis=0)  # (N - 1, F)
    train_steps = differenced.stats()["train_steps"]
    assert differenced.description["differencing"] == 1 and differenced.differencing == 1
    np.testing.assert_allclose(differenced.normalisation.mean, changes[: train_steps - 1].mean(0), rtol=1e-5)
    np.testing.assert_allclose(differenced.normalised("train").mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(differenced.normalised("train").std(0), 1, atol=1e-5)
    assert len(differenced.normalised("train")) == train_steps - 1
    np.testing.assert_allclose(
        differenced.denormalise(differenced.normalised("val")), changes[train_steps - 1 :], rtol=1e-4, atol=1e-4
    )
    np.testing.assert_allclose(differenced.spread, values[:train_steps].std(0), rtol=1e-4)
    batch = differenced.batcher("train", 4, 12, seed=0).next_batch()
    assert np.abs(batch.inputs).max() < 5  # changes, normalised: not a trend's levels


def test_predicted_changes_are_added_back_up_into_the_series_units(differenced):
    values = differenced.values().astype(np.float64)
    history, truth = values[100:150], values[150:160]  # (50, F), (10, F)
    inputs = differenced.model_inputs(history)  # (49, F)
    np.testing.assert_allclose(inputs, differenced.normalise(np.diff(history, axis=0)), atol=1e-6)
    perfect = differenced.normalise(np.diff(values[149:160], axis=0))  # the changes that came, normalised (10, F)
    np.testing.assert_allclose(differenced.forecast_in_units(perfect, history), truth, rtol=1e-5)
    batched = differenced.forecast_in_units(np.stack([perfect, perfect]), np.stack([history, history]))
    assert batched.shape == (2, 10, 2)
    with pytest.raises(DataError, match="at least two steps of history"):
        differenced.model_inputs(history[:1])


def test_without_differencing_model_inputs_and_forecasts_are_the_normalisation(weather):
    history = weather.values()[:30]
    np.testing.assert_array_equal(weather.model_inputs(history), weather.normalise(history))
    predicted = weather.normalised("val")[:5]
    np.testing.assert_array_equal(weather.forecast_in_units(predicted, history), weather.denormalise(predicted))
    np.testing.assert_array_equal(weather.spread, weather.normalisation.std)


def test_differencing_is_recorded_in_the_project_and_survives_saving(differenced, tmp_path):
    spec = from_template("stacked", differenced.task(), RecurrentSpec("gru", 8, 1))
    project = Project.create(spec, differenced, replace(TINY_CONFIG, seq_len=10))
    project.save(tmp_path / "trend.h5")
    again = Project.open(tmp_path / "trend.h5")
    try:
        assert again.corpus.differencing == 1 and again.corpus.description["differencing"] == 1
        np.testing.assert_array_equal(again.corpus.normalised("val"), differenced.normalised("val"))
        np.testing.assert_array_equal(again.corpus.values(), differenced.values())
    finally:
        again.close()
        project.close()


def test_a_description_from_before_differencing_opens_as_order_zero(weather):
    old = {key: value for key, value in weather.description.items() if key != "differencing"}
    again = SeriesCorpus.from_arrays(json.loads(json.dumps(old)), weather.vocab.to_json(), weather.arrays())
    assert again.differencing == 0 and again.stats() == weather.stats()
    np.testing.assert_array_equal(again.normalised("val"), weather.normalised("val"))


@pytest.mark.parametrize("order", [2, "1", 1.0, None])
def test_a_damaged_differencing_order_is_refused(weather, order):
    description = {**weather.description, "differencing": order}
    with pytest.raises(DataError, match="demo:weather: the stored differencing order is damaged"):
        SeriesCorpus.from_arrays(description, weather.vocab.to_json(), weather.arrays())


def test_only_orders_zero_and_one_are_offered():
    with pytest.raises(DataError, match="differencing is of order 0 .* or 1 .*, not 2"):
        SeriesCorpus.from_values(trend(), ("a", "b"), "t", "t", differencing=2)


def test_a_stored_split_that_does_not_fit_the_series_is_refused(weather):
    description = {**weather.description, "train_steps": len(weather.values())}
    with pytest.raises(DataError, match="the stored split does not fit"):
        SeriesCorpus.from_arrays(description, weather.vocab.to_json(), weather.arrays())

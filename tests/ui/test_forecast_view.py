"""The Forecast view: controls that ask, and a plot of the answer against the truth and the naive forecast."""

import numpy as np
import pytest

from workbench.engine.inference.forecasting import ForecastShown
from workbench.engine.scoring.forecast_scores import ForecastBaseline, ForecastScores
from workbench.ui.results.forecast_view import DEFAULT_HORIZON, ForecastView, number
from workbench.ui.theme import ERROR

# The offscreen platform warns when a top-level widget is shown; nothing is wrong.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

COLUMNS = ("temperature", "humidity")
VAL_STEPS = 300


def shown_forecast(start: int = 40, horizon: int = 5, history: int = 8) -> ForecastShown:
    """A forecast whose columns differ: humidity is temperature × 10 + 50."""
    rng = np.random.default_rng(0)
    temperature = rng.normal(size=(history + 2 * horizon,)).astype(np.float32)
    values = np.stack([temperature, 10 * temperature + 50], axis=1)  # (H + 2K, 2)
    past, truth, predicted = values[:history], values[history : history + horizon], values[history + horizon :]
    naive = np.repeat(past[-1:], horizon, axis=0)
    return ForecastShown(
        columns=COLUMNS,
        start=start,
        history_steps=np.arange(start - history, start),
        history=past,
        truth=truth,
        forecast=predicted,
        naive=naive,
        model_mae=np.abs(predicted - truth).mean(0),
        naive_mae=np.abs(naive - truth).mean(0),
    )


@pytest.fixture
def view(qtbot):
    widget = ForecastView()
    qtbot.addWidget(widget)
    widget.resize(1000, 600)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_series(COLUMNS, VAL_STEPS)
    return widget


def test_set_series_offers_the_columns_and_starts_over_the_validation_part(view):
    assert [view.column_combo.itemText(i) for i in range(view.column_combo.count())] == list(COLUMNS)
    assert view.horizon == DEFAULT_HORIZON and view.horizon_spin.maximum() == min(500, VAL_STEPS)
    assert view.start_spin.maximum() == view.start_slider.maximum() == VAL_STEPS - DEFAULT_HORIZON
    view.horizon_spin.setValue(100)
    assert view.start_spin.maximum() == view.start_slider.maximum() == VAL_STEPS - 100
    view.set_series(("level",), 20)
    assert view.horizon_spin.maximum() == 20 and view.start_spin.maximum() == 0
    view.set_series((), 0)
    assert not view.forecast_button.isEnabled() and not view.start_spin.isEnabled()


def test_the_forecast_button_asks_for_the_chosen_start_and_horizon_and_waits(qtbot, view):
    view.start_slider.setValue(120)
    view.horizon_spin.setValue(24)
    assert view.start == 120
    with qtbot.waitSignal(view.forecast_requested, timeout=1000) as blocker:
        view.forecast_button.click()
    assert blocker.args == [120, 24]
    assert not view.forecast_button.isEnabled() and not view.evaluate_button.isEnabled()
    with qtbot.assertNotEmitted(view.forecast_requested, wait=300):  # the debounced change is answered already
        pass
    view.show_forecast(shown_forecast())
    assert view.forecast_button.isEnabled() and view.evaluate_button.isEnabled()


def test_moving_the_start_asks_once_it_rests(qtbot, view):
    with qtbot.waitSignal(view.forecast_requested, timeout=1000) as blocker:
        for start in (10, 11, 12):
            view.start_spin.setValue(start)
    assert blocker.args == [12, DEFAULT_HORIZON]


def test_a_move_while_waiting_is_asked_about_when_the_answer_comes(qtbot, view):
    view.request_forecast()
    view.start_spin.setValue(7)
    with qtbot.assertNotEmitted(view.forecast_requested, wait=300):
        pass
    with qtbot.waitSignal(view.forecast_requested, timeout=1000) as blocker:
        view.show_forecast(shown_forecast())
    assert blocker.args == [7, DEFAULT_HORIZON]


def test_the_plot_shows_the_chosen_column_joined_to_the_last_value_read(view):
    result = shown_forecast(start=40, horizon=5, history=8)
    view.show_forecast(result)
    for column, name in enumerate(COLUMNS):
        view.column_combo.setCurrentIndex(column)
        x, y = view.history_curve.getData()
        np.testing.assert_array_equal(x, np.arange(32, 40))
        np.testing.assert_array_equal(y, result.history[:, column])
        last = result.history[-1, column]
        for curve, values in (
            (view.truth_curve, result.truth),
            (view.forecast_curve, result.forecast),
            (view.naive_curve, result.naive),
        ):
            x, y = curve.getData()
            np.testing.assert_array_equal(x, np.arange(39, 45))
            np.testing.assert_array_equal(y, np.concatenate([[last], values[:, column]]))
        assert view.naive_curve.getData()[1][-1] == last
        assert view.start_line.value() == 39 and view.start_line.isVisible()
        assert view.plot.getAxis("left").labelText == name
        assert f"{name} MAE {number(result.model_mae[column])} vs {number(result.naive_mae[column])}" in (
            view.forecast_label.text()
        )
    view.clear()
    assert all(curve.getData() == (None, None) for curve in (view.history_curve, view.truth_curve))
    assert view.forecast_label.text() == "" and not view.start_line.isVisible()


def test_scores_read_as_a_ratio_to_the_naive_forecast(qtbot, view):
    with qtbot.waitSignal(view.evaluate_requested, timeout=1000) as blocker:
        view.evaluate_button.click()
    assert blocker.args == [DEFAULT_HORIZON] and not view.forecast_button.isEnabled()
    scores = ForecastScores(
        horizon=24,
        windows=256,
        columns=COLUMNS,
        model_mae=np.array([1.06, 4.0]),
        naive_mae=np.array([3.07, 8.0]),
        model_rmse=np.array([1.3, 5.0]),
        naive_rmse=np.array([3.5, 9.0]),
        ratio=0.33,
    )
    view.show_scores(scores)
    assert view.scores_label.text() == (
        "Over 256 forecasts 24 steps ahead: error 0.33× the naive forecast (temperature MAE 1.06 vs 3.07)"
    )
    assert view.forecast_button.isEnabled()
    view.column_combo.setCurrentIndex(1)
    assert view.scores_label.text().endswith("(humidity MAE 4.00 vs 8.00)")


def test_an_error_is_shown_in_words_and_the_buttons_come_back(view):
    view.forecast_button.click()
    assert not view.forecast_button.isEnabled()
    view.show_error("demo:weather: a forecast of 48 steps can start at validation steps 0 to 252, not at 290.")
    assert "0 to 252" in view.error_label.text() and ERROR in view.error_label.styleSheet()
    assert view.error_label.isVisibleTo(view)
    assert view.forecast_button.isEnabled() and view.evaluate_button.isEnabled()


def test_scores_name_the_best_baseline_and_each_columns_errors_once(view):
    naive = ForecastBaseline("naive", "repeats the last value", 1, np.array([3.07, 8.0]), 1.0)
    ar = ForecastBaseline(
        "linear autoregression", "a least-squares fit of the last 48 steps", 48, np.array([0.5, 2.0]), 0.2
    )
    scores = ForecastScores(
        horizon=24,
        windows=256,
        columns=COLUMNS,
        model_mae=np.array([1.06, 4.0]),
        naive_mae=np.array([3.07, 8.0]),
        model_rmse=np.array([1.3, 5.0]),
        naive_rmse=np.array([3.5, 9.0]),
        ratio=0.33,
        baselines=(naive, ar),
    )
    view.show_scores(scores)
    text = view.scores_label.text()
    assert "the best baseline, the linear autoregression (48 steps), does 0.20×: the model does worse than it" in text
    assert text.endswith("(temperature MAE 1.06 (naive 3.07, linear autoregression 0.500))")
    assert text.count("MAE") == 1
    assert view.minimumSizeHint().width() < 700  # the long verdict wraps: it never widens the window
    view.resize(700, 600)
    assert view.scores_label.width() <= 700 and view.scores_label.height() > view.fontMetrics().height()

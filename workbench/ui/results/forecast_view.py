"""The Forecast view: the model's multi-step forecast against what came, and against the last value held.

A plain view. It emits ``forecast_requested(start, horizon)`` and ``evaluate_requested(horizon)``,
which the window's ``ViewRequests`` sends to the engine's worker thread, and shows what comes back
(``show_forecast``, ``show_scores``, ``show_error``) on the GUI thread. One request is in flight at
a time: meanwhile the buttons are disabled, and a start or horizon the user moves to is asked about
when the answer comes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSlider, QSpinBox, QVBoxLayout, QWidget

from .. import theme
from ..dashboard.style import GRID_ALPHA, line_pen, make_legend
from ..plot_grid import grid_axes, show_grid

if TYPE_CHECKING:  # a view of what the worker computed: its types only
    from ...engine.inference.forecasting import ForecastShown
    from ...engine.scoring.forecast_scores import ForecastScores
from .try_view import TryView

MAX_HORIZON = 500
DEFAULT_HORIZON = 48
DEBOUNCE_MS = 200  # a moved start or horizon is asked about once it rests this long
LEGEND_ROOM = 0.16  # of the values' span, left free above them for the legend
HISTORY_COLOUR, TRUTH_COLOUR, MODEL_COLOUR, NAIVE_COLOUR = "#9aa0a6", theme.TEXT, theme.ACCENT, "#e8710a"
START_COLOUR = "#80868b"
NO_SERIES_HINT = "Open a time-series project to forecast"
READY_HINT = "Choose where the forecast starts and how many steps ahead it looks, then press Forecast"
START_TIP = "The validation step the forecast begins at; the model reads the steps before it"
HORIZON_TIP = "How many steps the model forecasts, feeding each prediction back in as its next input"
EVALUATE_TIP = "Score many forecasts of this horizon across the validation part against the naive forecast"


def number(value: float) -> str:
    """Three significant digits, with no exponent for large values: 5.00, 1.06, 0.00123, 123, 12,346."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:#.3g}".rstrip(".")


def forecast_text(result: ForecastShown, column: int) -> str:
    """The shown forecast's error in ``column``, with the naive forecast's."""
    name, steps = result.columns[column], len(result.truth)
    return (
        f"This forecast, {steps} step{'s' * (steps != 1)} from step {result.start}: {name} MAE "
        f"{number(result.model_mae[column])} vs {number(result.naive_mae[column])} for the naive forecast"
    )


def scores_text(scores: ForecastScores, column: int) -> str:
    """'Over 256 forecasts 24 steps ahead: error 0.33× the naive forecast (temperature MAE 1.06 vs 3.07)'."""
    forecasts = f"{scores.windows} forecast{'s' * (scores.windows != 1)}"
    ahead = f"{scores.horizon} step{'s' * (scores.horizon != 1)} ahead"
    if scores.baselines:  # the verdict against every baseline, then the shown column's errors in its unit
        return f"Over {forecasts} {ahead}: {scores.verdict()} ({scores.column_errors(column)})"
    mae = f"{scores.columns[column]} MAE {number(scores.model_mae[column])} vs {number(scores.naive_mae[column])}"
    return f"Over {forecasts} {ahead}: {scores.verdict()} ({mae})"


def _column_of(columns: tuple[str, ...], name: str) -> int:
    return columns.index(name) if name in columns else 0


def _spin(minimum: int, maximum: int, value: int, tip: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(minimum, maximum)
    spin.setValue(value)
    spin.setToolTip(tip)
    spin.setAccelerated(True)
    return spin


class ForecastView(TryView):
    forecast_requested = Signal(int, int)  # start (a validation step), horizon
    evaluate_requested = Signal(int)  # horizon

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._columns: tuple[str, ...] = ()
        self._val_steps = 0
        self._result: ForecastShown | None = None
        self._scores: ForecastScores | None = None
        self._stale = False  # the start or horizon moved since that request
        self._debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._build_controls()
        self._build_plot()
        self._lay_out()
        self._connect()
        self.set_series((), 0)

    # -- building ---------------------------------------------------------------------

    def _build_controls(self) -> None:
        self.column_combo = QComboBox(toolTip="The column plotted")
        self.column_combo.setMinimumContentsLength(12)
        self.start_slider = QSlider(Qt.Orientation.Horizontal, toolTip=START_TIP)
        self.start_spin = _spin(0, 0, 0, START_TIP)
        self.horizon_spin = _spin(1, MAX_HORIZON, DEFAULT_HORIZON, HORIZON_TIP)
        self.forecast_button = QPushButton("Forecast", toolTip="Forecast from the chosen start")
        self.forecast_button.setDefault(True)
        self.evaluate_button = QPushButton("Evaluate", toolTip=EVALUATE_TIP)
        self.forecast_label = QLabel(wordWrap=True, textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        self.scores_label = QLabel(wordWrap=True, textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint_label = QLabel(wordWrap=True)
        self.hint_label.setStyleSheet(f"color: {theme.MUTED};")
        self.add_request_button(self.forecast_button)
        self.add_request_button(self.evaluate_button)

    def _build_plot(self) -> None:
        background = theme.PLOT_BACKGROUND
        self.plot_widget = pg.PlotWidget(background=background, axisItems=grid_axes(background))
        plot = self.plot = self.plot_widget.getPlotItem()
        for side in ("left", "bottom"):
            plot.getAxis(side).setPen(pg.mkPen(theme.MUTED))
            plot.getAxis(side).setTextPen(pg.mkPen(theme.TEXT))
        plot.setLabel("bottom", "steps", color=theme.MUTED)
        show_grid(plot, GRID_ALPHA)
        plot.setMenuEnabled(False, enableViewBoxMenu=True)
        plot.hideButtons()
        make_legend(plot, columns=4)
        self.history_curve = plot.plot(pen=line_pen(QColor(HISTORY_COLOUR), 1.5), name="history")
        self.truth_curve = plot.plot(pen=line_pen(QColor(TRUTH_COLOUR), 1.8), name="truth")
        self.naive_curve = plot.plot(pen=line_pen(QColor(NAIVE_COLOUR), 1.8, dashed=True), name="naive (last value)")
        self.forecast_curve = plot.plot(pen=line_pen(QColor(MODEL_COLOUR), 2.6), name="model")
        self.start_line = pg.InfiniteLine(
            angle=90,
            pen=line_pen(QColor(START_COLOUR), 1, dashed=True),
            label="forecast →",
            labelOpts={"position": 0.04, "color": theme.MUTED, "anchors": [(0, 1), (0, 1)]},
        )
        plot.addItem(self.start_line, ignoreBounds=True)

    def _lay_out(self) -> None:
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Column"))
        controls.addWidget(self.column_combo)
        controls.addSpacing(12)
        controls.addWidget(QLabel("Start", toolTip=START_TIP))
        controls.addWidget(self.start_slider, 1)
        controls.addWidget(self.start_spin)
        controls.addSpacing(12)
        controls.addWidget(QLabel("Steps ahead", toolTip=HORIZON_TIP))
        controls.addWidget(self.horizon_spin)
        controls.addSpacing(12)
        controls.addWidget(self.forecast_button)
        controls.addWidget(self.evaluate_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 6)
        layout.setSpacing(4)
        layout.addLayout(controls)
        layout.addWidget(self.plot_widget, 1)
        for label in (self.forecast_label, self.scores_label, self.hint_label, self.error_label):
            layout.addWidget(label)

    def _connect(self) -> None:
        self.start_slider.valueChanged.connect(self.start_spin.setValue)
        self.start_spin.valueChanged.connect(self.start_slider.setValue)
        self.start_spin.valueChanged.connect(self._on_controls_changed)
        self.horizon_spin.valueChanged.connect(self._on_horizon_changed)
        self.column_combo.currentIndexChanged.connect(self._on_column_changed)
        self.forecast_button.clicked.connect(self.request_forecast)
        self.evaluate_button.clicked.connect(self.request_evaluation)
        self._debounce.timeout.connect(self.request_forecast)

    # -- the series and the controls ----------------------------------------------------

    def set_series(self, columns: tuple[str, ...], val_steps: int) -> None:
        """Offer ``columns`` and starts over the ``val_steps`` validation steps; ``()`` for no series."""
        self._columns = tuple(columns) if val_steps > 0 else ()
        self._val_steps = val_steps
        for widget in (self.column_combo, self.start_spin, self.start_slider, self.horizon_spin):
            widget.blockSignals(True)
        self.column_combo.clear()
        self.column_combo.addItems(self._columns)
        self.horizon_spin.setMaximum(min(MAX_HORIZON, val_steps) if val_steps > 0 else MAX_HORIZON)
        self._fit_start_range(val_steps)
        for widget in (self.column_combo, self.start_spin, self.start_slider, self.horizon_spin):
            widget.blockSignals(False)
        for widget in (self.column_combo, self.start_slider, self.start_spin, self.horizon_spin):
            widget.setEnabled(bool(self._columns))
        self.clear()
        self.hint_label.setText(READY_HINT if self._columns else NO_SERIES_HINT)

    def _fit_start_range(self, val_steps: int) -> None:
        """Starts from which the whole horizon lies in the validation part."""
        last = max(0, val_steps - self.horizon)
        self.start_spin.setMaximum(last)
        self.start_slider.setRange(0, last)
        self.start_slider.setPageStep(max(1, self.horizon))

    @property
    def start(self) -> int:
        return self.start_spin.value()

    @property
    def horizon(self) -> int:
        return self.horizon_spin.value()

    @property
    def column(self) -> str:
        return self.column_combo.currentText()

    def _on_horizon_changed(self) -> None:
        self._fit_start_range(self._val_steps)
        self._on_controls_changed()

    def _on_controls_changed(self) -> None:
        if self._columns:
            self._debounce.start()

    def _on_column_changed(self) -> None:
        self._draw()
        self._show_scores()

    # -- requests and answers -----------------------------------------------------------

    def request_forecast(self) -> None:
        """Ask for a forecast at the chosen start and horizon; with an answer outstanding, once it comes."""
        self._debounce.stop()
        if not self._columns:
            return
        if self.waiting:
            self._stale = True
            return
        if self.begin_request(self.forecast_button, "Forecasting…"):
            self.forecast_requested.emit(self.start, self.horizon)

    def request_evaluation(self) -> None:
        """Ask for scores over many forecasts of the chosen horizon (ignored while a request is out)."""
        if self._columns and self.begin_request(self.evaluate_button, "Scoring…"):
            self.evaluate_requested.emit(self.horizon)

    def show_forecast(self, result: ForecastShown) -> None:
        self._result = result
        self.hint_label.clear()
        self._draw()
        self.answered()

    def show_scores(self, scores: ForecastScores) -> None:
        self._scores = scores
        self._show_scores()
        self.answered()

    def show_error(self, message: str) -> None:
        self._stale = False  # the next request is the user's to make
        super().show_error(message)

    def clear(self) -> None:
        """Forget what was shown and any request outstanding; keep the series and the controls."""
        self._debounce.stop()
        self._result, self._scores = None, None
        self._stale = False
        self._draw()
        self._show_scores()
        self.answered()

    def answered(self) -> None:
        """Buttons back on while there is a series; a move made while waiting is asked about now."""
        super().answered()
        for button in self.request_buttons:
            button.setEnabled(bool(self._columns))
        if self._stale:
            self._stale = False
            self.request_forecast()

    # -- drawing ------------------------------------------------------------------------

    def _draw(self) -> None:
        """The last forecast in the chosen column; each forecast curve starts at the last value read."""
        result = self._result
        curves = (self.history_curve, self.truth_curve, self.forecast_curve, self.naive_curve)
        if result is None:
            for curve in curves:
                curve.setData([], [])
            self.start_line.hide()
            self.forecast_label.setText("")
            self.plot.setLabel("left", self.column, color=theme.MUTED)
            return
        column = _column_of(result.columns, self.column)
        last = result.history[-1:, column]
        ahead = np.concatenate([[result.start - 1], result.steps])  # (K + 1,)
        self.history_curve.setData(result.history_steps, result.history[:, column])
        for curve, values in (
            (self.truth_curve, result.truth),
            (self.forecast_curve, result.forecast),
            (self.naive_curve, result.naive),
        ):
            curve.setData(ahead, np.concatenate([last, values[:, column]]))
        self.start_line.setPos(result.start - 1)
        self.start_line.show()
        self.plot.setLabel("left", result.columns[column], color=theme.MUTED)
        self.forecast_label.setText(forecast_text(result, column))
        self._fit_view(result, column)

    def _fit_view(self, result: ForecastShown, column: int) -> None:
        """All of the curves, with room above them for the legend."""
        shown = np.concatenate([values[:, column] for values in (result.history, result.truth, result.forecast)])
        low, high = float(shown.min()), float(shown.max())
        span = high - low or 1.0
        self.plot.setXRange(result.history_steps[0], result.steps[-1], padding=0.01)
        self.plot.setYRange(low - 0.03 * span, high + LEGEND_ROOM * span, padding=0)

    def _show_scores(self) -> None:
        scores = self._scores
        self.scores_label.setText(scores_text(scores, _column_of(scores.columns, self.column)) if scores else "")

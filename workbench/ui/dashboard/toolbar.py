"""The row of controls above the plots: smoothing, log scale, units, runs shown, layers of."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QPixmap
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QMenu, QSlider, QToolButton, QWidget

from .curves import DisplayOptions

_SMOOTHING_STEPS = 100  # the slider counts hundredths: 0 .. 0.99
_SMOOTHING_WIDTHS = (60, 130)  # px: the slider gives way first when the window is narrow


class WholeItemsComboBox(QComboBox):
    """A combo box as wide as its longest item, never squeezed narrower.

    ``AdjustToContents`` recomputes the size hint when items come or change, but Qt keeps the
    minimum size hint it first computed (the empty box's), and a full toolbar squeezes the box
    to it: "run-001" showed as "run-0".
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()


def _swatch(colour: QColor) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(colour)
    return QIcon(pixmap)


class DashboardToolbar(QWidget):
    options_changed = Signal(object)  # DisplayOptions
    run_toggled = Signal(str, bool)  # run name, shown
    layer_run_chosen = Signal(str)  # the run whose per-layer gradient norms are drawn

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        defaults = DisplayOptions()
        self.smoothing_slider = QSlider(Qt.Orientation.Horizontal)
        self.smoothing_slider.setRange(0, _SMOOTHING_STEPS - 1)
        self.smoothing_slider.setValue(round(defaults.smoothing * _SMOOTHING_STEPS))
        self.smoothing_slider.setMinimumWidth(_SMOOTHING_WIDTHS[0])
        self.smoothing_slider.setMaximumWidth(_SMOOTHING_WIDTHS[1])
        self.smoothing_slider.setToolTip("Exponential moving average of the training loss, per step (0 = raw)")
        self.smoothing_label = QLabel()
        self.smoothing_label.setMinimumWidth(28)
        self.log_scale_check = QCheckBox("Log scale")
        self.log_scale_check.setToolTip("Logarithmic loss axis")
        self.units_combo = WholeItemsComboBox()  # "squared error" is longer than "nats / token"
        self.units_combo.addItem("", False)
        self.units_combo.addItem("", True)
        self._per = ""
        self.set_loss_per(defaults.per)
        self.units_combo.setToolTip("Loss units: bits = nats / ln 2")
        self.layer_run_combo = WholeItemsComboBox()
        self.layer_run_combo.setToolTip("The run whose per-layer gradient norms are drawn")
        self.runs_button = QToolButton()
        self.runs_button.setText("Runs ▾")
        self.runs_button.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0px; }")
        self.runs_button.setToolTip("Show or hide runs (or click a run's line in the loss legend)")
        self.runs_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.runs_menu = QMenu(self.runs_button)
        self.runs_button.setMenu(self.runs_menu)
        self._run_actions: dict[str, QAction] = {}
        self._lay_out()
        self._show_smoothing()
        self.smoothing_slider.valueChanged.connect(self._on_smoothing_changed)
        self.log_scale_check.toggled.connect(self._emit_options)
        self.units_combo.currentIndexChanged.connect(self._emit_options)
        self.layer_run_combo.activated.connect(self._on_layer_run_activated)

    def _lay_out(self) -> None:
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 10, 0)
        row.setSpacing(8)
        row.addWidget(QLabel("Smoothing"))
        row.addWidget(self.smoothing_slider, 1)  # up to its maximum width; the rest goes to the gap
        row.addWidget(self.smoothing_label)
        row.addSpacing(10)
        row.addWidget(self.log_scale_check)
        row.addSpacing(10)
        row.addWidget(QLabel("Units"))
        row.addWidget(self.units_combo)
        row.addStretch(1)
        row.addWidget(QLabel("Layer norms of"))
        row.addWidget(self.layer_run_combo)
        row.addWidget(self.runs_button)

    @property
    def options(self) -> DisplayOptions:
        return DisplayOptions(
            smoothing=self.smoothing_slider.value() / _SMOOTHING_STEPS,
            log_loss=self.log_scale_check.isChecked(),
            bits=bool(self.units_combo.currentData()),
            per=self._per,
        )

    def set_loss_per(self, per: str) -> None:
        """Name the units after what the loss is a mean over ("token", "item", "line"); a
        squared error ("value") has no bits."""
        if per == self._per:
            return
        self._per = per
        squared = per == "value"
        self.units_combo.setItemText(0, "squared error" if squared else f"nats / {per}")
        self.units_combo.setItemText(1, "squared error" if squared else f"bits / {per}")
        if squared:
            self.units_combo.setCurrentIndex(0)
        self.units_combo.setEnabled(not squared)
        self._emit_options()

    def set_runs(self, runs: list[tuple[str, str, QColor, bool]], layer_run: str | None) -> None:
        """(name, label, colour, shown) per run, in drawing order."""
        self.runs_menu.clear()
        self._run_actions = {}
        self.layer_run_combo.clear()
        for name, label, colour, shown in runs:
            action = self.runs_menu.addAction(_swatch(colour), label)
            action.setCheckable(True)
            action.setChecked(shown)
            action.toggled.connect(lambda checked, name=name: self.run_toggled.emit(name, checked))
            self._run_actions[name] = action
            self.layer_run_combo.addItem(_swatch(colour), name, name)
        self.runs_button.setEnabled(bool(runs))
        self.layer_run_combo.setEnabled(bool(runs))
        self.show_layer_run(layer_run)

    def show_layer_run(self, name: str | None) -> None:
        index = self.layer_run_combo.findData(name)
        if index >= 0:
            self.layer_run_combo.setCurrentIndex(index)

    def show_run_shown(self, name: str, shown: bool) -> None:
        action = self._run_actions.get(name)
        if action is not None and action.isChecked() != shown:
            action.blockSignals(True)
            action.setChecked(shown)
            action.blockSignals(False)

    def _show_smoothing(self) -> None:
        self.smoothing_label.setText(f"{self.smoothing_slider.value() / _SMOOTHING_STEPS:.2f}")

    def _on_smoothing_changed(self, _value: int) -> None:
        self._show_smoothing()
        self._emit_options()

    def _emit_options(self, *_args) -> None:
        self.options_changed.emit(self.options)

    def _on_layer_run_activated(self, index: int) -> None:
        self.layer_run_chosen.emit(self.layer_run_combo.itemData(index))

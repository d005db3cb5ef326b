"""The bar above the internals views: which layer, and which snapshot of the run."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSlider, QToolButton, QWidget

from ..steady_label import SteadyLabel
from .history import SnapshotHistory


def layer_label(name: str) -> str:
    """'encoder.l0.reverse' → 'encoder.l0.reverse (right to left)'."""
    return f"{name} (right to left)" if name.endswith(".reverse") else name


class SnapshotControls(QWidget):
    layer_chosen = Signal(str)
    snapshot_chosen = Signal(int)  # the user moved the scrubber to this index
    follow_toggled = Signal(bool)  # the user pressed or released "Follow latest"

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.layer_box = QComboBox()
        self.layer_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.layer_box.currentIndexChanged.connect(self._on_layer_box_changed)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.setPageStep(1)
        self.slider.setToolTip("Scrub through the probe snapshots of this run")
        self.slider.valueChanged.connect(self.snapshot_chosen)
        self.step_label = SteadyLabel("step 000,000 (snapshot 00 of 00)")
        self.follow_button = QToolButton()
        self.follow_button.setText("Follow latest")
        self.follow_button.setCheckable(True)
        self.follow_button.setChecked(True)
        self.follow_button.setToolTip("Show each new snapshot as training records it")
        self.follow_button.clicked.connect(self.follow_toggled)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(QLabel("Layer"))
        layout.addWidget(self.layer_box)
        layout.addSpacing(12)
        layout.addWidget(QLabel("Snapshot"))
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.step_label)
        layout.addWidget(self.follow_button)

    @property
    def layer(self) -> str | None:
        return self.layer_box.currentData()

    def set_layers(self, names: list[str], selected: str) -> None:
        """Offer ``names``; keep the list (and the user's place in it) if it did not change."""
        self.layer_box.blockSignals(True)
        if [self.layer_box.itemData(i) for i in range(self.layer_box.count())] != names:
            self.layer_box.clear()
            for name in names:
                self.layer_box.addItem(layer_label(name), name)
        self.layer_box.setCurrentIndex(max(names.index(selected), 0) if selected in names else 0)
        self.layer_box.blockSignals(False)

    def show_history(self, history: SnapshotHistory) -> None:
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(len(history) - 1, 0))
        self.slider.setValue(max(history.index, 0))
        self.slider.blockSignals(False)
        self.slider.setEnabled(len(history) > 1)
        self.follow_button.setChecked(history.following)
        current = history.current
        if current is None:
            self.step_label.setText("no snapshots yet")
        else:
            self.step_label.setText(f"step {current.step:,} (snapshot {history.index + 1} of {len(history)})")

    def _on_layer_box_changed(self, index: int) -> None:
        if index >= 0:
            self.layer_chosen.emit(self.layer_box.itemData(index))

"""Inside the network: gates, states, saturation and gradients of the probe snapshots of a run.

Snapshots arrive from the training thread's queue (``add_snapshot``) or from a saved project
(``load_snapshots``). They are stored at once; the views are redrawn by a timer, at most
``1000 / REDRAW_INTERVAL_MS`` times a second, only when something changed, and only while the
panel can be seen: behind another tab it catches up when it is shown (a redraw costs the GUI
thread 10–30 ms with its paints, which training pays for while the user watches the curves).
A snapshot of the running training may wait longer: the redraws snapshots cause keep to
LIVE_SHARE of the GUI thread, paints included, pausing LIVE_PAUSE_MAX_S at most (every snapshot
stays in the history; the newest is shown when its turn comes). The user's own actions are not
held back. Of the Gates, States, Gate saturation and Gradient through time tabs only the one in
front is redrawn; another catches up when the user brings it to the front. The plots themselves
are built when a model is shown (``prepare``), not at its first snapshot.

``clock`` (seconds) times the pauses, ``cpu_clock`` (the GUI thread's CPU seconds) a redraw's cost.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QSplitter, QStackedWidget, QTabWidget, QVBoxLayout, QWidget

from workbench.engine.events import LayerSnapshot, ProbeSnapshot
from workbench.engine.spec import ModelSpec

from ...engine.inside.layer_names import GATE_NAMES, probed_layers
from .activation_text import ActivationTextView
from .controls import SnapshotControls
from .gradient import GradientView
from .history import SnapshotHistory
from .layer_views import GateHeatmapsView, StatesView
from .saturation import SaturationView

REDRAW_INTERVAL_MS = 100
LIVE_SHARE = 0.01  # most share of the GUI thread that redrawing for new snapshots may take
LIVE_PAUSE_MAX_S = 3.0  # a slow first redraw (or a huge model) holds the next one back no longer
PAINTED_WITHIN_MS = 50  # the GUI thread's CPU this long after a redraw starts is its cost: paints follow at once
PLACEHOLDER = (
    "<p><b>No probe snapshots yet.</b></p>"
    "<p>While it trains, the model is run now and then on a fixed piece of text, and every gate, "
    "cell state, hidden state and gradient is recorded. They will appear here.</p>"
)


class InternalsPanel(QWidget):
    unit_selected = Signal(int)
    redrawn = Signal()  # the views now show ``current_snapshot``
    live_share = LIVE_SHARE  # tests of what the views show may pace faster

    def __init__(
        self,
        parent=None,
        clock: Callable[[], float] = time.monotonic,
        cpu_clock: Callable[[], float] = time.thread_time,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._cpu_clock = cpu_clock
        self.history = SnapshotHistory()
        self.controls = SnapshotControls()
        self.gates_view = GateHeatmapsView()
        self.states_view = StatesView()
        self.saturation_view = SaturationView()
        self.gradient_view = GradientView()
        self.activation_view = ActivationTextView()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.gates_view, "Gates")
        self.tabs.addTab(self.states_view, "States")
        self.tabs.addTab(self.saturation_view, "Gate saturation")
        self.tabs.addTab(self.gradient_view, "Gradient through time")
        self.pages = QStackedWidget()
        self.pages.addWidget(self._placeholder())
        self.pages.addWidget(self._content())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)
        self._unit = 0
        self._layer_name: str | None = None
        self._dirty = False
        self._stale_tabs: set[QWidget] = set()  # tabs behind the one in front, not yet redrawn
        self._live_pause_until = 0.0  # the clock's time before which a new snapshot waits
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_redraw_due)
        self._connect()

    # -- public API ------------------------------------------------------------------------

    @property
    def current_snapshot(self) -> ProbeSnapshot | None:
        return self.history.current

    @property
    def current_layer(self) -> LayerSnapshot | None:
        snapshot = self.history.current
        if snapshot is None or not snapshot.layers:
            return None
        return next((layer for layer in snapshot.layers if layer.name == self._layer_name), snapshot.layers[0])

    @property
    def unit(self) -> int:
        return self._unit

    @property
    def live_wait_s(self) -> float:
        """How long a snapshot of the running training arriving now waits before it is drawn."""
        return max(0.0, self._live_pause_until - self._clock())

    @property
    def scheduled_redraw_ms(self) -> int | None:
        """The delay the pending redraw was scheduled with; None when no redraw is pending."""
        return self._timer.interval() if self._timer.isActive() else None

    def add_snapshot(self, snapshot: ProbeSnapshot) -> None:
        """Keep a snapshot from the running training; shown at once if following the newest."""
        self.history.add(snapshot)
        self._history_changed(max(REDRAW_INTERVAL_MS, round(1000 * self.live_wait_s)))

    def load_snapshots(self, snapshots: list[ProbeSnapshot]) -> None:
        """Replace every snapshot (a project was opened); show the newest."""
        self.history.replace_all(list(snapshots))
        self._history_changed()

    def clear(self) -> None:
        self.history.clear()
        self._history_changed()

    def prepare(self, spec: ModelSpec) -> None:
        """Build the views of ``spec``'s layers before its first snapshot arrives.

        Making the heatmaps and plots takes the GUI thread 0.4–1 s, once per kind of cell; done
        when a model is shown rather than when its first snapshot comes, training does not wait.
        """
        layer_names = probed_layers(spec)
        if layer_names:
            cell = spec.encoder.cell
            self.gates_view.prepare(cell, GATE_NAMES[cell])
            self.states_view.prepare(cell)
            self.saturation_view.plots_for(GATE_NAMES[cell], layer_names)

    def select_unit(self, unit: int) -> None:
        """Pick the unit the text is coloured by and the heatmaps outline (clamped to the layer)."""
        layer = self.current_layer
        if layer is not None:
            unit = min(unit, layer.hidden.shape[1] - 1)
        unit = max(int(unit), 0)
        if unit != self._unit:
            self._unit = unit
            self.unit_selected.emit(unit)

    def select_layer(self, name: str) -> None:
        self._layer_name = name
        self._mark_dirty()

    # -- building --------------------------------------------------------------------------

    def _placeholder(self) -> QLabel:
        label = QLabel(PLACEHOLDER)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        label.setMargin(24)
        return label

    def _content(self) -> QWidget:
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.tabs)
        splitter.addWidget(self.activation_view)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 0)
        splitter.setSizes([560, 200])
        splitter.setChildrenCollapsible(False)
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.controls)
        layout.addWidget(splitter, 1)
        return content

    def _connect(self) -> None:
        self.controls.layer_chosen.connect(self.select_layer)
        self.controls.snapshot_chosen.connect(self._on_snapshot_chosen)
        self.controls.follow_toggled.connect(self._on_follow_toggled)
        self.gates_view.row_clicked.connect(self.select_unit)
        self.states_view.row_clicked.connect(self.select_unit)
        self.saturation_view.unit_clicked.connect(self.select_unit)
        self.activation_view.unit_chosen.connect(self.select_unit)
        self.unit_selected.connect(self._on_unit_selected)
        self.tabs.currentChanged.connect(self._on_tab_changed)

    # -- handlers --------------------------------------------------------------------------

    def _on_snapshot_chosen(self, index: int) -> None:
        self.history.select(index)
        self._history_changed()

    def _on_follow_toggled(self, follow: bool) -> None:
        if follow:
            self.history.follow_latest()
        else:
            self.history.following = False
        self._history_changed()

    def _on_unit_selected(self, unit: int) -> None:
        for view in (self.gates_view, self.states_view, self.saturation_view):
            view.mark_unit(unit)
        if self.activation_view.layer is not None:
            self.activation_view.set_unit(unit)

    def _on_tab_changed(self) -> None:
        view = self.tabs.currentWidget()
        if view in self._stale_tabs and self.current_layer is not None:
            self._draw_tab(view)

    def _history_changed(self, redraw_in_ms: int = REDRAW_INTERVAL_MS) -> None:
        self.controls.show_history(self.history)  # cheap: the scrubber answers at once
        self._mark_dirty(redraw_in_ms)

    def _mark_dirty(self, delay_ms: int = REDRAW_INTERVAL_MS) -> None:
        """Redraw in ``delay_ms``, or sooner if a redraw is due sooner (a user's action does
        not wait for a paced snapshot)."""
        self._dirty = True
        if not self._timer.isActive() or self._timer.remainingTime() > delay_ms:
            self._timer.start(delay_ms)

    def _on_redraw_due(self) -> None:
        if self._dirty and self.isVisible():
            self._dirty = False
            self._redraw()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._dirty:
            QTimer.singleShot(0, self._on_redraw_due)

    def _redraw(self) -> None:
        started_cpu = self._cpu_clock()
        QTimer.singleShot(PAINTED_WITHIN_MS, lambda: self._pace_live_redraws(self._cpu_clock() - started_cpu))
        snapshot, layer = self.history.current, self.current_layer
        self.controls.show_history(self.history)
        if snapshot is None or layer is None:
            self.pages.setCurrentIndex(0)
            self.redrawn.emit()
            return
        self._layer_name = layer.name
        self.controls.set_layers([each.name for each in snapshot.layers], layer.name)
        clamped = self._clamped_unit(layer)
        self._stale_tabs = {self.tabs.widget(index) for index in range(self.tabs.count())}
        self._draw_tab(self.tabs.currentWidget())
        self.activation_view.show_layer(layer, snapshot.tokens, clamped)
        self.pages.setCurrentIndex(1)
        if clamped != self._unit:  # a smaller layer than the last one
            self.select_unit(clamped)
        self.redrawn.emit()

    def _pace_live_redraws(self, cost_s: float) -> None:
        self._live_pause_until = self._clock() + min(cost_s / self.live_share, LIVE_PAUSE_MAX_S)

    def _draw_tab(self, view: QWidget) -> None:
        """Bring one of the tabs up to date with the current snapshot and layer."""
        snapshot, layer = self.history.current, self.current_layer
        if view is self.gates_view or view is self.states_view:
            view.show_layer(layer, snapshot.tokens)
        elif view is self.saturation_view:
            view.show_snapshot(snapshot, layer.name)
        else:
            self.gradient_view.show_snapshot(snapshot, layer.name)
        if view is not self.gradient_view:
            view.mark_unit(self._clamped_unit(layer))
        self._stale_tabs.discard(view)

    def _clamped_unit(self, layer: LayerSnapshot) -> int:
        """The chosen unit, or the layer's last if it has fewer units."""
        return min(self._unit, layer.hidden.shape[1] - 1)

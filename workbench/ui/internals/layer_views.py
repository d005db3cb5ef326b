"""The gate heatmaps and the state heatmaps of one layer of a probe snapshot."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from workbench.engine.events import LayerSnapshot

from .. import theme
from .analysis import GATE_SYMBOLS, SIGMOID_GATES, gate_range, gate_title, symmetric_limit
from .heatmap import HeatmapGrid, HeatmapSpec, PageCache, UnitHeatmap

HEATMAP_HINT = (
    "Rows are hidden units, columns are the probe text. Click a row to colour the text below by "
    "that unit; scroll or drag to zoom and pan (all heatmaps move together); hover for values."
)
GRU_EQUATIONS = (
    "<b>How a GRU uses its gates</b> (Cho et al., 2014)<br><br>"
    "r = σ(·): how much of h<sub>t−1</sub> the candidate sees<br>"
    "z = σ(·): how much of its old state a unit keeps<br>"
    "n = tanh(W x<sub>t</sub> + r ⊙ U h<sub>t−1</sub> + b)<br>"
    "h<sub>t</sub> = (1 − z) ⊙ n + z ⊙ h<sub>t−1</sub><br><br>"
    "Where z is near 1 (yellow), the unit remembers;<br>where it is near 0, the unit takes the new candidate."
)
NO_GATES = "no gates"  # the page key of the plain RNN's note


def caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setFont(theme.small_font())
    label.setContentsMargins(4, 2, 4, 2)
    return label


def note(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setMargin(24)
    return label


def units_by_time(time_by_units: np.ndarray) -> np.ndarray:
    """(T, H) as engine arrays hold it → (H, T), contiguous, as the heatmaps draw it."""
    return np.ascontiguousarray(np.asarray(time_by_units, dtype=np.float32).T)


class HeatmapPages(QWidget):
    """A hint, then one heatmap grid per set of specs (kept, so layers of other cells switch fast)."""

    row_clicked = Signal(int)

    def __init__(self, columns: int, parent=None) -> None:
        super().__init__(parent)
        self.columns = columns
        self.pages = PageCache()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(caption(HEATMAP_HINT))
        layout.addWidget(self.pages, 1)

    @property
    def grid(self) -> HeatmapGrid | None:
        page = self.pages.currentWidget()
        return page if isinstance(page, HeatmapGrid) else None

    @property
    def heatmaps(self) -> dict[str, UnitHeatmap]:
        return self.grid.heatmaps if self.grid is not None else {}

    def show_grid(self, specs: tuple[HeatmapSpec, ...], footnote: str = "") -> HeatmapGrid:
        grid = self.grid_for(specs, footnote)
        self.pages.setCurrentWidget(grid)
        grid.set_titles(specs)
        return grid

    def grid_for(self, specs: tuple[HeatmapSpec, ...], footnote: str = "") -> HeatmapGrid:
        """The grid of ``specs``, built now if it was not (see ``InternalsPanel.prepare``)."""
        key = tuple((spec.key, spec.colormap) for spec in specs)
        return self.pages.page(key, lambda: self._make_grid(specs, footnote))

    def _make_grid(self, specs: tuple[HeatmapSpec, ...], footnote: str) -> HeatmapGrid:
        grid = HeatmapGrid(specs, self.columns, footnote)
        grid.row_clicked.connect(self.row_clicked)
        return grid

    def mark_unit(self, unit: int | None) -> None:
        if self.grid is not None:
            self.grid.mark_unit(unit)


class GateHeatmapsView(HeatmapPages):
    """One heatmap per gate; a note instead for a plain RNN, which has none."""

    def __init__(self, parent=None) -> None:
        super().__init__(columns=2, parent=parent)
        self.note = self.pages.show_page(NO_GATES, note)

    @property
    def shows_note(self) -> bool:
        return self.pages.currentWidget() is self.note

    def show_layer(self, layer: LayerSnapshot, tokens: tuple[str, ...]) -> None:
        if not layer.gate_names:
            self.note.setText(
                f"<p><b>{layer.name}</b> is a plain tanh RNN: it has <b>no gates</b>.</p>"
                "<p>Each step it overwrites its whole state: h<sub>t</sub> = tanh(W x<sub>t</sub> "
                "+ U h<sub>t−1</sub> + b). LSTMs and GRUs add gates that decide what to keep.</p>"
                "<p>Its hidden state is under <i>States</i>.</p>"
            )
            self.pages.setCurrentWidget(self.note)
            return
        grid = self.show_grid(*self._grid_specs(layer.cell, layer.gate_names))
        for index, gate in enumerate(layer.gate_names):
            grid.show_matrix(gate, units_by_time(layer.gates[index]), gate_range(gate), tokens)

    def prepare(self, cell: str, gate_names: tuple[str, ...]) -> None:
        if gate_names:
            self.grid_for(*self._grid_specs(cell, gate_names))

    @staticmethod
    def _grid_specs(cell: str, gate_names: tuple[str, ...]) -> tuple[tuple[HeatmapSpec, ...], str]:
        """One heatmap per gate, and the footnote under them."""
        specs = tuple(
            HeatmapSpec(
                gate,
                gate_title(gate),
                theme.SEQUENTIAL_COLORMAP if gate in SIGMOID_GATES else theme.DIVERGING_COLORMAP,
                GATE_SYMBOLS.get(gate, gate),
            )
            for gate in gate_names
        )
        return specs, GRU_EQUATIONS if cell == "gru" else ""


class StatesView(HeatmapPages):
    """The cell state (LSTM only) and the hidden state, on diverging colours centred on 0."""

    def __init__(self, parent=None) -> None:
        super().__init__(columns=1, parent=parent)

    def show_layer(self, layer: LayerSnapshot, tokens: tuple[str, ...]) -> None:
        limit = None if layer.cell_state is None else symmetric_limit(layer.cell_state)
        grid = self.show_grid(self._specs(layer.cell_state is not None, limit))
        if limit is not None:
            grid.show_matrix("cell", units_by_time(layer.cell_state), (-limit, limit), tokens)
        grid.show_matrix("hidden", units_by_time(layer.hidden), (-1.0, 1.0), tokens)

    def prepare(self, cell: str) -> None:
        self.grid_for(self._specs(cell == "lstm", None))

    @staticmethod
    def _specs(cell_state: bool, limit: float | None) -> tuple[HeatmapSpec, ...]:
        specs = [HeatmapSpec("hidden", "hidden state h  (tanh range, −1 … 1)", theme.DIVERGING_COLORMAP, "h")]
        if cell_state:
            spread = "" if limit is None else f"; colours span ±{limit:.3g}, the 99th percentile of |c|"
            specs.insert(0, HeatmapSpec("cell", f"cell state c  (unbounded{spread})", theme.DIVERGING_COLORMAP, "c"))
        return tuple(specs)

"""Gate saturation per unit: the gate activation statistics of Karpathy, Johnson & Fei-Fei (2015)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from workbench.engine.events import LayerSnapshot, ProbeSnapshot

from .. import theme
from ..plot_grid import grid_axes, show_grid
from .analysis import SIGMOID_GATES, gate_saturation, gate_title
from .heatmap import PageCache
from .layer_views import caption, note

SATURATION_HINT = (
    "One dot per unit: how often over the probe text its gate is nearly shut (&lt; 0.1, up) or "
    "wide open (&gt; 0.9, right). Dots near the right edge are gates that are almost always open, "
    "e.g. forget gates that remember for a long time; dots near the corner 0,0 follow the input. "
    "Every layer with this cell is shown; click a dot of the selected layer to pick its unit."
)


def _tip(x: float, y: float, data) -> str:
    return f"unit {data}\nopen (> 0.9) {x:.0%} of steps\nshut (< 0.1) {y:.0%} of steps"


class SaturationPlots(pg.GraphicsLayoutWidget):
    """Scatter plots for one set of gates and layers: x = fraction right-saturated, y = left."""

    unit_clicked = Signal(int)

    def __init__(self, gates: tuple[str, ...], layer_names: tuple[str, ...], parent=None) -> None:
        super().__init__(parent)
        self.setBackground(theme.background(self))
        self.plots: dict[str, pg.PlotItem] = {}
        self.scatters: dict[tuple[str, str], pg.ScatterPlotItem] = {}  # (gate, layer) → dots
        self.rings: dict[str, pg.ScatterPlotItem] = {}  # gate → ring around the selected unit
        self.selected_layer = ""
        for column, gate in enumerate(gates):
            self.plots[gate] = self._add_plot(gate, column, legend=column == len(gates) - 1)
            for index, name in enumerate(layer_names):
                color = pg.mkColor(theme.layer_color(index))
                color.setAlpha(170)
                dots = pg.ScatterPlotItem(pen=None, brush=color, hoverable=True, tip=_tip, name=name)
                dots.sigClicked.connect(self._on_dots_clicked)
                self.plots[gate].addItem(dots)
                self.scatters[(gate, name)] = dots
            ring = pg.ScatterPlotItem(symbol="o", size=16, brush=None, pen=pg.mkPen(theme.MARKER_COLOR, width=2))
            ring.setZValue(3)
            self.plots[gate].addItem(ring)
            self.rings[gate] = ring

    def _add_plot(self, gate: str, column: int, legend: bool) -> pg.PlotItem:
        text = theme.foreground(self).name()
        plot = self.ci.addPlot(row=0, col=column, axisItems=grid_axes(theme.background(self)))
        theme.style_plot(plot, self)
        plot.setTitle(gate_title(gate), color=text, size="9pt")
        plot.setLabel("bottom", "fraction of steps open (&gt; 0.9)")
        plot.setLabel("left", "fraction of steps shut (&lt; 0.1)")
        plot.setXRange(0, 1, padding=0.04)
        plot.setYRange(0, 1, padding=0.04)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        show_grid(plot, 0.15)
        plot.plot([0, 1], [1, 0], pen=pg.mkPen(text, width=1, style=Qt.PenStyle.DashLine))
        plot.setPreferredWidth(300)
        if legend:
            box = plot.addLegend(offset=(-4, 4), labelTextColor=text, labelTextSize="8pt")
            box.setBrush(pg.mkBrush(theme.background(self)))
        return plot

    def show_layers(self, layers: list[LayerSnapshot], selected: str) -> None:
        self.selected_layer = selected
        for layer in layers:
            for gate in self.plots:
                left, right = gate_saturation(layer.gates[layer.gate_names.index(gate)])
                dots = self.scatters[(gate, layer.name)]
                dots.setData(x=right, y=left, data=list(range(len(left))), size=8 if layer.name == selected else 6)
                dots.setZValue(2 if layer.name == selected else 1)

    def mark_unit(self, unit: int | None) -> None:
        for gate, ring in self.rings.items():
            x, y = self.scatters[(gate, self.selected_layer)].getData()
            if unit is None or x is None or not 0 <= unit < len(x):
                ring.setData(x=[], y=[])
            else:
                ring.setData(x=[x[unit]], y=[y[unit]])

    def _on_dots_clicked(self, dots: pg.ScatterPlotItem, points, ev) -> None:
        if dots.name() == self.selected_layer and len(points):
            self.unit_clicked.emit(int(points[0].data()))


class SaturationView(QWidget):
    """The saturation plots of the selected layer's cell, or a note for a plain RNN."""

    unit_clicked = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.pages = PageCache()
        self.note = self.pages.show_page("no gates", note)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(caption(SATURATION_HINT))
        layout.addWidget(self.pages, 1)

    @property
    def current(self) -> SaturationPlots | None:
        page = self.pages.currentWidget()
        return page if isinstance(page, SaturationPlots) else None

    @property
    def plots(self) -> dict[str, pg.PlotItem]:
        return self.current.plots if self.current is not None else {}

    def show_snapshot(self, snapshot: ProbeSnapshot, layer_name: str) -> None:
        selected = next(layer for layer in snapshot.layers if layer.name == layer_name)
        layers = [layer for layer in snapshot.layers if layer.gate_names == selected.gate_names]
        page = self.plots_for(selected.gate_names, tuple(layer.name for layer in layers))
        if page is None:
            self.note.setText(f"<b>{layer_name}</b> is a plain RNN: it has no gates to saturate.")
            self.pages.setCurrentWidget(self.note)
            return
        self.pages.setCurrentWidget(page)
        page.show_layers(layers, layer_name)

    def plots_for(self, gate_names: tuple[str, ...], layer_names: tuple[str, ...]) -> SaturationPlots | None:
        """The plots of these layers' sigmoid gates, built now if they were not (see
        ``InternalsPanel.prepare``); None for a cell without gates."""
        gates = tuple(gate for gate in gate_names if gate in SIGMOID_GATES)
        if not gates:
            return None
        return self.pages.page((gates, layer_names), lambda: self._make_plots(gates, layer_names))

    def _make_plots(self, gates: tuple[str, ...], names: tuple[str, ...]) -> SaturationPlots:
        page = SaturationPlots(gates, names)
        page.unit_clicked.connect(self.unit_clicked)
        return page

    def mark_unit(self, unit: int | None) -> None:
        if self.current is not None:
            self.current.mark_unit(unit)

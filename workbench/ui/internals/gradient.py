"""How far back the last prediction's gradient reaches: ‖∂L_T/∂h_t‖ per step, on a log scale."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from workbench.engine.events import ProbeSnapshot

from .. import theme
from ..plot_grid import grid_axes, show_grid
from .analysis import positive_log_values
from .heatmap import TokenAxis
from .layer_views import caption

GRADIENT_HINT = (
    "The loss of the last prediction, L<sub>T</sub>, sends a gradient back to every earlier step t. "
    "Its size ‖∂L<sub>T</sub>/∂h<sub>t</sub>‖ (log scale) shows how far back the network can learn "
    "from: in a plain tanh RNN it shrinks by orders of magnitude every few steps (the vanishing "
    "gradient, Bengio et al. 1994); the gated cell state of an LSTM can carry it much further, once "
    "the forget gates have learned to stay open."
)


def gradient_summary(layer_name: str, norms: np.ndarray) -> str:
    """One sentence on how much the gradient shrinks on its way back, and where it vanishes."""
    reached = np.flatnonzero(np.isfinite(norms) & (norms > 0))
    if len(reached) == 0:
        return f"<b>{layer_name}</b>: no gradient reaches this layer from the last prediction."
    first, last = reached[0], reached[-1]
    orders = np.log10(norms[last] / norms[first])
    text = (
        f"<b>{layer_name}</b>: going back from step {last} to step {first}, the gradient "
        f"{'shrinks' if orders >= 0 else 'grows'} by {abs(orders):.1f} orders of magnitude."
    )
    if first > 0:
        text += (
            f" Before step {first} it is too small to measure (recorded as 0): the last prediction "
            "teaches those steps nothing."
        )
    return text


class GradientView(QWidget):
    """One curve per layer (and direction) over the probe's time steps."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.axis = TokenAxis()
        self.plot_widget = pg.PlotWidget(axisItems=grid_axes(theme.background(self), bottom=self.axis))
        self.plot_widget.setBackground(theme.background(self))
        self.plot = self.plot_widget.getPlotItem()
        theme.style_plot(self.plot, self)
        self.plot.setLogMode(x=False, y=True)
        self.plot.setLabel("left", "‖∂L<sub>T</sub> / ∂h<sub>t</sub>‖")
        self.plot.getAxis("left").enableAutoSIPrefix(False)  # a log axis scaled "(x0.001)" misreads
        show_grid(self.plot, 0.2, x=False)
        self.legend = self.plot.addLegend(offset=(10, 10), labelTextColor=theme.foreground(self).name())
        self.legend.setBrush(pg.mkBrush(theme.background(self)))
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.colors: dict[str, str] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(caption(GRADIENT_HINT))
        layout.addWidget(self.plot_widget, 1)
        self.summary = caption("")
        layout.addWidget(self.summary)
        self._steps = -1

    def show_snapshot(self, snapshot: ProbeSnapshot, selected_layer: str) -> None:
        names = [layer.name for layer in snapshot.layers]
        if names != list(self.curves):
            self._build(names)
        for layer in snapshot.layers:
            curve = self.curves[layer.name]
            curve.setData(positive_log_values(layer.grad_through_time), connect="finite")
            curve.setPen(pg.mkPen(self.colors[layer.name], width=3.0 if layer.name == selected_layer else 1.5))
            curve.setZValue(2 if layer.name == selected_layer else 1)
        selected = next(layer for layer in snapshot.layers if layer.name == selected_layer)
        self.summary.setText(gradient_summary(selected.name, selected.grad_through_time))
        self.axis.set_tokens(snapshot.tokens)
        steps = len(snapshot.tokens)
        if steps != self._steps:
            self._steps = steps
            self.plot.setXRange(-0.5, steps - 0.5, padding=0)
            self.plot.getViewBox().setLimits(xMin=-0.5, xMax=steps - 0.5)

    def _build(self, names: list[str]) -> None:
        for curve in self.curves.values():
            self.plot.removeItem(curve)
        self.legend.clear()
        self.curves, self.colors = {}, {}
        for index, name in enumerate(names):
            self.colors[name] = theme.layer_color(index)
            pen = pg.mkPen(theme.layer_color(index), width=1.5)
            self.curves[name] = self.plot.plot(
                [], pen=pen, name=name, symbol="o", symbolSize=4, symbolPen=None, symbolBrush=theme.layer_color(index)
            )

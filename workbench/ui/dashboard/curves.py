"""The pyqtgraph items that draw runs: a run's curves across the plots, and one run's layers."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtGui import QColor

from . import style
from .run_data import RunData
from .series import SmoothedSeries


@dataclass(frozen=True)
class DisplayOptions:
    smoothing: float = 0.9  # moving-average factor per step, 0 draws the raw loss only
    log_loss: bool = False
    bits: bool = False  # loss in bits per token (nats / ln 2) instead of nats

    @property
    def loss_scale(self) -> float:
        return 1 / math.log(2) if self.bits else 1.0

    @property
    def loss_units(self) -> str:
        return "bits/token" if self.bits else "nats/token"


@dataclass
class DashboardPlots:
    loss: pg.PlotItem
    layers: pg.PlotItem
    grad_norm: pg.PlotItem
    learning_rate: pg.PlotItem
    tokens_per_s: pg.PlotItem


def _curve(thick: bool = True, smooth: bool = True, **options) -> pg.PlotDataItem:
    """A line for growing data, cheap to repaint with 100k points behind it.

    Qt strokes a wide antialiased polyline as one self-overlapping outline, which gets slow
    with the zig-zag that peak downsampling makes (~0.1 s a curve at 20k points), so lines wider
    than a pixel are drawn as separate segments; their colours are opaque so joints do not
    show. Peak downsampling keeps each pixel column's extremes, so two samples a pixel draw the
    same picture as pyqtgraph's default of five. Noisy per-step series (``smooth=False``) are
    drawn without antialiasing: on them it cannot be seen, and it triples the painting time.
    """
    item = pg.PlotDataItem(antialias=smooth, connect="finite", **options)
    item.opts["autoDownsampleFactor"] = 2.0
    if thick:
        item.curve.setSegmentedLineMode("on")
    return item


class RunCurves:
    """One run drawn in its colour: train and validation loss, global grad norm, LR, tokens/s."""

    def __init__(self, run: RunData, colour: QColor, plots: DashboardPlots) -> None:
        self.run = run
        self.colour = colour
        self.loss_raw = _curve(thick=False, smooth=False)
        self.loss = _curve()  # smoothed; the legend entry of the run
        self.validation = pg.PlotDataItem(antialias=True, symbol="o")
        self.grad_norm = _curve(smooth=False)
        self.learning_rate = _curve()
        self.tokens_per_s = _curve(smooth=False)
        self._smoothed_loss = SmoothedSeries(run.loss)
        self._placed = [
            (plots.loss, self.loss_raw), (plots.loss, self.loss), (plots.loss, self.validation),
            (plots.grad_norm, self.grad_norm), (plots.learning_rate, self.learning_rate),
            (plots.tokens_per_s, self.tokens_per_s),
        ]
        for plot, item in self._placed:
            plot.addItem(item)
        self.validation.setClipToView(False)  # a handful of points; keep them all
        self.visible = True
        self._raw_wanted = True  # the raw loss is hidden while it equals the smoothed one
        self.set_current(True)

    def set_current(self, current: bool) -> None:
        """The current run is drawn boldest and on top; earlier runs thinner, a little faded."""
        colour = self.colour if current else style.lighter(self.colour, style.PAST_FADE)
        width = style.CURRENT_WIDTH if current else style.PAST_WIDTH
        self.loss_raw.setPen(style.line_pen(style.with_alpha(self.colour, style.RAW_ALPHA), 1.0))
        self.loss.setPen(style.line_pen(colour, width))
        self.validation.setPen(style.line_pen(colour, 1.2, dashed=True))
        self.validation.setSymbolBrush(colour)
        self.validation.setSymbolPen(pg.mkPen("w", width=1.2))
        self.validation.setSymbolSize(8 if current else 6)
        for item in (self.grad_norm, self.learning_rate, self.tokens_per_s):
            item.setPen(style.line_pen(colour, width * 0.7))
        z = 10 if current else 0
        for _, item in self._placed:
            item.setZValue(z)
        self.loss_raw.setZValue(z - 20)

    def set_visible(self, visible: bool) -> None:
        self.visible = visible
        for _, item in self._placed:
            item.setVisible(visible)
        self.loss_raw.setVisible(visible and self._raw_wanted)

    def redraw(self, options: DisplayOptions) -> None:
        run, scale = self.run, options.loss_scale
        steps = run.loss.x
        self.loss_raw.setData(steps, run.loss.y * scale)
        self.loss.setData(steps, self._smoothed_loss.values(options.smoothing) * scale)
        self._raw_wanted = options.smoothing > 0
        self.loss_raw.setVisible(self.visible and self._raw_wanted)
        self.validation.setData(run.validation.x, run.validation.y * scale)
        for item, series in (
            (self.grad_norm, run.grad_norm),
            (self.learning_rate, run.learning_rate),
            (self.tokens_per_s, run.tokens_per_s),
        ):
            item.setData(series.x, series.y)

    def remove(self) -> None:
        for plot, item in self._placed:
            plot.removeItem(item)


class LayerCurves:
    """One curve per layer of one run: where gradients vanish or explode along the stack."""

    def __init__(self, plot: pg.PlotItem, legend: pg.LegendItem) -> None:
        self.plot = plot
        self.legend = legend
        self.run: RunData | None = None
        self.curves: dict[str, pg.PlotDataItem] = {}

    def show(self, run: RunData | None) -> None:
        self.run = run
        names = list(run.layer_grad_norms) if run is not None else []
        if names != list(self.curves):
            self._rebuild(names)

    def redraw(self) -> None:
        if self.run is None:
            return
        if list(self.run.layer_grad_norms) != list(self.curves):  # a layer appeared mid-run
            self._rebuild(list(self.run.layer_grad_norms))
        for name, curve in self.curves.items():
            series = self.run.layer_grad_norms[name]
            curve.setData(series.x, series.y)

    def _rebuild(self, names: list[str]) -> None:
        for curve in self.curves.values():
            self.plot.removeItem(curve)
        self.legend.clear()
        self.legend.setVisible(bool(names))
        self.legend.setColumnCount(2 if len(names) > 5 else 1)
        self.curves = {}
        for name, colour in zip(names, style.layer_colours(len(names))):
            curve = _curve(smooth=False, pen=style.line_pen(colour, 1.6))
            self.plot.addItem(curve)
            self.legend.addItem(curve, name)
            self.curves[name] = curve


"""The pyqtgraph items that draw runs: a run's curves across the plots, and one run's layers."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtGui import QColor

from . import style
from .full_bounds import FullBoundsCurve
from .run_data import RunData
from .series import SmoothedSeries

FIRST_POINTS = 2  # a run's first points reach a plot at once (not paced) until it has a line


@dataclass(frozen=True)
class DisplayOptions:
    smoothing: float = 0.9  # moving-average factor per step, 0 draws the raw loss only
    log_loss: bool = False
    bits: bool = False  # loss in bits (nats / ln 2) instead of nats
    per: str = "token"  # what the loss is a mean over: "token", "item", "line", or "value" (squared error)

    @property
    def loss_scale(self) -> float:
        return 1 / math.log(2) if self.bits and self.per != "value" else 1.0

    @property
    def loss_units(self) -> str:
        if self.per == "value":
            return "squared error"
        return f"{'bits' if self.bits else 'nats'}/{self.per}"


@dataclass
class DashboardPlots:
    loss: pg.PlotItem
    layers: pg.PlotItem
    grad_norm: pg.PlotItem
    learning_rate: pg.PlotItem
    tokens_per_s: pg.PlotItem


def _curve(noisy: bool, **options) -> FullBoundsCurve:
    """A line for growing data, cheap to repaint with 100k points behind it.

    Noisy per-step series are drawn one pixel wide without antialiasing: Qt strokes a wider or
    antialiased line through its path stroker, ten times slower on a zig-zag of 1000 segments
    (with round caps, 35 ms against 2.7 ms: ``benchmarks/dashboard_paint.py``), and on noise neither can be seen.
    Smooth curves keep a wide antialiased pen, drawn as separate segments: Qt strokes a wide
    polyline as one self-overlapping outline, slower still. See ``place`` for the reduction.
    """
    item = FullBoundsCurve(antialias=not noisy, connect="finite", **options)
    item.opts["autoDownsampleFactor"] = 1.0  # one bin per pixel column
    if not noisy:
        item.curve.setSegmentedLineMode("on")
    return item


def set_fine(item: pg.PlotDataItem, fine: bool) -> None:
    """Draw a smooth curve antialiased, as separate segments (the finished picture), or as a plain
    polyline, a third of the cost (1.9 ms against 5.7 for a 2.6 px loss curve 1000 px wide), while
    training redraws it several times a second."""
    item.opts["antialias"] = fine
    item.curve.setSegmentedLineMode("on" if fine else "off")
    item.updateItems(styleUpdate=True)


def mark_lone_point(item: pg.PlotDataItem, points: int) -> None:
    """Draw a dot while ``item`` has a single point: a line needs two, and the plot would look
    empty until the run's second metrics arrive (seconds, for a slow model's first steps)."""
    lone = points == 1
    if lone:
        item.setSymbolBrush(pg.mkPen(item.opts["pen"]).color())
    if lone != (item.opts["symbol"] is not None):
        item.setSymbol("o" if lone else None)
        item.setSymbolPen(None)
        item.setSymbolSize(6)


def place(plot: pg.PlotItem, item: pg.PlotDataItem, noisy: bool) -> None:
    """Add ``item`` to ``plot`` drawing only what the pixels can show.

    Noisy series keep each pixel column's extremes (peak downsampling: the same picture as
    every point); a smooth curve needs one point a column. Set after ``addItem``, which copies
    the plot's own mode onto the item.
    """
    plot.addItem(item)
    item.setClipToView(True)
    item.setDownsampling(auto=True, method="peak" if noisy else "subsample")


class RunCurves:
    """One run drawn in its colour: train and validation loss, global grad norm, LR, tokens/s."""

    def __init__(self, run: RunData, colour: QColor, plots: DashboardPlots) -> None:
        self.run = run
        self.colour = colour
        self.loss_raw = _curve(noisy=True)
        self.loss = _curve(noisy=False)  # smoothed; the legend entry of the run
        self.validation = pg.PlotDataItem(antialias=True, symbol="o")
        self.grad_norm = _curve(noisy=True)
        self.learning_rate = _curve(noisy=False)
        self.tokens_per_s = _curve(noisy=True)
        self._smoothed_loss = SmoothedSeries(run.loss)
        self._placed = [
            (plots.loss, self.loss_raw),
            (plots.loss, self.loss),
            (plots.loss, self.validation),
            (plots.grad_norm, self.grad_norm),
            (plots.learning_rate, self.learning_rate),
            (plots.tokens_per_s, self.tokens_per_s),
        ]
        for plot, item in self._placed:
            if item is self.validation:  # a handful of points; keep them all
                plot.addItem(item)
            else:
                place(plot, item, noisy=item in (self.loss_raw, self.grad_norm, self.tokens_per_s))
        self.visible = True
        self.live = False  # set_live: drawn plainly while its run trains
        self._raw_wanted = True  # the raw loss is hidden while it equals the smoothed one
        self._drawn_points = dict.fromkeys(("loss", "grad_norm", "learning_rate", "tokens_per_s"), 0)  # by plot
        self.set_current(True)

    def waits_for_first_points(self, plot: str) -> bool:
        """``plot`` (a DashboardPlots field, not "layers") has yet to show this run's first point,
        or its first line (two points), and the run has them."""
        series = self.run.loss if plot == "loss" else getattr(self.run, plot)
        return self.visible and self._drawn_points[plot] < min(len(series), FIRST_POINTS)

    def set_current(self, current: bool) -> None:
        """The current run is drawn boldest and on top; earlier runs thinner, a little faded."""
        colour = self.colour if current else style.lighter(self.colour, style.PAST_FADE)
        width = style.CURRENT_WIDTH if current else style.PAST_WIDTH
        self.loss_raw.setPen(style.line_pen(style.lighter(self.colour, style.RAW_FADE), 1.0))
        self.loss.setPen(style.line_pen(colour, width))
        self.validation.setPen(style.line_pen(colour, 1.2, dashed=True))
        self.validation.setSymbolBrush(colour)
        self.validation.setSymbolPen(pg.mkPen("w", width=1.2))
        self.validation.setSymbolSize(8 if current else 6)
        self.learning_rate.setPen(style.line_pen(colour, width * 0.7))
        for item in (self.grad_norm, self.tokens_per_s):  # noisy: one pixel wide (see _curve)
            item.setPen(style.line_pen(colour, 1.0))
        z = 10 if current else 0
        for _, item in self._placed:
            item.setZValue(z)
        self.loss_raw.setZValue(z - 20)

    def set_live(self, live: bool) -> None:
        """While the run trains its smooth curves are drawn plainly; finished, antialiased."""
        if live != self.live:
            self.live = live
            for item in (self.loss, self.learning_rate):
                set_fine(item, not live)

    def set_visible(self, visible: bool) -> None:
        self.visible = visible
        for _, item in self._placed:
            item.setVisible(visible)
        self.loss_raw.setVisible(visible and self._raw_wanted)

    def redraw(self, plot: str, options: DisplayOptions) -> None:
        """Give this run's items in ``plot`` (a DashboardPlots field, not "layers") their data."""
        run = self.run
        series = run.loss if plot == "loss" else getattr(run, plot)
        self._drawn_points[plot] = len(series)
        if plot != "loss":
            item = getattr(self, plot)
            item.setData(series.x, series.y)
            mark_lone_point(item, len(series))
            return
        scale = options.loss_scale
        self.loss_raw.setData(run.loss.x, run.loss.y * scale)
        self.loss.setData(run.loss.x, self._smoothed_loss.values(options.smoothing) * scale)
        mark_lone_point(self.loss, len(series))
        self._raw_wanted = options.smoothing > 0
        self.loss_raw.setVisible(self.visible and self._raw_wanted)
        self.validation.setData(run.validation.x, run.validation.y * scale)

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
        self._drawn_points = 0  # of self.run's shortest layer series, at the last redraw

    def show(self, run: RunData | None) -> None:
        if run is not self.run:
            self._drawn_points = 0
        self.run = run
        names = list(run.layer_grad_norms) if run is not None else []
        if names != list(self.curves):
            self._rebuild(names)

    def waits_for_first_points(self) -> bool:
        """The plot has yet to show the first point, or line, of each layer of the run it shows."""
        if self.run is None or not self.run.layer_grad_norms:
            return False
        return self._drawn_points < min(FIRST_POINTS, *map(len, self.run.layer_grad_norms.values()))

    def redraw(self) -> None:
        if self.run is None:
            return
        if list(self.run.layer_grad_norms) != list(self.curves):  # a layer appeared mid-run
            self._rebuild(list(self.run.layer_grad_norms))
        for name, curve in self.curves.items():
            series = self.run.layer_grad_norms[name]
            curve.setData(series.x, series.y)
            mark_lone_point(curve, len(series))
        self._drawn_points = min(map(len, self.run.layer_grad_norms.values()), default=0)

    def _rebuild(self, names: list[str]) -> None:
        for curve in self.curves.values():
            self.plot.removeItem(curve)
        self.legend.clear()
        self.legend.setVisible(bool(names))
        self.legend.setColumnCount(2 if len(names) > 5 else 1)
        self.curves = {}
        for name, colour in zip(names, style.layer_colours(len(names))):
            curve = _curve(noisy=True, pen=style.line_pen(colour, 1.0))
            place(self.plot, curve, noisy=True)
            self.legend.addItem(curve, name)
            self.curves[name] = curve

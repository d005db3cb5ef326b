"""Baselines' losses as labelled dashed lines across the loss plot (a language model's n-gram and
unigram models: what counting alone achieves), in the plot's units and scale, so that a run's
curve is read against them.

The labels sit at the plot's left, where a loss curve is still high, each above its line; a
line too close under another for its label to fit between them has its label below it, so
that two lines' labels never meet, however close the lines are.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt

from .. import theme
from .curves import DisplayOptions

ABOVE, BELOW = (0, 1), (0, 0)  # a label's anchor: its bottom-left or its top-left on the line


class BaselineLines:
    def __init__(self, plot: pg.PlotItem) -> None:
        self.plot = plot
        self.baselines: list[tuple[str, float]] = []  # (name, loss in nats per token), highest first
        self.lines: list[pg.InfiniteLine] = []  # one for each of ``baselines``, while drawn
        plot.getViewBox().sigTransformChanged.connect(self.place_labels)  # a new range or size

    def show(self, baselines: Sequence[tuple[str, float | None]], options: DisplayOptions) -> None:
        """Show these (name, nats per token); one whose loss is None, not finite or not positive is left out."""
        for line in self.lines:
            self.plot.removeItem(line)
        drawable = [(name, nats) for name, nats in baselines if nats is not None and math.isfinite(nats) and nats > 0]
        self.baselines = sorted(drawable, key=lambda baseline: -baseline[1])
        self.lines = [_dashed_line() for _ in self.baselines]
        for line in self.lines:
            self.plot.addItem(line, ignoreBounds=True)
        self.rescale(options)

    def rescale(self, options: DisplayOptions) -> None:
        """Follow the plot's units (nats or bits) and its log scale."""
        for (name, nats), line in zip(self.baselines, self.lines):
            value = nats * options.loss_scale
            line.setValue(math.log10(value) if options.log_loss else value)
            line.label.setFormat(f"{name}: {value:.3f} {options.loss_units}")
        self.place_labels()

    def place_labels(self) -> None:
        """Each label above its line, but below it where the line above leaves no room for it."""
        view = self.plot.getViewBox()
        heights = [view.mapViewToScene(QPointF(0.0, line.value())).y() for line in self.lines]  # scene y grows down
        for i, line in enumerate(self.lines):
            room = heights[i] - heights[i - 1] if i else math.inf
            anchor = ABOVE if room >= line.label.boundingRect().height() else BELOW
            if line.label.anchors[0] != anchor:
                line.label.anchors = [anchor, anchor]
                line.label.updatePosition()

    @property
    def values(self) -> list[float]:
        """Where each line is drawn, in the plot's units, highest first."""
        return [float(line.value()) for line in self.lines]


def _dashed_line() -> pg.InfiniteLine:
    line = pg.InfiniteLine(
        angle=0,
        movable=False,
        pen=pg.mkPen(theme.MUTED, width=1, style=Qt.PenStyle.DashLine),
        label="",
        labelOpts={"position": 0.02, "color": theme.MUTED, "anchors": [ABOVE, ABOVE], "fill": (255, 255, 255, 230)},
    )
    line.setZValue(20)  # above the curves, so that its label reads
    return line

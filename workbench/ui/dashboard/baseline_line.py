"""A baseline's loss as a dashed line across the loss plot (a language model's n-gram model),
in the plot's units and scale, so that a run's curve is read against what counting achieves."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import Qt

from .. import theme
from .curves import DisplayOptions


class BaselineLine:
    def __init__(self, plot: pg.PlotItem) -> None:
        self.plot = plot
        self.name = ""
        self.nats: float | None = None  # the baseline's loss, nats per token; None: none shown
        self.line = pg.InfiniteLine(
            angle=0,
            movable=False,
            pen=pg.mkPen(theme.MUTED, width=1, style=Qt.PenStyle.DashLine),
            label="",
            labelOpts={
                "position": 0.02,
                "color": theme.MUTED,
                "anchors": [(0, 1), (0, 1)],
                "fill": (255, 255, 255, 230),
            },
        )
        self.line.setZValue(20)  # above the curves, so that its label reads

    def show(self, name: str | None, nats: float | None, options: DisplayOptions) -> None:
        """Show ``name``'s loss, or nothing when ``nats`` is None."""
        self.name, self.nats = name or "", nats
        self.rescale(options)

    def rescale(self, options: DisplayOptions) -> None:
        """Follow the plot's units (nats or bits) and its log scale."""
        shown = self.nats is not None and math.isfinite(self.nats) and self.nats > 0
        if self.line.scene() is not None and not shown:
            self.plot.removeItem(self.line)
        if not shown:
            return
        value = self.nats * options.loss_scale
        self.line.setValue(math.log10(value) if options.log_loss else value)
        self.line.label.setFormat(f"{self.name}: {value:.3f} {options.loss_units}")
        if self.line.scene() is None:
            self.plot.addItem(self.line, ignoreBounds=True)

    @property
    def value(self) -> float | None:
        """Where the line is drawn, in the plot's units (None when not drawn)."""
        return float(self.line.value()) if self.line.scene() is not None else None

"""The dashboard's look: a white background, dark axes, one colour per run, antialiased lines."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from .. import theme
from ..plot_grid import GridAxis, show_grid

GRID_ALPHA = 0.12


CURRENT_WIDTH = 2.6  # the live (last) run is drawn boldest
PAST_WIDTH = 1.5
PAST_FADE = 0.2  # earlier runs are mixed this much with white (opaque: see curves._curve)
# The unsmoothed loss, faint behind the smoothed one: the run's colour mixed this much with white.
# Opaque, not translucent: Qt's raster engine blends a translucent line pixel by pixel, ten times
# the cost on a noisy curve (a 1 px zig-zag of 2,000 segments over 1000 × 430 px: 40 ms, not 3.6).
RAW_FADE = 0.85


class SparseLogAxis(GridAxis):
    """A log-mode axis that labels only ticks far enough apart, preferring 1, then 2 and 5 × 10^k.

    pyqtgraph labels every minor tick of a decade, and they crowd together at its top.
    """

    MIN_LABEL_GAP_PX = 15

    def logTickStrings(self, values, scale, spacing):
        strings = super().logTickStrings(values, scale, spacing)
        span = abs(self.range[1] - self.range[0])
        vertical = self.orientation in ("left", "right")
        length = self.geometry().height() if vertical else self.geometry().width()
        if len(values) < 2 or span <= 0 or length <= 0:
            return strings
        logs = np.asarray(values, float)
        mantissas = 10 ** (logs - np.floor(logs + 1e-9))
        priority = np.where(np.isclose(mantissas, 1) | np.isclose(mantissas, 10), 0, 2)
        priority[np.isclose(mantissas, 2) | np.isclose(mantissas, 5)] = 1
        positions = logs * length / span
        kept: list[float] = []
        shown = [False] * len(values)
        for index in np.argsort(priority, kind="stable"):
            if all(abs(positions[index] - other) >= self.MIN_LABEL_GAP_PX for other in kept):
                kept.append(positions[index])
                shown[index] = True
        return [text if keep else "" for text, keep in zip(strings, shown)]


def run_colour(index: int) -> QColor:
    return QColor(theme.TABLEAU10[index % len(theme.TABLEAU10)])


def lighter(colour: QColor, fade: float) -> QColor:
    """``colour`` mixed with white: paler, but opaque."""
    return QColor.fromRgbF(*(channel + (1 - channel) * fade for channel in colour.getRgbF()[:3]))


def layer_colours(count: int) -> list[QColor]:
    """Colours for per-layer curves, input to output along viridis (its pale end left out)."""
    colormap = pg.colormap.get(theme.SEQUENTIAL_COLORMAP)
    if count <= 1:
        return [colormap.map(0.35, mode="qcolor")]
    return [colormap.map(0.88 * i / (count - 1), mode="qcolor") for i in range(count)]


def line_pen(colour: QColor, width: float, dashed: bool = False):
    pen = pg.mkPen(colour, width=width)
    if dashed:
        pen.setStyle(Qt.PenStyle.DashLine)
    pen.setCosmetic(True)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)  # segment-drawn lines (see curves._curve) join smoothly
    return pen


def style_plot(plot: pg.PlotItem, title: str, y_label: str, y_units: str | None = None) -> None:
    """Title, axis labels and grid of every dashboard plot (curves.place reduces the data)."""
    plot.setTitle(title, color=theme.TEXT, size="10pt")
    for side in ("left", "bottom"):
        axis = plot.getAxis(side)
        axis.setPen(pg.mkPen(theme.MUTED))
        axis.setTextPen(pg.mkPen(theme.TEXT))
    plot.setLabel("bottom", "step", color=theme.MUTED)
    plot.setLabel("left", y_label, units=y_units, color=theme.MUTED)
    show_grid(plot, GRID_ALPHA)
    plot.setMenuEnabled(False, enableViewBoxMenu=True)  # keep "View all", drop options we own
    plot.getViewBox().setDefaultPadding(0.02)


def make_legend(plot: pg.PlotItem, columns: int = 1) -> pg.LegendItem:
    legend = plot.addLegend(
        offset=(-8, 8),
        brush=pg.mkBrush(255, 255, 255, 215),
        pen=pg.mkPen("#dadce0"),
        labelTextColor=theme.TEXT,
        labelTextSize="8pt",
        colCount=columns,
        verSpacing=-4,
    )
    return legend

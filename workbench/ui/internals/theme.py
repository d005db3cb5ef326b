"""Colours and fonts the internals plots share, taken from the widget's palette (light or dark)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette
from PySide6.QtWidgets import QWidget

SIGMOID_COLORMAP = "viridis"  # sequential, for gates in [0, 1]
DIVERGING_COLORMAP = "CET-D1A"  # blue–white–red, for tanh values and states around 0
LAYER_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")
MARKER_COLOR = "#ff00dd"  # the ring round the selected unit's dot; magenta shows on the layer colours


def layer_color(index: int) -> str:
    return LAYER_COLORS[index % len(LAYER_COLORS)]


def background(widget: QWidget) -> QColor:
    return widget.palette().color(QPalette.ColorRole.Base)


def foreground(widget: QWidget) -> QColor:
    return widget.palette().color(QPalette.ColorRole.Text)


def mono_font(point_size: float = 9.0) -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSizeF(point_size)
    return font


def small_font(point_size: float = 8.5) -> QFont:
    font = QFont()
    font.setPointSizeF(point_size)
    return font


def style_plot(plot: pg.PlotItem, widget: QWidget) -> None:
    """Axis pens and text in the palette's text colour, small tick labels."""
    pen = pg.mkPen(foreground(widget))
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        axis.setPen(pen)
        axis.setTextPen(pen)
        if axis.style.get("tickFont") is None:
            axis.setStyle(tickFont=small_font())

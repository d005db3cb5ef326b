"""The colours, colour maps and fonts the views share.

Fixed colours suit the light surfaces they are drawn on (white plots, light widgets); plots that
follow the widget's palette, light or dark, read ``background`` and ``foreground`` instead.
A colour only one view uses (the canvas's block tints, the pad's paper) stays with that view.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette
from PySide6.QtWidgets import QWidget

# -- text and states -------------------------------------------------------------------------

TEXT = "#202124"  # near black: plot titles, the forecast's truth
MUTED = "#5f6368"  # secondary text: captions, notes, axes
ERROR = "#c5221f"  # something that failed, said where it happened
PROBLEM = "#b3261e"  # why a form's settings cannot be used, under the form
OK = "#188038"  # something that worked: an export written, a caption that matches
ACCENT = "#1a73e8"  # what the user looks at first: the model's forecast, the chosen word
PLOT_BACKGROUND = "#ffffff"

# -- categorical palettes --------------------------------------------------------------------

# Tableau 10: distinct on white and readable by most colour-blind viewers.
TABLEAU10 = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
LAYER_COLORS = TABLEAU10[:7] + TABLEAU10[9:]  # Tableau 10 without its grey and olive
MARKER_COLOR = "#ff00dd"  # the ring round the selected unit's dot; magenta shows on the layer colours

# Light backgrounds under black text, in an order where neighbours differ (tab20's light half, then Set3).
TAG_COLORS = (
    "#aec7e8",
    "#ffbb78",
    "#98df8a",
    "#ff9896",
    "#c5b0d5",
    "#c49c94",
    "#f7b6d2",
    "#dbdb8d",
    "#9edae5",
    "#c7c7c7",
    "#ccebc5",
    "#ffed6f",
)

# -- ramps and colour maps -------------------------------------------------------------------

# ColorBrewer's sequential Blues and Reds, white to dark: lighter is less.
BLUES = ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b")
REDS = ("#fff5f0", "#fee0d2", "#fcbba1", "#fc9272", "#fb6a4a", "#ef3b2c", "#cb181d", "#a50f15", "#67000d")
ATTENTION = BLUES  # attention weights: the darker, the more weight
DIVERGING_NEGATIVE = "#2166ac"  # the blue end of ColorBrewer's RdBu
DIVERGING_POSITIVE = "#b2182b"  # its red end
WHITE_TEXT_ABOVE = 0.55  # strength beyond which text on a shaded background turns white to stay readable

# pyqtgraph's names for the colour maps of heatmaps and per-layer curves.
SEQUENTIAL_COLORMAP = "viridis"  # for values in [0, 1], such as gates
DIVERGING_COLORMAP = "CET-D1A"  # blue–white–red, for tanh values and states around 0


def rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def shade(strength: float, ramp: tuple[str, ...]) -> str:
    """'#rrggbb' along ``ramp``: its first colour at strength 0 (or NaN), its last at 1 and above."""
    t = 0.0 if math.isnan(strength) else min(max(strength, 0.0), 1.0) * (len(ramp) - 1)
    low = min(int(t), len(ramp) - 2)
    start, end, part = rgb(ramp[low]), rgb(ramp[low + 1]), t - low
    return "#{:02x}{:02x}{:02x}".format(*(round(a + (b - a) * part) for a, b in zip(start, end)))


def text_on(strength: float) -> str:
    """Black text on light shades, white on dark ones."""
    return "#ffffff" if strength > WHITE_TEXT_ABOVE else "#000000"


def tag_color(index: int) -> str:
    return TAG_COLORS[index % len(TAG_COLORS)]


def layer_color(index: int) -> str:
    return LAYER_COLORS[index % len(LAYER_COLORS)]


# -- the widget's palette and fonts ----------------------------------------------------------


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

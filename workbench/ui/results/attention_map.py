"""A translator's attention as a heatmap: one row per written token, one column per typed token."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from ..internals import theme
from .colors import ATTENTION, rgb
from .formatting import visible_token

ATTENTION_COLORMAP = pg.ColorMap(pos=np.linspace(0.0, 1.0, len(ATTENTION)), color=[rgb(c) for c in ATTENTION])
TALLEST_ROW = 36  # pixels: a short output gets short rows, not a tall empty map
AXES_HEIGHT = 70  # the bottom axis with its title, and margins
LEVELS = (0.0, 1.0)  # each row is a distribution over the source: weights lie in [0, 1]


def token_ticks(tokens: tuple[str, ...]) -> list[list[tuple[int, str]]]:
    return [[(index, visible_token(token)) for index, token in enumerate(tokens)]]


class AttentionImage(pg.ImageItem):
    """The weights, rows written tokens and columns typed ones; hovering names both and the weight."""

    def __init__(self) -> None:
        super().__init__(axisOrder="row-major")
        self.source_tokens: tuple[str, ...] = ()
        self.output_tokens: tuple[str, ...] = ()
        self.setAcceptHoverEvents(True)

    def hoverEvent(self, ev):  # noqa: N802 (pyqtgraph's name)
        """Keep the tooltip current; Qt shows it when the mouse rests."""
        if ev.isExit() or self.image is None:
            self.setToolTip("")
            return
        row, column = math.floor(ev.pos().y()), math.floor(ev.pos().x())
        rows, columns = self.image.shape
        if not (0 <= row < rows and 0 <= column < columns):
            self.setToolTip("")
            return
        written, typed = visible_token(self.output_tokens[row]), visible_token(self.source_tokens[column])
        self.setToolTip(
            f"writing “{written}” (step {row}), the model gave “{typed}” "
            f"{100 * self.image[row, column]:.1f} % of its attention"
        )


class AttentionMap(pg.GraphicsLayoutWidget):
    """The heatmap, its token axes and a colour bar."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setBackground(theme.background(self))
        self.plot = self.addPlot()
        theme.style_plot(self.plot, self)
        for name, title in (("bottom", "typed"), ("left", "written")):
            axis = self.plot.getAxis(name)
            axis.setStyle(tickFont=theme.mono_font(10))
            axis.setLabel(title, color=theme.foreground(self).name())
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.getViewBox().invertY(True)  # the first written token on top
        self.image = AttentionImage()
        self.image.setColorMap(ATTENTION_COLORMAP)
        self.plot.addItem(self.image)
        self.bar = pg.ColorBarItem(
            values=LEVELS,
            colorMap=ATTENTION_COLORMAP,
            width=10,
            interactive=False,
            colorMapMenu=False,
            label="attention",
        )
        theme.style_plot(self.bar, self)
        self.addItem(self.bar)

    def show_attention(
        self, weights: np.ndarray, source_tokens: tuple[str, ...], output_tokens: tuple[str, ...]
    ) -> None:
        """``weights`` (output tokens, source tokens)."""
        self.image.source_tokens, self.image.output_tokens = source_tokens, output_tokens
        self.image.setImage(np.asarray(weights, dtype=np.float32), levels=LEVELS, autoLevels=False)
        rows, columns = weights.shape
        self.image.setRect(QRectF(-0.5, -0.5, columns, rows))
        self.plot.getAxis("bottom").setTicks(token_ticks(source_tokens))
        self.plot.getAxis("left").setTicks(token_ticks(output_tokens))
        self.plot.getViewBox().setRange(xRange=(-0.5, columns - 0.5), yRange=(-0.5, rows - 0.5), padding=0)
        self.setMaximumHeight(rows * TALLEST_ROW + AXES_HEIGHT)

    def clear_attention(self) -> None:
        """(Not ``clear``: GraphicsLayoutWidget sets that on each instance, to its layout's, which drops every item.)"""
        self.image.clear()
        for name in ("bottom", "left"):
            self.plot.getAxis(name).setTicks([[]])

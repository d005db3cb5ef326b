"""A translator's attention as a heatmap: one row per written token, one column per typed token."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from .. import theme
from ..heatmap_plot import HeatmapImage, HeatmapPlot
from .formatting import visible_token

ATTENTION_COLORMAP = pg.ColorMap(
    pos=np.linspace(0.0, 1.0, len(theme.ATTENTION)), color=[theme.rgb(c) for c in theme.ATTENTION]
)
TALLEST_ROW = 36  # pixels: a short output gets short rows, not a tall empty map
AXES_HEIGHT = 70  # the bottom axis with its title, and margins
LEVELS = (0.0, 1.0)  # each row is a distribution over the source: weights lie in [0, 1]


def token_ticks(tokens: tuple[str, ...]) -> list[list[tuple[int, str]]]:
    return [[(index, visible_token(token)) for index, token in enumerate(tokens)]]


class AttentionMap(pg.GraphicsLayoutWidget):
    """The heatmap, its token axes and a colour bar; hovering a cell names both tokens and the weight."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.source_tokens: tuple[str, ...] = ()
        self.output_tokens: tuple[str, ...] = ()
        self.setBackground(theme.background(self))
        self.heatmap = HeatmapPlot(
            self.ci, self, HeatmapImage(self.describe), ATTENTION_COLORMAP, bar_label="attention"
        )
        for name, title in (("bottom", "typed"), ("left", "written")):
            axis = self.plot.getAxis(name)
            axis.setStyle(tickFont=theme.mono_font(10))
            axis.setLabel(title, color=theme.foreground(self).name())
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.addItem(self.heatmap.bar)  # in the next cell, as tall as the plot with its axes

    @property
    def plot(self) -> pg.PlotItem:
        return self.heatmap.plot

    @property
    def image(self) -> HeatmapImage:
        return self.heatmap.image

    def show_attention(
        self, weights: np.ndarray, source_tokens: tuple[str, ...], output_tokens: tuple[str, ...]
    ) -> None:
        """``weights`` (output tokens, source tokens)."""
        self.source_tokens, self.output_tokens = source_tokens, output_tokens
        self.heatmap.show_matrix(np.asarray(weights, dtype=np.float32), LEVELS)
        self.plot.getAxis("bottom").setTicks(token_ticks(source_tokens))
        self.plot.getAxis("left").setTicks(token_ticks(output_tokens))
        self.setMaximumHeight(weights.shape[0] * TALLEST_ROW + AXES_HEIGHT)

    def describe(self, row: int, column: int) -> str:
        written, typed = visible_token(self.output_tokens[row]), visible_token(self.source_tokens[column])
        return (
            f"writing “{written}” (step {row}), the model gave “{typed}” "
            f"{100 * self.image.image[row, column]:.1f} % of its attention"
        )

    def clear_attention(self) -> None:
        """(Not ``clear``: GraphicsLayoutWidget sets that on each instance, to its layout's, which drops every item.)"""
        self.image.clear()
        for name in ("bottom", "left"):
            self.plot.getAxis(name).setTicks([[]])

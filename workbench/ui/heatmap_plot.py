"""A matrix of values drawn as a heatmap: one cell per value, row 0 on top, a colour bar, a tooltip.

The internals' unit × time heatmaps and the translator's attention map are both this; each adds
its own axes, interaction and placement of the colour bar.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QWidget

from . import theme

BAR_WIDTH = 10


class HeatmapImage(pg.ImageItem):
    """The matrix as an image, rows down and columns across; hovering shows ``describe(row, column)``."""

    def __init__(self, describe: Callable[[int, int], str]) -> None:
        super().__init__(axisOrder="row-major")
        self.describe = describe
        self.setAcceptHoverEvents(True)

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        """(row, column) under image pixel coordinates, or None outside the image."""
        if self.image is None:
            return None
        row, column = math.floor(y), math.floor(x)
        rows, columns = self.image.shape
        return (row, column) if 0 <= row < rows and 0 <= column < columns else None

    def hoverEvent(self, ev):  # noqa: N802 (pyqtgraph's name)
        """Keep the tooltip text current; Qt shows it when the mouse rests (as pyqtgraph's scatter does)."""
        cell = None if ev.isExit() else self.cell_at(ev.pos().x(), ev.pos().y())
        self.setToolTip("" if cell is None else self.describe(*cell))


class HeatmapPlot:
    """A plot in ``layout`` showing ``image`` over its whole view, and a colour bar of the same colours.

    The bar is made but not placed: the view puts it beside the image or in the layout's next cell.
    """

    def __init__(
        self,
        layout: pg.GraphicsLayout,
        host: QWidget,
        image: HeatmapImage,
        colormap: pg.ColorMap,
        axis_items: dict[str, pg.AxisItem] | None = None,
        bar_label: str | None = None,
    ) -> None:
        self.plot = layout.addPlot(axisItems=axis_items)
        theme.style_plot(self.plot, host)
        view = self.plot.getViewBox()
        view.invertY(True)  # row 0 on top
        view.setDefaultPadding(0.0)
        self.image = image
        self.image.setColorMap(colormap)
        self.plot.addItem(self.image)
        self.bar = pg.ColorBarItem(
            values=(0, 1), colorMap=colormap, width=BAR_WIDTH, interactive=False, colorMapMenu=False, label=bar_label
        )
        theme.style_plot(self.bar, host)
        self.shape: tuple[int, int] | None = None
        self.levels: tuple[float, float] | None = None

    def show_matrix(self, matrix: np.ndarray, levels: tuple[float, float]) -> None:
        """Draw (rows, columns) ``matrix`` with fixed ``levels``; the view is fitted anew only if the shape changed."""
        self.image.setImage(matrix, levels=levels, autoLevels=False)
        if levels != self.levels:  # setting even the same levels redraws the bar's axis
            self.levels = levels
            self.bar.setLevels(levels, update_items=False)
        if matrix.shape != self.shape:
            self.shape = matrix.shape
            rows, columns = matrix.shape
            self.image.setRect(QRectF(-0.5, -0.5, columns, rows))
            self.fit_view(rows, columns)

    def fit_view(self, rows: int, columns: int) -> None:
        """Show every cell and nothing around them."""
        self.plot.getViewBox().setRange(xRange=(-0.5, columns - 0.5), yRange=(-0.5, rows - 0.5), padding=0)

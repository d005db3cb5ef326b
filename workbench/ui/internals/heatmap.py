"""Units × time heatmaps with the probe text along the x axis; a click on a row picks that unit."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem, QStackedWidget, QWidget

from .. import theme
from ..heatmap_plot import HeatmapImage, HeatmapPlot
from .analysis import display_token

NICE_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000)
LEFT_AXIS_WIDTH = 46  # "unit" and three digits
BAR_AXIS_WIDTH = 36  # "-0.5", "15"


class TokenAxis(pg.AxisItem):
    """A time axis labelled with the probe's characters where each fits, else with step numbers."""

    def __init__(self, orientation: str = "bottom") -> None:
        super().__init__(orientation)
        self.labels: list[str] = []
        self.setStyle(tickFont=theme.mono_font(8))
        self._char_width = QFontMetricsF(self.style["tickFont"]).horizontalAdvance("M")

    def set_tokens(self, tokens: tuple[str, ...]) -> None:
        labels = [display_token(token) for token in tokens]
        if labels != self.labels:
            self.labels = labels
            self.picture = None
            self.update()

    def shows_characters(self, first: float, last: float, pixels: float) -> bool:
        """Whether every token's label fits between ``first`` and ``last`` over ``pixels``.

        Monospaced characters need no gap: side by side they read as the text itself.
        """
        widest = max((len(label) for label in self.labels), default=1)
        gap = 0.0 if widest == 1 else self._char_width
        return pixels / max(last - first, 1e-9) >= widest * self._char_width + gap

    def tickValues(self, minVal, maxVal, size):  # noqa: N802 (pyqtgraph's name)
        if not self.labels:
            return []
        first, last = max(0, math.ceil(minVal)), min(len(self.labels) - 1, math.floor(maxVal))
        if last < first:
            return []
        if self.shows_characters(minVal, maxVal, size):
            return [(1.0, list(range(first, last + 1)))]
        per_label = 4 * self._char_width * (maxVal - minVal) / max(size, 1.0)  # "120" and a gap
        step = next((s for s in NICE_STEPS if s >= per_label), NICE_STEPS[-1])
        start = math.ceil(first / step) * step
        return [(float(step), list(range(start, last + 1, step)))]

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph's name)
        if spacing == 1.0:
            return [self.labels[int(v)] if 0 <= int(v) < len(self.labels) else "" for v in values]
        return [str(int(v)) for v in values]


class UnitImage(HeatmapImage):
    """A heatmap image whose rows are units: a left click reports the row."""

    row_clicked = Signal(int)

    def mouseClickEvent(self, ev):  # noqa: N802 (pyqtgraph's name)
        cell = self.cell_at(ev.pos().x(), ev.pos().y())
        if ev.button() == Qt.MouseButton.LeftButton and cell is not None:
            ev.accept()
            self.row_clicked.emit(cell[0])
        else:
            super().mouseClickEvent(ev)


class RowMarker(QGraphicsRectItem):
    """The selected unit's row, outlined white inside black: it shows on every colour map."""

    def __init__(self) -> None:
        super().__init__()
        self.outer = pg.mkPen("k", width=4)
        self.inner = pg.mkPen("w", width=2)
        for pen in (self.outer, self.inner):
            pen.setCosmetic(True)
        self.setPen(self.outer)  # the wider pen sizes the bounding rectangle

    def paint(self, painter, option, widget=None):
        for pen in (self.outer, self.inner):
            painter.setPen(pen)
            painter.drawRect(self.rect())


class UnitHeatmap(HeatmapPlot):
    """One titled, zoomable heatmap (units × time) with a token axis and the selected unit outlined."""

    def __init__(self, layout: pg.GraphicsLayout, title: str, colormap: str, value_name: str, host) -> None:
        self.axis = TokenAxis()
        self.value_name = value_name  # "f", "h": named on hover
        self.tokens: tuple[str, ...] = ()
        image = UnitImage(self.describe)
        super().__init__(layout, host, image, pg.colormap.get(colormap), axis_items={"bottom": self.axis})
        self._title_color = theme.foreground(host).name()
        self.title = ""
        self.set_title(title)
        self.plot.setLabel("left", "unit")
        self.plot.getAxis("left").setWidth(LEFT_AXIS_WIDTH)  # equal widths keep linked views aligned
        self.image.setAutoDownsample(True)  # 512 units in 200 pixels: average rows, do not skip them
        self.bar.getAxis("right").setWidth(BAR_AXIS_WIDTH)
        self.plot.layout.addItem(self.bar, 2, 5)
        self.plot.layout.setColumnFixedWidth(4, 4)
        self.marker = RowMarker()
        self.marker.setZValue(10)
        self.marker.hide()
        self.plot.addItem(self.marker, ignoreBounds=True)
        # Axes kept as pictures on screen: a new snapshot changes the image, not the axes, and
        # replaying each axis' labels (a character per step) cost most of a redraw's painting.
        # The colour bar's four axes too: a snapshot leaves them be, a tab switch or a resize
        # repainted them label by label.
        bar_axes = [self.bar.getAxis(side) for side in ("left", "right", "top", "bottom")]
        for axis in (self.axis, self.plot.getAxis("left"), *bar_axes):
            axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def set_title(self, title: str) -> None:
        if title != self.title:
            self.title = title
            self.plot.setTitle(title, color=self._title_color, size="9pt")

    def show(self, units_by_time: np.ndarray, levels: tuple[float, float], tokens: tuple[str, ...]) -> None:
        """Draw ``units_by_time`` (H, T) with fixed ``levels``; keep the user's zoom if the shape holds."""
        self.tokens = tokens
        self.axis.set_tokens(tokens)
        self.show_matrix(units_by_time, levels)

    def fit_view(self, units: int, steps: int) -> None:
        """Zoom no further out than every cell, nor in to fewer than 2 × 2; then show them all."""
        view = self.plot.getViewBox()
        view.setLimits(xMin=-0.5, xMax=steps - 0.5, yMin=-0.5, yMax=units - 0.5, minXRange=2, minYRange=2)
        super().fit_view(units, steps)

    def describe(self, unit: int, step: int) -> str:
        token = display_token(self.tokens[step]) if step < len(self.tokens) else ""
        return f"unit {unit}, step {step} “{token}”\n{self.value_name} = {self.image.image[unit, step]:.3f}"

    def mark_unit(self, unit: int | None) -> None:
        if unit is None or self.shape is None or not 0 <= unit < self.shape[0]:
            self.marker.hide()
            return
        self.marker.setRect(QRectF(-0.5, unit - 0.5, self.shape[1], 1.0))
        self.marker.show()


@dataclass(frozen=True)
class HeatmapSpec:
    key: str  # "forget", "hidden"
    title: str  # "forget gate f  (σ)"
    colormap: str
    value_name: str  # shown on hover: "f", "h"


class PageCache(QStackedWidget):
    """Pages made once per key and kept: building pyqtgraph plots costs far more than redrawing."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.pages: dict[object, QWidget] = {}

    def page(self, key, make: Callable[[], QWidget]) -> QWidget:
        """The page for ``key``, made now if it was not."""
        if key not in self.pages:
            self.pages[key] = make()
            self.addWidget(self.pages[key])
        return self.pages[key]

    def show_page(self, key, make: Callable[[], QWidget]) -> QWidget:
        page = self.page(key, make)
        self.setCurrentWidget(page)
        return page


class HeatmapGrid(pg.GraphicsLayoutWidget):
    """Heatmaps in a grid, one per spec, their ranges linked so that zooming one zooms all."""

    row_clicked = Signal(int)

    def __init__(self, specs: tuple[HeatmapSpec, ...], columns: int = 2, footnote: str = "", parent=None) -> None:
        """``footnote``, rich text, fills the grid's first empty cell (if the last row has one)."""
        super().__init__(parent)
        self.setBackground(theme.background(self))
        self.heatmaps: dict[str, UnitHeatmap] = {}
        self._linking = False
        for index, spec in enumerate(specs):
            if index and index % columns == 0:
                self.ci.nextRow()
            heatmap = UnitHeatmap(self.ci, spec.title, spec.colormap, spec.value_name, self)
            heatmap.image.row_clicked.connect(self.row_clicked)
            heatmap.plot.getViewBox().sigRangeChanged.connect(self._on_range_changed)
            heatmap.plot.setPreferredWidth(400)  # equal hints, so the columns share the width evenly
            self.heatmaps[spec.key] = heatmap
        if footnote and len(specs) % columns:
            label = pg.LabelItem(footnote, color=theme.foreground(self).name(), size="9pt", justify="left")
            self.ci.addItem(label)

    def set_titles(self, specs: tuple[HeatmapSpec, ...]) -> None:
        for spec in specs:
            self.heatmaps[spec.key].set_title(spec.title)

    def _on_range_changed(self, view: pg.ViewBox, ranges) -> None:
        """Give every heatmap the same view range.

        pyqtgraph's own axis links align views by their pixel positions, which shifts the range
        of heatmaps whose axes differ in width; these views should show the same steps and units.
        """
        if self._linking:
            return
        self._linking = True
        try:
            for heatmap in self.heatmaps.values():
                other = heatmap.plot.getViewBox()
                if other is not view:
                    other.setRange(xRange=ranges[0], yRange=ranges[1], padding=0)
        finally:
            self._linking = False

    def show_matrix(self, key: str, units_by_time: np.ndarray, levels, tokens: tuple[str, ...]) -> None:
        self.heatmaps[key].show(units_by_time, levels, tokens)

    def mark_unit(self, unit: int | None) -> None:
        for heatmap in self.heatmaps.values():
            heatmap.mark_unit(unit)

"""What the model looked at while it wrote: the attention window φ and the mixture weights π, over time.

Two heatmaps side by side, rows × written points, their time axes kept in step. φ (Graves 2013,
eq. 46) has one row per character of the text, labelled with the character, so a good model
shows a band falling from the first character to the last; π (eq. 19) has one row per mixture
component. Before anything is written each shows a line saying what will appear there.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QColor, QFont, QFontDatabase, QFontMetricsF, QPalette

from ...engine.events import HandwritingWritten
from .. import theme
from ..heatmap_plot import HeatmapImage

PHI_TITLE = "Attention window φ (characters × time)"
PI_TITLE = "Mixture weights π (components × time)"
PHI_EMPTY = "The window over the text appears here when the model writes"
PI_EMPTY = "Which mixture components the model used appears here"
PHI_NO_TEXT = "This model reads no text, so it has no attention window"
END_SLOT = "end"  # the extra position after the text (section 5.3's stop test)
NICE_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 500)
LEFT_AXIS_WIDTH = 40
_PLAYHEAD = QColor(255, 255, 255, 210)


def display_character(character: str) -> str:
    """A character as a row label: a space is drawn as ␣ so its row is not unlabelled."""
    return {" ": "␣", "\t": "⇥", "\n": "⏎"}.get(character, character)


def row_labels(text: str, rows: int) -> list[str]:
    """One label per row of φ: the characters, then "end" for the stop slot, then blanks."""
    labels = [display_character(character) for character in text[:rows]]
    if len(labels) < rows:
        labels.append(END_SLOT)
    return labels + [""] * (rows - len(labels))


class RowLabelAxis(pg.AxisItem):
    """A left axis with a label on each row (a character, a component number), thinned to fit."""

    def __init__(self) -> None:
        super().__init__("left")
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(8.5)
        self.setStyle(tickFont=font, tickLength=-3)
        self._line_height = QFontMetricsF(font).height()
        self.labels: list[str] = []

    def set_labels(self, labels: list[str]) -> None:
        if labels != self.labels:
            self.labels = list(labels)
            self.picture = None
            self.update()

    def tickValues(self, minVal, maxVal, size):  # noqa: N802 (pyqtgraph's name)
        """Every row whose label fits: all of them, or every 2nd, 5th, 10th... when rows are thin."""
        minVal, maxVal = sorted((minVal, maxVal))  # noqa: N806 (an inverted view passes them swapped)
        first, last = max(0, math.ceil(minVal)), min(len(self.labels) - 1, math.floor(maxVal))
        if last < first:
            return []
        pixels_per_row = size / max(maxVal - minVal, 1e-9)
        step = next((s for s in NICE_STEPS if s * pixels_per_row >= self._line_height), NICE_STEPS[-1])
        return [(float(step), list(range(math.ceil(first / step) * step, last + 1, step)))]

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph's name)
        return [self.labels[int(v)] if 0 <= int(v) < len(self.labels) else "" for v in values]


class WrittenHeatmap:
    """One titled plot: rows × points, a row-label axis, a colour bar, a playhead and an empty-state line."""

    def __init__(
        self,
        layout: pg.GraphicsLayout,
        title: str,
        colormap: str,
        value_name: str,
        row_name: str,
        text_color: QColor,
        hint_color: QColor,
    ) -> None:
        self.axis = RowLabelAxis()
        self.plot = layout.addPlot(axisItems={"left": self.axis})
        self.plot.setTitle(title, color=text_color.name(), size="9.5pt")
        self.plot.setLabel("bottom", "written point")
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.axis.setWidth(LEFT_AXIS_WIDTH)
        view = self.plot.getViewBox()
        view.invertY(True)
        view.setDefaultPadding(0.0)
        view.setMouseEnabled(x=True, y=False)
        self.value_name, self.row_name = value_name, row_name
        self.labels: list[str] = []  # the rows' names, for the tooltip
        self.image = HeatmapImage(self.describe)
        self.image.setColorMap(pg.colormap.get(colormap))
        self.plot.addItem(self.image)
        self.bar = pg.ColorBarItem(values=(0, 1), colorMap=colormap, width=9, interactive=False, colorMapMenu=False)
        self.bar.setImageItem(self.image)
        self.bar.getAxis("right").setWidth(30)
        self.plot.layout.addItem(self.bar, 2, 5)
        self.plot.showAxes(True, showValues=(True, False, False, True), size=False)  # a frame round the image
        axes = [self.plot.getAxis(name) for name in ("left", "bottom", "right", "top")] + [self.bar.getAxis("right")]
        for axis in axes:
            axis.setPen(pg.mkPen(text_color))
            axis.setTextPen(pg.mkPen(text_color))
        for name in ("right", "top"):
            self.plot.getAxis(name).setTicks([])  # a plain frame
        self.plot.layout.setColumnFixedWidth(4, 4)
        self.playhead = pg.InfiniteLine(angle=90, pen=pg.mkPen(_PLAYHEAD, width=1.5))
        self.plot.addItem(self.playhead, ignoreBounds=True)
        self.hint = pg.TextItem(color=hint_color, anchor=(0.5, 0.5))
        hint_font = QFont()
        hint_font.setItalic(True)
        self.hint.setFont(hint_font)
        self.plot.addItem(self.hint, ignoreBounds=True)
        self.shape: tuple[int, int] | None = None
        self.clear(PHI_EMPTY)

    def describe(self, row: int, point: int) -> str:
        """The tooltip of a cell: 'character h, point 3 / φ = 0.412'."""
        label = self.labels[row] if row < len(self.labels) else str(row)
        return f"{self.row_name} {label}, point {point}\n{self.value_name} = {self.image.image[row, point]:.3f}"

    def show(self, rows_by_time: np.ndarray, labels: list[str], levels: tuple[float, float]) -> None:
        """Draw (rows, points) ``rows_by_time`` with fixed ``levels`` (no rescan of the data)."""
        self.shape = rows_by_time.shape
        self.hint.hide()
        self.labels = labels
        self.image.setImage(rows_by_time, levels=levels, autoLevels=False)
        self.image.setRect(QRectF(-0.5, -0.5, rows_by_time.shape[1], rows_by_time.shape[0]))
        self.image.show()
        self.bar.setLevels(levels)
        self.bar.setOpacity(1.0)
        self.axis.set_labels(labels)
        self.plot.getAxis("bottom").setTicks(None)  # automatic again
        rows, points = rows_by_time.shape
        view = self.plot.getViewBox()
        view.setLimits(xMin=-0.5, xMax=points - 0.5, yMin=-0.5, yMax=rows - 0.5, minXRange=4)
        view.setRange(xRange=(-0.5, points - 0.5), yRange=(-0.5, rows - 0.5), padding=0)
        self.set_playhead(None)

    def clear(self, hint: str) -> None:
        """No data: the frame, the title and ``hint`` in the middle."""
        self.shape = None
        self.image.clear()
        self.image.hide()
        self.labels = []
        self.bar.setOpacity(0.0)  # hidden, it would lose its width in the layout for good
        self.axis.set_labels([])
        self.plot.getAxis("bottom").setTicks([])  # no time yet
        view = self.plot.getViewBox()
        view.setLimits(xMin=None, xMax=None, yMin=None, yMax=None, minXRange=None)
        view.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
        self.hint.setText(hint)
        self.hint.setPos(0.5, 0.5)
        self.hint.show()
        self.set_playhead(None)

    def set_playhead(self, point: float | None) -> None:
        """Mark the point being written; None hides the mark."""
        if point is None or self.shape is None:
            self.playhead.hide()
        else:
            self.playhead.setValue(point)
            self.playhead.show()


class WrittenHeatmaps(pg.GraphicsLayoutWidget):
    """φ and π side by side; panning or zooming time in one does the same in the other."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        base = self.palette().color(QPalette.ColorRole.Base)
        text = self.palette().color(QPalette.ColorRole.Text)
        hint = self.palette().color(QPalette.ColorRole.PlaceholderText)
        self.setBackground(base)
        self.ci.setContentsMargins(2, 4, 8, 2)
        self.ci.setSpacing(14)
        self.phi = WrittenHeatmap(self.ci, PHI_TITLE, theme.SEQUENTIAL_COLORMAP, "φ", "character", text, hint)
        self.mixture = WrittenHeatmap(self.ci, PI_TITLE, "inferno", "π", "component", text, hint)
        for heatmap in (self.phi, self.mixture):
            heatmap.plot.setPreferredWidth(400)  # equal hints: the two share the width evenly
            heatmap.plot.getViewBox().sigXRangeChanged.connect(self._on_x_range_changed)
        self.mixture.clear(PI_EMPTY)
        self._linking = False

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(800, 260)

    def show_written(self, event: HandwritingWritten) -> None:
        """Fill both heatmaps from ``event``; φ is stored (N, U) and shown transposed, (U, N)."""
        mixture = np.asarray(event.mixture_weights, dtype=np.float32).T
        components = mixture.shape[0]
        self.mixture.show(mixture, [str(k + 1) for k in range(components)], (0.0, 1.0))
        if event.phi is None:
            self.phi.clear(PHI_NO_TEXT)
            return
        phi = np.asarray(event.phi, dtype=np.float32).T
        self.phi.show(phi, row_labels(event.text, phi.shape[0]), (0.0, max(float(phi.max(initial=0.0)), 1e-6)))

    def reset(self) -> None:
        """Back to the empty state. (Not ``clear``: GraphicsLayoutWidget binds that name to empty its layout.)"""
        self.phi.clear(PHI_EMPTY)
        self.mixture.clear(PI_EMPTY)

    def set_playhead(self, point: float | None) -> None:
        self.phi.set_playhead(point)
        self.mixture.set_playhead(point)

    def _on_x_range_changed(self, view: pg.ViewBox, x_range) -> None:
        """Keep the time axes in step (pyqtgraph's own link aligns by pixels, wrong side by side)."""
        if self._linking:
            return
        self._linking = True
        try:
            for heatmap in (self.phi, self.mixture):
                other = heatmap.plot.getViewBox()
                if other is not view and heatmap.shape is not None:
                    other.setXRange(*x_range, padding=0)
        finally:
            self._linking = False

"""The confusion matrix: true labels down, predicted labels across, each cell shaded by its share of the row."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from ..theme import BLUES, MUTED, REDS, shade, text_on

MARGIN = 6
GAP = 2  # white between cells
MIN_CELL_WIDTH = 48
MAX_CELL_WIDTH = 96  # cells widen up to this to fit a label name across,
MAX_WIDE_GRID = 420  # while the grid stays this narrow; else the names stand upright over narrow cells
LONGEST_NAME_PIXELS = 150  # longer label names are elided
PREDICTED_TITLE = "predicted →"
TRUE_TITLE = "true ↓"


class ConfusionMatrixView(QWidget):
    """A painted grid of counts; hover a cell for its share of the row.

    Cells on the diagonal (right answers) are shaded blue, cells off it (mistakes) red, each as
    dark as its share of its row: a good model has a dark blue diagonal and pale red elsewhere.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label_names: tuple[str, ...] = ()
        self.counts = np.zeros((0, 0), dtype=np.int64)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Minimum)
        self._measure()

    def set_confusion(self, label_names: tuple[str, ...], counts: np.ndarray) -> None:
        self.label_names = tuple(label_names)
        self.counts = np.asarray(counts, dtype=np.int64)
        self._measure()
        self.updateGeometry()
        self.update()

    def clear(self) -> None:
        self.set_confusion((), np.zeros((0, 0), dtype=np.int64))

    # -- what each cell shows ----------------------------------------------------------------

    def cell_text(self, row: int, column: int) -> str:
        return f"{int(self.counts[row, column]):,}"

    def row_share(self, row: int, column: int) -> float:
        total = int(self.counts[row].sum())
        return float(self.counts[row, column] / total) if total else float("nan")

    def cell_color(self, row: int, column: int) -> str:
        return shade(self.row_share(row, column), BLUES if row == column else REDS)

    def cell_rect(self, row: int, column: int) -> QRect:
        return QRect(
            self._grid_left + column * self._cell.width(),
            self._grid_top + row * self._cell.height(),
            self._cell.width() - GAP,
            self._cell.height() - GAP,
        )

    def cell_at(self, point: QPoint) -> tuple[int, int] | None:
        size = len(self.label_names)
        column = (point.x() - self._grid_left) // self._cell.width()
        row = (point.y() - self._grid_top) // self._cell.height()
        inside = point.x() >= self._grid_left and point.y() >= self._grid_top
        return (row, column) if inside and row < size and column < size else None

    # -- geometry ----------------------------------------------------------------------------

    def _name(self, index: int) -> str:
        return self.fontMetrics().elidedText(self.label_names[index], Qt.TextElideMode.ElideRight, LONGEST_NAME_PIXELS)

    def _measure(self) -> None:
        """Cell size and header extents from the font, the widest count and the longest name."""
        metrics = self.fontMetrics()
        names = [self._name(index) for index in range(len(self.label_names))]
        widest_name = max((metrics.horizontalAdvance(name) for name in names), default=0)
        widest_count = metrics.horizontalAdvance(f"{int(self.counts.max(initial=0)):,}")
        narrow = max(MIN_CELL_WIDTH, widest_count + 16)
        wide = max(narrow, widest_name + 12)
        self._rotated = wide > MAX_CELL_WIDTH or wide * len(names) > MAX_WIDE_GRID  # names read bottom to top
        self._cell = QSize(narrow if self._rotated else wide, metrics.height() + 10)
        header_height = widest_name + 8 if self._rotated else metrics.height() + 6
        self._grid_left = MARGIN + max(widest_name, metrics.horizontalAdvance(TRUE_TITLE)) + 10
        self._grid_top = MARGIN + metrics.height() + 4 + header_height

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        size = len(self.label_names)
        return QSize(
            self._grid_left + size * self._cell.width() + MARGIN, self._grid_top + size * self._cell.height() + MARGIN
        )

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return self.sizeHint()

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._measure()
            self.updateGeometry()

    # -- painting ----------------------------------------------------------------------------

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if not self.label_names:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_titles(painter)
        self._paint_headers(painter)
        for row in range(len(self.label_names)):
            for column in range(len(self.label_names)):
                self._paint_cell(painter, row, column)

    def _paint_titles(self, painter: QPainter) -> None:
        metrics = self.fontMetrics()
        painter.setPen(QColor(MUTED))
        grid_width = len(self.label_names) * self._cell.width()
        painter.drawText(
            QRect(
                self._grid_left, MARGIN, max(grid_width, metrics.horizontalAdvance(PREDICTED_TITLE)), metrics.height()
            ),
            Qt.AlignmentFlag.AlignLeft,
            PREDICTED_TITLE,
        )
        corner = QRect(MARGIN, MARGIN, self._grid_left - MARGIN - 10, self._grid_top - MARGIN - 2)
        painter.drawText(corner, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom, TRUE_TITLE)

    def _paint_headers(self, painter: QPainter) -> None:
        painter.setPen(self.palette().text().color())
        header_top = MARGIN + self.fontMetrics().height() + 4
        header_height = self._grid_top - header_top - 4
        for index in range(len(self.label_names)):
            name = self._name(index)
            row_box = QRect(
                MARGIN,
                self._grid_top + index * self._cell.height(),
                self._grid_left - MARGIN - 10,
                self._cell.height() - GAP,
            )
            painter.drawText(row_box, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, name)
            left = self._grid_left + index * self._cell.width()
            if not self._rotated:
                column_box = QRect(left, header_top, self._cell.width() - GAP, header_height)
                painter.drawText(column_box, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, name)
                continue
            painter.save()  # turned a quarter left, the name's baseline runs up the column's middle
            painter.translate(left + (self._cell.width() - GAP) / 2, self._grid_top - 4)
            painter.rotate(-90)
            painter.drawText(
                QRect(0, -self._cell.width() // 2, header_height, self._cell.width()),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                name,
            )
            painter.restore()

    def _paint_cell(self, painter: QPainter, row: int, column: int) -> None:
        rect = self.cell_rect(row, column)
        share = self.row_share(row, column)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(self.cell_color(row, column)))
        painter.drawRoundedRect(rect, 2, 2)
        painter.setPen(QColor(text_on(share)))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.cell_text(row, column))

    # -- hover -------------------------------------------------------------------------------

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            cell = self.cell_at(event.pos())
            if cell is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.describe(*cell), self)
            return True
        return super().event(event)

    def describe(self, row: int, column: int) -> str:
        true, predicted = self.label_names[row], self.label_names[column]
        total = int(self.counts[row].sum())
        share = self.row_share(row, column)
        of_row = f"{100 * share:.1f} % of the {total:,} truly “{true}”" if total else "none are truly this label"
        return f"true “{true}”, predicted “{predicted}”: {self.cell_text(row, column)} ({of_row})"

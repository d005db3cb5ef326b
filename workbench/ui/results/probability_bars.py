"""A classifier's answer as one horizontal bar per label, likeliest first."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from .formatting import percent

CHOSEN_BAR = "#2166ac"
OTHER_BAR = "#9ecae1"
TRACK = "#eef1f4"
ROW_GAP = 5
PERCENT_TEXT = "100.0 %"  # the widest percentage, to size its column


class ProbabilityBars(QWidget):
    """Label name, bar and percentage in one row per label; the model's choice in bold."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[tuple[str, float]] = []  # (label, probability), likeliest first
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_probabilities(self, label_names: tuple[str, ...], probabilities: np.ndarray) -> None:
        order = np.argsort(-np.asarray(probabilities, dtype=np.float64), kind="stable")
        self.rows = [(label_names[index], float(probabilities[index])) for index in order]
        self.updateGeometry()
        self.update()

    def clear(self) -> None:
        self.set_probabilities((), np.zeros(0))

    def row_texts(self) -> list[tuple[str, str]]:
        """What each row says: (label, '92.3 %')."""
        return [(name, percent(probability)) for name, probability in self.rows]

    def _row_height(self) -> int:
        return self.fontMetrics().height() + ROW_GAP

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(360, len(self.rows) * self._row_height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(200, self.sizeHint().height())

    def _bold_font(self) -> QFont:
        bold = QFont(self.font())
        bold.setBold(True)
        return bold

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        """Three columns: names right-aligned (at most a third of the width), bars, percentages."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        widest = max((QFontMetrics(self._bold_font()).horizontalAdvance(name) for name, _ in self.rows), default=0)
        names_width = min(widest + 8, self.width() // 3)
        percent_width = self.fontMetrics().horizontalAdvance(PERCENT_TEXT) + 12
        track_left = names_width + 8
        track_width = max(self.width() - track_left - percent_width, 20)
        height = self._row_height()
        for index, (name, probability) in enumerate(self.rows):
            row = QRect(0, index * height, self.width(), height)
            self._paint_row(painter, row, index == 0, name, probability, (names_width, track_left, track_width))

    def _paint_row(
        self, painter: QPainter, row: QRect, chosen: bool, name: str, probability: float, columns: tuple[int, int, int]
    ) -> None:
        names_width, track_left, track_width = columns
        painter.setFont(self._bold_font() if chosen else self.font())
        painter.setPen(self.palette().text().color())
        name_box = QRect(row.left(), row.top(), names_width, row.height())
        shown = painter.fontMetrics().elidedText(name, Qt.TextElideMode.ElideRight, names_width)
        painter.drawText(name_box, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, shown)
        painter.drawText(
            QRect(track_left + track_width, row.top(), self.width() - track_left - track_width, row.height()),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            percent(probability),
        )
        track = QRectF(track_left, row.top() + ROW_GAP / 2 + 1, track_width, row.height() - ROW_GAP - 2)
        bar = QRectF(track.left(), track.top(), track.width() * min(max(probability, 0.0), 1.0), track.height())
        painter.setPen(Qt.PenStyle.NoPen)
        for rect, color in ((track, TRACK), (bar, CHOSEN_BAR if chosen else OTHER_BAR)):
            painter.setBrush(QColor(color))
            painter.drawRoundedRect(rect, 3, 3)

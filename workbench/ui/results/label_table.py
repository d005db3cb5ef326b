"""Per-label scores: precision, recall and support, read from the confusion matrix."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from ...engine.scoring.label_scores import LabelScores
from ...engine.scoring.scores import share_text
from .formatting import NO_VALUE

NEVER_PREDICTED = "never predicted"  # a label the model never chose has no precision

ROWS_WITHOUT_SCROLLING = 12
COLUMNS = ("label", "precision", "recall", "support")
HEADER_TIPS = (
    "",
    "Of the items predicted with this label, the share that truly carry it ('never predicted' if none was)",
    "Of the items that truly carry this label, the share the model found (— if there are none)",
    "How many validation items truly carry this label",
)


class LabelScoresTable(QTableWidget):
    """One row per label; numbers right-aligned so their decimal points line up."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(COLUMNS)
        for column, tip in enumerate(HEADER_TIPS):
            self.horizontalHeaderItem(column).setToolTip(tip)
        self.horizontalHeaderItem(0).setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)

    def show_scores(self, scores: LabelScores) -> None:
        precision, recall, support = scores.precision, scores.recall, scores.support
        self.setRowCount(len(scores.label_names))
        for row, name in enumerate(scores.label_names):
            cells = (
                name,
                share_text(precision[row], NEVER_PREDICTED),
                share_text(recall[row], NO_VALUE),
                f"{int(support[row]):,}",
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                align = Qt.AlignmentFlag.AlignLeft if column == 0 else Qt.AlignmentFlag.AlignRight
                item.setTextAlignment(align | Qt.AlignmentFlag.AlignVCenter)
                self.setItem(row, column, item)
        self._fit_height()

    def _fit_height(self) -> None:
        """As tall as its rows (up to a dozen), so that a two-label table leaves no empty box under them."""
        rows = min(self.rowCount(), ROWS_WITHOUT_SCROLLING) * self.verticalHeader().defaultSectionSize()
        self.setFixedHeight(rows + self.horizontalHeader().sizeHint().height() + 2 * self.frameWidth())

    def clear_scores(self) -> None:
        self.setRowCount(0)

"""Choosing a table's columns: which holds the texts and which their labels, or which values of a
series to model."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget,
)

TEXT_NAMES = ("text", "name", "sentence", "review", "title", "message")  # guessed as the text column
LABEL_NAMES = ("label", "class", "category", "sex", "gender", "sentiment", "target", "y")


class ColumnDialog(QDialog):
    """Two choices from the header; the guesses are columns named like texts and labels."""

    def __init__(self, file_name: str, header: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Choose the columns")
        self.text_column = QComboBox()
        self.label_column = QComboBox()
        for combo in (self.text_column, self.label_column):
            combo.addItems(header)
        self.text_column.setCurrentIndex(_guess(header, TEXT_NAMES, 0))
        self.label_column.setCurrentIndex(_guess(header, LABEL_NAMES, len(header) - 1))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.text_column.currentIndexChanged.connect(lambda: self._check(buttons))
        self.label_column.currentIndexChanged.connect(lambda: self._check(buttons))
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #b3261e;")
        form = QFormLayout(self)
        form.addRow(QLabel(f"<b>{file_name}</b>: a classifier learns to read the text and say its label."))
        form.addRow("Text", self.text_column)
        form.addRow("Label", self.label_column)
        form.addRow(self.problem)
        form.addRow(buttons)
        self._check(buttons)

    def columns(self) -> tuple[str, str]:
        return self.text_column.currentText(), self.label_column.currentText()

    def _check(self, buttons: QDialogButtonBox) -> None:
        same = self.text_column.currentIndex() == self.label_column.currentIndex()
        self.problem.setText("The text and the label must be different columns." if same else "")
        buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not same)


def _guess(header: list[str], names: tuple[str, ...], fallback: int) -> int:
    lowered = [column.strip().lower() for column in header]
    return next((lowered.index(name) for name in names if name in lowered), fallback)


class SeriesColumnsDialog(QDialog):
    """The CSV's columns with a check box each; the numeric ones checked, the others not offered."""

    def __init__(self, file_name: str, header: list[str], numeric: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Choose the columns")
        self.list = QListWidget()
        for name in header:
            item = QListWidgetItem(name if name in numeric else f"{name} (not numbers)")
            item.setData(Qt.ItemDataRole.UserRole, name)
            if name in numeric:
                item.setCheckState(Qt.CheckState.Checked)
            else:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            self.list.addItem(item)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.list.itemChanged.connect(lambda _: self._check())
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{file_name}</b>: the forecaster learns to predict the next step of the "
                                "checked columns from all of them. Rows are steps, in time order."))
        layout.addWidget(self.list)
        layout.addWidget(self.buttons)
        self._check()

    def columns(self) -> tuple[str, ...]:
        return tuple(
            self.list.item(row).data(Qt.ItemDataRole.UserRole) for row in range(self.list.count())
            if self.list.item(row).checkState() == Qt.CheckState.Checked
        )

    def _check(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.columns()))

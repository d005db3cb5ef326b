"""File ▸ New long-range task: the lab's adding problem or copy task at a lag the user chooses."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QSpinBox, QWidget

TASKS = {
    "adding": "Adding problem: sum the two marked numbers of a sequence of T",
    "copy": "Copy task: remember a few symbols across T blank steps, then write them back",
}


class LabTaskDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New long-range task")
        self.task = QComboBox()
        for kind, title in TASKS.items():
            self.task.addItem(title, kind)
        self.lag = QSpinBox(minimum=2, maximum=5000, value=50, singleStep=10)
        self.lag.setToolTip("How far back the answer lies: the sequence length (adding) or the blank steps (copy)")
        self.symbols = QSpinBox(minimum=1, maximum=20, value=3)
        self.symbols.setToolTip("Symbols to remember; three learn in minutes, ten are hard for every cell")
        self.note = QLabel()
        self.note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Task", self.task)
        form.addRow("Lag T", self.lag)
        form.addRow("Symbols", self.symbols)
        form.addRow(self.note)
        form.addRow(buttons)
        self.task.currentIndexChanged.connect(self._refresh)
        self._refresh()

    def choice(self) -> tuple[str, int, int]:
        """(task kind, lag T, symbols to copy)."""
        return self.task.currentData(), self.lag.value(), self.symbols.value()

    def _refresh(self) -> None:
        copying = self.task.currentData() == "copy"
        self.symbols.setEnabled(copying)
        self.note.setText(
            "Then Run ▸ Compare RNN, LSTM and GRU trains each cell on the same sequences; the Inside tab "
            "shows each one's gradient through time. At T = 50 a tanh RNN stays at the baseline."
        )

"""What the three "try it" views share: one request at a time, and errors shown in place, in red."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from ..theme import ERROR


class TryView(QWidget):
    """A view that sends a request and waits for its answer.

    While a request is unanswered its buttons are off, so requests never queue up on the
    engine's thread; an answer or an error turns them back on.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.setStyleSheet(f"color: {ERROR};")
        self.error_label.hide()
        self.request_buttons: dict[QPushButton, str] = {}  # button -> its text when idle
        self.waiting = False

    def add_request_button(self, button: QPushButton) -> None:
        self.request_buttons[button] = button.text()

    def begin_request(self, button: QPushButton, waiting_text: str) -> bool:
        """Turn the buttons off and label ``button`` as busy; False if a request is already out."""
        if self.waiting:
            return False
        self.waiting = True
        self.error_label.hide()
        for other in self.request_buttons:
            other.setEnabled(False)
        button.setText(waiting_text)
        return True

    def answered(self) -> None:
        """An answer came (or the question no longer stands): buttons back on, the last error gone."""
        self.waiting = False
        self.error_label.hide()
        for button, text in self.request_buttons.items():
            button.setText(text)
            button.setEnabled(True)

    def show_error(self, message: str) -> None:
        self.answered()
        self.error_label.setText(message)
        self.error_label.show()

"""The inspector's editor for a CNN's channels: "16, 32, 64", one number per block.

One line reads like the diagram ("conv 16 → 32 → 64") and adds or removes a block by typing.
The validator refuses keystrokes that cannot lead to one to five positive numbers; a list left
half-typed when focus leaves goes back to the spec's.
"""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, Signal
from PySide6.QtGui import QFocusEvent, QRegularExpressionValidator
from PySide6.QtWidgets import QLineEdit, QWidget

MAX_BLOCKS = 5
_WIDTH = r"[1-9]\d{0,3}"  # a block's channels: 1 to 9999 typed (the engine asks for at most 4096)
CHANNELS = QRegularExpression(rf"\s*{_WIDTH}(\s*,\s*{_WIDTH}){{0,{MAX_BLOCKS - 1}}}\s*")


def channels_text(channels: tuple[int, ...]) -> str:
    return ", ".join(map(str, channels))


class ChannelsEdit(QLineEdit):
    channels_edited = Signal(tuple)  # the typed channels, one int per block, after Enter or leaving

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._channels: tuple[int, ...] = ()
        self.setValidator(QRegularExpressionValidator(CHANNELS, self))
        self.setPlaceholderText("16, 32, 64")
        self.setToolTip(
            f"Output channels of each convolution block, first block first: one to {MAX_BLOCKS} numbers.\n"
            "Each block is a 3×3 convolution, a ReLU and a 2×2 max pool that halves the picture."
        )
        self.editingFinished.connect(self._on_editing_finished)

    def set_channels(self, channels: tuple[int, ...]) -> None:
        """Show the spec's channels (no signal)."""
        self._channels = tuple(channels)
        self.setText(channels_text(self._channels))

    def _on_editing_finished(self) -> None:
        channels = tuple(int(width) for width in self.text().split(","))
        if channels != self._channels:
            self.channels_edited.emit(channels)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        if not self.hasAcceptableInput():
            self.set_channels(self._channels)

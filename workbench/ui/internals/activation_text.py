"""The probe text, each token's background coloured by one unit's activation (Karpathy et al., 2015).

This is the view in which a student finds an interpretable cell: one that turns red inside
quotes, counts indentation, or flips at each newline.
"""

from __future__ import annotations

import bisect

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSpinBox, QTextBrowser, QVBoxLayout, QWidget

from workbench.engine.data.vocab import BOUNDARY, NO_SPACE_AFTER, NO_SPACE_BEFORE
from workbench.engine.events import LayerSnapshot

from .. import theme
from .analysis import display_token, diverging_rgbs, rgb_hex

SOURCES = {"hidden": "hidden state h", "cell": "cell state c"}


def is_word_level(tokens: tuple[str, ...]) -> bool:
    return any(len(token) > 1 and token != BOUNDARY and not token.startswith("<") for token in tokens)


def needs_space(previous: str | None, token: str) -> bool:
    """Word-level tokens are joined by spaces, except around newlines and tight punctuation."""
    if previous is None or previous in ("\n", BOUNDARY) or token in ("\n", BOUNDARY):
        return False
    return token not in NO_SPACE_BEFORE and previous not in NO_SPACE_AFTER


class TokenTextBrowser(QTextBrowser):
    """Read-only text whose tooltip names the token under the mouse and its value."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.spans: list[tuple[int, int]] = []  # per token, [start, end) in the document
        self.describe = lambda index: ""
        self.viewport().setMouseTracking(True)

    def token_at(self, position: int) -> int | None:
        index = bisect.bisect_right([start for start, _ in self.spans], position) - 1
        if index >= 0 and self.spans[index][0] <= position < self.spans[index][1]:
            return index
        return None

    def mouseMoveEvent(self, event):  # noqa: N802 (Qt's name)
        super().mouseMoveEvent(event)
        point = event.position().toPoint()
        cursor = self.cursorForPosition(point)
        position = cursor.position()
        if point.x() < self.cursorRect(cursor).x():
            position -= 1  # the mouse is on the character left of the nearest boundary
        index = self.token_at(position)
        self.viewport().setToolTip("" if index is None else self.describe(index))


class ActivationTextView(QWidget):
    """Unit picker, what is shown, a colour key, and the coloured probe text."""

    unit_chosen = Signal(int)  # the user changed the spin box

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.unit_box = QSpinBox()
        self.unit_box.setRange(0, 0)
        self.unit_box.setKeyboardTracking(False)
        self.unit_box.valueChanged.connect(self._on_unit_box_changed)
        self.source_box = QComboBox()
        for key, text in SOURCES.items():
            self.source_box.addItem(text, key)
        self.source_box.currentIndexChanged.connect(self._refresh)
        self.caption = QLabel()
        self.key = QLabel()
        self.text = TokenTextBrowser()
        self.text.setFont(theme.mono_font(11))
        self.text.setLineWrapMode(QTextBrowser.LineWrapMode.WidgetWidth)
        self.text.describe = self._describe
        header = QHBoxLayout()
        header.addWidget(QLabel("Colour the text by unit"))
        header.addWidget(self.unit_box)
        header.addWidget(QLabel("of the"))
        header.addWidget(self.source_box)
        header.addWidget(self.caption, 1)
        header.addWidget(self.key)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(header)
        layout.addWidget(self.text, 1)
        self.layer: LayerSnapshot | None = None
        self.tokens: tuple[str, ...] = ()
        self._written_tokens: tuple[str, ...] | None = None
        self.unit = 0
        self.values = np.zeros(0)
        self.colors: list[str] = []  # per token, the background as "#rrggbb"
        self._formats: dict[tuple[str, str], QTextCharFormat] = {}  # by (background, text) colour
        self.scale = 1.0

    @property
    def source(self) -> str:
        return self.source_box.currentData()

    def show_layer(self, layer: LayerSnapshot, tokens: tuple[str, ...], unit: int) -> None:
        self.layer, self.tokens = layer, tokens
        has_cell = layer.cell_state is not None
        cell_item = self.source_box.model().item(1)
        if cell_item.isEnabled() != has_cell:
            cell_item.setEnabled(has_cell)
        if not has_cell and self.source == "cell":
            self.source_box.setCurrentIndex(0)
        if self.unit_box.maximum() != layer.hidden.shape[1] - 1:  # a new range relays out the window
            self.unit_box.blockSignals(True)
            self.unit_box.setRange(0, layer.hidden.shape[1] - 1)
            self.unit_box.blockSignals(False)
        self.set_unit(unit)

    def set_unit(self, unit: int) -> None:
        self.unit = unit
        if self.unit_box.value() != unit:  # even the same value repaints the box
            self.unit_box.blockSignals(True)
            self.unit_box.setValue(unit)
            self.unit_box.blockSignals(False)
        self._refresh()

    def _on_unit_box_changed(self, value: int) -> None:
        self.unit_chosen.emit(value)

    def _refresh(self) -> None:
        if self.layer is None:
            return
        states = self.layer.cell_state if self.source == "cell" else self.layer.hidden
        unit = min(self.unit, states.shape[1] - 1)
        self.values = np.asarray(states[:, unit], dtype=np.float64)
        if self.source == "cell":
            self.scale = max(float(np.nanmax(np.abs(self.values), initial=0.0)), 1e-6)
            span = f"±{self.scale:.3g}, this unit's largest |c|"
        else:
            self.scale, span = 1.0, "±1"
        self.colors = [rgb_hex(rgb) for rgb in diverging_rgbs(self.values, self.scale).tolist()]
        symbol = "c" if self.source == "cell" else "h"
        self.caption.setText(f"<b>{symbol}[{unit}]</b> of <b>{self.layer.name}</b>{self._direction()}")
        self.key.setText(self._key_html(span))
        self._write_text()

    def _direction(self) -> str:
        return " (reads right to left)" if self.layer.name.endswith(".reverse") else ""

    def _key_html(self, span: str) -> str:
        blue, red = theme.DIVERGING_NEGATIVE, theme.DIVERGING_POSITIVE
        return (
            f'<span style="background:{blue}; color:white">&nbsp;negative&nbsp;</span>'
            '<span style="background:white; color:black">&nbsp;0&nbsp;</span>'
            f'<span style="background:{red}; color:white">&nbsp;positive&nbsp;</span>'
            f"&nbsp; colours span {span}"
        )

    def _write_text(self) -> None:
        if self.tokens != self._written_tokens:
            self._build_text()
        cursor = QTextCursor(self.text.document())
        cursor.beginEditBlock()
        for index, (start, end) in enumerate(self.text.spans):
            cursor.setPosition(start)
            cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            cursor.setCharFormat(self._format(index))
        cursor.endEditBlock()

    def _build_text(self) -> None:
        """Write the tokens once; later units only recolour them, so the scroll position holds."""
        document = self.text.document()
        document.clear()
        cursor = QTextCursor(document)
        spans, previous = [], None
        word_level = is_word_level(self.tokens)
        for index, token in enumerate(self.tokens):
            if word_level and needs_space(previous, token):
                cursor.insertText(" ", QTextCharFormat())
            start = cursor.position()
            cursor.insertText(display_token(token) if token in ("\n", "\t") else token)
            spans.append((start, cursor.position()))
            if token == "\n" or (token == BOUNDARY and index > 0):
                cursor.insertBlock()
            previous = token
        self.text.spans = spans
        self._written_tokens = self.tokens
        self.text.moveCursor(QTextCursor.MoveOperation.Start)

    def _format(self, index: int) -> QTextCharFormat:
        """The token's colours; formats are kept by colour, since building one costs more than
        applying it and a snapshot recolours every token."""
        background, text = self.colors[index], theme.text_on(abs(self.values[index]) / self.scale)
        form = self._formats.get((background, text))
        if form is None:
            form = self._formats[background, text] = QTextCharFormat()
            form.setBackground(QColor(background))
            form.setForeground(QColor(text))
        return form

    def _describe(self, index: int) -> str:
        symbol = "c" if self.source == "cell" else "h"
        return f"step {index} “{display_token(self.tokens[index])}”: {symbol}[{self.unit}] = {self.values[index]:.3f}"

"""Try a tagger: type or paste text, see each token coloured by the tag the model gives it."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from .. import theme
from ..internals.activation_text import TokenTextBrowser
from .formatting import percent, token_spans, visible_token
from .try_view import TryView

if TYPE_CHECKING:
    from ...engine.inference.predict import Tagging

LOW_CONFIDENCE = 0.5  # a chosen tag below this probability is marked: the model thinks another as likely
UNSURE = f"wavy red underline: less than {100 * LOW_CONFIDENCE:.0f} % sure"
TAB_STOP_CHARACTERS = 4
WRAP_COLUMN = 120
LOW_CONFIDENCE_TIP = (
    f"Tokens with a wavy red underline: the model gave its chosen tag less than {100 * LOW_CONFIDENCE:.0f} % "
    "probability, so it is unsure of them. Hover a token for its tag and probability."
)


def legend_html(label_names: tuple[str, ...]) -> str:
    chips = [
        f'<span style="background-color:{theme.tag_color(index)}">&nbsp;{html.escape(name)}&nbsp;</span>'
        for index, name in enumerate(label_names)
    ]
    unsure = f'<span style="color:{theme.MUTED}">&nbsp; {UNSURE}</span>'
    return "&nbsp; ".join(chips) + unsure


def tag_format(tag: int, confidence: float) -> QTextCharFormat:
    form = QTextCharFormat()
    form.setBackground(QColor(theme.tag_color(tag)))
    form.setForeground(QColor("black"))
    if confidence < LOW_CONFIDENCE:
        form.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
        form.setUnderlineColor(QColor(theme.ERROR))
    return form


class TagView(TryView):
    tag_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result: Tagging | None = None
        self.text_edit = QPlainTextEdit()
        self.text_edit.setPlaceholderText("Type or paste text to tag; Ctrl+Enter tags it")
        self.tag_button = QPushButton("Tag")
        self.tag_button.setToolTip("Ask the model for the tag of every token (Ctrl+Enter)")
        self.tag_button.setMinimumWidth(96)
        self.add_request_button(self.tag_button)
        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        self.legend.setToolTip(LOW_CONFIDENCE_TIP)
        self.result_view = TokenTextBrowser()
        self.result_view.setPlaceholderText("The tagged text appears here.")
        # Code keeps its lines up to a generous width; (NoWrap would also hide the placeholder, a Qt quirk.)
        self.result_view.setLineWrapMode(QTextBrowser.LineWrapMode.FixedColumnWidth)
        self.result_view.setLineWrapColumnOrWidth(WRAP_COLUMN)
        self.result_view.describe = self._describe
        for view in (self.text_edit, self.result_view):
            view.setFont(theme.mono_font(11))
            view.setTabStopDistance(TAB_STOP_CHARACTERS * view.fontMetrics().horizontalAdvance(" "))
        self._lay_out()
        self.tag_button.clicked.connect(self.request_tagging)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.request_tagging)

    def _lay_out(self) -> None:
        button_row = QHBoxLayout()
        button_row.addStretch(1)
        button_row.addWidget(self.tag_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text_edit, 2)
        layout.addLayout(button_row)
        layout.addWidget(self.error_label)
        layout.addWidget(self.legend)
        layout.addWidget(self.result_view, 3)

    def set_labels(self, label_names: tuple[str, ...]) -> None:
        self.legend.setText(legend_html(label_names) if label_names else "")

    def request_tagging(self) -> None:
        text = self.text_edit.toPlainText()
        if not text.strip():
            self.show_error("Type something to tag first.")
            return
        if self.begin_request(self.tag_button, "Tagging…"):
            self.tag_requested.emit(text)

    def show_tagging(self, result: Tagging) -> None:
        """Write the text as typed, then colour each token's characters by its tag."""
        self.answered()
        self.result = result
        self.set_labels(result.label_names)
        self.result_view.clear()
        cursor = QTextCursor(self.result_view.document())
        cursor.insertText(result.text, QTextCharFormat())
        self.result_view.spans = token_spans(result.text, result.tokens)
        cursor.beginEditBlock()
        for (start, end), tag, confidence in zip(self.result_view.spans, result.tags, result.confidence):
            cursor.setPosition(start)
            cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            cursor.setCharFormat(tag_format(int(tag), float(confidence)))
        cursor.endEditBlock()
        self.result_view.moveCursor(QTextCursor.MoveOperation.Start)

    def _describe(self, index: int) -> str:
        if self.result is None or index >= len(self.result.tokens):
            return ""
        tag = self.result.label_names[int(self.result.tags[index])]
        confidence = percent(float(self.result.confidence[index]))
        return f"“{visible_token(self.result.tokens[index])}”: {tag} ({confidence} sure)"

    def clear(self) -> None:
        self.answered()
        self.result = None
        self.result_view.clear()
        self.result_view.spans = []

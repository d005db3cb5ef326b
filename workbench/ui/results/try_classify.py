"""Try a classifier: type a text, see the probability of each label and which tokens the model weighed."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QScrollArea, QVBoxLayout, QWidget

from .. import theme
from .formatting import percent, visible_token
from .probability_bars import ProbabilityBars
from .try_view import TryView

if TYPE_CHECKING:
    from ...engine.inference.predict import Classification

BEFORE_ANSWER = "Type a text and press Enter to see which label the model gives it."
NO_ATTENTION = "This model pools its states without attention, so it cannot show which tokens it weighed."


def is_word_level(tokens: tuple[str, ...]) -> bool:
    return any(len(token) > 1 for token in tokens)


def attention_html(tokens: tuple[str, ...], weights: np.ndarray) -> str:
    """The tokens, each on a background as dark as its weight (the heaviest darkest), words spaced apart."""
    heaviest = float(np.max(weights, initial=0.0)) or 1.0
    spans = []
    for token, weight in zip(tokens, weights):
        strength = float(weight) / heaviest
        shown = html.escape(visible_token(token))
        background, text = theme.shade(strength, theme.ATTENTION), theme.text_on(strength)
        spans.append(f'<span style="background-color:{background}; color:{text}">{shown}</span>')
    return (" " if is_word_level(tokens) else "").join(spans)


def attention_caption(tokens: tuple[str, ...], weights: np.ndarray) -> str:
    unit = "word" if is_word_level(tokens) else "letter"
    heaviest = int(np.argmax(weights))
    return (
        f"How much each {unit} weighed in the decision: darkest “{visible_token(tokens[heaviest])}”, "
        f"{percent(float(weights[heaviest]))} of the attention."
    )


class ClassifyView(TryView):
    classify_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result: Classification | None = None
        self.text_edit = QLineEdit()
        self.text_edit.setPlaceholderText("Type a text to classify, e.g. a name…")
        self.text_edit.setClearButtonEnabled(True)
        self.classify_button = QPushButton("Classify")
        self.classify_button.setToolTip("Ask the model which label this text has (Enter)")
        self.classify_button.setMinimumWidth(96)
        self.add_request_button(self.classify_button)
        self.placeholder = QLabel(BEFORE_ANSWER)
        self.placeholder.setStyleSheet(f"color: {theme.MUTED};")
        self.answer_label = QLabel()
        self.answer_label.setTextFormat(Qt.TextFormat.RichText)
        self.bars = ProbabilityBars()
        self.attention_caption = QLabel()
        self.attention_caption.setWordWrap(True)
        self.attention_caption.setStyleSheet(f"color: {theme.MUTED};")
        self.attention_tokens = QLabel()
        self.attention_tokens.setTextFormat(Qt.TextFormat.RichText)
        self.attention_tokens.setWordWrap(True)
        self.attention_tokens.setFont(theme.mono_font(15))
        self.answer = self._answer_box()
        self.answer.hide()
        self._lay_out()
        self.classify_button.clicked.connect(self.request_classification)
        self.text_edit.returnPressed.connect(self.request_classification)

    def _answer_box(self) -> QScrollArea:
        """Scrolls, so that many labels never make the tab taller than the window."""
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.answer_label)
        layout.addWidget(self.bars)
        layout.addSpacing(8)
        layout.addWidget(self.attention_caption)
        layout.addWidget(self.attention_tokens)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(box)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        for widget in (scroll.viewport(), box):  # the group box's colour shows through (setWidget turns it off)
            widget.setAutoFillBackground(False)
        return scroll

    def _lay_out(self) -> None:
        input_row = QHBoxLayout()
        input_row.addWidget(self.text_edit, 1)
        input_row.addWidget(self.classify_button)
        layout = QVBoxLayout(self)
        layout.addLayout(input_row)
        layout.addWidget(self.error_label)
        layout.addWidget(self.placeholder, 1, Qt.AlignmentFlag.AlignTop)  # shown until the first answer
        layout.addWidget(self.answer, 1)

    def request_classification(self) -> None:
        text = self.text_edit.text()
        if not text.strip():
            self.show_error("Type something to classify first.")
            return
        if self.begin_request(self.classify_button, "Classifying…"):
            self.classify_requested.emit(text)

    def show_classification(self, result: Classification) -> None:
        self.answered()
        self.result = result
        probability = float(np.max(result.probabilities))
        self.answer_label.setText(
            f"“{html.escape(result.text)}” → <b>{html.escape(result.label)}</b> ({percent(probability)})"
        )
        self.bars.set_probabilities(result.label_names, result.probabilities)
        if result.attention is None:
            self.attention_caption.setText(NO_ATTENTION)
            self.attention_tokens.hide()
        else:
            self.attention_caption.setText(attention_caption(result.tokens, result.attention))
            self.attention_tokens.setText(attention_html(result.tokens, result.attention))
            self.attention_tokens.show()
        self.placeholder.hide()
        self.answer.show()

    def clear(self) -> None:
        self.answered()
        self.result = None
        self.bars.clear()
        self.answer.hide()
        self.placeholder.show()

"""Try a translator: type a source, see what the model writes and where it looked; score it on validation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from .. import theme
from .attention_map import AttentionMap
from .baseline_text import SCORES_TIP, output_scores_text
from .formatting import log_prob_text
from .try_view import TryView

if TYPE_CHECKING:
    from ...engine.inference.translation import Translation
    from ...engine.scoring.output_scores import OutputScores
    from ...engine.scoring.scores import Baseline

MAX_BEAM = 16
BEAM_TIP = (
    "1: greedy decoding, the likeliest token at every step (fastest).\n"
    "More: beam search keeps that many partial outputs at every step and returns the likeliest\n"
    "whole one; slower, and it can fix an early wrong choice that greedy decoding is stuck with."
)
BEFORE_ANSWER = "Type a text and press Enter to see what the model writes."
NOT_SCORED = "Not scored yet: Evaluate runs the model on every validation pair."
NO_ATTENTION = "This model has no attention: its decoder reads only the encoder's final state, so there is no map."
ATTENTION_CAPTION = (
    "Where the model looked: one row per token it wrote, one column per token typed; "
    "the darker a cell, the more attention."
)


class TranslateView(TryView):
    translate_requested = Signal(str, int)  # text, beam width
    evaluate_requested = Signal(int)  # beam width

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result: Translation | None = None
        self.baselines: tuple[Baseline, ...] = ()  # word BLEU of copying the source, of the commonest output
        self._build_controls()
        self._build_answer()
        self._lay_out()
        self.translate_button.clicked.connect(self.request_translation)
        self.text_edit.returnPressed.connect(self.request_translation)
        self.evaluate_button.clicked.connect(self.request_evaluation)

    def _build_controls(self) -> None:
        self.evaluate_button = QPushButton("Evaluate on validation")
        self.evaluate_button.setToolTip("Translate every validation source with this beam width and score the outputs")
        self.scores_label = QLabel(NOT_SCORED)
        self.scores_label.setTextFormat(Qt.TextFormat.RichText)
        self.scores_label.setToolTip(SCORES_TIP)
        self.scores_label.setWordWrap(True)
        self.text_edit = QLineEdit()
        self.text_edit.setPlaceholderText("Type a text to translate…")
        self.text_edit.setClearButtonEnabled(True)
        self.beam_spin = QSpinBox()
        self.beam_spin.setRange(1, MAX_BEAM)
        self.beam_spin.setToolTip(BEAM_TIP)
        self.translate_button = QPushButton("Translate")
        self.translate_button.setToolTip("Ask the model to translate this text (Enter)")
        self.translate_button.setMinimumWidth(96)
        for button in (self.translate_button, self.evaluate_button):
            self.add_request_button(button)

    def _build_answer(self) -> None:
        self.output_label = QLabel()
        big = QFont(self.font())
        big.setPointSizeF(big.pointSizeF() * 1.6)
        self.output_label.setFont(big)
        self.output_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.output_label.setWordWrap(True)
        self.output_label.setTextFormat(Qt.TextFormat.PlainText)
        self.output_label.hide()  # until the first answer
        self.details_label = QLabel(BEFORE_ANSWER)
        self.details_label.setStyleSheet(f"color: {theme.MUTED};")
        self.details_label.setWordWrap(True)
        self.details_label.setTextFormat(Qt.TextFormat.PlainText)
        self.attention_map = AttentionMap()
        self.no_attention_label = QLabel(NO_ATTENTION)
        self.no_attention_label.setWordWrap(True)
        self.no_attention_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.no_attention_label.setStyleSheet(f"color: {theme.MUTED};")
        self.attention_pages = QStackedWidget()
        self.attention_pages.addWidget(QWidget())  # before any answer
        self.attention_pages.addWidget(self.attention_map)
        self.attention_pages.addWidget(self.no_attention_label)

    def _lay_out(self) -> None:
        evaluate_row = QHBoxLayout()
        evaluate_row.addWidget(self.evaluate_button)
        evaluate_row.addWidget(self.scores_label, 1)
        input_row = QHBoxLayout()
        input_row.addWidget(self.text_edit, 1)
        beam_caption = QLabel("Beam width")
        beam_caption.setToolTip(BEAM_TIP)
        input_row.addWidget(beam_caption)
        input_row.addWidget(self.beam_spin)
        input_row.addWidget(self.translate_button)
        layout = QVBoxLayout(self)
        layout.addLayout(evaluate_row)
        layout.addSpacing(6)
        layout.addLayout(input_row)
        layout.addWidget(self.error_label)
        layout.addWidget(self.output_label)
        layout.addWidget(self.details_label)
        layout.addWidget(self.attention_pages, 1)

    @property
    def beam_width(self) -> int:
        return self.beam_spin.value()

    def request_translation(self) -> None:
        text = self.text_edit.text()
        if not text.strip():
            self.show_error("Type something to translate first.")
            return
        if self.begin_request(self.translate_button, "Translating…"):
            self.translate_requested.emit(text, self.beam_width)

    def request_evaluation(self) -> None:
        if self.begin_request(self.evaluate_button, "Evaluating…"):
            self.evaluate_requested.emit(self.beam_width)

    def show_translation(self, result: Translation) -> None:
        self.answered()
        self.result = result
        self.output_label.setText(result.output if result.output else "(the model wrote nothing)")
        self.output_label.show()
        details = f"Log-probability of this output {log_prob_text(result.log_prob)}."
        if result.attention is None:
            self.attention_pages.setCurrentWidget(self.no_attention_label)
        elif result.attention.size == 0:
            self.attention_pages.setCurrentIndex(0)
        else:
            details += " " + ATTENTION_CAPTION
            self.attention_map.show_attention(result.attention, result.source_tokens, result.output_tokens)
            self.attention_pages.setCurrentWidget(self.attention_map)
        self.details_label.setText(details)

    def show_scores(self, scores: OutputScores) -> None:
        self.answered()
        self.scores_label.setText(output_scores_text(scores, "pairs", self.baselines))

    def set_baselines(self, baselines: tuple[Baseline, ...]) -> None:
        """The data's baselines, in word BLEU, shown under the next scores."""
        self.baselines = tuple(baselines)

    def clear(self) -> None:
        self.answered()
        self.result = None
        self.output_label.clear()
        self.output_label.hide()
        self.details_label.setText(BEFORE_ANSWER)
        self.scores_label.setText(NOT_SCORED)
        self.attention_map.clear_attention()
        self.attention_pages.setCurrentIndex(0)

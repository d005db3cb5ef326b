"""Validation scores of a classifier or tagger: a headline, the confusion matrix and per-label scores."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ...engine.events import ValidationResult
from ...engine.scoring.label_scores import LabelScores
from ...engine.scoring.scores import Baseline
from ..theme import MUTED
from .baseline_text import baselines_line, baselines_tip
from .confusion import ConfusionMatrixView
from .formatting import percent
from .label_table import LabelScoresTable

MAX_MATRIX_HEIGHT = 360  # a taller matrix (over a dozen labels) scrolls
TABLE_WIDTH = (300, 400)  # the per-label table's narrowest and widest: the matrix takes the rest
BEFORE_VALIDATION = "The scores appear here after the first validation during training."
HEADLINE_TIP = (
    "Accuracy: the share of validation {items} labelled right.\n"
    "Balanced: the mean recall over the labels, so every label counts alike; guessing the commonest\n"
    "label every time scores 1 / (number of labels) on it, however common that label is.\n"
    "Always guessing the commonest label: the accuracy a model that learnt nothing could reach."
)


def headline(scores: LabelScores, event: ValidationResult, majority_share: float | None, per_token: bool) -> str:
    """'Validation accuracy 87.1 % · balanced 80.2 % · always guessing the commonest label: 77.8 %
    (step 1,500, all 3,366 validation items)'; without ``majority_share`` (the baselines' line
    says it) no commonest label."""
    accuracy = "Validation accuracy per token" if per_token else "Validation accuracy"
    commonest = "" if majority_share is None else f" · always guessing the commonest label: {percent(majority_share)}"
    return (
        f"{accuracy} <b>{percent(scores.accuracy)}</b> · balanced <b>{percent(scores.balanced_accuracy)}</b>"
        f"{commonest}"
        f' <span style="color:{MUTED}">(step {event.step:,}, {scope(event, per_token)})</span>'
    )


def scope(event: ValidationResult, per_token: bool) -> str:
    """What the scores were counted on: 'all 3,366 validation items', or a quick subset, said so."""
    items = "tokens" if per_token else "items"
    if event.whole:
        return f"all {event.scored:,} validation {items}"
    part = f"{event.scored:,} validation {items}, {event.batches:,} of its {event.of_batches:,} batches"
    return f"{part}: stopped before the end" if event.cut_short else f"a quick score on {part}"


def names_for(label_names: tuple[str, ...], size: int) -> tuple[str, ...]:
    """The label names, or their numbers if the names given do not match the matrix."""
    return tuple(label_names) if len(label_names) == size else tuple(str(index) for index in range(size))


class ScoresView(QWidget):
    """A sentence until the first validation with a confusion matrix, then that validation's scores."""

    evaluate_requested = Signal()  # score the whole validation split now

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.evaluate_button = QPushButton("Score the whole split")
        self.evaluate_button.setToolTip(
            "Score the model as it is now on every validation item (during training the scores shown "
            "may come from a quick subset; a run ends with a larger one, the whole split where it is small)"
        )
        self.evaluate_button.clicked.connect(self._ask)
        self.per_token = False  # a tagger's confusion counts tokens, a classifier's counts items
        self.scores: LabelScores | None = None
        self._shown: tuple[ValidationResult, float] | None = None  # the validation shown, and the commonest share
        self.placeholder = QLabel(BEFORE_VALIDATION)
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setStyleSheet(f"color: {MUTED};")
        self.headline = QLabel()
        self.headline.setWordWrap(True)
        self.headline.setTextFormat(Qt.TextFormat.RichText)
        self.baselines: tuple[Baseline, ...] = ()
        self.baselines_label = QLabel()
        self.baselines_label.setWordWrap(True)
        self.baselines_label.setTextFormat(Qt.TextFormat.RichText)
        self.baselines_label.hide()
        self.confusion = ConfusionMatrixView()
        self.confusion_caption = QLabel()
        self.confusion_caption.setWordWrap(True)
        self.confusion_caption.setStyleSheet(f"color: {MUTED};")
        self.matrix_scroll = QScrollArea()
        self.matrix_scroll.setWidget(self.confusion)
        self.matrix_scroll.setWidgetResizable(True)
        self.matrix_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        for widget in (self.matrix_scroll.viewport(), self.confusion):  # the group box's colour shows through
            widget.setAutoFillBackground(False)
        self.table = LabelScoresTable()
        self.table.setMinimumWidth(TABLE_WIDTH[0])
        self.table.setMaximumWidth(TABLE_WIDTH[1])
        self.pages = QStackedWidget()
        self.pages.addWidget(self.placeholder)
        self.pages.addWidget(self._scores_page())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)

    def _scores_page(self) -> QWidget:
        matrix_column = QVBoxLayout()
        matrix_column.addWidget(self.matrix_scroll, 1)
        matrix_column.addWidget(self.confusion_caption)
        body = QHBoxLayout()
        body.addLayout(matrix_column, 1)
        body.addWidget(self.table, 0, Qt.AlignmentFlag.AlignTop)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.headline, 1)
        top.addWidget(self.evaluate_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        layout.addWidget(self.baselines_label)
        layout.addLayout(body, 1)
        return page

    def show_validation(
        self, event: ValidationResult, label_names: tuple[str, ...], majority_share: float | None
    ) -> None:
        """Show ``event``'s confusion matrix and what it says; ``majority_share`` defaults to the validation's own."""
        counts = event.confusion
        self.scores = LabelScores(names_for(label_names, counts.shape[0]), counts)
        if majority_share is None:
            majority_share = float(self.scores.support.max(initial=0) / max(1, self.scores.total))
        items = "tokens" if self.per_token else "items"
        self._shown = (event, majority_share)
        self.headline.setToolTip(HEADLINE_TIP.format(items=items))
        self._show_baselines()
        self.confusion.set_confusion(self.scores.label_names, counts)
        self.matrix_scroll.setMinimumHeight(min(self.confusion.sizeHint().height(), MAX_MATRIX_HEIGHT))
        self.confusion_caption.setText(
            f"{self.scores.total:,} validation {items}: each row a true label, each column the label the model "
            "chose; a cell is as dark as its share of its row."
        )
        self.table.show_scores(self.scores)
        self.pages.setCurrentIndex(1)

    def _ask(self) -> None:
        self.evaluate_button.setEnabled(False)  # one request out at a time
        self.evaluate_requested.emit()

    def answered(self) -> None:
        """The whole-split scores (or an error) came back: the button can be pressed again."""
        self.evaluate_button.setEnabled(True)

    def set_baselines(self, baselines: tuple[Baseline, ...]) -> None:
        """The data's baselines (the engine computes them once a project opens), shown beside
        every validation from now on."""
        self.baselines = tuple(baselines)
        self._show_baselines()

    def _show_baselines(self) -> None:
        """The headline, and under it the baselines once they are known (which then say what
        always guessing the commonest label scores)."""
        shown = bool(self.baselines) and self.scores is not None
        if self.scores is not None:
            event, majority_share = self._shown
            self.headline.setText(headline(self.scores, event, None if shown else majority_share, self.per_token))
        if shown:
            self.baselines_label.setText(baselines_line(self.scores.accuracy, self.baselines, percent))
            self.baselines_label.setToolTip(baselines_tip(self.baselines))
        self.baselines_label.setVisible(shown)

    def clear(self) -> None:
        self.scores = None
        self.confusion.clear()
        self.table.clear_scores()
        self.pages.setCurrentIndex(0)

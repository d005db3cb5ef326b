"""The Results tab: how well a classifier, tagger, translator, captioner or forecaster does, and a
place to try it.

A plain view. It emits requests (``classify_requested``, ``tag_requested``,
``translate_requested``, ``evaluate_requested``, ``caption_requested``,
``evaluate_captions_requested``, ``forecast_requested``, ``evaluate_forecast_requested``) that the
window's ``ViewRequests`` sends to the engine's worker thread, and shows what comes back
(``show_classification``, ``show_tagging``, ``show_translation``, ``show_scores``,
``show_caption``, ``show_caption_scores``, ``show_forecast``, ``show_forecast_scores``,
``show_error``) on the GUI thread. One request is out at a time: its buttons stay off until its
answer or error arrives. It never imports torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGroupBox, QLabel, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from ...engine.events import ValidationResult
from ...engine.scoring.scores import Baseline
from ..theme import MUTED
from .forecast_view import ForecastView
from .scores import ScoresView
from .try_caption import CaptionView
from .try_classify import ClassifyView
from .try_tag import TagView
from .try_translate import TranslateView
from .try_view import TryView

if TYPE_CHECKING:
    from ...engine.inference.captions import Caption
    from ...engine.inference.forecasting import ForecastShown
    from ...engine.inference.predict import Classification, Tagging
    from ...engine.inference.translation import Translation
    from ...engine.scoring.forecast_scores import ForecastScores
    from ...engine.scoring.output_scores import OutputScores

NOT_APPLICABLE_WIDTH = 520
KINDS = ("classification", "tagging", "translation", "forecasting", "captioning")
NOT_APPLICABLE = (
    "<p><b>The Results tab is for classifiers, taggers, translators and forecasters.</b></p>"
    "<p>A language model shows what it has learnt in what it writes (the Samples panel) and in its "
    "validation loss (the Training tab); a handwriting model writes in the Handwriting tab. The "
    "long-range lab's tasks show their story in the Training tab (each cell's loss against the "
    "baseline) and the Inside tab (the gradient through time).</p>"
)


def _centred(widget: QWidget) -> QWidget:
    page = QWidget()
    layout = QVBoxLayout(page)
    layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignCenter)
    return page


def _grouped(title: str, widget: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(6, 6, 6, 6)
    layout.addWidget(widget)
    return box


class ResultsPanel(QWidget):
    classify_requested = Signal(str)  # text to classify
    tag_requested = Signal(str)  # text to tag
    translate_requested = Signal(str, int)  # text, beam width
    evaluate_requested = Signal(int)  # beam width: score the validation split
    caption_requested = Signal(int, int)  # scene index in the validation split, beam width
    evaluate_captions_requested = Signal(int)  # beam width: caption and score the validation pictures
    forecast_requested = Signal(int, int)  # start (a validation step), horizon
    evaluate_forecast_requested = Signal(int)  # horizon
    evaluate_labels_requested = Signal()  # a classifier's or tagger's whole validation split

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind: str | None = None
        self.label_names: tuple[str, ...] = ()
        self.majority_share: float | None = None
        self.scores = ScoresView()
        self.classify_view = ClassifyView()
        self.tag_view = TagView()
        self.translate_view = TranslateView()
        self.caption_view = CaptionView()
        self.forecast_view = ForecastView()
        self.not_applicable = QLabel(NOT_APPLICABLE)
        self.not_applicable.setWordWrap(True)
        self.not_applicable.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.not_applicable.setStyleSheet(f"color: {MUTED};")
        self.not_applicable.setMaximumWidth(NOT_APPLICABLE_WIDTH)
        self.try_pages = QStackedWidget()
        self.try_pages.addWidget(self.classify_view)
        self.try_pages.addWidget(self.tag_view)
        self.pages = QStackedWidget()
        self.pages.addWidget(_centred(self.not_applicable))
        self.pages.addWidget(self._labels_page())
        self.pages.addWidget(_grouped("Translator", self.translate_view))
        self.pages.addWidget(_grouped("Forecast against the truth", self.forecast_view))
        self.pages.addWidget(_grouped("Captioner", self.caption_view))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.pages)
        self.classify_view.classify_requested.connect(self.classify_requested)
        self.tag_view.tag_requested.connect(self.tag_requested)
        self.translate_view.translate_requested.connect(self.translate_requested)
        self.translate_view.evaluate_requested.connect(self.evaluate_requested)
        self.caption_view.caption_requested.connect(self.caption_requested)
        self.caption_view.evaluate_requested.connect(self.evaluate_captions_requested)
        self.forecast_view.forecast_requested.connect(self.forecast_requested)
        self.forecast_view.evaluate_requested.connect(self.evaluate_forecast_requested)
        self.scores.evaluate_requested.connect(self.evaluate_labels_requested)

    def _labels_page(self) -> QWidget:
        """Classifiers and taggers: validation scores above, trying the model below."""
        splitter = self.labels_splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(_grouped("Validation scores", self.scores))
        splitter.addWidget(_grouped("Try it", self.try_pages))
        splitter.setChildrenCollapsible(False)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        return splitter

    @property
    def try_view(self) -> TryView | None:
        """The view that answers requests for the current kind of model."""
        return self._views_by_kind().get(self.kind)

    def _views_by_kind(self) -> dict[str, TryView]:
        return {
            "classification": self.classify_view,
            "tagging": self.tag_view,
            "translation": self.translate_view,
            "forecasting": self.forecast_view,
            "captioning": self.caption_view,
        }

    def set_task(
        self, kind: str | None, label_names: tuple[str, ...] = (), majority_share: float | None = None
    ) -> None:
        """Show the views for ``kind``; a new kind or label set forgets the scores and answers shown.

        ``majority_share``: the share of the commonest label, the accuracy of always guessing
        it; None reads it from each validation's confusion matrix.
        """
        if kind not in (None, *KINDS):
            raise ValueError(f"unknown kind of model {kind!r}")
        if (kind, tuple(label_names)) != (self.kind, self.label_names):
            self.kind, self.label_names = kind, tuple(label_names)
            self.clear()  # an answer for the old model may never come
        self.majority_share = majority_share
        self.scores.per_token = kind == "tagging"
        self.tag_view.set_labels(self.label_names)
        if kind in ("classification", "tagging"):
            self.try_pages.setCurrentWidget(self.classify_view if kind == "classification" else self.tag_view)
        pages = {None: 0, "classification": 1, "tagging": 1, "translation": 2, "forecasting": 3, "captioning": 4}
        self.pages.setCurrentIndex(pages[kind])

    def set_series(self, columns: tuple[str, ...], val_steps: int) -> None:
        """A forecaster's columns and how many validation steps a forecast may start in."""
        self.forecast_view.set_series(columns, val_steps)

    def set_scenes(self, count: int) -> None:
        """How many validation pictures a captioner may be tried on."""
        self.caption_view.set_scenes(count)

    def add_validation(self, event: ValidationResult) -> None:
        if event.confusion is not None and self.kind in ("classification", "tagging"):
            self.scores.show_validation(event, self.label_names, self.majority_share)
            self._make_room_for_scores()

    def _make_room_for_scores(self) -> None:
        """A splitter keeps the sizes it had when its child was a one-line placeholder; the
        scores that replace it (matrix, table, baselines) would be squeezed over each other."""
        scores_box, try_box = (self.labels_splitter.widget(i) for i in range(2))
        needed = scores_box.minimumSizeHint().height()
        top, bottom = self.labels_splitter.sizes()
        if top < needed:
            self.labels_splitter.setSizes([needed, max(top + bottom - needed, try_box.minimumSizeHint().height())])

    def score_after_run(self) -> None:
        """A run ended: score the model on the validation split, as its Evaluate button would, so
        the tab shows what the run learnt without being asked (a translator, captioner or
        forecaster; a classifier's and a tagger's scores come with the run's last validation)."""
        scored_on_request = {
            "translation": self.translate_view,
            "captioning": self.caption_view,
            "forecasting": self.forecast_view,
        }
        view = scored_on_request.get(self.kind)
        if view is not None:
            view.request_evaluation()  # ignored while another request of the view is out

    def show_whole_validation(self, event: ValidationResult) -> None:
        """The answer to ``evaluate_labels_requested``."""
        self.scores.answered()
        self.add_validation(event)

    def set_baselines(self, baselines: tuple[Baseline, ...]) -> None:
        """The data's baselines, in the headline score's unit, shown beside the model's scores."""
        self.scores.set_baselines(baselines)
        self._make_room_for_scores()
        self.translate_view.set_baselines(baselines)
        self.caption_view.set_baselines(baselines)

    def show_classification(self, result: Classification) -> None:
        self.classify_view.show_classification(result)

    def show_tagging(self, result: Tagging) -> None:
        self.tag_view.show_tagging(result)

    def show_translation(self, result: Translation) -> None:
        self.translate_view.show_translation(result)

    def show_scores(self, scores: OutputScores) -> None:
        self.translate_view.show_scores(scores)

    def show_caption(self, result: Caption, reference: str | None = None) -> None:
        self.caption_view.show_caption(result, reference)

    def show_caption_scores(self, scores: OutputScores) -> None:
        self.caption_view.show_scores(scores)

    def show_forecast(self, result: ForecastShown) -> None:
        self.forecast_view.show_forecast(result)

    def show_forecast_scores(self, scores: ForecastScores) -> None:
        self.forecast_view.show_scores(scores)

    def show_error(self, message: str) -> None:
        """In the view whose request failed, else in the current kind's view."""
        self.scores.answered()
        view = next((view for view in self._views_by_kind().values() if view.waiting), self.try_view)
        if view is not None:
            view.show_error(message)

    def clear(self) -> None:
        """Forget the scores and answers shown, and any request still out; keep the kind of model."""
        self.scores.clear()
        self.scores.answered()
        self.set_baselines(())  # the next project's come with it
        for view in self._views_by_kind().values():
            view.clear()

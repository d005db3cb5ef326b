"""Try a captioner: pick a validation picture, see what the model writes and where it looked for each word.

The picture is shown big, its pixels repeated into blocks (never blurred), and once more per
written word, small, with that word's attention over it as a translucent heat overlay: the map
is upsampled bilinearly from the grid of cells the decoder attends over to the picture's pixels.
Hovering a word (in the caption or under its picture) lays its overlay on the big picture;
clicking keeps it there.
"""

from __future__ import annotations

import random
from html import escape
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QImage, QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QSpinBox, QVBoxLayout, QWidget

from .. import theme
from .baseline_text import SCORES_TIP, output_scores_text
from .formatting import log_prob_text
from .try_translate import BEAM_TIP, MAX_BEAM
from .try_view import TryView

if TYPE_CHECKING:
    from ...engine.inference.captions import Caption
    from ...engine.scoring.output_scores import OutputScores
    from ...engine.scoring.scores import Baseline

PICTURE_SIDE = 240  # pixels: the picture is shown at the largest whole multiple of its side that fits
THUMBNAIL_SIDE = 96
HEAT = ("#bc3754", "#f98e09", "#fcffa4")  # the overlay from weak to peak attention: inferno's upper half
PEAK_ALPHA = 0.55  # the overlay's opacity where a word's attention peaks: the shape under it still shows
UNSEEN_BRIGHTNESS = 0.4  # where a word's attention is nil the picture is dimmed to this: the attended part stands out
SELECTED_WORD = "#d2e3fc"  # the chosen word's background in the caption, a pale theme.ACCENT
BEFORE_ANSWER = "Choose a validation scene and press Caption to see what the model writes about it."
NOT_SCORED = "Not scored yet: Evaluate captions every validation picture."
NO_SCENES = "There are no validation pictures to caption."
NO_ATTENTION = "This model has no attention: its decoder reads only the picture's mean features, so there is no map."
HOW_TO_READ = (
    "Below, one picture per word with where the model looked as it wrote it, brightest at that word's "
    "peak. Hover or click a word to see it large."
)
PLAIN_PICTURE = "The picture, as the model reads it"
WORD_PICTURE = "Where the model looked for “{}”"


def reference_html(text: str, reference: str | None) -> str:
    """'✓ matches the reference', or '✗ reference: …' with the caption the picture has; '' without one."""
    if reference is None:
        return ""
    if text == reference:
        return f'<span style="color:{theme.OK}">✓ matches the reference</span>'
    return f'<span style="color:{theme.ERROR}">✗ reference:</span> {escape(reference)}'


def upscaled(image: np.ndarray, side: int) -> np.ndarray:
    """An (H, W, C) uint8 picture as RGB, each pixel repeated into a square block, as large as fits in ``side``."""
    rgb = np.repeat(image, 3, axis=2) if image.shape[2] == 1 else image[..., :3]
    factor = max(1, side // max(image.shape[:2]))
    return np.repeat(np.repeat(rgb, factor, axis=0), factor, axis=1)


def _interpolation(cells: int, pixels: int) -> np.ndarray:
    """(pixels, cells): each pixel centre's bilinear weights on the two nearest cell centres, edges held."""
    where = np.clip((np.arange(pixels) + 0.5) * cells / pixels - 0.5, 0, cells - 1)
    low = np.floor(where).astype(np.int64)
    high = np.minimum(low + 1, cells - 1)
    matrix = np.zeros((pixels, cells))
    matrix[np.arange(pixels), low] += 1 - (where - low)
    matrix[np.arange(pixels), high] += where - low
    return matrix


def heat_overlay(picture: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``picture`` (H, W, 3) uint8 under one word's attention (h, w), scaled to its peak and upsampled
    bilinearly: the less weight, the dimmer the picture; the more, the brighter and more opaque the heat colour."""
    peak = float(weights.max()) if weights.size else 0.0
    cells = weights / peak if peak > 0 else np.zeros_like(weights)
    strength = np.clip(
        _interpolation(cells.shape[0], picture.shape[0]) @ cells @ _interpolation(cells.shape[1], picture.shape[1]).T,
        0.0,
        1.0,
    )  # (H, W)
    stops = np.linspace(0.0, 1.0, len(HEAT))
    heat = np.stack([np.interp(strength, stops, channel) for channel in zip(*map(theme.rgb, HEAT))], axis=-1)
    strength = strength[..., None]
    alpha = PEAK_ALPHA * strength
    dimmed = picture * (UNSEEN_BRIGHTNESS + (1 - UNSEEN_BRIGHTNESS) * strength)
    return np.round(dimmed * (1 - alpha) + heat * alpha).astype(np.uint8)


def to_pixmap(rgb: np.ndarray) -> QPixmap:
    """An (H, W, 3) uint8 array as a pixmap of the same size."""
    rgb = np.ascontiguousarray(rgb)
    height, width = rgb.shape[:2]
    return QPixmap.fromImage(QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy())


def caption_html(words: tuple[str, ...], chosen: int | None, text_colour: str) -> str:
    """The caption, each word a link named by its index (hovered and clicked), the chosen one shaded."""
    links = []
    for index, word in enumerate(words):
        shade = f" background-color:{SELECTED_WORD};" if index == chosen else ""
        links.append(f'<a href="{index}" style="color:{text_colour}; text-decoration:none;{shade}">{escape(word)}</a>')
    return " ".join(links)


class WordThumbnail(QFrame):
    """One written word: the picture small with the word's attention over it, the word beneath."""

    hovered = Signal(int)  # the word's index
    left = Signal()
    clicked = Signal(int)

    def __init__(self, index: int, word: str, picture: np.ndarray, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.setObjectName("thumbnail")
        self.picture_label = QLabel()
        self.picture_label.setPixmap(to_pixmap(picture))
        self.picture_label.setFixedSize(picture.shape[1], picture.shape[0])
        self.word_label = QLabel(word)
        self.word_label.setTextFormat(Qt.TextFormat.PlainText)
        self.word_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(3, 3, 3, 3)
        layout.setSpacing(2)
        layout.addWidget(self.picture_label)
        layout.addWidget(self.word_label)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.set_chosen(False)

    def set_chosen(self, chosen: bool) -> None:
        border = theme.ACCENT if chosen else "transparent"
        self.setStyleSheet(f"QFrame#thumbnail {{ border: 2px solid {border}; border-radius: 4px; }}")
        font = self.word_label.font()
        font.setBold(chosen)
        self.word_label.setFont(font)

    def enterEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.hovered.emit(self.index)
        super().enterEvent(event)

    def leaveEvent(self, event) -> None:  # noqa: N802
        self.left.emit()
        super().leaveEvent(event)

    def mousePressEvent(self, event) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.index)
        super().mousePressEvent(event)


class CaptionView(TryView):
    caption_requested = Signal(int, int)  # scene index in the validation split, beam width
    evaluate_requested = Signal(int)  # beam width

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result: Caption | None = None
        self.baselines: tuple[Baseline, ...] = ()  # word BLEU of copying the source, of the commonest output
        self.pinned: int | None = None  # the clicked word, shown while no other is hovered
        self._pictures: dict[int | None, QPixmap] = {}  # the big picture, plain (None) or under a word's attention
        self.thumbnails: list[WordThumbnail] = []
        self._random = random.Random()
        self._build_controls()
        self._build_answer()
        self._lay_out()
        self.caption_button.clicked.connect(self.request_caption)
        self.random_button.clicked.connect(self.request_random_caption)
        self.evaluate_button.clicked.connect(self.request_evaluation)
        self.caption_label.linkHovered.connect(self._on_link_hovered)
        self.caption_label.linkActivated.connect(lambda link: self.click_word(int(link)))

    def _build_controls(self) -> None:
        self.evaluate_button = QPushButton("Evaluate on validation")
        self.evaluate_button.setToolTip("Caption every validation picture with this beam width and score the captions")
        self.scores_label = QLabel(NOT_SCORED)
        self.scores_label.setTextFormat(Qt.TextFormat.RichText)
        self.scores_label.setToolTip(SCORES_TIP)
        self.scores_label.setWordWrap(True)
        self.scene_spin = QSpinBox()
        self.scene_spin.setToolTip("Which validation picture to caption")
        self.scene_count_label = QLabel()
        self.random_button = QPushButton("Random")
        self.random_button.setToolTip("Caption a validation picture chosen at random")
        self.beam_spin = QSpinBox()
        self.beam_spin.setRange(1, MAX_BEAM)
        self.beam_spin.setToolTip(BEAM_TIP)
        self.caption_button = QPushButton("Caption")
        self.caption_button.setToolTip("Ask the model to caption this picture")
        self.caption_button.setMinimumWidth(96)
        for button in (self.caption_button, self.random_button, self.evaluate_button):
            self.add_request_button(button)
        self.set_scenes(0)

    def _build_answer(self) -> None:
        self.details_label = QLabel(BEFORE_ANSWER)
        self.details_label.setStyleSheet(f"color: {theme.MUTED};")
        self.details_label.setWordWrap(True)
        self.picture_label = QLabel()
        self.picture_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture_title = QLabel(PLAIN_PICTURE)
        self.picture_title.setStyleSheet(f"color: {theme.MUTED};")
        self.picture_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption_label = QLabel()
        big = QFont(self.font())
        big.setPointSizeF(big.pointSizeF() * 1.6)
        self.caption_label.setFont(big)
        self.caption_label.setWordWrap(True)
        self.caption_label.setTextFormat(Qt.TextFormat.RichText)
        self.reference_label = QLabel()
        self.reference_label.setWordWrap(True)
        self.reference_label.setTextFormat(Qt.TextFormat.RichText)
        self.thumbnail_row = QWidget()
        self.thumbnail_layout = QHBoxLayout(self.thumbnail_row)
        self.thumbnail_layout.setContentsMargins(0, 0, 0, 0)
        self.thumbnail_layout.addStretch(1)  # the pictures sit left, in the order of the words
        self.thumbnail_scroll = QScrollArea()
        self.thumbnail_scroll.setWidget(self.thumbnail_row)
        self.thumbnail_scroll.setWidgetResizable(True)
        self.thumbnail_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.thumbnail_scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.thumbnail_scroll.setStyleSheet("QScrollArea, QScrollArea > QWidget > QWidget { background: transparent; }")

    def _lay_out(self) -> None:
        evaluate_row = QHBoxLayout()
        evaluate_row.addWidget(self.evaluate_button)
        evaluate_row.addWidget(self.scores_label, 1)
        input_row = QHBoxLayout()
        for widget in (QLabel("Scene"), self.scene_spin, self.scene_count_label, self.random_button):
            input_row.addWidget(widget)
        input_row.addStretch(1)
        beam_caption = QLabel("Beam width")
        beam_caption.setToolTip(BEAM_TIP)
        for widget in (beam_caption, self.beam_spin, self.caption_button):
            input_row.addWidget(widget)
        picture_column = QVBoxLayout()
        picture_column.addWidget(self.picture_label)
        picture_column.addWidget(self.picture_title)
        picture_column.addStretch(1)
        text_column = QVBoxLayout()
        for label in (self.caption_label, self.reference_label, self.details_label):
            text_column.addWidget(label)
        text_column.addStretch(1)
        answer_row = QHBoxLayout()
        answer_row.addLayout(picture_column)
        answer_row.addSpacing(12)
        answer_row.addLayout(text_column, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(evaluate_row)
        layout.addSpacing(6)
        layout.addLayout(input_row)
        layout.addWidget(self.error_label)
        layout.addLayout(answer_row)
        layout.addWidget(self.thumbnail_scroll)
        layout.addStretch(1)
        self._show_answer(False)

    def _show_answer(self, shown: bool) -> None:
        for widget in (self.picture_label, self.picture_title, self.caption_label, self.reference_label):
            widget.setVisible(shown)
        self.thumbnail_scroll.setVisible(shown and bool(self.thumbnails))

    @property
    def beam_width(self) -> int:
        return self.beam_spin.value()

    def set_scenes(self, count: int) -> None:
        """How many validation pictures there are to choose from."""
        self.scene_count = count
        self.scene_spin.setRange(0, max(count - 1, 0))
        self.scene_count_label.setText(f"of {count:,}")

    def request_caption(self) -> None:
        if self.scene_count == 0:
            self.show_error(NO_SCENES)
            return
        if self.begin_request(self.caption_button, "Captioning…"):
            self.caption_requested.emit(self.scene_spin.value(), self.beam_width)

    def request_random_caption(self) -> None:
        if self.scene_count and not self.waiting:
            self.scene_spin.setValue(self._random.randrange(self.scene_count))
        self.request_caption()

    def request_evaluation(self) -> None:
        if self.begin_request(self.evaluate_button, "Evaluating…"):
            self.evaluate_requested.emit(self.beam_width)

    def show_caption(self, result: Caption, reference: str | None = None) -> None:
        """What the model wrote about ``result.image``, against the picture's own caption if given."""
        self.answered()
        self.result, self.pinned = result, None
        self._pictures = {}
        self.reference_label.setText(reference_html(result.text, reference))
        self._fill_thumbnails(result)
        details = f"Log-probability of this caption {log_prob_text(result.log_prob)}."
        if result.attention is None:
            details += " " + NO_ATTENTION
        elif result.words:
            details += " " + HOW_TO_READ
        self.details_label.setText(details)
        self._show_answer(True)
        self.reference_label.setVisible(reference is not None)
        self.show_word(None)

    def _remove_thumbnails(self) -> None:
        for thumbnail in self.thumbnails:
            thumbnail.setParent(None)  # out of the row now, not when the event loop next deletes it
            thumbnail.deleteLater()
        self.thumbnails = []

    def _fill_thumbnails(self, result: Caption) -> None:
        self._remove_thumbnails()
        if result.attention is None:
            return
        small = upscaled(result.image, THUMBNAIL_SIDE)
        for index, word in enumerate(result.words):
            thumbnail = WordThumbnail(index, word, heat_overlay(small, result.attention[index]))
            thumbnail.setToolTip(
                f"“{word}”: its attention peaked at {100 * result.attention[index].max():.0f} % on one cell"
            )
            thumbnail.hovered.connect(self.show_word)
            thumbnail.left.connect(lambda: self.show_word(self.pinned))
            thumbnail.clicked.connect(self.click_word)
            self.thumbnail_layout.insertWidget(index, thumbnail)
            thumbnail.show()  # counted by the layout now, not once the event loop shows it
            self.thumbnails.append(thumbnail)
        self.thumbnail_row.adjustSize()  # and the scroll area takes the new width now
        scroll_bar = self.thumbnail_scroll.horizontalScrollBar().sizeHint().height()
        self.thumbnail_scroll.setFixedHeight(self.thumbnail_row.sizeHint().height() + scroll_bar)

    def show_word(self, index: int | None) -> None:
        """Lay word ``index``'s attention over the big picture and mark it; None shows the plain picture."""
        if self.result is None:
            return
        if index is not None and self.result.attention is not None:
            self.picture_title.setText(WORD_PICTURE.format(self.result.words[index]))
        else:
            index = None
            self.picture_title.setText(PLAIN_PICTURE)
        pixmap = self._big_picture(index)
        self.picture_label.setPixmap(pixmap)
        self.picture_label.setFixedSize(pixmap.size())
        self.picture_title.setFixedWidth(pixmap.width())
        self._show_caption_text(index)
        for thumbnail in self.thumbnails:
            thumbnail.set_chosen(thumbnail.index == index)

    def _big_picture(self, index: int | None) -> QPixmap:
        """The picture at full size, under word ``index``'s attention; each made once per caption."""
        if index not in self._pictures:
            picture = upscaled(self.result.image, PICTURE_SIDE)
            if index is not None:
                picture = heat_overlay(picture, self.result.attention[index])
            self._pictures[index] = to_pixmap(picture)
        return self._pictures[index]

    def _show_caption_text(self, chosen: int | None) -> None:
        if not self.result.words:
            self.caption_label.setText("(the model wrote nothing)")
            return
        self.caption_label.setText(caption_html(self.result.words, chosen, self.palette().text().color().name()))

    def click_word(self, index: int) -> None:
        """Keep word ``index`` shown; clicking it again lets it go."""
        self.pinned = None if self.pinned == index else index
        self.show_word(self.pinned)

    def _on_link_hovered(self, link: str) -> None:
        self.show_word(int(link) if link else self.pinned)

    def show_scores(self, scores: OutputScores) -> None:
        self.answered()
        self.scores_label.setText(output_scores_text(scores, "pictures", self.baselines))

    def set_baselines(self, baselines: tuple[Baseline, ...]) -> None:
        """The data's baselines, in word BLEU, shown under the next scores."""
        self.baselines = tuple(baselines)

    def clear(self) -> None:
        self.answered()
        self.result, self.pinned = None, None
        self._remove_thumbnails()
        self.details_label.setText(BEFORE_ANSWER)
        self.scores_label.setText(NOT_SCORED)
        self._show_answer(False)

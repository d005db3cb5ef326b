import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QEnterEvent
from PySide6.QtWidgets import QApplication

from workbench.engine.inference.captions import Caption
from workbench.engine.scoring.output_scores import OutputScores
from workbench.ui.results import ResultsPanel
from workbench.ui.results.try_caption import SELECTED_WORD, heat_overlay, upscaled

# The offscreen platform warns when a top-level widget is shown; nothing is wrong.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

SIDE, GRID = 48, 6  # the scenes demo: 48-pixel pictures, a 6×6 grid of cells
WORDS = ("a", "red", "circle", "above")
PEAKS = ((0, 0), (1, 4), (3, 2), (5, 5))  # the cell each word attends to most


@pytest.fixture
def panel(qtbot):
    widget = ResultsPanel()
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.set_task("captioning")
    widget.set_scenes(600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def attention() -> np.ndarray:
    """(words, 6, 6): each word's weight mostly on its own cell, the rest spread evenly."""
    weights = np.full((len(WORDS), GRID, GRID), 0.2 / (GRID * GRID - 1), np.float32)
    for word, (row, column) in enumerate(PEAKS):
        weights[word, row, column] = 0.8
    return weights


def caption(image: np.ndarray | None = None, words=WORDS) -> Caption:
    picture = np.full((SIDE, SIDE, 3), 128, np.uint8) if image is None else image
    weights = np.resize(attention(), (len(words), GRID, GRID))  # the maps repeat with the words
    return Caption(words, weights, picture, -0.25)


def random_picture() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (SIDE, SIDE, 3), dtype=np.uint8)


def colour_at(label, x: int, y: int) -> tuple[int, int, int]:
    colour = label.grab().toImage().pixelColor(x, y)
    return colour.red(), colour.green(), colour.blue()


def cell_centre(label, row: int, column: int) -> tuple[int, int]:
    cell = label.width() // GRID
    return column * cell + cell // 2, row * cell + cell // 2


def lightness(label, row: int, column: int) -> int:
    image = label.grab().toImage()
    return image.pixelColor(*cell_centre(label, row, column)).lightness()


def test_the_captioning_task_shows_the_captioner(panel):
    view = panel.caption_view
    assert view.isVisible() and panel.try_view is view
    assert not panel.translate_view.isVisible() and not panel.not_applicable.isVisible()
    assert "press Caption" in view.details_label.text() and not view.picture_label.isVisible()
    assert (view.scene_spin.minimum(), view.scene_spin.maximum()) == (0, 599)
    assert view.scene_count_label.text() == "of 600"
    assert (view.beam_spin.minimum(), view.beam_spin.maximum()) == (1, 16)


def test_caption_sends_the_scene_and_beam_and_waits_for_the_answer(qtbot, panel):
    view = panel.caption_view
    view.scene_spin.setValue(17)
    view.beam_spin.setValue(3)
    with qtbot.waitSignal(panel.caption_requested, timeout=1000) as blocker:
        qtbot.mouseClick(view.caption_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [17, 3] and view.caption_button.text() == "Captioning…"
    buttons = (view.caption_button, view.random_button, view.evaluate_button)
    assert not any(button.isEnabled() for button in buttons)
    with qtbot.assertNotEmitted(panel.caption_requested):
        view.request_random_caption()
    panel.show_caption(caption(), " ".join(WORDS))
    assert all(button.isEnabled() for button in buttons) and view.caption_button.text() == "Caption"


def test_random_captions_a_scene_it_chooses(qtbot, panel):
    view = panel.caption_view
    with qtbot.waitSignal(panel.caption_requested, timeout=1000) as blocker:
        qtbot.mouseClick(view.random_button, Qt.MouseButton.LeftButton)
    scene, beam = blocker.args
    assert 0 <= scene < 600 and scene == view.scene_spin.value() and beam == 1


def test_evaluate_sends_the_beam_and_shows_the_scores(qtbot, panel):
    view = panel.caption_view
    assert "Not scored yet" in view.scores_label.text()
    with qtbot.waitSignal(panel.evaluate_captions_requested, timeout=1000) as blocker:
        qtbot.mouseClick(view.evaluate_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [1] and view.evaluate_button.text() == "Evaluating…"
    panel.show_caption_scores(OutputScores("val", 1, 600, 0.983, 0.991, 0.995))
    assert view.scores_label.text() == (
        "exact match <b>98.3 %</b> · word BLEU <b>99.1</b> · char-BLEU 99.5 (greedy, 600 pictures)"
    )
    assert view.evaluate_button.isEnabled()
    panel.show_caption_scores(OutputScores("val", 4, 20, 0.5, 0.25, 0.6))
    assert "(beam 4, 20 pictures)" in view.scores_label.text()


def test_a_caption_shows_its_words_the_match_and_one_picture_per_word(panel):
    view = panel.caption_view
    panel.show_caption(caption(), "a red circle above")
    assert all(f">{word}</a>" in view.caption_label.text() for word in WORDS)
    assert view.reference_label.isVisible() and "✓ matches the reference" in view.reference_label.text()
    assert [thumbnail.word_label.text() for thumbnail in view.thumbnails] == list(WORDS)
    assert all(thumbnail.isVisible() for thumbnail in view.thumbnails)
    assert view.thumbnails[0].picture_label.size().width() == 96  # 48 pixels, each shown as 2×2
    panel.show_caption(caption(), "a blue square")
    assert "✗ reference:" in view.reference_label.text() and "a blue square" in view.reference_label.text()
    panel.show_caption(caption(words=WORDS[:2]), None)
    assert not view.reference_label.isVisible() and len(view.thumbnails) == 2


def test_the_caption_says_its_log_probability_never_as_minus_zero(panel):
    view = panel.caption_view
    panel.show_caption(caption(), None)
    assert "Log-probability of this caption -0.25." in view.details_label.text()
    near_certain = Caption(WORDS, attention(), np.full((SIDE, SIDE, 3), 128, np.uint8), -0.004)
    panel.show_caption(near_certain, None)
    assert "Log-probability of this caption 0.00." in view.details_label.text()


def test_each_words_overlay_is_most_intense_over_the_cell_it_attends_to(panel):
    view = panel.caption_view
    panel.show_caption(caption(), None)
    cells = [(row, column) for row in range(GRID) for column in range(GRID)]
    for thumbnail, peak in zip(view.thumbnails, PEAKS):
        brightness = {cell: lightness(thumbnail.picture_label, *cell) for cell in cells}
        assert max(brightness, key=brightness.get) == peak, thumbnail.word_label.text()
    for word, peak in enumerate(PEAKS):  # at each word's cell, its own overlay is the brightest
        over_peak = [lightness(thumbnail.picture_label, *peak) for thumbnail in view.thumbnails]
        assert int(np.argmax(over_peak)) == word


def test_the_big_picture_is_the_image_upscaled_and_a_chosen_word_lays_its_overlay_on_it(qtbot, panel):
    view = panel.caption_view
    image = random_picture()
    panel.show_caption(caption(image), None)
    label = view.picture_label
    assert label.isVisible() and (label.width(), label.height()) == (240, 240)  # each pixel a 5×5 block
    for x, y in ((0, 0), (4, 4), (5, 0), (123, 77), (239, 239)):
        assert colour_at(label, x, y) == tuple(image[y // 5, x // 5]), (x, y)
    qtbot.mouseClick(view.thumbnails[2], Qt.MouseButton.LeftButton)
    overlaid = heat_overlay(upscaled(image, 240), attention()[2])
    assert colour_at(label, 123, 77) == tuple(overlaid[77, 123])
    assert "“circle”" in view.picture_title.text() and f'background-color:{SELECTED_WORD};">circle<' in (
        view.caption_label.text()
    )
    view.caption_label.linkHovered.emit("1")  # hovering another word shows it while the mouse stays
    assert "“red”" in view.picture_title.text()
    view.caption_label.linkHovered.emit("")  # and the clicked one again when it leaves
    assert "“circle”" in view.picture_title.text()
    corner = QPointF(4, 4)
    QApplication.sendEvent(view.thumbnails[3], QEnterEvent(corner, corner, corner))  # so does a word's picture
    assert "“above”" in view.picture_title.text()
    QApplication.sendEvent(view.thumbnails[3], QEvent(QEvent.Type.Leave))
    assert "“circle”" in view.picture_title.text()
    qtbot.mouseClick(view.thumbnails[2], Qt.MouseButton.LeftButton)  # a second click lets go
    assert colour_at(label, 123, 77) == tuple(image[77 // 5, 123 // 5]) and "“" not in view.picture_title.text()


def test_a_caption_without_attention_or_words(panel):
    view = panel.caption_view
    panel.show_caption(Caption(WORDS, None, random_picture(), -1.0), None)
    assert not view.thumbnails and not view.thumbnail_scroll.isVisible() and view.picture_label.isVisible()
    assert "no attention" in view.details_label.text()
    panel.show_caption(Caption((), np.zeros((0, GRID, GRID), np.float32), random_picture(), -1.0), "a red circle")
    assert view.caption_label.text() == "(the model wrote nothing)" and "✗ reference:" in view.reference_label.text()


def test_an_error_shows_in_the_captioner_and_turns_the_buttons_back_on(qtbot, panel):
    view = panel.caption_view
    qtbot.mouseClick(view.caption_button, Qt.MouseButton.LeftButton)
    panel.show_error("the model is busy")
    assert view.error_label.isVisible() and view.error_label.text() == "the model is busy"
    assert view.caption_button.isEnabled() and view.evaluate_button.isEnabled()
    panel.set_scenes(0)
    with qtbot.assertNotEmitted(panel.caption_requested):
        qtbot.mouseClick(view.caption_button, Qt.MouseButton.LeftButton)
    assert "no validation pictures" in view.error_label.text()


def test_clear_forgets_the_caption_and_scores(panel):
    view = panel.caption_view
    panel.show_caption(caption(), None)
    panel.show_caption_scores(OutputScores("val", 1, 600, 0.983, 0.991, 0.995))
    panel.clear()
    assert view.result is None and not view.thumbnails and not view.picture_label.isVisible()
    assert "Not scored yet" in view.scores_label.text() and "press Caption" in view.details_label.text()


def overlapping(*widgets) -> bool:
    pairs = ((one, other) for i, one in enumerate(widgets) for other in widgets[i + 1 :])
    return any(one.geometry().intersects(other.geometry()) for one, other in pairs)


def test_the_captioner_renders_at_a_realistic_size(qtbot, panel, tmp_path):
    """Renders the view to a PNG (look at it when changing the layout) and checks nothing is cut off."""
    view = panel.caption_view
    panel.show_caption(caption(random_picture(), WORDS * 4), "a red circle above")
    view.click_word(5)
    panel.show_caption_scores(OutputScores("val", 1, 600, 0.983, 0.991, 0.995))
    qtbot.waitUntil(
        lambda: (
            not overlapping(
                view.picture_label, view.picture_title, view.caption_label, view.details_label, view.thumbnail_scroll
            )
        ),
        timeout=1000,
    )
    panel.grab().save(str(tmp_path / "captioning.png"))
    assert panel.size().height() == 700
    assert view.thumbnail_row.width() > view.thumbnail_scroll.width()  # too many words: the row scrolls
    first = view.thumbnails[0]
    assert first.visibleRegion().boundingRect().size() == first.size()
    assert (tmp_path / "captioning.png").stat().st_size > 10_000

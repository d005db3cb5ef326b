import re

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor

from workbench.engine.events import ValidationResult
from workbench.engine.inference.predict import Classification, Tagging
from workbench.engine.inference.translation import Translation
from workbench.engine.scoring.output_scores import OutputScores
from workbench.engine.scoring.scores import Baseline
from workbench.ui.results import ResultsPanel
from workbench.ui.results.formatting import percent, token_spans
from workbench.ui.theme import ATTENTION, BLUES, REDS, tag_color

# The offscreen platform warns when a top-level widget is shown; nothing is wrong.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

SEXES = ("female", "male")
TAGS = ("keyword", "name", "number")
SPAN = re.compile(r'<span style="background-color:(#[0-9a-f]{6}); color:#[0-9a-f]{6}">(.*?)</span>')


@pytest.fixture
def panel(qtbot):
    widget = ResultsPanel()
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def classification(probabilities=(0.25, 0.75), attention=(0.2, 0.1, 0.7)) -> Classification:
    weights = None if attention is None else np.array(attention, np.float32)
    return Classification("Ana", ("A", "n", "a"), SEXES, np.array(probabilities, np.float32), weights)


def translation(attention: np.ndarray | None) -> Translation:
    return Translation("3 May", tuple("3 May"), "05-03", tuple("05-03"), attention, -0.5)


def pixel_at(widget, point) -> str:
    return widget.grab().toImage().pixelColor(point).name()


def char_format_at(view, position: int) -> QTextCharFormat:
    cursor = QTextCursor(view.document())
    cursor.setPosition(position + 1)  # the format of the character before the cursor
    return cursor.charFormat()


# -- plain helpers ---------------------------------------------------------------------------


def test_token_spans_keep_what_lies_between_words():
    text = "def  f():\n    return 42"
    spans = token_spans(text, tuple(text.split()))
    assert [text[start:end] for start, end in spans] == ["def", "f():", "return", "42"]
    assert token_spans("ab", ("a", "z")) == [(0, 1), (1, 1)]
    assert percent(0.8712) == "87.1 %" and percent(float("nan")) == "—"


# -- the kind of model -----------------------------------------------------------------------


def test_set_task_shows_the_views_of_that_kind_of_model(panel):
    panel.set_task(None)
    assert panel.not_applicable.isVisible()
    assert "for classifiers, taggers, translators and forecasters" in panel.not_applicable.text()
    panel.set_task("classification", SEXES)
    assert panel.classify_view.isVisible() and panel.scores.isVisible()
    assert not panel.tag_view.isVisible() and not panel.translate_view.isVisible()
    assert "after the first validation" in panel.scores.placeholder.text() and panel.scores.placeholder.isVisible()
    panel.set_task("tagging", TAGS)
    assert panel.tag_view.isVisible() and not panel.classify_view.isVisible()
    assert all(tag in panel.tag_view.legend.text() for tag in TAGS)
    panel.set_task("translation")
    assert panel.translate_view.isVisible() and not panel.scores.isVisible()
    with pytest.raises(ValueError):
        panel.set_task("regression")


# -- validation scores -----------------------------------------------------------------------


def test_the_headline_says_whether_it_counted_a_subset_and_stands_beside_the_baselines(qtbot, panel):
    panel.set_task("tagging", TAGS)
    confusion = np.array([[50, 0, 0], [10, 30, 0], [0, 0, 10]], np.int64)
    quick = ValidationResult(300, 0.5, 0.7, 0.9, confusion, scored=100, batches=2, of_batches=9)
    panel.add_validation(quick)
    assert "a quick score on 100 validation tokens, 2 of its 9 batches" in panel.scores.headline.text()
    assert "always guessing the commonest label" in panel.scores.headline.text()
    assert not panel.scores.baselines_label.isVisible()  # none known yet
    panel.set_baselines(
        (
            Baseline("commonest tag per token", "each token's commonest tag", 0.95),
            Baseline("commonest tag", "the commonest tag everywhere", 0.5),
        )
    )
    shown = panel.scores.baselines_label
    assert shown.isVisible() and "commonest tag per token 95.0 %" in shown.text()
    assert "worse than the commonest tag per token baseline" in shown.text()
    assert "each token's commonest tag" in shown.toolTip()
    assert "always guessing" not in panel.scores.headline.text()  # the baselines' line says it now
    with qtbot.waitSignal(panel.evaluate_labels_requested, timeout=1000):
        qtbot.mouseClick(panel.scores.evaluate_button, Qt.MouseButton.LeftButton)
    assert not panel.scores.evaluate_button.isEnabled()  # one request out at a time
    whole = ValidationResult(300, 0.5, 0.7, 0.9, confusion, scored=900, batches=9, of_batches=9)
    panel.show_whole_validation(whole)
    assert "all 900 validation tokens" in panel.scores.headline.text()
    assert panel.scores.evaluate_button.isEnabled()


def test_a_validation_fills_the_headline_matrix_and_label_table(panel):
    panel.set_task("classification", SEXES, majority_share=0.778)
    panel.add_validation(ValidationResult(1500, 0.5, 0.7, 0.8, np.array([[80, 0], [20, 0]], np.int64)))
    headline = panel.scores.headline.text()
    assert "Validation accuracy <b>80.0 %</b>" in headline and "balanced <b>50.0 %</b>" in headline
    assert "commonest label: 77.8 %" in headline and "step 1,500" in headline
    matrix = panel.scores.confusion
    assert matrix.isVisible() and matrix.label_names == SEXES
    assert [[matrix.cell_text(row, column) for column in range(2)] for row in range(2)] == [["80", "0"], ["20", "0"]]

    def corner(row, column):  # inside the cell, clear of its number
        return matrix.cell_rect(row, column).topLeft() + QPoint(4, 4)

    assert pixel_at(matrix, corner(0, 0)) == BLUES[-1]  # all of the true females found: darkest blue
    assert pixel_at(matrix, corner(1, 0)) == REDS[-1]  # all of the true males missed: darkest red
    assert pixel_at(matrix, corner(0, 1)) == REDS[0]
    table = panel.scores.table
    rows = [[table.item(row, column).text() for column in range(4)] for row in range(2)]
    assert rows == [["female", "80.0 %", "100.0 %", "80"], ["male", "never predicted", "0.0 %", "20"]]


def test_the_commonest_label_defaults_to_the_validation_split_and_tagging_counts_tokens(panel):
    panel.set_task("tagging", TAGS)
    panel.add_validation(ValidationResult(7, 0.5, 0.7, None, np.array([[6, 0, 0], [1, 2, 0], [0, 0, 1]])))
    assert "per token" in panel.scores.headline.text() and "commonest label: 60.0 %" in panel.scores.headline.text()
    assert "10 validation tokens" in panel.scores.confusion_caption.text()
    panel.add_validation(ValidationResult(8, 0.5, 0.7, None, None))  # no confusion: nothing changes
    assert "step 7" in panel.scores.headline.text()


# -- classifier ------------------------------------------------------------------------------


def test_enter_asks_to_classify_the_text_once(qtbot, panel):
    panel.set_task("classification", SEXES)
    view = panel.classify_view
    qtbot.keyClicks(view.text_edit, "Maria")
    with qtbot.waitSignal(panel.classify_requested, timeout=1000) as blocker:
        qtbot.keyClick(view.text_edit, Qt.Key.Key_Return)
    assert blocker.args == ["Maria"]
    assert not view.classify_button.isEnabled() and view.classify_button.text() == "Classifying…"
    with qtbot.assertNotEmitted(panel.classify_requested):
        qtbot.keyClick(view.text_edit, Qt.Key.Key_Return)
    panel.show_classification(classification())
    assert view.classify_button.isEnabled() and view.classify_button.text() == "Classify"


def test_a_classification_shows_the_probabilities_and_the_weighed_letters(panel):
    panel.set_task("classification", SEXES)
    panel.show_classification(classification())
    view = panel.classify_view
    assert view.bars.isVisible() and view.bars.row_texts() == [("male", "75.0 %"), ("female", "25.0 %")]
    assert "<b>male</b>" in view.answer_label.text() and "75.0 %" in view.answer_label.text()
    spans = SPAN.findall(view.attention_tokens.text())
    assert [token for _, token in spans] == ["A", "n", "a"]
    assert spans[2][0] == ATTENTION[-1]  # the heaviest letter is darkest
    assert QColor(spans[1][0]).lightness() > QColor(spans[0][0]).lightness() > QColor(spans[2][0]).lightness()
    assert "letter weighed" in view.attention_caption.text() and "70.0 %" in view.attention_caption.text()
    panel.show_classification(classification(attention=None))
    assert not view.attention_tokens.isVisible() and "without attention" in view.attention_caption.text()


# -- tagger ----------------------------------------------------------------------------------


def test_ctrl_enter_asks_to_tag_the_text(qtbot, panel):
    panel.set_task("tagging", TAGS)
    view = panel.tag_view
    view.text_edit.setPlainText("x = 1\n")
    view.text_edit.setFocus()
    with qtbot.waitSignal(panel.tag_requested, timeout=1000) as blocker:
        qtbot.keyClick(view.text_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert blocker.args == ["x = 1\n"] and not view.tag_button.isEnabled()


def test_a_tagging_colours_each_token_by_its_tag_and_keeps_the_layout(panel):
    panel.set_task("tagging", TAGS)
    text = "def  f():\n    return 42"
    tags, confidence = np.array([0, 1, 0, 2]), np.array([0.9, 0.3, 0.95, 0.99], np.float32)
    panel.show_tagging(Tagging(text, tuple(text.split()), TAGS, tags, confidence))
    view = panel.tag_view.result_view
    assert view.toPlainText() == text
    for token, tag in (("def", 0), ("f():", 1), ("return", 0), ("42", 2)):
        form = char_format_at(view, text.index(token))
        assert form.background().color().name() == tag_color(tag), token
    assert char_format_at(view, text.index("f()")).underlineStyle() == QTextCharFormat.UnderlineStyle.WaveUnderline
    assert char_format_at(view, text.index("42")).underlineStyle() == QTextCharFormat.UnderlineStyle.NoUnderline
    assert char_format_at(view, text.index("  f")).background().style() == Qt.BrushStyle.NoBrush  # spaces untagged
    assert re.search(rf"background-color:{tag_color(2)};[^>]*>42<", view.toHtml())
    assert view.describe(1) == "“f():”: name (30.0 % sure)"


# -- translator ------------------------------------------------------------------------------


def test_translate_and_evaluate_send_the_beam_width(qtbot, panel):
    panel.set_task("translation")
    view = panel.translate_view
    assert view.beam_spin.value() == 1 and (view.beam_spin.minimum(), view.beam_spin.maximum()) == (1, 16)
    view.beam_spin.setValue(4)
    view.text_edit.setText("3 May")
    with qtbot.waitSignal(panel.translate_requested, timeout=1000) as blocker:
        qtbot.mouseClick(view.translate_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["3 May", 4]
    assert not view.evaluate_button.isEnabled()
    panel.show_translation(translation(None))
    with qtbot.waitSignal(panel.evaluate_requested, timeout=1000) as blocker:
        qtbot.mouseClick(view.evaluate_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [4] and view.evaluate_button.text() == "Evaluating…"
    panel.show_scores(OutputScores("validation", 1, 2000, 0.985, 0.991, 0.995))
    assert view.evaluate_button.isEnabled()
    assert view.scores_label.text() == (
        "exact match <b>98.5 %</b> · word BLEU <b>99.1</b> · char-BLEU 99.5 (greedy, 2,000 pairs)"
    )
    panel.set_baselines((Baseline("copy the source", "answers with the source", 0.999),))
    panel.show_scores(OutputScores("validation", 1, 2000, 0.985, 0.991, 0.995))
    assert "Baselines: copy the source 99.9" in view.scores_label.text()
    assert "worse than the copy the source baseline" in view.scores_label.text()
    panel.show_scores(OutputScores("validation", 4, 20, 0.5, 0.25, 0.6))
    assert "(beam 4, 20 pairs)" in view.scores_label.text()


def test_a_translation_shows_its_output_and_attention_map(qtbot, panel):
    panel.set_task("translation")
    attention = np.full((5, 5), 0.05, np.float32)
    attention[0, 0] = 0.8
    panel.show_translation(translation(attention))
    view = panel.translate_view
    assert view.output_label.text() == "05-03"
    image = view.attention_map.image.image
    assert image.shape == (5, 5) and np.allclose(image, attention)
    ticks = view.attention_map.plot.getAxis("bottom")._tickLevels[0]
    assert [label for _, label in ticks] == ["3", "␣", "M", "a", "y"]
    box = view.attention_map.plot.getViewBox()
    assert box.yInverted()
    qtbot.waitUntil(lambda: box.viewRange()[1] == [-0.5, 4.5], timeout=1000)
    top_left = view.attention_map.mapFromScene(box.mapViewToScene(QPointF(0, 0)))
    below = view.attention_map.mapFromScene(box.mapViewToScene(QPointF(0, 4)))
    assert QColor(pixel_at(view.attention_map, top_left)).lightness() < 150  # the first written token on top, dark
    assert QColor(pixel_at(view.attention_map, below)).lightness() > 200
    panel.show_translation(translation(None))
    assert view.no_attention_label.isVisible() and not view.attention_map.isVisible()
    assert "no attention" in view.no_attention_label.text()


def test_hovering_the_attention_map_names_the_cell_under_the_mouse(panel):
    panel.set_task("translation")
    attention = np.full((5, 5), 0.05, np.float32)
    attention[0, 1] = 0.8
    panel.show_translation(translation(attention))
    attention_map = panel.translate_view.attention_map
    image = attention_map.image
    assert image.cell_at(1.5, 0.2) == (0, 1)  # x is the typed token's column, y the written token's row
    assert image.cell_at(5.0, 0.0) is None and image.cell_at(0.0, -0.1) is None
    assert attention_map.describe(0, 1) == "writing “0” (step 0), the model gave “␣” 80.0 % of its attention"


# -- errors ----------------------------------------------------------------------------------


def test_an_error_shows_in_place_turns_the_button_back_on_and_goes_with_the_next_answer(qtbot, panel):
    panel.set_task("classification", SEXES)
    view = panel.classify_view
    view.text_edit.setText("José")
    qtbot.mouseClick(view.classify_button, Qt.MouseButton.LeftButton)
    assert not view.classify_button.isEnabled()
    panel.show_error("the training data never had the character 'é'.")
    assert view.error_label.isVisible() and view.error_label.text() == "the training data never had the character 'é'."
    assert view.classify_button.isEnabled()
    panel.show_classification(classification())
    assert not view.error_label.isVisible()


def test_an_evaluation_error_shows_in_the_translator(qtbot, panel):
    panel.set_task("translation")
    view = panel.translate_view
    qtbot.mouseClick(view.evaluate_button, Qt.MouseButton.LeftButton)
    panel.show_error("no validation pairs")
    assert view.error_label.isVisible() and view.error_label.text() == "no validation pairs"
    assert view.evaluate_button.isEnabled() and view.translate_button.isEnabled()


def test_a_new_task_forgets_what_was_shown(panel):
    panel.set_task("classification", SEXES)
    panel.add_validation(ValidationResult(1, 0.5, 0.7, 0.5, np.eye(2, dtype=np.int64)))
    panel.show_classification(classification())
    panel.set_task("classification", SEXES, majority_share=0.5)  # the same model: kept
    assert panel.scores.scores is not None and panel.classify_view.answer.isVisible()
    panel.set_task("classification", ("cat", "dog"))
    assert panel.scores.placeholder.isVisible() and not panel.classify_view.answer.isVisible()


# -- how it looks ----------------------------------------------------------------------------


def shows_whole(widget) -> bool:
    visible, needed = widget.visibleRegion().boundingRect().size(), widget.sizeHint()
    return visible.width() >= needed.width() and visible.height() >= needed.height()


def test_each_view_renders_at_a_realistic_size(qtbot, panel, tmp_path):
    """Renders each view to a PNG (look at them when changing the layout) and checks none is cut off."""
    panel.set_task("classification", SEXES)
    panel.add_validation(ValidationResult(1500, 0.5, 0.7, 0.87, np.array([[700, 78], [51, 171]], np.int64)))
    panel.show_classification(classification())
    qtbot.waitUntil(lambda: shows_whole(panel.scores.confusion), timeout=1000)
    panel.grab().save(str(tmp_path / "classification.png"))
    panel.set_task("tagging", TAGS)
    panel.add_validation(ValidationResult(900, 0.1, 0.2, 0.9, np.array([[90, 1, 2], [3, 800, 4], [5, 6, 70]])))
    text = "def f():\n    return 42\n"
    panel.show_tagging(Tagging(text, tuple(text.split()), TAGS, np.array([0, 1, 0, 2]), np.ones(4, np.float32)))
    qtbot.waitUntil(lambda: shows_whole(panel.scores.confusion), timeout=1000)
    panel.grab().save(str(tmp_path / "tagging.png"))
    panel.set_task("translation")
    panel.show_translation(translation(np.eye(5, dtype=np.float32)))
    panel.grab().save(str(tmp_path / "translation.png"))
    assert panel.size().height() == 700  # no view forced the panel taller
    for name in ("classification", "tagging", "translation"):
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000


def test_the_matrix_and_its_caption_do_not_overlap_under_a_two_line_baselines_line(qtbot, panel):
    panel.resize(880, 640)  # the Results tab at the window's default size
    panel.set_task("classification", SEXES, majority_share=0.778)
    panel.add_validation(
        ValidationResult(
            200, 0.3, 0.4, 0.855, np.array([[366, 33], [42, 75]], np.int64), scored=516, batches=9, of_batches=9
        )
    )
    panel.set_baselines(
        (
            Baseline("commonest class", "always female", 0.773),
            Baseline("bag-of-tokens logistic regression", "a linear classifier", 0.853),
        )
    )
    qtbot.wait(50)
    scores = panel.scores
    assert scores.baselines_label.height() > scores.headline.height()  # it wraps here
    assert scores.confusion_caption.geometry().top() >= scores.matrix_scroll.geometry().bottom()
    assert scores.matrix_scroll.height() >= scores.confusion.sizeHint().height()

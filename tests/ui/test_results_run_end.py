"""The Results tab scores a run when it ends, and writes a near-certain answer's log-probability as 0.00."""

from __future__ import annotations

from dataclasses import replace

import pytest
from test_main_window import install, make_window  # noqa: F401 (fixture)
from tiny import TINY_CONFIG

from workbench.engine.data.pairs import pairs_from_items
from workbench.engine.inference.translation import Translation
from workbench.engine.model.templates import from_template
from workbench.engine.project.project import Project
from workbench.engine.spec import RecurrentSpec
from workbench.ui.results import ResultsPanel
from workbench.ui.results.try_translate import NOT_SCORED

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

NUMBERS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]


@pytest.fixture
def panel(qtbot):
    widget = ResultsPanel()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def translation(log_prob: float) -> Translation:
    return Translation("3 May", tuple("3 May"), "05-03", tuple("05-03"), None, log_prob)


@pytest.mark.parametrize(
    ("log_prob", "shown"), [(-0.001, "0.00"), (-0.004, "0.00"), (-0.006, "-0.01"), (-1.234, "-1.23")]
)
def test_the_log_probability_of_an_answer_has_no_minus_zero(panel, log_prob, shown):
    panel.set_task("translation")
    panel.show_translation(translation(log_prob))
    assert panel.translate_view.details_label.text().startswith(f"Log-probability of this output {shown}.")


def test_a_translator_is_scored_when_its_run_ends_as_evaluate_would(qtbot, panel):
    panel.set_task("translation")
    view = panel.translate_view
    view.beam_spin.setValue(3)
    with qtbot.waitSignal(panel.evaluate_requested, timeout=1000) as asked:
        panel.score_after_run()
    assert asked.args == [3] and view.evaluate_button.text() == "Evaluating…"
    with qtbot.assertNotEmitted(panel.evaluate_requested):
        panel.score_after_run()  # one request out at a time


def test_a_classifier_is_not_asked_again_its_run_scored_the_whole_split(qtbot, panel):
    panel.set_task("classification", ("a", "b"))
    with qtbot.assertNotEmitted(panel.evaluate_labels_requested), qtbot.assertNotEmitted(panel.evaluate_requested):
        panel.score_after_run()


def test_the_window_scores_a_translator_at_the_end_of_a_run(qtbot, make_window):  # noqa: F811
    corpus = pairs_from_items([(word, str(i + 1)) for i, word in enumerate(NUMBERS)], "t", "Numbers", val_fraction=0.2)
    spec = from_template("attention", corpus.task(8), RecurrentSpec("gru", 16, 1))
    settings = replace(TINY_CONFIG, batch_size=8, learning_rate=1e-2, seq_len=20)
    window = make_window()
    install(window, qtbot, lambda: Project.create(spec, corpus, settings))
    view = window.results.translate_view
    assert view.scores_label.text() == NOT_SCORED
    window.steps.setValue(20)
    with qtbot.waitSignal(window.bridge.run_finished, timeout=30_000):
        window.train()
    qtbot.waitUntil(lambda: "exact match" in view.scores_label.text(), timeout=20_000)  # nobody pressed Evaluate
    assert view.evaluate_button.isEnabled()

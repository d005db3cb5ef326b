"""One choice of weights for the window, best (by default) or latest: shown in the Samples panel
and the Handwriting tab, naming the kept best's step, and saying so when the latest stand in."""

from __future__ import annotations

from functools import partial

import pytest
import torch
from PySide6.QtCore import QSettings, Qt
from tiny import make_project, write_text_corpus

from workbench.engine.inference.sampling import sample_text
from workbench.engine.inference.sampling_options import SamplingOptions
from workbench.ui import tasks
from workbench.ui.handwriting.panel import HandwritingPanel
from workbench.ui.main_window import MainWindow
from workbench.ui.samples import SamplesPanel
from workbench.ui.weights_choice import WeightsChoice

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
OPTIONS = SamplingOptions(length=30, temperature=1.0, seed=5)


def texts(combo) -> list[str]:
    return [combo.itemText(index) for index in range(combo.count())]


@pytest.fixture
def panels(qtbot):
    samples, handwriting = SamplesPanel(), HandwritingPanel()
    for panel in (samples, handwriting):
        qtbot.addWidget(panel)
    return samples, handwriting, WeightsChoice([samples.weights_combo, handwriting.weights_combo])


def test_best_is_chosen_and_names_its_step_or_says_the_latest_stand_in(panels):
    samples, handwriting, choice = panels
    for combo in (samples.weights_combo, handwriting.weights_combo):
        assert combo.currentText() == "Best (none yet: latest)" and texts(combo)[1] == "Latest"
    choice.show_best((1200, 1.25))
    assert choice.weights == "best" and choice.best == (1200, 1.25)
    for combo in (samples.weights_combo, handwriting.weights_combo):
        assert texts(combo) == ["Best (step 1,200)", "Latest"] and combo.currentText() == "Best (step 1,200)"


def test_choosing_in_one_panel_chooses_for_both(panels, qtbot):
    samples, handwriting, choice = panels
    samples.show()
    qtbot.waitExposed(samples)
    samples.weights_combo.setFocus()
    qtbot.keyClick(samples.weights_combo, Qt.Key.Key_Down)  # the user picks Latest
    assert choice.weights == "latest" and handwriting.weights_combo.currentText() == "Latest"
    choice.show_best((40, 2.0))  # a new best leaves the choice alone
    assert samples.weights_combo.currentText() == "Latest" and texts(handwriting.weights_combo)[0] == "Best (step 40)"


def test_the_combo_is_wide_enough_for_any_best_in_a_narrow_dock(panels, qtbot):
    samples, _, choice = panels
    samples.resize(250, 640)
    samples.show()
    qtbot.waitExposed(samples)
    combo = samples.weights_combo
    for best in (None, (999_999, 1.0)):
        choice.show_best(best)
        text_width = combo.fontMetrics().horizontalAdvance(combo.currentText())
        assert text_width < combo.width() and combo.geometry().right() < samples.width()


@pytest.fixture
def window(qtbot, tmp_path):
    made = MainWindow(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat), tmp_path / "autosave")
    made.resize(1400, 860)
    made.show()
    yield made
    made.files.changed = False
    made.close()


def with_best(tmp_path):
    """A trained project whose latest weights then move away from its kept best."""
    project = make_project(write_text_corpus(tmp_path), val_every=2, val_batches=1)
    project.trainer().run(6)
    with torch.no_grad():
        for parameter in project.model.parameters():
            parameter.mul_(-3.0)  # far from the best: the samples differ
    return project


def test_the_window_samples_with_the_chosen_weights(window, qtbot, tmp_path):
    project = with_best(tmp_path)
    step = project.best.step
    expected = {
        weights: sample_text(project.model_with(weights), project.corpus.vocab, OPTIONS)
        for weights in ("best", "latest")
    }
    assert expected["best"] != expected["latest"]
    window.files.load(partial(tasks.install, window.bridge.worker, project), None, 10)
    qtbot.waitUntil(lambda: window.files.has_project, timeout=10_000)
    assert window.samples.weights_combo.currentText() == f"Best (step {step:,})"
    assert window.handwriting.weights_combo.currentText() == f"Best (step {step:,})"
    for weights in ("best", "latest"):
        window.requests.weights.choose(weights)
        window.samples.sample_requested.emit(OPTIONS)
        qtbot.waitUntil(lambda: bool(window.samples.result_view.toPlainText()), timeout=10_000)
        assert window.samples.result_view.toPlainText().endswith(expected[weights])
        window.samples.result_view.clear()


def test_a_run_s_validations_renew_the_best_the_choice_names(window, qtbot, tmp_path):
    project = make_project(write_text_corpus(tmp_path), val_every=2, val_batches=1)
    window.files.load(partial(tasks.install, window.bridge.worker, project), None, 4)
    qtbot.waitUntil(lambda: window.files.has_project, timeout=10_000)
    assert window.samples.weights_combo.currentText() == "Best (none yet: latest)"
    with qtbot.waitSignal(window.bridge.run_finished, timeout=20_000):
        window.train()
    best = window.bridge.call(partial(tasks.kept_best, window.bridge.worker)).result(10)
    assert best is not None
    qtbot.waitUntil(lambda: window.samples.weights_combo.currentText() == f"Best (step {best[0]:,})", timeout=10_000)

"""The status bar follows training at a pace a person can read, and ends on the final figures."""

import numpy as np
import pytest
from PySide6.QtWidgets import QMainWindow

from workbench.engine.events import RunStarted, StepMetrics, TaskProgress
from workbench.ui.status import METRICS_INTERVAL_MS, TrainingStatus


def step_metrics(step: int, loss: float) -> StepMetrics:
    return StepMetrics(step, loss, 1e-3, 12_000.0, 1.0, ("head",), np.ones(1))


@pytest.fixture
def status(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    status = TrainingStatus(window.statusBar())
    status.window = window  # qtbot holds widgets weakly
    status.run_started(RunStarted("run-001", 0, 1000, "cpu", "CPU", 1, "model"))
    return status


def test_metrics_show_at_once_then_at_most_every_interval(qtbot, status):
    status.metrics(step_metrics(10, 2.5))
    assert (status.step.text(), status.loss.text(), status.progress.value()) == ("step 10", "loss 2.500", 10)
    for step in (20, 30, 40):  # within the interval: held back, the latest kept
        status.metrics(step_metrics(step, 2.0 + step / 100))
    assert status.step.text() == "step 10" and status.holding_back
    qtbot.waitUntil(lambda: status.step.text() == "step 40", timeout=20 * METRICS_INTERVAL_MS)  # the interval's end
    assert (status.loss.text(), status.progress.value()) == ("loss 2.400", 40)


def test_a_steady_stream_changes_the_labels_at_most_once_an_interval(qtbot, status):
    assert status.interval_ms == METRICS_INTERVAL_MS
    changes_within = 0  # new texts of the step label while an interval was under way
    step = 0
    for _ in range(4):  # four intervals, ten metrics a second, as the engine sends them
        for _ in range(METRICS_INTERVAL_MS // 100):
            step += 10
            before = status.step.text()
            status.metrics(step_metrics(step, 2.0))
            changes_within += status.step.text() != before
        status.interval_ended()  # as its timer does
        assert status.step.text() == f"step {step}" and status.holding_back  # the latest; a new interval
    assert changes_within == 1  # the first metrics only, shown at once: the others waited for an interval's end


def test_new_figures_repaint_the_labels_and_relay_out_nothing(qtbot, status, layout_requests):
    """The step, loss and speed labels keep their size as training runs: a layout redone for
    them climbed to the window twice a second (about 1.5 ms of the GUI thread each time)."""
    status.metrics(step_metrics(10, 2.5))
    requests = layout_requests.watch(status.window, qtbot)
    for step in (200, 3_000, 40_000, 500_000):
        status.interval_ended()  # nothing was held back: the next metrics show at once
        status.metrics(StepMetrics(step, 10 / step, 1e-3, 9_000.0 + step / 10, 1.0, ("head",), np.ones(1)))
        qtbot.wait(20)
        assert status.step.text() == f"step {step:,}"
        for label in (status.step, status.loss, status.speed):
            assert label.width() >= label.sizeHint().width()  # the whole text shows
    assert (status.loss.text(), status.speed.text()) == ("loss 0.000", "59.0k tokens/s")
    assert sum(requests.values()) == 0


def test_the_end_of_a_run_shows_the_last_metrics_held_back(qtbot, status):
    status.metrics(step_metrics(10, 2.5))
    status.metrics(step_metrics(20, 1.25))
    status.run_ended("Finished at step 20")
    assert (status.step.text(), status.loss.text()) == ("step 20", "loss 1.250")
    assert status.progress.isHidden() and not status.holding_back  # no interval left to end
    status.interval_ended()
    assert status.step.text() == "step 20"  # nothing older arrives after the end


def test_the_speed_names_what_the_model_learns_from(qtbot, status):
    status.run_started(RunStarted("run-001", 0, 100, "cpu", "CPU", 10, "classifier", counts="items"))
    status.metrics(StepMetrics(5, 0.5, 1e-3, 2_400.0, 1.0, ("head",), np.ones(1)))
    assert status.speed.text() == "2.4k items/s"


def test_the_runs_last_validation_shows_its_batches_then_gives_the_bar_back(qtbot, status):
    status.run_started(RunStarted("run-001", 0, 100, "cpu", "CPU", 10, "model"))
    status.task_progress(TaskProgress("Validating on the whole validation split", 3, 40, unit="batches"))
    assert status.progress.format() == "Validating on the whole validation split: 3 of 40 batches"
    status.task_progress(TaskProgress("Validating on the whole validation split", 40, 40, unit="batches"))
    assert status.progress.isVisibleTo(status.bar) and status.progress.format() == "%v of 100 steps"
    assert status.progress.maximum() == 100

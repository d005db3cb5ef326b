"""The bridge: torch work on the worker thread, answers and events delivered on the GUI thread."""

import threading

import pytest
from PySide6.QtCore import QThread
from tiny import make_project

from workbench.engine.events import StepMetrics
from workbench.engine.training.callbacks import Callback
from workbench.ui.engine_bridge import EngineBridge


class RunEnded(Callback):
    """Tells, on the worker thread, that a run has ended: its events are all queued by then."""

    def __init__(self):
        self.event = threading.Event()

    def on_run_end(self, trainer, outcome):
        self.event.set()


@pytest.fixture
def bridge(qtbot):
    bridge = EngineBridge()
    yield bridge
    bridge.shutdown()  # a QThread destroyed while running aborts the process


def test_answers_come_back_on_the_gui_thread(qtbot, bridge):
    answers = []
    bridge.call(threading.get_ident, on_done=lambda worker_id: answers.append((worker_id, threading.get_ident())))
    qtbot.waitUntil(lambda: bool(answers), timeout=5000)
    worker_id, callback_thread = answers[0]
    assert worker_id != threading.get_ident() and callback_thread == threading.get_ident()
    errors = []
    bridge.call(lambda: 1 / 0, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], ZeroDivisionError)
    assert bridge.shutdown()


def test_a_run_streams_merged_metrics_and_ends(qtbot, bridge, text_corpus):
    ended = RunEnded()

    def install() -> None:
        bridge.worker.project = make_project(text_corpus)
        bridge.worker.callbacks = [ended]

    bridge.call(install).result(timeout=10)
    batches, states = [], []
    bridge.metrics_arrived.connect(batches.append)
    bridge.training_changed.connect(states.append)
    bridge.train(40)
    assert ended.event.wait(timeout=20)  # this thread did not drain meanwhile: the whole run's news is queued
    with qtbot.waitSignal(bridge.run_finished, timeout=5000) as finished:
        pass
    assert finished.args[0].step == 40 and finished.args[0].reason == "completed"
    steps = [event.step for batch in batches for event in batch]
    assert steps == list(range(1, 41))  # interval 0 in the tiny config: all arrive, in order
    assert all(isinstance(e, StepMetrics) for batch in batches for e in batch)
    assert len(batches) == 1  # the metrics of one drain were merged into one signal
    assert states == [True, False]
    assert bridge.shutdown()


def test_stop_and_shutdown_during_training(qtbot, bridge, text_corpus):
    bridge.call(lambda: setattr(bridge.worker, "project", make_project(text_corpus)))
    with qtbot.waitSignal(bridge.run_started, timeout=10_000):
        bridge.train(1_000_000)
    with qtbot.waitSignal(bridge.run_finished, timeout=10_000) as finished:
        bridge.stop()
    assert finished.args[0].reason == "stopped"
    bridge.train(1_000_000)
    assert bridge.shutdown(timeout_ms=10_000)
    assert not bridge.worker_thread_running
    assert QThread.currentThread() is bridge.thread()


def test_the_gui_thread_is_woken_only_when_the_worker_has_news(qtbot, bridge):
    """No polling: an idle window stays asleep (each wake-up takes the interpreter lock that
    training needs), and an answer is delivered by one drain."""
    qtbot.wait(0)  # whatever is pending on this thread runs
    assert bridge.drain_count == 0 and not bridge.drain_pending  # asleep until the worker has news
    answers = []
    bridge.call(lambda: 7, on_done=answers.append)
    qtbot.waitUntil(lambda: answers == [7], timeout=5000)
    qtbot.wait(0)
    assert answers == [7] and bridge.drain_count == 1 and not bridge.drain_pending


def test_a_failing_callback_does_not_hold_back_what_follows_it(qtbot, bridge):
    """An answer queued behind one whose callback raises comes at the next drain, at once, not
    whenever the worker next has news."""
    answers = []

    def fail(_):
        raise RuntimeError("a bug in a callback")

    with qtbot.capture_exceptions() as exceptions:
        bridge.call(lambda: 1, on_done=fail)
        bridge.call(lambda: 2, on_done=answers.append)
        # Served in order, each answer queued as its work ends: once a third is done, both are
        # queued, and this thread has not drained meanwhile.
        bridge.worker.submit(lambda: None).result(timeout=5)
        qtbot.waitUntil(lambda: answers == [2], timeout=5000)
    assert [str(error) for _, error, _ in exceptions] == ["a bug in a callback"]

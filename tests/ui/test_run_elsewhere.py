"""The window watching a run that other processes train: a terminal's ``workbench train`` found
training the file it opens (its lock held, its live events beside it), and Run ▸ Train on
several processes, a torchrun job the window starts. The views draw the run's events, editing is
locked while it lasts, Pause and Stop go through the control file, and when the file is free
the window opens its last save as its own again."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QInputDialog, QMessageBox
from tiny import make_project, write_text_corpus

from workbench.engine.events import RunFinished, RunPaused, RunStarted, StepMetrics
from workbench.engine.live.control_file import ControlFile, RunControl
from workbench.engine.live.event_log import EventWriter
from workbench.engine.live.paths import LivePaths
from workbench.engine.project.project import Project
from workbench.engine.project.project_lock import ProjectLock, held_by_a_writer
from workbench.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings, autosave_folder=tmp_path / "autosave")
    window.show()
    yield window
    window.files.changed = False
    window.document.undo_stack.setClean()
    window.close()


@pytest.fixture
def warnings(monkeypatch):
    shown = []
    for kind in ("warning", "critical"):
        monkeypatch.setattr(QMessageBox, kind, lambda parent, title, text, *rest: shown.append((title, text)))
    return shown


def metrics(step: int, loss: float) -> StepMetrics:
    return StepMetrics(step, loss, 1e-3, 900.0, 0.5, ("inputs", "encoder.l0", "head"), np.ones(3, np.float32))


def test_a_file_a_terminal_trains_is_watched_live_and_taken_back_when_free(window, qtbot, tmp_path, warnings):
    path = make_project(write_text_corpus(tmp_path), hidden=16).save(tmp_path / "p.h5")
    live = LivePaths.of(path)
    lock = ProjectLock.acquire(path, holder="workbench train p.h5")  # the terminal's run
    writer = EventWriter(live.events)
    writer(RunStarted("run-001", 0, 500, "cpu", "CPU (1 thread)", 1234, "LSTM 16", "tokens", processes=2))
    writer(metrics(1, 3.5))
    try:
        window.files.open(path)
        qtbot.waitUntil(lambda: window.remote.active, timeout=10_000)
        assert warnings == []  # no "Cannot open": the run is shown instead
        assert window.elsewhere_label.isVisible()
        assert "editing is locked" in window.elsewhere_label.text()
        assert not window.editor.isEnabled() and not window.save_action.isEnabled()
        assert not window.train_action.isEnabled() and window.stop_action.isEnabled()
        assert window.tabs.currentWidget() is window.dashboard  # the run is what there is to see
        qtbot.waitUntil(lambda: window.status.device.text() == "CPU (1 thread) × 2 processes", timeout=10_000)
        writer(metrics(2, 3.25))
        writer(metrics(3, 3.0))
        qtbot.waitUntil(lambda: len(window.dashboard.current_run.run.loss) >= 3, timeout=10_000)
        np.testing.assert_allclose(window.dashboard.current_run.run.loss.y[-3:], [3.5, 3.25, 3.0])
        window.pause_action.trigger()  # F6
        assert ControlFile(live.control).read() == RunControl(paused=True)
        writer(RunPaused(3, True))
        qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Paused at step 3"), timeout=10_000)
        window.stop_action.trigger()
        assert ControlFile(live.control).read() == RunControl(paused=False, stop=True)
        writer(RunPaused(3, False))
        writer(RunFinished(3, "stopped", 1.0))
        qtbot.waitUntil(lambda: not window.dashboard._training, timeout=10_000)
        assert window.remote.active  # told the end, but the terminal still holds the file (its last save)
    finally:
        writer.close()
        lock.release()
    qtbot.waitUntil(lambda: not window.remote.active, timeout=10_000)
    qtbot.waitUntil(lambda: held_by_a_writer(path), timeout=10_000)  # the window's own again
    assert window.editor.isEnabled() and window.save_action.isEnabled() and not window.elsewhere_label.isVisible()
    assert warnings == []


def test_a_terminal_run_that_dies_untold_is_said_so(window, qtbot, tmp_path, warnings):
    path = make_project(write_text_corpus(tmp_path), hidden=16).save(tmp_path / "p.h5")
    lock = ProjectLock.acquire(path, holder="workbench train p.h5")
    with EventWriter(LivePaths.of(path).events) as writer:
        writer(RunStarted("run-001", 0, 500, "cpu", "CPU", 1234, "LSTM 16", "tokens"))
    window.files.open(path)
    qtbot.waitUntil(lambda: window.remote.active, timeout=10_000)
    lock.release()  # as the OS does for a process killed with -9
    qtbot.waitUntil(lambda: bool(warnings), timeout=10_000)
    assert warnings[0] == ("Training in other processes", "the run in the other process ended without saying how")
    qtbot.waitUntil(lambda: held_by_a_writer(path), timeout=10_000)


@pytest.mark.slow
def test_train_on_several_processes_runs_torchrun_and_shows_its_run(window, qtbot, tmp_path, warnings, monkeypatch):
    path = make_project(write_text_corpus(tmp_path), hidden=16, batch_size=4).save(tmp_path / "p.h5")
    window.files.open(path)
    qtbot.waitUntil(lambda: window.files.has_project, timeout=10_000)
    window.steps.setValue(12)
    monkeypatch.setattr(QInputDialog, "getInt", lambda *args, **kwargs: (2, True))
    window.processes_action.trigger()
    qtbot.waitUntil(lambda: window.remote.active, timeout=10_000)
    assert "Training on 2 processes" in window.elsewhere_label.text()
    assert not held_by_a_writer(path) or window.remote.active  # the window let go of the file for rank 0
    qtbot.waitUntil(lambda: not window.remote.active, timeout=120_000)
    assert warnings == []
    qtbot.waitUntil(lambda: held_by_a_writer(path) and window.status.step.text() == "step 12", timeout=20_000)
    assert len(window.dashboard.current_run.run.loss) > 0
    assert Project.open(path).step == 12 and Project.open(path).history.meta["processes"] == 2
    assert not LivePaths.of(path).events.exists()

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


def started(device_name: str = "CPU", processes: int = 1) -> RunStarted:
    return RunStarted("run-001", 0, 500, "cpu", device_name, 1234, "LSTM 16", "tokens", processes=processes)


def metrics(step: int, loss: float) -> StepMetrics:
    return StepMetrics(step, loss, 1e-3, 900.0, 0.5, ("inputs", "encoder.l0", "head"), np.ones(3, np.float32))


def test_a_file_a_terminal_trains_is_watched_live_and_taken_back_when_free(window, qtbot, tmp_path, warnings):
    path = make_project(write_text_corpus(tmp_path), hidden=16).save(tmp_path / "p.h5")
    live = LivePaths.of(path)
    lock = ProjectLock.acquire(path, holder="workbench train p.h5")  # the terminal's run
    writer = EventWriter(live.events)
    writer(started("CPU (1 thread)", processes=2))
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
        writer(started())
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


@pytest.mark.slow
@pytest.mark.parametrize("when", ["training", "starting"])
def test_closing_the_window_stops_its_job_and_keeps_the_last_save(qtbot, tmp_path, warnings, monkeypatch, when):
    path = make_project(write_text_corpus(tmp_path), hidden=16, batch_size=4).save(tmp_path / "p.h5")
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings, autosave_folder=tmp_path / "autosave")
    window.show()
    window.files.open(path)
    qtbot.waitUntil(lambda: window.files.has_project, timeout=10_000)
    window.steps.setValue(1_000_000)
    monkeypatch.setattr(QInputDialog, "getInt", lambda *args, **kwargs: (2, True))
    window.processes_action.trigger()
    qtbot.waitUntil(lambda: window.remote.active, timeout=10_000)
    if when == "training":
        qtbot.waitUntil(lambda: len(window.dashboard.current_run.run.loss) > 2, timeout=120_000)
    # else closed while torchrun starts: the stop is asked again once its run has begun
    job = window.remote.job
    window.close()  # stops the job at its next step and waits for its save
    assert job.state() == job.ProcessState.NotRunning and job.exitCode() == 0
    saved = Project.open(path)
    assert saved.step > 0 and saved.history.meta["processes"] == 2
    assert not held_by_a_writer(path) and not LivePaths.of(path).events.exists()
    assert warnings == []


def test_an_event_file_a_killed_run_left_is_not_taken_for_a_live_run(window, qtbot, tmp_path, warnings):
    path = make_project(write_text_corpus(tmp_path), hidden=16).save(tmp_path / "p.h5")
    with EventWriter(LivePaths.of(path).events) as writer:  # kill -9: the file stays, the lock goes
        writer(started())
    window.files.open(path)
    qtbot.waitUntil(lambda: window.files.has_project, timeout=10_000)
    assert not window.remote.active and not LivePaths.of(path).events.exists()  # the writer cleared it


def watched(window, qtbot, path, *events):
    """The window watching ``path``, which a terminal's run (its lock, returned) trains with ``events`` told."""
    lock = ProjectLock.acquire(path, holder="workbench train p.h5")
    with EventWriter(LivePaths.of(path).events) as writer:
        for event in events:
            writer(event)
    window.files.open(path)
    qtbot.waitUntil(lambda: window.remote.active, timeout=10_000)
    return lock


def test_a_run_found_paused_shows_paused_and_f6_resumes_it(window, qtbot, tmp_path, warnings):
    path = make_project(write_text_corpus(tmp_path), hidden=16).save(tmp_path / "p.h5")
    lock = watched(window, qtbot, path, started(), metrics(1, 3.0), RunPaused(1, True))
    try:
        qtbot.waitUntil(lambda: window.pause_action.isChecked(), timeout=10_000)
        window.pause_action.trigger()  # one press: go on
        assert ControlFile(LivePaths.of(path).control).read() == RunControl(paused=False)
    finally:
        lock.release()


def test_opening_another_project_leaves_the_run_and_unlocks_the_window(window, qtbot, tmp_path, warnings):
    path = make_project(write_text_corpus(tmp_path), hidden=16).save(tmp_path / "p.h5")
    (tmp_path / "other").mkdir()
    other = make_project(write_text_corpus(tmp_path / "other"), hidden=8).save(tmp_path / "other.h5")
    lock = watched(window, qtbot, path, started())
    try:
        window.files.open(other)
        qtbot.waitUntil(lambda: window.files.path == other, timeout=10_000)
        assert not window.remote.active and window.editor.isEnabled() and not window.elsewhere_label.isVisible()
        assert window.train_action.isEnabled() and held_by_a_writer(path)  # the terminal's run goes on
    finally:
        lock.release()


def test_an_unreadable_event_file_is_said_once_when_the_run_lets_go(window, qtbot, tmp_path, warnings):
    path = make_project(write_text_corpus(tmp_path), hidden=16).save(tmp_path / "p.h5")
    lock = watched(window, qtbot, path, started())
    with open(LivePaths.of(path).events, "ab") as file:
        file.write(b"\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00{garbage")
    qtbot.wait(600)  # several polls: the window goes on watching, saying nothing yet
    assert window.remote.active and warnings == []
    lock.release()
    qtbot.waitUntil(lambda: bool(warnings), timeout=10_000)
    qtbot.waitUntil(lambda: held_by_a_writer(path), timeout=10_000)  # opened as the window's own again
    assert len(warnings) == 1 and "could not be read" in warnings[0][1] and "not JSON" in warnings[0][1]

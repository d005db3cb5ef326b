"""The window as a project's writer: it holds the lock of the file it has open, a file another
process writes is refused with a dialog naming it, and any failure to open ends in a dialog."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QMessageBox
from tiny import make_project

from workbench.engine.project.project_lock import ProjectLock, ProjectLocked
from workbench.ui import tasks
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
def saved(tmp_path, text_corpus):
    return make_project(text_corpus, hidden=16).save(tmp_path / "p.h5")


@pytest.fixture
def dialogs(monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *rest: shown.append((title, text)))
    return shown


def test_a_file_another_process_writes_is_refused_naming_it(window, qtbot, saved, dialogs):
    with ProjectLock.acquire(saved, holder="workbench train p.h5"):
        window.files.open(saved)
        qtbot.waitUntil(lambda: bool(dialogs), timeout=10_000)
    title, text = dialogs[0]
    assert title == "Cannot open"
    assert f"p.h5 is being written by process {os.getpid()} (workbench train p.h5)" in text
    assert not window.files.has_project


def test_the_window_holds_the_lock_of_its_file_until_it_closes(window, qtbot, saved, tmp_path, dialogs, monkeypatch):
    window.files.open(saved)
    qtbot.waitUntil(lambda: window.files.has_project, timeout=10_000)
    with pytest.raises(ProjectLocked):
        ProjectLock.acquire(saved)
    window.statusBar().clearMessage()
    window.files.open(saved)  # its own file again: no refusal by its own lock
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == "Opened p.h5", timeout=10_000)
    moved = tmp_path / "moved.h5"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(moved), ""))  # the user chooses moved.h5
    assert window.files.save_as()  # the lock moves with the file
    ProjectLock.acquire(saved).release()
    with pytest.raises(ProjectLocked):
        ProjectLock.acquire(moved)
    window.close()
    ProjectLock.acquire(moved).release()
    assert not dialogs


def test_an_unexpected_error_while_opening_shows_a_dialog(window, qtbot, saved, dialogs, monkeypatch, capsys):
    def broken(worker, path):
        raise RuntimeError("the disk said no")

    monkeypatch.setattr(tasks, "open_project", broken)
    window.files.open(saved)
    qtbot.waitUntil(lambda: bool(dialogs), timeout=10_000)
    assert dialogs[0] == ("Cannot open", "p.h5 could not be opened: RuntimeError: the disk said no")
    assert "Traceback" in capsys.readouterr().err  # for the log, not for the user


def test_a_project_in_a_folder_that_takes_no_lock_still_opens_to_be_looked_at(
    window, qtbot, saved, dialogs, monkeypatch
):
    """A shared read-only folder: nobody can write there, so the window shows the project unlocked
    (tests run as root, for whom no folder is read-only: the refusal is made to happen)."""
    from workbench.engine.project.project_lock import ProjectNotWritable

    def refuse(path, holder=None):
        raise ProjectNotWritable(f"cannot lock {path} for writing: Read-only file system")

    monkeypatch.setattr(ProjectLock, "acquire", refuse)
    window.files.open(saved)
    qtbot.waitUntil(lambda: window.files.has_project, timeout=10_000)
    assert not dialogs and window.windowTitle().startswith("p.h5")


def test_reopening_its_own_file_that_fails_keeps_the_lock(window, qtbot, saved, dialogs):
    """The window's file, damaged behind its back and opened again: the dialog says so, and the
    window is still the file's writer (another is refused), with its project as it was."""
    window.files.open(saved)
    qtbot.waitUntil(lambda: window.files.has_project, timeout=10_000)
    saved.write_bytes(saved.read_bytes()[:2000])  # cut short, as by a broken copy
    window.files.open(saved)
    qtbot.waitUntil(lambda: bool(dialogs), timeout=10_000)
    assert "is truncated" in dialogs[0][1] or "damaged" in dialogs[0][1]
    with pytest.raises(ProjectLocked):
        ProjectLock.acquire(saved)

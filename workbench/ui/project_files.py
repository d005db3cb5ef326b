"""Opening, creating, saving and autosaving the window's project.

The engine worker does the file work; a project is replaced only when the new one has loaded,
so a file that cannot be opened leaves the open project as it was. Saving waits for the worker
(a step is milliseconds): the caller must know whether it worked before closing a window.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QTimer
from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton

from ..engine.common.errors import DataError, WorkbenchError
from ..engine.data import DEMOS
from ..engine.data.demos import suggested_steps
from ..engine.data.series import survey_series_csv
from ..engine.data.series_file import SeriesSurvey
from ..engine.data.text_chunks import ReadingCancelled
from ..engine.live.paths import LivePaths
from ..engine.project.project_lock import ProjectLocked
from ..engine.project.snapshot import ProjectSnapshot
from . import tasks
from .autosave import AutosaveStore
from .column_dialog import ColumnDialog, SeriesColumnsDialog

PROJECT_FILTER = "Sequence Workbench projects (*.h5);;All files (*)"
AUTOSAVE_INTERVAL_MS = 120_000
RECENT_LIMIT = 8
SAVE_TIMEOUT_S = 300


def default_autosave_folder() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base) / "autosave"


class ProjectFiles(QObject):
    def __init__(self, window, autosave_folder: Path | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.bridge = window.bridge
        self.path: Path | None = None
        self.has_project = False
        self.changed = False  # trained or rebuilt since the last save (edits: the undo stack)
        self.recovered = False
        self.autosave = AutosaveStore(autosave_folder or default_autosave_folder())
        self._autosaving = False
        self._timer = QTimer(self)
        self._timer.setInterval(AUTOSAVE_INTERVAL_MS)
        self._timer.timeout.connect(self.autosave_now)
        self._timer.start()
        # Reading a text (a gigabyte takes a minute) can be stopped: the worker asks the event.
        self._reading_stopped = threading.Event()
        self.cancel_reading = QPushButton("Cancel")
        self.cancel_reading.setToolTip("Stop reading the file; nothing of it is kept")
        self.cancel_reading.clicked.connect(self._reading_stopped.set)
        self.cancel_reading.hide()
        window.statusBar().addPermanentWidget(self.cancel_reading)

    @property
    def display_name(self) -> str:
        if self.path is not None:
            return self.path.name
        return "Recovered project" if self.recovered else "Untitled"

    @property
    def unsaved(self) -> bool:
        return self.has_project and (self.changed or not self.window.document.undo_stack.isClean())

    def mark_changed(self) -> None:
        self.changed = True
        self.window._update_title()

    # -- loading --------------------------------------------------------------------------

    def new_from_demo(self, name: str) -> None:
        if self.confirm_discard("starting a new project"):
            self.load(partial(tasks.new_from_demo, self.bridge.worker, name), None, DEMOS[name].steps)

    def new_from_file(
        self,
        path: Path,
        kind: str,
        level: str = "char",
        columns: tuple[str, ...] | None = None,
        series_options: dict | None = None,
        seq_len: int | None = None,
    ) -> None:
        """A new project on the user's file; a table first asks which columns are text and label,
        a series how to read it (``series_options``: ``load_series_csv``'s keywords) and the
        sequence length, which must fit the series' validation part."""
        path = Path(path)
        if kind == "table" and columns is None:
            self.bridge.call(
                partial(tasks.table_choices, path),
                partial(self._ask_columns, path, level),
                partial(self._load_failed, name=path.name),
            )
            return
        if kind == "series" and columns is None:
            self.bridge.call(
                partial(survey_series_csv, path),
                partial(self._ask_series_options, path),
                partial(self._load_failed, name=path.name),
            )
            return
        if not self.confirm_discard("starting a new project"):
            return
        work = partial(tasks.new_from_file, self.bridge.worker, path, kind, level, columns)
        if kind == "series":
            work = partial(work, series_options=series_options or {}, seq_len=seq_len)
        if kind in ("text", "lines"):  # read in pieces: they can be stopped
            self._reading_stopped.clear()
            work = partial(work, should_stop=self._reading_stopped.is_set)
            self.cancel_reading.show()
        self.load(work, None, 1000)

    def _ask_series_options(self, path: Path, survey: SeriesSurvey) -> None:
        if not survey.numeric:
            self._load_failed(
                DataError(f"{path}: no column holds numbers; the columns are {', '.join(survey.header)}.")
            )
            return
        dialog = SeriesColumnsDialog(path.name, survey, parent=self.window)
        if dialog.exec() == SeriesColumnsDialog.DialogCode.Accepted:
            self.new_from_file(
                path, "series", "char", dialog.columns(), dialog.series_options(), dialog.chosen_seq_len()
            )

    def _ask_columns(self, path: Path, level: str, choices: tuple[list[str], tuple[str, str]]) -> None:
        header, guess = choices
        dialog = ColumnDialog(path.name, header, self.window, guess)
        if dialog.exec() == ColumnDialog.DialogCode.Accepted:
            self.new_from_file(path, "table", level, dialog.columns())

    def new_lab_task(self, kind: str, lag: int, symbols: int) -> None:
        if self.confirm_discard("starting a new project"):
            self.load(partial(tasks.new_lab_task, self.bridge.worker, kind, lag, symbols), None, DEMOS[kind].steps)

    def open(self, path: Path | None = None) -> None:
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(self.window, "Open project", self._folder(), PROJECT_FILTER)
            if not chosen:
                return
            path = Path(chosen)
        if self.confirm_discard("opening another project"):
            self.load(partial(tasks.open_project, self.bridge.worker, Path(path)), Path(path))

    def recover(self, autosave_path: Path) -> None:
        """Open an autosave as an untitled project: Save then asks where it belongs."""
        self.load(partial(tasks.open_project, self.bridge.worker, autosave_path), None, recovered=True)

    def load(
        self,
        work,
        path: Path | None,
        steps: int | None = None,
        recovered: bool = False,
        then: Callable[[ProjectSnapshot], None] | None = None,
    ) -> None:
        """Replace the open project by what ``work`` opens, once it has; ``then(snapshot)`` after."""
        remote = self.window.remote
        if self.bridge.training or remote.started_here:
            QMessageBox.information(self.window, "Training", "Stop training before opening another project.")
            return
        self.window.stop_watching()  # a terminal's run goes on, unwatched
        self.window.statusBar().showMessage("Loading…")

        def loaded(snapshot: ProjectSnapshot) -> None:
            self.cancel_reading.hide()
            self.window.status.task_ended()
            self.autosave.discard(self.path)
            self.path, self.has_project, self.changed, self.recovered = path, True, False, recovered
            self.window.show_project(snapshot)
            self.window.set_suggested_steps(steps or suggested_steps(snapshot.data_description))
            self.window.statusBar().showMessage(f"Opened {self.display_name}", 5000)
            if path is not None:
                self._remember(path)
            if then is not None:
                then(snapshot)

        failed = partial(self._load_failed, name=path.name if path else "The project", path=path)
        self.bridge.call(work, loaded, failed)

    def _load_failed(self, error: BaseException, name: str = "The project", path: Path | None = None) -> None:
        """Any error ends in the dialog: a user error says what is wrong itself; anything else
        (a bug) is named by its type, its traceback going to stderr. A file another process is
        training (its lock held, its live events beside it) is opened to watch that run instead."""
        self.window.statusBar().clearMessage()
        self.window.status.task_ended()
        self.cancel_reading.hide()
        if isinstance(error, ProjectLocked) and path is not None and LivePaths.of(path).events.exists():
            watch = partial(tasks.watch_project, self.bridge.worker, path)
            self.load(watch, path, then=lambda _: self.window.watch_run_elsewhere(path))
            return
        if isinstance(error, ReadingCancelled):  # the user's own choice: no dialog
            self.window.statusBar().showMessage(str(error), 5000)
            return
        if isinstance(error, WorkbenchError):
            QMessageBox.critical(self.window, "Cannot open", str(error))
            return
        traceback.print_exception(error)
        QMessageBox.critical(self.window, "Cannot open", f"{name} could not be opened: {type(error).__name__}: {error}")

    # -- saving --------------------------------------------------------------------------

    def save(self) -> bool:
        return self.save_to(self.path) if self.path is not None else self.save_as()

    def save_as(self) -> bool:
        suggestion = str(self.path) if self.path else str(Path(self._folder()) / "project.h5")
        chosen, _ = QFileDialog.getSaveFileName(self.window, "Save project", suggestion, PROJECT_FILTER)
        if not chosen:
            return False
        path = Path(chosen) if chosen.endswith(".h5") else Path(chosen + ".h5")
        return self.save_to(path)

    def save_to(self, path: Path) -> bool:
        if not self.has_project:
            return False
        document = self.window.document
        work = partial(tasks.save_project_with_spec, self.bridge.worker, path, document.spec)
        try:
            saved, rebuilt = self.bridge.worker.submit(work).result(timeout=SAVE_TIMEOUT_S)
        except WorkbenchError as error:
            QMessageBox.critical(self.window, "Cannot save", str(error))
            return False
        if rebuilt is not None:  # the canvas held an edited model: it is the project's now
            self.window.show_project(rebuilt)
        self.autosave.discard(self.path)
        self.path, self.changed, self.recovered = saved, False, False
        document.undo_stack.setClean()
        self._remember(saved)
        self.window._update_title()
        self.window.statusBar().showMessage(f"Saved {saved}", 5000)
        return True

    def confirm_discard(self, doing: str) -> bool:
        """Ask to save unsaved work first; False when the user cancels."""
        if self.bridge.training:
            self._stop_training()
        if not self.unsaved:
            return True
        answer = QMessageBox.question(
            self.window,
            "Unsaved changes",
            f"Save the changes to {self.display_name} before {doing}?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def _stop_training(self) -> None:
        """Stop the run and wait for it to end between two steps (milliseconds)."""
        self.bridge.stop()
        deadline = time.monotonic() + SAVE_TIMEOUT_S
        while self.bridge.worker.training and time.monotonic() < deadline:
            time.sleep(0.01)
        self.bridge.drain()

    # -- autosave -------------------------------------------------------------------------

    def autosave_now(self) -> None:
        if not self.unsaved or self._autosaving:
            return
        self.autosave.prepare()
        self._autosaving = True
        target = self.autosave.path_for(self.path)

        def done(_) -> None:
            self._autosaving = False
            self.window.statusBar().showMessage(f"Autosaved at {datetime.now():%H:%M}", 3000)

        def failed(error: BaseException) -> None:
            self._autosaving = False
            self.window.statusBar().showMessage(f"Autosave failed: {error}", 10_000)

        self.bridge.call(partial(tasks.save_copy, self.bridge.worker, target), done, failed)

    def offer_recovery(self) -> bool:
        """At start-up: offer the newest autosave a crashed session left behind; True if taken."""
        leftovers = self.autosave.leftovers()
        if not leftovers:
            return False
        newest = leftovers[0]
        when = datetime.fromtimestamp(newest.stat().st_mtime)
        answer = QMessageBox.question(
            self.window,
            "Recover unsaved work",
            f"Sequence Workbench did not close normally. Recover the work autosaved at {when:%H:%M on %d %b}?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.recover(newest)
            return True
        for path in leftovers:
            path.unlink(missing_ok=True)
        return False

    def close(self) -> None:
        """The window closes normally: its autosave is no longer needed, and its project lets
        its file go (the worker does that before it ends)."""
        self._timer.stop()
        self.bridge.worker.submit(partial(tasks.close_project, self.bridge.worker))
        self.autosave.discard(self.path)
        if self.recovered:
            for path in self.autosave.leftovers():
                path.unlink(missing_ok=True)

    # -- recent files ---------------------------------------------------------------------

    def recent(self) -> list[Path]:
        stored = self.window.settings.value("recent_files", []) or []
        if isinstance(stored, str):
            stored = [stored]
        return [Path(item) for item in stored if Path(item).exists()]

    def _remember(self, path: Path) -> None:
        paths = [str(path.resolve())] + [str(p) for p in self.recent() if p.resolve() != path.resolve()]
        self.window.settings.setValue("recent_files", paths[:RECENT_LIMIT])

    def _folder(self) -> str:
        recent = self.recent()
        return str(recent[0].parent) if recent else str(Path.home())

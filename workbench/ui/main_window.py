"""The main window: lays out the views, owns the actions, and routes engine events to views.

Every torch call goes to the engine worker through ``EngineBridge.call``; answers and events
come back on this thread. File handling (open, save, autosave) lives in ``ProjectFiles``, the
views' questions for the model (samples, results, handwriting) in ``ViewRequests``.
"""

from __future__ import annotations

import sys
import time
from contextlib import suppress
from functools import partial
from pathlib import Path

from PySide6.QtCore import QProcess, QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QDockWidget, QInputDialog, QLabel, QMainWindow, QMessageBox, QSpinBox, QTabWidget

from ..engine.common.errors import WorkbenchError
from ..engine.data import DEFAULT_DEMO, DEMOS
from ..engine.events import RunFailed, RunFinished, RunPaused, RunStarted, StepMetrics
from ..engine.project.snapshot import ProjectSnapshot
from ..engine.spec import ModelSpec
from ..engine.training.config import TrainConfig
from ..engine.training.run_end import PATIENCE, TIME_LIMIT
from . import tasks, theme
from .canvas import ArchitectureEditor
from .cell_comparison import CellComparison
from .dashboard import Dashboard
from .data_panel import DataPanel
from .document import SpecDocument
from .engine_bridge import EngineBridge
from .event_signals import EventSignals
from .export_dialog import ExportDialog
from .handwriting.panel import HandwritingPanel
from .internals import InternalsPanel
from .lab_dialog import LabTaskDialog
from .model_tabs import HANDWRITING_KINDS, elsewhere, results_kind
from .project_files import ProjectFiles
from .remote_run import RemoteRun
from .results import ResultsPanel
from .runs_table import runs_table_rows
from .samples import SamplesPanel
from .status import TrainingStatus
from .training_settings import TrainingSettingsDialog
from .view_requests import ViewRequests

APP_NAME = "Sequence Workbench"
JOB_STOP_TIMEOUT_S = 120  # closing the window waits this long for a torchrun job to stop and save
# How the status bar tells a run's end ("Finished at step 1,200 after 30 s"); a stop asked for is "Stopped".
RUN_END_WORDS = {
    "completed": "Finished",
    PATIENCE: "Stopped early (no better validation loss)",
    TIME_LIMIT: "Stopped at its time limit",
}


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None, autosave_folder: Path | None = None) -> None:
        super().__init__()
        self.settings = settings or QSettings("SequenceWorkbench", APP_NAME)
        self.bridge = EngineBridge(self)
        self.remote = RemoteRun(self)  # a run another process trains: a torchrun job, a terminal's train
        self.document = SpecDocument(ModelSpec(), self)
        self.trained_spec: ModelSpec | None = None
        self.config: TrainConfig | None = None  # the project's training settings, as last shown
        self.files = ProjectFiles(self, autosave_folder)
        self._build_views()
        self.requests = ViewRequests(self)
        self._build_actions()
        self._build_menus_and_toolbar()
        self._connect_engine()
        self.comparison = CellComparison(self)  # after the window's own run handlers: they run first
        self._restore_layout()
        self._update_actions()

    # -- layout ----------------------------------------------------------------------------

    def _build_views(self) -> None:
        self.editor = ArchitectureEditor(self.document)
        self.dashboard = Dashboard()
        self.internals = InternalsPanel()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.editor, "Model")
        self.tabs.addTab(self.dashboard, "Training")
        self.tabs.addTab(self.internals, "Inside")
        self.results = ResultsPanel()
        self.tabs.addTab(self.results, "Results")
        self.handwriting = HandwritingPanel()
        self.tabs.addTab(self.handwriting, "Handwriting")
        self.setCentralWidget(self.tabs)
        self.data_panel = DataPanel()
        self.samples = SamplesPanel()
        self.data_dock = self._dock("Data", self.data_panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.samples_dock = self._dock("Samples", self.samples, Qt.DockWidgetArea.RightDockWidgetArea)
        # The Samples dock follows the model (shown for one that writes text, else its room goes to
        # the views: a translator's diagram is wide) until the user shows or hides it by hand.
        self._samples_dock_by_hand = self.settings.value("window/samples_dock_by_hand", False, type=bool)
        self.samples_dock.toggleViewAction().triggered.connect(self._samples_dock_chosen)
        self.status = TrainingStatus(self.statusBar())
        self.elsewhere_label = QLabel()
        self.elsewhere_label.setStyleSheet(f"color: {theme.PROBLEM}; padding-right: 8px;")
        self.elsewhere_label.hide()
        self.statusBar().addPermanentWidget(self.elsewhere_label)
        self.document.spec_changed.connect(lambda _: self._update_actions())
        self.document.undo_stack.cleanChanged.connect(lambda _: self._update_title())
        self.data_panel.demo_requested.connect(self.files.new_from_demo)
        self.data_panel.file_requested.connect(self.files.new_from_file)

    def _samples_dock_chosen(self) -> None:
        self._samples_dock_by_hand = True
        self.settings.setValue("window/samples_dock_by_hand", True)

    def _dock(self, title: str, widget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{title.lower()}-dock")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_actions(self) -> None:
        def action(text, slot, shortcut=None, tip=None) -> QAction:
            made = QAction(text, self)
            if shortcut:
                made.setShortcut(QKeySequence(shortcut))
            made.setStatusTip(tip or text)
            made.triggered.connect(slot)
            return made

        self.open_action = action("&Open…", self.files.open, QKeySequence.StandardKey.Open)
        self.save_action = action("&Save", self.files.save, QKeySequence.StandardKey.Save)
        self.save_as_action = action("Save &As…", self.files.save_as, QKeySequence.StandardKey.SaveAs)
        self.export_action = action(
            "&Export…", self.export, "Ctrl+E", "Write the trained model for other tools, checked (Ctrl+E)"
        )
        self.quit_action = action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.undo_action = self.document.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.document.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        self.train_action = action("&Train", self.train, "F5", "Train the model (F5)")
        self.pause_action = action("&Pause", self.toggle_pause, "F6", "Pause or resume training (F6)")
        self.pause_action.setCheckable(True)
        self.stop_action = action("S&top", self.stop_training, "Shift+F5", "Stop training (Shift+F5)")
        self.processes_action = action(
            "Train on several &processes…",
            self.train_on_processes,
            "Ctrl+F5",
            "Train the saved project with several processes (GPUs, or CPU cores) under torchrun (Ctrl+F5)",
        )
        self.reset_action = action("&Reset weights", self.reset_weights, None, "Start a new run from fresh weights")
        self.settings_action = action(
            "Training &settings…",
            lambda: self.edit_training_settings(),
            "Ctrl+T",
            "Optimizer, learning rate, gradient clipping, batch size (Ctrl+T)",
        )
        self.compare_action = action(
            "&Compare RNN, LSTM and GRU",
            self.compare_cells,
            "Ctrl+Shift+T",
            "Train the model with each cell in turn, one run each, and overlay their curves",
        )
        self.steps = QSpinBox()
        self.steps.setRange(1, 10_000_000)
        self.steps.setSingleStep(500)
        self.steps.setValue(DEMOS[DEFAULT_DEMO].steps)
        self.steps.setSuffix(" steps")
        self.steps.setToolTip("How many steps Train runs")

    def _build_menus_and_toolbar(self) -> None:
        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        demos = file_menu.addMenu("&New from demo")
        for name, demo in DEMOS.items():
            demos.addAction(demo.title, partial(self.files.new_from_demo, name))
        file_menu.addAction("New &long-range task…", self.new_lab_task)
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        file_menu.addActions([self.save_action, self.save_as_action, self.export_action])
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = menus.addMenu("&Edit")
        edit_menu.addActions([self.undo_action, self.redo_action])
        run_menu = menus.addMenu("&Run")
        run_menu.addActions([self.train_action, self.pause_action, self.stop_action])
        run_menu.addAction(self.processes_action)
        run_menu.addSeparator()
        run_menu.addActions([self.compare_action, self.reset_action])
        run_menu.addSeparator()
        run_menu.addAction(self.settings_action)
        view_menu = menus.addMenu("&View")
        view_menu.addActions([self.data_dock.toggleViewAction(), self.samples_dock.toggleViewAction()])
        help_menu = menus.addMenu("&Help")
        help_menu.addAction("&About Sequence Workbench", self._about)
        toolbar = self.addToolBar("Run")
        toolbar.setObjectName("run-toolbar")
        toolbar.addActions([self.train_action, self.pause_action, self.stop_action])
        toolbar.addWidget(self.steps)
        toolbar.addSeparator()
        toolbar.addActions([self.settings_action, self.reset_action])
        toolbar.addSeparator()
        toolbar.addActions([self.undo_action, self.redo_action])
        self.problem_label = QLabel()
        self.problem_label.setStyleSheet(f"color: {theme.PROBLEM}; padding-left: 12px;")
        toolbar.addWidget(self.problem_label)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self.files.recent():
            self.recent_menu.addAction(str(path), partial(self.files.open, path))
        self.recent_menu.setEnabled(bool(self.files.recent()))

    def _restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 860)
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        else:  # first start: the side panels take what they need, the views the rest
            self.resizeDocks([self.data_dock, self.samples_dock], [290, 340], Qt.Orientation.Horizontal)

    # -- engine events -> views ---------------------------------------------------------------

    def _connect_engine(self) -> None:
        for source in (self.bridge, self.remote):
            self._connect_run_events(source)
        self.remote.ended.connect(self._on_remote_run_ended)

    def _connect_run_events(self, source: EventSignals) -> None:
        """The views draw a run's events alike, whether this window trains it or another process."""
        source.run_started.connect(self._on_run_started)
        source.metrics_arrived.connect(self._on_metrics_arrived)
        source.validation_arrived.connect(self.dashboard.add_validation)
        source.validation_arrived.connect(self.results.add_validation)
        source.probe_arrived.connect(self.internals.add_snapshot)
        source.sample_arrived.connect(self.samples.add_sample)
        source.run_finished.connect(self._on_run_finished)
        source.run_failed.connect(self._on_run_failed)
        source.pause_changed.connect(self._on_pause_changed)
        source.training_changed.connect(lambda _: self._update_actions())
        source.progress_arrived.connect(self.status.task_progress)

    @property
    def training(self) -> bool:
        """Whether a run is under way: this window's, or one it watches in other processes."""
        return self.bridge.training or self.remote.active

    def _on_run_started(self, event: RunStarted) -> None:
        if not self.remote.active:  # a run elsewhere saves its own file
            self.files.mark_changed()
        self.dashboard.start_run(event)
        self.status.run_started(event)

    def _on_metrics_arrived(self, events: list[StepMetrics]) -> None:
        self.dashboard.add_metrics(events)
        self.status.metrics(events[-1])

    def _on_run_finished(self, event: RunFinished) -> None:
        self.pause_action.setChecked(False)
        self.dashboard.end_run()
        verb = RUN_END_WORDS.get(event.reason, "Stopped")
        kept = f" · best weights of step {event.kept_step:,} kept" if event.kept_step is not None else ""
        self.status.run_ended(f"{verb} at step {event.step:,} after {event.elapsed_s:.0f} s{kept}")
        self.status.show_step(event.step)  # metrics are throttled: the last may be a step behind
        if not self.remote.active:  # a run elsewhere is scored once its file is opened again
            self._refresh_runs_table()
            self.results.score_after_run()

    def _on_pause_changed(self, event: RunPaused) -> None:
        self.pause_action.setChecked(event.paused)  # a run found paused elsewhere shows so (no trigger)
        if event.paused:
            self.statusBar().showMessage(f"Paused at step {event.step:,} — press F6 to go on")
        elif self.statusBar().currentMessage().startswith("Paused"):  # not "Stopping…"
            self.statusBar().clearMessage()

    def _on_run_failed(self, event: RunFailed) -> None:
        self.pause_action.setChecked(False)
        self.dashboard.end_run()
        self.status.run_ended("Training failed")
        self.status.show_step(event.step)  # a diverged run went back to its last sound step
        if self.remote.active:  # the window shows its file when the processes have let it go
            QMessageBox.warning(self, "Training failed", event.reason)
            return
        self.bridge.call(partial(tasks.runs_of, self.bridge.worker), self.dashboard.load_runs, self.show_error)
        self.bridge.call(partial(tasks.kept_best, self.bridge.worker), self.dashboard.show_best, self.show_error)
        self._refresh_runs_table()
        if self.comparison.running:  # the comparison goes on with the next cell
            self.statusBar().showMessage(f"This run failed: {event.reason}", 15_000)
            return
        QMessageBox.warning(self, "Training failed", event.reason)

    def _refresh_runs_table(self) -> None:
        """The Training tab's runs table, made anew by the worker as ``workbench runs`` makes it."""
        show = self.dashboard.show_run_rows
        self.bridge.call(partial(runs_table_rows, self.bridge.worker), lambda table: show(*table), self.show_error)

    # -- a project arrives --------------------------------------------------------------------

    def show_project(self, snapshot: ProjectSnapshot) -> None:
        """Show a project that was just opened, created or rebuilt."""
        self.trained_spec = snapshot.spec
        self.config = snapshot.config
        self.document.alphabet_size = int(snapshot.data_stats.get("vocab_size", 0))
        if snapshot.spec != self.document.spec:
            self.document.reset(snapshot.spec)
        self.dashboard.set_loss_per(snapshot.spec.loss_per)
        self.dashboard.load_runs(snapshot.runs, snapshot.best)
        self._refresh_runs_table()
        self.internals.clear()
        if snapshot.config.probe_every:
            self.internals.prepare(snapshot.spec)
        if snapshot.latest_probe is not None:
            self.internals.load_snapshots([snapshot.latest_probe])
        self.samples.load_samples(snapshot.samples)
        self.requests.weights.show_best(snapshot.best)
        self.handwriting.set_model_kind(HANDWRITING_KINDS.get(snapshot.spec.template))
        kind = results_kind(snapshot.spec, snapshot.data_description.get("kind"))
        self.samples.set_model_writes(snapshot.spec.generates_text, elsewhere(kind, snapshot.spec))
        if not self._samples_dock_by_hand:
            self.samples_dock.setVisible(snapshot.spec.generates_text)
        self.results.clear()  # a new project, model or run: what was shown was another model's
        self.results.set_task(
            kind, tuple(snapshot.data_description.get("label_names", ())), snapshot.data_stats.get("majority_share")
        )
        if kind == "forecasting":
            self.results.set_series(tuple(snapshot.data_stats["columns"]), snapshot.data_stats["val_steps"])
        if kind == "captioning":
            self.results.set_scenes(snapshot.data_stats["val_pictures"])
        if kind in ("classification", "tagging", "translation", "captioning"):
            self.bridge.call(partial(tasks.baselines, self.bridge.worker), self.results.set_baselines, self.show_error)
        self.dashboard.set_baselines([])
        if snapshot.spec.generates_text and snapshot.data_description.get("kind") in ("stream", "lines"):
            self.bridge.call(partial(tasks.baselines, self.bridge.worker), self._show_loss_baseline, self.show_error)
        if kind in ("classification", "tagging") and snapshot.step > 0:  # scores of a trained model, at once
            self.bridge.call(partial(tasks.evaluate, self.bridge.worker), self.results.add_validation, self.show_error)
        self.data_panel.show_project(snapshot)
        self.status.show_step(snapshot.step)
        self._update_title()
        self._update_actions()

    def _show_loss_baseline(self, baselines) -> None:
        """What counting alone achieves on a language model's data (its n-gram and unigram
        models), across the Training tab's loss plot."""
        self.dashboard.set_baselines([(baseline.name, baseline.value) for baseline in baselines])

    def set_suggested_steps(self, steps: int) -> None:
        self.steps.setValue(steps)

    # -- running --------------------------------------------------------------------------------

    def train(self) -> None:
        if self.training or not self.files.has_project:
            return
        problems = self.document.problems
        if problems:
            QMessageBox.information(self, "The model cannot be built", problems[0].message)
            return
        steps = self.steps.value()

        def start(rebuilt: ProjectSnapshot | None) -> None:
            if rebuilt is not None:
                self.show_project(rebuilt)
            self.bridge.train(steps)

        self.bridge.call(partial(tasks.use_spec, self.bridge.worker, self.document.spec), start, self.show_error)

    def toggle_pause(self, paused: bool) -> None:
        run = self.remote if self.remote.active else self.bridge
        try:
            if paused:
                run.pause()
            else:
                run.resume()
        except OSError as error:  # the control file beside the project cannot be written
            self.pause_action.setChecked(not paused)
            self.show_error(WorkbenchError(f"cannot ask the other processes: {error}"))
            return
        if paused:
            self.statusBar().showMessage("Pausing…" if self.remote.active else "Paused — press F6 to go on")
        else:
            self.statusBar().clearMessage()

    def stop_training(self) -> None:
        if not self.remote.active:
            self.bridge.stop()
            return
        try:
            self.remote.stop()
        except OSError as error:
            self.show_error(WorkbenchError(f"cannot ask the other processes: {error}"))
            return
        self.statusBar().showMessage("Stopping the run in the other processes…")

    # -- training in other processes ----------------------------------------------------------

    def train_on_processes(self) -> None:
        """Run ▸ Train on several processes: ``workbench train FILE --processes K`` as a child
        job, watched here; the project must be saved, since the processes train its file."""
        if self.training or not self.files.has_project or self.document.problems:
            return
        if self.files.path is None or self.files.unsaved:
            answer = QMessageBox.question(
                self,
                "Train on several processes",
                "The processes train the project's file: save it first?",
                QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Save,
            )
            if answer != QMessageBox.StandardButton.Save or not self.files.save():
                return
        batch = self.config.batch_size if self.config is not None else 0
        count, chosen = QInputDialog.getInt(
            self,
            "Train on several processes",
            f"Processes (one a GPU, or a CPU core each); each trains its share of every batch of {batch:,}:",
            2,
            2,
            1024,
        )
        if not chosen:
            return
        steps, path = self.steps.value(), self.files.path

        def start(_) -> None:
            job = QProcess(self)
            job.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
            arguments = ["-m", "workbench", "train", str(path), "--steps", str(steps), "--processes", str(count)]
            job.start(sys.executable, arguments)
            self.remote.attach(path, job)
            self._show_run_elsewhere(f"Training on {count:,} processes: editing is locked until the run ends")

        work = partial(tasks.hand_file_to_processes, self.bridge.worker, path, count)
        self.bridge.call(work, start, self.show_error)

    def watch_run_elsewhere(self, path: Path) -> None:
        """Show the live run another process trains ``path`` with (the window opened a file a
        terminal's ``workbench train`` holds)."""
        self.remote.attach(path)
        self._show_run_elsewhere("Training in another process: editing is locked while it lasts")

    def _show_run_elsewhere(self, text: str) -> None:
        self.elsewhere_label.setText(text)
        self.elsewhere_label.show()
        self.editor.setEnabled(False)
        self.tabs.setCurrentWidget(self.dashboard)  # the run is what there is to see; the model is locked
        self._update_actions()

    def stop_watching(self) -> None:
        """Leave a run elsewhere to itself (another project opens); a terminal's run goes on."""
        self.remote.detach()
        self._hide_run_elsewhere()

    def _hide_run_elsewhere(self) -> None:
        self.elsewhere_label.hide()
        self.editor.setEnabled(True)
        self.pause_action.setChecked(False)
        self._update_actions()

    def _on_remote_run_ended(self, message: str) -> None:
        """The processes have let the file go: it is the window's again, with the run's last save."""
        self._hide_run_elsewhere()
        path = self.files.path
        if path is not None:
            opened = partial(tasks.open_project, self.bridge.worker, path)
            self.files.load(opened, path, self.steps.value(), then=lambda _: self.results.score_after_run())
        if message:
            QMessageBox.warning(self, "Training in other processes", message)
        self._update_actions()

    def edit_training_settings(self, edited: TrainConfig | None = None) -> None:
        """The settings dialog; settings the project refuses are shown again, with the reason."""
        if self.config is None:
            return
        dialog = TrainingSettingsDialog(edited or self.config, self.bridge.training, self)
        if dialog.exec() != TrainingSettingsDialog.DialogCode.Accepted or dialog.config() == self.config:
            return
        chosen = dialog.config()

        def applied(config: TrainConfig) -> None:
            self.config = config
            self.files.mark_changed()
            self.statusBar().showMessage("New training settings apply from the next step", 5000)

        def refused(error: BaseException) -> None:
            self.show_error(error)
            self.edit_training_settings(chosen)

        self.bridge.call(partial(tasks.set_config, self.bridge.worker, chosen), applied, refused)

    def export(self) -> None:
        """The Export dialog, for the trained model (an edit on the canvas is not trained yet)."""
        if self.files.has_project:
            ExportDialog(self.bridge, self.trained_spec, self.files.path, self).open()

    def new_lab_task(self) -> None:
        dialog = LabTaskDialog(self)
        if dialog.exec() == LabTaskDialog.DialogCode.Accepted:
            self.files.new_lab_task(*dialog.choice())

    def compare_cells(self) -> None:
        if self.training or not self.files.has_project or self.document.problems:
            return
        self.comparison.start(self.steps.value(), self.config.seed)

    def reset_weights(self) -> None:
        if self.training:
            return
        self.bridge.call(partial(tasks.reset_weights, self.bridge.worker), self._after_reset, self.show_error)

    def _after_reset(self, snapshot: ProjectSnapshot) -> None:
        self.files.mark_changed()
        self.show_project(snapshot)

    # -- state shown in the chrome --------------------------------------------------------

    def _update_actions(self) -> None:
        training, elsewhere = self.training, self.remote.active
        ready = self.files.has_project and not training
        problems = self.document.problems
        self.train_action.setEnabled(ready and not problems)
        self.processes_action.setEnabled(ready and not problems)
        self.pause_action.setEnabled(training)
        self.stop_action.setEnabled(training)
        self.reset_action.setEnabled(ready)
        self.compare_action.setEnabled(ready and not problems and not self.document.spec.writes_with_pen)
        self.settings_action.setEnabled(self.files.has_project and not elsewhere)  # the other processes' to change
        self.save_action.setEnabled(self.files.has_project and not elsewhere)
        self.save_as_action.setEnabled(self.files.has_project and not elsewhere)
        self.export_action.setEnabled(self.files.has_project)
        self.problem_label.setText(problems[0].message if problems and self.files.has_project else "")

    def _update_title(self) -> None:
        self.setWindowModified(self.files.changed or not self.document.undo_stack.isClean())
        self.setWindowTitle(f"{self.files.display_name}[*] — {APP_NAME}")

    def show_error(self, error: BaseException) -> None:
        QMessageBox.critical(self, APP_NAME, str(error))

    def _about(self) -> None:
        QMessageBox.about(
            self,
            f"About {APP_NAME}",
            "<b>Sequence Workbench</b><p>Build, train and look inside recurrent sequence models: "
            "RNN, LSTM and GRU, stacked, bidirectional, encoder–decoder and attention.</p>"
            "<p>Train F5 · Pause F6 · Stop Shift+F5 · Undo Ctrl+Z · Save Ctrl+S</p>",
        )

    # -- closing ---------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.files.confirm_discard("closing"):
            event.ignore()
            return
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self._let_run_elsewhere_go()
        self.files.close()
        self.bridge.shutdown()
        event.accept()

    def _let_run_elsewhere_go(self) -> None:
        """Closing: a job this window started stops at its next step and saves (waited for, its
        events still read, so a stop asked before its run began is asked again when it does); a
        terminal's run goes on unwatched."""
        job = self.remote.job
        self.remote.blockSignals(True)  # nothing is shown now, nor the file opened again
        if job is not None and job.state() != QProcess.ProcessState.NotRunning:
            with suppress(OSError):
                self.remote.stop()
            self.statusBar().showMessage("Stopping the run in the other processes…")
            deadline = time.monotonic() + JOB_STOP_TIMEOUT_S
            while not job.waitForFinished(200) and time.monotonic() < deadline:
                self.remote.poll()
            if job.state() != QProcess.ProcessState.NotRunning:
                job.terminate()  # `train --processes` passes SIGTERM on to torchrun, torchrun to every process
                job.waitForFinished(JOB_STOP_TIMEOUT_S * 1000)
        self.remote.detach()

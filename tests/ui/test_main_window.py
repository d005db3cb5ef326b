"""The whole window, offscreen: build a model by drag and drop, train live, stop, save, reopen.

Dialogs are answered by monkeypatching QMessageBox's static functions; file dialogs are never
opened (Save As is answered by a patched QFileDialog, Open is given the file name).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox
from test_canvas import center_of, drop
from tiny import PROSE, make_project

from workbench.engine.data import load_text_file
from workbench.engine.inference.sampling_options import SamplingOptions
from workbench.engine.project.project import Project
from workbench.ui import tasks
from workbench.ui.main_window import MainWindow
from workbench.ui.project_files import PROJECT_FILTER


@pytest.fixture
def make_window(qtbot, tmp_path):
    windows = []

    def make() -> MainWindow:
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings, autosave_folder=tmp_path / "autosave")
        window.resize(1400, 860)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.files.changed = False
        window.document.undo_stack.setClean()
        window.close()
        assert not window.bridge.worker_thread_running


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "prose.txt"
    path.write_text(PROSE * 60, encoding="utf-8")
    return load_text_file(path)


def install(window, qtbot, make: Callable[[], Project], steps: int | None = None) -> None:
    """Give the window the project ``make()`` builds, untitled, through its own loading path.

    The one place the tests reach past the window's public names: ProjectFiles and tasks offer
    no public way to load a project made in memory.
    """
    window.files.load(lambda: tasks.install(window.bridge.worker, make()), None, steps)
    qtbot.waitUntil(lambda: window.files.has_project, timeout=10_000)


def save_as(window, path, monkeypatch) -> bool:
    """File ▸ Save As… to ``path``: the file dialog (never shown) answers with it."""
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(path), PROJECT_FILTER))
    return window.files.save_as()


def load_tiny(window, qtbot, corpus, **config):
    """Give the window a tiny project through its own loading path."""
    settings = dict(probe_every=5, val_every=10, sample_every=0, metrics_interval_s=0.05, hidden=16)
    settings.update(config)
    install(window, qtbot, partial(make_project, corpus, **settings), 1_000_000)


def test_the_window_shows_a_project_ready_to_train(make_window, qtbot, corpus):
    window = make_window()
    assert not window.train_action.isEnabled()  # nothing to train yet
    load_tiny(window, qtbot, corpus)
    assert window.windowTitle() == "Untitled[*] — Sequence Workbench"
    assert window.train_action.isEnabled() and not window.stop_action.isEnabled()
    assert f"{len(corpus.vocab)}" in window.data_panel.stats.text()
    assert window.data_panel.preview.toPlainText().startswith("She said")
    assert "LSTM 16" in window.editor.scene.texts()


def test_build_by_drag_and_drop_with_undo(make_window, qtbot, corpus):
    window = make_window()
    load_tiny(window, qtbot, corpus)
    editor = window.editor
    assert drop(editor, "cell", "gru", center_of(editor, "encoder"))
    assert window.document.spec.encoder.cell == "gru"
    assert "GRU 16" in editor.scene.texts()
    assert drop(editor, "template", "bidirectional")  # refused for a language model
    assert not window.document.spec.encoder.bidirectional
    assert "cannot generate text left to right" in " ".join(editor.scene.texts())
    editor.inspector.fields["encoder.hidden_size"].setValue(24)
    assert window.document.spec.encoder.hidden_size == 24
    assert window.document.undo_stack.count() == 2  # the refused drop left no command
    assert window.isWindowModified()
    window.undo_action.trigger()
    assert window.document.spec.encoder.hidden_size == 16
    window.undo_action.trigger()
    assert window.document.spec.encoder.cell == "lstm" and "LSTM 16" in editor.scene.texts()
    window.redo_action.trigger()
    assert window.document.spec.encoder.cell == "gru"


def test_train_live_stop_save_reopen(make_window, qtbot, corpus, tmp_path, monkeypatch):
    window = make_window()
    load_tiny(window, qtbot, corpus)
    assert len(window.internals.gates_view.pages.pages) == 2  # heatmaps built when the model was shown
    with qtbot.waitSignal(window.bridge.run_started, timeout=10_000):
        window.train_action.trigger()
    assert window.stop_action.isEnabled() and not window.train_action.isEnabled()
    window.tabs.setCurrentWidget(window.dashboard)  # the curves are drawn while they can be seen

    def has_live_data() -> bool:
        run = window.dashboard.current_run
        xs = run.loss.getData()[0] if run is not None else None
        return xs is not None and len(xs) >= 3 and window.internals.current_snapshot is not None

    qtbot.waitUntil(has_live_data, timeout=30_000)
    snapshot = window.internals.current_snapshot

    def forget_gate_drawn() -> bool:  # the heatmaps show a snapshot at the first redraw after it
        heatmap = window.internals.gates_view.heatmaps.get("forget")
        return heatmap is not None and heatmap.image.image is not None

    redraw_due = window.internals.findChild(QTimer, options=Qt.FindChildOption.FindDirectChildrenOnly)
    for _ in range(3):  # three redraws fall due while new snapshots arrive
        with qtbot.waitSignal(redraw_due.timeout, timeout=10_000):
            pass
    assert not forget_gate_drawn()  # behind the Training tab the heatmaps wait, costing training nothing
    window.tabs.setCurrentWidget(window.internals)
    qtbot.waitUntil(forget_gate_drawn, timeout=10_000)
    shown = window.internals.gates_view.heatmaps["forget"].image.image
    assert shown.shape == (16, snapshot.layers[0].gates.shape[1])  # units × time, from the run
    with qtbot.waitSignal(window.bridge.run_finished, timeout=10_000) as finished:
        window.stop_action.trigger()
    assert finished.args[0].reason == "stopped" and window.train_action.isEnabled()
    step = finished.args[0].step
    assert window.isWindowModified()

    path = tmp_path / "saved.h5"
    assert save_as(window, path, monkeypatch)
    assert window.windowTitle() == "saved.h5[*] — Sequence Workbench" and not window.isWindowModified()
    latest = window.bridge.call(lambda: window.bridge.worker.project.latest_probe).result(5)
    window.close()  # the window writes saved.h5 until it closes: another would be refused

    reopened = make_window()
    reopened.files.open(path)
    qtbot.waitUntil(lambda: reopened.files.has_project, timeout=10_000)
    assert reopened.status.step.text() == f"step {step:,}"
    assert reopened.document.spec == window.document.spec
    saved_run, live_run = reopened.dashboard.current_run.run, window.dashboard.current_run.run
    assert saved_run.name == live_run.name
    assert reopened.internals.current_snapshot.step == latest.step >= snapshot.step
    np.testing.assert_array_equal(reopened.internals.current_snapshot.layers[0].gates, latest.layers[0].gates)


def test_editing_the_model_then_training_adds_a_run_to_compare(make_window, qtbot, corpus):
    window = make_window()
    load_tiny(window, qtbot, corpus)
    window.steps.setValue(5)
    with qtbot.waitSignal(window.bridge.run_finished, timeout=20_000):
        window.train()
    assert drop(window.editor, "cell", "rnn", center_of(window.editor, "encoder"))
    window.steps.setValue(5)
    with qtbot.waitSignal(window.bridge.run_finished, timeout=20_000):
        window.train()
    assert window.dashboard.run_names == ["run-001", "run-002"]
    assert "LSTM 16" in window.dashboard.run_curves("run-001").run.label
    assert "RNN (tanh) 16" in window.dashboard.current_run.run.label


def test_a_file_that_is_not_a_project_leaves_the_open_one_alone(make_window, qtbot, corpus, tmp_path, monkeypatch):
    window = make_window()
    load_tiny(window, qtbot, corpus)
    spec_before = window.document.spec
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *rest: shown.append(text))
    bogus = tmp_path / "notes.h5"
    bogus.write_text("not a project")
    window.files.open(bogus)
    qtbot.waitUntil(lambda: bool(shown), timeout=10_000)
    assert "notes.h5" in shown[0]
    assert window.document.spec == spec_before and window.files.path is None
    assert window.windowTitle() == "Untitled[*] — Sequence Workbench"


def test_closing_with_unsaved_work_asks_first(make_window, qtbot, corpus, monkeypatch):
    window = make_window()
    load_tiny(window, qtbot, corpus)
    window.editor.inspector.fields["encoder.hidden_size"].setValue(20)
    answers = [QMessageBox.StandardButton.Cancel]
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kwargs: answers.pop(0))
    assert not window.close()
    assert window.isVisible() and window.bridge.worker_thread_running
    answers.append(QMessageBox.StandardButton.Discard)
    assert window.close()
    assert not window.bridge.worker_thread_running


def test_closing_during_training_stops_the_run(make_window, qtbot, corpus, monkeypatch):
    window = make_window()
    load_tiny(window, qtbot, corpus)
    with qtbot.waitSignal(window.bridge.run_started, timeout=10_000):
        window.train()
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kwargs: QMessageBox.StandardButton.Discard)
    assert window.close()
    assert not window.bridge.worker.training and not window.bridge.worker_thread_running


def test_autosave_is_offered_back_after_a_crash(make_window, qtbot, corpus, tmp_path, monkeypatch):
    window = make_window()
    load_tiny(window, qtbot, corpus)
    window.steps.setValue(7)
    with qtbot.waitSignal(window.bridge.run_finished, timeout=20_000):
        window.train()
    window.files.autosave_now()
    autosave = window.files.autosave.path_for(None)
    qtbot.waitUntil(autosave.exists, timeout=10_000)
    # A crash: the window never closes normally, so its autosave stays behind.
    survivor = make_window()
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kwargs: QMessageBox.StandardButton.Yes)
    assert survivor.files.offer_recovery()
    qtbot.waitUntil(lambda: survivor.files.has_project, timeout=10_000)
    assert survivor.status.step.text() == "step 7"
    assert survivor.windowTitle().startswith("Recovered project")
    assert survivor.files.path is None  # Save asks where it belongs


def test_the_data_panel_names_the_open_demo(make_window, qtbot):
    window = make_window()
    window.files.new_from_demo("english-prose")
    qtbot.waitUntil(lambda: window.files.has_project, timeout=20_000)
    assert window.data_panel.demo_choice.currentData() == "english-prose"
    assert "English prose" in window.data_panel.title.text()
    assert window.steps.value() == 5000  # the demo's suggested length


def test_recent_files_and_the_window_layout_come_back_next_time(make_window, qtbot, corpus, tmp_path, monkeypatch):
    window = make_window()
    load_tiny(window, qtbot, corpus)
    first, second = tmp_path / "first.h5", tmp_path / "second.h5"
    assert save_as(window, first, monkeypatch) and save_as(window, second, monkeypatch)
    window.samples_dock.hide()
    window.files.changed = False
    window.close()

    again = make_window()  # the same settings file: the next start of the application
    assert again.samples_dock.isHidden() and not again.data_dock.isHidden()
    again.recent_menu.aboutToShow.emit()
    assert [a.text() for a in again.recent_menu.actions()] == [str(second.resolve()), str(first.resolve())]
    first.unlink()  # a file that went away is not offered
    again.recent_menu.aboutToShow.emit()
    entries = again.recent_menu.actions()
    assert [a.text() for a in entries] == [str(second.resolve())]
    entries[0].trigger()
    qtbot.waitUntil(lambda: again.files.has_project, timeout=10_000)
    assert again.windowTitle() == "second.h5[*] — Sequence Workbench"


def test_a_handwriting_project_writes_typed_text_in_its_tab(make_window, qtbot):
    from workbench.engine.data.handwriting.corpus import StrokeCorpus
    from workbench.engine.data.handwriting.synthetic import synthesize_corpus
    from workbench.engine.project.starters import new_project

    window = make_window()
    assert not window.handwriting.write_button.isEnabled()  # no handwriting model yet
    corpus = StrokeCorpus.from_samples(synthesize_corpus(12, seed=4, writers=4), "test:pen", "Pen lines")
    install(window, qtbot, partial(new_project, corpus, hidden=8, layers=1, batch_size=2, seq_len=40), 100)
    panel = window.handwriting
    assert panel.model_kind == "synthesis" and panel.write_button.isEnabled()
    window.tabs.setCurrentWidget(panel)
    panel.prime_check.setChecked(False)
    panel.text_edit.setText("hello")
    panel.write_button.click()
    qtbot.waitUntil(lambda: len(panel.written_strokes()) > 0, timeout=20_000)
    panel.skip_animation()
    written = np.concatenate(panel.written_strokes())
    assert written.shape[1] == 2 and np.isfinite(written).all()
    assert panel.heatmaps.phi.image.image.shape[0] >= len("hello")  # φ rows: the characters
    window.samples.sample_requested.emit(SamplingOptions(length=20))  # the text sampler says why it cannot
    assert "does not write text" in window.samples.result_view.toPlainText()


def test_the_pad_shows_the_next_point_and_adds_the_users_line_to_the_data(make_window, qtbot):
    from workbench.engine.data.handwriting.corpus import StrokeCorpus
    from workbench.engine.data.handwriting.synthetic import synthesize_corpus
    from workbench.engine.project.starters import new_project

    window = make_window()
    corpus = StrokeCorpus.from_samples(synthesize_corpus(12, seed=4, writers=4), "test:pen", "Pen lines")
    install(window, qtbot, partial(new_project, corpus, hidden=8, layers=1, batch_size=2, seq_len=40), 100)
    panel = window.handwriting
    window.tabs.setCurrentWidget(panel)
    QApplication.processEvents()  # laid out anew for a model without text samples (no Samples dock)
    assert panel.predict_check.isVisibleTo(window) and panel.add_button.isVisibleTo(window)
    wave = np.column_stack([np.linspace(100, 300, 60), 200 + 25 * np.sin(np.linspace(0, 8, 60))])
    panel.pad.set_strokes((wave.astype(np.float32),))
    plain = panel.pad.grab().toImage()
    panel.predict_check.setChecked(True)  # the worker answers with the density after the ink
    qtbot.waitUntil(lambda: panel.pad.grab().toImage() != plain, timeout=10_000)
    qtbot.waitUntil(lambda: not panel.density.pending, timeout=10_000)
    shown = panel.pad.grab().toImage()
    changed = np.array(
        [
            (x, y)
            for y in range(0, shown.height(), 2)
            for x in range(0, shown.width(), 2)
            if shown.pixel(x, y) != plain.pixel(x, y)
        ]
    )
    pen = panel.pad.ink_to_widget(QPointF(*wave[-1]))
    ratio = shown.devicePixelRatio()
    middle = changed.mean(axis=0) / ratio  # the heatmap and the lift ring sit at the pen's end
    assert abs(middle[0] - pen.x()) < 60 and abs(middle[1] - pen.y()) < 60, (middle, pen)
    trained_lines = window.data_panel.stats.text()
    assert "your lines" in trained_lines
    panel.primer_text_edit.setText("my own line")
    panel.add_button.click()
    qtbot.waitUntil(lambda: "of yours" in panel.status_label.text(), timeout=10_000)
    assert "1 line of yours" in panel.status_label.text()
    assert window.bridge.worker.project.corpus.lines("train")[-1].text == "my own line"
    assert "your lines</td><td align='right'>&nbsp;&nbsp;0<" in trained_lines
    assert "your lines</td><td align='right'>&nbsp;&nbsp;1<" in window.data_panel.stats.text()
    assert window.isWindowModified()


def test_a_diverged_run_shows_the_step_it_went_back_to_and_its_curve_cut_back(make_window, qtbot, corpus, monkeypatch):
    """Issue 18: the run goes back to its last sound state; the window shows that, not the wreck."""
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *rest: warnings.append((title, text)))
    window = make_window()
    load_tiny(window, qtbot, corpus, learning_rate=1e37, optimizer="sgd", grad_clip=0.0, probe_every=0, val_every=0)
    window.tabs.setCurrentWidget(window.dashboard)
    window.train_action.trigger()
    qtbot.waitUntil(lambda: bool(warnings), timeout=30_000)
    title, text = warnings[0]
    assert title == "Training failed" and "back to those after step 0" in text
    qtbot.waitUntil(lambda: len(window.dashboard.current_run.run.loss) == 0, timeout=10_000)
    assert window.status.step.text() == "step 0"


def open_demo(window, qtbot, name: str) -> None:
    """File ▸ New from demo, the open project's changes let go."""
    window.files.changed = False
    window.document.undo_stack.setClean()
    window.files.new_from_demo(name)
    qtbot.waitUntil(lambda: window.data_panel.demo_choice.currentData() == name, timeout=30_000)


def test_the_samples_dock_follows_the_model_until_the_user_chooses(make_window, qtbot, corpus):
    window = make_window()
    load_tiny(window, qtbot, corpus)
    assert window.samples_dock.isVisible()  # a language model writes text
    canvas_with_dock = window.editor.view.width()
    open_demo(window, qtbot, "dates")
    assert not window.samples_dock.isVisible()  # a translator writes none: its room goes to the views
    qtbot.waitUntil(lambda: window.editor.view.width() > canvas_with_dock + 100, timeout=5_000)
    window.samples_dock.toggleViewAction().trigger()  # View ▸ Samples: the user's choice from now on
    assert window.samples_dock.isVisible()
    window.files.changed = False
    load_tiny(window, qtbot, corpus)
    window.samples_dock.toggleViewAction().trigger()
    open_demo(window, qtbot, "dates")
    window.files.changed = False
    load_tiny(window, qtbot, corpus)
    assert not window.samples_dock.isVisible()  # hidden by hand: a text model does not bring it back

"""The lab in the window: training settings, one click that trains RNN, LSTM and GRU, and the
downloaded demo's progress."""

from __future__ import annotations

import threading
from functools import partial
from hashlib import sha256
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

from PySide6.QtWidgets import QDialog
from test_main_window import corpus, load_tiny, make_window  # noqa: F401 (fixtures)

from workbench.engine.data import download
from workbench.engine.data.base import Task
from workbench.engine.data.download import Download
from workbench.engine.model.templates import from_template
from workbench.engine.spec import HeadSpec, InputSpec, RecurrentSpec
from workbench.engine.training.config import TrainConfig
from workbench.ui.cell_comparison import with_cell
from workbench.ui.lab_dialog import LabTaskDialog
from workbench.ui.training_settings import TrainingSettingsDialog


def test_the_settings_dialog_edits_a_checked_copy_of_the_settings(qtbot, corpus, make_window):  # noqa: F811
    window = make_window()
    load_tiny(window, qtbot, corpus)
    dialog = TrainingSettingsDialog(window.config, training=False)
    qtbot.addWidget(dialog)
    assert dialog.grad_clip.text() == "5.000" and not dialog.momentum.isEnabled()  # Adam has no momentum setting
    dialog.grad_clip.setValue(0)
    assert dialog.grad_clip.text() == "off"
    dialog.optimizer.setCurrentIndex(dialog.optimizer.findData("sgd"))
    assert dialog.momentum.isEnabled()
    dialog.learning_rate.setText("0")
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert not ok.isEnabled() and "learning rate must be positive" in dialog.problem.text()
    dialog.learning_rate.setText("0.1")
    assert ok.isEnabled()
    config = dialog.config()
    assert (config.grad_clip, config.optimizer, config.learning_rate) == (0.0, "sgd", 0.1)


def test_new_settings_reach_the_project_on_the_worker(qtbot, corpus, make_window, monkeypatch):  # noqa: F811
    window = make_window()
    load_tiny(window, qtbot, corpus)
    chosen = {}

    def exec_dialog(dialog):
        dialog.grad_clip.setValue(0)
        chosen["config"] = dialog.config()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(TrainingSettingsDialog, "exec", exec_dialog)
    window.edit_training_settings()
    qtbot.waitUntil(lambda: window.config.grad_clip == 0, timeout=10_000)
    assert window.bridge.worker.project.config == chosen["config"]
    assert window.isWindowModified()


def test_one_click_trains_each_cell_once_and_overlays_their_runs(qtbot, corpus, make_window):  # noqa: F811
    window = make_window()
    load_tiny(window, qtbot, corpus, probe_every=2)
    window.steps.setValue(4)
    window.compare_cells()
    qtbot.waitUntil(lambda: not window.comparison.running and not window.bridge.training, timeout=60_000)
    labels = [window.dashboard.run_curves(name).run.label for name in window.dashboard.run_names]
    assert window.dashboard.run_names == ["run-001", "run-002", "run-003"]  # the untrained run-001 was replaced
    assert ["RNN (tanh) 16" in labels[0], "LSTM 16" in labels[1], "GRU 16" in labels[2]] == [True] * 3
    assert window.document.spec.encoder.cell == "gru"
    assert "Compared RNN, LSTM and GRU" in window.statusBar().currentMessage()
    assert window.bridge.worker.project.step == 4


def test_with_cell_swaps_every_stack():
    translation = Task(
        "translation", InputSpec(vocab_size=9), HeadSpec("next_token", 5), target_inputs=InputSpec(vocab_size=5)
    )
    spec = with_cell(from_template("attention", translation, RecurrentSpec("lstm", 8)), "gru")
    assert (spec.encoder.cell, spec.decoder.cell) == ("gru", "gru")


def test_a_downloaded_demo_shows_its_progress_then_opens(qtbot, make_window, tmp_path, monkeypatch):  # noqa: F811
    play = ("First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n" * 2000).encode()
    (tmp_path / "input.txt").write_bytes(play)
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/input.txt"
    monkeypatch.setattr(download, "SHAKESPEARE", Download("tiny-shakespeare", url, sha256(play).hexdigest(), len(play)))
    monkeypatch.setattr(download, "PROGRESS_INTERVAL", 0.0)
    monkeypatch.setattr(SimpleHTTPRequestHandler, "log_message", lambda *args: None)
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path / "cache"))
    window = make_window()
    reports = []
    window.bridge.progress_arrived.connect(reports.append)
    try:
        window.files.new_from_demo("shakespeare")
        qtbot.waitUntil(lambda: window.files.has_project, timeout=20_000)
    finally:
        server.shutdown()
    assert reports and reports[-1].done == reports[-1].total == len(play)
    assert reports[0].what == "Downloading Tiny Shakespeare"
    assert not window.status.progress.isVisible()
    assert "Tiny Shakespeare" in window.data_panel.title.text()
    assert window.data_panel.preview.toPlainText().startswith("First Citizen:")


def test_ok_without_edits_keeps_every_setting_exactly(qtbot):
    config = TrainConfig(
        learning_rate=0.0012345678,
        grad_clip=0.125,
        momentum=0.9995,
        batch_size=5000,
        decay_steps=0,
        weight_decay=3.5e-7,
    )
    dialog = TrainingSettingsDialog(config, training=False)
    qtbot.addWidget(dialog)
    assert dialog.config() == config


def test_the_lab_task_dialog_makes_a_copy_task_at_the_chosen_lag(qtbot, make_window, monkeypatch):  # noqa: F811
    def exec_dialog(dialog):
        assert not dialog.symbols.isEnabled()  # the adding problem has no symbols to copy
        dialog.task.setCurrentIndex(dialog.task.findData("copy"))
        assert dialog.symbols.isEnabled()
        dialog.lag.setValue(12)
        dialog.symbols.setValue(4)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(LabTaskDialog, "exec", exec_dialog)
    window = make_window()
    window.new_lab_task()
    qtbot.waitUntil(lambda: window.files.has_project, timeout=10_000)
    task = window.bridge.worker.project.corpus
    assert (task.kind, task.lag, task.description["symbols"]) == ("copy", 12, 4)
    assert "lag T</td><td align='right'>&nbsp;&nbsp;12<" in window.data_panel.stats.text()
    assert window.document.spec.head.kind == "tagging" and window.results.kind is None

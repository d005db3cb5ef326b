"""The Export dialog, offscreen: formats a model can take, the path it suggests, a real export on
the worker with its report, and failures told in words."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QStatusBar
from shiboken6 import isValid
from tiny import make_project

from workbench.engine.data.base import Task
from workbench.engine.model.templates import from_template
from workbench.engine.spec import HeadSpec, InputSpec, RecurrentSpec
from workbench.ui import export_dialog
from workbench.ui.engine_bridge import EngineBridge
from workbench.ui.export_dialog import ExportDialog
from workbench.ui.main_window import MainWindow
from workbench.ui.status import TrainingStatus

ROWS = {"onnx": 0, "torchscript": 1, "safetensors": 2, "lstmvis": 3}
TRANSLATION = Task(
    "translation",
    InputSpec(vocab_size=30, embedding_dim=16),
    HeadSpec("next_token", 12),
    target_inputs=InputSpec(vocab_size=12, embedding_dim=8),
)


@pytest.fixture
def bridge(qtbot):
    bridge = EngineBridge()
    yield bridge
    bridge.shutdown()


@pytest.fixture
def trained(qtbot, bridge, text_corpus):
    """The bridge's worker holds a tiny language model trained a few steps."""
    bridge.call(lambda: setattr(bridge.worker, "project", make_project(text_corpus)))
    with qtbot.waitSignal(bridge.run_finished, timeout=20_000):
        bridge.train(5)
    return bridge.worker.project.spec


@pytest.fixture
def open_dialog(qtbot, bridge):
    """Opens dialogs, and closes those still open at the end (closing deletes them)."""
    dialogs = []

    def open_(spec, project_path: Path | None) -> ExportDialog:
        dialog = ExportDialog(bridge, spec, project_path)
        dialog.show()
        qtbot.waitExposed(dialog)
        dialogs.append(dialog)
        return dialog

    yield open_
    for dialog in dialogs:
        if isValid(dialog):
            dialog.close()
    qtbot.waitUntil(lambda: not any(isValid(dialog) for dialog in dialogs), timeout=5000)


def pick(dialog: ExportDialog, name: str) -> None:
    dialog.formats.setCurrentRow(ROWS[name])


def wait_for_answer(qtbot, bridge) -> None:
    """Until every reply the worker owed has been delivered (replies come back in order)."""
    answered = []
    bridge.call(lambda: None, answered.append)
    qtbot.waitUntil(lambda: bool(answered), timeout=20_000)


def test_formats_a_model_cannot_take_are_greyed_with_the_reason(open_dialog):
    seq2seq = from_template("encoder-decoder", TRANSLATION, RecurrentSpec("gru", 16))
    dialog = open_dialog(seq2seq, None)
    items = [dialog.formats.item(row) for row in range(dialog.formats.count())]
    assert [item.text().split("\n")[0] for item in items] == ["ONNX", "TorchScript", "safetensors", "LSTMVis"]
    assert "torch.jit.load" in items[1].text()
    lstmvis = items[ROWS["lstmvis"]]
    assert "one recurrent stack" in lstmvis.toolTip() and items[0].toolTip() == ""
    assert lstmvis.foreground().color() != items[0].foreground().color()
    assert dialog.format.name == "onnx" and dialog.export_button.isEnabled()
    assert not dialog.hint.isVisible() and not dialog.text_area.isVisible()
    pick(dialog, "lstmvis")
    assert dialog.hint.isVisible() and dialog.hint.text().startswith("Not for this model: LSTMVis shows")
    assert not dialog.export_button.isEnabled()
    pick(dialog, "safetensors")
    assert not dialog.hint.isVisible() and dialog.export_button.isEnabled()


def test_the_path_follows_the_format_unless_the_user_named_it(open_dialog, lm_spec, tmp_path):
    dialog = open_dialog(lm_spec, tmp_path / "story.h5")
    assert dialog.path_edit.text() == str(tmp_path / "story.onnx")
    pick(dialog, "safetensors")
    assert dialog.path_edit.text() == str(tmp_path / "story.safetensors")
    pick(dialog, "lstmvis")  # .h5 like the project: a name of its own, never the project file
    assert dialog.path_edit.text() == str(tmp_path / "story-lstmvis.h5")
    assert dialog.text_area.isVisible() and "validation text" in dialog.text_box.placeholderText()
    pick(dialog, "torchscript")
    assert dialog.path_edit.text() == str(tmp_path / "story.pt") and not dialog.text_area.isVisible()
    dialog.path_edit.setText("/elsewhere/mine.pt")
    pick(dialog, "onnx")
    assert dialog.path_edit.text() == "/elsewhere/mine.onnx"  # the user's name, the format's suffix
    dialog.path_edit.setText("/elsewhere/mine.bin")
    pick(dialog, "safetensors")
    assert dialog.path_edit.text() == "/elsewhere/mine.bin"
    unsaved = open_dialog(lm_spec, None)
    assert unsaved.path_edit.text() == str(Path.home() / "model.onnx")


def test_enter_exports_safetensors_on_the_worker_and_shows_the_report(qtbot, bridge, trained, open_dialog, tmp_path):
    dialog = open_dialog(trained, tmp_path / "tiny.h5")
    pick(dialog, "safetensors")
    shown = []  # connected after the dialog: sees what the dialog made of each event
    bar = dialog.progress_bar
    bridge.progress_arrived.connect(lambda _: shown.append((dialog.progress_label.text(), bar.value(), bar.maximum())))
    status = TrainingStatus(QStatusBar())  # the window's status bar follows the same events
    bridge.progress_arrived.connect(status.task_progress)
    in_status = []
    bridge.progress_arrived.connect(lambda _: in_status.append(status.progress.format()))
    qtbot.keyClick(dialog.path_edit, Qt.Key.Key_Return)
    assert not dialog.export_button.isEnabled() and dialog.progress_bar.isVisible()
    qtbot.waitUntil(lambda: "Exported" in dialog.result.text(), timeout=20_000)
    assert shown[0] == ("Writing the weights", 0, 2) and shown[-2] == ("Checking the rebuilt model", 1, 2)
    assert shown[-1] == ("Export", 1, 1)  # the end, whatever it was, so that the status bar's bar goes
    assert in_status[:2] == ["Writing the weights: step 1 of 2", "Checking the rebuilt model: step 2 of 2"]
    assert status.progress.isHidden()
    text = dialog.result.text()
    assert "Wrote tiny.safetensors, tiny.json." in text and "read back identical" in text
    assert "Largest difference" in text and "(allowed " in text and export_dialog.OK in text
    assert (tmp_path / "tiny.safetensors").stat().st_size > 0 and (tmp_path / "tiny.json").exists()
    assert dialog.export_button.isEnabled() and not dialog.progress_bar.isVisible()


def test_failures_are_told_in_red_words(qtbot, bridge, trained, open_dialog, tmp_path):
    dialog = open_dialog(trained, tmp_path / "tiny.h5")
    pick(dialog, "safetensors")
    dialog.path_edit.setText(str(tmp_path / "missing" / "tiny.safetensors"))
    dialog.export_button.click()  # refused by the engine, on the worker
    qtbot.waitUntil(lambda: "Export failed" in dialog.result.text(), timeout=20_000)
    assert f"the folder {tmp_path / 'missing'} does not exist" in dialog.result.text()
    assert export_dialog.ERROR in dialog.result.text() and dialog.export_button.isEnabled()
    saved = []  # the project the window holds was saved as tiny.h5, as the window saves it: on the worker
    bridge.call(lambda: bridge.worker.project.save(tmp_path / "tiny.h5"), saved.append)
    qtbot.waitUntil(lambda: bool(saved), timeout=20_000)
    project_bytes = (tmp_path / "tiny.h5").read_bytes()
    dialog.path_edit.setText(str(tmp_path / "tiny.h5"))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: "is the project file itself" in dialog.result.text(), timeout=20_000)
    assert (tmp_path / "tiny.h5").read_bytes() == project_bytes
    (tmp_path / "taken.safetensors").mkdir()  # the worker's write fails: a folder holds the name
    dialog.path_edit.setText(str(tmp_path / "taken.safetensors"))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: "Export failed" in dialog.result.text(), timeout=20_000)
    text = dialog.result.text()
    assert "taken.safetensors" in text and "Is a directory" in text and export_dialog.ERROR in text
    assert "Traceback" not in text and not (tmp_path / "taken.json").exists()
    left = sorted(path.name for path in tmp_path.iterdir() if path.name != "prose.txt")
    assert left == ["taken.safetensors", "tiny.h5"]  # the project file untouched, nothing half-written


def test_a_format_whose_writer_is_missing_fails_in_words(qtbot, trained, open_dialog, tmp_path, monkeypatch):
    def no_writer(*args, **kwargs):
        raise ModuleNotFoundError("No module named 'workbench.engine.export.lstmvis'")

    monkeypatch.setattr(export_dialog, "export_model", no_writer)
    dialog = open_dialog(trained, tmp_path / "tiny.h5")
    pick(dialog, "lstmvis")
    dialog.export_button.click()
    qtbot.waitUntil(lambda: "Export failed" in dialog.result.text(), timeout=20_000)
    assert "No module named" in dialog.result.text() and export_dialog.ERROR in dialog.result.text()


def test_closing_during_an_export_lets_it_finish_unseen(qtbot, bridge, trained, open_dialog, tmp_path, monkeypatch):
    release, finished = threading.Event(), threading.Event()

    def slow_export(project, format_name, path, *, text, progress):
        progress("Tracing the model", 1, 4)
        release.wait(20)
        progress("Checking", 4, 4)
        finished.set()
        raise RuntimeError("too late to be shown")

    monkeypatch.setattr(export_dialog, "export_model", slow_export)
    dialog = open_dialog(trained, tmp_path / "tiny.h5")
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.progress_label.text() == "Tracing the model", timeout=20_000)
    assert (dialog.progress_bar.value(), dialog.progress_bar.maximum()) == (1, 4)
    assert not dialog.export_button.isEnabled() and not dialog.options.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # Close stays usable
    qtbot.waitUntil(lambda: not isValid(dialog), timeout=5000)
    release.set()
    wait_for_answer(qtbot, bridge)  # the progress and the failure arrive for a dialog that is gone
    assert finished.is_set()


def test_a_text_file_loads_or_says_why_not(open_dialog, lm_spec, tmp_path):
    dialog = open_dialog(lm_spec, None)
    pick(dialog, "lstmvis")
    (tmp_path / "words.txt").write_text("the fox — naïve\n", encoding="utf-8")
    dialog.load_text(tmp_path / "words.txt")
    assert dialog.text_box.toPlainText() == "the fox — naïve\n"
    (tmp_path / "latin.txt").write_bytes("naïve".encode("latin-1"))
    dialog.load_text(tmp_path / "latin.txt")
    assert "latin.txt is not UTF-8 text" in dialog.result.text() and export_dialog.ERROR in dialog.result.text()
    dialog.load_text(tmp_path / "gone.txt")
    assert "gone.txt cannot be read (No such file or directory)" in dialog.result.text()
    assert dialog.text_box.toPlainText() == "the fox — naïve\n"


def test_the_window_opens_it_from_the_file_menu(qtbot, tmp_path, text_corpus):
    window = MainWindow(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat), tmp_path / "autosave")
    qtbot.addWidget(window)
    file_menu = window.menuBar().actions()[0].menu()
    texts = [action.text() for action in file_menu.actions()]
    assert texts.index("&Export…") == texts.index("Save &As…") + 1
    assert window.export_action.shortcut().toString() == "Ctrl+E" and not window.export_action.isEnabled()
    window.files.open(make_project(text_corpus).save(tmp_path / "tiny.h5"))
    qtbot.waitUntil(lambda: window.files.has_project, timeout=10_000)
    assert window.export_action.isEnabled()
    window.export_action.trigger()
    dialog = window.findChild(ExportDialog)
    assert dialog.isVisible() and dialog.path_edit.text() == str(tmp_path / "tiny.onnx")
    dialog.reject()
    window.files.changed = False
    window.close()

"""The inspector fits its pane's width: no sideways scrolling at the window's default size.

Issue 19: at the default window size the inspector needed a horizontal scroll bar (a read-only
value such as "pen position mixture · 20 outputs" kept its whole width, wider than the pane).
"""

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget

from workbench.engine.data.base import Task, handwriting_task, language_model_task
from workbench.engine.model.templates import from_template
from workbench.engine.spec import HeadSpec, InputSpec, RecurrentSpec
from workbench.ui.canvas import ArchitectureEditor
from workbench.ui.document import SpecDocument
from workbench.ui.main_window import MainWindow

PARTS = ("model", "inputs", "target_inputs", "image_encoder", "encoder", "window", "decoder", "attention", "head")


def specs():
    """One model of each kind the inspector has fields for."""
    stack = RecurrentSpec("lstm", 128, 2)
    translation = Task(
        "translation",
        InputSpec("tokens", vocab_size=40, embedding_dim=32),
        HeadSpec("next_token", num_outputs=30),
        InputSpec("tokens", vocab_size=30, embedding_dim=32),
    )
    captions = Task(
        "captioning",
        InputSpec("image", image_size=48, channels=3),
        HeadSpec("next_token", num_outputs=30),
        InputSpec("tokens", vocab_size=30, embedding_dim=32),
    )
    classes = Task(
        "classification",
        InputSpec("tokens", vocab_size=40, embedding_dim=32),
        HeadSpec("classification", num_outputs=12),
    )
    return {
        "language model": from_template("stacked", language_model_task(53), stack),
        "classifier": from_template("stacked", classes, stack),
        "translator": from_template("attention", translation, stack),
        "captioner": from_template("captioning", captions, stack),
        "handwriting synthesis": from_template("handwriting synthesis", handwriting_task(53), stack),
    }


def assert_fits(inspector, kind: str) -> None:
    """Every part's form, and the whole model's, fits the pane: no horizontal scroll bar, nothing cut."""
    for part in PARTS:
        inspector.show_part(part)
        QApplication.processEvents()  # the layouts settle
        scroll = inspector.scroll_area
        needed, width = scroll.widget().minimumSizeHint().width(), scroll.viewport().width()
        where = f"{kind}, {part}"
        assert needed <= width, f"{where}: the form needs {needed} of {width} px"
        assert not scroll.horizontalScrollBar().isVisible(), where
        assert scroll.widget().width() <= scroll.viewport().width(), where


@pytest.fixture
def window(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)  # a first start
    shown = MainWindow(settings, autosave_folder=tmp_path / "autosave")  # at the default size it picks
    shown.show()
    qtbot.waitExposed(shown)
    yield shown
    shown.files.changed = False
    shown.document.undo_stack.setClean()
    shown.close()


def test_no_horizontal_scroll_bar_at_the_default_window_size(window):
    window.tabs.setCurrentWidget(window.editor)
    assert window.editor.inspector.isVisible()
    for kind, spec in specs().items():
        window.document.reset(spec)
        assert_fits(window.editor.inspector, kind)


def test_the_form_fits_a_narrower_pane_by_wrapping(qtbot):
    host = QWidget()  # no layout: the editor's minimum size would reach the offscreen window
    qtbot.addWidget(host)
    host.resize(1000, 700)
    editor = ArchitectureEditor(SpecDocument(specs()["handwriting synthesis"]), host)
    editor.setGeometry(0, 0, 1000, 700)
    host.show()
    qtbot.waitExposed(host)
    editor.splitter.setSizes([170, 1000 - 170 - 200, 200])
    QApplication.processEvents()
    assert editor.inspector.width() <= 205
    assert_fits(editor.inspector, "handwriting synthesis")
    inspector = editor.inspector
    inspector.show_part("head")
    QApplication.processEvents()
    value = inspector.fields["head.kind"]
    assert value.text() == "pen position mixture · 20 outputs"
    assert value.height() > value.fontMetrics().height() * 1.5  # wrapped onto more lines, not cut

"""A handwriting synthesis network's diagram shows its soft window (Graves 2013, section 5).

Issue 19: the canvas drew the synthesis network as the prediction network, with no window
between its first and second LSTM layers.
"""

from dataclasses import replace

import pytest
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from workbench.engine.data.base import handwriting_task
from workbench.engine.model.templates import from_template
from workbench.engine.spec import RecurrentSpec
from workbench.ui.canvas import ArchitectureEditor
from workbench.ui.canvas.items import ArrowItem
from workbench.ui.document import SpecDocument

ALPHABET = 53


def synthesis(layers: int = 2):
    return from_template("handwriting synthesis", handwriting_task(ALPHABET), RecurrentSpec("lstm", 64, layers))


@pytest.fixture
def make_editor(qtbot):
    hosts = []  # qtbot holds widgets weakly

    def make(spec, unrolled=False):
        host = QWidget()  # no layout: the editor's minimum size would reach the offscreen window
        hosts.append(host)
        qtbot.addWidget(host)
        host.resize(1200, 700)
        document = SpecDocument(spec)
        editor = ArchitectureEditor(document, host)
        editor.setGeometry(0, 0, 1200, 700)
        editor.unrolled_button.setChecked(unrolled)
        host.show()
        qtbot.waitExposed(host)
        return editor, document

    return make


def scene_rect(item) -> QRectF:
    return item.mapRectToScene(item.rect())


def arrows_between(scene, start: QRectF, end: QRectF) -> list[ArrowItem]:
    """Arrows whose path starts on ``start`` and ends on ``end`` (within a couple of units)."""
    found = []
    for item in scene.items():
        if isinstance(item, ArrowItem):
            path = item.path()
            first, last = path.elementAt(0), path.elementAt(path.elementCount() - 1)
            if start.adjusted(-2, -2, 2, 2).contains(QPointF(first.x, first.y)) and end.adjusted(-2, -2, 2, 2).contains(
                QPointF(last.x, last.y)
            ):
                found.append(item)
    return found


def test_the_folded_diagram_draws_the_window_between_layers_one_and_two(make_editor):
    editor, document = make_editor(synthesis())
    scene = editor.scene
    window = scene.part_items["window"]
    assert window.title == "Soft window" and window.subtitle == "10 Gaussians over the characters"
    layer_1, layer_2 = (scene_rect(box) for box in scene.layer_items["encoder"])
    shown = scene_rect(window)
    assert layer_2.bottom() < shown.center().y() < layer_1.top()  # level with the gap between the layers
    assert shown.left() > scene_rect(scene.part_items["encoder"]).right()  # beside the stack, not over it
    assert {"Text", f"{ALPHABET} characters, one-hot", "h¹ₜ", "wₜ", "wₜ₋₁ into layer 1"} <= set(scene.texts())
    assert arrows_between(scene, layer_1, shown)  # it reads layer 1...
    assert arrows_between(scene, shown, layer_2)  # ...and feeds layer 2
    assert arrows_between(scene, shown, layer_1)  # ...and layer 1 at the next step
    viewport = QRectF(editor.view.viewport().rect())
    assert viewport.contains(editor.view.mapFromScene(shown).boundingRect())  # on screen after the fit


def test_the_unrolled_diagram_has_a_window_row_between_layers_one_and_two(make_editor):
    editor, document = make_editor(synthesis(), unrolled=True)
    scene = editor.scene
    row = scene_rect(scene.part_items["window"])
    layers = scene.layer_rows["encoder"]
    assert scene_rect(layers[1][0]).bottom() < row.top() and row.bottom() < scene_rect(layers[0][0]).top()
    assert "soft window\n10 Gaussians" in scene.texts()
    assert {f"w{digit}" for digit in "₁₂₃₄₅"} == {text for text in scene.texts() if text.startswith("w")}
    for below, above in zip(layers[0], layers[1]):  # each step: layer 1 → window → layer 2
        assert arrows_between(scene, scene_rect(below), row) and arrows_between(scene, row, scene_rect(above))


@pytest.mark.parametrize("unrolled", [False, True])
def test_clicking_the_window_selects_it_and_the_inspector_edits_its_gaussians(make_editor, qtbot, unrolled):
    editor, document = make_editor(synthesis(), unrolled)
    rect = scene_rect(editor.scene.part_items["window"])
    at = editor.view.mapFromScene(QPointF(rect.right() - 3, rect.center().y()))
    with qtbot.waitSignal(editor.view.part_selected, timeout=1000) as selected:
        QTest.mouseClick(editor.view.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert selected.args == ["window"] and editor.scene.part_items["window"].selected
    inspector = editor.inspector
    assert inspector.title_label.text() == "Soft window" and inspector.groups["window"].isVisible()
    assert not inspector.groups["encoder"].isVisible()
    assert inspector.fields["window.alphabet_size"].text() == str(ALPHABET)
    inspector.fields["window.components"].setValue(6)
    assert document.spec.window.components == 6
    assert any("6 Gaussians" in text for text in editor.scene.texts())  # redrawn with the new K
    document.undo_stack.undo()
    assert document.spec.window.components == 10


@pytest.mark.parametrize("unrolled", [False, True])
def test_a_window_problem_outlines_the_window_and_a_prediction_network_has_none(make_editor, unrolled):
    spec = synthesis(1)
    editor, document = make_editor(replace(spec, window=replace(spec.window, alphabet_size=0)), unrolled)
    assert [part for part, item in editor.scene.part_items.items() if item.problem] == ["window"]
    document.set_spec(from_template("handwriting", handwriting_task(ALPHABET), RecurrentSpec("lstm", 64, 1)))
    assert "window" not in editor.scene.part_items and "Soft window" not in editor.scene.texts()
    assert not editor.inspector.groups["window"].isVisible()

"""The architecture canvas: palette drops, the diagram drawn from the spec, the inspector.

Drags cannot run offscreen (QDrag.exec returns at once), so drops are the three events a real
drag sends, built from the palette's own mimeData and sent to the view's viewport.
"""

from dataclasses import replace

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QDropEvent, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from workbench.engine.data.base import Task
from workbench.engine.model.parameter_count import spec_parameters
from workbench.engine.model.templates import from_template
from workbench.engine.spec import HeadSpec, InputSpec, RecurrentSpec
from workbench.ui.canvas import ArchitectureEditor, PaletteEntry
from workbench.ui.canvas.items import BlockItem
from workbench.ui.canvas.mime import MIME_TYPE, decode
from workbench.ui.document import SpecDocument

BIDIRECTIONAL_LM = "a bidirectional encoder cannot generate text left to right"


def translation_task() -> Task:
    return Task(
        "translation",
        InputSpec("tokens", vocab_size=40, embedding_dim=32),
        HeadSpec("next_token", num_outputs=30),
        InputSpec("tokens", vocab_size=30, embedding_dim=32),
    )


def tagging_task() -> Task:
    return Task("tagging", InputSpec("tokens", vocab_size=50, embedding_dim=16), HeadSpec("tagging", 7))


@pytest.fixture
def make_editor(qtbot):
    hosts = []  # qtbot holds widgets weakly

    def make(spec):
        # A host window without a layout: a top-level layout would pass the editor's minimum
        # size to the window, which the offscreen platform answers with a Qt warning.
        host = QWidget()
        hosts.append(host)
        qtbot.addWidget(host)
        host.resize(1200, 700)
        document = SpecDocument(spec)
        editor = ArchitectureEditor(document, host)
        editor.setGeometry(0, 0, 1200, 700)
        host.show()
        qtbot.waitExposed(host)
        return editor, document

    return make


def center_of(editor, part: str) -> QPoint:
    """Where a block is drawn, in viewport coordinates."""
    item = editor.scene.part_items[part]
    return editor.view.mapFromScene(item.sceneBoundingRect().center())


def drop(editor, kind: str, name: str, at: QPoint | None = None) -> bool:
    """Drag a palette entry onto the canvas; True when the view accepted the drag."""
    palette, viewport = editor.palette, editor.view.viewport()
    mime = palette.mimeData([palette.item_for(kind, name)])
    at = at if at is not None else QPoint(viewport.width() // 2, 12)
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(at, Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(viewport, enter)
    move = QDragMoveEvent(at, Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(viewport, move)
    if not (enter.isAccepted() and move.isAccepted()):
        return False
    QApplication.sendEvent(viewport, QDropEvent(QPointF(at), Qt.DropAction.CopyAction, mime, buttons, modifiers))
    return True


def layer_titles(editor, part: str) -> list[str]:
    return [box.title for box in editor.scene.layer_items[part]]


# -- palette ---------------------------------------------------------------------------------


def test_palette_items_carry_their_entry_as_mime(qtbot):
    from workbench.ui.canvas import BlockPalette

    palette = BlockPalette()
    qtbot.addWidget(palette)
    names = {(entry.kind, entry.name) for entry in palette.entries()}
    assert {
        ("template", "stacked"),
        ("template", "attention"),
        ("cell", "gru"),
        ("dropout", "dropout"),
        ("embedding", "embedding"),
        ("head", "classification"),
    } <= names
    item = palette.item_for("template", "encoder-decoder")
    assert item.toolTip(0) and not item.icon(0).isNull()
    mime = palette.mimeData([item])
    assert mime.hasFormat(MIME_TYPE)
    assert decode(mime) == PaletteEntry("template", "encoder-decoder")
    assert palette.supportedDropActions() == Qt.DropAction.CopyAction


def test_a_long_palette_name_wraps_in_a_narrow_palette_rather_than_being_cut(qtbot):
    import numpy as np

    from workbench.ui.canvas import BlockPalette

    palette = BlockPalette()
    qtbot.addWidget(palette)
    palette.resize(palette.minimumWidth(), 600)  # as narrow as the editor lets it be: too narrow for one line
    palette.show()
    qtbot.waitExposed(palette)
    image = palette.viewport().grab().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    shade = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())

    def text_height(name: str) -> int:
        """How many pixel rows of the entry's label, right of its icon, hold dark text."""
        rect = palette.visualItemRect(palette.item_for("template", name))
        label = shade[rect.top() : rect.bottom() + 1, rect.left() + palette.iconSize().width() + 6 : rect.right()]
        rows = np.flatnonzero((label < 128).any(axis=1))
        return int(rows[-1] - rows[0] + 1) if len(rows) else 0

    text = "Handwriting synthesis"
    assert palette.item_for("template", "handwriting synthesis").text(0) == text
    assert text_height("handwriting synthesis") > 1.6 * text_height("captioning")  # two lines: all of it shows


def test_canvas_ignores_foreign_drags(make_editor, lm_spec):
    editor, document = make_editor(lm_spec)
    mime = QMimeData()
    mime.setText("stacked")
    event = QDragEnterEvent(
        QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(editor.view.viewport(), event)
    assert not event.isAccepted()


# -- templates -------------------------------------------------------------------------------


def test_drop_attention_template_on_encoder_decoder(make_editor):
    spec = from_template("encoder-decoder", translation_task(), RecurrentSpec("lstm", 64, 1))
    editor, document = make_editor(spec)
    assert "attention" not in editor.scene.part_items
    assert drop(editor, "template", "attention")
    assert document.spec.template == "attention"
    assert document.undo_stack.undoText() == "Apply attention template"
    assert "Attention" in editor.scene.texts() and "all encoder steps" in editor.scene.texts()
    assert editor.scene.part_items["attention"].title == "Attention"
    assert drop(editor, "template", "encoder-decoder")
    assert document.spec.template == "encoder-decoder" and document.spec.attention is None
    assert "attention" not in editor.scene.part_items
    assert "Target embedding" in editor.scene.texts() and "final state" in editor.scene.texts()
    assert "DECODER" in editor.scene.texts() and layer_titles(editor, "decoder") == ["LSTM 64"]


def test_drop_bidirectional_on_tagger_shows_both_directions(make_editor):
    editor, document = make_editor(from_template("stacked", tagging_task(), RecurrentSpec("gru", 32, 2)))
    assert drop(editor, "template", "bidirectional")
    assert document.spec.template == "bidirectional" and document.spec.encoder.bidirectional
    subtitles = [box.subtitle for box in editor.scene.layer_items["encoder"]]
    assert subtitles == ["layer 1 · forward →", "← backward · layer 1", "layer 2 · forward →", "← backward · layer 2"]
    assert "concat 64" in editor.scene.texts()


def test_bidirectional_language_model_is_refused_and_says_why(make_editor, lm_spec, qtbot):
    editor, document = make_editor(lm_spec)
    with qtbot.waitSignal(editor.view.drop_refused, timeout=1000) as refused:
        assert drop(editor, "template", "bidirectional")
    assert refused.args == [BIDIRECTIONAL_LM]
    assert document.spec == lm_spec and document.undo_stack.count() == 0
    assert editor.scene.banner is not None and editor.scene.banner.isVisible()
    assert BIDIRECTIONAL_LM in editor.scene.texts()
    editor.scene.hide_banner()
    assert BIDIRECTIONAL_LM not in editor.scene.texts()


def test_encoder_decoder_on_language_model_is_refused(make_editor, lm_spec):
    editor, document = make_editor(lm_spec)
    drop(editor, "template", "encoder-decoder")
    assert document.spec == lm_spec
    assert any("translates one sequence into another" in text for text in editor.scene.texts())


def test_handwriting_templates_swap_between_prediction_and_synthesis(make_editor):
    from workbench.engine.data.base import handwriting_task

    alphabet = 40
    prediction = from_template("handwriting", handwriting_task(alphabet), RecurrentSpec("lstm", 64, 2))
    editor, document = make_editor(prediction)
    document.alphabet_size = alphabet  # the project's text, which the main window passes on
    assert drop(editor, "template", "handwriting synthesis")
    assert document.spec.window is not None and document.spec.window.alphabet_size == alphabet
    assert document.spec.encoder == prediction.encoder and not document.problems
    assert any("window" in text.lower() for text in editor.scene.texts())  # the window is drawn
    document.undo_stack.undo()
    assert document.spec == prediction


def test_handwriting_template_on_text_data_is_refused(make_editor, lm_spec):
    editor, document = make_editor(lm_spec)
    drop(editor, "template", "handwriting")
    assert document.spec == lm_spec
    assert any("writes with a pen, but this is language model data" in text for text in editor.scene.texts())


# -- blocks ----------------------------------------------------------------------------------


def test_drop_gru_on_encoder_swaps_its_cell_with_undo(make_editor, lm_spec):
    editor, document = make_editor(lm_spec)
    assert layer_titles(editor, "encoder") == ["LSTM 128", "LSTM 128"]
    assert drop(editor, "cell", "gru", center_of(editor, "encoder"))
    assert document.spec.encoder.cell == "gru"
    assert document.undo_stack.undoText() == "Swap encoder cell to GRU"
    assert layer_titles(editor, "encoder") == ["GRU 128", "GRU 128"]
    assert editor.inspector.fields["encoder.cell"].currentText() == "GRU"
    assert document.undo_stack.count() == 1  # the inspector following the spec made no edit
    document.undo_stack.undo()
    assert layer_titles(editor, "encoder") == ["LSTM 128", "LSTM 128"]
    assert editor.inspector.fields["encoder.cell"].currentText() == "LSTM"
    document.undo_stack.redo()
    assert layer_titles(editor, "encoder") == ["GRU 128", "GRU 128"]


def test_cell_dropped_on_decoder_swaps_the_decoder_only(make_editor):
    editor, document = make_editor(from_template("encoder-decoder", translation_task(), RecurrentSpec("lstm", 64, 1)))
    assert drop(editor, "cell", "rnn", center_of(editor, "decoder"))
    assert document.spec.decoder.cell == "rnn" and document.spec.encoder.cell == "lstm"
    assert layer_titles(editor, "decoder") == ["RNN 64"] and layer_titles(editor, "encoder") == ["LSTM 64"]
    assert drop(editor, "cell", "gru", center_of(editor, "head"))  # off the stacks: the encoder
    assert document.spec.encoder.cell == "gru" and document.spec.decoder.cell == "rnn"


def test_dropout_needs_two_layers(make_editor, lm_spec, qtbot):
    one_layer = replace(lm_spec, encoder=replace(lm_spec.encoder, num_layers=1))
    editor, document = make_editor(one_layer)
    with qtbot.waitSignal(editor.view.drop_refused, timeout=1000):
        drop(editor, "dropout", "dropout", center_of(editor, "encoder"))
    assert document.spec == one_layer
    document.reset(lm_spec)
    assert drop(editor, "dropout", "dropout", center_of(editor, "encoder"))
    assert document.spec.encoder.dropout == pytest.approx(0.2)
    assert "dropout 0.2" in editor.scene.texts()


def test_head_drop_swaps_the_head_or_refuses(make_editor, qtbot):
    editor, document = make_editor(from_template("bidirectional", tagging_task(), RecurrentSpec("gru", 32, 1)))
    assert drop(editor, "head", "classification", center_of(editor, "head"))
    assert document.spec.head.kind == "classification"
    assert editor.scene.part_items["head"].title == "Class per sequence"
    with qtbot.waitSignal(editor.view.drop_refused, timeout=1000) as refused:
        drop(editor, "head", "regression", center_of(editor, "head"))
    assert "cannot read the future" in refused.args[0]
    assert document.spec.head.kind == "classification"


def test_embedding_projects_features_and_is_refused_for_tokens(lm_spec):
    from workbench.ui.canvas.drops import DropRefused, apply_drop

    with pytest.raises(DropRefused, match="already go through an embedding"):
        apply_drop(lm_spec, PaletteEntry("embedding", "embedding"), "inputs")
    task = Task("forecasting", InputSpec("features", feature_dim=3), HeadSpec("regression", 3))
    forecaster = from_template("stacked", task, RecurrentSpec("gru", 16, 1))
    change = apply_drop(forecaster, PaletteEntry("embedding", "embedding"), None)
    assert change.spec.inputs.projection_dim == 64 and change.text == "Add input projection 64"
    assert apply_drop(forecaster, PaletteEntry("cell", "gru"), "encoder") is None  # nothing to change


def test_drag_over_a_stack_outlines_it(make_editor, lm_spec):
    editor, document = make_editor(lm_spec)
    palette, viewport = editor.palette, editor.view.viewport()
    mime = palette.mimeData([palette.item_for("cell", "rnn")])
    at, buttons, modifiers = center_of(editor, "encoder"), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    QApplication.sendEvent(viewport, QDragEnterEvent(at, Qt.DropAction.CopyAction, mime, buttons, modifiers))
    move = QDragMoveEvent(at, Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(viewport, move)
    assert move.isAccepted() and editor.scene.part_items["encoder"].drop_target
    QApplication.sendEvent(viewport, QDragLeaveEvent())
    assert not editor.scene.part_items["encoder"].drop_target
    assert document.undo_stack.count() == 0


# -- diagram ---------------------------------------------------------------------------------


def test_every_layer_is_its_own_box(make_editor, lm_spec):
    three = replace(lm_spec, encoder=replace(lm_spec.encoder, num_layers=3, hidden_size=96))
    editor, document = make_editor(three)
    boxes = editor.scene.layer_items["encoder"]
    assert [box.subtitle for box in boxes] == ["layer 1", "layer 2", "layer 3"]
    assert all(isinstance(box, BlockItem) and box.title == "LSTM 96" for box in boxes)
    tops = [box.sceneBoundingRect().top() for box in boxes]
    assert tops == sorted(tops, reverse=True)  # layer 1 at the bottom
    texts = editor.scene.texts()
    assert lm_spec.describe().replace("2 ×", "3 ×").replace("128", "96") in texts
    assert f"{spec_parameters(three):,} parameters" in texts


def test_reverse_source_is_marked(make_editor):
    editor, document = make_editor(from_template("encoder-decoder", translation_task(), RecurrentSpec("gru", 64, 2)))
    assert document.spec.reverse_source
    assert "⇄ source read in reverse" in editor.scene.texts()
    assert "Source embedding" in editor.scene.texts()


def test_clicking_a_block_selects_it(make_editor, lm_spec, qtbot):
    editor, document = make_editor(lm_spec)
    with qtbot.waitSignal(editor.view.part_selected, timeout=1000) as selected:
        QTest.mouseClick(editor.view.viewport(), Qt.MouseButton.LeftButton, pos=center_of(editor, "head"))
    assert selected.args == ["head"]
    assert editor.scene.part_items["head"].selected
    assert editor.inspector.groups["head"].isVisible() and not editor.inspector.groups["encoder"].isVisible()
    with qtbot.waitSignal(editor.view.part_selected, timeout=1000) as selected:
        QTest.mouseClick(editor.view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(3, 3))
    assert selected.args == ["model"]
    assert editor.inspector.groups["encoder"].isVisible()


# -- inspector -------------------------------------------------------------------------------


def test_hidden_size_steps_are_one_undo(make_editor, lm_spec):
    editor, document = make_editor(lm_spec)
    spin = editor.inspector.fields["encoder.hidden_size"]
    for value in (129, 130, 160):
        spin.setValue(value)
    assert document.spec.encoder.hidden_size == 160
    assert layer_titles(editor, "encoder") == ["LSTM 160", "LSTM 160"]
    assert document.undo_stack.count() == 1
    assert document.undo_stack.undoText().startswith("Encoder hidden size")
    assert editor.inspector.parameter_label.text() == f"{spec_parameters(document.spec):,} parameters"
    document.undo_stack.undo()
    assert document.spec == lm_spec and spin.value() == 128
    assert layer_titles(editor, "encoder") == ["LSTM 128", "LSTM 128"]
    assert editor.inspector.parameter_label.text() == f"{spec_parameters(lm_spec):,} parameters"


def test_bidirectional_language_model_is_drawn_invalid(make_editor, lm_spec):
    editor, document = make_editor(lm_spec)
    editor.inspector.fields["encoder.bidirectional"].setChecked(True)
    assert document.spec.encoder.bidirectional and document.undo_stack.undoText() == "Encoder bidirectional on"
    problem_parts = [part for part, item in editor.scene.part_items.items() if item.problem]
    assert problem_parts == ["head"]  # the engine names the head: it cannot predict the next token
    assert [item.toPlainText() for item in editor.scene.problem_items] == [f"⚠ {BIDIRECTIONAL_LM}"]
    assert "— parameters" in editor.scene.texts()
    assert editor.inspector.parameter_label.text() == "— parameters"
    assert BIDIRECTIONAL_LM in editor.inspector.problems_label.text()
    document.undo_stack.undo()
    assert not any(item.problem for item in editor.scene.part_items.values())
    assert editor.scene.problem_items == [] and editor.inspector.problems_label.isHidden()


def test_inspector_shows_only_fields_that_apply(make_editor, lm_spec):
    editor, document = make_editor(lm_spec)
    inspector = editor.inspector
    assert not inspector.groups["decoder"].isVisible() and not inspector.groups["attention"].isVisible()
    assert not inspector.fields["head.pooling"].isVisible()
    assert not inspector.fields["inputs.projection_dim"].isVisible()
    assert inspector.fields["inputs.embedding_dim"].value() == 64
    document.reset(from_template("encoder-decoder", translation_task(), RecurrentSpec("lstm", 64, 1)))
    assert inspector.groups["decoder"].isVisible() and inspector.fields["model.reverse_source"].isChecked()
    inspector.fields["attention.kind"].setCurrentIndex(inspector.fields["attention.kind"].findData("multiplicative"))
    assert document.spec.attention.kind == "multiplicative" and document.spec.template == "attention"
    assert editor.scene.part_items["attention"].subtitle == "Luong scoring"


def test_double_clicking_a_palette_entry_applies_it(make_editor):
    editor, document = make_editor(from_template("stacked", tagging_task(), RecurrentSpec("lstm", 32, 2)))
    editor.palette.entry_activated.emit(PaletteEntry("cell", "gru"))
    assert document.spec.encoder.cell == "gru"


# -- unrolled --------------------------------------------------------------------------------


def test_unrolled_view_copies_each_layer_over_time(make_editor, lm_spec):
    from workbench.ui.canvas.unrolled import STEPS

    editor, document = make_editor(lm_spec)
    editor.unrolled_button.setChecked(True)
    cells = editor.scene.layer_items["encoder"]
    assert len(cells) == 2 * STEPS and {box.title for box in cells} == {"LSTM"}
    assert [box.subtitle for box in cells[:STEPS]] == [f"t = {t}" for t in range(1, STEPS + 1)]
    texts = editor.scene.texts()
    assert "x₁" in texts and "h, c" in texts and "layer 2 →\n128 units" in texts
    assert drop(editor, "cell", "gru", center_of(editor, "encoder"))  # drops still find the stack
    assert {box.title for box in editor.scene.layer_items["encoder"]} == {"GRU"}
    editor.unrolled_button.setChecked(False)
    assert layer_titles(editor, "encoder") == ["GRU 128", "GRU 128"]


def test_unrolled_encoder_decoder_keeps_every_part(make_editor):
    spec = from_template("attention", translation_task(), RecurrentSpec("lstm", 64, 1))
    editor, document = make_editor(spec)
    editor.scene.set_unrolled(True)
    assert set(editor.scene.part_items) == {"inputs", "encoder", "target_inputs", "decoder", "attention", "head"}
    assert "<s>" in editor.scene.texts() and "final state" in editor.scene.texts()
    editor.inspector.fields["decoder.bidirectional"]  # exists, hidden for a valid decoder
    document.edit(replace(spec, decoder=replace(spec.decoder, bidirectional=True)), "Decoder bidirectional on")
    assert editor.scene.part_items["decoder"].problem
    assert any("cannot be bidirectional" in item.toPlainText() for item in editor.scene.problem_items)


# -- captioning ------------------------------------------------------------------------------

CAPTIONING_PARTS = {"inputs", "image_encoder", "target_inputs", "decoder", "attention", "head"}


def captioning_task() -> Task:
    return Task(
        "captioning",
        InputSpec("image", image_size=48, channels=3),
        HeadSpec("next_token", num_outputs=15),
        InputSpec("tokens", vocab_size=15, embedding_dim=32),
    )


@pytest.fixture
def captioner():
    return from_template("captioning", captioning_task(), RecurrentSpec("lstm", 64, 1))


@pytest.mark.parametrize("unrolled", [False, True])
def test_captioning_draws_the_picture_and_its_cnn_in_place_of_an_encoder(make_editor, captioner, unrolled):
    editor, document = make_editor(captioner)
    editor.scene.set_unrolled(unrolled)
    assert set(editor.scene.part_items) == CAPTIONING_PARTS
    texts = editor.scene.texts()
    assert {
        "Picture",
        "48×48×3",
        "CNN",
        "conv 16 → 32 → 64",
        "6×6 grid of 64 features",
        "mean of the grid",
        "+ row, column channels",
    } <= set(texts)
    assert "ENCODER" not in texts and "Features" not in texts
    assert editor.scene.part_items["image_encoder"].title == "CNN"
    assert "encoder" not in editor.scene.layer_items and "decoder" in editor.scene.layer_items


def test_a_problem_of_the_image_encoder_marks_the_cnn(make_editor, captioner):
    six_blocks = replace(captioner, image_encoder=replace(captioner.image_encoder, channels=(8,) * 6))
    editor, document = make_editor(six_blocks)
    problem_parts = [part for part, item in editor.scene.part_items.items() if item.problem]
    assert problem_parts == ["image_encoder"]
    assert "no grid left" in editor.scene.texts()
    assert any("too small for 6 blocks" in item.toPlainText() for item in editor.scene.problem_items)


def test_inspector_shows_the_image_encoder_not_the_encoder(make_editor, captioner):
    editor, document = make_editor(captioner)
    inspector = editor.inspector
    assert inspector.groups["image_encoder"].isVisible() and inspector.groups["decoder"].isVisible()
    assert not inspector.groups["encoder"].isVisible() and not inspector.groups["inputs"].isVisible()
    assert not inspector.fields["model.reverse_source"].isVisible()
    assert inspector.fields["image_encoder.picture"].text() == "48×48, 3 channels"
    assert inspector.fields["image_encoder.channels"].text() == "16, 32, 64"
    assert inspector.fields["image_encoder.grid"].text() == "6×6 grid of 64 features"
    editor.view.select_part("inputs")  # the picture's size is the image encoder's
    assert inspector.groups["image_encoder"].isVisible() and not inspector.groups["decoder"].isVisible()


def test_editing_the_cnn_channels_is_one_undoable_step(make_editor, captioner):
    editor, document = make_editor(captioner)
    channels, parameters = editor.inspector.fields["image_encoder.channels"], editor.inspector.parameter_label
    channels.selectAll()
    QTest.keyClicks(channels, "8, 16")
    QTest.keyClick(channels, Qt.Key.Key_Return)
    assert document.spec.image_encoder.channels == (8, 16)
    assert document.undo_stack.count() == 1 and document.undo_stack.undoText() == "Image encoder channels 8, 16"
    assert parameters.text() == f"{spec_parameters(document.spec):,} parameters" != f"{spec_parameters(captioner):,}"
    assert {"conv 8 → 16", "12×12 grid of 16 features"} <= set(editor.scene.texts())
    document.undo_stack.undo()
    assert document.spec == captioner and channels.text() == "16, 32, 64"
    assert parameters.text() == f"{spec_parameters(captioner):,} parameters"
    assert "conv 16 → 32 → 64" in editor.scene.texts()


def test_the_channels_edit_takes_one_to_five_blocks(make_editor, captioner):
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QFocusEvent

    editor, document = make_editor(captioner)
    channels = editor.inspector.fields["image_encoder.channels"]
    QTest.keyClicks(channels, ", 128, 256, 512")  # a sixth block is refused as it is typed
    assert channels.text().strip() == "16, 32, 64, 128, 256"
    channels.selectAll()
    QTest.keyClicks(channels, "08,")  # the 0 is refused: no block has 0 channels
    assert channels.text() == "8,"
    QApplication.sendEvent(channels, QFocusEvent(QEvent.Type.FocusOut))  # left half-typed: back to the spec
    assert channels.text() == "16, 32, 64" and document.undo_stack.count() == 0


def test_coordinates_check_box_edits_the_cnn(make_editor, captioner):
    editor, document = make_editor(captioner)
    editor.inspector.fields["image_encoder.coordinates"].setChecked(False)
    assert not document.spec.image_encoder.coordinates
    assert document.undo_stack.undoText() == "Image encoder coordinates off"
    assert spec_parameters(document.spec) < spec_parameters(captioner)  # the first convolution reads 2 fewer
    assert "+ row, column channels" not in editor.scene.texts()


def test_captioning_template_on_text_data_is_refused(make_editor, lm_spec, qtbot):
    editor, document = make_editor(lm_spec)
    with qtbot.waitSignal(editor.view.drop_refused, timeout=1000) as refused:
        assert drop(editor, "template", "captioning")
    assert refused.args == ["the captioning template writes about pictures, but this is language model data"]
    assert document.spec == lm_spec and refused.args[0] in editor.scene.texts()


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("attention", "a recurrent encoder cannot read pictures: use the captioning template"),
        ("encoder-decoder", "a recurrent encoder cannot read pictures: use the captioning template"),
        ("stacked", "a model that reads pictures needs an image encoder (a CNN): start from the captioning template"),
        ("handwriting", "the handwriting template writes with a pen, but this is captioning data"),
    ],
)
def test_text_templates_on_a_captioning_model_are_refused(make_editor, captioner, qtbot, template, message):
    editor, document = make_editor(captioner)
    with qtbot.waitSignal(editor.view.drop_refused, timeout=1000) as refused:
        assert drop(editor, "template", template)
    assert refused.args == [message] and message in editor.scene.texts()
    assert document.spec == captioner


def test_captioning_template_again_keeps_the_cnn_and_embedding_is_refused(captioner):
    from workbench.ui.canvas.drops import DropRefused, apply_drop

    small = replace(captioner, image_encoder=replace(captioner.image_encoder, channels=(8, 16)))
    assert apply_drop(small, PaletteEntry("template", "captioning"), None) is None
    with pytest.raises(DropRefused, match="the pictures go through the CNN"):
        apply_drop(captioner, PaletteEntry("embedding", "embedding"), "inputs")


def test_cell_dropped_on_a_captioning_decoder_swaps_it(make_editor, captioner):
    editor, document = make_editor(captioner)
    assert drop(editor, "cell", "gru", center_of(editor, "decoder"))
    assert document.spec.decoder.cell == "gru" and document.undo_stack.undoText() == "Swap decoder cell to GRU"
    assert document.spec.encoder == document.spec.decoder  # the unbuilt encoder field follows, as the template fills it
    assert layer_titles(editor, "decoder") == ["GRU 64"] and not document.problems
    assert drop(editor, "cell", "rnn", center_of(editor, "image_encoder"))  # the decoder is the only stack
    assert document.spec.decoder.cell == "rnn" == document.spec.encoder.cell
    editor.inspector.fields["decoder.hidden_size"].setValue(96)
    assert document.spec.encoder == document.spec.decoder and document.spec.decoder.hidden_size == 96
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert document.spec.decoder.cell == "gru" and document.spec.encoder == document.spec.decoder

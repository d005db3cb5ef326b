"""The spec document: edits are undoable commands, spin-box steps merge, problems are listed."""

from dataclasses import replace

from workbench.ui.document import SpecDocument


def test_edit_undo_redo(qtbot, lm_spec):
    document = SpecDocument(lm_spec)
    seen = []
    document.spec_changed.connect(seen.append)
    gru = replace(lm_spec, encoder=replace(lm_spec.encoder, cell="gru"))
    document.edit(gru, "Swap encoder cell to GRU")
    assert document.spec == gru and seen == [gru]
    assert document.undo_stack.undoText() == "Swap encoder cell to GRU"
    document.undo_stack.undo()
    assert document.spec == lm_spec and seen[-1] == lm_spec
    document.undo_stack.redo()
    assert document.spec == gru


def test_steps_of_one_field_merge_into_one_undo(qtbot, lm_spec):
    document = SpecDocument(lm_spec)
    for size in (129, 130, 131):
        spec = replace(document.spec, encoder=replace(document.spec.encoder, hidden_size=size))
        document.edit(spec, "Hidden size", merge_key="encoder.hidden_size")
    assert document.undo_stack.count() == 1
    document.undo_stack.undo()
    assert document.spec.encoder.hidden_size == 128


def test_problems_and_parameter_count(qtbot, lm_spec):
    document = SpecDocument(lm_spec)
    assert document.problems == [] and document.parameter_count > 0
    document.edit(replace(lm_spec, encoder=replace(lm_spec.encoder, bidirectional=True)), "Bidirectional")
    assert "cannot generate text left to right" in document.problems[0].message
    assert document.parameter_count is None

"""The model spec the window shows and edits, with its undo stack.

Views subscribe to ``spec_changed``; gestures call ``edit``, which pushes an undoable command;
only commands call ``set_spec``. The spec may be invalid while the user edits (the canvas shows
why); the engine builds a model from it only when training starts.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from ..engine.model.parameter_count import spec_parameters
from ..engine.spec import ModelSpec, SpecProblem
from .commands import SpecEditCommand


class SpecDocument(QObject):
    spec_changed = Signal(object)  # the new ModelSpec

    def __init__(self, spec: ModelSpec, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._spec = spec
        self.undo_stack = QUndoStack(self)
        self.alphabet_size = 0  # the project text's characters, read by a handwriting synthesis window

    @property
    def spec(self) -> ModelSpec:
        return self._spec

    @property
    def problems(self) -> list[SpecProblem]:
        return self._spec.problems()

    @property
    def parameter_count(self) -> int | None:
        """Parameters of the model this spec builds, or None while it is invalid."""
        return None if self.problems else spec_parameters(self._spec)

    def edit(self, spec: ModelSpec, text: str, merge_key: str | None = None) -> None:
        """Change the spec as one undoable step ("Swap encoder cell to GRU")."""
        if spec != self._spec:
            self.undo_stack.push(SpecEditCommand(self, self._spec, spec, text, merge_key))

    def reset(self, spec: ModelSpec) -> None:
        """Show another project's spec: not an edit, so the undo history starts afresh."""
        self.undo_stack.clear()
        self.set_spec(spec)

    def set_spec(self, spec: ModelSpec) -> None:
        if spec != self._spec:
            self._spec = spec
            self.spec_changed.emit(spec)

"""Undoable edits of the model spec. A spec is immutable, so an edit keeps the old value."""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from ..engine.spec import ModelSpec

_MERGE_IDS: dict[str, int] = {}


def merge_id(key: str) -> int:
    """A stable QUndoCommand id per merge key ("encoder.hidden_size"), so spin-box steps merge."""
    return _MERGE_IDS.setdefault(key, len(_MERGE_IDS) + 1)


class SpecEditCommand(QUndoCommand):
    def __init__(self, document, old: ModelSpec, new: ModelSpec, text: str, merge_key: str | None = None) -> None:
        super().__init__(text)
        self.document = document
        self.old = old
        self.new = new
        self._id = merge_id(merge_key) if merge_key else -1

    def id(self) -> int:
        return self._id

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SpecEditCommand) or other.id() != self.id() or self.id() == -1:
            return False
        self.new = other.new
        self.setText(other.text())  # "Hidden size 160", not the first step's 129
        return True

    def redo(self) -> None:
        self.document.set_spec(self.new)

    def undo(self) -> None:
        self.document.set_spec(self.old)

"""The pad's own undo, redo and clear: actions for its toolbar, with keys that work while it has focus."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QIcon, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QWidget


def stroke_actions(
    widget: QWidget, undo: Callable[[], None], redo: Callable[[], None], clear: Callable[[], None]
) -> tuple[QAction, QAction, QAction]:
    """The pad's Undo Stroke, Redo Stroke and Clear Pad, on their keys."""
    return (
        _pad_action(widget, "Undo Stroke", "Take back the last stroke", ["Ctrl+Z"], undo, QIcon.ThemeIcon.EditUndo),
        _pad_action(
            widget,
            "Redo Stroke",
            "Put back the stroke last taken back",
            ["Ctrl+Shift+Z", "Ctrl+Y"],
            redo,
            QIcon.ThemeIcon.EditRedo,
        ),
        _pad_action(
            widget,
            "Clear Pad",
            "Wipe all the ink (Undo brings it back)",
            ["Ctrl+Delete"],
            clear,
            QIcon.ThemeIcon.EditClear,
        ),
    )


def show_ink_state(
    actions: tuple[QAction, QAction, QAction], undo: str | None, redo: str | None, drawing: bool, has_ink: bool
) -> None:
    """Enable and name the actions for the pad's state: ``undo`` and ``redo`` are its history's
    next edit each way ("stroke", "clear" or None); a stroke being drawn can always be taken back."""
    undo_action, redo_action, clear_action = actions
    undo_action.setEnabled(undo is not None or drawing)
    undo_action.setText("Undo Clear" if undo == "clear" else "Undo Stroke")
    redo_action.setEnabled(redo is not None)
    redo_action.setText("Redo Clear" if redo == "clear" else "Redo Stroke")
    clear_action.setEnabled(has_ink or drawing)


def _pad_action(
    widget: QWidget, text: str, tip: str, keys: list[str], slot: Callable[[], None], icon: QIcon.ThemeIcon
) -> QAction:
    """An action of ``widget`` (and the widgets inside it) on ``keys``; its tooltip names the first key."""
    action = QAction(QIcon.fromTheme(icon), text, widget)
    action.setShortcuts([QKeySequence(key) for key in keys])
    action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    action.setToolTip(f"{tip} ({shortcut})")
    action.setStatusTip(tip)
    action.triggered.connect(slot)
    widget.addAction(action)
    return action


def claims_keys(actions: Iterable[QAction], event: QKeyEvent, drawing: bool) -> bool:
    """Whether the pad takes ``event``'s keys before any shortcut sees them: with the pad focused,
    Ctrl+Z takes back a stroke rather than the window's last edit (and is never ambiguous)."""
    return action_for_keys(actions, event) is not None or (event.key() == Qt.Key.Key_Escape and drawing)


def press_keys(actions: Iterable[QAction], event: QKeyEvent, cancel_stroke: Callable[[], bool]) -> bool:
    """Escape cancels the stroke being drawn, a shortcut triggers its action; False: not the pad's keys."""
    action = action_for_keys(actions, event)
    if event.key() == Qt.Key.Key_Escape and cancel_stroke():
        return True
    if action is not None and action.isEnabled():
        action.trigger()
    return action is not None


def action_for_keys(actions: Iterable[QAction], event: QKeyEvent) -> QAction | None:
    """The action among ``actions`` that the keys pressed in ``event`` are a shortcut of."""
    pressed = QKeySequence(event.keyCombination())
    for action in actions:
        if any(key.matches(pressed) == QKeySequence.SequenceMatch.ExactMatch for key in action.shortcuts()):
            return action
    return None

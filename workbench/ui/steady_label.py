"""A label for text that changes while training runs: a new text repaints the label and nothing else."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize
from PySide6.QtWidgets import QLabel

# What changes the room a text needs: its font, the label's margins, the style.
REMEASURE_ON = (QEvent.Type.FontChange, QEvent.Type.ContentsRectChange, QEvent.Type.StyleChange)


class SteadyLabel(QLabel):
    """A one-line label of fixed size that only ever widens.

    A QLabel whose text changes asks for its layout to be redone, and the request climbs to the
    window: ``QLayout::activate`` ends by calling ``updateGeometry`` on its widget whether or not
    anything moved, and a QTabWidget on the way repaints itself whole when its layout is redone.
    In the main window one such climb costs the GUI thread 1–6 ms, which training waits for. Qt
    stops the climb at a widget of fixed size, so this label fixes its size: one line high, as
    wide as ``template`` or the widest text it has shown. A text wider than any before widens it
    once; shorter texts leave the width alone.
    """

    def __init__(self, template: str = "", parent=None) -> None:
        super().__init__(parent)
        self._template = template
        self._size = QSize()
        self._fit_template()

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        super().setText(text)  # of fixed size, the label asks no layout to be redone
        self._fit()

    def event(self, event) -> bool:
        handled = super().event(event)
        if event.type() in REMEASURE_ON:
            self._size = QSize()
            self._fit_template()
            self._fit()
        return handled

    def _fit_template(self) -> None:
        shown = self.text()
        super().setText(self._template)
        self._fit()
        super().setText(shown)

    def _fit(self) -> None:
        """Widen to the text shown if it needs more room; the height is one line's."""
        hint = self.sizeHint()
        size = QSize(max(self._size.width(), hint.width()), hint.height())
        if size != self._size:
            self._size = size
            self.setFixedSize(size)

"""The architecture editor: palette | canvas | inspector, all views of one SpecDocument."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QSplitter, QToolButton, QVBoxLayout, QWidget

from .inspector import SpecInspector
from .palette import BlockPalette
from .palette_entry import PaletteEntry
from .view import ArchitectureView


class ArchitectureEditor(QWidget):
    """Build a model by dragging palette entries onto the diagram and editing the inspector.

    The main window puts it in a tab or dock and owns the document (and its undo stack).
    """

    def __init__(self, document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.palette = BlockPalette()
        self.view = ArchitectureView(document)
        self.scene = self.view.scene()
        self.inspector = SpecInspector(document)
        self.unrolled_button = QToolButton(text="Unrolled in time")
        self.unrolled_button.setCheckable(True)
        self.unrolled_button.setToolTip("Draw the network copied over a few time steps")
        self.unrolled_button.toggled.connect(self.scene.set_unrolled)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.palette)
        splitter.addWidget(self._canvas_column())
        splitter.addWidget(self.inspector)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setStretchFactor(2, 0)
        splitter.setSizes([185, 735, 280])
        splitter.setChildrenCollapsible(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self.splitter = splitter
        self.view.part_selected.connect(self.inspector.show_part)
        self.palette.entry_activated.connect(self._on_entry_activated)

    def _canvas_column(self) -> QWidget:
        column = QWidget()
        layout = QVBoxLayout(column)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 4)
        bar.addStretch(1)
        bar.addWidget(self.unrolled_button)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        return column

    def _on_entry_activated(self, entry: PaletteEntry) -> None:
        """A double-clicked palette entry applies to the selected part, as if dropped there."""
        self.view.apply_entry(entry, self.inspector.part)

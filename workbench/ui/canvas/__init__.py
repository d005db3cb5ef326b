"""The architecture canvas: a palette, a block diagram drawn from the spec, and an inspector.

Everything here is a view of ``SpecDocument``: drops and form edits become undoable
``document.edit`` calls, and every widget redraws from ``spec_changed``.
"""

from .diagram import ArchitectureScene
from .editor import ArchitectureEditor
from .inspector import SpecInspector
from .mime import MIME_TYPE
from .palette import BlockPalette
from .palette_entry import PaletteEntry
from .view import ArchitectureView

__all__ = [
    "MIME_TYPE",
    "ArchitectureEditor",
    "ArchitectureScene",
    "ArchitectureView",
    "BlockPalette",
    "PaletteEntry",
    "SpecInspector",
]

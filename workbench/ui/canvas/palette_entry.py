"""What one palette item stands for, as a plain record (``mime`` carries it through a drag)."""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("template", "cell", "embedding", "dropout", "head")


@dataclass(frozen=True)
class PaletteEntry:
    """One draggable palette item: ``kind`` is one of KINDS, ``name`` says which one."""

    kind: str  # "template", "cell", "embedding", "dropout" or "head"
    name: str  # "stacked", "gru", "next_token", ...

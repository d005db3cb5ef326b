"""What a palette drag carries: a small JSON record under the workbench's own MIME type.

The palette encodes a ``PaletteEntry`` with ``encode``; the canvas reads it back with
``decode``. Anything else dropped on the canvas (files, text) decodes to ``None`` and is ignored.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QByteArray, QMimeData

from .palette_entry import KINDS, PaletteEntry

MIME_TYPE = "application/x-sequence-workbench-block"


def encode(entry: PaletteEntry) -> QMimeData:
    mime = QMimeData()
    payload = json.dumps({"kind": entry.kind, "name": entry.name})
    mime.setData(MIME_TYPE, QByteArray(payload.encode("utf-8")))
    return mime


def decode(mime: QMimeData | None) -> PaletteEntry | None:
    """The entry a drag carries, or None when it is not a (well-formed) palette drag."""
    if mime is None or not mime.hasFormat(MIME_TYPE):
        return None
    try:
        data = json.loads(bytes(mime.data(MIME_TYPE).data()).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    kind, name = data.get("kind"), data.get("name")
    if kind not in KINDS or not isinstance(name, str):
        return None
    return PaletteEntry(kind, name)

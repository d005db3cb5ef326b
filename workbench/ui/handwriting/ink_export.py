"""Ink as files: SVG (the engine's Qt-free writer) and PNG (drawn as the pad draws it).

Strokes are (n, 2) arrays of absolute pen positions in the pad's ink coordinates (y down, see
``pad``); both formats fit their view to the ink's bounds plus a margin and are written
atomically (see ``engine.export.svg``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter

from ...engine.common.atomic import write_atomically
from ...engine.export.svg import DEFAULT_MARGIN, checked_strokes, ink_bounds, ink_to_svg, view_box
from .ink import INK_COLOR, INK_WIDTH, ink_pen, stroke_path

__all__ = ["ink_bounds", "ink_to_png", "ink_to_svg"]

DEFAULT_PNG_WIDTH = 1200
MAX_PNG_SIDE = 16_384


def ink_to_png(
    strokes: list[np.ndarray],
    path: str | os.PathLike,
    width_px: int = DEFAULT_PNG_WIDTH,
    stroke_width: float = INK_WIDTH,
    margin: float = DEFAULT_MARGIN,
    color: str = INK_COLOR.name(),
    background: str | None = "white",
) -> None:
    """Draw ``strokes`` into a PNG ``width_px`` wide, the height following the ink's aspect.

    ``stroke_width`` and ``margin`` are in ink pixels and scale with the image; ``background``
    None leaves it transparent. Qt's painter needs a QGuiApplication (or QApplication) to exist,
    as it does in the workbench; a script without one gets a RuntimeError, not a crash.
    """
    if QGuiApplication.instance() is None:
        raise RuntimeError("ink_to_png draws with Qt: create a QGuiApplication (or QApplication) first")
    kept = checked_strokes(strokes)
    image = _render(kept, int(width_px), stroke_width, margin, QColor(color), background)

    def save(temporary: Path) -> None:
        if not image.save(str(temporary), "PNG"):
            raise OSError(f"Qt could not write a PNG to {temporary.parent}")

    write_atomically(Path(path), save)


def _render(
    strokes: list[np.ndarray],
    width_px: int,
    stroke_width: float,
    margin: float,
    color: QColor,
    background: str | None,
) -> QImage:
    if not 1 <= width_px <= MAX_PNG_SIDE:
        raise ValueError(f"width_px must be between 1 and {MAX_PNG_SIDE}, not {width_px}")
    x, y, width, height = view_box(strokes, margin)
    scale = width_px / width
    height_px = min(max(round(height * scale), 1), MAX_PNG_SIDE)
    image = QImage(width_px, height_px, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor(background) if background is not None else QColor(Qt.GlobalColor.transparent))
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.scale(scale, scale)
        painter.translate(QPointF(-x, -y))
        painter.setPen(ink_pen(color, stroke_width))
        for stroke in strokes:
            painter.drawPath(stroke_path(stroke))
    finally:
        painter.end()
    return image

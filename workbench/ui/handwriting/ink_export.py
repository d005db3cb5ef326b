"""Ink as files: SVG (one <path> per stroke) and PNG (drawn as the pad draws it).

Strokes are (n, 2) arrays of absolute pen positions in the pad's ink coordinates (y down, see
``pad``); both formats fit their view to the ink's bounds plus a margin. A file is written next
to its destination under a temporary name and moved into place only when complete, so a failed
export leaves neither a half-written file nor a clobbered old one.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter

from .ink import INK_COLOR, INK_WIDTH, as_stroke, ink_pen, stroke_path

DEFAULT_MARGIN = 20.0  # ink pixels around the ink's bounds
DEFAULT_PNG_WIDTH = 1200
MAX_PNG_SIDE = 16_384


def ink_bounds(strokes: list[np.ndarray]) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of all the pen positions."""
    points = np.concatenate(_checked(strokes))
    (left, top), (right, bottom) = points.min(axis=0), points.max(axis=0)
    return float(left), float(top), float(right), float(bottom)


def _checked(strokes: list[np.ndarray]) -> list[np.ndarray]:
    """The strokes that hold points; ValueError if none do (or one is malformed)."""
    kept = [as_stroke(stroke) for stroke in strokes if len(stroke) > 0]
    if not kept:
        raise ValueError("there is no ink to export: draw something on the pad first")
    return kept


def _view_box(strokes: list[np.ndarray], margin: float) -> tuple[float, float, float, float]:
    """(x, y, width, height) of the ink's bounds grown by ``margin``; never zero-sized."""
    left, top, right, bottom = ink_bounds(strokes)
    margin = max(float(margin), 0.0)
    return left - margin, top - margin, max(right - left + 2 * margin, 1.0), max(bottom - top + 2 * margin, 1.0)


def _number(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def svg_path_data(stroke: np.ndarray) -> str:
    """The path's d attribute, M then L, one command per point.

    A one-point stroke (a dot) becomes a zero-length line, which SVG draws as a round cap.
    """
    pairs = [f"{_number(x)} {_number(y)}" for x, y in stroke.tolist()]
    if len(pairs) == 1:
        pairs.append(pairs[0])
    return "M " + pairs[0] + "".join(f" L {pair}" for pair in pairs[1:])


def ink_to_svg(
    strokes: list[np.ndarray], path: str | os.PathLike, stroke_width: float = INK_WIDTH,
    margin: float = DEFAULT_MARGIN, color: str = INK_COLOR.name(),
) -> None:
    """Write ``strokes`` as an SVG whose viewBox is the ink's bounds plus ``margin`` (ink pixels).

    The width and height are the viewBox's, so one ink pixel is one CSS pixel.
    """
    kept = _checked(strokes)
    x, y, width, height = _view_box(kept, margin)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{_number(width)}" height="{_number(height)}"'
        f' viewBox="{_number(x)} {_number(y)} {_number(width)} {_number(height)}">',
        f'<g fill="none" stroke={quoteattr(color)} stroke-width="{_number(stroke_width)}"'
        ' stroke-linecap="round" stroke-linejoin="round">',
        *(f'<path d="{svg_path_data(stroke)}"/>' for stroke in kept),
        "</g>",
        "</svg>",
        "",
    ]
    text = "\n".join(lines).encode("utf-8")
    _write_atomically(Path(path), lambda temporary: temporary.write_bytes(text))


def ink_to_png(
    strokes: list[np.ndarray], path: str | os.PathLike, width_px: int = DEFAULT_PNG_WIDTH,
    stroke_width: float = INK_WIDTH, margin: float = DEFAULT_MARGIN, color: str = INK_COLOR.name(),
    background: str | None = "white",
) -> None:
    """Draw ``strokes`` into a PNG ``width_px`` wide, the height following the ink's aspect.

    ``stroke_width`` and ``margin`` are in ink pixels and scale with the image; ``background``
    None leaves it transparent. Qt's painter needs a QGuiApplication (or QApplication) to exist,
    as it does in the workbench; a script without one gets a RuntimeError, not a crash.
    """
    if QGuiApplication.instance() is None:
        raise RuntimeError("ink_to_png draws with Qt: create a QGuiApplication (or QApplication) first")
    kept = _checked(strokes)
    image = _render(kept, int(width_px), stroke_width, margin, QColor(color), background)

    def save(temporary: Path) -> None:
        if not image.save(str(temporary), "PNG"):
            raise OSError(f"Qt could not write a PNG to {temporary.parent}")

    _write_atomically(Path(path), save)


def _render(
    strokes: list[np.ndarray], width_px: int, stroke_width: float, margin: float, color: QColor,
    background: str | None,
) -> QImage:
    if not 1 <= width_px <= MAX_PNG_SIDE:
        raise ValueError(f"width_px must be between 1 and {MAX_PNG_SIDE}, not {width_px}")
    x, y, width, height = _view_box(strokes, margin)
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


def _write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """``write`` to a hidden temporary beside ``path``, then replace ``path`` with it."""
    temporary = path.with_name(f".{path.name}.tmp-{secrets.token_hex(4)}")
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        with suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise

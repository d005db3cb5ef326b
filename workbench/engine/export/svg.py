"""Ink as SVG: one <path> per stroke, written without Qt (the command line uses it too).

Strokes are (n, 2) arrays of absolute pen positions, y down (the pad's ink coordinates). The
view box is the ink's bounds plus a margin. Files are written beside their destination under a
temporary name and moved into place only when complete, so a failed export leaves neither a
half-written file nor a clobbered old one.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np

from ..common.atomic import write_atomically

INK_COLOUR = "#1c2541"
INK_WIDTH = 3.8  # ink units: at a pad's scale, a felt pen
DEFAULT_MARGIN = 20.0  # ink units around the ink's bounds


def as_stroke(points, what: str = "stroke") -> np.ndarray:
    """A read-only float32 (n, 2) copy of ``points``, n ≥ 1, finite; ValueError otherwise."""
    array = np.array(points, dtype=np.float32)
    if array.ndim != 2 or array.shape[1] != 2 or len(array) == 0:
        raise ValueError(f"a {what} must be an (n, 2) array of pen positions with n ≥ 1, not shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"a {what} holds NaN or infinite positions")
    array.flags.writeable = False
    return array


def checked_strokes(strokes: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The strokes that hold points; ValueError if none do (or one is malformed)."""
    kept = [as_stroke(stroke) for stroke in strokes if len(stroke) > 0]
    if not kept:
        raise ValueError("there is no ink to export: draw something on the pad first")
    return kept


def ink_bounds(strokes: Sequence[np.ndarray]) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of all the pen positions."""
    points = np.concatenate(checked_strokes(strokes))
    (left, top), (right, bottom) = points.min(axis=0), points.max(axis=0)
    return float(left), float(top), float(right), float(bottom)


def view_box(strokes: Sequence[np.ndarray], margin: float) -> tuple[float, float, float, float]:
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
    pairs = [f"{_number(x)} {_number(y)}" for x, y in np.asarray(stroke).tolist()]
    if len(pairs) == 1:
        pairs.append(pairs[0])
    return "M " + pairs[0] + "".join(f" L {pair}" for pair in pairs[1:])


def ink_to_svg(
    strokes: Sequence[np.ndarray],
    path: str | os.PathLike,
    stroke_width: float = INK_WIDTH,
    margin: float = DEFAULT_MARGIN,
    colour: str = INK_COLOUR,
) -> None:
    """Write ``strokes`` as an SVG whose viewBox is the ink's bounds plus ``margin``.

    The width and height are the viewBox's, so one ink unit is one CSS pixel.
    """
    kept = checked_strokes(strokes)
    x, y, width, height = view_box(kept, margin)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{_number(width)}" height="{_number(height)}"'
        f' viewBox="{_number(x)} {_number(y)} {_number(width)} {_number(height)}">',
        f'<g fill="none" stroke={quoteattr(colour)} stroke-width="{_number(stroke_width)}"'
        ' stroke-linecap="round" stroke-linejoin="round">',
        *(f'<path d="{svg_path_data(stroke)}"/>' for stroke in kept),
        "</g>",
        "</svg>",
        "",
    ]
    text = "\n".join(lines).encode("utf-8")
    write_atomically(Path(path), lambda temporary: temporary.write_bytes(text))

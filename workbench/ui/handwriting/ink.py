"""Ink as data and as paint: strokes, their bounds, paths and pen, the stroke being drawn, the undo
history of a pad, the cache of finished ink, and the density image drawn under the pen.

Coordinates are the pad's ink coordinates (see ``pad``): pixels of its canvas, y down.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainterPath, QPen

from ...engine.export.svg import INK_COLOUR, INK_WIDTH

INK_COLOR = QColor(INK_COLOUR)  # INK_WIDTH is in ink pixels: the ink thickens as the pad grows, like a zoomed page
_DENSITY_STOPS = ((0.0, (70, 110, 230)), (0.55, (130, 60, 200)), (1.0, (245, 165, 45)))  # blue → violet → amber
_DENSITY_ALPHA = 0.8  # opacity at the peak
_DOT_NUDGE = 0.01  # a one-point stroke becomes a line this long, so the round cap draws a dot

Ink = list[np.ndarray]


def stroke_path(points: np.ndarray) -> QPainterPath:
    """A polyline through (n, 2) ``points``; a single point gives a dot (with a round cap)."""
    path = QPainterPath()
    xy = np.asarray(points, dtype=np.float64).tolist()
    if xy:
        path.moveTo(*xy[0])
        if len(xy) == 1:
            path.lineTo(xy[0][0] + _DOT_NUDGE, xy[0][1])
        _extend_path(path, xy[1:])
    return path


def _extend_path(path: QPainterPath, xy: list[list[float]]) -> None:
    for x, y in xy:
        path.lineTo(x, y)


def strokes_bounds(strokes) -> QRectF | None:
    """The smallest rectangle (ink coordinates) holding every point of ``strokes``; None for no points."""
    points = [stroke for stroke in strokes if len(stroke)]
    if not points:
        return None
    xy = np.concatenate(points)  # (n, 2)
    (left, top), (right, bottom) = xy.min(axis=0), xy.max(axis=0)
    return QRectF(QPointF(float(left), float(top)), QPointF(float(right), float(bottom)))


def united(rect: QRectF | None, other: QRectF | None) -> QRectF | None:
    """The smallest rectangle holding both; either may be None (QRectF.united would drop a
    zero-width or zero-height one, such as the bounds of a straight stroke)."""
    if rect is None or other is None:
        return other if rect is None else rect
    return QRectF(
        QPointF(min(rect.left(), other.left()), min(rect.top(), other.top())),
        QPointF(max(rect.right(), other.right()), max(rect.bottom(), other.bottom())),
    )


def ink_pen(color: QColor, width: float = INK_WIDTH) -> QPen:
    return QPen(color, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)


def density_image(density: np.ndarray) -> QImage:
    """A heatmap of (H, W) ``density``, scaled to its own peak: transparent at 0, blue → amber.

    Only the shape matters to the eye, so any scale (probabilities, raw mixture densities) works.
    """
    values = np.nan_to_num(np.asarray(density, dtype=np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    if values.ndim != 2 or 0 in values.shape:
        raise ValueError(f"a density image must be a non-empty (H, W) array, not shape {values.shape}")
    peak = float(values.max())
    level = np.clip(values / peak, 0.0, 1.0) if peak > 0 else np.zeros_like(values)
    rgba = _DENSITY_LUT[(level * 255).astype(np.uint8)]
    rgba = np.ascontiguousarray(np.round(rgba * _feather(*values.shape)[..., None]).astype(np.uint8))
    height, width = values.shape
    return QImage(rgba.data, width, height, 4 * width, QImage.Format.Format_RGBA8888_Premultiplied).copy()


def _feather(height: int, width: int) -> np.ndarray:
    """1 inside, falling to 0 over the outer tenth of each side: a cut-off density shows no box edge."""

    def ramp(n: int) -> np.ndarray:
        steps = max(n * 0.1, 1.0)
        edge = np.minimum(np.arange(n) + 0.5, n - 0.5 - np.arange(n))
        return np.clip(edge / steps, 0.0, 1.0)

    return np.outer(ramp(height), ramp(width))


def _density_lut() -> np.ndarray:
    """256 premultiplied RGBA colours; opacity rises faster than the value so the tails show."""
    level = np.linspace(0.0, 1.0, 256)
    stops = np.array([stop for stop, _ in _DENSITY_STOPS])
    rgb = np.stack([np.interp(level, stops, [colour[c] for _, colour in _DENSITY_STOPS]) for c in range(3)], axis=1)
    alpha = _DENSITY_ALPHA * level**0.6
    return np.round(np.concatenate([rgb * alpha[:, None], 255 * alpha[:, None]], axis=1)).astype(np.uint8)


_DENSITY_LUT = _density_lut()


class LiveStroke:
    """The stroke being drawn: its points so far and their painter path, grown as the pen moves."""

    def __init__(self, x: float, y: float) -> None:
        self.points = [(x, y)]
        self.path = stroke_path(np.array(self.points))

    def add(self, x: float, y: float, min_distance: float) -> bool:
        """Add a point, unless it lies within ``min_distance`` of the last (a resting pen adds none)."""
        last_x, last_y = self.points[-1]
        if math.hypot(x - last_x, y - last_y) < min_distance:
            return False
        self.points.append((x, y))
        self.path.lineTo(x, y)
        return True


class InkHistory:
    """Finished strokes with undo and redo; no Qt.

    Each edit keeps the strokes before it (arrays are shared, never written), so undo after a
    stroke removes that stroke and undo after ``clear`` brings all the ink back. Ink that came
    from ``reset`` has no edits, and undo then removes its last stroke, one at a time.
    """

    def __init__(self) -> None:
        self.strokes: tuple[np.ndarray, ...] = ()
        self._undo: list[tuple[str, tuple[np.ndarray, ...]]] = []  # (edit, strokes before it)
        self._redo: list[tuple[str, tuple[np.ndarray, ...]]] = []  # (edit, strokes after it)

    def add(self, stroke: np.ndarray) -> int:
        self._edit("stroke", self.strokes + (stroke,))
        return len(self.strokes) - 1

    def clear(self) -> bool:
        if not self.strokes:
            return False
        self._edit("clear", ())
        return True

    def reset(self, strokes: tuple[np.ndarray, ...]) -> None:
        self.strokes = strokes
        self._undo.clear()
        self._redo.clear()

    def _edit(self, name: str, strokes: tuple[np.ndarray, ...]) -> None:
        self._undo.append((name, self.strokes))
        self._redo.clear()
        self.strokes = strokes

    @property
    def undo_name(self) -> str | None:
        """What undo takes back: "stroke", "clear", or None when there is nothing."""
        return self._undo[-1][0] if self._undo else "stroke" if self.strokes else None

    @property
    def redo_name(self) -> str | None:
        return self._redo[-1][0] if self._redo else None

    def undo(self) -> bool:
        if self.undo_name is None:
            return False
        name, before = self._undo.pop() if self._undo else ("stroke", self.strokes[:-1])
        self._redo.append((name, self.strokes))
        self.strokes = before
        return True

    def redo(self) -> bool:
        if not self._redo:
            return False
        name, after = self._redo.pop()
        self._undo.append((name, self.strokes))
        self.strokes = after
        return True


class PathCache:
    """Painter paths for strokes that grow between calls (the model writing, point by point).

    A stroke that extends the one seen last time has its path extended, not rebuilt, so a
    caller animating the model's ink by sending all of it again each frame pays only for the
    new points (and a numpy comparison).
    """

    def __init__(self) -> None:
        self.strokes: list[np.ndarray] = []
        self.paths: list[QPainterPath] = []

    def update(self, strokes: list[np.ndarray]) -> int | None:
        """Take ``strokes``; return the index of the first stroke that changed, None if none did."""
        first_changed = None
        for index, stroke in enumerate(strokes):
            old = self.strokes[index] if index < len(self.strokes) else None
            if old is not None and len(stroke) == len(old) and np.array_equal(stroke, old):
                continue
            first_changed = index if first_changed is None else first_changed
            if old is not None and len(stroke) > len(old) and np.array_equal(stroke[: len(old)], old):
                _extend_path(self.paths[index], stroke[len(old) :].astype(np.float64).tolist())
                self.strokes[index] = stroke
            elif old is not None:
                self.strokes[index], self.paths[index] = stroke, stroke_path(stroke)
            else:
                self.strokes.append(stroke)
                self.paths.append(stroke_path(stroke))
        if len(self.strokes) > len(strokes):
            first_changed = len(strokes) if first_changed is None else first_changed
            del self.strokes[len(strokes) :], self.paths[len(strokes) :]
        return first_changed

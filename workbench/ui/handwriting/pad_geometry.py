"""Where the pad's paper lies in its widget, and how much ink it shows.

The pad shows a view rectangle: its canvas, grown to hold all the ink when some lies outside it
(a line the model wrote past the right edge, the user's ink set from elsewhere). That rectangle
is a sheet of paper scaled to fit the widget, aspect kept, centred::

    widget = offset + scale * (ink - view_origin)        ink = (widget - offset) / scale + view_origin
    scale  = min((widget_width - 2 * MARGIN) / view_width, (widget_height - 2 * MARGIN) / view_height)

``ink_transform`` is that map as a QTransform. Pen positions are clamped to the paper
(``clamped``), so ink never leaves it and no ink is ever cut off at its edge.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QTransform

from .ink import Ink, strokes_bounds, united

MARGIN = 10  # widget pixels between the paper and the widget's edge
FIT_MARGIN = 40.0  # ink pixels of paper kept beyond the model's line when the paper grows to hold it


def ink_transform(view: QRectF, widget_width: int, widget_height: int) -> QTransform:
    """Ink coordinates → widget coordinates: ``view`` on paper fitted into the widget."""
    width, height = view.width(), view.height()
    scale = max(min((widget_width - 2 * MARGIN) / width, (widget_height - 2 * MARGIN) / height), 1e-6)
    dx = (widget_width - scale * width) / 2 - scale * view.left()
    dy = (widget_height - scale * height) / 2 - scale * view.top()
    return QTransform(scale, 0.0, 0.0, scale, dx, dy)


def fitted_view(canvas_size: tuple[float, float], ink: Ink, overlay: Ink, overlay_extent: QRectF | None) -> QRectF:
    """The canvas, grown to hold all the ink.

    The finished ink is held as it is (the pen never leaves the paper, so a stroke drawn never
    grows it); the overlay and its extent keep ``FIT_MARGIN`` of paper beyond them.
    """
    view = united(QRectF(0.0, 0.0, *canvas_size), strokes_bounds(ink))
    reach = united(strokes_bounds(overlay), overlay_extent)
    if reach is not None:
        view = united(view, reach.adjusted(-FIT_MARGIN, -FIT_MARGIN, FIT_MARGIN, FIT_MARGIN))
    return view


def clamped(point: QPointF, view: QRectF) -> QPointF:
    """``point`` (ink coordinates) moved onto the paper that shows ``view``."""
    return QPointF(min(max(point.x(), view.left()), view.right()), min(max(point.y(), view.top()), view.bottom()))

"""The drawing pad: the user writes a line with mouse or pen, and the model's view is drawn over it.

Ink coordinates
    Ink lives on a fixed logical canvas of ``canvas_size`` (width, height) ink pixels, origin at
    its top left, **y pointing down** (Qt's convention; the engine flips or normalises as it
    needs). A stroke is an (n, 2) float32 array of absolute pen positions (x, y) in the order the
    pen passed them; the ink is a list of strokes. Offsets and pen-up bits are the engine's job.

Widget transform
    The pad shows ``view_rect()`` (its canvas grown to hold all the ink) as a sheet of paper fitted
    into the widget; ``ink_transform()`` is that map (see ``pad_geometry``), ``ink_to_widget`` and
    ``widget_to_ink`` apply it each way. The paper is painted by ``pad_paper``.

What the model shows (overlay strokes, the density of the next pen position, the chance that
the pen lifts) is only drawn here; the pad never computes it and never touches torch.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QAction, QColor, QImage, QKeyEvent, QPainter, QPainterPath, QPixmap, QTransform
from PySide6.QtWidgets import QWidget

from ...engine.export.svg import as_stroke
from .ink import INK_COLOR, INK_WIDTH, Ink, InkHistory, LiveStroke, PathCache, density_image, ink_pen, stroke_path
from .pad_actions import claims_keys, press_keys, show_ink_state, stroke_actions
from .pad_geometry import MARGIN, clamped, fitted_view, ink_transform
from .pad_paper import BASELINE, HINT_TEXT, on_paper, paint_desk, paint_end_of_stroke, paint_hint, paint_rules

CANVAS_SIZE = (1200.0, 300.0)  # ink pixels: one line of handwriting, 4:1
MIN_POINT_DISTANCE = 1.0  # ink pixels: a resting pen adds no points
MIN_INK_PIXELS = 1.8  # ... but never thinner than this on screen
OVERLAY_COLOR = QColor("#d1495b")


class DrawingPad(QWidget):
    """A sheet of ruled paper to write on; see the module docstring for the coordinates."""

    # Qt-style names: the handwriting views were specified with these.
    strokeFinished = Signal(int)  # noqa: N815 (the index of the stroke just finished)
    inkChanged = Signal()  # noqa: N815 (after any change to the finished strokes)
    penMoved = Signal(QPointF)  # noqa: N815 (ink coordinates, while drawing and while hovering)
    penLeft = Signal()  # noqa: N815 (the pen left the paper; hovering ended)

    def __init__(self, canvas_size: tuple[float, float] = CANVAS_SIZE, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas_size = (float(canvas_size[0]), float(canvas_size[1]))
        self._history = InkHistory()
        self._ink_paths: list[QPainterPath] = []
        self._ink_layer: QPixmap | None = None  # finished ink and settled overlay, drawn once (see paintEvent)
        self._ink_layer_key: tuple | None = None
        self._live: LiveStroke | None = None  # the stroke being drawn
        self._pointer: QPointF | None = None  # ink coordinates of the pen over the paper
        self._overlay = PathCache()
        self._overlay_color = QColor(OVERLAY_COLOR)
        self._overlay_extent: QRectF | None = None  # where the overlay will reach once complete
        self._view = QRectF(0.0, 0.0, *self.canvas_size)  # what the paper shows (see view_rect)
        self._density: tuple[QImage, QRectF] | None = None
        self._end_of_stroke: float | None = None
        self._end_of_stroke_at: QPointF | None = None
        self.setMouseTracking(True)
        self.setTabletTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setAccessibleName("Handwriting pad")
        self.setAccessibleDescription(HINT_TEXT)
        self.undo_action, self.redo_action, self.clear_action = stroke_actions(
            self, self.undo_stroke, self.redo_stroke, self.clear
        )
        self._update_actions()

    def actions_for_toolbar(self) -> list[QAction]:
        return [self.undo_action, self.redo_action, self.clear_action]

    @property
    def ink_layer(self) -> QPixmap | None:
        """The finished ink and settled overlay strokes as last drawn (see ``paintEvent``); None
        when a change has made it stale, until the next paint draws it afresh."""
        return self._ink_layer

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        width = 720
        return QSize(width, round((width - 2 * MARGIN) * self.canvas_size[1] / self.canvas_size[0]) + 2 * MARGIN)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(200, 80)

    # -- the ink ------------------------------------------------------------------------

    def strokes(self) -> Ink:
        """The finished strokes, copies the caller may keep and change."""
        return [stroke.copy() for stroke in self._history.strokes]

    def set_strokes(self, strokes: Ink) -> None:
        """Show ``strokes`` (ink coordinates) in place of the ink, with no undo history."""
        checked = tuple(as_stroke(stroke) for stroke in strokes)
        self._live = None
        self._history.reset(checked)
        self._on_ink_edited()

    def is_empty(self) -> bool:
        """Whether there are no finished strokes (a stroke in progress does not count)."""
        return not self._history.strokes

    def is_drawing(self) -> bool:
        return self._live is not None

    def clear(self) -> None:
        """Wipe the ink, the stroke in progress too; undo brings the finished strokes back."""
        self.cancel_stroke()
        if self._history.clear():
            self._on_ink_edited()

    def undo_stroke(self) -> None:
        """Take back the last stroke (or the last clear); while drawing, cancel that stroke."""
        if self.cancel_stroke():
            return
        if self._history.undo():
            self._on_ink_edited()

    def redo_stroke(self) -> None:
        if self._history.redo():
            self._on_ink_edited()

    def cancel_stroke(self) -> bool:
        """Drop the stroke in progress; False if there was none."""
        if self._live is None:
            return False
        self._live = None
        self._update_actions()
        self.update()
        return True

    def _on_ink_edited(self) -> None:
        self._ink_paths = [stroke_path(stroke) for stroke in self._history.strokes]
        self._ink_layer = None
        self._fit_view()
        self._update_actions()
        self.update()
        self.inkChanged.emit()

    def _update_actions(self) -> None:
        actions = (self.undo_action, self.redo_action, self.clear_action)
        history, drawing = self._history, self._live is not None
        show_ink_state(actions, history.undo_name, history.redo_name, drawing, bool(history.strokes))

    # -- what the model shows -----------------------------------------------------------

    def set_overlay_strokes(self, strokes: Ink, color: QColor | str | None = None) -> None:
        """Draw ``strokes`` (ink coordinates) over the ink in ``color``; [] removes them.

        Cheap to call again with the same strokes grown by a few points: only the last stroke
        is drawn afresh each frame, the others (settled) are kept in a pixmap.
        """
        settled = len(self._overlay.paths) - 1
        first_changed = self._overlay.update([as_stroke(stroke, "overlay stroke") for stroke in strokes])
        if first_changed is not None and (first_changed < len(strokes) - 1 or len(strokes) - 1 != settled):
            self._ink_layer = None
        if color is not None and QColor(color) != self._overlay_color:
            self._overlay_color = QColor(color)
            self._ink_layer = None
        if first_changed is not None:
            self._fit_view()
        self.update()

    def overlay_strokes(self) -> Ink:
        return [stroke.copy() for stroke in self._overlay.strokes]

    def overlay_paths(self) -> list[QPainterPath]:
        """The overlay strokes' painter paths, the pad's own (the last one grows in place as it is drawn in)."""
        return list(self._overlay.paths)

    def set_overlay_extent(self, rect: QRectF | None) -> None:
        """Keep ``rect`` (ink coordinates) in view: where an overlay drawn in over time will reach.

        Told the whole line's bounds before the first point, the pad fits it once and holds
        still while it is drawn in, rather than shrinking frame by frame. None: only the
        overlay strokes themselves are kept in view.
        """
        self._overlay_extent = None if rect is None else QRectF(rect)
        self._fit_view()

    def view_rect(self) -> QRectF:
        """The ink rectangle the paper shows: the canvas, grown to hold all the ink (see ``fitted_view``)."""
        return QRectF(self._view)

    def _fit_view(self) -> None:
        view = fitted_view(self.canvas_size, self._history.strokes, self._overlay.strokes, self._overlay_extent)
        if view != self._view:
            self._view = view
            self._ink_layer = None
            self.update()

    def set_density_image(self, image: np.ndarray | None, rect: QRectF | None = None) -> None:
        """Show (H, W) ``image`` as a heatmap over ``rect`` (ink coordinates; row 0 at the top).

        Meant for the mixture density of the next pen position; scaled to its own peak. None
        removes it.
        """
        if image is None:
            self._density = None
        else:
            if rect is None or rect.isEmpty():
                raise ValueError("a density image needs a non-empty rectangle in ink coordinates")
            self._density = (density_image(image), QRectF(rect))
        self.update()

    def set_end_of_stroke_probability(self, p: float | None, at: QPointF | None = None) -> None:
        """Show the chance that the pen lifts next as a ring at ``at`` (ink coordinates).

        Without ``at`` the ring follows the pen; with the pen off the paper the chance is written
        in the paper's corner. None removes it.
        """
        self._end_of_stroke = None if p is None else min(max(float(p), 0.0), 1.0)
        self._end_of_stroke_at = None if at is None else QPointF(at)
        self.update()

    # -- the transform ------------------------------------------------------------------

    def ink_transform(self) -> QTransform:
        """Ink coordinates → widget coordinates (see ``pad_geometry``)."""
        return ink_transform(self._view, self.width(), self.height())

    def ink_to_widget(self, point: QPointF) -> QPointF:
        return self.ink_transform().map(QPointF(point))

    def widget_to_ink(self, point: QPointF) -> QPointF:
        return self.ink_transform().inverted()[0].map(QPointF(point))

    def paper_rect(self) -> QRectF:
        """The paper (``view_rect()``) in widget coordinates."""
        return self.ink_transform().mapRect(self._view)

    def _clamped_ink(self, widget_point: QPointF) -> QPointF:
        return clamped(self.widget_to_ink(widget_point), self._view)

    # -- the pen ------------------------------------------------------------------------

    def _press(self, widget_point: QPointF) -> bool:
        if self._live is not None or not self.paper_rect().contains(widget_point):
            return False
        point = self._clamped_ink(widget_point)
        self._live = LiveStroke(point.x(), point.y())
        self._pointer = point
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self._update_actions()
        self.update()
        self.penMoved.emit(QPointF(point))
        return True

    def _move(self, widget_point: QPointF) -> None:
        if self._live is None and not self.paper_rect().contains(widget_point):
            self._leave()
            return
        point = self._clamped_ink(widget_point)
        self._pointer = point
        if self._live is not None:
            self._add_point(point)
        if self._end_of_stroke is not None and self._end_of_stroke_at is None:
            self.update()  # the ring follows the pen
        self.penMoved.emit(QPointF(point))

    def _add_point(self, point: QPointF) -> None:
        last = QPointF(*self._live.points[-1])
        if not self._live.add(point.x(), point.y(), MIN_POINT_DISTANCE):
            return
        margin = self._ink_width()
        segment = QRectF(last, point).normalized().adjusted(-margin, -margin, margin, margin)
        self.update(self.ink_transform().mapRect(segment).toAlignedRect().adjusted(-2, -2, 2, 2))

    def _release(self, widget_point: QPointF) -> None:
        if self._live is None:
            return
        self._add_point(self._clamped_ink(widget_point))
        stroke = as_stroke(self._live.points)
        self._live = None
        index = self._history.add(stroke)
        self._ink_paths.append(stroke_path(stroke))
        self._ink_layer = None
        self._update_actions()
        self.update()
        self.strokeFinished.emit(index)
        self.inkChanged.emit()

    def _leave(self) -> None:
        if self._pointer is None:
            return
        self._pointer = None
        self.update()
        self.penLeft.emit()

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if event.button() == Qt.MouseButton.LeftButton and self._press(event.position()):
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self._move(event.position())

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if event.button() == Qt.MouseButton.LeftButton:
            self._release(event.position())

    def leaveEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if self._live is None:
            self._leave()
        super().leaveEvent(event)

    def tabletEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        """Pen input, handled here so Qt makes no mouse events of it as well. Pressure and tilt
        are not kept: the ink is pen positions only, which is all the model reads."""
        kind = event.type()
        if kind == QEvent.Type.TabletPress and event.button() == Qt.MouseButton.LeftButton:
            self._press(event.position())
        elif kind == QEvent.Type.TabletMove:
            self._move(event.position())
        elif kind == QEvent.Type.TabletRelease and event.button() == Qt.MouseButton.LeftButton:
            self._release(event.position())
        event.accept()

    # -- keys ---------------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and claims_keys(
            self.actions_for_toolbar(), event, self.is_drawing()
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        if press_keys(self.actions_for_toolbar(), event, self.cancel_stroke):
            event.accept()
        else:
            super().keyPressEvent(event)

    # -- painting -----------------------------------------------------------------------

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        """Desk and paper, the density, then the cached ink layer, then what changes often: the
        stroke being drawn and the overlay's last (growing) stroke, the ring and labels."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        paper = self.paper_rect()
        paint_desk(painter, self.rect(), self.palette().window(), paper)
        with on_paper(painter, paper, self.ink_transform()):
            paint_rules(painter, self._view, self.canvas_size[1])
            if self._density is not None:
                painter.drawImage(self._density[1], self._density[0])
        painter.drawPixmap(0, 0, self._cached_ink_layer())
        with on_paper(painter, paper, self.ink_transform()):
            if self._live is not None:
                painter.setPen(ink_pen(INK_COLOR, self._ink_width()))
                painter.drawPath(self._live.path)
            if self._overlay.paths:
                painter.setPen(ink_pen(self._overlay_color, self._ink_width()))
                painter.drawPath(self._overlay.paths[-1])
        if self.is_empty() and self._live is None and not self._overlay.paths:
            baseline = self.ink_to_widget(QPointF(0.0, BASELINE * self.canvas_size[1])).y()
            paint_hint(painter, self.font(), paper, baseline)
        if self._end_of_stroke is not None:
            anchor = self._end_of_stroke_at if self._end_of_stroke_at is not None else self._pointer
            centre = None if anchor is None else self.ink_to_widget(anchor)
            paint_end_of_stroke(painter, self.font(), paper, self._end_of_stroke, centre)

    def _ink_width(self) -> float:
        return max(INK_WIDTH, MIN_INK_PIXELS / self.ink_transform().m11())

    def _cached_ink_layer(self) -> QPixmap:
        """The finished ink and all overlay strokes but the last, redrawn only when they change.

        Stroking costs Qt some 10 µs a point, so a line of ink would cost tens of milliseconds
        a frame while the pen hovers or the model writes; a pixmap costs well under one.
        """
        ratio = self.devicePixelRatioF()
        key = (self.width(), self.height(), ratio, self._view.getRect())
        if self._ink_layer is not None and self._ink_layer_key == key:
            return self._ink_layer
        layer = QPixmap(max(round(self.width() * ratio), 1), max(round(self.height() * ratio), 1))
        layer.setDevicePixelRatio(ratio)
        layer.fill(Qt.GlobalColor.transparent)
        painter = QPainter(layer)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        with on_paper(painter, self.paper_rect(), self.ink_transform()):
            painter.setPen(ink_pen(INK_COLOR, self._ink_width()))
            for path in self._ink_paths:
                painter.drawPath(path)
            painter.setPen(ink_pen(self._overlay_color, self._ink_width()))
            for path in self._overlay.paths[:-1]:
                painter.drawPath(path)
        painter.end()
        self._ink_layer, self._ink_layer_key = layer, key
        return layer

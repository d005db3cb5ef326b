"""The drawing pad: the user writes a line with mouse or pen, and the model's view is drawn over it.

Ink coordinates
    Ink lives on a fixed logical canvas of ``canvas_size`` (width, height) ink pixels, origin at
    its top left, **y pointing down** (Qt's convention; the engine flips or normalises as it
    needs). A stroke is an (n, 2) float32 array of absolute pen positions (x, y) in the order the
    pen passed them; the ink is a list of strokes. Offsets and pen-up bits are the engine's job.

Widget transform
    The pad shows ``view_rect()``: the canvas, grown to hold all the ink when some lies outside
    it (a line the model wrote past the right edge, the user's ink set from elsewhere). That
    rectangle is a sheet of paper scaled to fit the widget, aspect kept, centred::

        widget = offset + scale * (ink - view_origin)        ink = (widget - offset) / scale + view_origin
        scale  = min((widget_width - 2 * MARGIN) / view_width, (widget_height - 2 * MARGIN) / view_height)

    ``ink_transform()`` is that map as a QTransform; ``ink_to_widget`` and ``widget_to_ink``
    apply it each way. Pen positions are clamped to the paper, so ink never leaves it and no
    ink is ever cut off at its edge.

What the model shows (overlay strokes, the density of the next pen position, the chance that
the pen lifts) is only drawn here; the pad never computes it and never touches torch.
"""

from __future__ import annotations

import math
from contextlib import contextmanager

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QFont,
    QIcon,
    QImage,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QTransform,
)
from PySide6.QtWidgets import QWidget

from ...engine.export.svg import as_stroke
from .ink import (
    INK_COLOR,
    INK_WIDTH,
    Ink,
    InkHistory,
    PathCache,
    density_image,
    ink_pen,
    stroke_path,
    strokes_bounds,
    united,
)

CANVAS_SIZE = (1200.0, 300.0)  # ink pixels: one line of handwriting, 4:1
MARGIN = 10  # widget pixels between the paper and the widget's edge
MIN_POINT_DISTANCE = 1.0  # ink pixels: a resting pen adds no points
MIN_INK_PIXELS = 1.8  # ... but never thinner than this on screen
BASELINE = 0.68  # of the canvas height: the solid rule the writing sits on
MIDLINE = 0.42  # the dashed x-height rule
LEFT_RULE = 56.0  # ink pixels: the exercise book's red margin
FIT_MARGIN = 40.0  # ink pixels of paper kept beyond the model's line when the paper grows to hold it

OVERLAY_COLOR = QColor("#d1495b")
_PAPER = QColor("#fcfbf6")
_PAPER_EDGE = QColor("#d8d3c4")
_RULE = QColor("#c7d6ea")
_LEFT_RULE = QColor("#efc1c1")
_HINT = QColor("#8a8f98")
_RING = QColor("#2f3b52")
_RING_TRACK = QColor("#c9ccd3")
_RING_HALO = QColor(255, 255, 255, 200)
HINT_TEXT = "Draw a line of your handwriting here"
_HINT_DETAIL = "mouse or pen  ·  Ctrl+Z takes back a stroke  ·  Esc cancels the one you are drawing"


@contextmanager
def _on_paper(painter: QPainter, paper: QRectF, transform: QTransform):
    """Paint in ink coordinates, clipped to the paper."""
    painter.save()
    painter.setClipRect(paper)
    painter.setTransform(transform)
    try:
        yield
    finally:
        painter.restore()


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
        self._live: list[tuple[float, float]] | None = None  # the stroke being drawn
        self._live_path = QPainterPath()
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
        self.undo_action = self._make_action(
            "Undo Stroke",
            "Take back the last stroke",
            ["Ctrl+Z"],
            self.undo_stroke,
            QIcon.ThemeIcon.EditUndo,
        )
        self.redo_action = self._make_action(
            "Redo Stroke",
            "Put back the stroke last taken back",
            ["Ctrl+Shift+Z", "Ctrl+Y"],
            self.redo_stroke,
            QIcon.ThemeIcon.EditRedo,
        )
        self.clear_action = self._make_action(
            "Clear Pad",
            "Wipe all the ink (Undo brings it back)",
            ["Ctrl+Delete"],
            self.clear,
            QIcon.ThemeIcon.EditClear,
        )
        self._update_actions()

    def _make_action(self, text: str, tip: str, keys: list[str], slot, icon: QIcon.ThemeIcon) -> QAction:
        action = QAction(QIcon.fromTheme(icon), text, self)
        action.setShortcuts([QKeySequence(key) for key in keys])
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{tip} ({shortcut})")
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def actions_for_toolbar(self) -> list[QAction]:
        return [self.undo_action, self.redo_action, self.clear_action]

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
        undo, redo = self._history.undo_name, self._history.redo_name
        self.undo_action.setEnabled(undo is not None or self._live is not None)
        self.undo_action.setText("Undo Clear" if undo == "clear" else "Undo Stroke")
        self.redo_action.setEnabled(redo is not None)
        self.redo_action.setText("Redo Clear" if redo == "clear" else "Redo Stroke")
        self.clear_action.setEnabled(bool(self._history.strokes) or self._live is not None)

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

    def set_overlay_extent(self, rect: QRectF | None) -> None:
        """Keep ``rect`` (ink coordinates) in view: where an overlay drawn in over time will reach.

        Told the whole line's bounds before the first point, the pad fits it once and holds
        still while it is drawn in, rather than shrinking frame by frame. None: only the
        overlay strokes themselves are kept in view.
        """
        self._overlay_extent = None if rect is None else QRectF(rect)
        self._fit_view()

    def view_rect(self) -> QRectF:
        """The ink rectangle the paper shows: the canvas, grown to hold all the ink.

        The finished ink is held as it is (the pen never leaves the paper, so a stroke drawn
        never grows it); the overlay and its extent keep ``FIT_MARGIN`` of paper beyond them.
        """
        return QRectF(self._view)

    def _fit_view(self) -> None:
        view = united(QRectF(0.0, 0.0, *self.canvas_size), strokes_bounds(self._history.strokes))
        overlay = united(strokes_bounds(self._overlay.strokes), self._overlay_extent)
        if overlay is not None:
            view = united(view, overlay.adjusted(-FIT_MARGIN, -FIT_MARGIN, FIT_MARGIN, FIT_MARGIN))
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
        """Ink coordinates → widget coordinates (see the module docstring)."""
        view = self._view
        width, height = view.width(), view.height()
        scale = max(min((self.width() - 2 * MARGIN) / width, (self.height() - 2 * MARGIN) / height), 1e-6)
        dx = (self.width() - scale * width) / 2 - scale * view.left()
        dy = (self.height() - scale * height) / 2 - scale * view.top()
        return QTransform(scale, 0.0, 0.0, scale, dx, dy)

    def ink_to_widget(self, point: QPointF) -> QPointF:
        return self.ink_transform().map(QPointF(point))

    def widget_to_ink(self, point: QPointF) -> QPointF:
        return self.ink_transform().inverted()[0].map(QPointF(point))

    def paper_rect(self) -> QRectF:
        """The paper (``view_rect()``) in widget coordinates."""
        return self.ink_transform().mapRect(self._view)

    def _clamped_ink(self, widget_point: QPointF) -> QPointF:
        point, view = self.widget_to_ink(widget_point), self._view
        return QPointF(min(max(point.x(), view.left()), view.right()), min(max(point.y(), view.top()), view.bottom()))

    # -- the pen ------------------------------------------------------------------------

    def _press(self, widget_point: QPointF) -> bool:
        if self._live is not None or not self.paper_rect().contains(widget_point):
            return False
        point = self._clamped_ink(widget_point)
        self._live = [(point.x(), point.y())]
        self._live_path = stroke_path(np.array(self._live))
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
        last_x, last_y = self._live[-1]
        if math.hypot(point.x() - last_x, point.y() - last_y) < MIN_POINT_DISTANCE:
            return
        self._live.append((point.x(), point.y()))
        self._live_path.lineTo(point)
        margin = self._ink_width()
        segment = QRectF(QPointF(last_x, last_y), point).normalized().adjusted(-margin, -margin, margin, margin)
        self.update(self.ink_transform().mapRect(segment).toAlignedRect().adjusted(-2, -2, 2, 2))

    def _release(self, widget_point: QPointF) -> None:
        if self._live is None:
            return
        self._add_point(self._clamped_ink(widget_point))
        stroke = as_stroke(self._live)
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

    def _action_for_keys(self, event: QKeyEvent) -> QAction | None:
        pressed = QKeySequence(event.keyCombination())
        for action in self.actions_for_toolbar():
            if any(key.matches(pressed) == QKeySequence.SequenceMatch.ExactMatch for key in action.shortcuts()):
                return action
        return None

    def event(self, event: QEvent) -> bool:
        """Claim the pad's keys before any shortcut sees them: with the pad focused, Ctrl+Z takes
        back a stroke rather than the window's last edit (and is never ambiguous)."""
        if event.type() == QEvent.Type.ShortcutOverride and (
            self._action_for_keys(event) is not None or (event.key() == Qt.Key.Key_Escape and self.is_drawing())
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        action = self._action_for_keys(event)
        if event.key() == Qt.Key.Key_Escape and self.cancel_stroke():
            event.accept()
        elif action is not None:
            if action.isEnabled():
                action.trigger()
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
        self._paint_desk(painter, paper)
        with _on_paper(painter, paper, self.ink_transform()):
            self._paint_rules(painter)
            if self._density is not None:
                painter.drawImage(self._density[1], self._density[0])
        painter.drawPixmap(0, 0, self._cached_ink_layer())
        with _on_paper(painter, paper, self.ink_transform()):
            if self._live is not None:
                painter.setPen(ink_pen(INK_COLOR, self._ink_width()))
                painter.drawPath(self._live_path)
            if self._overlay.paths:
                painter.setPen(ink_pen(self._overlay_color, self._ink_width()))
                painter.drawPath(self._overlay.paths[-1])
        if self.is_empty() and self._live is None and not self._overlay.paths:
            self._paint_hint(painter, paper)
        if self._end_of_stroke is not None:
            self._paint_end_of_stroke(painter, paper)

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
        with _on_paper(painter, self.paper_rect(), self.ink_transform()):
            painter.setPen(ink_pen(INK_COLOR, self._ink_width()))
            for path in self._ink_paths:
                painter.drawPath(path)
            painter.setPen(ink_pen(self._overlay_color, self._ink_width()))
            for path in self._overlay.paths[:-1]:
                painter.drawPath(path)
        painter.end()
        self._ink_layer, self._ink_layer_key = layer, key
        return layer

    def _paint_desk(self, painter: QPainter, paper: QRectF) -> None:
        """The window colour around a sheet of paper with a soft shadow below and to the right.

        Plain rectangles: antialiased rounded ones cost milliseconds a frame on a large pad.
        """
        painter.fillRect(self.rect(), self.palette().window())
        for offset, alpha in ((3.0, 14), (2.0, 22), (1.0, 34)):
            shadow = QColor(0, 0, 0, alpha)
            painter.fillRect(QRectF(paper.left() + offset, paper.bottom(), paper.width(), offset), shadow)
            painter.fillRect(QRectF(paper.right(), paper.top() + offset, offset, paper.height() - offset), shadow)
        painter.fillRect(paper, _PAPER)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setPen(_PAPER_EDGE)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(paper.adjusted(0, 0, -1, -1))
        painter.restore()

    def _paint_rules(self, painter: QPainter) -> None:
        """The canvas's rules, drawn across the whole paper when it has grown."""
        height = self.canvas_size[1]
        view = self._view
        rule = QPen(_RULE, 1.2)
        rule.setCosmetic(True)
        painter.setPen(rule)
        painter.drawLine(QPointF(view.left(), BASELINE * height), QPointF(view.right(), BASELINE * height))
        rule.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(rule)
        painter.drawLine(QPointF(view.left(), MIDLINE * height), QPointF(view.right(), MIDLINE * height))
        left = QPen(_LEFT_RULE, 1.0)
        left.setCosmetic(True)
        painter.setPen(left)
        painter.drawLine(QPointF(LEFT_RULE, view.top()), QPointF(LEFT_RULE, view.bottom()))

    def _paint_hint(self, painter: QPainter, paper: QRectF) -> None:
        """The hint written on the baseline, the keys below it."""
        baseline = self.ink_to_widget(QPointF(0.0, BASELINE * self.canvas_size[1])).y()
        font = QFont(self.font())
        font.setPointSizeF(max(font.pointSizeF() * 1.35, 9.0))
        font.setItalic(True)
        painter.setFont(font)
        painter.setPen(_HINT)
        descent = painter.fontMetrics().descent()
        above = QRectF(paper.left(), paper.top(), paper.width(), baseline - paper.top() + descent - 1)
        painter.drawText(above, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, HINT_TEXT)
        small = QFont(self.font())
        small.setPointSizeF(max(small.pointSizeF() * 0.9, 7.5))
        painter.setFont(small)
        below = QRectF(paper.left(), baseline + descent + 6, paper.width(), paper.bottom() - baseline)
        painter.drawText(below, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, _HINT_DETAIL)

    def _paint_end_of_stroke(self, painter: QPainter, paper: QRectF) -> None:
        """A ring filled clockwise from 12 o'clock by p, with "lift 37%" beside it."""
        p = self._end_of_stroke
        anchor = self._end_of_stroke_at if self._end_of_stroke_at is not None else self._pointer
        text = f"lift {p:.0%}"
        painter.setFont(QFont(self.font()))
        metrics = painter.fontMetrics()
        if anchor is None:
            label = QRectF(0, 0, metrics.horizontalAdvance(text) + 12, metrics.height() + 4)
            label.moveTopRight(paper.topRight() + QPointF(-8, 8))
            self._paint_label(painter, label, text)
            return
        centre = self.ink_to_widget(anchor)
        radius = 11.0
        ring = QRectF(centre.x() - radius, centre.y() - radius, 2 * radius, 2 * radius)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(_RING_HALO, 6.0))
        painter.drawEllipse(ring)
        painter.setPen(QPen(_RING_TRACK, 3.0))
        painter.drawEllipse(ring)
        painter.setPen(QPen(_RING, 3.0, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
        painter.drawArc(ring, 90 * 16, -round(p * 360 * 16))
        label = QRectF(0, 0, metrics.horizontalAdvance(text) + 12, metrics.height() + 4)
        label.moveBottomLeft(QPointF(ring.right() + 4, ring.top() + 2))
        self._paint_label(painter, label, text)

    def _paint_label(self, painter: QPainter, rect: QRectF, text: str) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 220))
        painter.drawRoundedRect(rect, rect.height() / 2, rect.height() / 2)
        painter.setPen(_RING)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

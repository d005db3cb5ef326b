"""The pad's sheet of ruled paper, painted: the desk around it, its rules, the hint written on an
empty page, and the ring that shows the chance the pen lifts next.

Plain functions of a QPainter: the pad decides what to show and where, these only paint it.
"""

from __future__ import annotations

from contextlib import contextmanager

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen, QTransform

BASELINE = 0.68  # of the canvas height: the solid rule the writing sits on
MIDLINE = 0.42  # the dashed x-height rule
LEFT_RULE = 56.0  # ink pixels: the exercise book's red margin
HINT_TEXT = "Draw a line of your handwriting here"
_HINT_DETAIL = "mouse or pen  ·  Ctrl+Z takes back a stroke  ·  Esc cancels the one you are drawing"

_PAPER = QColor("#fcfbf6")
_PAPER_EDGE = QColor("#d8d3c4")
_RULE = QColor("#c7d6ea")
_LEFT_RULE = QColor("#efc1c1")
_HINT = QColor("#8a8f98")
_RING = QColor("#2f3b52")
_RING_TRACK = QColor("#c9ccd3")
_RING_HALO = QColor(255, 255, 255, 200)
_RING_RADIUS = 11.0  # widget pixels


@contextmanager
def on_paper(painter: QPainter, paper: QRectF, transform: QTransform):
    """Paint in ink coordinates, clipped to the paper."""
    painter.save()
    painter.setClipRect(paper)
    painter.setTransform(transform)
    try:
        yield
    finally:
        painter.restore()


def paint_desk(painter: QPainter, widget_rect: QRect, desk: QBrush, paper: QRectF) -> None:
    """The window colour around a sheet of paper with a soft shadow below and to the right.

    Plain rectangles: antialiased rounded ones cost milliseconds a frame on a large pad.
    """
    painter.fillRect(widget_rect, desk)
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


def paint_rules(painter: QPainter, view: QRectF, canvas_height: float) -> None:
    """The canvas's rules (ink coordinates), drawn across the whole of ``view`` when the paper has grown."""
    rule = QPen(_RULE, 1.2)
    rule.setCosmetic(True)
    painter.setPen(rule)
    painter.drawLine(QPointF(view.left(), BASELINE * canvas_height), QPointF(view.right(), BASELINE * canvas_height))
    rule.setStyle(Qt.PenStyle.DashLine)
    painter.setPen(rule)
    painter.drawLine(QPointF(view.left(), MIDLINE * canvas_height), QPointF(view.right(), MIDLINE * canvas_height))
    left = QPen(_LEFT_RULE, 1.0)
    left.setCosmetic(True)
    painter.setPen(left)
    painter.drawLine(QPointF(LEFT_RULE, view.top()), QPointF(LEFT_RULE, view.bottom()))


def paint_hint(painter: QPainter, font: QFont, paper: QRectF, baseline: float) -> None:
    """The hint written on the baseline (a widget y), the keys below it."""
    large = QFont(font)
    large.setPointSizeF(max(large.pointSizeF() * 1.35, 9.0))
    large.setItalic(True)
    painter.setFont(large)
    painter.setPen(_HINT)
    descent = painter.fontMetrics().descent()
    above = QRectF(paper.left(), paper.top(), paper.width(), baseline - paper.top() + descent - 1)
    painter.drawText(above, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, HINT_TEXT)
    small = QFont(font)
    small.setPointSizeF(max(small.pointSizeF() * 0.9, 7.5))
    painter.setFont(small)
    below = QRectF(paper.left(), baseline + descent + 6, paper.width(), paper.bottom() - baseline)
    painter.drawText(below, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, _HINT_DETAIL)


def paint_end_of_stroke(painter: QPainter, font: QFont, paper: QRectF, p: float, centre: QPointF | None) -> None:
    """A ring at ``centre`` (widget coordinates) filled clockwise from 12 o'clock by ``p``, with
    "lift 37%" beside it; with no centre only the label, in the paper's corner."""
    text = f"lift {p:.0%}"
    painter.setFont(QFont(font))
    metrics = painter.fontMetrics()
    label = QRectF(0, 0, metrics.horizontalAdvance(text) + 12, metrics.height() + 4)
    if centre is None:
        label.moveTopRight(paper.topRight() + QPointF(-8, 8))
        _paint_label(painter, label, text)
        return
    radius = _RING_RADIUS
    ring = QRectF(centre.x() - radius, centre.y() - radius, 2 * radius, 2 * radius)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(_RING_HALO, 6.0))
    painter.drawEllipse(ring)
    painter.setPen(QPen(_RING_TRACK, 3.0))
    painter.drawEllipse(ring)
    painter.setPen(QPen(_RING, 3.0, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
    painter.drawArc(ring, 90 * 16, -round(p * 360 * 16))
    label.moveBottomLeft(QPointF(ring.right() + 4, ring.top() + 2))
    _paint_label(painter, label, text)


def _paint_label(painter: QPainter, rect: QRectF, text: str) -> None:
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(255, 255, 255, 220))
    painter.drawRoundedRect(rect, rect.height() / 2, rect.height() / 2)
    painter.setPen(_RING)
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

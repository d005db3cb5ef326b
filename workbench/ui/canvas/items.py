"""The graphics items the architecture diagram is drawn with, and its colours and fonts.

Items hold no model state: ``ArchitectureScene`` makes them from the spec and throws them away
on the next change. A ``BlockItem`` or ``FrameItem`` may carry ``part`` (the spec part it
draws: "encoder", "head", ...), which is how clicks and drops find their target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsSimpleTextItem,
    QGraphicsTextItem,
    QStyleOptionGraphicsItem,
    QWidget,
)

TEXT = "#1f2933"  # block titles
SECONDARY_TEXT = "#4b5563"  # block subtitles, frame titles, the palette's section names


@dataclass(frozen=True)
class Tint:
    fill: str
    border: str
    text: str = TEXT


CELL_TINTS = {
    "rnn": Tint("#e2e9f3", "#5f7896"),  # grey-blue
    "lstm": Tint("#d6f0ec", "#23917f"),  # teal
    "gru": Tint("#fcebcc", "#d18b1f"),  # amber
}
UNKNOWN_CELL = Tint("#eceef1", "#8a939e")
INPUT_TINT = Tint("#e9eef9", "#5b6fa8")
HEAD_TINT = Tint("#efe6f7", "#8656b0")
ATTENTION_TINT = Tint("#fde4ef", "#c2467f")
CNN_TINT = Tint("#e6efd6", "#6b8e2f")  # olive: convolutions, not a recurrent cell
FRAME_TINT = Tint("#ffffff", "#c9cfd8", SECONDARY_TEXT)

BACKGROUND = QColor("#f5f6f8")
GRID_DOT = QColor("#dfe3e8")
ARROW = QColor("#7b8594")
MUTED = QColor("#6b7280")
PROBLEM = QColor("#d23c3c")
SELECTED = QColor("#2f7fe0")


def font(pixels: int, bold: bool = False) -> QFont:
    """A font sized in scene units, so text scales with the diagram."""
    result = QFont()
    result.setPixelSize(pixels)
    result.setBold(bold)
    return result


def text_item(
    text: str, size: int, parent: QGraphicsItem | None = None, *, bold: bool = False, color: QColor | str = TEXT
) -> QGraphicsSimpleTextItem:
    item = QGraphicsSimpleTextItem(text, parent)
    item.setFont(font(size, bold))
    item.setBrush(QColor(color))
    return item


def text_width(text: str, size: int, bold: bool = False) -> float:
    return QFontMetricsF(font(size, bold)).horizontalAdvance(text)


def wrapped(text: str, width: float, size: int) -> str:
    """``text`` broken into lines at spaces so that each fits ``width`` at font ``size`` (a
    single word wider than that keeps its own line)."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", size) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return "\n".join(lines)


def fitting_width(lines: list[str], minimum: float) -> float:
    """The width of a block whose subtitle ``lines`` fit inside it with a margin, at least ``minimum``."""
    return max([minimum] + [text_width(line, 11) + 28 for line in lines])


class BlockItem(QGraphicsItem):
    """A rounded box with a title and an optional subtitle, every line centred."""

    def __init__(
        self,
        width: float,
        height: float,
        title: str,
        subtitle: str,
        tint: Tint,
        part: str | None = None,
        parent: QGraphicsItem | None = None,
    ) -> None:
        super().__init__(parent)
        self.part = part
        self.tint = tint
        self._rect = QRectF(0, 0, width, height)
        self.problem = False
        self.selected = False
        self.drop_target = False
        self.title_item = text_item(title, 14, self, bold=True, color=tint.text)
        self.subtitle_items = [text_item(line, 11, self, color=SECONDARY_TEXT) for line in subtitle.split("\n") if line]
        self._place_text()

    def _place_text(self) -> None:
        lines = [self.title_item, *self.subtitle_items]
        heights = [line.boundingRect().height() for line in lines]
        y = (self._rect.height() - sum(heights) - 2 * (len(lines) - 1)) / 2
        for line, height in zip(lines, heights):
            line.setPos((self._rect.width() - line.boundingRect().width()) / 2, y)
            y += height + 2

    @property
    def title(self) -> str:
        return self.title_item.text()

    @property
    def subtitle(self) -> str:
        return "\n".join(line.text() for line in self.subtitle_items)

    def rect(self) -> QRectF:
        return QRectF(self._rect)

    def set_state(
        self, *, problem: bool | None = None, selected: bool | None = None, drop_target: bool | None = None
    ) -> None:
        if problem is not None:
            self.problem = problem
        if selected is not None:
            self.selected = selected
        if drop_target is not None:
            self.drop_target = drop_target
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-5, -5, 5, 5)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        paint_box(painter, self._rect, self.tint, 9, self.problem, self.selected, self.drop_target)


def paint_box(
    painter: QPainter,
    rect: QRectF,
    tint: Tint,
    radius: float,
    problem: bool,
    selected: bool,
    drop_target: bool,
    dashed: bool = False,
) -> None:
    """A rounded box; problems outline it red, selection blue, a drop hovering over it dashed."""
    if selected or drop_target:
        halo = QColor(SELECTED)
        halo.setAlpha(60)
        painter.setPen(QPen(halo, 6))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(rect.adjusted(-2, -2, 2, 2), radius + 2, radius + 2)
    painter.setBrush(QBrush(QColor(tint.fill)))
    if problem:
        pen = QPen(PROBLEM, 2.6)
    elif selected or drop_target:
        pen = QPen(SELECTED, 2.2)
    else:
        pen = QPen(QColor(tint.border), 1.4)
    if drop_target or dashed:
        pen.setStyle(Qt.PenStyle.DashLine)
    painter.setPen(pen)
    painter.drawRoundedRect(rect, radius, radius)


class FrameItem(QGraphicsItem):
    """A labelled container around a recurrent stack ("ENCODER"); its boxes are its children."""

    def __init__(
        self, width: float, height: float, title: str, part: str | None = None, parent: QGraphicsItem | None = None
    ) -> None:
        super().__init__(parent)
        self.part = part
        self._rect = QRectF(0, 0, width, height)
        self.problem = False
        self.selected = False
        self.drop_target = False
        self.title_item = text_item(title, 11, self, bold=True, color=FRAME_TINT.text)
        self.title_item.setPos(12, 7)
        self.setZValue(-1)

    set_state = BlockItem.set_state

    def rect(self) -> QRectF:
        return QRectF(self._rect)

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-5, -5, 5, 5)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        paint_box(painter, self._rect, FRAME_TINT, 12, self.problem, self.selected, self.drop_target)


class BadgeItem(QGraphicsItem):
    """A small pill on an arrow: "dropout 0.2", "reversed", "concat 512"."""

    def __init__(
        self, text: str, color: QColor | str = MUTED, parent: QGraphicsItem | None = None, dashed: bool = True
    ) -> None:
        super().__init__(parent)
        self.label = text_item(text, 10, self, color=color)
        self.color = QColor(color)
        self.dashed = dashed
        box = self.label.boundingRect()
        self._rect = QRectF(0, 0, box.width() + 14, box.height() + 6)
        self.label.setPos(7, 3)
        self.setZValue(2)

    def center_on(self, point: QPointF) -> BadgeItem:
        self.setPos(point.x() - self._rect.width() / 2, point.y() - self._rect.height() / 2)
        return self

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-1, -1, 1, 1)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(self.color, 1)
        if self.dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(QColor("#ffffff"))
        radius = self._rect.height() / 2
        painter.drawRoundedRect(self._rect, radius, radius)


class ArrowItem(QGraphicsPathItem):
    """A polyline through ``points`` ending in an arrowhead."""

    def __init__(
        self, points: list[QPointF], color: QColor | str = ARROW, dashed: bool = False, width: float = 1.6
    ) -> None:
        super().__init__()
        self.setPath(path_through(points))
        color = QColor(color)
        pen = QPen(color, width)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        if dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        self.setPen(pen)
        self.head = _arrowhead(points[-2], points[-1], color)
        self.head.setParentItem(self)
        self.setZValue(1)


def path_through(points: list[QPointF]) -> QPainterPath:
    path = QPainterPath(points[0])
    for point in points[1:]:
        path.lineTo(point)
    return path


def polyline(points: list[QPointF], color: QColor | str = ARROW, width: float = 1.6) -> QGraphicsPathItem:
    """A line through ``points`` without an arrowhead."""
    item = QGraphicsPathItem(path_through(points))
    item.setPen(QPen(QColor(color), width))
    item.setZValue(1)
    return item


def _arrowhead(tail: QPointF, tip: QPointF, color: QColor, size: float = 8.0) -> QGraphicsPathItem:
    angle = math.atan2(tip.y() - tail.y(), tip.x() - tail.x())
    left = QPointF(tip.x() - size * math.cos(angle - 0.45), tip.y() - size * math.sin(angle - 0.45))
    right = QPointF(tip.x() - size * math.cos(angle + 0.45), tip.y() - size * math.sin(angle + 0.45))
    path = QPainterPath()
    path.addPolygon(QPolygonF([tip, left, right, tip]))
    item = QGraphicsPathItem(path)
    item.setBrush(color)
    item.setPen(QPen(color, 1))
    return item


def problem_text(messages: list[str], width: float) -> QGraphicsTextItem:
    """Problem messages, one a line, wrapped to ``width``, in red."""
    item = QGraphicsTextItem("\n".join(f"⚠ {message}" for message in messages))
    item.setFont(font(12))
    item.setDefaultTextColor(PROBLEM)
    item.setTextWidth(width)
    item.setZValue(3)
    return item


class BannerItem(QGraphicsItem):
    """A notice across the top of the diagram: why a drop was refused."""

    def __init__(self, message: str, width: float) -> None:
        super().__init__()
        self.text = QGraphicsTextItem(message, self)
        self.text.setFont(font(13, bold=True))
        self.text.setDefaultTextColor(QColor("#8a1f1f"))
        self.text.setTextWidth(width - 28)
        self.text.setPos(14, 8)
        self._rect = QRectF(0, 0, width, self.text.boundingRect().height() + 16)
        self.setZValue(10)

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-1, -1, 1, 1)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(PROBLEM, 1.4))
        painter.setBrush(QColor("#fdecec"))
        painter.drawRoundedRect(self._rect, 8, 8)

"""The architecture diagram: a QGraphicsScene drawn from the document's spec.

Like Orange's canvas scene, the scene is filled from the model and redrawn when it changes
(``spec_changed``); it keeps a map from spec part ("inputs", "encoder", "decoder", "attention",
"head", "target_inputs"; "image_encoder" in the encoder's place for pictures) to the item that
draws it, so clicks, drops and problems find their block. It never edits the spec: gestures go
through ``SpecDocument.edit`` in the view.

Two layouts draw the parts: ``FoldedLayout`` (one box per layer) and ``UnrolledLayout`` (the
same network copied over a few time steps). The scene adds what both share: the header with
``spec.describe()`` and the parameter count, problems in red beside their part, selection and
drop highlights, and the banner that says why a drop was refused.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QTimer, Signal
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene, QGraphicsSimpleTextItem, QGraphicsTextItem

from ...engine.model.parameter_count import spec_parameters
from ...engine.spec import ModelSpec, SpecProblem
from . import items as draw
from .folded import FoldedLayout
from .items import BannerItem, BlockItem
from .unrolled import UnrolledLayout

PROBLEM_W = 230.0
GRID = 24.0
BANNER_MS = 5000


class ArchitectureScene(QGraphicsScene):
    layout_changed = Signal()  # after every redraw; the view refits

    def __init__(self, document, parent=None) -> None:
        super().__init__(parent)
        self.document = document
        self.part_items: dict[str, QGraphicsItem] = {}
        self.layer_items: dict[str, list[BlockItem]] = {}  # every layer box, bottom row first
        self.layer_rows: dict[str, list[list[BlockItem]]] = {}
        self.problem_items: list[QGraphicsTextItem] = []
        self.problems: list[SpecProblem] = []  # of the spec drawn now
        self.banner: BannerItem | None = None
        self._banner_message: str | None = None
        self._banner_timer = QTimer(self)
        self._banner_timer.setSingleShot(True)
        self._banner_timer.timeout.connect(self.hide_banner)
        self._selected: str | None = None
        self._drop_target: str | None = None
        self.unrolled = False  # draw the network copied over time steps
        document.spec_changed.connect(self._on_spec_changed)
        self.rebuild()

    # -- public ---------------------------------------------------------------------------

    def part_at(self, scene_pos: QPointF) -> str | None:
        """The spec part drawn under ``scene_pos``, or None over empty canvas."""
        for item in self.items(scene_pos):
            while item is not None:
                part = getattr(item, "part", None)
                if part:
                    return part
                item = item.parentItem()
        return None

    def set_selected_part(self, part: str | None) -> None:
        self._selected = part
        self._apply_states()

    def set_drop_target(self, part: str | None) -> None:
        if part != self._drop_target:
            self._drop_target = part
            self._apply_states()

    def show_banner(self, message: str, msec: int = BANNER_MS) -> None:
        """Show ``message`` across the top of the diagram for ``msec`` milliseconds."""
        self.hide_banner()
        self._banner_message = message
        rect = self.sceneRect()
        self.banner = BannerItem(message, max(rect.width() - 24, 320))
        self.banner.setPos(rect.left() + 12, rect.top() + 8)
        self.addItem(self.banner)
        self._banner_timer.start(msec)

    def hide_banner(self) -> None:
        if self.banner is not None:
            self.removeItem(self.banner)
        self.banner = None
        self._banner_message = None

    def set_unrolled(self, unrolled: bool) -> None:
        if unrolled != self.unrolled:
            self.unrolled = unrolled
            self.rebuild()

    def texts(self) -> list[str]:
        """Every piece of text the diagram shows, top to bottom (for tests and accessibility)."""
        found = []
        for item in self.items():
            if isinstance(item, QGraphicsSimpleTextItem):
                found.append((item.scenePos().y(), item.text()))
            elif isinstance(item, QGraphicsTextItem):
                found.append((item.scenePos().y(), item.toPlainText()))
        return [text for _, text in sorted(found, key=lambda pair: pair[0])]

    def rebuild(self) -> None:
        spec = self.document.spec
        banner = self._banner_message if self._banner_timer.isActive() else None
        self.banner = None
        self.clear()
        self.part_items, self.layer_items, self.layer_rows, self.problem_items = {}, {}, {}, []
        self.problems = spec.problems()
        layout = UnrolledLayout(self) if self.unrolled else FoldedLayout(self)
        layout.draw(spec)
        self._draw_problems(spec)
        self._draw_header(spec)
        self._apply_states()
        self.setSceneRect(self.itemsBoundingRect().adjusted(-36, -30, 36, 36))
        if banner:
            self.show_banner(banner, max(self._banner_timer.remainingTime(), 1000))
        self.layout_changed.emit()

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        painter.fillRect(rect, draw.BACKGROUND)
        painter.setPen(QPen(draw.GRID_DOT, 2.0))
        left = int(rect.left() // GRID) * GRID
        top = int(rect.top() // GRID) * GRID
        points = []
        x = left
        while x < rect.right():
            y = top
            while y < rect.bottom():
                points.append(QPointF(x, y))
                y += GRID
            x += GRID
        painter.drawPoints(points)

    def _on_spec_changed(self, spec: ModelSpec) -> None:
        self.rebuild()

    def add_caption(self, text: str, center: QPointF) -> QGraphicsSimpleTextItem:
        item = draw.text_item(text, 11, color=draw.MUTED)
        box = item.boundingRect()
        item.setPos(center.x() - box.width() / 2, center.y() - box.height() / 2)
        item.setZValue(2)
        self.addItem(item)
        return item

    # -- header and problems ----------------------------------------------------------------

    def _draw_header(self, spec: ModelSpec) -> None:
        """spec.describe() and the parameter count above the diagram, wrapped to its width."""
        diagram = self.itemsBoundingRect()
        problems = self.problems
        unplaced = [p.message for p in problems if p.where not in self.part_items]
        count = "—" if problems else f"{spec_parameters(spec):,}"
        lines = [
            (spec.describe(), 16, True, "#111827"),
            (f"{count} parameters", 13, False, draw.PROBLEM if problems else draw.MUTED),
        ]
        lines += [(f"⚠ {message}", 12, False, draw.PROBLEM) for message in unplaced]
        width = max(diagram.width(), 560.0)
        items = []
        for text, size, bold, color in lines:
            item = QGraphicsTextItem(text)
            item.setFont(draw.font(size, bold))
            item.setDefaultTextColor(color)
            item.document().setDocumentMargin(0)
            if item.boundingRect().width() > width:
                item.setTextWidth(width)
            items.append(item)
        y = diagram.top() - 22 - sum(item.boundingRect().height() + 4 for item in items)
        for item in items:
            item.setPos(diagram.left(), y)
            self.addItem(item)
            y += item.boundingRect().height() + 4

    def _draw_problems(self, spec: ModelSpec) -> None:
        """Each part's problems in red: beside a single column, under the columns of a seq2seq."""
        by_part: dict[str, list[str]] = {}
        for problem in self.problems:
            if problem.where in self.part_items:
                by_part.setdefault(problem.where, []).append(problem.message)
        diagram = self.itemsBoundingRect()
        next_y: dict[tuple[float, float], float] = {}  # (x, width) of a text column -> its next top
        for part in sorted(by_part, key=lambda name: self.part_items[name].sceneBoundingRect().top()):
            x, width = self._problem_column(spec, part, diagram)
            text = draw.problem_text(by_part[part], width)
            rect = self.part_items[part].sceneBoundingRect()
            top = rect.top() + 4 if spec.decoder is None else diagram.bottom() + 12
            y = max(top, next_y.get((x, width), top))
            text.setPos(x, y)
            next_y[(x, width)] = y + text.boundingRect().height() + 6
            self.addItem(text)
            self.problem_items.append(text)

    def _problem_column(self, spec: ModelSpec, part: str, diagram: QRectF) -> tuple[float, float]:
        if spec.decoder is None:
            return diagram.right() + 24, PROBLEM_W
        source = self.part_items.get("encoder", self.part_items.get("image_encoder"))  # the left column
        if part in ("inputs", "encoder", "image_encoder"):
            frame = source
        elif part == "attention":
            decoder = self.part_items["decoder"]
            left = source.x() + source.rect().width() + 12
            return left, decoder.x() - 12 - left
        else:
            frame = self.part_items["decoder"]
        return frame.x(), frame.rect().width()

    def _apply_states(self) -> None:
        problems = {problem.where for problem in self.problems}
        for part, item in self.part_items.items():
            item.set_state(
                problem=part in problems, selected=part == self._selected, drop_target=part == self._drop_target
            )

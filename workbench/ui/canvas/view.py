"""The architecture canvas: shows the scene, takes palette drops and block clicks.

Gestures never touch items: a drop becomes ``apply_drop`` (spec in, spec out) and then
``SpecDocument.edit``, an undoable command; the scene redraws itself from ``spec_changed``.
A refused drop changes nothing and says why on the canvas (``drop_refused``).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QResizeEvent,
    QShowEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QFrame, QGraphicsView, QWidget

from .diagram import ArchitectureScene
from .drops import DropRefused, apply_drop, target_stack
from .mime import decode
from .palette_entry import PaletteEntry

MAX_FIT_SCALE = 2.5  # a fit grows a small diagram to fill the view, up to here (text at about 2.5× its size)
ZOOM_RANGE = (0.25, 6.0)  # the user's zoom, as a factor of the fit
ZOOM_STEP = 1.25  # one wheel notch (Ctrl held) or Ctrl+plus / Ctrl+minus


class ArchitectureView(QGraphicsView):
    part_selected = Signal(str)  # "inputs", "encoder", "image_encoder", "decoder", ...; "model" off blocks
    drop_refused = Signal(str)  # why a drop changed nothing, for the user
    drop_applied = Signal(str)  # the undo text of the edit a drop made

    def __init__(self, document, scene: ArchitectureScene | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.setScene(scene if scene is not None else ArchitectureScene(document, self))
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setAcceptDrops(True)
        self.setDragMode(QGraphicsView.DragMode.NoDrag)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumSize(320, 260)
        self.zoom = 1.0  # the user's zoom as a factor of the fit: kept through redraws and resizes
        self.scene().layout_changed.connect(self._on_layout_changed)

    def scene(self) -> ArchitectureScene:  # narrowed for readers and type checkers
        return super().scene()

    # -- fitting ------------------------------------------------------------------------------

    def fit(self) -> None:
        """Show the whole diagram as large as the view allows (up to MAX_FIT_SCALE), times the
        user's ``zoom``; zoomed, the point in the middle of the view stays there."""
        rect = self.scene().sceneRect()
        viewport = self.viewport().rect()
        if rect.isEmpty() or viewport.width() < 2 or viewport.height() < 2:
            return
        fitted = min(viewport.width() / rect.width(), viewport.height() / rect.height(), MAX_FIT_SCALE)
        middle = rect.center() if self.zoom == 1.0 else self.mapToScene(viewport.center())
        self.setTransform(QTransform.fromScale(fitted * self.zoom, fitted * self.zoom))
        self.centerOn(middle)

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Zoom to ``zoom`` times the fit (within ZOOM_RANGE), keeping the scene point under the
        viewport position ``anchor`` (default: the middle) where it is; 1 is the fit."""
        zoom = round(min(max(zoom, ZOOM_RANGE[0]), ZOOM_RANGE[1]), 6)  # in and out again is 1.0, the fit
        anchor = QPointF(self.viewport().rect().center()) if anchor is None else anchor
        under = self.mapToScene(anchor.toPoint())
        scale = self.transform().m11() * zoom / self.zoom
        self.zoom = zoom
        self.setTransform(QTransform.fromScale(scale, scale))
        if zoom == 1.0:
            self.fit()
            return
        shift = self.mapToScene(anchor.toPoint()) - under
        self.centerOn(self.mapToScene(self.viewport().rect().center()) - shift)

    def wheelEvent(self, event: QWheelEvent) -> None:
        """Ctrl and the wheel zoom about the pointer; the wheel alone scrolls a zoomed diagram."""
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            notches = event.angleDelta().y() / 120
            self.set_zoom(self.zoom * ZOOM_STEP**notches, event.position())
            event.accept()
            return
        super().wheelEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Ctrl+plus and Ctrl+minus zoom, Ctrl+0 fits the whole diagram again."""
        zooms = {
            Qt.Key.Key_Plus: self.zoom * ZOOM_STEP,
            Qt.Key.Key_Equal: self.zoom * ZOOM_STEP,
            Qt.Key.Key_Minus: self.zoom / ZOOM_STEP,
            Qt.Key.Key_0: 1.0,
        }
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier and event.key() in zooms:
            self.set_zoom(zooms[event.key()])
            event.accept()
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.fit()

    def _on_layout_changed(self) -> None:
        self.fit()

    # -- drops --------------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self._accept_if_palette(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        entry = self._accept_if_palette(event)
        self.scene().set_drop_target(self._highlight_for(entry, event.position()) if entry else None)

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.scene().set_drop_target(None)
        event.accept()

    def dropEvent(self, event: QDropEvent) -> None:
        self.scene().set_drop_target(None)
        entry = decode(event.mimeData())
        if entry is None:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        self.apply_entry(entry, self._part_at(event.position()))

    def apply_entry(self, entry: PaletteEntry, part: str | None) -> bool:
        """Apply a palette entry as if dropped on ``part``; False (and a banner) when refused."""
        try:
            change = apply_drop(self.document.spec, entry, part, self.document.alphabet_size)
        except DropRefused as refusal:
            message = str(refusal)
            self.scene().show_banner(message)
            self.drop_refused.emit(message)
            return False
        if change is not None:
            self.document.edit(change.spec, change.text)
            self.drop_applied.emit(change.text)
        return True

    def _accept_if_palette(self, event: QDragMoveEvent) -> PaletteEntry | None:
        entry = decode(event.mimeData())
        if entry is None:
            event.ignore()
            return None
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        return entry

    def _part_at(self, position: QPointF) -> str | None:
        return self.scene().part_at(self.mapToScene(position.toPoint()))

    def _highlight_for(self, entry: PaletteEntry, position: QPointF) -> str | None:
        """The block a drop here would change, outlined while the drag hovers."""
        if entry.kind in ("cell", "dropout"):
            return target_stack(self.document.spec, self._part_at(position))
        return {"head": "head", "embedding": "inputs"}.get(entry.kind)

    # -- selection ----------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.select_part(self._part_at(event.position()) or "model")
        super().mousePressEvent(event)

    def select_part(self, part: str) -> None:
        self.scene().set_selected_part(None if part == "model" else part)
        self.part_selected.emit(part)

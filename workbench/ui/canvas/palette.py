"""The block palette: templates, blocks and heads to drag onto the architecture canvas.

Each leaf item carries a ``PaletteEntry``; ``mimeData`` encodes it (see ``mime``), so the
canvas — and tests, which cannot run a real drag offscreen — read drags the same way.
Activating an item (double-click, Enter) emits ``entry_activated`` for keyboard users.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QMimeData, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem, QWidget

from . import items as draw
from .mime import MIME_TYPE, encode
from .palette_entry import PaletteEntry

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1

SECTIONS: list[tuple[str, list[tuple[PaletteEntry, str, str]]]] = [
    (
        "Templates",
        [
            (
                PaletteEntry("template", "stacked"),
                "Stacked",
                "Layers of one recurrent cell, each reading the layer below, left to right.\n"
                "Language models, forecasting, tagging and classification.",
            ),
            (
                PaletteEntry("template", "bidirectional"),
                "Bidirectional",
                "Every layer also reads the sequence right to left, so each step sees its whole context.\n"
                "Good for tagging and classification; it cannot generate text.",
            ),
            (
                PaletteEntry("template", "encoder-decoder"),
                "Encoder–decoder",
                "An encoder reads the source; a decoder starts from its final state and writes the target\n"
                "(Sutskever et al., 2014). Needs sequence-to-sequence data.",
            ),
            (
                PaletteEntry("template", "attention"),
                "Attention",
                "An encoder–decoder whose decoder looks back at every encoder step (Bahdanau et al., 2015);\n"
                "for classification data, attention pooling over the steps.",
            ),
            (
                PaletteEntry("template", "captioning"),
                "Captioning",
                "Show, Attend and Tell (Xu et al., 2015): a small CNN reads the picture into a grid of features;\n"
                "a decoder starts from their mean and attends over the grid while it writes. Needs picture data.",
            ),
            (
                PaletteEntry("template", "handwriting"),
                "Handwriting",
                "Graves' prediction network: LSTM layers with skip connections and a mixture of Gaussians\n"
                "for the next pen offset (Graves, 2013, section 4). Needs pen data.",
            ),
            (
                PaletteEntry("template", "handwriting synthesis"),
                "Handwriting synthesis",
                "The prediction network plus a soft window over the text to write, so that it writes what\n"
                "you type (Graves, 2013, section 5). Needs pen data with its text.",
            ),
        ],
    ),
    (
        "Blocks",
        [
            (
                PaletteEntry("cell", "rnn"),
                "RNN (tanh)",
                "Elman cell: h_t = tanh(W x_t + U h_{t-1} + b). Drop it on a stack to swap its cell.",
            ),
            (
                PaletteEntry("cell", "lstm"),
                "LSTM",
                "Long short-term memory: input, forget and output gates around a cell state\n"
                "(Hochreiter & Schmidhuber, 1997). Drop it on a stack to swap its cell.",
            ),
            (
                PaletteEntry("cell", "gru"),
                "GRU",
                "Gated recurrent unit: update and reset gates, no separate cell state (Cho et al., 2014).\n"
                "Drop it on a stack to swap its cell.",
            ),
            (
                PaletteEntry("embedding", "embedding"),
                "Embedding",
                "Turns inputs into vectors: token ids through a lookup table, features through a projection.",
            ),
            (
                PaletteEntry("dropout", "dropout"),
                "Dropout",
                "Randomly zeroes outputs between stacked layers while training (rate 0.2).\n"
                "Drop it on a stack of two or more layers.",
            ),
        ],
    ),
    (
        "Heads",
        [
            (
                PaletteEntry("head", "next_token"),
                "Next token",
                "Scores over the vocabulary at every step: a language model or a decoder.",
            ),
            (
                PaletteEntry("head", "tagging"),
                "Tag per step",
                "One label for every step of the sequence (part-of-speech tags, named entities).",
            ),
            (
                PaletteEntry("head", "classification"),
                "Class per sequence",
                "One label for the whole sequence, from its pooled steps (last, mean, max or attention).",
            ),
            (
                PaletteEntry("head", "regression"),
                "Values per step",
                "Real values at every step, trained with mean squared error (forecasting).",
            ),
        ],
    ),
]


class BlockPalette(QTreeWidget):
    entry_activated = Signal(object)  # the PaletteEntry of a double-clicked item

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setRootIsDecorated(False)
        self.setIndentation(10)
        self.setIconSize(QSize(ICON, ICON))
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setMinimumWidth(170)
        self.setWordWrap(True)  # a long name takes two lines in a narrow palette, never "Handwriting synth…"
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self._items: dict[PaletteEntry, QTreeWidgetItem] = {}
        for title, entries in SECTIONS:
            self._add_section(title, entries)
        self.expandAll()
        self.setCurrentItem(None)
        self.itemActivated.connect(self._on_item_activated)

    def _add_section(self, title: str, entries: list[tuple[PaletteEntry, str, str]]) -> None:
        section = QTreeWidgetItem(self, [title])
        section.setFlags(Qt.ItemFlag.ItemIsEnabled)
        bold = section.font(0)
        bold.setBold(True)
        section.setFont(0, bold)
        section.setForeground(0, QColor(draw.SECONDARY_TEXT))
        for entry, text, tooltip in entries:
            item = QTreeWidgetItem(section, [text])
            item.setData(0, ENTRY_ROLE, entry)
            item.setToolTip(0, tooltip)
            item.setIcon(0, entry_icon(entry))
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled)
            self._items[entry] = item

    def item_for(self, kind: str, name: str) -> QTreeWidgetItem:
        """The palette item of one entry ("cell", "gru")."""
        return self._items[PaletteEntry(kind, name)]

    def entries(self) -> list[PaletteEntry]:
        return list(self._items)

    # -- drag -------------------------------------------------------------------------------

    def mimeTypes(self) -> list[str]:
        return [MIME_TYPE]

    def mimeData(self, items: Sequence[QTreeWidgetItem]) -> QMimeData:
        entries = [item.data(0, ENTRY_ROLE) for item in items if item.data(0, ENTRY_ROLE) is not None]
        return encode(entries[0]) if entries else QMimeData()

    def supportedDropActions(self) -> Qt.DropAction:
        # Drags copy: a move would let the view remove the dragged item from the palette.
        return Qt.DropAction.CopyAction

    def _on_item_activated(self, item: QTreeWidgetItem, column: int) -> None:
        entry = item.data(0, ENTRY_ROLE)
        if entry is not None:
            self.entry_activated.emit(entry)


# -- icons ------------------------------------------------------------------------------------

ICON = 26  # logical pixels


def entry_icon(entry: PaletteEntry) -> QIcon:
    """A small picture of the entry, painted at twice the size for sharp high-DPI screens."""
    pixmap = QPixmap(ICON * 2, ICON * 2)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(2, 2)
    _PAINTERS.get(entry.kind, _paint_cell)(painter, entry.name)
    painter.end()
    pixmap.setDevicePixelRatio(2)
    return QIcon(pixmap)


def _box(painter: QPainter, rect: QRectF, tint: draw.Tint, radius: float = 2.5) -> None:
    painter.setPen(QPen(QColor(tint.border), 1.2))
    painter.setBrush(QColor(tint.fill))
    painter.drawRoundedRect(rect, radius, radius)


def _line(painter: QPainter, color: QColor | str, *points: tuple[float, float]) -> None:
    painter.setPen(QPen(QColor(color), 1.3))
    for (x1, y1), (x2, y2) in zip(points, points[1:]):
        painter.drawLine(QPointF(x1, y1), QPointF(x2, y2))


def _paint_template(painter: QPainter, name: str) -> None:
    lstm, arrow, pink = draw.CELL_TINTS["lstm"], draw.MUTED, draw.ATTENTION_TINT.border
    if name == "stacked":
        for row in range(3):
            _box(painter, QRectF(4, 3 + row * 8, 18, 5.5), lstm, 2)
        return
    if name.startswith("handwriting"):
        _paint_pen_line(painter, window=name == "handwriting synthesis")
        return
    if name == "captioning":
        _paint_picture_to_words(painter)
        return
    if name == "bidirectional":
        for row in range(2):
            _box(painter, QRectF(4, 2.5 + row * 7.5, 18, 5.5), lstm, 2)
        _line(painter, pink, (4, 18.5), (22, 18.5), (19.5, 16.5))
        _line(painter, pink, (22, 23.5), (4, 23.5), (6.5, 25.5))
        return
    for row in range(2):
        _box(painter, QRectF(1.5, 8 + row * 9, 8, 6.5), lstm, 2)
        _box(painter, QRectF(16.5, 8 + row * 9, 8, 6.5), draw.CELL_TINTS["gru"], 2)
    _line(painter, arrow, (10.5, 20), (15.5, 20), (13.5, 18.3))
    if name == "attention":
        _line(painter, pink, (5.5, 8), (13, 3.5), (20.5, 8))
        _line(painter, pink, (9.5, 17), (13, 3.5))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(pink))
        painter.drawEllipse(QPointF(13, 3.5), 2, 2)


def _paint_pen_line(painter: QPainter, window: bool) -> None:
    """A loop of cursive over the LSTM stack; the synthesis template also reads letters."""
    for row in range(2):
        _box(painter, QRectF(4, 14 + row * 6.5, 18, 4.5), draw.CELL_TINTS["lstm"], 1.5)
    ink = QPen(QColor("#1f2937"), 1.3)
    painter.setPen(ink)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    path = [(3, 10), (6, 4), (8, 10), (11, 5), (13, 10), (16, 4), (18, 10), (21, 6)]
    for (x1, y1), (x2, y2) in zip(path, path[1:]):
        painter.drawLine(QPointF(x1, y1), QPointF(x2, y2))
    if window:
        painter.setPen(QPen(QColor(draw.ATTENTION_TINT.border), 1.2))
        painter.drawRect(QRectF(15, 1.5, 8.5, 10))


def _paint_picture_to_words(painter: QPainter) -> None:
    """A picture under the CNN's grid, attention from the grid to the decoder beside it."""
    _box(painter, QRectF(1.5, 16.5, 10, 8), draw.INPUT_TINT, 1.5)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(draw.ATTENTION_TINT.border))
    painter.drawEllipse(QPointF(4.5, 19.5), 1.3, 1.3)  # a sun over a hill
    painter.setBrush(QColor(draw.CNN_TINT.border))
    painter.drawPolygon([QPointF(3, 23.5), QPointF(7.5, 19), QPointF(10.5, 23.5)])
    for row in range(3):
        for column in range(3):
            _box(painter, QRectF(2 + column * 3.2, 5.5 + row * 3.2, 2.8, 2.8), draw.CNN_TINT, 0.6)
    for row in range(2):
        _box(painter, QRectF(16.5, 8 + row * 9, 8, 6.5), draw.CELL_TINTS["lstm"], 2)
    pink = draw.ATTENTION_TINT.border
    _line(painter, pink, (6.5, 5.5), (13, 2.5), (20.5, 8))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(pink))
    painter.drawEllipse(QPointF(13, 2.5), 2, 2)
    _line(painter, draw.MUTED, (12.5, 20), (15.5, 20), (13.5, 18.3))


def _paint_cell(painter: QPainter, name: str) -> None:
    tint = draw.CELL_TINTS.get(name, draw.UNKNOWN_CELL)
    _box(painter, QRectF(2, 4, 22, 18), tint, 4)
    painter.setPen(QColor(tint.border))
    painter.setFont(draw.font(11, bold=True))
    painter.drawText(QRectF(2, 4, 22, 18), Qt.AlignmentFlag.AlignCenter, name[0].upper())


def _paint_embedding(painter: QPainter, name: str) -> None:
    for row in range(3):
        for column in range(3):
            _box(painter, QRectF(3 + column * 7, 3 + row * 7, 6, 6), draw.INPUT_TINT, 1.2)


def _paint_dropout(painter: QPainter, name: str) -> None:
    painter.setBrush(QColor(draw.CELL_TINTS["rnn"].border))
    for index, (x, y) in enumerate([(6, 7), (13, 7), (20, 7), (6, 19), (13, 19), (20, 19)]):
        dropped = index in (1, 3, 5)
        pen = QPen(draw.MUTED, 1.2, Qt.PenStyle.DotLine if dropped else Qt.PenStyle.SolidLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush if dropped else QColor("#8aa0bb"))
        painter.drawEllipse(QPointF(x, y), 3.3, 3.3)


def _paint_head(painter: QPainter, name: str) -> None:
    tint = draw.HEAD_TINT
    _box(painter, QRectF(2, 4, 22, 18), tint, 4)
    color = tint.border
    if name == "next_token":
        _line(painter, color, (7, 13), (19, 13))
        _line(painter, color, (19, 13), (15.5, 10))
        _line(painter, color, (19, 13), (15.5, 16))
    elif name == "tagging":
        for x in (7, 11.5, 16, 20.5):
            _line(painter, color, (x - 1, 17), (x - 1, 9))
    elif name == "classification":
        painter.setBrush(QColor(color))
        painter.drawEllipse(QPointF(13, 13), 4, 4)
    else:
        _line(painter, color, (6, 16), (9, 10), (12.5, 15), (16, 9), (20, 13))


_PAINTERS: dict[str, Callable[[QPainter, str], None]] = {
    "template": _paint_template,
    "cell": _paint_cell,
    "embedding": _paint_embedding,
    "dropout": _paint_dropout,
    "head": _paint_head,
}

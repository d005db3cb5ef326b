"""The soft window's row in the unrolled diagram of a handwriting synthesis network.

Graves (2013), section 5, fig. 12: at each step t the window reads layer 1's output h¹ₜ and
sends wₜ up to layer 2 and, dashed, into layer 1 at step t + 1; layer 2 (or, in a one-layer
network, the head) also reads h¹ₜ, drawn as a line past the window. The row is a frame of its
own (part "window") inside the encoder's, so a click on it selects the window and its problems
outline it. The text it reads stands right of the encoder.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF

from ...engine.spec import ModelSpec
from . import items as draw
from .items import ArrowItem, BlockItem, FrameItem
from .soft_window import TEXT_TITLE, text_subtitle

WINDOW_ROW_H = 44.0  # the row's cells; the stack leaves a layer gap above and below it
SKIP = 26.0  # the left part of each column, where h¹ passes the window on its way to layer 2
FRAME_MARGIN = 6.0  # between the row's frame and its cells
TEXT_GAP = 120.0  # between the encoder frame and the text block (room for the arrow's caption)
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def draw_window_row(
    scene,
    spec: ModelSpec,
    frame: FrameItem,
    levels: list[list[list[BlockItem]]],
    above: list[BlockItem | None],
    gap: float,
    label_x: float,
) -> FrameItem:
    """Draw the window's cells ``gap`` above layer 1's in ``frame``; return the row's frame.

    ``levels[layer][step]`` are the stack's cells, bottom to top; ``above`` the cells over the
    window that read h¹ₜ, one a step (layer 2's, or the head's); ``label_x`` is where the row
    labels begin in ``frame``.
    """
    color = draw.ATTENTION_TINT.border
    first = [column[-1] for column in levels[0]]  # layer 1, one cell a step
    cell = first[0].rect()
    cells_y = first[0].y() - (WINDOW_ROW_H + gap)
    row = FrameItem(frame.rect().width() - 2 * FRAME_MARGIN, WINDOW_ROW_H + 2 * FRAME_MARGIN, "", "window", frame)
    row.setPos(FRAME_MARGIN, cells_y - FRAME_MARGIN)
    scene.part_items["window"] = row
    label = draw.text_item(f"soft window\n{spec.window.components} Gaussians", 11, row, color=color)
    label.setPos(label_x - row.x(), FRAME_MARGIN + (WINDOW_ROW_H - label.boundingRect().height()) / 2)
    windows = []
    for step, below in enumerate(first):
        box = BlockItem(
            cell.width() - SKIP,
            WINDOW_ROW_H,
            f"w{str(step + 1).translate(_SUBSCRIPTS)}",
            "",
            draw.ATTENTION_TINT,
            parent=row,
        )
        box.setPos(below.x() - row.x() + SKIP, FRAME_MARGIN)
        windows.append(box)
    sends_up = len(levels) > 1  # wₜ goes to layer 2, never to the head
    for step, (below, window, upper) in enumerate(zip(first, windows, above)):
        middle = window.mapToScene(QPointF(window.rect().width() / 2, 0))
        scene.addItem(ArrowItem([QPointF(middle.x(), _top(below)), QPointF(middle.x(), _bottom(window))], color))
        if upper is None:
            continue
        if sends_up:
            scene.addItem(ArrowItem([middle, QPointF(middle.x(), _bottom(upper))], color))
        skip_x = below.mapToScene(QPointF(SKIP / 2, 0)).x()
        scene.addItem(ArrowItem([QPointF(skip_x, _top(below)), QPointF(skip_x, _bottom(upper))]))
        if step + 1 < len(first):
            start = window.mapToScene(QPointF(window.rect().width(), WINDOW_ROW_H / 2))
            end = first[step + 1].mapToScene(QPointF(0, 8))
            scene.addItem(ArrowItem([start, end], color, dashed=True))
    _draw_text(scene, spec, frame, windows[-1])
    return row


def _draw_text(scene, spec: ModelSpec, frame: FrameItem, last: BlockItem) -> None:
    """The text block right of the encoder, level with the window row, read at every step."""
    characters = text_subtitle(spec)
    width = draw.fitting_width([characters], 150.0)
    end = last.mapToScene(QPointF(last.rect().width(), WINDOW_ROW_H / 2))
    text = BlockItem(width, WINDOW_ROW_H + 8, TEXT_TITLE, characters, draw.INPUT_TINT)
    text.setPos(frame.x() + frame.rect().width() + TEXT_GAP, end.y() - text.rect().height() / 2)
    scene.addItem(text)
    scene.addItem(ArrowItem([QPointF(text.x(), end.y()), end], draw.ATTENTION_TINT.border))
    scene.add_caption("read at every step", QPointF((text.x() + frame.x() + frame.rect().width()) / 2, end.y() - 12))


def _top(box: BlockItem) -> float:
    return box.mapToScene(QPointF(0, 0)).y()


def _bottom(box: BlockItem) -> float:
    return box.mapToScene(QPointF(0, box.rect().height())).y()

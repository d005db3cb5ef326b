"""The folded diagram: each layer one box, data flowing bottom to top.

The input block, the recurrent stack (one box per layer, two per layer when bidirectional),
then the head. An encoder–decoder puts the decoder column to the right of the encoder with the
bridge (final state) between them and attention beside the head. A captioning model draws the
picture and the CNN that reads it in the encoder's place: the decoder starts from the mean of the
CNN's grid and attends over its cells. A handwriting synthesis network draws its soft window
right of the stack, level with the gap between layers 1 and 2, and the text it reads below it
(Graves 2013, fig. 12). The layout fills the scene's part map (part name -> item)
and layer lists, which clicks, drops and problems use.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtWidgets import QGraphicsItem

from ...engine.spec import CELL_NAMES, HEAD_KINDS, HeadSpec, InputSpec, ModelSpec, RecurrentSpec
from . import items as draw
from .items import ArrowItem, BadgeItem, BlockItem, FrameItem
from .pictures import COORDINATES, cnn_lines, picture_size
from .soft_window import FEEDBACK, READS, SENDS, TEXT_TITLE, WINDOW_TITLE, text_subtitle, window_subtitle

LAYER_W, LAYER_H = 224.0, 52.0  # one unidirectional layer
DIR_W, DIR_GAP = 146.0, 14.0  # one direction of a bidirectional layer
LAYER_GAP = 42.0  # between stacked layers (room for a dropout badge)
PAD, FRAME_TITLE = 16.0, 32.0  # stack frame padding and title row
IO_W, IO_H = 224.0, 56.0  # input and head blocks
CNN_H = 76.0  # the image encoder: a title and two lines
ATT_W, ATT_H = 132.0, 56.0
LINK = 48.0  # arrow length between blocks
COLUMN_GAP, ATTENTION_GAP = 150.0, 226.0  # between encoder and decoder columns
WINDOW_GAP, WINDOW_LANE = 96.0, 34.0  # the window's column right of the stack; where h¹ turns up to it


class FoldedLayout:
    def __init__(self, scene) -> None:
        self.scene = scene  # an ArchitectureScene: its part map, layer lists and add_caption

    def draw(self, spec: ModelSpec) -> None:
        self.spec = spec
        if spec.decoder is None:
            self._draw_single(spec)
        elif spec.inputs.kind == "image":
            self._draw_captioning(spec)
        else:
            self._draw_encoder_decoder(spec)

    def _draw_single(self, spec: ModelSpec) -> None:
        inputs = self._input_block("inputs", spec.inputs, "Embedding", 0.0, 0.0)
        frame = self._draw_stack("encoder", spec.encoder, 0.0, inputs.y() - LINK)
        self._link_into_stack(inputs, "encoder")
        head = self._head_block(spec.head, 0.0, frame.y() - LINK)
        self._link_out_of_stack("encoder", head)
        if spec.window is not None:
            self._draw_window(spec, frame)

    def _draw_window(self, spec: ModelSpec, frame: FrameItem) -> None:
        """The soft window right of the stack: it reads layer 1 (h¹ₜ) and the text below it,
        and sends wₜ to layer 2 and, dashed, to layer 1 at the next step."""
        color = draw.ATTENTION_TINT.border
        rows = self.scene.layer_rows["encoder"]
        first = _scene_rect(rows[0][-1])
        above = first.top() - (LAYER_GAP + LAYER_H) / 2  # where a second layer's gap would be
        center_y = (first.top() + _scene_rect(rows[1][-1]).bottom()) / 2 if len(rows) > 1 else above
        subtitle = window_subtitle(spec)
        width = draw.fitting_width([subtitle], ATT_W)
        left = frame.x() + frame.rect().width() + WINDOW_GAP
        window = BlockItem(width, ATT_H, WINDOW_TITLE, subtitle, draw.ATTENTION_TINT, "window")
        window.setPos(left, center_y - ATT_H / 2)
        self.scene.addItem(window)
        self.scene.part_items["window"] = window
        middle_x = left + width / 2
        lane = frame.x() + frame.rect().width() + WINDOW_LANE
        reads_y, feedback_y = first.center().y() - 8, first.center().y() + 8
        self.scene.addItem(
            ArrowItem(
                [
                    QPointF(first.right(), reads_y),
                    QPointF(lane, reads_y),
                    QPointF(lane, center_y),
                    QPointF(left, center_y),
                ],
                color,
            )
        )
        self.scene.add_caption(READS, QPointF(lane + 16, (reads_y + center_y) / 2))
        back_x = left + 22
        back = [QPointF(back_x, window.y() + ATT_H), QPointF(back_x, feedback_y), QPointF(first.right(), feedback_y)]
        self.scene.addItem(ArrowItem(back, color, dashed=True))
        self.scene.add_caption(FEEDBACK, QPointF((first.right() + back_x) / 2, feedback_y + 12))
        if len(rows) > 1:
            second = _scene_rect(rows[1][-1])
            sends = [
                QPointF(middle_x, window.y()),
                QPointF(middle_x, second.center().y()),
                QPointF(second.right(), second.center().y()),
            ]
            self.scene.addItem(ArrowItem(sends, color))
            upper = SENDS if len(rows) == 2 else f"{SENDS} to layers 2–{len(rows)}"
            self.scene.add_caption(upper, QPointF((second.right() + middle_x) / 2, second.center().y() - 12))
        characters = text_subtitle(spec)
        text_width = draw.fitting_width([characters], ATT_W)
        text = BlockItem(text_width, IO_H, TEXT_TITLE, characters, draw.INPUT_TINT)
        text.setPos(middle_x - text_width / 2, -IO_H)
        self.scene.addItem(text)
        self.scene.add_caption("↑ the text to write", QPointF(middle_x, 14))
        self.scene.addItem(ArrowItem([QPointF(middle_x, text.y()), QPointF(middle_x, window.y() + ATT_H)], color))

    def _draw_encoder_decoder(self, spec: ModelSpec) -> None:
        assert spec.decoder is not None
        source = self._input_block("inputs", spec.inputs, "Source embedding", 0.0, 0.0)
        encoder = self._draw_stack("encoder", spec.encoder, 0.0, source.y() - LINK)
        self._link_into_stack(source, "encoder")
        if spec.reverse_source:
            middle = QPointF(0.0, source.y() - LINK / 2)
            self.scene.addItem(BadgeItem("⇄ source read in reverse", draw.ATTENTION_TINT.border).center_on(middle))
        decoder, head = self._draw_decoder_side(spec, encoder)
        top_layer = self.scene.layer_items["encoder"][-1]
        self._draw_bridge(encoder, top_layer.sceneBoundingRect().center().y(), decoder, "final state")
        if spec.attention is not None:
            top = self.scene.layer_rows["encoder"][-1][-1].sceneBoundingRect()  # the top layer's last box
            self._draw_attention(spec, encoder, QPointF(top.center().x(), top.top() + 5), "all encoder steps", head)

    def _draw_captioning(self, spec: ModelSpec) -> None:
        """Picture → CNN in the encoder's column; the decoder starts from the grid's mean and
        attends over its cells."""
        picture = self._input_block("inputs", spec.inputs, "Picture", 0.0, 0.0)
        cnn = self._cnn_block(spec, 0.0, picture.y() - LINK)
        self.scene.addItem(ArrowItem([QPointF(0.0, picture.y()), QPointF(0.0, cnn.y() + CNN_H)]))
        if spec.image_encoder is not None and spec.image_encoder.coordinates:
            badge = BadgeItem(COORDINATES, draw.CNN_TINT.border)
            self.scene.addItem(badge.center_on(QPointF(0.0, picture.y() - LINK / 2)))
        decoder, head = self._draw_decoder_side(spec, cnn)
        self._draw_bridge(cnn, cnn.y() + CNN_H / 2, decoder, "mean of the grid")
        if spec.attention is not None:
            self._draw_attention(spec, cnn, QPointF(0.0, cnn.y()), "all grid cells", head)

    def _draw_decoder_side(self, spec: ModelSpec, source: QGraphicsItem) -> tuple[FrameItem, BlockItem]:
        """Target embedding, decoder stack and head in a column right of ``source``'s column."""
        assert spec.decoder is not None
        gap = ATTENTION_GAP if spec.attention is not None else COLUMN_GAP
        x = source.rect().width() / 2 + gap + self._stack_width(spec.decoder) / 2
        target_inputs = spec.target_inputs or InputSpec()
        target = self._input_block("target_inputs", target_inputs, "Target embedding", x, 0.0)
        decoder = self._draw_stack("decoder", spec.decoder, x, target.y() - LINK)
        self._link_into_stack(target, "decoder")
        head = self._head_block(spec.head, x, decoder.y() - LINK)
        self._link_out_of_stack("decoder", head)
        return decoder, head

    def _draw_bridge(self, source: QGraphicsItem, y: float, decoder: FrameItem, caption: str) -> None:
        """What the decoder starts from: an arrow from ``source``'s right side at about ``y``."""
        low = decoder.y() + FRAME_TITLE + 12
        high = decoder.y() + decoder.rect().height() - 12
        y = min(max(y, low), high)
        start = QPointF(source.x() + source.rect().width(), y)
        end = QPointF(decoder.x(), y)
        self.scene.addItem(ArrowItem([start, end], width=2.0))
        self.scene.add_caption(caption, QPointF((start.x() + end.x()) / 2, y - 12))

    def _draw_attention(
        self, spec: ModelSpec, source: QGraphicsItem, memory: QPointF, caption: str, head: BlockItem
    ) -> None:
        """The attention block between the columns, reading from ``memory`` (the top of what it
        attends over) and sending its context to the head."""
        kind = spec.attention.kind
        scoring = {"additive": "Bahdanau scoring", "multiplicative": "Luong scoring"}.get(kind, kind)
        right = head.x()
        left = source.x() + source.rect().width()
        block = BlockItem(ATT_W, ATT_H, "Attention", scoring, draw.ATTENTION_TINT, "attention")
        head_y = head.y() + IO_H / 2
        center_y = min(head_y, source.y() - ATT_H)  # above a taller source column, beside the head otherwise
        block.setPos((left + right) / 2 - ATT_W / 2, center_y - ATT_H / 2)
        self.scene.addItem(block)
        self.scene.part_items["attention"] = block
        points = [memory, QPointF(memory.x(), center_y), QPointF(block.x(), center_y)]
        self.scene.addItem(ArrowItem(points, draw.ATTENTION_TINT.border))
        self.scene.add_caption(caption, QPointF((memory.x() + block.x()) / 2, center_y - 12))
        turn_x = (block.x() + ATT_W + right) / 2
        context = [
            QPointF(block.x() + ATT_W, center_y),
            QPointF(turn_x, center_y),
            QPointF(turn_x, head_y),
            QPointF(right, head_y),
        ]
        self.scene.addItem(ArrowItem(context, draw.ATTENTION_TINT.border))
        self.scene.add_caption("context", QPointF(turn_x, min(center_y, head_y) - 12))

    # -- blocks -----------------------------------------------------------------------------

    def _input_block(self, part: str, inputs: InputSpec, title: str, x: float, bottom: float) -> BlockItem:
        if inputs.kind == "tokens":
            subtitle = f"{inputs.vocab_size} tokens × {inputs.embedding_dim}"
            caption = "token ids"
        elif inputs.kind == "image":
            title, subtitle, caption = "Picture", picture_size(inputs), "pixels"
        elif inputs.projection_dim:
            title, subtitle = "Projection", f"{inputs.feature_dim} features → {inputs.projection_dim}"
            caption = "feature vectors"
        else:
            title, subtitle = "Features", f"{inputs.feature_dim} per step"
            caption = "feature vectors"
        block = BlockItem(IO_W, IO_H, title, subtitle, draw.INPUT_TINT, part)
        block.setPos(x - IO_W / 2, bottom - IO_H)
        self.scene.addItem(block)
        self.scene.part_items[part] = block
        self.scene.add_caption(f"↑ {caption}", QPointF(x, bottom + 14))
        return block

    def _cnn_block(self, spec: ModelSpec, x: float, bottom: float) -> BlockItem:
        lines = cnn_lines(spec)
        width = draw.fitting_width(lines, IO_W)
        block = BlockItem(width, CNN_H, "CNN", "\n".join(lines), draw.CNN_TINT, "image_encoder")
        block.setPos(x - width / 2, bottom - CNN_H)
        self.scene.addItem(block)
        self.scene.part_items["image_encoder"] = block
        return block

    def _head_block(self, head: HeadSpec, x: float, bottom: float) -> BlockItem:
        kind = HEAD_KINDS.get(head.kind)
        title = kind.title.capitalize() if kind else head.kind
        n = head.num_outputs
        subtitle = {
            "next_token": f"scores over {n} tokens",
            "tagging": f"{n} tags per step",
            "classification": f"{n} classes · {head.pooling} pooling",
            "regression": f"{n} value{'s' if n != 1 else ''} per step",
            "mixture_density": f"{n} Gaussians · pen lift",
        }.get(head.kind, f"{n} outputs")
        block = BlockItem(IO_W, IO_H, title, subtitle, draw.HEAD_TINT, "head")
        block.setPos(x - IO_W / 2, bottom - IO_H)
        self.scene.addItem(block)
        self.scene.part_items["head"] = block
        return block

    @staticmethod
    def _stack_width(stack: RecurrentSpec) -> float:
        inner = 2 * DIR_W + DIR_GAP if stack.bidirectional else LAYER_W
        return inner + 2 * PAD

    def _draw_stack(self, part: str, stack: RecurrentSpec, x: float, bottom: float) -> FrameItem:
        """A frame with one row per layer, the first layer at the bottom."""
        layers = max(1, min(stack.num_layers, 16))
        width = self._stack_width(stack)
        height = FRAME_TITLE + layers * LAYER_H + (layers - 1) * LAYER_GAP + PAD
        title = part.upper() + (" · BIDIRECTIONAL" if stack.bidirectional else "")
        frame = FrameItem(width, height, title, part)
        frame.setPos(x - width / 2, bottom - height)
        self.scene.addItem(frame)
        self.scene.part_items[part] = frame
        tint = draw.CELL_TINTS.get(stack.cell, draw.UNKNOWN_CELL)
        label = f"{CELL_NAMES.get(stack.cell, stack.cell)} {stack.hidden_size}".replace("RNN (tanh)", "RNN")
        rows: list[list[BlockItem]] = []
        for index in range(layers):
            y = height - PAD - LAYER_H - index * (LAYER_H + LAYER_GAP)
            if stack.bidirectional:
                row = [
                    self._layer_box(frame, label, f"layer {index + 1} · forward →", tint, PAD, y, DIR_W),
                    self._layer_box(
                        frame, label, f"← backward · layer {index + 1}", tint, PAD + DIR_W + DIR_GAP, y, DIR_W
                    ),
                ]
            else:
                row = [self._layer_box(frame, label, f"layer {index + 1}", tint, PAD, y, LAYER_W)]
            if rows:
                self._link_layers(frame, rows[-1], row, stack)
            rows.append(row)
        self.scene.layer_rows[part] = rows
        self.scene.layer_items[part] = [box for row in rows for box in row]
        return frame

    def _layer_box(
        self, frame: FrameItem, title: str, subtitle: str, tint: draw.Tint, x: float, y: float, width: float
    ) -> BlockItem:
        box = BlockItem(width, LAYER_H, title, subtitle, tint, parent=frame)
        box.setPos(x, y)
        return box

    def _link_layers(
        self, frame: FrameItem, below: list[BlockItem], above: list[BlockItem], stack: RecurrentSpec
    ) -> None:
        """Arrows from one layer to the next; a badge says what passes between them."""
        tops = [QPointF(box.x() + box.rect().width() / 2, box.y()) for box in below]
        bottoms = [QPointF(box.x() + box.rect().width() / 2, box.y() + LAYER_H) for box in above]
        middle_y = (tops[0].y() + bottoms[0].y()) / 2
        notes = []
        if stack.bidirectional:
            notes.append(f"concat {stack.output_width}")
        if stack.dropout > 0:
            notes.append(f"dropout {stack.dropout:g}")
        if len(below) == 1:
            arrow = ArrowItem([tops[0], bottoms[0]])
            arrow.setParentItem(frame)
            if notes:
                BadgeItem(" · ".join(notes), parent=frame).center_on(QPointF(tops[0].x(), middle_y))
            return
        hub = QPointF(frame.rect().width() / 2, middle_y)
        for top, bottom in zip(tops, bottoms):
            for points in ([top, QPointF(top.x(), middle_y), hub], [hub, QPointF(bottom.x(), middle_y), bottom]):
                line = ArrowItem(points) if points[-1] is bottom else draw.polyline(points)
                line.setParentItem(frame)
        BadgeItem(" · ".join(notes), parent=frame).center_on(hub)

    def _link_into_stack(self, source: BlockItem, part: str) -> None:
        start = QPointF(source.x() + IO_W / 2, source.y())
        for box in self._row(part, first=True):
            target = box.sceneBoundingRect().center()
            end = QPointF(target.x(), target.y() + LAYER_H / 2)
            middle = start.y() - LINK / 2
            self.scene.addItem(ArrowItem([start, QPointF(start.x(), middle), QPointF(end.x(), middle), end]))

    def _link_out_of_stack(self, part: str, head: BlockItem) -> None:
        row = self._row(part, first=False)
        for box in row:
            center = box.sceneBoundingRect().center()
            start = QPointF(center.x(), center.y() - LAYER_H / 2)
            self.scene.addItem(ArrowItem([start, QPointF(start.x(), head.y() + IO_H)]))
        spec_head = self.spec.head
        if spec_head.kind == "classification":
            frame = self.scene.part_items[part]
            x = frame.x() + frame.rect().width() / 2
            pooling = {
                "last": "last step",
                "mean": "mean over steps",
                "max": "max over steps",
                "attention": "attention over steps",
            }.get(spec_head.pooling, spec_head.pooling)
            badge = BadgeItem(f"pool: {pooling}", draw.HEAD_TINT.border)
            self.scene.addItem(badge.center_on(QPointF(x, (frame.y() + head.y() + IO_H) / 2)))

    def _row(self, part: str, first: bool) -> list[BlockItem]:
        rows = self.scene.layer_rows[part]
        return rows[0] if first else rows[-1]


def _scene_rect(box: BlockItem) -> QRectF:
    """A box's own rectangle in scene coordinates (its bounding rectangle adds the selection halo)."""
    return box.mapRectToScene(box.rect())

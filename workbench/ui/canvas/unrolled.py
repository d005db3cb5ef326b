"""The unrolled diagram: the same network copied over a few time steps.

Columns are time steps, rows are layers (two rows per layer when bidirectional: the forward
row passes its state right, the backward row left). Inputs feed the bottom row at every step;
per-step heads read the top row at every step, a classifier reads it once through its pooling.
An encoder–decoder draws the decoder's grid to the right, fed by the encoder's final state and
by attention over every encoder step. A captioning model reads its picture once: the picture
and the CNN stand as single blocks in the encoder's place, the decoder's grid starting from the
mean of the CNN's grid and attending over its cells. A handwriting synthesis network has a row
of soft-window cells between its first and second layers (see ``unrolled_window``). Each part
is a frame whose cells are its children (or one block), so clicks, drops and problem outlines
work as in the folded diagram.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF

from ...engine.spec import HEAD_KINDS, InputSpec, ModelSpec, RecurrentSpec
from . import items as draw
from .items import ArrowItem, BadgeItem, BlockItem, FrameItem, Tint
from .pictures import COORDINATES, cnn_lines, picture_size
from .unrolled_window import WINDOW_ROW_H, draw_window_row

STEPS = 5  # time steps drawn for one sequence
SEQ2SEQ_STEPS = 3  # per side of an encoder–decoder
CELL_W, CELL_H = 92.0, 44.0
STEP_GAP = 38.0  # between time steps (room for the state label)
PAIR_GAP = 10.0  # between the forward and backward cells of one step
LEVEL_GAP = 40.0  # between layers
LABEL_W = 96.0  # the row labels beside the grid
PAD, TITLE = 14.0, 30.0
FRAME_GAP = 36.0  # between the inputs, stack and head frames
SIDE_GAP, ATTENTION_SIDE_GAP = 130.0, 190.0  # between encoder and decoder grids
ATT_W, ATT_H = 124.0, 50.0
IMAGE_W, PICTURE_H, CNN_H = 184.0, 52.0, 72.0  # the picture and CNN blocks of a captioning model
SHORT_CELLS = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def sub(number: int) -> str:
    return str(number).translate(_SUBSCRIPTS)


def top(box: BlockItem) -> QPointF:
    return box.mapToScene(QPointF(box.rect().width() / 2, 0))


def bottom(box: BlockItem) -> QPointF:
    return box.mapToScene(QPointF(box.rect().width() / 2, box.rect().height()))


class UnrolledLayout:
    def __init__(self, scene) -> None:
        self.scene = scene  # an ArchitectureScene: its part map, layer lists and add_caption

    def draw(self, spec: ModelSpec) -> None:
        if spec.decoder is None:
            self._draw_single(spec)
        elif spec.inputs.kind == "image":
            self._draw_captioning(spec)
        else:
            self._draw_encoder_decoder(spec)

    def _draw_single(self, spec: ModelSpec) -> None:
        inputs = self._input_row("inputs", "INPUTS", spec.inputs, STEPS, 0.0, 0.0)
        windowed = spec.window is not None
        frame, levels = self._stack(
            "encoder", spec.encoder, STEPS, 0.0, self._top_of("inputs") - FRAME_GAP, window_row=windowed
        )
        self._link(inputs, [column[0] for column in levels[0]])
        past_window = windowed and len(levels) == 1  # layer 1's output passes the window on its way to the head
        head = self._head_row(
            spec, STEPS, 0.0, frame.y() - FRAME_GAP, [column[-1] for column in levels[-1]], linked=not past_window
        )
        if windowed:
            above = head if past_window else [column[0] for column in levels[1]]
            draw_window_row(self.scene, spec, frame, levels, above, LEVEL_GAP, PAD)

    def _draw_encoder_decoder(self, spec: ModelSpec) -> None:
        assert spec.decoder is not None
        steps = SEQ2SEQ_STEPS
        source = self._input_row("inputs", "SOURCE", spec.inputs, steps, 0.0, 0.0, reverse=spec.reverse_source)
        encoder, encoder_levels = self._stack("encoder", spec.encoder, steps, 0.0, self._top_of("inputs") - FRAME_GAP)
        self._link(source, [column[0] for column in encoder_levels[0]])
        left = encoder.rect().width() + (ATTENTION_SIDE_GAP if spec.attention is not None else SIDE_GAP)
        decoder_levels = self._decoder_side(spec, left)
        final = encoder_levels[-1][-1][-1]  # top layer, last step
        self._bridge(final.mapToScene(QPointF(CELL_W, CELL_H / 2)), decoder_levels, left, "final state")
        if spec.attention is not None:
            self._encoder_attention(spec, encoder, [column[-1] for column in encoder_levels[-1]])

    def _draw_captioning(self, spec: ModelSpec) -> None:
        """The picture and its CNN as single blocks left of the decoder's grid: read once, not per step."""
        lines = cnn_lines(spec)
        width = draw.fitting_width(lines, IMAGE_W)
        decoder_levels = self._decoder_side(spec, width + SIDE_GAP)
        first_layer_y = decoder_levels[0][0][0].mapToScene(QPointF(0, CELL_H / 2)).y()
        picture = self._block("inputs", "Picture", picture_size(spec.inputs), draw.INPUT_TINT, width, 0.0, PICTURE_H)
        cnn = self._block(
            "image_encoder", "CNN", "\n".join(lines), draw.CNN_TINT, width, first_layer_y + CNN_H / 2, CNN_H
        )  # level with the first layer: a straight bridge
        self._link([picture], [cnn])
        if spec.image_encoder is not None and spec.image_encoder.coordinates:
            middle = QPointF(width / 2, (picture.y() + first_layer_y + CNN_H / 2) / 2)
            self.scene.addItem(BadgeItem(COORDINATES, draw.CNN_TINT.border).center_on(middle))
        self._bridge(cnn.mapToScene(QPointF(width, CNN_H / 2)), decoder_levels, width + SIDE_GAP, "mean of the grid")
        if spec.attention is not None:
            self._grid_attention(spec, cnn)

    def _decoder_side(self, spec: ModelSpec, left: float) -> list[list[list[BlockItem]]]:
        """Target row, decoder grid and head row from ``left`` on; the decoder's levels."""
        steps = SEQ2SEQ_STEPS
        cells = [("<s>", "start")] + [(f"y{sub(t)}", "previous") for t in range(1, steps)]
        target = self._row(
            "target_inputs",
            "TARGET",
            self._input_label(spec.target_inputs),
            cells,
            draw.INPUT_TINT,
            left,
            0.0,
            labels_right=True,
        )
        decoder, levels = self._stack(
            "decoder", spec.decoder, steps, left, self._top_of("target_inputs") - FRAME_GAP, labels_right=True
        )
        self._link(target, [column[0] for column in levels[0]])
        self._head_row(
            spec, steps, left, decoder.y() - FRAME_GAP, [column[-1] for column in levels[-1]], labels_right=True
        )
        return levels

    # -- frames -----------------------------------------------------------------------------

    @staticmethod
    def _width(steps: int) -> float:
        return LABEL_W + steps * CELL_W + (steps - 1) * STEP_GAP + 2 * PAD

    @staticmethod
    def _column_x(step: int, labels_right: bool) -> float:
        return PAD + (0.0 if labels_right else LABEL_W) + step * (CELL_W + STEP_GAP)

    def _frame(
        self, part: str, title: str, height: float, steps: int, left: float, bottom_y: float, labels_right: bool = False
    ) -> FrameItem:
        frame = FrameItem(self._width(steps), height, title, part)
        frame.setPos(left, bottom_y - height)
        if labels_right:  # titles sit over the row labels, clear of the arrows between frames
            frame.title_item.setX(frame.rect().width() - PAD - LABEL_W + 10)
        self.scene.addItem(frame)
        self.scene.part_items[part] = frame
        return frame

    def _top_of(self, part: str) -> float:
        return self.scene.part_items[part].y()

    def _label(self, frame: FrameItem, text: str, center_y: float, labels_right: bool) -> None:
        item = draw.text_item(text, 11, frame, color=draw.MUTED)
        x = frame.rect().width() - PAD - LABEL_W + 10 if labels_right else PAD
        item.setPos(x, center_y - item.boundingRect().height() / 2)

    def _block(
        self, part: str, title: str, subtitle: str, tint: Tint, width: float, bottom_y: float, height: float
    ) -> BlockItem:
        """One block of the captioning model's left column, its bottom at ``bottom_y``."""
        block = BlockItem(width, height, title, subtitle, tint, part)
        block.setPos(0.0, bottom_y - height)
        self.scene.addItem(block)
        self.scene.part_items[part] = block
        return block

    def _row(
        self,
        part: str,
        title: str,
        label: str,
        cells: list[tuple[str, str] | None],
        tint: Tint,
        left: float,
        bottom_y: float,
        labels_right: bool = False,
    ) -> list[BlockItem | None]:
        """A frame with one row of cells (None leaves a step empty)."""
        frame = self._frame(part, title, TITLE + CELL_H + PAD, len(cells), left, bottom_y, labels_right)
        self._label(frame, label, TITLE + CELL_H / 2, labels_right)
        boxes: list[BlockItem | None] = []
        for step, cell in enumerate(cells):
            box = None
            if cell is not None:
                box = BlockItem(CELL_W, CELL_H, cell[0], cell[1], tint, parent=frame)
                box.setPos(self._column_x(step, labels_right), TITLE)
            boxes.append(box)
        return boxes

    @staticmethod
    def _input_label(inputs: InputSpec | None) -> str:
        inputs = inputs or InputSpec()
        if inputs.kind == "tokens":
            return f"embedding\n{inputs.vocab_size} × {inputs.embedding_dim}"
        if inputs.kind == "image":
            return f"pictures\n{picture_size(inputs)}"
        projection = f" → {inputs.projection_dim}" if inputs.projection_dim else ""
        return f"features\n{inputs.feature_dim}{projection}"

    def _input_row(
        self, part: str, title: str, inputs: InputSpec, steps: int, left: float, bottom_y: float, reverse: bool = False
    ) -> list[BlockItem | None]:
        order = range(steps, 0, -1) if reverse else range(1, steps + 1)
        kind = "token" if inputs.kind == "tokens" else "features"
        cells = [(f"x{sub(t)}", kind) for t in order]
        label = self._input_label(inputs) + ("\nin reverse" if reverse else "")
        return self._row(part, title, label, cells, draw.INPUT_TINT, left, bottom_y)

    def _head_row(
        self,
        spec: ModelSpec,
        steps: int,
        left: float,
        bottom_y: float,
        tops: list[BlockItem],
        labels_right: bool = False,
        linked: bool = True,
    ) -> list[BlockItem | None]:
        """The head's cells; ``linked`` False leaves a per-step head's arrows from ``tops`` to the caller."""
        head = spec.head
        kind = HEAD_KINDS.get(head.kind)
        title = "HEAD"
        label = draw.wrapped(kind.title if kind else head.kind, LABEL_W - 14, 11) + f"\n{head.num_outputs} outputs"
        if head.kind == "classification":
            cells: list[tuple[str, str] | None] = [None] * (steps - 1) + [("class", f"{head.pooling} pool")]
            boxes = self._row("head", title, label, cells, draw.HEAD_TINT, left, bottom_y, labels_right)
            self._pool(spec, tops, boxes[-1])
            return boxes
        names = {
            "next_token": ("x", 2, "next token"),
            "tagging": ("tag", 1, "tag"),
            "regression": ("y", 1, "values"),
            "mixture_density": ("x", 2, "next point"),
        }
        stem, first, subtitle = names.get(head.kind, ("y", 1, head.kind))
        cells = [(f"{stem}{sub(first + t)}", subtitle) for t in range(steps)]
        if spec.decoder is not None:
            cells = [(f"y{sub(t + 1)}", "predicted") for t in range(steps)]
        boxes = self._row("head", title, label, cells, draw.HEAD_TINT, left, bottom_y, labels_right)
        if linked:
            self._link(tops, boxes)
        return boxes

    def _stack(
        self,
        part: str,
        stack: RecurrentSpec,
        steps: int,
        left: float,
        bottom_y: float,
        labels_right: bool = False,
        window_row: bool = False,
    ) -> tuple[FrameItem, list[list[list[BlockItem]]]]:
        """A frame with the stack's cells; levels[layer][step] lists the cells bottom to top.

        ``window_row`` leaves room above layer 1 for a synthesis network's window, which draws
        the link from layer 1 to layer 2 itself.
        """
        layers = max(1, min(stack.num_layers, 16))
        directions = ("forward", "backward") if stack.bidirectional else ("forward",)
        level_h = len(directions) * CELL_H + (len(directions) - 1) * PAIR_GAP
        window_h = WINDOW_ROW_H + LEVEL_GAP if window_row else 0.0
        height = TITLE + layers * level_h + (layers - 1) * LEVEL_GAP + PAD + window_h
        frame = self._frame(part, part.upper(), height, steps, left, bottom_y, labels_right)
        tint = draw.CELL_TINTS.get(stack.cell, draw.UNKNOWN_CELL)
        cell = SHORT_CELLS.get(stack.cell, stack.cell)
        levels: list[list[list[BlockItem]]] = []
        for layer in range(layers):
            base = height - PAD - layer * (level_h + LEVEL_GAP) - (window_h if layer else 0.0)
            level: list[list[BlockItem]] = [[] for _ in range(steps)]
            for row, direction in enumerate(directions):
                y = base - CELL_H - row * (CELL_H + PAIR_GAP)
                glyph = "→" if direction == "forward" else "←"
                text = f"layer {layer + 1} {glyph}\n{stack.hidden_size} units"
                self._label(frame, text, y + CELL_H / 2, labels_right)
                for step in range(steps):
                    box = BlockItem(CELL_W, CELL_H, cell, f"t = {step + 1}", tint, parent=frame)
                    box.setPos(self._column_x(step, labels_right), y)
                    level[step].append(box)
                self._recurrence([column[row] for column in level], direction == "forward", stack.cell)
            if stack.bidirectional:  # one step of a bidirectional layer is the pair
                for column in level:
                    self.scene.addItem(draw.polyline([top(column[0]), bottom(column[1])]))
            if levels:
                if not (window_row and layer == 1):
                    self._link([column[-1] for column in levels[-1]], [column[0] for column in level])
                if stack.dropout > 0:
                    middle = top(levels[-1][0][-1]).y() - LEVEL_GAP / 2
                    x = left + (frame.rect().width() - PAD - LABEL_W / 2 if labels_right else PAD + LABEL_W / 2)
                    self.scene.addItem(BadgeItem(f"dropout {stack.dropout:g}").center_on(QPointF(x, middle)))
            levels.append(level)
        boxes = [box for level in levels for column in level for box in column]
        self.scene.layer_items[part] = boxes
        self.scene.layer_rows[part] = [[box for column in level for box in column] for level in levels]
        return frame, levels

    # -- arrows -----------------------------------------------------------------------------

    def _recurrence(self, row: list[BlockItem], forward: bool, cell: str) -> None:
        """The state passed from step to step: rightwards, or leftwards for a backward row."""
        state = "h, c" if cell == "lstm" else "h"
        for step, (left, right) in enumerate(zip(row, row[1:])):
            start = left.mapToScene(QPointF(CELL_W, CELL_H / 2))
            end = right.mapToScene(QPointF(0, CELL_H / 2))
            self.scene.addItem(ArrowItem([start, end] if forward else [end, start]))
            if step == (0 if forward else len(row) - 2):
                self.scene.add_caption(state, QPointF((start.x() + end.x()) / 2, start.y() - 9))

    def _link(self, below: list[BlockItem | None], above: list[BlockItem | None]) -> None:
        for lower, upper in zip(below, above):
            if lower is not None and upper is not None:
                self.scene.addItem(ArrowItem([top(lower), bottom(upper)]))

    def _pool(self, spec: ModelSpec, tops: list[BlockItem], head: BlockItem) -> None:
        """Top cells into a classifier: the last step, or every step through a shared bus."""
        if spec.head.pooling == "last":
            read = [tops[0], tops[-1]] if spec.encoder.bidirectional else [tops[-1]]
        else:
            read = tops
        if read == [tops[-1]]:
            self._link([tops[-1]], [head])
            return
        bus_y = (top(tops[0]).y() + bottom(head).y()) / 2
        for box in read:
            self.scene.addItem(draw.polyline([top(box), QPointF(top(box).x(), bus_y)]))
        self.scene.addItem(draw.polyline([QPointF(top(read[0]).x(), bus_y), QPointF(top(read[-1]).x(), bus_y)]))
        self.scene.addItem(ArrowItem([QPointF(top(read[-1]).x(), bus_y), bottom(head)]))

    def _bridge(self, start: QPointF, decoder_levels: list[list[list[BlockItem]]], left: float, caption: str) -> None:
        """What the decoder starts from (the encoder's final state, the grid's mean) becomes
        every decoder layer's initial state."""
        turn_x = (start.x() + left) / 2
        ends = [level[0][0].mapToScene(QPointF(0, CELL_H / 2)) for level in decoder_levels]
        for end in ends:
            self.scene.addItem(ArrowItem([start, QPointF(turn_x, start.y()), QPointF(turn_x, end.y()), end]))
        turns_up = any(end.y() < start.y() for end in ends)
        self.scene.add_caption(caption, QPointF(turn_x, start.y() + (12 if turns_up else -12)))  # clear of the turns

    def _encoder_attention(self, spec: ModelSpec, encoder: FrameItem, tops: list[BlockItem]) -> None:
        """Every top encoder cell joins a bus above the encoder that feeds the attention."""
        color = draw.ATTENTION_TINT.border
        bus_y = encoder.y() - 18
        for box in tops:
            self.scene.addItem(draw.polyline([top(box), QPointF(top(box).x(), bus_y)], color))
        corner = QPointF(top(tops[-1]).x() + CELL_W / 2 + PAD, bus_y)
        self.scene.addItem(draw.polyline([QPointF(top(tops[0]).x(), bus_y), corner], color))
        self.scene.add_caption("every encoder step", QPointF((top(tops[0]).x() + corner.x()) / 2, bus_y - 10))
        self._attention(spec, encoder, corner)

    def _attention_block(self, spec: ModelSpec, center: QPointF) -> BlockItem:
        scoring = {"additive": "Bahdanau", "multiplicative": "Luong"}.get(spec.attention.kind, spec.attention.kind)
        block = BlockItem(ATT_W, ATT_H, "Attention", scoring, draw.ATTENTION_TINT, "attention")
        block.setPos(center.x() - ATT_W / 2, center.y() - ATT_H / 2)
        self.scene.addItem(block)
        self.scene.part_items["attention"] = block
        return block

    def _grid_attention(self, spec: ModelSpec, cnn: BlockItem) -> None:
        """Attention above the CNN, level with the head: it reads every grid cell at every word."""
        color = draw.ATTENTION_TINT.border
        head_frame = self.scene.part_items["head"]
        center_y = head_frame.y() + head_frame.rect().height() / 2
        x = top(cnn).x()
        block = self._attention_block(spec, QPointF(x, center_y))
        self.scene.addItem(ArrowItem([top(cnn), bottom(block)], color))
        caption = self.scene.add_caption("every grid cell", QPointF(x, (top(cnn).y() + block.y()) / 2))
        caption.setX(x + 8)
        start, end = QPointF(block.x() + ATT_W, center_y), QPointF(head_frame.x(), center_y)
        self.scene.addItem(ArrowItem([start, end], color))
        self.scene.add_caption("context", QPointF((start.x() + end.x()) / 2, center_y - 12))

    def _attention(self, spec: ModelSpec, source: FrameItem, memory: QPointF) -> None:
        """The attention block right of ``source``, an arrow into it from ``memory`` and the
        context out to the head."""
        color = draw.ATTENTION_TINT.border
        head_frame = self.scene.part_items["head"]
        center_y = min(head_frame.y() + head_frame.rect().height() / 2, source.y() - ATT_H)
        right = source.x() + source.rect().width()
        block = self._attention_block(spec, QPointF((right + head_frame.x()) / 2, center_y))
        self.scene.addItem(ArrowItem([memory, QPointF(memory.x(), center_y), QPointF(block.x(), center_y)], color))
        end = QPointF(head_frame.x(), head_frame.y() + head_frame.rect().height() / 2)
        turn_x = (block.x() + ATT_W + end.x()) / 2
        points = [QPointF(block.x() + ATT_W, center_y), QPointF(turn_x, center_y), QPointF(turn_x, end.y()), end]
        self.scene.addItem(ArrowItem(points, color))
        caption = self.scene.add_caption("context", QPointF(turn_x, (center_y + end.y()) / 2))
        caption.setX(turn_x + 6)

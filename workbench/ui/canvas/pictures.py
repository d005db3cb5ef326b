"""Words for a captioning model's picture and CNN, shared by both diagrams and the inspector.

The grid's size comes from the engine (``ImageEncoderSpec.grid_side``), so what the canvas says
is what ``CaptioningModel`` builds.
"""

from __future__ import annotations

from ...engine.spec import InputSpec, ModelSpec

COORDINATES = "+ row, column channels"  # what CoordConv adds to the picture's colours


def picture_size(inputs: InputSpec) -> str:
    """'48×48×3': pixels a side, twice, and colour channels."""
    return f"{inputs.image_size}×{inputs.image_size}×{inputs.channels}"


def conv_text(channels: tuple[int, ...]) -> str:
    """'conv 16 → 32 → 64': the output channels of each block."""
    return "conv " + " → ".join(map(str, channels))


def grid_text(spec: ModelSpec) -> str:
    """'6×6 grid of 64 features': what the CNN leaves for the decoder to attend over."""
    cnn = spec.image_encoder
    side = cnn.grid_side(spec.inputs.image_size) if cnn is not None and cnn.channels else 0
    if side < 1:
        return "no grid left"
    return f"{side}×{side} grid of {cnn.output_width} features"


def cnn_lines(spec: ModelSpec) -> list[str]:
    """The CNN block's subtitle: its channels and the grid it leaves."""
    cnn = spec.image_encoder
    if cnn is None:
        return ["missing"]
    if not cnn.channels:
        return ["no blocks"]
    return [conv_text(cnn.channels), grid_text(spec)]

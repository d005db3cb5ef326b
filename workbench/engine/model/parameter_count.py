"""The number of parameters a spec will have, computed from the spec alone.

The canvas shows this count live while the user edits; building the module to count it would
be torch work on the GUI thread. Tests prove it equals ``count_parameters(build_model(spec))``.
"""

from __future__ import annotations

from ..spec import InputSpec, ModelSpec, RecurrentSpec

GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def input_parameters(inputs: InputSpec) -> int:
    if inputs.kind == "tokens":
        return inputs.vocab_size * inputs.embedding_dim
    if inputs.projection_dim:
        return inputs.feature_dim * inputs.projection_dim + inputs.projection_dim
    return 0


def stack_parameters(stack: RecurrentSpec, input_width: int) -> int:
    """Per layer and direction: G·H·(in + H) weights and two G·H bias vectors (torch keeps both)."""
    gates, hidden = GATES[stack.cell], stack.hidden_size
    directions = 2 if stack.bidirectional else 1
    total = 0
    for layer in range(stack.num_layers):
        width = input_width if layer == 0 else hidden * directions
        total += directions * (gates * hidden * (width + hidden) + 2 * gates * hidden)
    return total


def linear(inputs: int, outputs: int, bias: bool = True) -> int:
    return inputs * outputs + (outputs if bias else 0)


def head_parameters(spec: ModelSpec, width: int) -> int:
    head = spec.head
    total = linear(width, head.num_outputs)
    if head.kind == "classification" and head.pooling == "attention":
        total += linear(width, 1)
    return total


def handwriting_parameters(spec: ModelSpec) -> int:
    """Graves' networks: layer n reads [x, h^{n-1}] (and the window w), the head every layer."""
    hidden, layers, points = spec.encoder.hidden_size, spec.encoder.num_layers, spec.inputs.feature_dim
    letters = spec.window.alphabet_size if spec.window is not None else 0

    def lstm(width: int) -> int:
        return 4 * hidden * (width + hidden) + 8 * hidden

    total = lstm(points + letters) + (layers - 1) * lstm(points + hidden + letters)
    if spec.window is not None:
        total += linear(hidden, 3 * spec.window.components)
    return total + linear(hidden * layers, 1 + 6 * spec.head.num_outputs)


def image_encoder_parameters(spec: ModelSpec) -> int:
    """3×3 convolutions, each with a bias; the first also reads the coordinate channels."""
    cnn = spec.image_encoder
    total, width = 0, spec.inputs.channels + cnn.coordinate_channels
    for channels in cnn.channels:
        total += 9 * width * channels + channels
        width = channels
    return total


def spec_parameters(spec: ModelSpec) -> int:
    """Parameters of ``build_model(spec)`` for a valid spec."""
    if spec.head.kind == "mixture_density":
        return handwriting_parameters(spec)
    if spec.inputs.kind == "image":
        return image_encoder_parameters(spec) + decoder_parameters(spec, spec.image_encoder.output_width)
    total = input_parameters(spec.inputs) + stack_parameters(spec.encoder, spec.inputs.width)
    if spec.decoder is None:
        return total + head_parameters(spec, spec.encoder.output_width)
    return total + decoder_parameters(spec, spec.encoder.output_width)


def decoder_parameters(spec: ModelSpec, memory: int) -> int:
    """The target embedding, decoder stack, its initial state from a ``memory``-wide summary,
    attention over that memory, and the head."""
    decoder, target = spec.decoder, spec.target_inputs
    total = input_parameters(target) + stack_parameters(decoder, target.width)
    bridge_outputs = decoder.num_layers * decoder.hidden_size
    total += linear(memory, bridge_outputs) * (2 if decoder.cell == "lstm" else 1)
    if spec.attention is not None:
        query = decoder.hidden_size
        if spec.attention.kind == "additive":
            size = spec.attention.size or query
            total += linear(query, size, bias=False) + linear(memory, size) + linear(size, 1, bias=False)
        else:
            total += linear(memory, query, bias=False)
        total += linear(query + memory, query)
    return total + head_parameters(spec, decoder.hidden_size)

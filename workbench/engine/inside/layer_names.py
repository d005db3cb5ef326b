"""The names a probe reports, as plain data (no torch): the gates of each cell and the layers of
a model, so that a view can lay out its plots before the first probe arrives."""

from __future__ import annotations

from ..spec import ModelSpec

GATE_NAMES = {"rnn": (), "lstm": ("input", "forget", "cell", "output"), "gru": ("reset", "update", "new")}


def trace_name(stack: str, layer: int, reverse: bool) -> str:
    """A layer trace's name: "encoder.l0", "encoder.l1.reverse"."""
    return f"{stack}.l{layer}" + (".reverse" if reverse else "")


def probed_layers(spec: ModelSpec) -> tuple[str, ...]:
    """The names of the layers a probe of ``spec``'s model reports, in its order; none for the
    models probes do not look into (encoder–decoders, handwriting networks)."""
    if spec.is_seq2seq or spec.writes_with_pen:
        return ()
    directions = (False, True) if spec.encoder.bidirectional else (False,)
    return tuple(
        trace_name("encoder", layer, reverse) for layer in range(spec.encoder.num_layers) for reverse in directions
    )

"""A model as the graphs an exported file holds: plain tensors in, plain tensors out.

Other runtimes know nothing of the workbench's state tuples, masks-or-None or mixture records, so
each kind of model is wrapped in modules whose ``forward`` takes and returns tensors only, with the
recurrent state as explicit inputs and outputs. ``Port`` names every tensor and its axes; the axes
named by a word ("batch", "time", ...) are the ones an export must keep dynamic, and ``example``
makes inputs of any size for tracing and for the check at other sizes.

- language models and forecasters read a stream: ``inputs`` and the state in, outputs and state out;
- classifiers and taggers read padded items: ``inputs`` and ``mask`` in (a left-to-right tagger
  needs no mask), scores out, from zero state;
- encoder–decoder models and captioners are two graphs: the encoder (memory and the decoder's
  initial state) and the decoder (target tokens, state, memory -> logits, state, attention);
- the handwriting prediction network reads a stream of pen points like a language model;
- the synthesis network is one step (Graves 2013, eqs. 46-51): its window feeds layer 1 at the
  next step, so a sequence is that step applied point by point, the state carried.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from ..model.handwriting.model import HandwritingPrediction, HandwritingSynthesis
from ..model.handwriting.networks import SynthesisState
from ..model.sequence_models import SequenceModel

Sizes = dict[str, int]  # a length for every named axis: {"batch": 2, "time": 7, ...}


@dataclass(frozen=True)
class Port:
    """One tensor of a graph: its name, its shape (numbers are fixed, words are dynamic axes) and
    what an example holds: token ids below ``high``, a prefix mask, pixels or normal noise."""

    name: str
    shape: tuple[int | str, ...]
    kind: str = "float"  # "ids", "mask", "pixels" or "float"
    high: int = 0  # ids: the vocabulary size

    def dynamic_axes(self) -> dict[int, str]:
        return {axis: size for axis, size in enumerate(self.shape) if isinstance(size, str)}

    def concrete(self, sizes: Sizes) -> tuple[int, ...]:
        return tuple(sizes[size] if isinstance(size, str) else size for size in self.shape)

    def example(self, sizes: Sizes, generator: torch.Generator) -> torch.Tensor:
        shape = self.concrete(sizes)
        if self.kind == "ids":
            return torch.randint(0, self.high, shape, generator=generator)
        if self.kind == "pixels":
            return torch.randint(0, 256, shape, generator=generator, dtype=torch.uint8)
        if self.kind == "mask":  # true on a prefix of each row, the first row full length
            lengths = torch.randint(1, shape[1] + 1, (shape[0],), generator=generator)
            lengths[0] = shape[1]
            return torch.arange(shape[1])[None, :] < lengths[:, None]
        return 0.5 * torch.randn(shape, generator=generator)


@dataclass(frozen=True)
class Graph:
    """One exported function of a model. ``role`` names the file: "model", "encoder", "decoder"
    or "step"; ``carried`` pairs each state output with the input it feeds on the next call."""

    role: str
    module: nn.Module
    inputs: tuple[Port, ...]
    outputs: tuple[Port, ...]
    carried: tuple[tuple[str, str], ...] = ()  # (output, input)

    @property
    def input_names(self) -> list[str]:
        return [port.name for port in self.inputs]

    @property
    def output_names(self) -> list[str]:
        return [port.name for port in self.outputs]

    def dynamic_axes(self) -> dict[str, dict[int, str]]:
        return {port.name: port.dynamic_axes() for port in (*self.inputs, *self.outputs) if port.dynamic_axes()}

    def example(self, sizes: Sizes, seed: int) -> tuple[torch.Tensor, ...]:
        generator = torch.Generator().manual_seed(seed)
        return tuple(port.example(sizes, generator) for port in self.inputs)


class _Wraps(nn.Module):
    """A graph: the model inside, its ``forward`` tensors in and tensors out."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model


def _flat(state) -> tuple[torch.Tensor, ...]:
    return state if isinstance(state, tuple) else (state,)


def _state(parts: tuple[torch.Tensor, ...]):
    return parts[0] if len(parts) == 1 else tuple(parts)


def _state_ports(stack: nn.RNNBase, suffix: str) -> tuple[Port, ...]:
    """h (and c for an LSTM), each (layers × directions, batch, hidden)."""
    shape = (stack.num_layers * (2 if stack.bidirectional else 1), "batch", stack.hidden_size)
    names = ("h", "c") if isinstance(stack, nn.LSTM) else ("h",)
    return tuple(Port(name + suffix, shape) for name in names)


def _input_port(model, name: str, time_axis: str) -> Port:
    """A model's token ids (batch, time) or features (batch, time, F)."""
    spec = model.spec.inputs if name != "target" else model.spec.target_inputs
    if spec.kind == "tokens":
        return Port(name, ("batch", time_axis), "ids", spec.vocab_size)
    return Port(name, ("batch", time_axis, spec.feature_dim))


class _StreamGraph(_Wraps):
    """inputs (B, T[, F]), state -> outputs (B, T, V), state: a language model or forecaster."""

    def forward(self, inputs: torch.Tensor, *state: torch.Tensor) -> tuple[torch.Tensor, ...]:
        outputs, final = self.model(inputs, _state(state))
        return (outputs, *_flat(final))


class _MaskedGraph(_Wraps):
    """inputs (B, T)[, mask (B, T)] -> scores (B, C) or (B, T, C): a classifier or tagger from zero state.

    A left-to-right tagger has no mask: padding after a row's real steps cannot reach them.
    """

    def forward(self, inputs: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        return self.model(inputs, None, mask)[0]


def _sequence_graphs(model: SequenceModel) -> list[Graph]:
    head = model.spec.head
    out_width = head.num_outputs
    if head.kind in ("classification", "tagging"):
        scores = Port("scores", ("batch", out_width) if head.kind == "classification" else ("batch", "time", out_width))
        reads_mask = head.kind == "classification" or model.spec.encoder.bidirectional
        inputs = (_input_port(model, "inputs", "time"), *((Port("mask", ("batch", "time"), "mask"),) * reads_mask))
        return [Graph("model", _MaskedGraph(model), inputs, (scores,))]
    outputs = Port("logits" if head.kind == "next_token" else "predictions", ("batch", "time", out_width))
    state_in, state_out = _state_ports(model.encoder, "0"), _state_ports(model.encoder, "")
    return [
        Graph(
            "model",
            _StreamGraph(model),
            (_input_port(model, "inputs", "time"), *state_in),
            (outputs, *state_out),
            tuple(zip((p.name for p in state_out), (p.name for p in state_in))),
        )
    ]


class _EncoderGraph(_Wraps):
    """source (B, S), source_mask (B, S) -> memory (B, S, W), the decoder's initial state."""

    def forward(self, source: torch.Tensor, source_mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
        memory, state = self.model.encode(source, source_mask)
        return (memory, *_flat(state))


class _PictureEncoderGraph(_Wraps):
    """images (B, H, W, C) uint8 -> memory (B, S, C'), the decoder's initial state."""

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, ...]:
        memory, state = self.model.encode(images)
        return (memory, *_flat(state))


class _DecoderGraph(_Wraps):
    """target (B, T), state[, memory (B, S, W)[, memory_mask (B, S)]] -> logits, state[, attention]."""

    def __init__(self, model, state_parts: int, masked: bool) -> None:
        super().__init__(model)
        self.state_parts, self.masked = state_parts, masked

    def forward(self, target: torch.Tensor, *rest: torch.Tensor) -> tuple[torch.Tensor, ...]:
        state, rest = _state(rest[: self.state_parts]), rest[self.state_parts :]
        memory = rest[0] if rest else None
        memory_mask = rest[1] if self.masked else None
        logits, state, weights = self.model.decode(target, state, memory, memory_mask)
        return (logits, *_flat(state), *(() if weights is None else (weights,)))


def _encoder_decoder_graphs(model) -> list[Graph]:
    spec = model.spec
    captions = spec.inputs.kind == "image"
    decoder_in, decoder_out = _state_ports(model.decoder, "0"), _state_ports(model.decoder, "")
    if captions:
        side = spec.inputs.image_size
        width, cells = spec.image_encoder.output_width, spec.image_encoder.grid_side(side) ** 2
        memory = Port("memory", ("batch", cells, width))
        encoder = Graph(
            "encoder",
            _PictureEncoderGraph(model),
            (Port("images", ("batch", side, side, spec.inputs.channels), "pixels"),),
            (memory, *decoder_out),
        )
        memory_inputs = (memory,)
        attention = Port("attention", ("batch", "time", cells))
    else:
        memory = Port("memory", ("batch", "source", spec.encoder.output_width))
        source_mask = Port("source_mask", ("batch", "source"), "mask")
        encoder = Graph(
            "encoder",
            _EncoderGraph(model),
            (_input_port(model, "source", "source"), source_mask),
            (memory, *decoder_out),
        )
        memory_inputs = (memory, Port("memory_mask", ("batch", "source"), "mask"))
        attention = Port("attention", ("batch", "time", "source"))
    attends = model.attention is not None
    logits = Port("logits", ("batch", "time", spec.head.num_outputs))
    decoder = Graph(
        "decoder",
        _DecoderGraph(model, len(decoder_in), masked=attends and not captions),
        (_input_port(model, "target", "time"), *decoder_in, *(memory_inputs if attends else ())),
        (logits, *decoder_out, *((attention,) if attends else ())),
        tuple(zip((p.name for p in decoder_out), (p.name for p in decoder_in))),
    )
    return [encoder, decoder]


class _StrokeGraph(_Wraps):
    """points (B, T, 3), (h, c) per layer -> the mixture of the next point (B, T, ...), (h, c) per layer."""

    def forward(self, points: torch.Tensor, *state: torch.Tensor) -> tuple[torch.Tensor, ...]:
        layers = [(state[i], state[i + 1]) for i in range(0, len(state), 2)]
        params, final = self.model(points, layers)
        return (
            params.log_pi,
            params.mu,
            params.log_sigma,
            params.rho,
            params.eos_logit,
            *(part for layer in final for part in layer),
        )


def _mixture_ports(components: int, *leading: str) -> tuple[Port, ...]:
    """The mixture of Graves (2013) eqs. 18-22 in log or logit space (see ``mixture.MixtureParams``)."""
    return (
        Port("log_pi", (*leading, components)),
        Port("mu", (*leading, components, 2)),
        Port("log_sigma", (*leading, components, 2)),
        Port("rho", (*leading, components)),
        Port("eos_logit", leading),
    )


def _layer_state_ports(first: int, last: int, hidden: int, suffix: str) -> tuple[Port, ...]:
    """(h, c) of the fused layers ``first``..``last`` (numbered from 1, as in Graves 2013), each (1, B, H)."""
    return tuple(
        Port(f"{name}{layer}{suffix}", (1, "batch", hidden)) for layer in range(first, last + 1) for name in ("h", "c")
    )


def _prediction_graphs(model: HandwritingPrediction) -> list[Graph]:
    layers, hidden = 1 + len(model.upper), model.first.hidden_size
    state_in, state_out = _layer_state_ports(1, layers, hidden, "_0"), _layer_state_ports(1, layers, hidden, "")
    return [
        Graph(
            "model",
            _StrokeGraph(model),
            (Port("points", ("batch", "time", 3)), *state_in),
            (*_mixture_ports(model.head.components, "batch", "time"), *state_out),
            tuple(zip((p.name for p in state_out), (p.name for p in state_in))),
        )
    ]


class _SynthesisStep(_Wraps):
    """One pen point of the synthesis network, the whole state explicit.

    point (B, 3), text (B, U) ids, text_mask (B, U), h1, c1 (B, H), kappa (B, K), window (B, A),
    (h, c) of layers 2.. (1, B, H) -> the mixture of the next point (B, ...), ``finished`` (B,)
    (section 5.3's end test), and the state after the point.
    """

    def forward(
        self,
        point: torch.Tensor,
        text: torch.Tensor,
        text_mask: torch.Tensor,
        h1: torch.Tensor,
        c1: torch.Tensor,
        kappa: torch.Tensor,
        window: torch.Tensor,
        *upper: torch.Tensor,
    ) -> tuple[torch.Tensor, ...]:
        layers = [(upper[i], upper[i + 1]) for i in range(0, len(upper), 2)]
        state = SynthesisState((h1, c1), kappa, window, layers)
        params, after, trace = self.model(point[:, None], text, text_mask, state)  # one step: (B, 1, ...)
        return (
            params.log_pi[:, 0],
            params.mu[:, 0],
            params.log_sigma[:, 0],
            params.rho[:, 0],
            params.eos_logit[:, 0],
            trace.passed_end[:, 0],
            *after.cell,
            after.kappa,
            after.window,
            *(part for layer in after.upper for part in layer),
        )


def _synthesis_graphs(model: HandwritingSynthesis) -> list[Graph]:
    hidden, components = model.hidden, model.window.components
    upper = len(model.upper)
    alphabet = model.alphabet_size
    state_names = ("h1", "c1", "kappa", "window")
    state_shapes = (("batch", hidden), ("batch", hidden), ("batch", components), ("batch", alphabet))
    state_in = (
        *(Port(f"{name}_0", shape) for name, shape in zip(state_names, state_shapes)),
        *_layer_state_ports(2, upper + 1, hidden, "_0"),
    )
    state_out = (
        *(Port(name, shape) for name, shape in zip(state_names, state_shapes)),
        *_layer_state_ports(2, upper + 1, hidden, ""),
    )
    inputs = (
        Port("point", ("batch", 3)),
        Port("text", ("batch", "text"), "ids", alphabet),
        Port("text_mask", ("batch", "text"), "mask"),
        *state_in,
    )
    outputs = (*_mixture_ports(model.head.components, "batch"), Port("finished", ("batch",)), *state_out)
    return [
        Graph(
            "step",
            _SynthesisStep(model),
            inputs,
            outputs,
            tuple(zip((p.name for p in state_out), (p.name for p in state_in))),
        )
    ]


GRAPH_MAKERS: tuple[tuple[type, Callable[[nn.Module], list[Graph]]], ...] = (
    (HandwritingSynthesis, _synthesis_graphs),
    (HandwritingPrediction, _prediction_graphs),
    (SequenceModel, _sequence_graphs),
)


def model_graphs(model: nn.Module) -> list[Graph]:
    """The graphs of a copy of ``model`` on the CPU in evaluation mode (the project's is untouched)."""
    model = copy.deepcopy(model).cpu()
    make = next((make for kind, make in GRAPH_MAKERS if isinstance(model, kind)), _encoder_decoder_graphs)
    graphs = make(model)
    for graph in graphs:
        # The wrapper itself, not only the model: the exporter restores the wrapper's mode after
        # tracing, to every module inside it, and dropout left on would break the check.
        graph.module.eval()
    return graphs

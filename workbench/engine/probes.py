"""Looking inside a fused recurrent stack: the same weights, run one step at a time.

``trace_stack`` re-implements ``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` with explicit gate maths,
reading the fused module's own parameters, and records every gate, cell state and hidden state.
Tests prove its outputs equal the fused module's. It is slower than the fused kernel, so it runs
only on a short probe sequence, never for training.

Gate maths (torch's definitions; W·x + b stands for the fused ``weight_ih``/``bias_ih`` slices):

- RNN:  h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
- LSTM (Hochreiter & Schmidhuber, 1997; forget gate of Gers et al., 2000):
  i = σ(·), f = σ(·), g = tanh(·), o = σ(·);  c_t = f ⊙ c_{t-1} + i ⊙ g;  h_t = o ⊙ tanh(c_t)
- GRU (Cho et al., 2014): r = σ(·), z = σ(·), n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn));
  h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from .spec import ModelSpec

GATE_NAMES = {"rnn": (), "lstm": ("input", "forget", "cell", "output"), "gru": ("reset", "update", "new")}


@dataclass
class LayerTrace:
    """Everything one layer (one direction) computed over the probe sequence, time-major."""

    name: str  # "encoder.l0", "encoder.l0.reverse"
    cell: str
    gates: dict[str, torch.Tensor] = field(default_factory=dict)  # name -> (B, T, H)
    cell_state: torch.Tensor | None = None  # (B, T, H), LSTM only
    hidden: torch.Tensor | None = None  # (B, T, H)
    hidden_steps: list[torch.Tensor] = field(default_factory=list)  # T tensors (B, H), graph nodes


def _cell_kind(stack: nn.RNNBase) -> str:
    if isinstance(stack, nn.LSTM):
        return "lstm"
    if isinstance(stack, nn.GRU):
        return "gru"
    if stack.nonlinearity != "tanh":
        raise ValueError("probes cover tanh RNNs only")
    return "rnn"


def _weights(stack: nn.RNNBase, layer: int, reverse: bool):
    suffix = f"_l{layer}" + ("_reverse" if reverse else "")
    w_ih = getattr(stack, "weight_ih" + suffix)  # (G*H, in)
    w_hh = getattr(stack, "weight_hh" + suffix)  # (G*H, H)
    b_ih = getattr(stack, "bias_ih" + suffix) if stack.bias else None
    b_hh = getattr(stack, "bias_hh" + suffix) if stack.bias else None
    return w_ih, w_hh, b_ih, b_hh


def _run_direction(
    cell: str, x: torch.Tensor, weights, h: torch.Tensor, c: torch.Tensor | None, trace: LayerTrace
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Step through ``x`` (B, T, in) in the given order; fill ``trace``; return final (h, c)."""
    w_ih, w_hh, b_ih, b_hh = weights
    x_proj = x @ w_ih.T + (b_ih if b_ih is not None else 0)  # (B, T, G*H), all steps at once
    gates: dict[str, list[torch.Tensor]] = {name: [] for name in GATE_NAMES[cell]}
    cells: list[torch.Tensor] = []
    for t in range(x.shape[1]):
        h_proj = h @ w_hh.T + (b_hh if b_hh is not None else 0)  # (B, G*H)
        if cell == "rnn":
            h = torch.tanh(x_proj[:, t] + h_proj)
        elif cell == "lstm":
            i, f, g, o = (x_proj[:, t] + h_proj).chunk(4, dim=-1)  # each (B, H)
            i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
            c = f * c + i * g
            h = o * torch.tanh(c)
            for name, value in zip(GATE_NAMES["lstm"], (i, f, g, o)):
                gates[name].append(value)
            cells.append(c)
        else:
            x_r, x_z, x_n = x_proj[:, t].chunk(3, dim=-1)  # each (B, H)
            h_r, h_z, h_n = h_proj.chunk(3, dim=-1)
            r = torch.sigmoid(x_r + h_r)
            z = torch.sigmoid(x_z + h_z)
            n = torch.tanh(x_n + r * h_n)
            h = (1 - z) * n + z * h
            for name, value in zip(GATE_NAMES["gru"], (r, z, n)):
                gates[name].append(value)
        trace.hidden_steps.append(h)
    trace.gates = {name: torch.stack(values, dim=1) for name, values in gates.items()}
    trace.cell_state = torch.stack(cells, dim=1) if cells else None
    trace.hidden = torch.stack(trace.hidden_steps, dim=1)
    return h, c


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


def trace_stack(
    stack: nn.RNNBase, x: torch.Tensor, state=None, name: str = "encoder"
) -> tuple[torch.Tensor, object, list[LayerTrace]]:
    """Run ``stack`` step by step on ``x`` (B, T, in) with its own weights.

    Returns what the fused module returns — output (B, T, D*H) and the final state in torch's
    layout — plus one ``LayerTrace`` per layer and direction. Dropout between layers is not
    applied: probes look at the model as it predicts (eval mode).
    """
    if not stack.batch_first:
        raise ValueError("probes expect batch-first stacks")
    cell = _cell_kind(stack)
    directions = 2 if stack.bidirectional else 1
    batch, hidden_size = x.shape[0], stack.hidden_size
    h0, c0 = (state if isinstance(state, tuple) else (state, None))
    if h0 is None:
        h0 = x.new_zeros(stack.num_layers * directions, batch, hidden_size)
    if cell == "lstm" and c0 is None:
        c0 = x.new_zeros(stack.num_layers * directions, batch, hidden_size)
    traces: list[LayerTrace] = []
    final_h, final_c = [], []
    layer_input = x
    for layer in range(stack.num_layers):
        outputs = []
        for direction in range(directions):
            reverse = direction == 1
            index = layer * directions + direction
            trace = LayerTrace(trace_name(name, layer, reverse), cell)
            seq = layer_input.flip(1) if reverse else layer_input
            c_start = c0[index] if cell == "lstm" else None
            h, c = _run_direction(cell, seq, _weights(stack, layer, reverse), h0[index], c_start, trace)
            if reverse:  # report every trace in reading order of the text
                trace.hidden_steps.reverse()
                trace.hidden = trace.hidden.flip(1)
                trace.gates = {k: v.flip(1) for k, v in trace.gates.items()}
                trace.cell_state = None if trace.cell_state is None else trace.cell_state.flip(1)
            traces.append(trace)
            outputs.append(trace.hidden)
            final_h.append(h)
            final_c.append(c)
        layer_input = torch.cat(outputs, dim=-1)  # (B, T, D*H)
    h_n = torch.stack(final_h)  # (L*D, B, H)
    final = (h_n, torch.stack(final_c)) if cell == "lstm" else h_n
    return layer_input, final, traces


def gradient_through_time(
    model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor
) -> tuple[list[LayerTrace], torch.Tensor]:
    """‖∂L_T/∂h_t‖ for every layer and step t, where L_T is the loss of the last prediction.

    The norm of the gradient that the final prediction sends back to step t is the classic
    picture of vanishing and exploding gradients (Bengio et al., 1994; Pascanu et al., 2013):
    it shrinks geometrically with T − t in a tanh RNN and decays slowly in an LSTM.

    ``inputs`` (1, T) ids or (1, T, F) features and ``targets`` as the head's loss takes them
    for one sequence; a head predicting at every step is scored on its last step only, a
    classifier on its one answer. Returns the traces (for gates and states) and norms
    (layers·directions, T).
    """
    with torch.enable_grad():
        embedded = model.inputs(inputs)  # (1, T, E)
        features, _, traces = trace_stack(model.encoder, embedded, None, "encoder")
        prediction = model.head(features)  # (1, T, V), or (1, C) for a classifier
        if model.head.per_step:
            prediction, targets = prediction[:, -1:], targets[:, -1:]
        loss = model.head.loss(prediction, targets)
        steps = [h for trace in traces for h in trace.hidden_steps]
        # autograd.grad, not backward(): the model's own .grad buffers stay untouched.
        grads = torch.autograd.grad(loss, steps, allow_unused=True)
    # float64: squares of gradients below ~1e-19 underflow in float32 and the norm reads 0.
    norms = [0.0 if g is None else g.double().norm().item() for g in grads]
    return traces, torch.tensor(norms, dtype=torch.float64).view(len(traces), -1)

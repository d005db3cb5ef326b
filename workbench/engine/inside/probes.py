"""Looking inside a fused recurrent stack: every gate, cell state and hidden state over a
probe sequence, and the gradient each step receives, from the fused module's own weights.

``trace_stack`` runs each layer and direction through the fused kernel on its own, with the
layer's weights, so the hidden states are the fused module's (tests prove it). Knowing every
h_{t-1}, the gates of all steps follow at once from the equations (torch's definitions; W·x + b
stands for the fused ``weight_ih``/``bias_ih`` slices):

- RNN:  h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
- LSTM (Hochreiter & Schmidhuber, 1997; forget gate of Gers et al., 2000):
  i = σ(·), f = σ(·), g = tanh(·), o = σ(·);  c_t = f ⊙ c_{t-1} + i ⊙ g;  h_t = o ⊙ tanh(c_t)
- GRU (Cho et al., 2014): r = σ(·), z = σ(·), n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn));
  h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}

and only the cell state's running sum is a loop over time (elementwise). The fused kernel is fed
the input projections a_t = W_ih x_t (identity input weights), so that backpropagation reports
∂L/∂a_t, from which ``gradient_through_time`` rebuilds ∂L/∂h_t for every step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn
from torch.func import functional_call

from .layer_names import trace_name

FUSED = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


@dataclass
class LayerTrace:
    """Everything one layer (one direction) computed over the probe sequence.

    ``gates``, ``cell_state`` and ``hidden`` are in reading order of the text; the rest, kept for
    ``gradient_through_time``, in the order the direction ran.
    """

    name: str  # "encoder.l0", "encoder.l0.reverse"
    cell: str
    gates: dict[str, torch.Tensor] = field(default_factory=dict)  # name -> (B, T, H)
    cell_state: torch.Tensor | None = None  # (B, T, H), LSTM only
    hidden: torch.Tensor | None = None  # (B, T, H), the tensor the next layer or the head reads
    reverse: bool = False
    projected: torch.Tensor | None = None  # (B, T, G*H) W_ih x_t, the fused kernel's input
    weight_hh: torch.Tensor | None = None  # (G*H, H)


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


def _reading_order(values: torch.Tensor, reverse: bool) -> torch.Tensor:
    """(B, T, ·) between the order a direction ran and the text's reading order, either way."""
    return values.flip(1) if reverse else values


def _run_fused(cell: str, projected: torch.Tensor, weights, h0: torch.Tensor, c0: torch.Tensor | None):
    """One direction of one layer through the fused kernel, fed ``projected`` (B, T, G*H) through
    identity input weights; returns its outputs (B, T, H) and final (h, c).

    The kernel gets copies of the weights: on a GPU, a recurrent module packs the weights it is
    given into one cuDNN buffer in place, which must not happen to the model's own."""
    _, w_hh, b_ih, b_hh = weights
    width, hidden_size = w_hh.shape
    kernel = FUSED[cell](width, hidden_size, bias=b_ih is not None, batch_first=True, device="meta")
    given = [w_hh] if b_ih is None else [w_hh, b_ih, b_hh]
    names = ["weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
    parameters = {name: weight.detach().clone() for name, weight in zip(names, given)}
    parameters["weight_ih_l0"] = torch.eye(width, dtype=w_hh.dtype, device=w_hh.device)
    state = (h0[None], c0[None]) if cell == "lstm" else h0[None]
    outputs, final = functional_call(kernel, parameters, (projected, state))
    h_n, c_n = final if cell == "lstm" else (final, None)
    return outputs, h_n[0], None if c_n is None else c_n[0]


def _gates(cell: str, projected: torch.Tensor, outputs: torch.Tensor, h0, c0, weights) -> dict[str, torch.Tensor]:
    """Every step's gates at once from the inputs and the previous steps' hidden states, and the
    LSTM's cell states; all (B, T, H), in running order."""
    if cell == "rnn":
        return {}
    _, w_hh, b_ih, b_hh = weights
    previous = torch.cat([h0[:, None], outputs[:, :-1]], dim=1)  # (B, T, H): h_{t-1}
    x_part = projected + (b_ih if b_ih is not None else 0)  # (B, T, G*H)
    h_part = previous @ w_hh.T + (b_hh if b_hh is not None else 0)  # (B, T, G*H)
    if cell == "lstm":
        i, f, g, o = (x_part + h_part).chunk(4, dim=-1)
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
        written = i * g
        c, cells = c0, []
        for t in range(projected.shape[1]):  # c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
            c = torch.addcmul(written[:, t], f[:, t], c)
            cells.append(c)
        return {"input": i, "forget": f, "cell": g, "output": o, "cell_state": torch.stack(cells, dim=1)}
    x_r, x_z, x_n = x_part.chunk(3, dim=-1)
    h_r, h_z, h_n = h_part.chunk(3, dim=-1)
    r = torch.sigmoid(x_r + h_r)
    z = torch.sigmoid(x_z + h_z)
    return {"reset": r, "update": z, "new": torch.tanh(x_n + r * h_n)}


def trace_stack(
    stack: nn.RNNBase, x: torch.Tensor, state=None, name: str = "encoder"
) -> tuple[torch.Tensor, object, list[LayerTrace]]:
    """Run ``stack`` on ``x`` (B, T, in) one layer and direction at a time, with its own weights.

    Returns what the fused module returns — output (B, T, D*H) and the final state in torch's
    layout — plus one ``LayerTrace`` per layer and direction. Dropout between layers is not
    applied: probes look at the model as it predicts (eval mode).
    """
    if not stack.batch_first:
        raise ValueError("probes expect batch-first stacks")
    cell = _cell_kind(stack)
    directions = 2 if stack.bidirectional else 1
    batch, hidden_size = x.shape[0], stack.hidden_size
    h0, c0 = state if isinstance(state, tuple) else (state, None)
    if h0 is None:
        h0 = x.new_zeros(stack.num_layers * directions, batch, hidden_size)
    if cell == "lstm" and c0 is None:
        c0 = x.new_zeros(stack.num_layers * directions, batch, hidden_size)
    traces: list[LayerTrace] = []
    final_h, final_c = [], []
    layer_input = x
    for layer in range(stack.num_layers):
        for reverse in (False, True)[:directions]:
            index = layer * directions + int(reverse)
            weights = _weights(stack, layer, reverse)
            projected = _reading_order(layer_input, reverse) @ weights[0].T  # (B, T, G*H), in running order
            c_start = c0[index] if cell == "lstm" else None
            outputs, h, c = _run_fused(cell, projected, weights, h0[index], c_start)
            with torch.no_grad():
                found = _gates(cell, projected, outputs, h0[index], c_start, weights)
            cell_state = found.pop("cell_state", None)
            traces.append(
                LayerTrace(
                    name=trace_name(name, layer, reverse),
                    cell=cell,
                    gates={gate: _reading_order(values, reverse) for gate, values in found.items()},
                    cell_state=None if cell_state is None else _reading_order(cell_state, reverse),
                    hidden=_reading_order(outputs, reverse),
                    reverse=reverse,
                    projected=projected,
                    weight_hh=weights[1],
                )
            )
            final_h.append(h)
            final_c.append(c)
        layer_input = torch.cat([trace.hidden for trace in traces[-directions:]], dim=-1)  # (B, T, D*H)
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
        wanted = [trace.hidden for trace in traces] + [trace.projected for trace in traces]
        # autograd.grad, not backward(): the model's own .grad buffers stay untouched.
        grads = torch.autograd.grad(loss, wanted, allow_unused=True, materialize_grads=True)
    norms = [
        _hidden_gradient(trace, sent, projected).norm(dim=(0, 2))
        for trace, sent, projected in zip(traces, grads[: len(traces)], grads[len(traces) :])
    ]
    return traces, torch.stack(norms).cpu()


def _hidden_gradient(trace: LayerTrace, sent: torch.Tensor, projected: torch.Tensor) -> torch.Tensor:
    """∂L/∂h_t of every step (B, T, H), float64, in reading order, from what backpropagation
    reported: ``sent``, what the next layer or the head sent to each h_t, and ``projected``,
    ∂L/∂a_t for the kernel's inputs a_t = W_ih x_t (they enter every pre-activation as a sum).

    h_{t-1} reaches step t through W_hh h_{t-1}, and in a GRU also through z_t ⊙ h_{t-1}:
    RNN, LSTM:  ∂L/∂h_{t-1} = sent_{t-1} + W_hhᵀ ∂L/∂a_t
    GRU:        ∂L/∂h_{t-1} = sent_{t-1} + W_hrᵀ ∂L/∂a_t^r + W_hzᵀ ∂L/∂a_t^z + W_hnᵀ (r_t ⊙ ∂L/∂a_t^n)
                              + z_t ⊙ ∂L/∂h_t
    (float64: squares of gradients below ~1e-19 underflow in float32 and a norm reads 0).
    """
    total = _reading_order(sent, trace.reverse).double().clone()  # (B, T, H), in running order
    from_next_step = projected.double()[:, 1:]  # (B, T-1, G*H): ∂L/∂a_{t+1}
    w_hh = trace.weight_hh.detach().double()  # (G*H, H)
    if trace.cell != "gru":
        total[:, :-1] += from_next_step @ w_hh
        return _reading_order(total, trace.reverse)
    reset, update = (_reading_order(trace.gates[gate], trace.reverse).double()[:, 1:] for gate in ("reset", "update"))
    d_reset, d_update, d_new = from_next_step.chunk(3, dim=-1)  # each (B, T-1, H)
    w_reset, w_update, w_new = w_hh.chunk(3, dim=0)  # each (H, H)
    total[:, :-1] += d_reset @ w_reset + d_update @ w_update + (reset * d_new) @ w_new
    for t in range(total.shape[1] - 2, -1, -1):
        total[:, t] += update[:, t] * total[:, t + 1]
    return _reading_order(total, trace.reverse)

"""Running a fused recurrent stack over a padded batch, fast and exact.

Items of different lengths are padded at the end. Padding after the real steps cannot reach
their outputs in a left-to-right pass, so a unidirectional stack runs as it is. A right-to-left
pass meets the padding first, so a bidirectional stack must keep it out. Packing does that,
but on a CPU a packed sequence leaves oneDNN's fused kernel for a step-by-step loop (a tagger
on 256-character items trained 25× slower); there each direction runs as its own fused call,
the backward one over each row's real steps reversed, so that padding again comes last.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

State = torch.Tensor | tuple[torch.Tensor, torch.Tensor]  # h, or (h, c) for an LSTM

FUNCTIONS = {"LSTM": torch.lstm, "GRU": torch.gru, "RNN_TANH": torch.rnn_tanh}  # one direction of one layer


def run_stack(
    stack: nn.RNNBase, x: torch.Tensor, state: State | None, lengths: torch.Tensor | None
) -> tuple[torch.Tensor, State | None]:
    """Outputs (B, T, D*H) of ``stack`` over ``x`` (B, T, W), and its final state.

    With ``lengths`` (B,) the outputs on real steps are exact and the final state is None: it
    would be the state after the padding. The last real step's output is the top layer's final
    state: ``final_outputs`` reads it.
    """
    if lengths is None:
        return stack(x, state)
    if not stack.bidirectional:
        output, _ = stack(x, state)
        return output, None
    if x.is_cuda:  # cuDNN runs packed sequences natively
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        output, _ = stack(packed, state)
        output, _ = pad_packed_sequence(output, batch_first=True, total_length=x.shape[1])
        return output, None
    return _directions_apart(stack, x, lengths), None


def _directions_apart(stack: nn.RNNBase, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """A bidirectional stack, layer by layer, each direction a fused one-layer call from zero state."""
    run = FUNCTIONS[stack.mode]
    layer_input = x  # (B, T, W)
    for layer in range(stack.num_layers):
        directions = []
        for suffix in ("", "_reverse"):
            names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
            weights = [getattr(stack, f"{name}_l{layer}{suffix}") for name in names]
            reads = layer_input if not suffix else reverse_padded(layer_input, lengths)
            zeros = layer_input.new_zeros(1, x.shape[0], stack.hidden_size)
            start = (zeros, zeros) if stack.mode == "LSTM" else zeros
            output = run(reads, start, weights, True, 1, 0.0, stack.training, False, True)[0]  # (B, T, H)
            directions.append(output if not suffix else reverse_padded(output, lengths))
        layer_input = torch.cat(directions, dim=-1)  # (B, T, 2H)
        if stack.dropout and layer < stack.num_layers - 1:
            layer_input = F.dropout(layer_input, stack.dropout, stack.training)
    return layer_input


def final_outputs(outputs: torch.Tensor, mask: torch.Tensor | None, bidirectional: bool) -> torch.Tensor:
    """(B, D*H): each direction's output after it has read the whole of each row.

    Left to right that is the output at the row's last real step; right to left (the second
    half of the features), the output at step 0.
    """
    if mask is None:
        last = torch.full((outputs.shape[0],), outputs.shape[1] - 1, device=outputs.device)
    else:
        last = mask.long().sum(1).clamp(min=1) - 1  # (B,) index of the last real step
    forward_last = outputs[torch.arange(outputs.shape[0], device=outputs.device), last]  # (B, D*H)
    if not bidirectional:
        return forward_last
    half = outputs.shape[-1] // 2
    return torch.cat([forward_last[:, :half], outputs[:, 0, half:]], dim=-1)


def reverse_padded(x: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    """Reverse each row's real steps in time, leaving its padding at the end."""
    steps = torch.arange(x.shape[1], device=x.device)
    if lengths is None:
        return x.flip(1)
    lengths = lengths.to(x.device)
    index = (lengths[:, None] - 1 - steps[None, :]).where(steps[None, :] < lengths[:, None], steps[None, :])
    if x.dim() == 3:
        index = index[..., None].expand_as(x)
    return x.gather(1, index)

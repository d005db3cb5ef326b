"""Fused stacks over padded batches: each row's outputs are those of the row alone."""

from __future__ import annotations

import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from workbench.engine.model.recurrence import final_outputs, reverse_padded, run_stack
from workbench.engine.model.sequence_models import make_stack
from workbench.engine.spec import RecurrentSpec

LENGTHS = torch.tensor([5, 2, 7, 1])


def padded_batch(width=3, steps=7):
    torch.manual_seed(0)
    x = torch.randn(len(LENGTHS), steps, width)
    mask = torch.arange(steps)[None] < LENGTHS[:, None]
    return x.masked_fill(~mask[..., None], 9.0), mask  # loud padding, to be kept out


def test_reverse_padded_reverses_real_steps_only():
    x = torch.arange(8).view(2, 4)
    assert reverse_padded(x, torch.tensor([3, 4])).tolist() == [[2, 1, 0, 3], [7, 6, 5, 4]]


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("layers", [1, 2])
def test_directions_apart_equal_packing_on_every_real_step(cell, layers):
    stack = make_stack(RecurrentSpec(cell, 6, layers, bidirectional=True), 3).eval()
    x, mask = padded_batch()
    output, state = run_stack(stack, x, None, LENGTHS)
    packed, _ = stack(pack_padded_sequence(x, LENGTHS, batch_first=True, enforce_sorted=False))
    expected, _ = pad_packed_sequence(packed, batch_first=True, total_length=x.shape[1])
    assert state is None  # the state after the padding is nobody's final state
    torch.testing.assert_close(output[mask], expected[mask], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_each_row_reads_as_if_it_were_alone(bidirectional):
    stack = make_stack(RecurrentSpec("gru", 5, 2, bidirectional=bidirectional), 3).eval()
    x, mask = padded_batch()
    output, _ = run_stack(stack, x, None, LENGTHS)
    finals = final_outputs(output, mask, bidirectional)
    for row, length in enumerate(LENGTHS.tolist()):
        alone, _ = stack(x[row : row + 1, :length])
        torch.testing.assert_close(output[row, :length], alone[0], rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(finals[row], final_outputs(alone, None, bidirectional)[0], rtol=1e-5, atol=1e-6)


def test_gradients_reach_both_directions_weights():
    stack = make_stack(RecurrentSpec("lstm", 4, 1, bidirectional=True), 3)
    x, mask = padded_batch()
    output, _ = run_stack(stack, x, None, LENGTHS)
    output[mask].sum().backward()
    assert stack.weight_hh_l0.grad.abs().sum() > 0 and stack.weight_hh_l0_reverse.grad.abs().sum() > 0

"""Probes re-run the fused modules' own weights step by step, and must agree with them."""

import math
from dataclasses import replace

import pytest
import torch
from torch import nn

from workbench.engine.builder import build_model
from workbench.engine.probes import gradient_through_time, probed_layers, trace_stack
from workbench.engine.spec import RecurrentSpec
from workbench.engine.templates import from_template, language_model_task

FUSED = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def _parts(state):
    return state if isinstance(state, tuple) else (state,)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("layers", [1, 3])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_trace_equals_the_fused_module(cell, layers, bidirectional):
    torch.manual_seed(layers + 10 * bidirectional)
    stack = FUSED[cell](5, 7, num_layers=layers, bidirectional=bidirectional, batch_first=True)
    x = torch.randn(3, 13, 5)
    directions = 2 if bidirectional else 1
    h0 = torch.randn(layers * directions, 3, 7)
    state = (h0, torch.randn_like(h0)) if cell == "lstm" else h0
    expected, expected_final = stack(x, state)
    output, final, traces = trace_stack(stack, x, state)
    torch.testing.assert_close(output, expected, atol=1e-5, rtol=0)
    for ours, theirs in zip(_parts(final), _parts(expected_final)):
        torch.testing.assert_close(ours, theirs, atol=1e-5, rtol=0)
    assert len(traces) == layers * directions
    top = traces[-directions:]
    torch.testing.assert_close(torch.cat([t.hidden for t in top], -1), expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_the_layers_a_probe_reports_are_known_from_the_spec(bidirectional):
    """The window builds a model's views before its first snapshot from these names."""
    stack = RecurrentSpec("gru", 6, 2, bidirectional=bidirectional)
    spec = from_template("stacked", language_model_task(20, 8), stack)
    fused = FUSED["gru"](8, 6, num_layers=2, bidirectional=bidirectional, batch_first=True)
    _, _, traces = trace_stack(fused, torch.randn(1, 5, 8), name="encoder")
    assert probed_layers(replace(spec, encoder=stack)) == tuple(trace.name for trace in traces)
    model = _language_model("lstm")
    traces, _ = gradient_through_time(model, torch.randint(0, 20, (1, 6)), torch.randint(0, 20, (1, 6)))
    assert probed_layers(model.spec) == tuple(trace.name for trace in traces) == ("encoder.l0", "encoder.l1")


def test_lstm_gates_and_cell_state_obey_the_equations():
    torch.manual_seed(0)
    stack = nn.LSTM(4, 6, batch_first=True)
    _, (h_n, c_n), (trace,) = trace_stack(stack, torch.randn(1, 9, 4))
    gates = trace.gates
    assert set(gates) == {"input", "forget", "cell", "output"}
    for name in ("input", "forget", "output"):
        assert 0 < gates[name].min() and gates[name].max() < 1
    c = trace.cell_state[0]  # (T, H)
    previous = torch.cat([torch.zeros(1, 6), c[:-1]])
    torch.testing.assert_close(c, gates["forget"][0] * previous + gates["input"][0] * gates["cell"][0])
    torch.testing.assert_close(trace.hidden[0], gates["output"][0] * torch.tanh(c))
    torch.testing.assert_close(c[-1], c_n[0, 0])


def test_reverse_traces_are_in_reading_order():
    torch.manual_seed(1)
    stack = nn.GRU(3, 4, bidirectional=True, batch_first=True)
    x = torch.randn(1, 6, 3)
    output, _, (forward, backward) = trace_stack(stack, x)
    # The backward direction at step 0 has read the whole sequence: it is the final state.
    torch.testing.assert_close(backward.hidden[0, 0], output[0, 0, 4:])
    assert backward.name == "encoder.l0.reverse"


def test_tanh_rnn_without_biases_matches_a_forward_pass_done_by_hand():
    rnn = nn.RNN(1, 2, bias=False, batch_first=True)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.tensor([[0.5], [-1.0]]))
        rnn.weight_hh_l0.copy_(torch.tensor([[0.1, 0.2], [-0.3, 0.4]]))
    x = torch.tensor([[[1.0], [2.0]]])
    # h1 = tanh(W_ih·1), h2 = tanh(W_ih·2 + W_hh·h1), each unit written out.
    h1 = [math.tanh(0.5), math.tanh(-1.0)]
    h2 = [
        math.tanh(0.5 * 2 + 0.1 * h1[0] + 0.2 * h1[1]),
        math.tanh(-1.0 * 2 - 0.3 * h1[0] + 0.4 * h1[1]),
    ]
    assert h2 == pytest.approx([0.71331, -0.98502], abs=1e-5)
    expected = torch.tensor([[h1, h2]])
    fused, _ = rnn(x)
    traced, _, _ = trace_stack(rnn, x)
    torch.testing.assert_close(fused, expected)
    torch.testing.assert_close(traced, expected)


def _language_model(cell, hidden=32, vocab=20, seed=0):
    torch.manual_seed(seed)
    return build_model(from_template("stacked", language_model_task(vocab, 16), RecurrentSpec(cell, hidden, 2)))


def test_gradient_through_time_of_the_last_step_is_the_head_gradient():
    model = _language_model("lstm")
    tokens = torch.randint(0, 20, (1, 11))
    traces, norms = gradient_through_time(model, tokens[:, :-1], tokens[:, 1:])
    assert norms.shape == (2, 10)
    # At the last step of the top layer, dL/dh_T = W_head^T (softmax(z) - onehot(y)).
    logits = model.head(traces[-1].hidden[:, -1:])[0, 0].detach()
    error = logits.softmax(-1)
    error[tokens[0, -1]] -= 1
    expected = (model.head.proj.weight.T @ error).norm()
    assert norms[1, -1].item() == pytest.approx(expected.item(), rel=1e-4)
    assert all(p.grad is None for p in model.parameters())  # probing leaves training gradients alone


def test_tanh_rnn_gradient_vanishes_faster_than_lstm():
    tokens = torch.randint(0, 20, (1, 61), generator=torch.Generator().manual_seed(3))
    ratios = {}
    for cell in ("rnn", "lstm"):
        model = _language_model(cell, seed=5)
        with torch.no_grad():  # small recurrent weights: the textbook contracting regime
            for name, parameter in model.encoder.named_parameters():
                if "weight_hh" in name:
                    parameter.mul_(0.5)
        _, norms = gradient_through_time(model, tokens[:, :-1], tokens[:, 1:])
        ratios[cell] = (norms[0, 0] / norms[0, -1]).item()
    assert ratios["rnn"] < 1e-6
    assert ratios["rnn"] < ratios["lstm"]


def test_vanishing_gradients_are_measured_below_float32_underflow():
    tokens = torch.randint(0, 20, (1, 121), generator=torch.Generator().manual_seed(3))
    model = _language_model("rnn", seed=5)
    with torch.no_grad():
        model.encoder.weight_hh_l0.mul_(0.3)
        model.encoder.weight_hh_l1.mul_(0.3)
    _, norms = gradient_through_time(model, tokens[:, :-1], tokens[:, 1:])
    measured = norms[0][norms[0] > 0]
    # Norms of 1e-24 have squares of 1e-48, below float32's range: a float32 norm reads 0.
    assert norms.dtype == torch.float64 and measured.min() < 1e-24
    assert torch.all(measured[1:] > measured[:-1])  # decays steadily towards the past

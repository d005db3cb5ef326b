"""Probes re-run the fused modules' own weights one layer at a time, and must agree with them and
with the equations stepped through by hand."""

import math
from dataclasses import replace

import pytest
import torch
from torch import nn

from workbench.engine.data.base import language_model_task
from workbench.engine.inside.layer_names import probed_layers
from workbench.engine.inside.probes import gradient_through_time, trace_stack
from workbench.engine.model.builder import build_model
from workbench.engine.model.heads import ClassificationHead, TokenHead
from workbench.engine.model.templates import from_template
from workbench.engine.spec import RecurrentSpec

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


def _stepped_by_hand(stack: nn.RNNBase, x: torch.Tensor):
    """Reference: the stack run one step at a time with autograd, written from torch's equations.

    Returns the output (B, T, D*H), every direction's h_t (reading order, graph nodes) and gates."""
    cell = {nn.LSTM: "lstm", nn.GRU: "gru", nn.RNN: "rnn"}[type(stack)]
    directions = 2 if stack.bidirectional else 1
    steps, gates, layer_input = [], [], x
    for layer in range(stack.num_layers):
        outputs = []
        for reverse in (False, True)[:directions]:
            suffix = f"_l{layer}" + ("_reverse" if reverse else "")
            kinds = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
            w_ih, w_hh, b_ih, b_hh = (getattr(stack, kind + suffix) for kind in kinds)
            h = c = x.new_zeros(x.shape[0], stack.hidden_size)
            hs, found = [], []
            order = range(x.shape[1] - 1, -1, -1) if reverse else range(x.shape[1])
            for t in order:
                a_x, a_h = layer_input[:, t] @ w_ih.T + b_ih, h @ w_hh.T + b_hh
                if cell == "rnn":
                    h = torch.tanh(a_x + a_h)
                    found.append({})
                elif cell == "lstm":
                    i, f, g, o = (a_x + a_h).chunk(4, -1)
                    i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
                    c = f * c + i * g
                    h = o * c.tanh()
                    found.append({"input": i, "forget": f, "cell": g, "output": o})
                else:
                    (x_r, x_z, x_n), (h_r, h_z, h_n) = a_x.chunk(3, -1), a_h.chunk(3, -1)
                    r, z = (x_r + h_r).sigmoid(), (x_z + h_z).sigmoid()
                    n = (x_n + r * h_n).tanh()
                    h = (1 - z) * n + z * h
                    found.append({"reset": r, "update": z, "new": n})
                hs.append(h)
            if reverse:
                hs.reverse()
                found.reverse()
            steps.append(hs)
            gates.append({name: torch.stack([each[name] for each in found], 1) for name in found[0]})
            outputs.append(torch.stack(hs, 1))
        layer_input = torch.cat(outputs, -1)
    return layer_input, steps, gates


class _ProbeModel(nn.Module):
    """The parts of a built model a probe uses: inputs, a fused encoder, a head."""

    def __init__(self, stack: nn.RNNBase, head) -> None:
        super().__init__()
        self.inputs, self.encoder, self.head = nn.Identity(), stack, head


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("per_step", [True, False])
def test_gradient_through_time_equals_backpropagation_through_the_unrolled_stack(cell, bidirectional, per_step):
    torch.manual_seed(7)
    stack = FUSED[cell](5, 6, num_layers=2, bidirectional=bidirectional, batch_first=True)
    width = 12 if bidirectional else 6
    head = TokenHead(width, 4) if per_step else ClassificationHead(width, 4, "last", bidirectional)
    model = _ProbeModel(stack, head).eval()
    x = torch.randn(1, 9, 5)
    targets = torch.randint(0, 4, (1, 9)) if per_step else torch.tensor([2])
    traces, norms = gradient_through_time(model, x, targets)

    output, steps, gates = _stepped_by_hand(stack, x)
    prediction = head(output)
    loss = head.loss(prediction[:, -1:], targets[:, -1:]) if per_step else head.loss(prediction, targets)
    every_step = [h for direction in steps for h in direction]
    grads = torch.autograd.grad(loss, every_step, allow_unused=True, materialize_grads=True)
    expected = torch.tensor([g.double().norm().item() for g in grads], dtype=torch.float64).view(len(steps), -1)
    torch.testing.assert_close(norms, expected, rtol=1e-4, atol=1e-9)
    assert norms[0].min() > 0  # every step of the first layer hears from the loss
    for trace, by_hand in zip(traces, gates):
        assert set(trace.gates) == set(by_hand)
        for name, values in by_hand.items():
            torch.testing.assert_close(trace.gates[name], values.detach(), atol=1e-5, rtol=0)

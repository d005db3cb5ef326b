"""Graves' prediction and synthesis networks: state passing, learning, and writing."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from workbench.engine.model.handwriting.mixture import mixture_nll_per_step
from workbench.engine.model.handwriting.networks import GeneratedStrokes, PredictionNetwork, SynthesisNetwork, generate

ALPHABET = 6


def tiny_prediction(seed=0, layers=3):
    torch.manual_seed(seed)
    return PredictionNetwork(hidden=8, layers=layers, components=3)


def tiny_synthesis(seed=0, layers=3):
    torch.manual_seed(seed)
    return SynthesisNetwork(hidden=8, layers=layers, components=3, window_components=2, alphabet_size=ALPHABET)


def random_points(b, t, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.cat([torch.randn(b, t, 2, generator=g), torch.randint(0, 2, (b, t, 1), generator=g)], -1)


def assert_params_close(a, b):
    for name in ("log_pi", "mu", "log_sigma", "rho", "eos_logit"):
        torch.testing.assert_close(getattr(a, name), getattr(b, name), rtol=1e-5, atol=1e-5)


def force_window(model, kappa_step):
    """α = β = 1 and κ advancing exactly ``kappa_step`` characters per step, whatever h is."""
    k = model.window.components
    with torch.no_grad():
        model.window.linear.weight.zero_()
        model.window.linear.bias.copy_(torch.tensor([0.0] * 2 * k + [math.log(kappa_step)] * k))


def test_shapes():
    points = random_points(2, 5)
    params, state = tiny_prediction()(points)
    assert params.mu.shape == (2, 5, 3, 2) and params.eos_logit.shape == (2, 5)
    assert len(state) == 3 and state[0][0].shape == (1, 2, 8)
    text, mask = torch.randint(0, ALPHABET, (2, 4)), torch.ones(2, 4, dtype=torch.bool)
    params, state, trace = tiny_synthesis()(points, text, mask)
    assert params.log_pi.shape == (2, 5, 3)
    assert trace.phi.shape == (2, 5, 4) and trace.kappa.shape == (2, 5, 2) and trace.passed_end.shape == (2, 5)
    assert state.kappa.shape == (2, 2) and state.window.shape == (2, ALPHABET) and len(state.upper) == 2


def test_fused_layers_equal_a_step_by_step_run_of_cells():
    model = tiny_prediction()
    points = random_points(2, 7)
    cells = []
    for lstm in [model.first, *model.upper]:
        cell = nn.LSTMCell(lstm.input_size, lstm.hidden_size)
        cell.load_state_dict({name.removesuffix("_l0"): value for name, value in lstm.state_dict().items()})
        cells.append(cell)
    states = [(torch.zeros(2, 8), torch.zeros(2, 8)) for _ in cells]
    features = []
    for t in range(7):
        x, below, outs = points[:, t], None, []
        for n, cell in enumerate(cells):
            states[n] = cell(x if below is None else torch.cat([x, below], -1), states[n])
            below = states[n][0]
            outs.append(below)
        features.append(torch.cat(outs, -1))
    assert_params_close(model(points)[0], model.head(torch.stack(features, 1)))


def test_prediction_state_carries_across_calls():
    model = tiny_prediction()
    points = random_points(3, 10)
    whole, _ = model(points)
    first, state = model(points[:, :4])
    second, _ = model(points[:, 4:], state)
    assert_params_close(whole, type(whole).cat([first, second], dim=1))


def test_synthesis_state_carries_kappa_and_the_window_across_calls():
    model = tiny_synthesis()
    points = random_points(2, 9)
    text = torch.randint(0, ALPHABET, (2, 5))
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], dtype=torch.bool)
    whole, _, trace = model(points, text, mask)
    first, state, trace1 = model(points[:, :4], text, mask)
    assert (state.window != 0).any() and (state.kappa > 0).all()
    second, _, trace2 = model(points[:, 4:], text, mask, state)
    assert_params_close(whole, type(whole).cat([first, second], dim=1))
    torch.testing.assert_close(trace.phi, torch.cat([trace1.phi, trace2.phi], 1))
    torch.testing.assert_close(trace.kappa, torch.cat([trace1.kappa, trace2.kappa], 1))


def test_padding_the_text_changes_nothing():
    model = tiny_synthesis()
    points = random_points(1, 6)
    text = torch.tensor([[3, 1, 4]])
    alone, _, trace_alone = model(points, text, torch.ones(1, 3, dtype=torch.bool))
    padded_text = torch.tensor([[3, 1, 4, 0, 5], [2, 2, 2, 2, 2]])
    padded_mask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], dtype=torch.bool)
    batch, _, trace = model(points.expand(2, 6, 3), padded_text, padded_mask)
    assert_params_close(alone, batch.map(lambda x: x[:1]))
    torch.testing.assert_close(trace.phi[:1, :, :3], trace_alone.phi)
    assert (trace.phi[0, :, 3:] == 0).all()


def circles(loops=3, points_per_loop=20):
    """A circle drawn ``loops`` times, the pen lifted after each: (loops * n, 3)."""
    angles = np.linspace(0, 2 * np.pi, points_per_loop + 1)
    offsets = np.diff(np.stack([np.cos(angles), np.sin(angles)], -1), axis=0) * 3  # (n, 2), about unit size
    eos = np.zeros((points_per_loop, 1))
    eos[-1] = 1
    return torch.tensor(np.tile(np.concatenate([offsets, eos], -1), (loops, 1)), dtype=torch.float32)


def train(model, loss_fn, steps, lr=1e-2):
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        loss = loss_fn()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    return losses


def test_prediction_network_learns_a_repeated_circle():
    model = tiny_prediction(layers=2)
    sequence = circles()[None]  # (1, 60, 3)
    points, targets = sequence[:, :-1], sequence[:, 1:]
    mask = torch.ones(points.shape[:2], dtype=torch.bool)
    losses = train(model, lambda: model.loss(points, targets, mask), steps=100)
    steps = mask.sum().item()
    # About 3 nats per point untrained; a continuous density can exceed 1, so below 0 is possible.
    assert losses[0] / steps > 2.0
    assert losses[-1] / steps < 1.0
    assert losses[-1] < losses[0] - 2.0 * steps


def test_synthesis_network_learns_to_read_the_text():
    # Character 1 starts a rightward line, character 2 a downward one. The first point can only
    # be predicted from the text (later ones also from the points before them).
    model = tiny_synthesis(layers=2)
    right = torch.tensor([[1.0, 0.0, 0.0]]).repeat(6, 1)
    down = torch.tensor([[0.0, 1.0, 0.0]]).repeat(6, 1)
    start = torch.tensor([[0.0, 0.0, 1.0]])
    points = torch.stack([torch.cat([start, right[:-1]]), torch.cat([start, down[:-1]])])  # (2, 6, 3)
    targets = torch.stack([right, down])
    mask = torch.ones(2, 6, dtype=torch.bool)
    text, swapped = torch.tensor([[1], [2]]), torch.tensor([[2], [1]])
    text_mask = torch.ones(2, 1, dtype=torch.bool)
    train(model, lambda: model.loss(points, targets, mask, text, text_mask), steps=100)
    with torch.no_grad():
        right_text = mixture_nll_per_step(model(points, text, text_mask)[0], targets, mask)[:, 0]
        wrong_text = mixture_nll_per_step(model(points, swapped, text_mask)[0], targets, mask)[:, 0]
    assert (wrong_text > right_text + 3.0).all()


def test_synthesis_stops_when_the_window_passes_the_last_character():
    model = tiny_synthesis()
    force_window(model, kappa_step=1.0)  # κ_t = t: the window sits on character t
    text = torch.tensor([1, 2, 3])
    out = generate(model, steps_max=50, generator=torch.Generator().manual_seed(0), text=text)
    # Reading the start point puts κ at 1; points are drawn at κ = 1, 2, 3; at κ = 4 = U + 1
    # φ(t, 4) = 1 beats φ(t, 3) = exp(-1) and writing stops.
    assert out.stopped and out.points.shape == (3, 3)
    np.testing.assert_allclose(out.kappa[:, 0], [1, 2, 3])
    assert out.phi.shape == (3, 3) and (out.phi.argmax(1) == [0, 1, 2]).all()
    cut = generate(model, steps_max=2, generator=torch.Generator().manual_seed(0), text=text)
    assert not cut.stopped and len(cut.points) == 2
    np.testing.assert_array_equal(cut.points, out.points[:2])


def test_a_synthesis_primer_reads_its_own_text_first():
    model = tiny_synthesis()
    force_window(model, kappa_step=1.0)
    primer, primer_text = random_points(1, 2)[0], torch.tensor([4, 0])  # e.g. "a "
    out = generate(
        model,
        steps_max=50,
        generator=torch.Generator().manual_seed(0),
        primer=primer,
        primer_text=primer_text,
        text=torch.tensor([1, 2, 3]),
    )
    # Start + 2 primer points leave κ = 3 on the window over 5 characters: points at κ = 3, 4, 5.
    assert out.stopped and len(out.points) == 3
    np.testing.assert_allclose(out.kappa[:, 0], [3, 4, 5])
    assert out.phi.shape == (3, 5)
    with pytest.raises(ValueError, match="primer"):
        generate(model, steps_max=5, primer=primer, text=torch.tensor([1, 2]))


def test_a_primer_changes_the_continuation_and_is_not_returned():
    model = tiny_prediction()

    def write(primer, seed=3):
        return generate(model, steps_max=12, bias=0.5, generator=torch.Generator().manual_seed(seed), primer=primer)

    primer_a, primer_b = random_points(1, 5, seed=1)[0], random_points(1, 5, seed=2)[0]
    a = write(primer_a)
    assert isinstance(a, GeneratedStrokes) and a.points.shape == (12, 3) and a.points.dtype == np.float32
    assert a.phi is None and a.kappa is None and not a.stopped
    assert a.mixtures.log_pi.shape == (1, 12, 3)
    np.testing.assert_array_equal(a.points, write(primer_a).points)
    assert not np.array_equal(a.points, write(primer_b).points)
    assert not np.array_equal(a.points, write(None).points)


def test_generation_runs_in_eval_mode_and_restores_the_mode():
    model = tiny_prediction()
    seen = []
    model.head.register_forward_hook(lambda module, args, out: seen.append(module.training))
    generate(model, steps_max=3)
    assert seen and not any(seen) and model.training
    model.eval()
    generate(model, steps_max=3)
    assert not model.training
    with pytest.raises(ValueError, match="without text"):
        generate(model, steps_max=3, text=torch.tensor([1]))
    with pytest.raises(ValueError, match="needs the text"):
        generate(tiny_synthesis(), steps_max=3)


def test_bias_applies_to_the_recorded_distributions():
    model = tiny_prediction()
    plain = generate(model, steps_max=4, generator=torch.Generator().manual_seed(0))
    biased = generate(model, steps_max=4, bias=2.0, generator=torch.Generator().manual_seed(0))
    # The first point comes from the same output in both runs; its σ is exp(σ̂ - b).
    torch.testing.assert_close(biased.mixtures.log_sigma[:, 0], plain.mixtures.log_sigma[:, 0] - 2.0)

"""The soft window (Graves eqs. 46-51): monotone κ, masked padding, w by hand, the end test."""

import math

import torch
import torch.nn.functional as F

from workbench.engine.model.handwriting.window import SoftWindow, passed_end, with_end_slot


def set_window(window, alpha, beta, kappa_step):
    """Zero weights, so α, β and the step exp(κ̂) are these constants whatever h is."""
    k = window.components
    with torch.no_grad():
        window.linear.weight.zero_()
        window.linear.bias.copy_(torch.tensor([alpha] * k + [beta] * k + [kappa_step] * k).log())


def run(window, text, mask, steps, seed=0):
    """Step the window on random h; returns κ (T, B, K) and φ (T, B, U)."""
    g = torch.Generator().manual_seed(seed)
    onehot = F.one_hot(text, window.alphabet_size).float()
    kappa = torch.zeros(text.shape[0], window.components)
    kappas, phis = [], []
    for _ in range(steps):
        h = torch.randn(text.shape[0], window.linear.in_features, generator=g) * 3
        _, kappa, phi = window.forward_step(h, kappa, onehot, mask)
        kappas.append(kappa)
        phis.append(phi)
    return torch.stack(kappas), torch.stack(phis)


def test_kappa_never_decreases_and_starts_slow():
    torch.manual_seed(0)
    window = SoftWindow(width=6, components=3, alphabet_size=5)
    text = torch.randint(0, 5, (4, 9))
    kappas, _ = run(window, text, torch.ones(4, 9, dtype=torch.bool), steps=60)
    assert (kappas.diff(dim=0) > 0).all()
    # Initialised near 1/25 character per step, not 1 (the κ̂ bias).
    _, kappa, _ = window.forward_step(
        torch.zeros(1, 6), torch.zeros(1, 3), F.one_hot(text[:1], 5).float(), torch.ones(1, 9, dtype=torch.bool)
    )
    torch.testing.assert_close(kappa, torch.full((1, 3), 1 / 25))


def test_the_peak_of_phi_moves_forward():
    torch.manual_seed(1)
    window = SoftWindow(width=6, components=1, alphabet_size=5)
    with torch.no_grad():
        window.linear.bias[2] = math.log(0.3)  # about a third of a character per step
    text = torch.randint(0, 5, (3, 60))  # long enough that the window stays inside the text
    kappas, phis = run(window, text, torch.ones(3, 60, dtype=torch.bool), steps=40)
    assert (kappas < 55).all()
    peaks = phis.argmax(-1)  # (T, B)
    assert (peaks.diff(dim=0) >= 0).all()
    assert (peaks[-1] > peaks[0] + 3).all()


def test_padded_characters_get_no_weight():
    window = SoftWindow(width=6, components=2, alphabet_size=5)
    set_window(window, alpha=1.0, beta=0.1, kappa_step=0.5)  # wide bumps that reach the padding
    text = torch.tensor([[1, 2, 3, 4, 0, 0], [1, 0, 2, 0, 3, 0]])
    mask = torch.tensor([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1]], dtype=torch.bool)
    _, phis = run(window, text, mask, steps=10)
    assert (phis[:, 0, 4:] == 0).all() and (phis[:, 0, :4] > 0).all()
    assert (phis[:, 1] > 0).all()


def test_w_is_the_phi_weighted_sum_of_one_hots():
    window = SoftWindow(width=4, components=1, alphabet_size=3)
    set_window(window, alpha=2.0, beta=0.5, kappa_step=1.5)
    text = torch.tensor([[2, 0, 2]])
    w, kappa, phi = window.forward_step(
        torch.randn(1, 4), torch.zeros(1, 1), F.one_hot(text, 3).float(), torch.ones(1, 3, dtype=torch.bool)
    )
    # κ = 0 + 1.5 and φ(u) = 2 exp(-0.5 (1.5 - u)²) for u = 1, 2, 3.
    expected_phi = torch.tensor([[2 * math.exp(-0.125), 2 * math.exp(-0.125), 2 * math.exp(-1.125)]])
    torch.testing.assert_close(kappa, torch.tensor([[1.5]]))
    torch.testing.assert_close(phi, expected_phi)
    phi1, phi2, phi3 = expected_phi[0]
    torch.testing.assert_close(w, torch.tensor([[phi2, 0.0, phi1 + phi3]]))


def test_end_slot_is_silent_in_w_and_detects_the_end():
    window = SoftWindow(width=4, components=1, alphabet_size=4)
    text = torch.tensor([[1, 2, 3], [3, 1, 0]])
    mask = torch.tensor([[1, 1, 1], [1, 1, 0]], dtype=torch.bool)
    onehot, window_mask, end = with_end_slot(F.one_hot(text, 4).float(), mask)
    assert onehot.shape == (2, 4, 4) and end.tolist() == [3, 2]
    assert window_mask.tolist() == [[True] * 4, [True, True, True, False]]
    assert (onehot[1, 2:] == 0).all() and (onehot[:, 3] == 0).all()
    h = torch.randn(2, 4)
    for kappa_step, ended in [(2.6, [False, True]), (4.0, [True, True]), (1.0, [False, False])]:
        set_window(window, alpha=1.0, beta=1.0, kappa_step=kappa_step)
        w, _, phi = window.forward_step(h, torch.zeros(2, 1), onehot, window_mask)
        plain_w, _, _ = window.forward_step(h, torch.zeros(2, 1), F.one_hot(text, 4).float(), mask)
        torch.testing.assert_close(w, plain_w)
        assert passed_end(phi, end).tolist() == ended

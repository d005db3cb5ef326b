"""The mixture density output: the loss against the paper's formulas, sampling, bias, the grid."""

import math

import numpy as np
import pytest
import torch

from workbench.engine.model.handwriting.mixture import (
    MixtureDensityHead,
    MixtureParams,
    apply_bias,
    mixture_density_grid,
    mixture_nll,
    mixture_nll_per_step,
    sample_point,
)


def random_params(b, t, m, seed=0):
    g = torch.Generator().manual_seed(seed)
    return MixtureParams(
        log_pi=torch.randn(b, t, m, generator=g).log_softmax(-1),
        mu=torch.randn(b, t, m, 2, generator=g),
        log_sigma=torch.rand(b, t, m, 2, generator=g) - 0.7,
        rho=torch.rand(b, t, m, generator=g) * 1.8 - 0.9,
        eos_logit=torch.randn(b, t, generator=g) * 2,
    )


def single(mu, sigma, rho, e, batch):
    """One component, the same distribution for every row of a batch: fields (batch, 1, ...)."""
    return MixtureParams(
        log_pi=torch.zeros(batch, 1),
        mu=torch.tensor([mu]).expand(batch, 1, 2),
        log_sigma=torch.tensor([sigma]).log().expand(batch, 1, 2),
        rho=torch.full((batch, 1), rho),
        eos_logit=torch.full((batch,), math.log(e / (1 - e))),
    )


def numpy_nll(params, targets, mask):
    """Eqs. 18-26 written out in float64 loops."""
    p = params.map(lambda x: x.double())
    total = 0.0
    b, t, m = p.log_pi.shape
    for i in range(b):
        for s in range(t):
            if not mask[i, s]:
                continue
            x1, x2, eos = (float(v) for v in targets[i, s])
            mixture = 0.0
            for j in range(m):
                pi = math.exp(float(p.log_pi[i, s, j]))
                mu1, mu2 = (float(v) for v in p.mu[i, s, j])
                s1, s2 = (math.exp(float(v)) for v in p.log_sigma[i, s, j])
                rho = float(p.rho[i, s, j])
                z = ((x1 - mu1) / s1) ** 2 + ((x2 - mu2) / s2) ** 2 - 2 * rho * (x1 - mu1) * (x2 - mu2) / (s1 * s2)
                n = math.exp(-z / (2 * (1 - rho**2))) / (2 * math.pi * s1 * s2 * math.sqrt(1 - rho**2))
                mixture += pi * n
            e = 1 / (1 + math.exp(-float(p.eos_logit[i, s])))  # eq. 18 with ê = -eos_logit
            total += -math.log(mixture) - math.log(e if eos == 1 else 1 - e)
    return total / b


def test_nll_matches_the_equations_written_out():
    b, t, m = 3, 7, 4
    params = random_params(b, t, m)
    g = torch.Generator().manual_seed(1)
    targets = torch.cat([torch.randn(b, t, 2, generator=g), torch.randint(0, 2, (b, t, 1), generator=g)], -1)
    mask = torch.ones(b, t, dtype=torch.bool)
    mask[1, 4:] = False
    mask[2, 2:] = False
    targets[~mask] = float("nan")  # padding may hold anything
    expected = numpy_nll(params, targets, mask)
    assert float(mixture_nll(params, targets, mask)) == pytest.approx(expected, rel=1e-5)
    per_step = mixture_nll_per_step(params, targets, mask)
    assert per_step.shape == (b, t) and (per_step[~mask] == 0).all()
    assert float(per_step.sum()) / b == pytest.approx(expected, rel=1e-5)


def test_nll_gradient_is_finite_with_saturated_rho_and_padding():
    params = random_params(2, 5, 3)
    rho = torch.ones(2, 5, 3, requires_grad=True)  # tanh saturated to exactly 1
    params = MixtureParams(params.log_pi, params.mu, params.log_sigma, rho, params.eos_logit)
    targets = torch.randn(2, 5, 3).clamp(0, 1)
    mask = torch.ones(2, 5, dtype=torch.bool)
    mask[0, 3:] = False
    targets[0, 3:] = float("nan")
    loss = mixture_nll(params, targets, mask)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(rho.grad).all()


def test_head_maps_outputs_into_valid_parameters():
    head = MixtureDensityHead(width=8, components=5)
    assert head.linear.out_features == 1 + 6 * 5
    params = head(torch.randn(2, 3, 8) * 10)
    assert params.log_pi.shape == (2, 3, 5) and params.mu.shape == (2, 3, 5, 2)
    assert params.log_sigma.shape == (2, 3, 5, 2) and params.rho.shape == (2, 3, 5)
    assert params.eos_logit.shape == (2, 3)
    torch.testing.assert_close(params.log_pi.logsumexp(-1), torch.zeros(2, 3))
    assert (params.rho.abs() <= 1).all()


def test_single_component_samples_have_its_moments():
    params = single(mu=(1.0, -2.0), sigma=(0.5, 2.0), rho=0.6, e=0.3, batch=20000)
    x = sample_point(params, torch.Generator().manual_seed(0)).double().numpy()
    assert x.shape == (20000, 3)
    np.testing.assert_allclose(x[:, :2].mean(0), [1.0, -2.0], atol=0.05)
    np.testing.assert_allclose(x[:, :2].std(0), [0.5, 2.0], rtol=0.03)
    assert np.corrcoef(x[:, 0], x[:, 1])[0, 1] == pytest.approx(0.6, abs=0.02)
    assert set(np.unique(x[:, 2])) == {0.0, 1.0}
    assert x[:, 2].mean() == pytest.approx(0.3, abs=0.015)


def test_components_are_chosen_by_their_weights():
    params = MixtureParams(
        log_pi=torch.tensor([[0.2, 0.8]]).log().expand(10000, 2),
        mu=torch.tensor([[[-10.0, 0.0], [10.0, 0.0]]]).expand(10000, 2, 2),
        log_sigma=torch.zeros(10000, 2, 2),
        rho=torch.zeros(10000, 2),
        eos_logit=torch.zeros(10000),
    )
    x = sample_point(params, torch.Generator().manual_seed(1))
    assert float((x[:, 0] > 0).float().mean()) == pytest.approx(0.8, abs=0.02)


def test_seeded_samples_repeat():
    params = random_params(4, 1, 3).step(0)
    a = sample_point(params, torch.Generator().manual_seed(5))
    assert torch.equal(a, sample_point(params, torch.Generator().manual_seed(5)))
    assert not torch.equal(a, sample_point(params, torch.Generator().manual_seed(6)))


def test_bias_narrows_the_samples_and_sharpens_the_weights():
    params = MixtureParams(
        log_pi=torch.tensor([[0.3, 0.7]]).log().expand(20000, 2),
        mu=torch.tensor([[[0.0, 0.0], [1.0, 1.0]]]).expand(20000, 2, 2),
        log_sigma=torch.zeros(20000, 2, 2),
        rho=torch.zeros(20000, 2),
        eos_logit=torch.zeros(20000),
    )
    unbiased = apply_bias(params, 0.0)
    torch.testing.assert_close(unbiased.log_pi, params.log_pi)
    assert torch.equal(unbiased.log_sigma, params.log_sigma)
    variances = [
        float(sample_point(apply_bias(params, b), torch.Generator().manual_seed(2))[:, :2].var(0).sum())
        for b in (0.0, 1.0, 3.0)
    ]
    assert variances[0] > variances[1] > variances[2]
    assert variances[2] < 0.1 * variances[0]
    weights = [apply_bias(params, b).log_pi[0].exp() for b in (0.0, 1.0, 3.0)]
    assert weights[0][1] < weights[1][1] < weights[2][1]
    torch.testing.assert_close(weights[1], torch.tensor([0.3, 0.7]).pow(2) / (0.09 + 0.49))


def test_density_grid_integrates_to_one_and_peaks_at_the_mean():
    params = single(mu=(0.5, -1.0), sigma=(0.4, 0.8), rho=-0.5, e=0.5, batch=1)
    xs, ys = np.linspace(-4, 5, 181), np.linspace(-6, 4, 201)
    density = mixture_density_grid(params, xs, ys)
    assert density.shape == (201, 181)
    assert density.sum() * (xs[1] - xs[0]) * (ys[1] - ys[0]) == pytest.approx(1.0, abs=1e-3)
    row, col = np.unravel_index(density.argmax(), density.shape)
    assert (xs[col], ys[row]) == (pytest.approx(0.5, abs=0.05), pytest.approx(-1.0, abs=0.05))
    # ρ < 0: a step right-and-up from the mean (dy < 0) is likelier than right-and-down.
    assert mixture_density_grid(params, [1.0], [-1.5]) > 2 * mixture_density_grid(params, [1.0], [-0.5])

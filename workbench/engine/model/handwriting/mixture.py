"""The mixture density output of Graves (2013), section 4.1, eqs. 15-26.

The network's output y_t = (ê, π̂_j, μ_j, σ̂_j, ρ̂_j) for M components parameterises the next
pen offset x_{t+1} = (dx, dy, eos):

- eq. 18  e = 1 / (1 + exp(ê))   the end-of-stroke probability
- eq. 19  π = softmax(π̂)         the component weights
- eq. 20  μ = μ̂                  the component means
- eq. 21  σ = exp(σ̂)             the standard deviations
- eq. 22  ρ = tanh(ρ̂)            the correlations

``MixtureParams`` keeps these in log or logit space so that the loss never takes the log of an
underflowed number. Section 5.4's sampling bias sharpens π and narrows σ (``apply_bias``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

# |ρ| is kept at most 1 - RHO_MARGIN in the density: at |ρ| = 1 (tanh saturates to exactly 1 in
# float32 for ρ̂ > ~9) the bivariate normal degenerates and 1 - ρ² = 0 divides the exponent.
RHO_MARGIN = 1e-5
# σ is kept at least 1e-3 (offsets are normalised to std 1) in the density: a component
# collapsing onto an exactly repeated offset would otherwise drive the loss to minus infinity.
LOG_SIGMA_MIN = math.log(1e-3)


@dataclass(frozen=True)
class MixtureParams:
    """Mixture density parameters; every field shares the leading (batch) shape S, e.g. (B, T).

    ``eos_logit`` is the ordinary logit of the end-of-stroke probability, e = sigmoid(eos_logit):
    it equals -ê in Graves' eq. 18, whose sign convention is e = 1 / (1 + exp(ê)).
    """

    log_pi: torch.Tensor  # (*S, M)  log π, log-softmax of π̂ (eq. 19)
    mu: torch.Tensor  # (*S, M, 2)  μ (eq. 20)
    log_sigma: torch.Tensor  # (*S, M, 2)  σ̂ = log σ (eq. 21)
    rho: torch.Tensor  # (*S, M)  ρ = tanh(ρ̂) (eq. 22)
    eos_logit: torch.Tensor  # (*S,)  -ê (eq. 18)

    def map(self, fn: Callable[[torch.Tensor], torch.Tensor]) -> MixtureParams:
        """Apply ``fn`` to every field (indexing, ``.to(device)``, ``.detach()``...)."""
        return MixtureParams(fn(self.log_pi), fn(self.mu), fn(self.log_sigma), fn(self.rho), fn(self.eos_logit))

    @staticmethod
    def cat(parts: list[MixtureParams], dim: int) -> MixtureParams:
        """Concatenate the fields of ``parts`` along ``dim``."""
        names = [f.name for f in fields(MixtureParams)]
        return MixtureParams(**{name: torch.cat([getattr(p, name) for p in parts], dim=dim) for name in names})

    def step(self, t: int) -> MixtureParams:
        """(B, T, ...) -> the distributions at step t, (B, ...)."""
        return self.map(lambda x: x[:, t])


class MixtureDensityHead(nn.Module):
    """Features (B, T, W) -> ``MixtureParams`` through one linear layer to 1 + 6M outputs (eq. 17)."""

    def __init__(self, width: int, components: int) -> None:
        super().__init__()
        self.components = components
        self.linear = nn.Linear(width, 1 + 6 * components)

    def forward(self, features: torch.Tensor) -> MixtureParams:
        m = self.components
        y = self.linear(features)  # (B, T, 1 + 6M)
        eos, pi_hat, mu, sigma_hat, rho_hat = y.split([1, m, 2 * m, 2 * m, m], dim=-1)
        return MixtureParams(
            log_pi=pi_hat.log_softmax(-1),  # (B, T, M)
            mu=mu.unflatten(-1, (m, 2)),  # (B, T, M, 2)
            log_sigma=sigma_hat.unflatten(-1, (m, 2)),  # (B, T, M, 2)
            rho=torch.tanh(rho_hat),  # (B, T, M)
            eos_logit=eos.squeeze(-1),  # (B, T)
        )


def _log_bivariate_normal(x: torch.Tensor, params: MixtureParams) -> torch.Tensor:
    """log N(x | μ_j, σ_j, ρ_j) of eqs. 24-25 for each component: x (*S, 2) -> (*S, M).

    N = exp(-Z / 2(1 - ρ²)) / (2π σ1 σ2 sqrt(1 - ρ²)),
    Z = ((x1 - μ1)/σ1)² + ((x2 - μ2)/σ2)² - 2ρ (x1 - μ1)(x2 - μ2) / (σ1 σ2).
    """
    log_sigma = params.log_sigma.clamp(min=LOG_SIGMA_MIN)  # (*S, M, 2)
    rho = params.rho.clamp(-1 + RHO_MARGIN, 1 - RHO_MARGIN)  # (*S, M)
    z = (x.unsqueeze(-2) - params.mu) * torch.exp(-log_sigma)  # (*S, M, 2) standardised
    big_z = z.square().sum(-1) - 2 * rho * z[..., 0] * z[..., 1]  # (*S, M)
    one_minus_rho2 = 1 - rho.square()  # (*S, M)
    return -math.log(2 * math.pi) - log_sigma.sum(-1) - 0.5 * torch.log(one_minus_rho2) - big_z / (2 * one_minus_rho2)


def mixture_nll_per_step(params: MixtureParams, targets: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Eq. 26 per step, (B, T): -log Σ_j π_j N(x | μ_j, σ_j, ρ_j) - log(e if eos else 1 - e).

    ``targets`` (B, T, 3), ``mask`` (B, T) bool; steps outside the mask are 0. The mixture sum is
    a log-sum-exp over log π_j + log N_j (eq. 23).
    """
    targets = targets.masked_fill(~mask.unsqueeze(-1), 0.0)  # padding may hold anything
    log_mix = torch.logsumexp(params.log_pi + _log_bivariate_normal(targets[..., :2], params), dim=-1)  # (B, T)
    eos_nll = F.binary_cross_entropy_with_logits(params.eos_logit, targets[..., 2], reduction="none")  # (B, T)
    return (eos_nll - log_mix) * mask


def mixture_nll(params: MixtureParams, targets: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The sequence loss of eq. 26 in nats per sequence: the sum over real steps divided by B."""
    return mixture_nll_per_step(params, targets, mask).sum() / mask.shape[0]


def apply_bias(params: MixtureParams, bias: float) -> MixtureParams:
    """Section 5.4's biased sampling: σ = exp(σ̂ - b), π = softmax(π̂ (1 + b)); b = 0 changes nothing.

    log π = π̂ - logsumexp(π̂) differs from π̂ by a constant, so softmax(log π (1 + b)) is that π.
    """
    return MixtureParams(
        log_pi=(params.log_pi * (1 + bias)).log_softmax(-1),
        mu=params.mu,
        log_sigma=params.log_sigma - bias,
        rho=params.rho,
        eos_logit=params.eos_logit,
    )


def sample_point(params: MixtureParams, generator: torch.Generator | None = None) -> torch.Tensor:
    """Draw one point (B, 3) from step distributions (fields (B, M, ...)).

    A component j ~ π, then (dx, dy) from its correlated Gaussian — x1 = μ1 + σ1 z1,
    x2 = μ2 + σ2 (ρ z1 + sqrt(1 - ρ²) z2) for independent standard z — and eos ~ Bernoulli(e).
    The random draws happen on the generator's device (the params' device without one).
    """
    device = generator.device if generator is not None else params.mu.device
    p = params.map(lambda x: x.detach().to(device))
    j = torch.multinomial(p.log_pi.exp(), 1, generator=generator)  # (B, 1)
    pick = torch.arange(j.shape[0], device=device), j[:, 0]
    mu, sigma, rho = p.mu[pick], p.log_sigma[pick].exp(), p.rho[pick]  # (B, 2), (B, 2), (B,)
    z = torch.randn(mu.shape, generator=generator, device=device, dtype=mu.dtype)  # (B, 2)
    dx = mu[:, 0] + sigma[:, 0] * z[:, 0]
    dy = mu[:, 1] + sigma[:, 1] * (rho * z[:, 0] + torch.sqrt(1 - rho.square()) * z[:, 1])
    eos = torch.bernoulli(torch.sigmoid(p.eos_logit), generator=generator)  # (B,)
    return torch.stack([dx, dy, eos], dim=-1).to(params.mu.device, torch.float32)


def mixture_density_grid(params: MixtureParams, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Density of the next offset (dx, dy) on a grid, (len(ys), len(xs)) float64.

    ``params`` holds one distribution: fields (M, ...) or with leading dims of size 1, such as
    ``params.step(t)`` of a single sequence. The eos part is left out: this is p(dx, dy).
    """
    lead = params.log_pi.dim() - 1  # the leading dims, whose sizes must multiply to 1
    one = params.map(lambda x: x.detach().cpu().double().reshape(x.shape[lead:]))  # fields (M, ...)
    gx, gy = np.meshgrid(np.asarray(xs, np.float64), np.asarray(ys, np.float64))  # (Y, X) each
    grid = torch.from_numpy(np.stack([gx, gy], axis=-1))  # (Y, X, 2)
    log_density = torch.logsumexp(one.log_pi + _log_bivariate_normal(grid, one), dim=-1)  # (Y, X)
    return log_density.exp().numpy()

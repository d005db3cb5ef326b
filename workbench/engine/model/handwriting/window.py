"""The soft attention window of Graves (2013), section 5, eqs. 46-51.

At each step the first hidden layer's output h1_t sets K Gaussian bumps over the character
positions u = 1..U (1-based, as in the paper):

- eq. 48     (α̂, β̂, κ̂) = W h1_t + b
- eqs. 49-51 α = exp(α̂), β = exp(β̂), κ_t = κ_{t-1} + exp(κ̂)
- eq. 46     φ(t, u) = Σ_k α_k exp(-β_k (κ_k - u)²)
- eq. 47     w_t = Σ_u φ(t, u) c_u, c_u the one-hot of character u

κ only grows, so the window slides along the text. κ_0 = 0 sits one position before the first
character. The window ends where section 5.3 says writing ends: once φ(t, U + 1) exceeds φ(t, u)
for every real character u (``with_end_slot`` and ``passed_end``).
"""

from __future__ import annotations

import math

import torch
from torch import nn

# Pen points written per character before training: κ̂'s bias starts at -log of it, so exp(κ̂)
# begins near 1/25 of a character per step instead of 1. This is the common "divide exp(κ̂) by
# 25" stabiliser written as an initial bias (the same function and gradients), so eq. 51 stays
# as printed. Online handwriting (IAM-OnDB) has about 25 points per character.
INITIAL_POINTS_PER_CHARACTER = 25.0


class SoftWindow(nn.Module):
    def __init__(self, width: int, components: int, alphabet_size: int) -> None:
        super().__init__()
        self.components = components
        self.alphabet_size = alphabet_size
        self.linear = nn.Linear(width, 3 * components)  # eq. 48: [α̂ | β̂ | κ̂]
        with torch.no_grad():
            self.linear.bias[2 * components :] = -math.log(INITIAL_POINTS_PER_CHARACTER)

    def forward_step(
        self, h1_t: torch.Tensor, kappa_prev: torch.Tensor, text_onehot: torch.Tensor, text_mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One step: h1_t (B, W), κ_{t-1} (B, K), text (B, U, A), mask (B, U) -> w_t (B, A), κ_t (B, K), φ (B, U).

        Characters outside ``text_mask`` get φ = 0 and add nothing to w_t.
        """
        alpha_hat, beta_hat, kappa_hat = self.linear(h1_t).chunk(3, dim=-1)  # (B, K) each
        alpha, beta = alpha_hat.exp(), beta_hat.exp()  # eqs. 49-50
        kappa = kappa_prev + kappa_hat.exp()  # eq. 51
        u = torch.arange(1, text_onehot.shape[1] + 1, device=h1_t.device, dtype=h1_t.dtype)  # (U,) 1-based
        bumps = alpha[..., None] * torch.exp(-beta[..., None] * (kappa[..., None] - u).square())  # (B, K, U)
        phi = bumps.sum(1) * text_mask  # (B, U) eq. 46
        w = (phi.unsqueeze(1) @ text_onehot).squeeze(1)  # (B, 1, U) @ (B, U, A) -> (B, A) eq. 47
        return w, kappa, phi


def with_end_slot(
    text_onehot: torch.Tensor, text_mask: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Open position U_b + 1 of each row for the end test of section 5.3.

    ``text_mask`` (B, U) must be true on a prefix of each row (U_b characters). Returns the text
    (B, U + 1, A) with one more all-zero column, a window mask (B, U + 1) true on 1..U_b + 1, and
    the 0-based index U_b (B,) of the end slot. The slot's one-hot is zero (padding is zeroed
    too), so it adds nothing to w_t, but the window computes φ(t, U_b + 1) there.
    """
    b, u, a = text_onehot.shape
    lengths = text_mask.sum(1)  # (B,)
    slots = torch.arange(u + 1, device=text_mask.device)  # (U + 1,)
    window_mask = slots < (lengths + 1)[:, None]  # (B, U + 1)
    padded = torch.cat([text_onehot * text_mask[..., None], text_onehot.new_zeros(b, 1, a)], dim=1)
    return padded, window_mask, lengths


def passed_end(phi: torch.Tensor, end: torch.Tensor) -> torch.Tensor:
    """Section 5.3's stop test, (B,) bool: φ(t, U + 1) > φ(t, u) for all 1 <= u <= U.

    ``phi`` (B, U + 1) comes from a window run on ``with_end_slot``'s text; ``end`` (B,) is the
    slot index it returned. Positions beyond the slot are masked, so they hold φ = 0.
    """
    at_end = phi.gather(1, end[:, None]).squeeze(1)  # (B,)
    before = phi.masked_fill(torch.arange(phi.shape[1], device=phi.device) >= end[:, None], float("-inf"))
    return at_end > before.max(1).values

"""Attention of a decoder over the encoder's steps.

Both kinds score every decoder step t against every encoder step j, normalise over j and
return the context c_t = Σ_j α_tj h_j (Bahdanau et al., 2015, eqs. 5-6):

- additive (Bahdanau et al., 2015, eq. 6 / appendix A.1.2): e_tj = vᵀ tanh(W s_t + U h_j)
- multiplicative (Luong et al., 2015, eq. 8, "general"):    e_tj = s_tᵀ W h_j
"""

from __future__ import annotations

import torch
from torch import nn

from ..spec import AttentionSpec


class Attention(nn.Module):
    def scores(self, queries: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(
        self, queries: torch.Tensor, memory: torch.Tensor, memory_mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``queries`` (B, T, Q), ``memory`` (B, S, M) -> context (B, T, M), weights (B, T, S)."""
        scores = self.scores(queries, memory)  # (B, T, S)
        if memory_mask is not None:
            scores = scores.masked_fill(~memory_mask[:, None, :], float("-inf"))
        weights = scores.softmax(dim=-1)
        return weights @ memory, weights


class AdditiveAttention(Attention):
    def __init__(self, query_width: int, memory_width: int, size: int) -> None:
        super().__init__()
        self.query = nn.Linear(query_width, size, bias=False)  # W
        self.key = nn.Linear(memory_width, size)  # U (its bias stands for the shared bias)
        self.v = nn.Linear(size, 1, bias=False)

    def scores(self, queries: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        q = self.query(queries)[:, :, None, :]  # (B, T, 1, A)
        k = self.key(memory)[:, None, :, :]  # (B, 1, S, A)
        return self.v(torch.tanh(q + k)).squeeze(-1)  # (B, T, S)


class MultiplicativeAttention(Attention):
    def __init__(self, query_width: int, memory_width: int) -> None:
        super().__init__()
        self.key = nn.Linear(memory_width, query_width, bias=False)  # W

    def scores(self, queries: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        return queries @ self.key(memory).transpose(1, 2)  # (B, T, Q) @ (B, Q, S) -> (B, T, S)


def make_attention(spec: AttentionSpec, query_width: int, memory_width: int) -> Attention:
    if spec.kind == "additive":
        return AdditiveAttention(query_width, memory_width, spec.size or query_width)
    return MultiplicativeAttention(query_width, memory_width)

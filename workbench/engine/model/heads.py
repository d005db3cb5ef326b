"""Output heads and their builders.

A head turns the recurrent features ``(batch, time, width)`` into predictions and knows its loss.
``HEADS`` maps a ``HeadSpec.kind`` to the function that builds its module; which specs a kind
accepts, and its title, are plain data in ``spec.HEAD_KINDS``.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.nn import functional as F

from ..data.batching import IGNORE_INDEX
from ..spec import ModelSpec
from .recurrence import final_outputs


class Head(nn.Module):
    """Base of all heads. ``per_step`` heads predict at every step; others once per sequence."""

    per_step = True

    def loss(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


class TokenHead(Head):
    """Scores over a vocabulary or tag set at every step: next-token and tagging heads."""

    def __init__(self, width: int, num_classes: int) -> None:
        super().__init__()
        self.proj = nn.Linear(width, num_classes)

    def forward(self, features: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        return self.proj(features)  # (B, T, C) logits

    def loss(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        # Mean cross-entropy over real steps; padded steps carry IGNORE_INDEX.
        return F.cross_entropy(prediction.flatten(0, 1), target.flatten(), ignore_index=IGNORE_INDEX)


class ClassificationHead(Head):
    """One class per sequence from pooled features (last step, mean, max or attention)."""

    per_step = False

    def __init__(self, width: int, num_classes: int, pooling: str, bidirectional: bool) -> None:
        super().__init__()
        self.pooling = pooling
        self.bidirectional = bidirectional
        self.score = nn.Linear(width, 1) if pooling == "attention" else None
        self.proj = nn.Linear(width, num_classes)
        self.last_weights: torch.Tensor | None = None  # (B, T) attention weights of the last call

    def forward(self, features: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        if mask is None:
            mask = torch.ones(features.shape[:2], dtype=torch.bool, device=features.device)
        return self.proj(self.pool(features, mask))  # (B, C)

    def pool(self, features: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``features`` (B, T, W), ``mask`` (B, T) true on real steps -> (B, W)."""
        if self.pooling == "mean":
            weights = mask.float() / mask.sum(1, keepdim=True).clamp(min=1)
            return torch.einsum("bt,btw->bw", weights, features)
        if self.pooling == "max":
            return features.masked_fill(~mask[..., None], float("-inf")).amax(1)
        if self.pooling == "attention":
            # Attention pooling: a_t = softmax_t(w · h_t + b), pooled = sum_t a_t h_t.
            scores = self.score(features).squeeze(-1).masked_fill(~mask, float("-inf"))  # (B, T)
            weights = scores.softmax(1)
            self.last_weights = weights.detach()
            return torch.einsum("bt,btw->bw", weights, features)
        return final_outputs(features, mask, self.bidirectional)

    def loss(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(prediction, target)


class RegressionHead(Head):
    """Real values at every step (forecasting), trained with mean squared error."""

    def __init__(self, width: int, num_outputs: int) -> None:
        super().__init__()
        self.proj = nn.Linear(width, num_outputs)

    def forward(self, features: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        return self.proj(features)  # (B, T, num_outputs)

    def loss(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        real = ~torch.isnan(target)  # padded steps carry NaN targets
        return F.mse_loss(prediction[real], target[real])


HeadBuilder = Callable[[ModelSpec, int], Head]  # (spec, feature width) -> the head

# A builder for each kind in ``spec.HEAD_KINDS`` but "mixture_density", whose head is part of
# the handwriting networks (``model.handwriting``).
HEADS: dict[str, HeadBuilder] = {
    "next_token": lambda spec, width: TokenHead(width, spec.head.num_outputs),
    "tagging": lambda spec, width: TokenHead(width, spec.head.num_outputs),
    "classification": lambda spec, width: ClassificationHead(
        width, spec.head.num_outputs, spec.head.pooling, spec.encoder.bidirectional
    ),
    "regression": lambda spec, width: RegressionHead(width, spec.head.num_outputs),
}

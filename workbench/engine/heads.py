"""Output heads and their registry.

A head turns the recurrent features ``(batch, time, width)`` into predictions and knows its loss.
``HEADS`` maps a ``HeadSpec.kind`` to a ``HeadType``: its rules (which specs it accepts, in words
for the user) and its module. Other parts of the workbench (the handwriting mixture-density head)
add entries with ``register_head``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn
from torch.nn import functional as F

from .data.batching import IGNORE_INDEX
from .recurrence import final_outputs
from .spec import POOLINGS, ModelSpec


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


@dataclass(frozen=True)
class HeadType:
    """A registry entry: the rules a spec must satisfy and how to build the module."""

    title: str
    problems: Callable[[ModelSpec], list[str]]
    build: Callable[[ModelSpec, int], Head] | None  # (spec, feature width) -> head; None: the model makes it


def _next_token_problems(spec: ModelSpec) -> list[str]:
    found = []
    if spec.decoder is None:
        if spec.encoder.bidirectional:
            found.append("a bidirectional encoder cannot generate text left to right")
        if spec.inputs.kind != "tokens":
            found.append("a next-token head predicts the next input token: it needs token inputs")
        elif spec.head.num_outputs != spec.inputs.vocab_size:
            found.append("a next-token head must predict over the input vocabulary")
    elif spec.target_inputs is not None and spec.head.num_outputs != spec.target_inputs.vocab_size:
        found.append("the decoder's head must predict over the target vocabulary")
    return found


def _reads_one_sequence(title: str) -> Callable[[ModelSpec], list[str]]:
    def problems(spec: ModelSpec) -> list[str]:
        found = []
        if spec.decoder is not None:
            found.append(f"a {title} head reads one sequence: remove the decoder")
        if spec.head.num_outputs < 1:
            found.append(f"a {title} head needs at least one output")
        return found

    return problems


def _classification_problems(spec: ModelSpec) -> list[str]:
    found = _reads_one_sequence("classification")(spec)
    if spec.head.num_outputs == 1:
        found.append("a classifier needs at least two classes")
    if spec.head.pooling not in POOLINGS:
        found.append(f"unknown pooling '{spec.head.pooling}' (last, mean, max or attention)")
    return found


def _regression_problems(spec: ModelSpec) -> list[str]:
    found = _reads_one_sequence("regression")(spec)
    if spec.encoder.bidirectional:
        found.append("a forecaster cannot read the future: use a unidirectional encoder")
    return found


def _mixture_density_problems(spec: ModelSpec) -> list[str]:
    """Graves' handwriting networks: LSTM layers with skip connections, pen offsets in."""
    found = []
    if spec.decoder is not None:
        found.append("a handwriting model writes one sequence: remove the decoder")
    inputs = spec.inputs
    if inputs.kind != "features" or inputs.feature_dim != 3 or inputs.projection_dim:
        found.append("a handwriting model reads pen moves: three features a step (dx, dy, end of stroke)")
    if spec.encoder.cell != "lstm":
        found.append("the handwriting networks are made of LSTM layers (Graves 2013)")
    if spec.encoder.bidirectional:
        found.append("a handwriting model writes forwards: it cannot be bidirectional")
    if spec.encoder.dropout:
        found.append("the handwriting networks have no dropout between layers")
    if spec.head.num_outputs < 1:
        found.append("the mixture needs at least one Gaussian component")
    return found


HEADS: dict[str, HeadType] = {}


def register_head(kind: str, head_type: HeadType) -> None:
    HEADS[kind] = head_type


register_head("next_token", HeadType(
    "next token", _next_token_problems, lambda spec, width: TokenHead(width, spec.head.num_outputs)
))
register_head("tagging", HeadType(
    "tag per step", _reads_one_sequence("tagging"),
    lambda spec, width: TokenHead(width, spec.head.num_outputs),
))
register_head("classification", HeadType(
    "class per sequence", _classification_problems,
    lambda spec, width: ClassificationHead(
        width, spec.head.num_outputs, spec.head.pooling, spec.encoder.bidirectional
    ),
))
register_head("mixture_density", HeadType("pen position mixture", _mixture_density_problems, None))
register_head("regression", HeadType(
    "values per step", _regression_problems,
    lambda spec, width: RegressionHead(width, spec.head.num_outputs),
))

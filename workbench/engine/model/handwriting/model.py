"""A handwriting spec as the module the trainer trains: Graves' prediction or synthesis network.

The spec reads: ``encoder`` the LSTM layers (hidden size, layers), ``head.num_outputs`` the
mixture components M, ``window`` (synthesis only) the window's Gaussians K and alphabet. Lines
are independent, so no state is carried from one batch to the next.
"""

from __future__ import annotations

import torch

from ...data.handwriting.stroke_batches import StrokeBatch
from ...spec import ModelSpec
from .mixture import mixture_nll
from .networks import PredictionNetwork, SynthesisNetwork


class HandwritingPrediction(PredictionNetwork):
    """Section 4: writes on, without text."""

    def __init__(self, spec: ModelSpec) -> None:
        super().__init__(spec.encoder.hidden_size, spec.encoder.num_layers, spec.head.num_outputs)
        self.spec = spec

    def batch_loss(self, batch: StrokeBatch, state: None, device: torch.device) -> tuple[torch.Tensor, None]:
        """Eq. 26, nats per line, on one batch of lines."""
        points, targets, mask = _tensors(device, batch.points, batch.targets, batch.mask)
        params, _ = self(points)
        return mixture_nll(params, targets, mask), None


class HandwritingSynthesis(SynthesisNetwork):
    """Section 5: writes the given text through the soft window."""

    def __init__(self, spec: ModelSpec) -> None:
        assert spec.window is not None
        super().__init__(
            spec.encoder.hidden_size,
            spec.encoder.num_layers,
            spec.head.num_outputs,
            spec.window.components,
            spec.window.alphabet_size,
        )
        self.spec = spec

    def batch_loss(self, batch: StrokeBatch, state: None, device: torch.device) -> tuple[torch.Tensor, None]:
        """Eq. 26, nats per line, on one batch of lines and their texts."""
        points, targets, mask, text, text_mask = _tensors(
            device, batch.points, batch.targets, batch.mask, batch.text, batch.text_mask
        )
        params, _, _ = self(points, text, text_mask)
        return mixture_nll(params, targets, mask), None


def handwriting_model(spec: ModelSpec) -> HandwritingPrediction | HandwritingSynthesis:
    return HandwritingPrediction(spec) if spec.window is None else HandwritingSynthesis(spec)


def _tensors(device: torch.device, *arrays) -> list[torch.Tensor]:
    return [torch.from_numpy(array).to(device, non_blocking=True) for array in arrays]

"""What a training step reports in its ``StepMetrics``: the loss and throughput since the last
report, when a report is due (throttled here, at the source), and each layer's gradient norm."""

from __future__ import annotations

import time

import numpy as np
import torch
from torch import nn

from ..model.sequence_models import parameter_group


class LayerGradients:
    """The model's parameters and the layer each belongs to, listed once: they are fixed for a
    trainer's life."""

    def __init__(self, model: nn.Module) -> None:
        named = list(model.named_parameters())
        groups = [parameter_group(name) for name, _ in named]
        self.parameters: list[nn.Parameter] = [parameter for _, parameter in named]
        self.names: tuple[str, ...] = tuple(dict.fromkeys(groups))
        self.index = np.array([self.names.index(group) for group in groups], dtype=np.intp)  # each one's layer

    def norms(self) -> np.ndarray:
        """Gradient norm of each layer (before clipping), in ``names`` order.

        One fused norm over all gradients and one copy to the host, not a sync per parameter.
        """
        grads = [parameter.grad for parameter in self.parameters]
        present = [i for i, grad in enumerate(grads) if grad is not None]
        squares = np.zeros(len(self.names))
        if present:
            norms = torch.stack(torch._foreach_norm([grads[i] for i in present])).double().cpu().numpy()
            np.add.at(squares, self.index[present], norms**2)
        return np.sqrt(squares).astype(np.float32)


class StepMeter:
    """Loss and throughput since the last report; says when a report is due (time-throttled)."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self.reset()
        self.last_report = self.window_start - interval_s  # the first step reports

    def due(self) -> bool:
        return time.perf_counter() - self.last_report >= self.interval_s

    def add(self, loss: float, tokens: int) -> None:
        self.loss_sum += loss
        self.count += 1
        self.tokens += tokens

    def mean_loss(self) -> float:
        return self.loss_sum / max(self.count, 1)

    def rate(self) -> float:
        return self.tokens / max(time.perf_counter() - self.window_start, 1e-9)

    def reset(self) -> None:
        self.loss_sum, self.count, self.tokens = 0.0, 0, 0
        self.window_start = self.last_report = time.perf_counter()

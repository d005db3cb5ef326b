"""Optimizers and the learning-rate schedule (a pure function of the step: nothing to save)."""

from __future__ import annotations

import math

import torch

from .config import TrainConfig


def make_optimizer(parameters, config: TrainConfig) -> torch.optim.Optimizer:
    lr, decay = config.learning_rate, config.weight_decay
    if config.optimizer == "adam":
        return torch.optim.Adam(parameters, lr=lr, weight_decay=decay)
    if config.optimizer == "rmsprop":
        return torch.optim.RMSprop(parameters, lr=lr, momentum=config.momentum, weight_decay=decay)
    return torch.optim.SGD(parameters, lr=lr, momentum=config.momentum, weight_decay=decay)


def learning_rate_at(step: int, config: TrainConfig) -> float:
    """The learning rate for optimisation step ``step`` (0-based)."""
    base = config.learning_rate
    if step < config.warmup_steps:
        return base * (step + 1) / config.warmup_steps
    since = step - config.warmup_steps
    if config.schedule == "cosine":
        progress = min(since / max(config.decay_steps, 1), 1.0)
        floor = base * config.min_lr_ratio
        return floor + (base - floor) * 0.5 * (1 + math.cos(math.pi * progress))
    if config.schedule == "step" and config.decay_steps > 0:
        return base * config.decay_factor ** (since // config.decay_steps)
    return base

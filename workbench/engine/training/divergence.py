"""Telling a diverging run from a healthy one, and the last sound state to go back to.

A learning rate far too large sends the weights to infinity in a step or two, or to huge finite
values whose loss grows without bound; every step after that is wasted and the weights are
worthless. The trainer keeps a copy of a recent state that was sound and goes back to it when
the run diverges, so what it saves is always a model that trained well up to some step.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import torch

from .checkpoint import TrainerCheckpoint

# A loss is "exploded" above start + LOSS_FACTOR × scale, the scale being the larger size of the
# run's first loss and its best smoothed loss (either may be negative, as a density's is). For a
# language model starting at ln V ≈ 4 that is about 44 nats a token, e^-44 for every right token.
# The demos' runs, unclipped ones at 15× their learning rate included, never rose above start + 0.1 × scale.
LOSS_FACTOR = 10.0
LOSS_PATIENCE = 5  # exploded losses in a row before the run counts as diverged: a lone bad batch is not
LOSS_FLOOR = 1e-8  # the least scale, so a run whose losses are all 0 has a limit
SMOOTHING = 0.05  # each step's weight in the smoothed loss (about 20 steps) whose minimum is the best
# A weight norm above WEIGHT_FACTOR × the last sound state's counts as exploded: the demos' runs grew
# it at most 1.2× in 50 steps (3.4× in 1,500), a learning rate far too large by many orders in one step.
WEIGHT_FACTOR = 100.0
SOUND_EVERY = 100  # fewest steps between two copies of the sound state
SOUND_BUDGET = 0.005  # most fraction of training time spent copying it


class Diverged(Exception):
    """The run diverged; the message says what became what at which step."""


class LossWatch:
    """Whether the loss has exploded, judged against the run's own history of losses."""

    def __init__(self, losses: Iterable[float] = ()) -> None:
        self.start: float | None = None  # the run's first loss
        self.smoothed = math.nan
        self.best = math.inf  # the lowest smoothed loss
        self.limit = math.inf
        self.streak = 0  # steps in a row above the limit
        for loss in losses:
            self.observe(loss)

    def observe(self, loss: float) -> bool:
        """Take one step's finite loss; True once LOSS_PATIENCE losses in a row are above the limit."""
        if self.start is None:
            self.start = self.smoothed = loss
        else:
            self.smoothed += SMOOTHING * (loss - self.smoothed)
        if self.smoothed < self.best:
            self.best = self.smoothed
            self.limit = self.start + LOSS_FACTOR * max(abs(self.start), abs(self.best), LOSS_FLOOR)
        self.streak = self.streak + 1 if loss > self.limit else 0
        return self.streak >= LOSS_PATIENCE

    def diverged(self, loss: float, step: int) -> Diverged:
        against = f"{times(loss / self.best)} its best" if self.best > 0 else f"its best was {self.best:.3g}"
        return Diverged(f"the loss diverged ({loss:.3g} at step {step:,}, {against})")


def times(ratio: float) -> str:
    """A ratio for people: "40,000×", "3.7e+31×"."""
    return f"{ratio:,.0f}×" if ratio < 1e6 else f"{ratio:.2g}×"


def weight_norm(parameters: list[torch.Tensor]) -> float:
    """The norm of all the weights together, one copy to the host; summed in float64 (as cheap
    as float32 here), so that huge finite weights have a finite norm the message can give."""
    with torch.no_grad():
        return float(torch.stack(torch._foreach_norm(parameters, 2, dtype=torch.float64)).norm())


def weights_diverged(norm: float, sound: SoundState | None, step: int) -> Diverged | None:
    """Why weights of norm ``norm`` after ``step`` are not sound, or None when they are."""
    if not math.isfinite(norm):
        return Diverged(f"the weights' norm became {norm} after step {step:,}")
    if sound is not None and sound.weight_norm > 0 and norm > WEIGHT_FACTOR * sound.weight_norm:
        return Diverged(
            f"the weights' norm exploded ({norm:.3g} after step {step:,}, "
            f"{times(norm / sound.weight_norm)} its {sound.weight_norm:.3g} after step {sound.step:,})"
        )
    return None


def finite_norm(tensors: list[torch.Tensor]) -> bool:
    """Whether every element is finite, by way of their norm: the largest-element norm costs
    ten times more."""
    return not tensors or math.isfinite(weight_norm(tensors))


def optimizer_tensors(optimizer: torch.optim.Optimizer) -> list[torch.Tensor]:
    """The optimizer's floating-point state (moments, momentum buffers)."""
    return [
        value
        for entry in optimizer.state.values()
        for value in entry.values()
        if torch.is_tensor(value) and value.is_floating_point() and value.dim() > 0
    ]


@dataclass
class SoundState:
    """A copy of the trainer at a sound step: weights on their device, and the position
    (step, data position, optimizer state, random generators, carried hidden state)."""

    weights: dict[str, torch.Tensor]
    position: TrainerCheckpoint
    weight_norm: float

    @property
    def step(self) -> int:
        return self.position.step

    @classmethod
    def capture(cls, trainer, weight_norm: float) -> SoundState:
        weights = {name: value.detach().clone() for name, value in trainer.model.state_dict().items()}
        return cls(weights, TrainerCheckpoint.capture(trainer), weight_norm)

    def restore(self, trainer) -> None:
        trainer.model.load_state_dict(self.weights)
        self.position.restore(trainer)

"""What the trainer tells the world, as frozen dataclasses holding CPU numpy copies.

A sink is any callable taking an event. The trainer calls it on the training thread; a user
interface puts events on a queue and draws them on its own thread. Arrays are copies
(``tensor.detach().cpu().numpy().copy()``), so a later training step cannot change what a view
is drawing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RunStarted:
    run: str  # "run-003"
    step: int  # the step training starts from (0, or where a resumed run left off)
    target_step: int  # the step it will stop at
    device: str  # "cpu" or "cuda"
    device_name: str  # "CPU (2 threads)", "NVIDIA H100 80GB HBM3"
    parameters: int
    model: str  # ModelSpec.describe()
    counts: str = "tokens"  # what StepMetrics.tokens_per_s counts: tokens, items, steps or points
    processes: int = 1  # under torchrun, how many train the run (device_name is rank 0's)


@dataclass(frozen=True)
class StepMetrics:
    """Mean over the steps since the previous StepMetrics (throttled at the source)."""

    step: int
    loss: float
    learning_rate: float
    tokens_per_s: float
    grad_norm: float  # global norm before clipping, at ``step``
    layer_names: tuple[str, ...]  # "inputs", "encoder.l0", ..., "head"
    layer_grad_norms: np.ndarray  # (len(layer_names),) at ``step``


@dataclass(frozen=True)
class ValidationResult:
    step: int
    loss: float  # mean loss: cross-entropy in nats per token (or item, or line), or squared error
    bits_per_token: float
    accuracy: float | None = None  # classifiers and taggers: share of items (tokens) right
    confusion: np.ndarray | None = None  # classifiers and taggers: (C, C), rows true, columns predicted
    scored: int = 0  # what the loss is the mean over: tokens, items, lines or windows
    batches: int = 0  # validation batches scored ...
    of_batches: int = 0  # ... of the batches in the whole validation split
    cut_short: bool = False  # stopped (Stop, Ctrl-C, the window closing) before the batches it was to score
    best_step: int | None = None  # the kept best weights' step after this validation; None: none kept
    best_loss: float | None = None  # ... and their loss, in the scope best weights compare in (best_weights)

    @property
    def whole(self) -> bool:
        """Whether every batch of the validation split was scored, not a quick subset."""
        return self.batches >= self.of_batches


@dataclass(frozen=True)
class LayerSnapshot:
    name: str  # "encoder.l0", "encoder.l0.reverse"
    cell: str
    gate_names: tuple[str, ...]  # LSTM: input, forget, cell, output; GRU: reset, update, new
    gates: np.ndarray  # (gates, T, H)
    cell_state: np.ndarray | None  # (T, H), LSTM only
    hidden: np.ndarray  # (T, H)
    grad_through_time: np.ndarray  # (T,) ‖∂L_T/∂h_t‖


@dataclass(frozen=True)
class ProbeSnapshot:
    step: int
    token_ids: np.ndarray  # (T,) the probe inputs
    tokens: tuple[str, ...]  # each input token as text, for colouring the probe text
    layers: tuple[LayerSnapshot, ...]


@dataclass(frozen=True)
class SampleGenerated:
    step: int
    text: str
    temperature: float
    prime: str


@dataclass(frozen=True)
class RunFinished:
    step: int
    reason: str  # "completed", "stopped", "patience" (early stopping) or "time_limit" (--minutes)
    elapsed_s: float
    kept_step: int | None = None  # the step of the best weights kept; None: no validation kept any


@dataclass(frozen=True)
class RunPaused:
    """The run holds between steps (``paused``), or goes on again: told when a pause takes
    hold, which under torchrun is after the step every process agrees on."""

    step: int
    paused: bool


@dataclass(frozen=True)
class RunFailed:
    step: int
    reason: str  # for the user: "the loss became NaN at step 812; weights are those of step 811"


@dataclass(frozen=True)
class TaskProgress:
    """How far a long request (a download, an export) has come, throttled by the task."""

    what: str  # "Downloading Tiny Shakespeare"
    done: int
    total: int | None  # None when unknown
    unit: str = "bytes"  # or "steps": what ``done`` and ``total`` count


# Handwriting, in the drawing pad's ink units: pixels of its canvas, x to the right, y down. The
# engine turns the model's normalised offsets into these (scaled like the primer when there is
# one), so a view only adds offsets up.


@dataclass(frozen=True, eq=False)
class HandwritingWritten:
    """A line the model wrote, point by point, with what it looked at while writing."""

    text: str  # what it was asked to write ("" for the prediction network)
    bias: float  # sampling bias b (Graves section 5.4)
    points: np.ndarray  # (N, 3) float32 (dx, dy, end_of_stroke), dx/dy in ink units
    mixture_weights: np.ndarray  # (N, M) float32 π of the mixture for each written point
    phi: np.ndarray | None  # (N, U) float32 window weights over the characters of ``text``; synthesis only
    primed: bool  # the first offset continues from the last point of the primer ink
    stopped: bool  # True: the window passed the last character; False: the length cap was hit


@dataclass(frozen=True, eq=False)
class NextPointDensity:
    """Where the pen goes next, by the model, after the ink drawn so far."""

    image: np.ndarray  # (H, W) float32 density over the rectangle below, row 0 at y0
    rect: tuple[float, float, float, float]  # (x0, y0, width, height) in ink units
    end_of_stroke: float  # probability that the pen lifts after the last point


Event = (
    RunStarted
    | StepMetrics
    | ValidationResult
    | ProbeSnapshot
    | SampleGenerated
    | RunFinished
    | RunPaused
    | RunFailed
    | TaskProgress
)
Sink = Callable[[Event], None]


def discard(event: Event) -> None:
    """The sink of a trainer nobody watches."""

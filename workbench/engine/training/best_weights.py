"""The best weights of a project: a copy of the model after its lowest validation loss so far.

What "best" compares: only losses of the same scope. A quick validation scores a fixed sample of
the validation split (``val_batches`` batches, the same ones every time for a given batch shape
and seed), so quick validations compare with each other; the whole split is another scope, with
another mean. The scope of a comparison is the one the run's periodic validations have under the
settings now (``ValidationScope.of``): the quick sample, or the whole split when ``val_batches`` is
0 or covers it. A whole validation in a quick scope (the one at the end of every run) is scored on
the quick sample as well for the comparison, so the last weights may become the best too. A best
of another scope (the batch shape, seed or ``val_batches`` changed since) is scored anew in the
scope now before it is compared (``BestKeeper.rescoped``), so a change of settings never lets a
worse model replace it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace

import numpy as np
import torch
from torch import nn

from ..common.errors import ProjectError
from ..common.stored_values import is_finite_number, is_whole
from .checkpoint import MAX_STEP
from .config import LARGEST_SEED, MAX_COUNT, TrainConfig


@dataclass(frozen=True)
class ValidationScope:
    """What a validation loss is the mean over, so which losses compare with each other."""

    batches: int  # a quick validation's batches, the same ones every time; 0: the whole split
    batch_size: int
    seq_len: int
    seed: int  # draws the quick sample

    @classmethod
    def of(cls, config: TrainConfig, split_batches: int) -> ValidationScope:
        """The scope of the periodic validations under ``config``, for a split of ``split_batches``."""
        quick = 0 < config.val_batches < split_batches
        return cls(config.val_batches if quick else 0, config.batch_size, config.seq_len, config.seed)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data) -> ValidationScope:
        names = [field.name for field in fields(cls)]
        if not isinstance(data, dict) or sorted(data) != sorted(names):
            raise ProjectError(f"best/meta's scope is damaged: it must name {', '.join(names)}")
        ranges = {"batches": (0, MAX_COUNT), "batch_size": (1, MAX_COUNT), "seq_len": (1, MAX_COUNT)}
        for name in names:
            least, most = ranges.get(name, (0, LARGEST_SEED))
            if not is_whole(data[name], least, most):
                raise ProjectError(f"best/meta's scope has a {name} of {data[name]!r}, not a whole number in range")
        return cls(**data)


@dataclass(frozen=True)
class BestWeights:
    """The model's weights (CPU copies of its state_dict) after the validation of lowest loss."""

    step: int
    val_loss: float
    scope: ValidationScope
    weights: dict[str, torch.Tensor]

    @classmethod
    def capture(cls, model: nn.Module, step: int, val_loss: float, scope: ValidationScope) -> BestWeights:
        weights = {name: value.detach().to("cpu", copy=True) for name, value in model.state_dict().items()}
        return cls(step, val_loss, scope, weights)

    def record(self) -> tuple[dict, dict[str, np.ndarray]]:
        """The project file's form: JSON (step, val_loss, scope) and one float32 array a weight."""
        meta = {"step": self.step, "val_loss": self.val_loss, "scope": self.scope.to_json()}
        return meta, {name: value.float().numpy().copy() for name, value in self.weights.items()}

    @classmethod
    def from_record(cls, meta: dict, weights: dict[str, np.ndarray]) -> BestWeights:
        """The inverse of ``record``, checked; the weights' names and shapes were checked against
        the model as the file was read, their values are checked finite here."""
        if sorted(meta) != ["scope", "step", "val_loss"]:
            raise ProjectError("best/meta is damaged: it must hold step, val_loss and scope")
        if not is_whole(meta["step"], 0, MAX_STEP):
            raise ProjectError(f"best/meta's step {meta['step']!r} is not a whole number of steps")
        if not is_finite_number(meta["val_loss"]):
            raise ProjectError(f"best/meta's val_loss {meta['val_loss']!r} is not a finite number")
        for name, value in weights.items():
            if not np.isfinite(value).all():
                raise ProjectError(f"the best weight {name} holds NaN or infinite values")
        tensors = {name: torch.from_numpy(value) for name, value in weights.items()}
        return cls(meta["step"], float(meta["val_loss"]), ValidationScope.from_json(meta["scope"]), tensors)

    def summary(self) -> dict:
        return {"step": self.step, "val_loss": self.val_loss}


class BestKeeper:
    """Compares every validation with the best so far and keeps the weights of a better one;
    counts the validations in a row without improvement since the run began (its patience)."""

    def __init__(self, best: BestWeights | None = None) -> None:
        self.best = best
        self.without_improvement = 0

    def start_run(self) -> None:
        """A new run gets its full patience: the count starts again, the best stays."""
        self.without_improvement = 0

    def rescoped(self, val_loss: float, scope: ValidationScope) -> None:
        """The best's weights scored in another scope: their loss there, to compare with what comes."""
        self.best = replace(self.best, val_loss=val_loss, scope=scope)

    def forget_after(self, step: int) -> None:
        """Drop a best from after ``step``: the run went back to it, and those steps are trained anew."""
        if self.best is not None and self.best.step > step:
            self.best = None

    def consider(self, model: nn.Module, step: int, val_loss: float, scope: ValidationScope) -> bool:
        """Keep the model's weights when ``val_loss`` is below the best's of the same scope (or
        there is no best of that scope); says whether it did."""
        better = math.isfinite(val_loss) and (
            self.best is None or self.best.scope != scope or val_loss < self.best.val_loss
        )
        if better:
            self.best = BestWeights.capture(model, step, val_loss, scope)
            self.without_improvement = 0
        else:
            self.without_improvement += 1
        return better

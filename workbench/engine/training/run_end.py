"""How a run ends: its outcome, and the settings that end it before its last step.

Besides "completed", "stopped" (asked to) and "failed" (diverged), a run ends early by its own
settings: ``patience`` validations in a row without a better loss than the best, or
``max_minutes`` of training. Either ends it as a completed run does, the whole validation split
scored last; its ``RunFinished.reason`` names which.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from .config import TrainConfig

PATIENCE = "patience"  # no better validation loss for config.patience validations in a row
TIME_LIMIT = "time_limit"  # config.max_minutes of training passed
EARLY_STOPS = (PATIENCE, TIME_LIMIT)


@dataclass(frozen=True)
class RunOutcome:
    reason: str  # "completed", "stopped", "failed", or one of EARLY_STOPS
    step: int
    message: str = ""  # a failure, or why the run stopped early


class EarlyStop:
    """Whether a run's settings end it now; its minutes are training time on ``clock``, from when
    it is made, less the time it spent paused (``paused_for``)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.started = clock()

    def paused_for(self, wait: Callable[[], None]) -> None:
        """Run ``wait`` (the pause) off the clock."""
        before = self.clock()
        wait()
        self.started += self.clock() - before

    def reason(self, config: TrainConfig, without_improvement: int) -> str | None:
        """PATIENCE, TIME_LIMIT or None; read each step, so a setting changed mid-run counts."""
        if config.patience and without_improvement >= config.patience:
            return PATIENCE
        if config.max_minutes and self.clock() - self.started >= config.max_minutes * 60:
            return TIME_LIMIT
        return None


def why_stopped(reason: str, config: TrainConfig) -> str:
    """The early stop in words: 'no better validation loss for 5 validations'."""
    if reason == PATIENCE:
        count = config.patience
        return f"no better validation loss for {count:,} validation{'s' if count != 1 else ''}"
    minutes = config.max_minutes
    shown = f"{minutes:,.0f}" if math.isclose(minutes, round(minutes)) else f"{minutes:g}"
    return f"the {shown}-minute time limit was reached"

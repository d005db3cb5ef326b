"""When work between steps is due: every so many steps, and only within a share of training time."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager


class BudgetClock:
    """Says when work between steps (a probe, a sample, a copy of the sound state) is due: every
    ``every`` steps, and only within a share of training time.

    A probe of a small model costs a training step or two (every layer run alone and a
    backward pass through the probe text), and a sample one model call per token, which on a GPU is
    as slow as on a CPU while the steps are many times faster; so a fixed step interval would
    spend a large share of training on them. After each call the next waits until the training
    steps themselves have run ``cost / budget`` seconds, which keeps the work under ``budget``
    of training time on any model and device; a pause, validation, samples and callbacks do not
    count as training. ``clock`` reads seconds; the work's cost is measured with it.
    """

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.clock = clock
        self.last_step: int | None = None
        self.last_cost = 0.0
        self.trained_s = 0.0  # time spent in training steps since the last call

    def due(self, step: int, every: int, budget: float) -> bool:
        if self.last_step is None:
            return step % every == 0
        if step - self.last_step < every:
            return False
        return budget == 0 or self.trained_s >= self.last_cost / budget

    def trained(self, seconds: float) -> None:
        """A training step took ``seconds``."""
        self.trained_s += seconds

    @contextmanager
    def timing(self, step: int):
        """Time the work done at ``step`` inside the block: its cost sets the next one's wait."""
        self.last_step = step
        started = self.clock()
        try:
            yield
        finally:
            self.last_cost = self.clock() - started
            self.trained_s = 0.0

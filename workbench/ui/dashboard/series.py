"""Growing (step, value) buffers and a step-aware moving average, with no Qt in them.

A live run appends a few points thirty times a second and may reach 100k points, so each series
keeps numpy arrays that double when full (amortised O(1) appends, as in pyqtgraph's
``scrollingPlots.py``) and hands out views of the filled part for ``setData``.
"""

from __future__ import annotations

import numpy as np

# The widest exponent one vectorised block of the moving average may span: e**200 stays far
# inside float64 range. Accuracy does not suffer: the partial sum at a point holds only terms up
# to that point, so its rounding error scales with the point's own smoothed value.
_BLOCK_EXPONENT = 200.0


class GrowingSeries:
    """(step, value) pairs in arrays whose capacity doubles; steps are expected to increase."""

    def __init__(self, capacity: int = 256) -> None:
        self._x = np.empty(capacity, np.float64)
        self._y = np.empty(capacity, np.float64)
        self._size = 0
        self.revision = 0  # counts changes other than appends, so derived series know to redo

    def __len__(self) -> int:
        return self._size

    @property
    def x(self) -> np.ndarray:
        return self._x[: self._size]

    @property
    def y(self) -> np.ndarray:
        return self._y[: self._size]

    @property
    def last_x(self) -> float | None:
        return float(self._x[self._size - 1]) if self._size else None

    def extend(self, x, y) -> None:
        x = np.asarray(x, np.float64).ravel()
        y = np.asarray(y, np.float64).ravel()
        count = min(len(x), len(y))
        if count == 0:
            return
        self._reserve(self._size + count)
        self._x[self._size : self._size + count] = x[:count]
        self._y[self._size : self._size + count] = y[:count]
        self._size += count

    def append(self, x: float, y: float) -> None:
        self._reserve(self._size + 1)
        self._x[self._size] = x
        self._y[self._size] = y
        self._size += 1

    def truncate_after(self, step: float) -> None:
        """Forget the points after ``step`` (a run resumed from an earlier checkpoint)."""
        size = int(np.searchsorted(self.x, step, side="right"))
        if size < self._size:
            self._size = size
            self.revision += 1

    def clear(self) -> None:
        self._size = 0
        self.revision += 1

    def _reserve(self, size: int) -> None:
        if size <= len(self._x):
            return
        capacity = max(size, 2 * len(self._x))
        for name in ("_x", "_y"):
            grown = np.empty(capacity, np.float64)
            grown[: self._size] = getattr(self, name)[: self._size]
            setattr(self, name, grown)


def ema(steps: np.ndarray, values: np.ndarray, alpha: float, carry: tuple[float, float] | None = None) -> np.ndarray:
    """Exponential moving average that decays per *step*, not per point.

    s_i = b_i s_{i-1} + (1 - b_i) x_i with b_i = alpha ** (step_i - step_{i-1}), so a point that
    stands for the mean of k steps counts like k points of one step: a live run (a point per
    StepMetrics) and a saved run (a point per step) smooth alike. ``carry`` is (step, smoothed
    value) of the point before ``values``; without it the average starts at the first value.
    Values must be finite. Vectorised in blocks through the closed form
    s_i = a^{t_i} (s_0 + sum_j (1 - b_j) x_j a^{-t_j}), t measured in steps from the block start.
    """
    steps = np.asarray(steps, np.float64)
    values = np.asarray(values, np.float64)
    if alpha <= 0 or len(values) == 0:
        return values.copy()
    log_alpha = np.log(alpha)
    previous_step, smoothed = carry if carry is not None else (steps[0], values[0])
    gaps = np.diff(steps, prepend=previous_step).clip(min=0)
    elapsed = np.cumsum(gaps)  # steps since the carry point, non-decreasing
    keep = np.exp(log_alpha * gaps)
    weighted = (1 - keep) * values
    block_span = _BLOCK_EXPONENT / -log_alpha
    out = np.empty_like(values)
    start, origin = 0, 0.0
    while start < len(values):
        end = max(start + 1, int(np.searchsorted(elapsed, origin + block_span, side="right")))
        if end == start + 1:  # one point, possibly after a gap too wide for the closed form
            out[start] = keep[start] * smoothed + weighted[start]
        else:
            grow = np.exp(-log_alpha * (elapsed[start:end] - origin))
            out[start:end] = (smoothed + np.cumsum(weighted[start:end] * grow)) / grow
        smoothed, origin = out[end - 1], elapsed[end - 1]
        start = end
    return out


class SmoothedSeries:
    """The moving average of a GrowingSeries, extended incrementally as points arrive.

    Non-finite values (a loss that became NaN) are skipped by the average and come out as NaN,
    so a curve drawn with ``connect='finite'`` shows the gap.
    """

    def __init__(self, source: GrowingSeries) -> None:
        self._source = source
        self._out = GrowingSeries()
        self._alpha: float | None = None
        self._revision = source.revision
        self._carry: tuple[float, float] | None = None

    def values(self, alpha: float) -> np.ndarray:
        """The smoothed values, one per source point."""
        source = self._source
        done = len(self._out)
        if alpha != self._alpha or source.revision != self._revision:
            self._out.clear()
            self._alpha, self._revision, self._carry, done = alpha, source.revision, None, 0
        if done < len(source):
            self._extend(source.x[done:], source.y[done:], alpha)
        return self._out.y

    def _extend(self, steps: np.ndarray, values: np.ndarray, alpha: float) -> None:
        finite = np.isfinite(values)
        smoothed = np.full(len(values), np.nan)
        if finite.any():
            smoothed[finite] = ema(steps[finite], values[finite], alpha, self._carry)
            last = np.flatnonzero(finite)[-1]
            self._carry = (float(steps[last]), float(smoothed[last]))
        self._out.extend(steps, smoothed)

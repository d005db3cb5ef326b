"""What a live plot shows: from step 0 to a round number ahead of the data, and its values
widened to round numbers, instead of the data's exact extent.

Following the data exactly moves a plot's axes on nearly every redraw while a model trains (each
new step, each new lowest loss), and a moved axis costs pyqtgraph a new set of ticks, labels and
grid lines: half of a plot's paint (``benchmarks/dashboard_paint.py``). Widened to round numbers,
the axes hold still until the data cross one, as a chart recorder's page does.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QGraphicsItem

ROUND_STEPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)  # mantissas of the steps' end
ROUND_UNITS = (1.0, 2.0, 2.5, 5.0, 10.0)  # mantissas of the unit values are rounded to
UNITS_PER_SPAN = 5  # values are rounded to about a fifth of their span


def round_step_ceiling(step: float) -> float:
    """The smallest ``m × 10^k`` (m in ROUND_STEPS) at or above ``step``: 1,700 → 2,000."""
    if step <= 1:
        return 1.0
    power = 10.0 ** math.floor(math.log10(step))
    return next(m * power for m in ROUND_STEPS if m * power >= step * (1 - 1e-12))


def round_out(low: float, high: float) -> tuple[float, float]:
    """``low``–``high`` widened to multiples of a round unit near a fifth of the span:
    1.73–3.98 → 1.5–4.0. A zero span is left as it is."""
    span = high - low
    if not (math.isfinite(span) and span > 0):
        return low, high
    wanted = span / UNITS_PER_SPAN
    power = 10.0 ** math.floor(math.log10(wanted))
    unit = next(m * power for m in ROUND_UNITS if m * power >= wanted * (1 - 1e-12))
    return math.floor(low / unit + 1e-9) * unit, math.ceil(high / unit - 1e-9) * unit


class RoundExtent(pg.GraphicsObject):
    """An invisible item that a plot's auto-range includes: steps 0 to ``round_step_ceiling``
    of the last step, values ``round_out`` of the shown data (in view coordinates, so in
    decades on a log axis)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)
        self.steps: tuple[float, float] | None = None
        self.values: tuple[float, float] | None = None

    def follow(self, last_step: float | None, values: tuple[float, float] | None) -> None:
        steps = None if last_step is None else (0.0, round_step_ceiling(last_step))
        values = None if values is None else round_out(*values)
        if (steps, values) != (self.steps, self.values):
            self.steps, self.values = steps, values
            self.informViewBoundsChanged()

    def dataBounds(self, axis: int, frac: float = 1.0, orthoRange=None):
        return self.steps if axis == 0 else self.values

    def boundingRect(self) -> QRectF:
        return QRectF()

    def paint(self, painter, option, widget=None) -> None:
        pass


def shown_values(plot: pg.PlotItem) -> tuple[float, float] | None:
    """The extent of the visible data items' values in ``plot``, in view coordinates."""
    lows, highs = [], []
    for item in plot.listDataItems():
        if item.isVisible():
            low, high = item.dataBounds(1)
            if low is not None and high is not None and math.isfinite(low) and math.isfinite(high):
                lows.append(low)
                highs.append(high)
    return (min(lows), max(highs)) if lows else None

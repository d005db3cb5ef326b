"""The steps a live plot shows: from 0 to a round number ahead of the data, not to the last step.

Following the last step exactly moves every plot's step axis on every redraw, and a moved axis
costs pyqtgraph a new set of ticks, labels and grid lines (half of a plot's paint while
training: ``benchmarks/dashboard_paint.py``). Ending the range at the next round number keeps
the axis still until the data reach it, as an oscilloscope's or a chart recorder's page does.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QGraphicsItem

ROUND_STEPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)  # mantissas of the range's end


def round_step_ceiling(step: float) -> float:
    """The smallest ``m × 10^k`` (m in ROUND_STEPS) at or above ``step``: 1,700 → 2,000."""
    if step <= 1:
        return 1.0
    power = 10.0 ** math.floor(math.log10(step))
    return next(m * power for m in ROUND_STEPS if m * power >= step * (1 - 1e-12))


class StepExtent(pg.GraphicsObject):
    """An invisible item whose step bounds, 0 to ``round_step_ceiling(last step)``, a plot's
    auto-range includes; it has no bounds in y, so the data alone decide those."""

    def __init__(self) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)
        self.end: float | None = None

    def follow(self, last_step: float | None) -> None:
        end = None if last_step is None else round_step_ceiling(last_step)
        if end != self.end:
            self.end = end
            self.informViewBoundsChanged()

    def dataBounds(self, axis: int, frac: float = 1.0, orthoRange=None):
        return (0.0, self.end) if axis == 0 and self.end is not None else None

    def boundingRect(self) -> QRectF:
        return QRectF()

    def paint(self, painter, option, widget=None) -> None:
        pass

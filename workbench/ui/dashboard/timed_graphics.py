"""The dashboard's graphics view, which times its paints so that redraws can be paced by their cost."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import pyqtgraph as pg

SHOT_PAINTS_WITHIN_S = 0.25  # paints this soon after a shot are its cost (a moved axis follows in ~0.1 s)


class TimedGraphics(pg.GraphicsLayoutWidget):
    """Times its paints, so that redraws can be paced by their cost.

    ``shot_paint_s`` is what painting took in the SHOT_PAINTS_WITHIN_S after the last redraw
    (``expect_shot_paint``): the cost of that redraw on screen, which may come as more than one
    paint (the plot, then an axis that moved). A paint of the whole view (first show, resize,
    tab switch) is not counted, nor is one long after the shot (the user zooming, a tooltip).
    ``clock`` gives monotonic seconds: how long a paint took, and when the shot was.
    """

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        super().__init__()
        self._clock = clock
        self.last_paint_s = 0.0
        self.shot_paint_s = 0.0
        self._shot_at = -math.inf

    def expect_shot_paint(self) -> None:
        self.shot_paint_s = 0.0
        self._shot_at = self._clock()

    def paintEvent(self, event) -> None:
        started = self._clock()
        super().paintEvent(event)
        ended = self._clock()
        self.last_paint_s = ended - started
        after_shot = ended - self._shot_at <= SHOT_PAINTS_WITHIN_S
        if after_shot and event.rect() != self.viewport().rect():
            self.shot_paint_s += self.last_paint_s

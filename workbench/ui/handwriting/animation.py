"""The model's ink, drawn onto the pad as if being written: offsets to strokes, then a timed reveal.

The engine sends a line as (N, 3) rows (dx, dy, end_of_stroke) in pad ink units (see
``workbench.engine.events``). ``written_strokes`` adds the offsets up from a start
point into absolute strokes; ``InkAnimator`` hands out ever longer prefixes of them on a timer,
at a fixed number of points per second, so a long line takes proportionally longer, as writing
does; ``WrittenInkPlayer`` puts them on the pad as its overlay, having told the pad how far the
whole line reaches, so a line longer than the paper is fitted in view before its first point
and the view holds still while it is drawn in.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from ...engine.data.handwriting.strokes import offsets_to_strokes
from ...engine.events import HandwritingWritten
from .ink import strokes_bounds
from .pad import DrawingPad

DEFAULT_START = (40.0, 0.62)  # unprimed writing starts here: x in ink pixels, y as a fraction of the height
POINTS_PER_SECOND = 600.0  # IAM-OnDB pens sample at about 100 Hz: six times real speed
FRAME_MS = 16  # ~60 frames a second


def written_strokes(points: np.ndarray, start: tuple[float, float]) -> list[np.ndarray]:
    """Absolute strokes from (N, 3) ``points`` (dx, dy, end_of_stroke), the first offset taken from ``start``.

    Position i is ``start`` plus the offsets 0..i (Graves 2013, section 4: x_t is the offset from
    the previous pen position). A point whose end_of_stroke bit is set ends its stroke: the next
    offset is a pen-up move to the start of a new one.
    """
    rows = np.asarray(points, dtype=np.float64)
    if rows.ndim != 2 or rows.shape[1] != 3:
        raise ValueError(f"written points must be (N, 3) rows of (dx, dy, end_of_stroke), not shape {rows.shape}")
    if not np.isfinite(rows).all():
        raise ValueError("the written points hold NaN or infinite offsets")
    origin = np.asarray(start, dtype=np.float64)
    return [(stroke + origin).astype(np.float32) for stroke in offsets_to_strokes(rows)]


def written_summary(event: HandwritingWritten) -> str:
    """One line on how the writing went: how long, and why it stopped (section 5.3's end test or the cap)."""
    points = f"Wrote {len(event.points)} points"
    if event.stopped:
        return f"{points}; stopped at the end of the text"
    if event.text:
        return f"{points}; stopped at the length limit before the end of the text"
    return f"{points}; stopped at the length limit"


class InkAnimator(QObject):
    """Reveals strokes point by point at ``points_per_second``, by ``clock`` (seconds), and at least a
    point a frame; ``finish`` shows the rest at once."""

    progressed = Signal(int, int)  # points shown, points in all
    finished = Signal()

    def __init__(
        self,
        points_per_second: float = POINTS_PER_SECOND,
        parent: QObject | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self.points_per_second = points_per_second
        self.clock = clock
        self._strokes: list[np.ndarray] = []
        self._stroke_ends = np.zeros(0, dtype=np.int64)  # cumulative point counts, one per stroke
        self._shown = 0
        self._started = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._on_frame)

    @property
    def total(self) -> int:
        return int(self._stroke_ends[-1]) if len(self._stroke_ends) else 0

    @property
    def shown(self) -> int:
        return self._shown

    def is_running(self) -> bool:
        return self._timer.isActive()

    def start(self, strokes: list[np.ndarray]) -> None:
        """Begin revealing ``strokes`` from their first point; the first frame comes from the timer."""
        self._strokes = list(strokes)
        self._stroke_ends = np.cumsum([len(stroke) for stroke in self._strokes], dtype=np.int64)
        self._shown = 0
        self._started = self.clock()
        self._timer.start()

    def stop(self) -> None:
        """Stop where it is, without ``finished``."""
        self._timer.stop()

    def finish(self) -> None:
        """Show every point now."""
        if self._timer.isActive():
            self._advance_to(self.total)

    def strokes_until(self, count: int) -> list[np.ndarray]:
        """The first ``count`` points, cut into the strokes they belong to."""
        whole = int(np.searchsorted(self._stroke_ends, count, side="right"))
        strokes = self._strokes[:whole]
        done = int(self._stroke_ends[whole - 1]) if whole else 0
        if whole < len(self._strokes) and count > done:
            strokes.append(self._strokes[whole][: count - done])
        return strokes

    def _on_frame(self) -> None:
        due = int((self.clock() - self._started) * self.points_per_second)
        self._advance_to(min(max(due, self._shown + 1), self.total))

    def _advance_to(self, count: int) -> None:
        self._shown = count
        self.progressed.emit(count, self.total)
        if count >= self.total:
            self._timer.stop()
            self.finished.emit()


class WrittenInkPlayer(QObject):
    """The model's last line, drawn onto ``pad`` as its overlay while ``animator`` reveals it."""

    def __init__(self, pad: DrawingPad, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pad = pad
        self.animator = InkAnimator(parent=self)
        self.animator.progressed.connect(self._on_progressed)
        self.event: HandwritingWritten | None = None
        self.strokes: list[np.ndarray] = []  # the whole line, absolute

    def start_point(self, primed: bool, primer_end: np.ndarray | None) -> tuple[float, float]:
        """Where the first offset starts: the primer's last point (the pad's, if none was sent), else the default."""
        if primed and primer_end is None and not self.pad.is_empty():
            primer_end = self.pad.strokes()[-1][-1]
        if primed and primer_end is not None:
            return float(primer_end[0]), float(primer_end[1])
        return DEFAULT_START[0], DEFAULT_START[1] * self.pad.canvas_size[1]

    def play(self, event: HandwritingWritten, primer_end: np.ndarray | None) -> int:
        """Start drawing ``event``'s line in; return its number of points. ValueError for malformed points."""
        strokes = written_strokes(event.points, self.start_point(event.primed, primer_end))
        self.animator.stop()
        self.event, self.strokes = event, strokes
        self.pad.set_overlay_strokes([])
        self.pad.set_overlay_extent(strokes_bounds(strokes))
        if strokes:
            self.animator.start(strokes)
        return self.animator.total if strokes else 0

    def clear(self) -> None:
        self.animator.stop()
        self.event, self.strokes = None, []
        self.pad.set_overlay_strokes([])
        self.pad.set_overlay_extent(None)

    def _on_progressed(self, shown: int, total: int) -> None:
        self.pad.set_overlay_strokes(self.animator.strokes_until(shown))

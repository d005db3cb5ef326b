"""Predict as I draw: where the model expects the pen next, asked again as the ink changes.

The asking is throttled to one request in flight: the next is sent only when the answer to the
last arrives (``show`` or ``answered``), and only the newest ink waits meanwhile, so a slow model
lags behind the pen but never queues work up.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, QPointF, QRectF, Signal
from PySide6.QtWidgets import QCheckBox

from ...engine.events import NextPointDensity
from .engine_requests import DensityRequest, Strokes, copied_strokes
from .pad import DrawingPad


class DensityFollower(QObject):
    """Follows the pen on ``pad`` with density requests while ``predict_check`` is ticked and a model is ready."""

    requested = Signal(object)  # DensityRequest

    def __init__(
        self, pad: DrawingPad, predict_check: QCheckBox, ink_text: Callable[[], str], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.pad = pad
        self.predict_check = predict_check
        self.ink_text = ink_text  # what the ink says, as typed
        self.model_ready = False  # a model is there to answer
        self._pen_path: list[tuple[float, float]] = []  # the stroke being drawn, from penMoved
        self._in_flight = False  # a request is unanswered
        self._stale = False  # the ink changed since that request
        self._at: QPointF | None = None  # the last pen position of the ink asked about
        pad.penMoved.connect(self._on_pen_moved)
        pad.strokeFinished.connect(self._on_stroke_finished)
        pad.inkChanged.connect(self._on_ink_changed)
        predict_check.toggled.connect(self._on_predict_toggled)

    @property
    def pending(self) -> bool:
        """Whether a request is unanswered."""
        return self._in_flight

    def model_changed(self, ready: bool) -> None:
        """Another model (or none): an answer for the old one may never come."""
        self._in_flight = self._stale = False
        self.model_ready = ready

    def ask(self) -> None:
        """Ask about the ink now, or, with an answer outstanding, once it comes (with the ink as it is then)."""
        if not self.predict_check.isChecked() or not self.model_ready:
            return
        if self._in_flight:
            self._stale = True
            return
        ink = self._current_ink()
        if not ink:
            self._show_none()
            return
        self._in_flight, self._stale = True, False
        self._at = QPointF(*ink[-1][-1].tolist())
        self.requested.emit(DensityRequest(ink, self.ink_text(), bool(self._pen_path)))

    def show(self, event: NextPointDensity) -> None:
        """Show where the model expects the pen next (over ``event.rect``) and its chance of lifting."""
        if self.predict_check.isChecked():
            self.pad.set_density_image(event.image, QRectF(*event.rect))
            self.pad.set_end_of_stroke_probability(event.end_of_stroke, at=self._at)
        self.answered()

    def answered(self) -> None:
        """The last request was answered (or failed): ask about the newest ink, if it changed meanwhile."""
        self._in_flight = False
        if self._stale:
            self.ask()

    def _current_ink(self) -> Strokes:
        """The finished strokes plus the one being drawn (tracked from penMoved: the pad keeps it private)."""
        strokes = copied_strokes(self.pad.strokes())
        if self._pen_path:
            strokes += (np.array(self._pen_path, dtype=np.float32),)
        return strokes

    def _on_pen_moved(self, point: QPointF) -> None:
        if not self.pad.is_drawing():
            self._pen_path = []
            return
        self._pen_path.append((point.x(), point.y()))
        self.ask()

    def _on_stroke_finished(self, index: int) -> None:
        self._pen_path = []  # now among pad.strokes(); inkChanged follows and asks

    def _on_ink_changed(self) -> None:
        if not self.pad.is_drawing():
            self._pen_path = []
        self.ask()

    def _on_predict_toggled(self, checked: bool) -> None:
        if checked:
            self.ask()
        else:
            self._stale = False
            self._show_none()

    def _show_none(self) -> None:
        self.pad.set_density_image(None)
        self.pad.set_end_of_stroke_probability(None)

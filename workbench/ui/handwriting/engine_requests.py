"""What the Handwriting tab asks of the engine: plain data the worker thread may read while the user
goes on drawing (the strokes are copies, never the pad's own)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Strokes = tuple[np.ndarray, ...]


@dataclass(frozen=True, eq=False)
class WriteRequest:
    """What the user asked the model to write."""

    text: str  # the text to write; "" for a prediction model, which reads none
    bias: float  # sampling bias b (Graves section 5.4): 0 is the model's own spread
    primer: Strokes  # the pad's ink, absolute (n, 2) float32 strokes; () when not priming
    primer_text: str  # what the primer ink says (a synthesis model reads it before ``text``)


@dataclass(frozen=True)
class DensityRequest:
    """Where will the pen go next, after this ink?"""

    strokes: Strokes  # the ink so far, the stroke being drawn last
    text: str  # what the ink says, if typed (a synthesis model reads it)
    pen_down: bool  # the last stroke is still being drawn: its last point is no lift


def copied_strokes(strokes) -> Strokes:
    """``strokes`` as float32 arrays of their own."""
    return tuple(np.array(stroke, dtype=np.float32) for stroke in strokes)

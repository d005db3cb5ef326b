"""What the engine tells a view about handwriting: frozen, CPU numpy copies, in pad ink units.

Ink units are the drawing pad's: pixels of its canvas, x to the right, y down. The engine turns
the model's normalised offsets into these (scaled like the primer when there is one), so a view
only adds offsets up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class HandwritingWritten:
    """A line the model wrote, point by point, with what it looked at while writing."""

    text: str  # what it was asked to write ("" for the prediction network)
    bias: float  # sampling bias b (Graves section 5.4)
    points: np.ndarray  # (N, 3) float32 (dx, dy, end_of_stroke), dx/dy in ink units
    mixture_weights: np.ndarray  # (N, M) float32 π of the mixture for each written point
    phi: np.ndarray | None  # (N, U) float32 window weights over the characters of ``text``; synthesis only
    primed: bool  # the first offset continues from the last point of the primer ink
    stopped: bool  # True: the window passed the last character; False: the length cap was hit


@dataclass(frozen=True, eq=False)
class NextPointDensity:
    """Where the pen goes next, by the model, after the ink drawn so far."""

    image: np.ndarray  # (H, W) float32 density over the rectangle below, row 0 at y0
    rect: tuple[float, float, float, float]  # (x0, y0, width, height) in ink units
    end_of_stroke: float  # probability that the pen lifts after the last point

"""Pen strokes as Graves' offset sequences, their normalisation, and the slant of the writing.

Graves (2013), section 4.1: each point is ``(dx, dy, end_of_stroke)``, the pen's move from the
previous point and whether the pen lifts after it. The y axis points down (screen convention, as
a drawing pad or IAM-OnDB gives it), x to the right.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...common.errors import DataError

DEFAULT_CLIP = 50.0  # standard deviations; see StrokeStats
SLANT_CHORD_STEPS = 4  # slant is read from chords over this many points (after a 3-point average)
SLANT_MIN_STRAIGHTNESS = 0.98  # chord length over the path it spans: curves (loops, bowls) are ignored
SLANT_MAX_LEAN = 70.0  # degrees from vertical; flatter chords (connectors, loops' tops) are ignored
SLANT_BLUR = 4.0  # degrees: the width of the Gaussian that smooths the angle histogram
SLANT_REFINE = 12.0  # degrees either side of the histogram's peak that the final mean uses


@dataclass(frozen=True, eq=False)
class StrokeSample:
    """One line of handwriting.

    Loaders put the line's first point at the origin, so its first row is ``(0, 0, eos)``.
    """

    points: np.ndarray  # (N, 3) float32 rows (dx, dy, end_of_stroke); eos is 1.0 on a stroke's last point
    text: str = ""  # the transcription, empty when unknown
    writer: str = ""  # who wrote it: an IAM form id, or a synthetic writer's name


def strokes_to_offsets(strokes: Sequence[np.ndarray]) -> np.ndarray:
    """Absolute pen paths, each ``(n_i, 2)``, as ``(N, 3)`` float32 offsets; empty paths are skipped."""
    paths = [np.asarray(path, np.float64).reshape(-1, 2) for path in strokes]
    paths = [path for path in paths if len(path)]
    if not paths:
        return np.zeros((0, 3), np.float32)
    positions = np.concatenate(paths)
    points = np.zeros((len(positions), 3), np.float32)
    points[:, :2] = np.diff(positions, axis=0, prepend=np.zeros((1, 2)))
    points[np.cumsum([len(path) for path in paths]) - 1, 2] = 1.0
    return points


def offsets_to_strokes(points: np.ndarray) -> list[np.ndarray]:
    """The inverse of ``strokes_to_offsets``: absolute ``(n_i, 2)`` float64 paths.

    Points after the last end-of-stroke form a final, unfinished stroke.
    """
    points = np.asarray(points, np.float64).reshape(-1, 3)
    positions = np.cumsum(points[:, :2], axis=0)
    ends = np.flatnonzero(points[:, 2] > 0.5) + 1
    return [path for path in np.split(positions, ends) if len(path)]


@dataclass(frozen=True)
class StrokeStats:
    """Mean and standard deviation of the offsets, for Graves' normalisation to mean 0, std 1.

    ``clip`` bounds a normalised offset. In the synthetic set the largest moves, the pen going
    back over a long word to dot its i's, reach about 40 standard deviations; tablet data such as
    IAM-OnDB can have rare jumps far larger (the pen landing far away, a misread point) that would
    dominate the loss. 50 keeps every real move and cuts only those.
    """

    mean: tuple[float, float]  # of (dx, dy)
    std: tuple[float, float]  # of (dx, dy)
    clip: float = DEFAULT_CLIP

    @classmethod
    def fit(cls, samples: Sequence[StrokeSample], clip: float = DEFAULT_CLIP) -> StrokeStats:
        """Statistics over every point of every sample."""
        offsets = np.concatenate([sample.points[:, :2] for sample in samples] or [np.zeros((0, 2))])
        if len(offsets) < 2:
            raise DataError("the handwriting data has fewer than 2 points, too few to normalise.")
        std = offsets.std(axis=0, dtype=np.float64)
        if not (std > 0).all():
            raise DataError("the handwriting data never moves the pen in x or in y.")
        if not clip > 0:
            raise DataError(f"the clip for normalised offsets must be positive, not {clip}.")
        mean = offsets.mean(axis=0, dtype=np.float64)
        return cls((float(mean[0]), float(mean[1])), (float(std[0]), float(std[1])), float(clip))

    def normalise(self, points: np.ndarray) -> np.ndarray:
        """A float32 copy with dx, dy standardised and clipped to ``±clip``; eos untouched."""
        out = np.array(points, np.float32, copy=True)
        out[:, :2] = np.clip((out[:, :2] - self.mean) / self.std, -self.clip, self.clip)
        return out

    def denormalise(self, points: np.ndarray) -> np.ndarray:
        """A float32 copy in the original units (clipped offsets stay clipped)."""
        out = np.array(points, np.float32, copy=True)
        out[:, :2] = out[:, :2] * np.float32(self.std) + np.float32(self.mean)
        return out

    def to_json(self) -> dict[str, Any]:
        return {"mean": list(self.mean), "std": list(self.std), "clip": self.clip}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StrokeStats:
        try:
            mean = tuple(float(value) for value in data["mean"])
            std = tuple(float(value) for value in data["std"])
            clip = float(data["clip"])
        except (KeyError, TypeError, ValueError) as error:
            raise DataError(f"the stored stroke statistics are damaged ({error!r}).") from None
        if len(mean) != 2 or len(std) != 2 or not (min(std) > 0 and clip > 0):
            raise DataError("the stored stroke statistics are damaged (bad sizes or values).")
        return cls((mean[0], mean[1]), (std[0], std[1]), clip)


def slant_degrees(points: np.ndarray) -> float:
    """The dominant slant of the writing, in degrees from vertical, positive leaning right.

    Pass offsets in their original units: normalising scales x and y differently and bends
    angles. Straight chords of the pen-down strokes moving down (the down-strokes carry the slant;
    joins go up) vote for their lean, weighted by length. The peak of the blurred histogram of
    votes is their common lean, refined by the weighted mean of the votes near it. Returns nan
    when the writing has no straight, near-vertical down-stroke.

    On synthetic lines it is within 2.5 degrees of the writer's slant on average, but a short
    line with few tall letters can be off by 10 or more: compare medians over several lines.
    """
    leans, weights = _down_stroke_leans(offsets_to_strokes(points))
    if not weights.sum() > 0:
        return float("nan")
    bins = np.arange(-SLANT_MAX_LEAN, SLANT_MAX_LEAN + 1.0)
    histogram = np.bincount(np.rint(leans - bins[0]).astype(np.int64), weights, len(bins))
    kernel_x = np.arange(-3 * SLANT_BLUR, 3 * SLANT_BLUR + 1)
    blurred = np.convolve(histogram, np.exp(-0.5 * (kernel_x / SLANT_BLUR) ** 2), mode="same")
    peak = bins[int(np.argmax(blurred))]
    near = np.abs(leans - peak) <= SLANT_REFINE
    return float(np.average(leans[near], weights=weights[near]))


def _down_stroke_leans(strokes: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Lean from vertical (degrees) and length of the strokes' straight, near-vertical down chords."""
    steps = SLANT_CHORD_STEPS
    chords, straightness = [], []
    for path in strokes:
        if len(path) > steps:
            path = (np.concatenate([path[:1], path[:-1]]) + path + np.concatenate([path[1:], path[-1:]])) / 3  # denoise
            chord = path[steps:] - path[:-steps]
            travelled = np.convolve(np.hypot(*np.diff(path, axis=0).T), np.ones(steps), mode="valid")
            chords.append(chord)
            straightness.append(np.hypot(*chord.T) / np.maximum(travelled, 1e-12))
    if not chords:
        return np.zeros(0), np.zeros(0)
    chord, straight = np.concatenate(chords), np.concatenate(straightness)
    leans = np.degrees(np.arctan2(-chord[:, 0], chord[:, 1]))
    kept = (chord[:, 1] > 0) & (straight >= SLANT_MIN_STRAIGHTNESS) & (np.abs(leans) < SLANT_MAX_LEAN)
    return leans[kept], np.hypot(*chord[kept].T)


def line_height(points: np.ndarray) -> float:
    """Height of the ink of a line of offsets (N, 3)."""
    y = np.cumsum(np.asarray(points, np.float64)[:, 1])
    return float(y.max() - y.min()) if len(y) else 0.0


def pen_step(points: np.ndarray) -> float:
    """Mean length of the moves made with the pen down (the point spacing of a line)."""
    points = np.asarray(points, np.float64)
    down = np.ones(len(points), bool)
    down[0] = False
    down[1:] = points[:-1, 2] < 0.5  # a move after a pen lift is a jump, not a drawn segment
    lengths = np.hypot(points[down, 0], points[down, 1])
    return float(lengths.mean()) if len(lengths) else 0.0

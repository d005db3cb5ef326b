"""Writing with a trained handwriting model, in the drawing pad's ink units.

A primer drawn on the pad is not in the units the model learned: its size and its point spacing
come from the screen and the mouse. Before the model reads it, the primer is scaled so that its
height matches the training lines' median height, and resampled to their mean pen step; what
the model then writes is scaled back by the same factor, so the continuation comes out at the
size of the primer. Without a primer, DEFAULT_LINE_HEIGHT ink units stand for the median line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..errors import WorkbenchError
from .corpus import Geometry, StrokeCorpus
from .events import HandwritingWritten
from .model import HandwritingPrediction, HandwritingSynthesis
from .networks import generate
from .strokes import line_height, strokes_to_offsets

DEFAULT_LINE_HEIGHT = 90.0  # ink units (pad pixels) that a median training line's height becomes
MAX_POINTS_PER_CHARACTER = 40  # the length cap: far more than any hand needs for a letter
MAX_POINTS = 1500  # the length cap of a prediction network, which has no text to finish


@dataclass(frozen=True)
class Primer:
    """The user's own ink, and what it says (a synthesis network needs the words)."""

    strokes: tuple[np.ndarray, ...]  # absolute (n, 2) paths in ink units, in drawing order
    text: str = ""


def resample(stroke: np.ndarray, spacing: float) -> np.ndarray:
    """Points every ``spacing`` along a path (its ends kept), so any pen speed reads the same."""
    stroke = np.asarray(stroke, np.float64).reshape(-1, 2)
    if len(stroke) < 2:
        return stroke
    along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(stroke, axis=0).T))])
    if along[-1] <= spacing:
        return stroke[[0, -1]]
    stations = np.append(np.arange(0.0, along[-1], spacing), along[-1])
    return np.column_stack([np.interp(stations, along, stroke[:, 0]), np.interp(stations, along, stroke[:, 1])])


def primer_offsets(primer: Primer, geometry: Geometry) -> tuple[np.ndarray, float]:
    """The primer as offsets in training units, and the ink units per training unit."""
    offsets = strokes_to_offsets(primer.strokes)
    height = line_height(offsets)
    if len(offsets) < 2 or height <= 0:
        raise WorkbenchError("the ink is too small to write from: draw at least a few letters")
    scale = height / geometry.line_height  # ink units per training unit
    resampled = [resample(stroke, geometry.pen_step * scale) for stroke in primer.strokes if len(stroke)]
    points = strokes_to_offsets(resampled)
    points[:, :2] /= scale
    points[0, :2] = 0.0  # the model reads moves; where the first point lies does not matter
    return points, scale


def write(
    model: HandwritingPrediction | HandwritingSynthesis,
    corpus: StrokeCorpus,
    text: str = "",
    bias: float = 0.0,
    primer: Primer | None = None,
    seed: int | None = None,
) -> HandwritingWritten:
    """Write ``text`` (synthesis) or write on (prediction), primed with ``primer`` if given.

    Returns offsets in ink units; with a primer the first one moves on from its last point.
    """
    synthesis = isinstance(model, HandwritingSynthesis)
    if synthesis and not text.strip():
        raise WorkbenchError("type the text to write")
    if synthesis and primer is not None and not primer.text.strip():
        raise WorkbenchError("type what your ink says, so the model can read along while it looks at it")
    geometry = corpus.geometry
    device = next(model.parameters()).device
    primer_points, scale = None, DEFAULT_LINE_HEIGHT / geometry.line_height
    if primer is not None:
        primer_points, scale = primer_offsets(primer, geometry)
        primer_points = torch.from_numpy(corpus.normalisation.normalise(primer_points)).to(device)
    generator = torch.Generator(device="cpu")
    if seed is None:
        generator.seed()  # fresh, without touching the global generator training draws from
    else:
        generator.manual_seed(seed)
    ids = primer_ids = None
    if synthesis:
        ids = torch.from_numpy(corpus.vocab.encode(text))
        if primer is not None:
            primer_ids = torch.from_numpy(corpus.vocab.encode(primer.text.rstrip() + " "))
    steps_max = MAX_POINTS_PER_CHARACTER * max(len(text), 1) if synthesis else MAX_POINTS
    written = generate(
        model, steps_max, bias=bias, generator=generator, primer=primer_points, text=ids, primer_text=primer_ids
    )
    points = corpus.normalisation.denormalise(written.points)
    points[:, :2] *= scale
    return HandwritingWritten(
        text=text if synthesis else "",
        bias=bias,
        points=points.astype(np.float32),
        mixture_weights=written.mixtures.log_pi[0].exp().numpy().astype(np.float32),
        phi=_text_window(written.phi, primer_ids, len(text)),
        primed=primer is not None,
        stopped=written.stopped,
    )


def _text_window(phi: np.ndarray | None, primer_ids: torch.Tensor | None, letters: int) -> np.ndarray | None:
    """The window's weights over the characters of the text asked for (not the primer's)."""
    if phi is None:
        return None
    skip = 0 if primer_ids is None else len(primer_ids)
    return np.ascontiguousarray(phi[:, skip : skip + letters], dtype=np.float32)

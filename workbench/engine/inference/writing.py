"""Writing with a trained handwriting model, in the drawing pad's ink units.

A primer drawn on the pad is not in the units the model learned: its size and its point spacing
come from the screen and the mouse. Before the model reads it, the primer is scaled so that its
height matches the training lines' median height, and resampled to their mean pen step; what
the model then writes is scaled back by the same factor, so the continuation comes out at the
size of the primer. Without a primer, DEFAULT_LINE_HEIGHT ink units stand for the median line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ..common.errors import WorkbenchError
from ..data.handwriting.corpus import USER_WRITER, Geometry, StrokeCorpus
from ..data.handwriting.stroke_batches import START_POINT
from ..data.handwriting.strokes import StrokeSample, line_height, strokes_to_offsets
from ..events import HandwritingWritten, NextPointDensity
from ..model.handwriting.mixture import MixtureParams, mixture_density_grid
from ..model.handwriting.model import HandwritingPrediction, HandwritingSynthesis
from ..model.handwriting.networks import advancer, generate
from ..model.inference_mode import inference

DEFAULT_LINE_HEIGHT = 90.0  # ink units (pad pixels) that a median training line's height becomes
MAX_POINTS_PER_CHARACTER = 40  # the length cap: far more than any hand needs for a letter
MAX_POINTS = 1500  # the length cap of a prediction network, which has no text to finish
DENSITY_GRID = 48  # cells a side of the next-point density image
MIN_MEASURED_HEIGHT = DEFAULT_LINE_HEIGHT / 3  # ink units: lower ink is read at the default size
MAX_PRIMER_POINTS = 5000  # a primer resampled to more points than this is too flat or too long to read
DENSITY_MIN_COMPONENT = 0.01  # mixture components lighter than this do not widen the density's frame
MAX_BIAS = 10.0  # sampling bias at most: past e^-10 the spreads add no neatness, and exp(-bias) underflows


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


def primer_offsets(primer: Primer, geometry: Geometry, scale: float | None = None) -> tuple[np.ndarray, float]:
    """The primer as offsets in training units, and the ink units per training unit.

    ``scale`` (ink units per training unit) is measured from the ink's height unless given.
    """
    if scale is None:
        offsets = strokes_to_offsets(primer.strokes)
        height = line_height(offsets)
        if len(offsets) < 2 or height <= 0:
            raise WorkbenchError("the ink is too small to write from: draw at least a few letters")
        scale = height / geometry.line_height
    spacing = geometry.pen_step * scale
    drawn = sum(float(np.hypot(*np.diff(np.reshape(stroke, (-1, 2)), axis=0).T).sum()) for stroke in primer.strokes)
    if drawn / spacing > MAX_PRIMER_POINTS:  # checked before resampling: a flat line would make millions
        raise WorkbenchError("the ink is too flat or too long to read: write a few words, letters of some height")
    resampled = [resample(stroke, spacing) for stroke in primer.strokes if len(stroke)]
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
    if not (math.isfinite(bias) and 0 <= bias <= MAX_BIAS):
        raise WorkbenchError(f"the bias must be a number from 0 to {MAX_BIAS:g}, not {bias}")
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


def user_line(corpus: StrokeCorpus, strokes: tuple[np.ndarray, ...], text: str) -> StrokeSample:
    """A line drawn on the pad as a training line: at the training lines' size and pen step."""
    if not text.strip():
        raise WorkbenchError("type what your ink says: a line joins the training data with its text")
    points, _ = primer_offsets(Primer(tuple(strokes), text), corpus.geometry)
    return StrokeSample(points.astype(np.float32), text.strip(), USER_WRITER)


def next_point_density(
    model: HandwritingPrediction | HandwritingSynthesis,
    corpus: StrokeCorpus,
    strokes: tuple[np.ndarray, ...],
    text: str = "",
    pen_down: bool = False,
) -> NextPointDensity:
    """Where the model expects the pen next, after reading ``strokes`` (ink units, the pen's stroke last).

    The density is p(Δx, Δy) of eq. 23 for the next offset, moved to the last point and
    converted to ink units: per square ink unit, so that it sums to about 1 over the frame, which
    spans the heavier components' means ± 3σ. ``pen_down``: the last stroke is still being drawn,
    so its last point is no end of stroke. A synthesis network reads ``text`` (what the ink says,
    if typed) through its window. Ink too small to measure its size by (a first dot, the start of
    a line before any tall letter) is read at the default size.
    """
    geometry = corpus.geometry
    offsets = strokes_to_offsets(strokes)
    if not len(offsets):
        raise WorkbenchError("there is no ink to predict from")
    measured = line_height(offsets) >= MIN_MEASURED_HEIGHT
    default = DEFAULT_LINE_HEIGHT / geometry.line_height
    points, scale = primer_offsets(Primer(tuple(strokes), text), geometry, None if measured else default)
    if pen_down:
        points[-1, 2] = 0.0
    params = _last_distribution(model, corpus, points, text)  # fields (M, ...) in normalised units
    std = np.asarray(corpus.normalisation.std) * scale  # ink units per normalised unit, (2,)
    mean = np.asarray(corpus.normalisation.mean) * scale  # ink units, (2,)
    mu = params.mu.numpy() * std + mean  # (M, 2) ink offsets
    sigma = np.exp(params.log_sigma.numpy()) * std  # (M, 2)
    heavy = params.log_pi.exp().numpy() >= DENSITY_MIN_COMPONENT
    low = (mu - 3 * sigma)[heavy].min(axis=0)
    high = (mu + 3 * sigma)[heavy].max(axis=0)
    xs = np.linspace(low[0], high[0], DENSITY_GRID)  # cell centres, ink offsets
    ys = np.linspace(low[1], high[1], DENSITY_GRID)
    density = mixture_density_grid(params, (xs - mean[0]) / std[0], (ys - mean[1]) / std[1])
    density /= std[0] * std[1]  # per square normalised unit -> per square ink unit
    cell = (high - low) / (DENSITY_GRID - 1)
    end = np.asarray(strokes[-1], np.float64).reshape(-1, 2)[-1]
    x0, y0 = end + low - cell / 2  # the image's corner: its cells are centred on xs, ys
    return NextPointDensity(
        image=density.astype(np.float32),
        rect=(float(x0), float(y0), float(cell[0] * DENSITY_GRID), float(cell[1] * DENSITY_GRID)),
        end_of_stroke=float(torch.sigmoid(params.eos_logit)),
    )


def _last_distribution(
    model: HandwritingPrediction | HandwritingSynthesis, corpus: StrokeCorpus, points: np.ndarray, text: str
) -> MixtureParams:
    """The model's distribution of the point after ``points`` (training units), fields (M, ...) on the CPU."""
    device = next(model.parameters()).device
    inputs = np.concatenate([np.asarray([START_POINT], np.float32), corpus.normalisation.normalise(points)])
    batch = torch.from_numpy(inputs.astype(np.float32)).to(device)[None]  # (1, 1 + P, 3)
    ids = None  # a prediction network reads no text
    if isinstance(model, HandwritingSynthesis):
        ids = torch.from_numpy(corpus.vocab.encode(text.strip() or " "))
    with inference(model):
        params, _, _ = advancer(model, None, ids, None)(batch, None)
    return params.map(lambda x: x[0, -1].cpu().double())

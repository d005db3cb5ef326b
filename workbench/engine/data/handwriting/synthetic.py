"""The built-in handwriting set: lines written from Hershey script faces in made-up writers' hands.

Each writer has one style drawn at random (slant, letter width, size, spacing, how often letters
join, baseline drift, pen jitter, smoothing and pen speed) and writes several lines in it, so a
model primed with a few of a writer's lines has something to infer.

Units: the x-height (a lower-case ``x``) is ``WriterStyle.size`` units, 12 to 22, and the pen
is sampled every ``pen_step`` units, 0.2 to 0.28 of the x-height, roughly a tablet's
density: pen-down moves are 3 to 6 units and a line of 2 to 6 words has 100 to 1,000 points,
about 440 on average. The y axis points down, as in the Hershey glyph data (``HersheyFonts``
flips it only when asked to ``normalize_rendering``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from HersheyFonts import HersheyFonts

from ...common.errors import DataError
from .strokes import StrokeSample, slant_degrees, strokes_to_offsets

FACES = ("scripts", "cursive")  # single-line script faces; "scriptc" draws doubled lines
FONT_BASE_LINE = 9  # font units: glyph y of the base line (y grows down)
FONT_X_HEIGHT = 9  # font units from the base line up to the top of an ``x``
JOIN_WITHIN_LETTER = 20.0  # font units: a lower-case letter's strokes join across gaps up to this
JOIN_BETWEEN_LETTERS = 10.0  # font units: letters join (at the writer's rate) across gaps up to this
LINES_PER_WRITER = 10  # when ``synthesize_corpus`` chooses the number of writers
SLANT_PANGRAM = "the quick brown fox jumps over the lazy dog"
NATIVE_SLANT_STEP = 1.5  # font units between points when measuring a face's own slant
WORDS = tuple(
    """
    a about above across after again against all almost along also always among an and animal
    another answer any are area around as ask at away back be became because become been before
    began begin behind being below best better between big bird black blue boat body book both
    box boy bring brother brown build but by call came can car care carry cat change child city
    class clear close cold colour come common could country course cut dark day deep did
    different do does dog done door down draw dream drive during each early earth east easy eat
    end enough even evening ever every eye face fact fall family far farm fast father feel feet
    few field find fine fire first fish five fly follow food foot for form four free friend from
    front full game gave get girl give go gold good got great green ground group grow had half
    hand happy hard has have he head hear heard heart help her here high him his hold home hope
    horse hot hour house how idea if in inside into is it its just keep kind king knew know land
    large last late laugh learn least leave left letter life light like line list little live
    long look lost love low made make man many map mark may me mean measure men might mile mind
    minute miss money moon more morning most mother mountain move much music must my name near
    need never new next night no north not nothing now number of off often old on once one only
    open or order other our out over own page paper part pass people perhaps picture piece place
    plain plan plant play point poor pull put quick quiet rain ran reach read ready real red
    remember rest right river road rock room round run said same sat saw say school sea second
    see seem self sell send sentence set several shall she ship short should show side simple
    since sing sit six size sleep slow small snow so some something song soon sound south space
    speak special spring stand star start still stood stop story street strong study such summer
    sun sure surface table take talk tall teacher tell ten than that the their them then there
    these they thing think this those though thought three through time to today together told
    too took top toward town travel tree true try turn two under until up upon us use very voice
    wait walk wall want warm was watch water way we week well went were west what wheel when
    where which while white who whole why wide wild will wind window winter wish with without
    woman wonder wood word work world would write wrote year yellow yes yet you young your
    """.split()
)


Piece = tuple[np.ndarray, float, float, float, float]  # a glyph stroke, its x and y scale, x and y shift


@dataclass(frozen=True)
class Glyph:
    """A character of a face, in font units with the base line at y = 0."""

    strokes: tuple[np.ndarray, ...]  # (n, 2) float64 pen paths, x from the left edge
    delayed: tuple[bool, ...]  # per stroke: an i-dot or t-cross, written after the word
    ends: tuple[tuple[float, float, float, float], ...]  # per stroke: first x, y and last x, y
    width: float  # advance to the next character


@dataclass(frozen=True)
class WriterStyle:
    """One writer's hand; every line they write uses it."""

    face: str  # a name in FACES
    slant: float  # degrees from vertical of the down-strokes, positive leaning right
    width: float  # horizontal stretch of each letter
    size: float  # x-height in output units
    letter_gap: float  # extra space between letters, in x-heights
    word_gap: float  # extra space between words, in x-heights
    joins: float  # chance that neighbouring letters close enough to join are joined
    drift: float  # amplitude of the base line's slow wave, in x-heights
    jitter: float  # pen noise, standard deviation in output units
    smoothing: int  # moving-average window (points, odd), how much corners round off
    pen_step: float  # output units between sampled points

    @classmethod
    def random(cls, rng: np.random.Generator) -> WriterStyle:
        size = float(rng.uniform(12.0, 22.0))
        return cls(
            face=FACES[int(rng.integers(len(FACES)))],
            slant=float(rng.uniform(-10.0, 35.0)),
            width=float(rng.uniform(0.75, 1.3)),
            size=size,
            letter_gap=float(rng.uniform(-0.05, 0.3)),
            word_gap=float(rng.uniform(0.2, 1.2)),
            joins=float(rng.uniform(0.4, 1.0)),
            drift=float(rng.uniform(0.0, 0.35)),
            jitter=float(rng.uniform(0.05, 0.4)),
            smoothing=int(rng.choice([1, 3, 5])),
            pen_step=size * float(rng.uniform(0.2, 0.28)),
        )


def write_line(text: str, style: WriterStyle, rng: np.random.Generator) -> StrokeSample:
    """``text`` in ``style``, with this line's own small variations drawn from ``rng``."""
    glyphs = _glyphs(style.face)
    missing = sorted(set(text) - set(glyphs))
    if missing:
        raise DataError(f"the handwriting face {style.face!r} has no glyph for {missing[0]!r}.")
    paths = _layout(text, glyphs, style, rng)
    if not paths:
        raise DataError(f"the line {text!r} has nothing to write.")
    points, lengths = _assemble(paths)
    points = _place(points, style, rng)
    points, lengths = _resample(points, lengths, style.pen_step * (1.0 + 0.05 * rng.standard_normal()))
    points = _smooth(points, lengths, style.smoothing)
    points += style.jitter * rng.standard_normal(points.shape)
    return StrokeSample(strokes_to_offsets(np.split(points - points[0], np.cumsum(lengths)[:-1])), text)


def synthesize_corpus(
    lines: int, seed: int = 0, writers: int | None = None, texts: Sequence[str] | None = None
) -> list[StrokeSample]:
    """``lines`` lines by ``writers`` writers (one per LINES_PER_WRITER lines when None).

    Line ``i`` is by writer ``i % writers`` and writes ``texts[i % len(texts)]``, or 2 to 6 words
    from WORDS when ``texts`` is None. The same arguments always give the same lines.
    """
    if lines < 1:
        raise DataError(f"a synthetic handwriting set needs at least 1 line, not {lines}.")
    writers = max(1, round(lines / LINES_PER_WRITER)) if writers is None else writers
    if writers < 1:
        raise DataError(f"a synthetic handwriting set needs at least 1 writer, not {writers}.")
    if texts is not None and not texts:
        raise DataError("the list of texts for synthetic handwriting is empty.")
    rng = np.random.default_rng(seed)
    styles = [WriterStyle.random(rng) for _ in range(writers)]
    samples = []
    for i in range(lines):
        text = _random_text(rng) if texts is None else texts[i % len(texts)]
        sample = write_line(text, styles[i % writers], rng)
        samples.append(StrokeSample(sample.points, text, f"synthetic-{i % writers:03d}"))
    return samples


def _random_text(rng: np.random.Generator) -> str:
    """2 to 6 words, sometimes capitalised, with the odd comma and full stop."""
    words = [WORDS[i] for i in rng.integers(len(WORDS), size=int(rng.integers(2, 7)))]
    if rng.random() < 0.3:
        words[0] = words[0].capitalize()
    if rng.random() < 0.15:
        words[int(rng.integers(len(words) - 1))] += ","
    return " ".join(words) + ("." if rng.random() < 0.25 else "")


@cache
def _glyphs(face: str) -> dict[str, Glyph]:
    if face not in FACES:
        raise DataError(f"there is no handwriting face {face!r}; the faces are {', '.join(FACES)}.")
    font = HersheyFonts()
    font.load_default_font(face)
    glyphs = {}
    for char, glyph in font.all_glyphs.items():
        strokes = tuple(np.array(stroke, np.float64) - (glyph.left_offset, FONT_BASE_LINE) for stroke in glyph.strokes)
        delayed = tuple(char.islower() and bool((stroke[:, 1] < -FONT_X_HEIGHT).all()) for stroke in strokes)
        ends = tuple((*map(float, stroke[0]), *map(float, stroke[-1])) for stroke in strokes)
        glyphs[char] = Glyph(strokes, delayed, ends, float(glyph.char_width))
    return glyphs


def _layout(text: str, glyphs: dict[str, Glyph], style: WriterStyle, rng: np.random.Generator) -> list[list[Piece]]:
    """Pen-down paths, each a list of placed glyph strokes, in the order a writer draws them.

    A word's i-dots and t-crosses come after its last letter. A letter's strokes join when they
    nearly meet; neighbouring letters join at the writer's rate when close enough.
    """
    count = len(text) + 1  # and the space that ends the last word
    scales = 1.0 + 0.04 * rng.standard_normal(count)  # each letter a little bigger or smaller
    lifts = 0.3 * rng.standard_normal(count)  # font units up or down off the base line
    advances = FONT_X_HEIGHT * (style.letter_gap + 0.03 * rng.standard_normal(count))
    joined = rng.random(count) < style.joins
    word_gaps = FONT_X_HEIGHT * style.word_gap * (1.0 + 0.2 * rng.standard_normal(count))
    paths: list[list[Piece]] = []
    delayed: list[list[Piece]] = []  # the current word's dots and crosses
    previous_end: tuple[float, float] | None = None  # where the word's last joinable stroke ended
    pen_x = 0.0
    for i, char in enumerate(text + " "):
        if char == " ":
            paths, delayed, previous_end = paths + delayed, [], None
            pen_x += glyphs[" "].width * style.width + word_gaps[i]
            continue
        glyph = glyphs[char]
        x_scale, y_scale, lift = scales[i] * style.width, scales[i], lifts[i]
        joins_previous = joined[i] and char.isalpha() and text[i - 1 : i].isalpha()
        reach = JOIN_BETWEEN_LETTERS * style.width + advances[i] if joins_previous else -1.0
        for stroke, is_delayed, (x0, y0, x1, y1) in zip(glyph.strokes, glyph.delayed, glyph.ends):
            piece = (stroke, x_scale, y_scale, pen_x, lift)
            if is_delayed:
                delayed.append([piece])
                continue
            start = (x0 * x_scale + pen_x, y0 * y_scale + lift)
            if previous_end is not None and math.dist(start, previous_end) <= reach:
                paths[-1].append(piece)
            else:
                paths.append([piece])
            previous_end = (x1 * x_scale + pen_x, y1 * y_scale + lift)
            reach = _reach_within(char) * style.width
        pen_x += glyph.width * x_scale + advances[i]
    return paths


def _assemble(paths: list[list[Piece]]) -> tuple[np.ndarray, np.ndarray]:
    """The paths' points in font units, one path after another, and the number in each path."""
    pieces = [piece for path in paths for piece in path]
    sizes = [len(piece[0]) for piece in pieces]
    placements = np.repeat([piece[1:] for piece in pieces], sizes, axis=0)
    points = np.concatenate([piece[0] for piece in pieces]) * placements[:, :2] + placements[:, 2:]
    return points, np.array([sum(len(piece[0]) for piece in path) for path in paths])


def _reach_within(char: str) -> float:
    """How far apart (font units) two strokes of ``char`` may be and still be written as one."""
    if char.islower():
        return JOIN_WITHIN_LETTER
    return JOIN_BETWEEN_LETTERS if char.isalpha() else -1.0


def _place(points: np.ndarray, style: WriterStyle, rng: np.random.Generator) -> np.ndarray:
    """Slant, let the base line wander and scale to output units: one transform for the line."""
    native = math.tan(math.radians(_native_slant(style.face)))
    shear = math.tan(math.radians(style.slant + 2.0 * rng.standard_normal())) - style.width * native
    period = FONT_X_HEIGHT * rng.uniform(8.0, 20.0)
    phase, tilt = rng.uniform(0.0, 2 * math.pi), 0.01 * rng.standard_normal()
    x, y = points[:, 0], points[:, 1]
    wave = style.drift * FONT_X_HEIGHT * np.sin(2 * math.pi * x / period + phase) + tilt * x
    return np.stack([x - shear * y, y + wave], axis=1) * (style.size / FONT_X_HEIGHT)


@cache
def _native_slant(face: str) -> float:
    """The face's own slant, measured as the writing is, which ``_place`` shears away."""
    glyphs = _glyphs(face)
    pen_x, paths = 0.0, []
    for char in SLANT_PANGRAM:
        paths += [stroke + (pen_x, 0.0) for stroke in glyphs[char].strokes]
        pen_x += glyphs[char].width
    lengths = np.array([len(path) for path in paths])
    points, lengths = _resample(np.concatenate(paths), lengths, NATIVE_SLANT_STEP)
    return slant_degrees(strokes_to_offsets(np.split(points, np.cumsum(lengths)[:-1])))


def _resample(points: np.ndarray, lengths: np.ndarray, step: float) -> tuple[np.ndarray, np.ndarray]:
    """Points every ``step`` or a little less along each path, ends kept; a dot becomes two points.

    ``points`` holds the paths one after another, ``lengths`` their sizes. All paths are
    resampled at once: a spacer of 1 between paths makes the distance travelled increase through
    the whole line, so one ``np.interp`` serves them all.
    """
    ends = np.cumsum(lengths)
    moves = np.hypot(*np.diff(points, axis=0).T)
    moves[ends[:-1] - 1] = 1.0  # the spacer between one path's end and the next path's start
    along = np.concatenate([[0.0], np.cumsum(moves)])
    first, last = along[ends - lengths], along[ends - 1]
    counts = np.maximum(2, np.ceil((last - first) / step).astype(np.int64) + 1)
    path = np.repeat(np.arange(len(lengths)), counts)
    fraction = (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)) / (counts[path] - 1)
    places = first[path] + (last - first)[path] * fraction
    resampled = np.stack([np.interp(places, along, points[:, k]) for k in range(2)], axis=1)
    return resampled, counts


def _smooth(points: np.ndarray, lengths: np.ndarray, window: int) -> np.ndarray:
    """A moving average over ``window`` points within each path, its ends repeated as padding."""
    if window <= 1:
        return points
    ends = np.cumsum(lengths)
    path = np.repeat(np.arange(len(lengths)), lengths)
    around = np.arange(len(points))[:, None] + np.arange(-(window // 2), window // 2 + 1)
    around = np.clip(around, (ends - lengths)[path][:, None], (ends - 1)[path][:, None])
    return points[around].mean(axis=1)

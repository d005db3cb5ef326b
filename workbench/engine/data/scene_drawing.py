"""Pictures of simple scenes and captions that are true of them, generated from a seed.

A scene is one or two shapes (circle, square, triangle) in a few colours on a dark background.
Its caption follows this grammar:

    caption  := thing | thing relation thing
    thing    := "a" colour shape
    colour   := "red" | "green" | "blue" | "yellow" | "white"
    shape    := "circle" | "square" | "triangle"
    relation := "above" | "below" | "left of" | "right of"

"a red circle above a blue square": in a scene of two shapes the larger (the one of greater
extent) is named first, the two differ in colour, and the relation says where the first is
from the second. A relation is strictly true and the only one that is: "above" means every
pixel of the first lies in rows above every pixel of the second, at least ``MIN_GAP`` empty
rows apart, while their columns overlap, so that neither is left or right of the other (and
likewise "left of" with rows and columns exchanged). So every picture has exactly one caption.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..common.errors import DataError

COLOURS = {  # each colour word's RGB; a shape's own differs by up to COLOUR_JITTER a channel
    "red": (220, 50, 50),
    "green": (50, 180, 70),
    "blue": (60, 100, 235),
    "yellow": (235, 210, 50),
    "white": (235, 235, 235),
}
SHAPES = ("circle", "square", "triangle")
RELATIONS = {"above": (-1, 0), "below": (1, 0), "left of": (0, -1), "right of": (0, 1)}  # first from second
WORDS = ("a", *COLOURS, *SHAPES, "above", "below", "left", "right", "of")  # every word a caption can use
COLOUR_JITTER = 20
DARKEST_BACKGROUND, LIGHTEST_BACKGROUND = 0, 40  # a grey, chosen per scene
SINGLE_SHARE = 0.2  # scenes with one shape
MIN_GAP = 2  # empty pixels between the two shapes of a scene, along their relation
LARGE_RADIUS = (0.16, 0.21)  # a larger shape's radius, as a share of the picture's side
SMALL_RADIUS = (0.08, 0.125)
SMALLEST_PICTURE = 24


@dataclass(frozen=True)
class Shape:
    colour: str  # a key of COLOURS
    kind: str  # one of SHAPES
    row: int  # centre pixel
    column: int
    radius: int  # the shape spans 2·radius + 1 pixels each way
    rgb: tuple[int, int, int]  # its colour, jittered


@dataclass(frozen=True)
class Scene:
    shapes: tuple[Shape, ...]  # one, or two with the larger first
    relation: str | None  # a key of RELATIONS: where the first shape is from the second
    background: int  # the grey level of the background

    @property
    def caption(self) -> str:
        things = [f"a {shape.colour} {shape.kind}" for shape in self.shapes]
        return things[0] if self.relation is None else f"{things[0]} {self.relation} {things[1]}"


def shape_mask(shape: Shape, size: int) -> np.ndarray:
    """(size, size) bool, True on the shape's pixels. A triangle points up: its width grows by
    one pixel each side every two rows, to the full extent at its base."""
    pixels = np.arange(size)
    dy, dx = pixels[:, None] - shape.row, pixels[None, :] - shape.column  # (size, 1), (1, size)
    if shape.kind == "square":
        return (np.abs(dy) <= shape.radius) & (np.abs(dx) <= shape.radius)
    if shape.kind == "circle":
        return dy**2 + dx**2 <= (shape.radius + 0.5) ** 2
    return (np.abs(dy) <= shape.radius) & (2 * np.abs(dx) <= dy + shape.radius)


def draw_scene(scene: Scene, size: int) -> np.ndarray:
    """The scene's picture, (size, size, 3) uint8."""
    image = np.full((size, size, 3), scene.background, np.uint8)
    for shape in scene.shapes:
        image[shape_mask(shape, size)] = shape.rgb
    return image


def random_scene(rng: np.random.Generator, size: int) -> Scene:
    """One shape in SINGLE_SHARE of scenes; else two of different colours, one relation drawn
    evenly from the four, the larger shape first."""
    background = int(rng.integers(DARKEST_BACKGROUND, LIGHTEST_BACKGROUND + 1))
    colours = list(COLOURS)
    if rng.random() < SINGLE_SHARE:
        radius = _radius(rng, size, (SMALL_RADIUS[0], LARGE_RADIUS[1]))
        centre = [int(rng.integers(radius + 1, size - 1 - radius)) for _ in range(2)]
        return Scene((_shape(rng, colours[rng.integers(len(colours))], *centre, radius),), None, background)
    first_colour, second_colour = (colours[i] for i in rng.permutation(len(colours))[:2])
    relation = list(RELATIONS)[rng.integers(len(RELATIONS))]
    radii = _radius(rng, size, LARGE_RADIUS), _radius(rng, size, SMALL_RADIUS)
    first, second = _place_pair(rng, size, radii, relation)
    shapes = (_shape(rng, first_colour, *first, radii[0]), _shape(rng, second_colour, *second, radii[1]))
    return Scene(shapes, relation, background)


def generate_scenes(count: int, seed: int, size: int) -> tuple[np.ndarray, list[str]]:
    """``count`` pictures (N, size, size, 3) uint8 and their captions, the same for a seed."""
    if size < SMALLEST_PICTURE:
        raise DataError(f"scene pictures need at least {SMALLEST_PICTURE} pixels a side, not {size}.")
    if count < 2:
        raise DataError(f"needs at least 2 scenes, to keep one for validation; asked for {count}.")
    rng = np.random.default_rng(seed)
    scenes = [random_scene(rng, size) for _ in range(count)]
    return np.stack([draw_scene(scene, size) for scene in scenes]), [scene.caption for scene in scenes]


def _radius(rng: np.random.Generator, size: int, shares: tuple[float, float]) -> int:
    return int(rng.integers(round(shares[0] * size), round(shares[1] * size) + 1))


def _shape(rng: np.random.Generator, colour: str, row: int, column: int, radius: int) -> Shape:
    rgb = np.clip(np.array(COLOURS[colour]) + rng.integers(-COLOUR_JITTER, COLOUR_JITTER + 1, 3), 0, 255)
    return Shape(colour, SHAPES[rng.integers(len(SHAPES))], row, column, radius, tuple(int(v) for v in rgb))


def _place_pair(
    rng: np.random.Generator, size: int, radii: tuple[int, int], relation: str
) -> tuple[list[int], list[int]]:
    """Centres [row, column] of two shapes for which ``relation`` is true and no other is.

    Along the relation the centres are far enough apart for MIN_GAP empty pixels between the
    shapes; across it they are at most the smaller radius apart, so the shapes overlap there.
    Centres keep one pixel of margin; any size from SMALLEST_PICTURE up leaves room.
    """
    direction = RELATIONS[relation]
    along = 0 if direction[0] else 1
    (low_first, high_first), (low_second, high_second) = ((r + 1, size - 2 - r) for r in radii)
    apart = radii[0] + radii[1] + MIN_GAP + 1
    # Along: the first before the second, counted from the side the first is on.
    before = int(rng.integers(low_first, min(high_first, high_second - apart) + 1))
    after = int(rng.integers(max(low_second, before + apart), high_second + 1))
    first, second = [0, 0], [0, 0]
    first[along], second[along] = (before, after) if direction[along] < 0 else (size - 1 - before, size - 1 - after)
    first[1 - along] = int(rng.integers(low_first, high_first + 1))
    near = first[1 - along]
    second[1 - along] = int(rng.integers(max(low_second, near - radii[1]), min(high_second, near + radii[1]) + 1))
    return first, second

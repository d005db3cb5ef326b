"""Batches of handwriting lines for next-point training, and the alphabet of their texts.

A line's inputs are a start point then its points but the last, its targets all its points,
so step t reads x_t and predicts x_{t+1} (Graves 2013, section 4) and even the first real point
is predicted. The start point is ``(0, 0, 1)``: no move, pen up, as if a stroke had just ended.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...common.errors import DataError
from ..batching import LengthPooledBatcher, check_batch_shape
from .strokes import StrokeSample

PADDING = 0  # text id of the padding after a short line's text
UNKNOWN = 1  # text id of every character the alphabet has not seen
FIRST_CHARACTER = 2  # id of the alphabet's first character
START_POINT = (0.0, 0.0, 1.0)  # the input before a line's first point


@dataclass(frozen=True)
class StrokeAlphabet:
    """Character ids for the texts a synthesis network reads: PADDING, UNKNOWN, then ``characters``."""

    characters: str  # sorted, each once
    _ids: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ids = {char: FIRST_CHARACTER + i for i, char in enumerate(self.characters)}
        object.__setattr__(self, "_ids", ids)

    @classmethod
    def from_texts(cls, texts: Sequence[str]) -> StrokeAlphabet:
        return cls("".join(sorted(set().union(*texts))))

    @property
    def size(self) -> int:
        return FIRST_CHARACTER + len(self.characters)

    def __len__(self) -> int:
        return self.size

    def encode(self, text: str) -> np.ndarray:
        """Ids (int64) of ``text``'s characters; unseen ones become UNKNOWN."""
        return np.fromiter((self._ids.get(char, UNKNOWN) for char in text), np.int64, len(text))

    def to_json(self) -> dict[str, Any]:
        return {"characters": self.characters}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StrokeAlphabet:
        characters = data.get("characters") if isinstance(data, dict) else None
        if not isinstance(characters, str) or len(set(characters)) != len(characters):
            raise DataError("the stored handwriting alphabet is damaged (bad or repeated characters).")
        return cls(characters)


@dataclass(frozen=True, eq=False)
class StrokeBatch:
    """One training step of handwriting lines, padded to the longest line and text in the batch."""

    points: np.ndarray  # (B, T, 3) float32 normalised inputs: START_POINT, then the line's points
    targets: np.ndarray  # (B, T, 3) float32 the point after each input; zeros on padding
    mask: np.ndarray  # (B, T) bool, True on real target steps
    text: np.ndarray  # (B, U) int64 character ids, PADDING after the text
    text_mask: np.ndarray  # (B, U) bool, True on real characters
    tokens: int  # number of real target points
    continues = False  # every batch starts new lines: no state is carried between batches

    @property
    def loss_weight(self) -> int:
        """What the loss is averaged over: lines (the loss is in nats per line)."""
        return len(self.points)


class StrokeBatcher(LengthPooledBatcher):
    """Normalised lines batched to pad little (see LengthPooledBatcher); validation in order of
    length. Graves trains on whole lines; a line longer than ``max_points`` is cut to its first
    ``max_points`` points, with its whole text kept.
    """

    def __init__(
        self,
        samples: Sequence[StrokeSample],
        alphabet: StrokeAlphabet,
        batch_size: int,
        max_points: int,
        seed: int,
    ) -> None:
        check_batch_shape(batch_size, max_points)
        if not samples:
            raise DataError("there are no handwriting lines to train on.")
        empty = next((i for i, sample in enumerate(samples) if not len(sample.points)), None)
        if empty is not None:
            raise DataError(f"handwriting line {empty + 1} ({samples[empty].writer or 'no writer'}) has no points.")
        super().__init__(np.array([min(len(sample.points), max_points) for sample in samples]), batch_size, seed)
        self._samples, self._alphabet = tuple(samples), alphabet  # lines added later wait for a new batcher
        self._max_points = max_points

    def _fixed_order(self) -> np.ndarray:
        """Lines in order of length, for validation."""
        return np.argsort(self._lengths, kind="stable")

    def _frame(self, lines: np.ndarray) -> StrokeBatch:
        lengths = self._lengths[lines]
        texts = [self._alphabet.encode(self._samples[i].text) for i in lines]
        steps, letters = int(lengths.max()), max(1, max(len(text) for text in texts))
        points = np.zeros((len(lines), steps, 3), np.float32)
        targets = np.zeros((len(lines), steps, 3), np.float32)
        text = np.full((len(lines), letters), PADDING, np.int64)
        for row, (line, length) in enumerate(zip(lines, lengths)):
            line_points = self._samples[line].points[:length]
            points[row, 0] = START_POINT
            points[row, 1:length] = line_points[:-1]
            targets[row, :length] = line_points
            text[row, : len(texts[row])] = texts[row]
        mask = np.arange(steps) < lengths[:, None]
        text_mask = np.arange(letters) < np.array([len(text) for text in texts])[:, None]
        return StrokeBatch(points, targets, mask, text, text_mask, int(lengths.sum()))

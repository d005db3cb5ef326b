"""Handwriting lines as a project's training data: split, normalised, stored and batched.

Lines are kept in their own units (what the loader or the pad gave) and normalised with
statistics of the training split (Graves 2013, section 4.1: offsets to mean 0, std 1), which
the project stores with the lines, so a model always meets the data as it was trained on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np

from ...common.errors import DataError
from ..base import SPLIT_NAMES, Task, handwriting_task
from ..batching import check_batch_shape
from ..checks import held_out
from .stroke_batches import StrokeAlphabet, StrokeBatcher
from .strokes import StrokeSample, StrokeStats, line_height, pen_step

USER_WRITER = "you"  # the writer of lines drawn on the pad


@dataclass(frozen=True)
class Geometry:
    """Training lines' typical size and point spacing, in their own units (medians)."""

    line_height: float
    pen_step: float


class StrokeCorpus:
    kind = "strokes"

    def __init__(
        self,
        description: dict[str, Any],
        alphabet: StrokeAlphabet,
        normalisation: StrokeStats,
        train: list[StrokeSample],
        val: list[StrokeSample],
    ) -> None:
        self.description = description  # kind, source, title, val_fraction, seed, normalisation
        self.vocab = alphabet  # what the window of a synthesis network reads
        self.normalisation = normalisation
        self._splits = {"train": train, "val": val}
        self._normalised = {
            split: [replace(line, points=normalisation.normalise(line.points)) for line in lines]
            for split, lines in self._splits.items()
        }

    @classmethod
    def from_samples(
        cls, samples: Sequence[StrokeSample], source: str, title: str, val_fraction: float = 0.1, seed: int = 0
    ) -> StrokeCorpus:
        """Split ``samples`` at random by ``seed``; fit the normalisation on the training lines."""
        samples = [line for line in samples if len(line.points)]
        if len(samples) < 2:
            raise DataError(f"{source}: at least two handwriting lines are needed, one to validate on.")
        is_val = held_out(len(samples), val_fraction, seed)
        val = [line for line, held in zip(samples, is_val) if held]
        train = [line for line, held in zip(samples, is_val) if not held]
        normalisation = StrokeStats.fit(train)
        description = {
            "kind": cls.kind,
            "source": source,
            "title": title,
            "val_fraction": val_fraction,
            "seed": seed,
            "normalisation": normalisation.to_json(),
        }
        return cls(description, StrokeAlphabet.from_texts([line.text for line in samples]), normalisation, train, val)

    @classmethod
    def from_arrays(
        cls, description: dict[str, Any], vocabulary: dict[str, Any], arrays: dict[str, np.ndarray]
    ) -> StrokeCorpus:
        source = description.get("source", "the project")
        try:
            normalisation = StrokeStats.from_json(description["normalisation"])
        except KeyError:
            raise DataError(f"{source}: the handwriting data has no normalisation statistics.") from None
        splits = {split: _unpack(arrays, split, source) for split in SPLIT_NAMES}
        return cls(description, StrokeAlphabet.from_json(vocabulary), normalisation, splits["train"], splits["val"])

    def arrays(self) -> dict[str, np.ndarray]:
        """Each split's points end to end, where each line starts, and texts and writers as UTF-8."""
        arrays = {}
        for split, lines in self._splits.items():
            arrays[f"{split}_points"] = np.concatenate([line.points for line in lines]).astype(np.float32)
            arrays[f"{split}_offsets"] = np.cumsum([0] + [len(line.points) for line in lines]).astype(np.int64)
            arrays[f"{split}_texts"] = _utf8("\n".join(line.text for line in lines))
            arrays[f"{split}_writers"] = _utf8("\n".join(line.writer for line in lines))
        return arrays

    def task(self, embedding_dim: int = 64) -> Task:
        """Pen moves in, a mixture over the next move out; the window reads the texts' alphabet."""
        return handwriting_task(len(self.vocab))

    @property
    def source(self) -> str:
        return self.description["source"]

    @cached_property
    def geometry(self) -> Geometry:
        """Measured once: a primer is scaled to these before the model reads it."""
        lines = self._splits["train"]
        return Geometry(
            float(np.median([line_height(line.points) for line in lines])),
            float(np.median([pen_step(line.points) for line in lines])),
        )

    def add_line(self, line: StrokeSample) -> None:
        """A new training line (the user's own, from the pad), in the training lines' units.

        The normalisation stays as fitted and stored: the lines already trained on keep their
        meaning. The geometry (median size and pen step) counts the line from the next opening of
        the project on; the line was scaled to it, so it hardly moves it.
        """
        if len(line.points) < 2:
            raise DataError(f"{self.source}: a handwriting line needs at least two points.")
        self._splits["train"].append(line)
        self._normalised["train"].append(replace(line, points=self.normalisation.normalise(line.points)))

    def lines(self, split: str) -> list[StrokeSample]:
        """The lines of ``split`` in their own units."""
        return list(self._splits[split])

    def batcher(self, split: str, batch_size: int, seq_len: int, seed: int) -> StrokeBatcher:
        """Batches of normalised lines; ``seq_len`` is the most points a line keeps."""
        self.check_fits(batch_size, seq_len)
        return StrokeBatcher(self._normalised[split], self.vocab, batch_size, seq_len, seed)

    def check_fits(self, batch_size: int, seq_len: int) -> None:
        """Any batch shape fits: fewer lines than a batch make one smaller batch."""
        check_batch_shape(batch_size, seq_len)
        for split, lines in self._splits.items():
            if not lines:
                raise DataError(f"{self.source}: there are no {SPLIT_NAMES[split]} lines.")

    def stats(self) -> dict[str, Any]:
        train, val = self._splits["train"], self._splits["val"]
        everything = train + val
        return {
            "lines": len(everything),
            "train_lines": len(train),
            "val_lines": len(val),
            "writers": len({line.writer for line in everything}),
            "your_lines": sum(line.writer == USER_WRITER for line in everything),
            "train_points": sum(len(line.points) for line in train),
            "val_points": sum(len(line.points) for line in val),
            "characters": len(self.vocab.characters),
            "vocab_size": len(self.vocab),  # with the padding and unknown ids: what a window reads
            "longest_line": max(len(line.points) for line in everything),
        }

    def preview(self, max_chars: int = 400) -> str:
        """The texts of the first training lines."""
        texts, length = [], 0
        for line in self._splits["train"]:
            if length >= max_chars:
                break
            texts.append(line.text or "(no text)")
            length += len(texts[-1]) + 1
        return "\n".join(texts)[:max_chars]


def _utf8(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8).copy()


def _unpack(arrays: dict[str, np.ndarray], split: str, source: str) -> list[StrokeSample]:
    try:
        points, offsets = arrays[f"{split}_points"], arrays[f"{split}_offsets"]
        texts = bytes(arrays[f"{split}_texts"]).decode("utf-8").split("\n")
        writers = bytes(arrays[f"{split}_writers"]).decode("utf-8").split("\n")
    except (KeyError, UnicodeDecodeError) as error:
        raise DataError(f"{source}: the stored handwriting lines are damaged ({error}).") from None
    count = len(offsets) - 1
    if (
        offsets.ndim != 1
        or offsets.dtype.kind not in "iu"
        or points.ndim != 2
        or points.shape[1:] != (3,)
        or points.dtype.kind != "f"
        or not np.isfinite(points).all()
        or count < 1
        or len(texts) != count
        or len(writers) != count
        or offsets[0] != 0
        or offsets[-1] != len(points)
        or np.any(np.diff(offsets) < 0)
    ):
        raise DataError(f"{source}: the stored {SPLIT_NAMES[split]} handwriting lines do not fit together.")
    return [
        StrokeSample(points[start:end].astype(np.float32), texts[i], writers[i])
        for i, (start, end) in enumerate(zip(offsets[:-1], offsets[1:]))
    ]

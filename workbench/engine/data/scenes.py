"""Captioned pictures: a corpus of images, each with the caption a model should write for it.

Pictures are stored as one uint8 array (N, H, W, C) per split, captions as word ids end to end
with offsets. The caption vocabulary starts with BOUNDARY (id 0), the decoder's start mark and
the end mark it must write last, as in translation pairs. The built-in demo draws its scenes
with ``scene_drawing``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from ..common.errors import DataError
from ..spec import HeadSpec, InputSpec
from .base import SPLIT_NAMES, Task
from .batching import ItemBatcher, check_batch_shape
from .checks import check_val_fraction, stored_array, stored_items, validation_count
from .pairs import frame_targets, pack_items
from .scene_drawing import WORDS, generate_scenes
from .vocab import BOUNDARY, Vocabulary

SCENES_DEMO_COUNT = 6000
SCENES_DEMO_SIZE = 48  # pixels a side: three CNN blocks make a 6×6 grid


@dataclass(frozen=True, eq=False)
class CaptionBatch:
    """One training step of pictures and their captions, padded to the longest in the batch."""

    images: np.ndarray  # (B, H, W, C) uint8
    target_in: np.ndarray  # (B, T) int64: BOUNDARY (start), then the caption; BOUNDARY on padding
    target_out: np.ndarray  # (B, T) int64: the caption, then BOUNDARY (end); IGNORE_INDEX on padding
    tokens: int  # real caption steps, end marks included: what the loss is a mean over
    continues = False  # every batch holds new pictures: no state is carried between batches

    @property
    def loss_weight(self) -> int:
        return self.tokens


class CaptionBatcher(ItemBatcher):
    """Pictures in a fresh order each epoch; validation batches keep the stored order."""

    def __init__(self, images: np.ndarray, captions: Sequence[np.ndarray], batch_size: int, seed: int) -> None:
        check_batch_shape(batch_size, 1)
        super().__init__(len(images), batch_size, seed)
        self._images, self._captions = images, captions

    def _frame(self, chosen: np.ndarray) -> CaptionBatch:
        return CaptionBatch(self._images[chosen], *frame_targets([self._captions[i] for i in chosen]))


class SceneCorpus:
    """Pictures with captions, split into training and validation."""

    kind = "scenes"

    def __init__(
        self,
        description: dict[str, Any],
        vocab: Vocabulary,
        train: tuple[np.ndarray, list[np.ndarray]],
        val: tuple[np.ndarray, list[np.ndarray]],
    ) -> None:
        self.description = description  # kind, source, title, seed, val_fraction
        self.vocab = vocab  # words of the captions; BOUNDARY is id 0
        self._splits = {"train": train, "val": val}  # split -> (pictures (N, H, W, C), caption ids)

    @classmethod
    def from_arrays(
        cls, description: dict[str, Any], vocabulary: dict[str, Any], arrays: dict[str, np.ndarray]
    ) -> SceneCorpus:
        source = description.get("source", "the project")
        vocab = Vocabulary.from_json(vocabulary)
        if vocab.boundary != 0:
            raise DataError(f"{source}: the stored caption vocabulary is damaged (no start and end mark).")
        splits = {}
        for split, name in SPLIT_NAMES.items():
            images = stored_array(arrays, f"{split}_images", source)
            captions = stored_items(arrays, f"{split}_captions", source, len(vocab))
            if images.dtype != np.uint8 or images.ndim != 4 or images.shape[1] != images.shape[2]:
                raise DataError(f"{source}: the saved {name} pictures are damaged (not square uint8 pictures).")
            if len(images) != len(captions):
                raise DataError(f"{source}: the saved {name} pictures and captions differ in count.")
            splits[split] = (images, [caption.astype(np.int64) for caption in captions])
        if splits["train"][0].shape[1:] != splits["val"][0].shape[1:]:
            raise DataError(f"{source}: the saved training and validation pictures differ in size.")
        return cls(description, vocab, splits["train"], splits["val"])

    def arrays(self) -> dict[str, np.ndarray]:
        """Each split's pictures, and its captions as ids end to end plus where each one starts."""
        arrays = {}
        for split, (images, captions) in self._splits.items():
            arrays[f"{split}_images"] = images
            arrays[f"{split}_captions_ids"], arrays[f"{split}_captions_offsets"] = pack_items(captions, self.vocab)
        return arrays

    def task(self, embedding_dim: int = 64) -> Task:
        """Pictures in; the decoder reads and predicts caption words."""
        words = len(self.vocab)
        return Task(
            "captioning",
            InputSpec(kind="image", image_size=self.image_size, channels=self.channels),
            HeadSpec(kind="next_token", num_outputs=words),
            target_inputs=InputSpec(kind="tokens", vocab_size=words, embedding_dim=embedding_dim),
        )

    @property
    def source(self) -> str:
        return self.description["source"]

    @property
    def title(self) -> str:
        return self.description.get("title", self.source)

    @property
    def image_size(self) -> int:
        return int(self._splits["train"][0].shape[1])

    @property
    def channels(self) -> int:
        return int(self._splits["train"][0].shape[3])

    @cached_property
    def longest(self) -> int:
        """Words of the longest caption (without the end mark)."""
        return max(len(caption) for _, captions in self._splits.values() for caption in captions)

    def images(self, split: str) -> np.ndarray:
        """The pictures of ``split`` (N, H, W, C) uint8, in stored order."""
        return self._splits[_checked(split)][0]

    def captions(self, split: str) -> list[np.ndarray]:
        """The caption ids of every picture of ``split``, in stored order."""
        return self._splits[_checked(split)][1]

    def caption_texts(self, split: str) -> list[str]:
        return [self.vocab.decode(caption) for caption in self.captions(split)]

    def batcher(self, split: str, batch_size: int, seq_len: int, seed: int) -> CaptionBatcher:
        self.check_fits(batch_size, seq_len)
        return CaptionBatcher(*self._splits[split], batch_size, seed)

    def check_fits(self, batch_size: int, seq_len: int) -> None:
        """Any batch size fits; the sequence length must hold the longest caption and its end mark."""
        check_batch_shape(batch_size, seq_len)
        for split, (images, _) in self._splits.items():
            if not len(images):
                raise DataError(f"{self.source}: there are no {SPLIT_NAMES[split]} pictures.")
        if self.longest + 1 > seq_len:
            raise DataError(
                f"{self.source}: the longest caption has {self.longest} words (plus its end mark), but the "
                f"sequence length is {seq_len}; set it to at least {self.longest + 1} (captions are never cut)."
            )

    def stats(self) -> dict[str, Any]:
        """Caption token counts include each caption's end mark: that is what is predicted."""
        train, val = self.captions("train"), self.captions("val")
        return {
            "pictures": len(train) + len(val),
            "train_pictures": len(train),
            "val_pictures": len(val),
            "image_size": self.image_size,
            "channels": self.channels,
            "train_tokens": sum(len(caption) + 1 for caption in train),
            "val_tokens": sum(len(caption) + 1 for caption in val),
            "vocab_size": len(self.vocab),
            "longest_caption": self.longest,
            "distinct_captions": len({tuple(caption.tolist()) for caption in train + val}),
        }

    def preview(self, max_chars: int = 400) -> str:
        """'training scene 0: a red circle above a blue square', whole lines up to ``max_chars``."""
        lines, length = [], 0
        for index, caption in enumerate(self.captions("train")):
            line = f"training scene {index}: {self.vocab.decode(caption)}"
            if length + len(line) > max_chars:
                break
            lines.append(line)
            length += len(line) + 1
        return "\n".join(lines)


def scenes_from_items(
    images: np.ndarray, captions: Sequence[str], source: str, title: str, val_fraction: float = 0.1, seed: int = 0
) -> SceneCorpus:
    """A corpus of generated scenes; the last ``val_fraction`` are kept for validation (the scenes
    are drawn independently, so they are as fair a sample as any)."""
    check_val_fraction(val_fraction)
    if len(images) != len(captions):
        raise DataError(f"{source}: {len(images)} pictures cannot have {len(captions)} captions.")
    if len(captions) < 2:
        raise DataError(f"{source}: needs at least 2 pictures, to keep one for validation; found {len(captions)}.")
    vocab = Vocabulary("word", (BOUNDARY, *WORDS), boundary=0)
    encoded = [vocab.encode(caption) for caption in captions]
    count = len(encoded)
    cut = count - validation_count(count, val_fraction)
    description = {
        "kind": SceneCorpus.kind,
        "source": source,
        "title": title,
        "val_fraction": val_fraction,
        "seed": seed,
    }
    return SceneCorpus(description, vocab, (images[:cut], encoded[:cut]), (images[cut:], encoded[cut:]))


def load_scenes_demo(count: int = SCENES_DEMO_COUNT, seed: int = 0, size: int = SCENES_DEMO_SIZE) -> SceneCorpus:
    """Pictures of one or two coloured shapes, captioned "a red circle above a blue square"."""
    images, captions = generate_scenes(count, seed, size)
    return scenes_from_items(images, captions, "demo:scenes", "Captioned scenes", seed=seed)


def _checked(split: str) -> str:
    if split not in SPLIT_NAMES:
        raise DataError(f"unknown split {split!r}; the splits are {', '.join(SPLIT_NAMES)}.")
    return split

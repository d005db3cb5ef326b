"""Line corpora: independent short items (names, words), one per line, each framed by ``<s>``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..common.errors import DataError
from .base import SPLIT_NAMES, Task, language_model_task
from .batching import LineBatcher, check_batch_shape
from .checks import check_val_fraction, held_out, read_text_file, stored_items
from .probe import ProbeExample, next_token_example
from .vocab import Vocabulary


class LineCorpus:
    """Character-level items split at random, by a seed, into training and validation."""

    kind = "lines"

    def __init__(
        self,
        description: dict[str, Any],
        vocab: Vocabulary,
        train: list[np.ndarray],
        val: list[np.ndarray],
    ) -> None:
        self.description = description  # kind, source, title, level, val_fraction, seed
        self.vocab = vocab
        self._splits = {"train": train, "val": val}  # token ids of each item, no boundaries

    @classmethod
    def from_arrays(
        cls, description: dict[str, Any], vocabulary: dict[str, Any], arrays: dict[str, np.ndarray]
    ) -> LineCorpus:
        source = description.get("source", "the project")
        vocab = Vocabulary.from_json(vocabulary)
        items = {split: stored_items(arrays, split, source, len(vocab)) for split in SPLIT_NAMES}
        return cls(description, vocab, items["train"], items["val"])

    def arrays(self) -> dict[str, np.ndarray]:
        """Each split as its items' ids end to end, plus where each item starts."""
        arrays = {}
        for split, items in self._splits.items():
            arrays[f"{split}_ids"], arrays[f"{split}_offsets"] = _pack(items, self.vocab)
        return arrays

    def task(self, embedding_dim: int = 64) -> Task:
        """What a model of this data reads and predicts: the next token."""
        return language_model_task(len(self.vocab), embedding_dim)

    @property
    def source(self) -> str:
        return self.description["source"]

    def batcher(self, split: str, batch_size: int, seq_len: int, seed: int) -> LineBatcher:
        self.check_fits(batch_size, seq_len)
        return LineBatcher(self._splits[split], self.vocab.boundary, batch_size, seq_len, seed)

    def check_fits(self, batch_size: int, seq_len: int) -> None:
        """Any batch shape fits: a corpus smaller than one batch becomes one smaller batch."""
        check_batch_shape(batch_size, seq_len)
        for split, items in self._splits.items():
            if not items:
                raise DataError(f"{self.source}: there are no {SPLIT_NAMES[split]} items.")

    def probe_example(self, length: int) -> ProbeExample:
        """``length`` tokens of ``probe_tokens``, each predicting the next."""
        return next_token_example(self.probe_tokens(length + 1), self.vocab.tokens)

    def probe_tokens(self, length: int) -> np.ndarray:
        """The first validation items, each closed by ``<s>``, within ``length`` tokens."""
        probe = [self.vocab.boundary]
        for item in self._splits["val"]:
            if len(probe) > 1 and len(probe) + len(item) + 1 > length:
                break
            probe.extend(item.tolist())
            probe.append(self.vocab.boundary)
        return np.array(probe[:length], np.int64)

    def stats(self) -> dict[str, Any]:
        """Token counts include the closing ``<s>`` of every item: that is what is predicted."""
        train, val = self._splits["train"], self._splits["val"]
        return {
            "level": self.vocab.level,
            "items": len(train) + len(val),
            "train_items": len(train),
            "val_items": len(val),
            "train_tokens": sum(len(item) + 1 for item in train),
            "val_tokens": sum(len(item) + 1 for item in val),
            "vocab_size": len(self.vocab),
            "longest_item": max(len(item) for item in train + val),
        }

    def preview(self, max_chars: int = 400) -> str:
        lines, length = [], 0
        for item in self._splits["train"]:
            if length >= max_chars:
                break
            lines.append(self.vocab.decode(item))
            length += len(lines[-1]) + 1
        return "\n".join(lines)[:max_chars]


def lines_from_items(items: list[str], source: str, title: str, val_fraction: float = 0.1, seed: int = 0) -> LineCorpus:
    """A line corpus; a seeded shuffle picks the validation items, both splits keep file order."""
    check_val_fraction(val_fraction)
    if len(items) < 2:
        raise DataError(
            f"{source}: needs at least 2 items, one per line, to keep one for validation; found {len(items)}."
        )
    vocab = Vocabulary.of_characters("".join(items), with_boundary=True)
    ends = np.cumsum([len(item) for item in items])
    encoded = np.split(vocab.encode("".join(items)).astype(vocab.storage_dtype), ends[:-1])
    is_val = held_out(len(items), val_fraction, seed)
    description = {
        "kind": LineCorpus.kind,
        "source": source,
        "title": title,
        "level": "char",
        "val_fraction": val_fraction,
        "seed": seed,
    }
    train = [ids for ids, held_out in zip(encoded, is_val) if not held_out]
    val = [ids for ids, held_out in zip(encoded, is_val) if held_out]
    return LineCorpus(description, vocab, train, val)


def load_lines_file(
    path: str | Path, val_fraction: float = 0.1, seed: int = 0, encoding: str | None = None
) -> LineCorpus:
    """A line corpus of a text file (UTF-8 unless ``encoding`` says otherwise): one item per
    non-empty line, stripped of spaces."""
    check_val_fraction(val_fraction)
    path = Path(path).expanduser().absolute()
    lines = read_text_file(path, encoding).split("\n")
    items = [line.strip() for line in lines if line.strip()]
    return lines_from_items(items, str(path), path.name, val_fraction, seed)


def _pack(items: list[np.ndarray], vocab: Vocabulary) -> tuple[np.ndarray, np.ndarray]:
    ids = np.concatenate(items).astype(vocab.storage_dtype)
    offsets = np.cumsum([0] + [len(item) for item in items]).astype(np.int64)
    return ids, offsets

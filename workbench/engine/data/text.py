"""Stream corpora: one long text (a book, a code base) as one token stream.

A split is a numpy array (a demo, made in memory) or a ``StoredTokens`` (a user's file, any
size, read from disk window by window); everything here only slices it.
"""

from __future__ import annotations

from typing import Any

import h5py
import numpy as np

from ..common.errors import DataError
from .base import SPLIT_NAMES, Task, language_model_task
from .batching import StreamBatcher, check_batch_shape, stream_batches_per_epoch
from .checks import check_val_fraction, stored_ids
from .probe import ProbeExample, next_token_example
from .stored_tokens import StoredTokens
from .vocab import Vocabulary

PROBE_MARKS = tuple("\"'()[]{}")  # a probe line with these shows the model tracking nesting
PROBE_SEARCH = 1 << 20  # validation tokens searched for a probe line

Split = np.ndarray | StoredTokens


class TextStream:
    """A token stream whose last part is held out for validation; trained with truncated BPTT."""

    kind = "stream"

    def __init__(self, description: dict[str, Any], vocab: Vocabulary, train: Split, val: Split) -> None:
        self.description = description  # kind, source, title, level, val_fraction, characters
        self.vocab = vocab
        self._splits = {"train": train, "val": val}

    @classmethod
    def from_arrays(
        cls, description: dict[str, Any], vocabulary: dict[str, Any], arrays: dict[str, np.ndarray]
    ) -> TextStream:
        source = description.get("source", "the project")
        vocab = Vocabulary.from_json(vocabulary)
        splits = {}
        for name in ("train", "val"):
            stored = arrays.get(name)
            if isinstance(stored, h5py.Dataset):  # kept on disk: read as needed, checked as read
                splits[name] = StoredTokens(stored, len(vocab), source)
            else:
                splits[name] = stored_ids(arrays, name, source, len(vocab))
        return cls(description, vocab, splits["train"], splits["val"])

    def arrays(self) -> dict[str, np.ndarray | h5py.Dataset]:
        """Each split's ids: an array, or the dataset on disk that holds them."""
        return {name: ids.dataset if isinstance(ids, StoredTokens) else ids for name, ids in self._splits.items()}

    def repoint(self, datasets: dict[str, h5py.Dataset]) -> None:
        """Read the splits kept on disk from ``datasets`` (the same ids, in a file just saved)."""
        for name, ids in self._splits.items():
            if isinstance(ids, StoredTokens) and name in datasets:
                ids.repoint(datasets[name])

    def task(self, embedding_dim: int = 64) -> Task:
        """What a model of this data reads and predicts: the next token."""
        return language_model_task(len(self.vocab), embedding_dim)

    @property
    def source(self) -> str:
        return self.description["source"]

    def batcher(self, split: str, batch_size: int, seq_len: int, seed: int) -> StreamBatcher:
        self._check_split_fits(split, batch_size, seq_len)
        return StreamBatcher(self._splits[split], batch_size, seq_len, seed)

    def check_fits(self, batch_size: int, seq_len: int) -> None:
        for split in SPLIT_NAMES:
            self._check_split_fits(split, batch_size, seq_len)

    def _check_split_fits(self, split: str, batch_size: int, seq_len: int) -> None:
        check_batch_shape(batch_size, seq_len)
        have = len(self._splits[split])
        if stream_batches_per_epoch(have, batch_size, seq_len) < 1:
            need = batch_size * seq_len + seq_len  # one batch, plus room for the random offset
            raise DataError(
                f"{self.source}: too short for one batch: {have} tokens of {SPLIT_NAMES[split]} "
                f"text, one batch of {batch_size} × {seq_len} needs {need}."
            )

    def probe_example(self, length: int) -> ProbeExample:
        """``length`` tokens of ``probe_tokens``, each predicting the next."""
        return next_token_example(self.probe_tokens(length + 1), self.vocab.tokens)

    def probe_tokens(self, length: int) -> np.ndarray:
        """``length`` validation tokens from the first whole line with a quote or bracket."""
        val = self._splits["val"]
        start = min(self._first_marked_line(), max(0, len(val) - length))
        return np.asarray(val[start : start + length]).astype(np.int64)

    def _first_marked_line(self) -> int:
        """Start of the first whole validation line holding a PROBE_MARKS token within the
        first PROBE_SEARCH tokens, else 0."""
        val = np.asarray(self._splits["val"][:PROBE_SEARCH])
        newline = self.vocab.id_of("\n")
        marks = [i for i in map(self.vocab.id_of, PROBE_MARKS) if i is not None]
        if newline is None or not marks:
            return 0
        line_ends = np.flatnonzero(val == newline)
        # The line of each mark, as the index of the newline before it; -1 is the partial line
        # the validation split starts in.
        line_of_mark = np.searchsorted(line_ends, np.flatnonzero(np.isin(val, marks))) - 1
        whole_lines = line_of_mark[line_of_mark >= 0]
        return int(line_ends[whole_lines[0]] + 1) if len(whole_lines) else 0

    def stats(self) -> dict[str, Any]:
        return {
            "level": self.vocab.level,
            "characters": self.description["characters"],
            "train_tokens": len(self._splits["train"]),
            "val_tokens": len(self._splits["val"]),
            "vocab_size": len(self.vocab),
        }

    def preview(self, max_chars: int = 400) -> str:
        return self.vocab.decode(self._splits["train"][:max_chars])[:max_chars]


def stream_description(
    source: str, title: str, level: str, val_fraction: float, characters: int, max_words: int
) -> dict[str, Any]:
    """What a project stores about a stream corpus beside its ids."""
    description = {
        "kind": TextStream.kind,
        "source": source,
        "title": title,
        "level": level,
        "val_fraction": val_fraction,
        "characters": characters,
    }
    if level == "word":
        description["max_words"] = max_words
    return description


def stream_from_text(
    text: str,
    source: str,
    title: str,
    level: str = "char",
    val_fraction: float = 0.1,
    max_words: int = 10_000,
) -> TextStream:
    """A stream corpus of ``text``; its vocabulary covers both splits, so nothing is unknown."""
    check_val_fraction(val_fraction)
    if level == "char":
        vocab = Vocabulary.of_characters(text)
    elif level == "word":
        vocab = Vocabulary.of_words(text, max_words)
    else:
        raise DataError(f"unknown text level {level!r}: use 'char' or 'word'.")
    ids = vocab.encode(text).astype(vocab.storage_dtype)
    split_at = len(ids) - round(len(ids) * val_fraction)
    description = stream_description(source, title, level, val_fraction, len(text), max_words)
    return TextStream(description, vocab, ids[:split_at], ids[split_at:])

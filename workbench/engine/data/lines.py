"""Line corpora: independent short items (names, words), one per line, each framed by ``<s>``.

Each split is two arrays, not a list of items: the ids of its items end to end (the narrowest
unsigned type the vocabulary allows) and where each item starts (``offsets``, one more than the
items, the last being the ids' length), so a million lines cost their ids and eight bytes each.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..common.errors import DataError
from .base import SPLIT_NAMES, Task, language_model_task
from .batching import LineBatcher, check_batch_shape
from .checks import check_val_fraction, held_out, stored_ids, stored_offsets
from .probe import ProbeExample, next_token_example
from .text_chunks import CHUNK_BYTES, CODE_POINTS, Progress, changed_while_read, code_points, text_chunks
from .vocab import Vocabulary


class LineItems:
    """One split's items: ``ids[offsets[i]:offsets[i + 1]]`` is item i."""

    def __init__(self, ids: np.ndarray, offsets: np.ndarray) -> None:
        self.ids, self.offsets = ids, offsets

    @classmethod
    def of(cls, items: list[np.ndarray]) -> LineItems:
        """The items of a list, end to end."""
        ids = np.concatenate(items) if items else np.zeros(0, np.uint8)
        return cls(ids, np.concatenate(([0], np.cumsum([len(item) for item in items]))).astype(np.int64))

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, index: int) -> np.ndarray:
        return self.ids[self.offsets[index] : self.offsets[index + 1]]

    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)


class LineCorpus:
    """Character-level items split at random, by a seed, into training and validation."""

    kind = "lines"

    def __init__(self, description: dict[str, Any], vocab: Vocabulary, train: LineItems, val: LineItems) -> None:
        self.description = description  # kind, source, title, level, val_fraction, seed
        self.vocab = vocab
        self._splits = {"train": train, "val": val}  # token ids of each item, no boundaries

    @classmethod
    def from_arrays(
        cls, description: dict[str, Any], vocabulary: dict[str, Any], arrays: dict[str, np.ndarray]
    ) -> LineCorpus:
        source = description.get("source", "the project")
        vocab = Vocabulary.from_json(vocabulary)
        splits = {}
        for split in SPLIT_NAMES:
            ids = stored_ids(arrays, f"{split}_ids", source, len(vocab))
            splits[split] = LineItems(ids, stored_offsets(arrays, f"{split}_offsets", source, len(ids)))
        return cls(description, vocab, splits["train"], splits["val"])

    def arrays(self) -> dict[str, np.ndarray]:
        """Each split as its items' ids end to end, plus where each item starts."""
        arrays = {}
        for split, items in self._splits.items():
            arrays[f"{split}_ids"], arrays[f"{split}_offsets"] = items.ids, items.offsets
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
            if not len(items):
                raise DataError(f"{self.source}: there are no {SPLIT_NAMES[split]} items.")

    def probe_example(self, length: int) -> ProbeExample:
        """``length`` tokens of ``probe_tokens``, each predicting the next."""
        return next_token_example(self.probe_tokens(length + 1), self.vocab.tokens)

    def probe_tokens(self, length: int) -> np.ndarray:
        """The first validation items, each closed by ``<s>``, within ``length`` tokens."""
        probe = [self.vocab.boundary]
        val = self._splits["val"]
        for index in range(len(val)):
            item = val[index]
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
            "train_tokens": len(train.ids) + len(train),
            "val_tokens": len(val.ids) + len(val),
            "vocab_size": len(self.vocab),
            "longest_item": int(max(train.lengths().max(initial=0), val.lengths().max(initial=0))),
        }

    def preview(self, max_chars: int = 400) -> str:
        lines, length = [], 0
        train = self._splits["train"]
        for index in range(len(train)):
            if length >= max_chars:
                break
            lines.append(self.vocab.decode(train[index]))
            length += len(lines[-1]) + 1
        return "\n".join(lines)[:max_chars]


def lines_from_items(items: list[str], source: str, title: str, val_fraction: float = 0.1, seed: int = 0) -> LineCorpus:
    """A line corpus; a seeded shuffle picks the validation items, both splits keep file order."""
    check_val_fraction(val_fraction)
    _check_count(len(items), source)
    vocab = Vocabulary.of_characters("".join(items), with_boundary=True)
    encoded = vocab.encode("".join(items)).astype(vocab.storage_dtype)
    lengths = np.array([len(item) for item in items], np.int64)
    is_val = held_out(len(items), val_fraction, seed)
    splits = _split_items(encoded, lengths, is_val)
    return LineCorpus(_description(source, title, val_fraction, seed), vocab, *splits)


def load_lines_file(
    path: str | Path,
    val_fraction: float = 0.1,
    seed: int = 0,
    encoding: str | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    chunk_bytes: int = CHUNK_BYTES,
) -> LineCorpus:
    """A line corpus of a text file (UTF-8 unless ``encoding`` says otherwise): one item per
    non-empty line, stripped of spaces. Read in pieces, twice: counting the characters and the
    items, then encoding; the items as it is made, never a list of strings."""
    check_val_fraction(val_fraction)
    path = Path(path).expanduser().absolute()
    counts = np.zeros(CODE_POINTS, np.int64)
    lengths = []  # of each piece's items
    for lines in _lines_in_pieces(text_chunks(path, encoding, chunk_bytes, progress, should_stop)):
        counts += np.bincount(code_points("".join(lines)), minlength=CODE_POINTS)
        lengths.append(np.fromiter(map(len, lines), np.int64, count=len(lines)))
    item_lengths = np.concatenate(lengths)
    _check_count(len(item_lengths), str(path))
    present = np.flatnonzero(counts)
    vocab = Vocabulary("char", ("<s>", *(chr(code) for code in present)), 0)
    table = np.zeros(CODE_POINTS, vocab.storage_dtype)
    table[present] = np.arange(1, len(present) + 1)
    is_val = held_out(len(item_lengths), val_fraction, seed)
    splits = {held: _empty_items(item_lengths[is_val == held], vocab.storage_dtype) for held in (False, True)}
    filled = {False: 0, True: 0}  # ids written into each split so far
    first = 0  # the first item of the piece
    for lines in _lines_in_pieces(text_chunks(path, encoding, chunk_bytes, should_stop=should_stop)):
        ids, held = table[code_points("".join(lines))], is_val[first : first + len(lines)]
        if len(held) != len(lines) or len(ids) != item_lengths[first : first + len(lines)].sum():
            raise changed_while_read(path)
        of_id = np.repeat(held, item_lengths[first : first + len(lines)])  # each id's item is held out
        for split in (False, True):
            chosen = ids[of_id == split]
            splits[split].ids[filled[split] : filled[split] + len(chosen)] = chosen
            filled[split] += len(chosen)
        first += len(lines)
    if first != len(item_lengths):
        raise changed_while_read(path)
    return LineCorpus(_description(str(path), path.name, val_fraction, seed), vocab, splits[False], splits[True])


def _empty_items(lengths: np.ndarray, dtype) -> LineItems:
    """Room for items of ``lengths``, their offsets already set."""
    offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    return LineItems(np.zeros(offsets[-1], dtype), offsets)


def _lines_in_pieces(chunks) -> Any:
    """The stripped, non-empty lines of the text, a piece's worth at a time; a line cut by a
    piece's border is carried to the next."""
    carried = ""
    for chunk in chunks:
        lines = (carried + chunk).split("\n")
        carried = lines.pop()
        yield [line.strip() for line in lines if line.strip()]
    if carried.strip():
        yield [carried.strip()]


def _check_count(count: int, source: str) -> None:
    if count < 2:
        raise DataError(f"{source}: needs at least 2 items, one per line, to keep one for validation; found {count}.")


def _split_items(encoded: np.ndarray, lengths: np.ndarray, is_val: np.ndarray) -> tuple[LineItems, LineItems]:
    """The items, ``lengths`` of them end to end in ``encoded``, split by ``is_val`` in order."""
    of_item = np.repeat(is_val, lengths)  # whether each id's item is held out
    train, val = (
        LineItems(encoded[of_item == held], np.concatenate(([0], np.cumsum(lengths[is_val == held]))).astype(np.int64))
        for held in (False, True)
    )
    return train, val


def _description(source: str, title: str, val_fraction: float, seed: int) -> dict[str, Any]:
    return {
        "kind": LineCorpus.kind,
        "source": source,
        "title": title,
        "level": "char",
        "val_fraction": val_fraction,
        "seed": seed,
    }

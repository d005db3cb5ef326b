"""Translation pairs: a source sequence and the target sequence a model should write for it.

Source and target have vocabularies of their own, of characters (the default) or, for files of
sentences, of words. The target vocabulary starts with BOUNDARY (id 0), which plays both the start mark
the decoder reads first and the end mark it must write last. Pairs are never cut: a sequence
length shorter than the longest pair is refused, since a cut source no longer means its target.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from ..common.errors import DataError
from ..spec import HeadSpec, InputSpec
from .base import SPLIT_NAMES, Task
from .batching import IGNORE_INDEX, LengthPooledBatcher, check_batch_shape
from .checks import check_val_fraction, held_out, read_text_file, stored_items
from .dates import date_pairs
from .vocab import BOUNDARY, LEVELS, UNKNOWN, Vocabulary

SIDES = ("source", "target")
BOUNDARY_ID = 0  # id of BOUNDARY in every target vocabulary
TARGET_UNKNOWN_ID = 1  # id of UNKNOWN in a word-level target vocabulary
SOURCE_PADDING = 0  # id on padded source steps; any id would do, the mask hides them
MAX_WORDS = 20_000  # a word vocabulary keeps this many of each side's most frequent words
DATES_DEMO_PAIRS = 20_000


@dataclass(frozen=True)
class PairVocabulary:
    """The two vocabularies of a translation corpus; its length is the source side's."""

    source: Vocabulary
    target: Vocabulary  # BOUNDARY is id 0: the decoder's start mark and its end mark

    def __len__(self) -> int:
        return len(self.source)

    @property
    def level(self) -> str:
        return self.source.level

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source.to_json(), "target": self.target.to_json()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PairVocabulary:
        if not isinstance(data, dict) or not all(isinstance(data.get(side), dict) for side in SIDES):
            raise DataError("the stored translation vocabularies are damaged (no source or target side).")
        target = Vocabulary.from_json(data["target"])
        if target.boundary != 0:
            raise DataError("the stored target vocabulary is damaged (no start and end mark).")
        return cls(Vocabulary.from_json(data["source"]), target)


@dataclass(frozen=True, eq=False)
class PairBatch:
    """One training step of pairs, each side padded to its longest in the batch."""

    source: np.ndarray  # (B, S) int64 ids, SOURCE_PADDING after the source
    source_mask: np.ndarray  # (B, S) bool, True on real source steps
    target_in: np.ndarray  # (B, T) int64: BOUNDARY (start), then the target; BOUNDARY on padding
    target_out: np.ndarray  # (B, T) int64: the target, then BOUNDARY (end); IGNORE_INDEX on padding
    tokens: int  # real target steps, end marks included: what the loss is a mean over
    continues = False  # every batch holds new pairs: no state is carried between batches

    @property
    def loss_weight(self) -> int:
        return self.tokens


class PairBatcher(LengthPooledBatcher):
    """Pairs batched to pad little (see LengthPooledBatcher); validation batches keep the stored
    order, so that the first few batches are a fair sample of the split."""

    def __init__(
        self, sources: Sequence[np.ndarray], targets: Sequence[np.ndarray], batch_size: int, seed: int
    ) -> None:
        check_batch_shape(batch_size, 1)
        super().__init__(np.array([len(s) + len(t) for s, t in zip(sources, targets)]), batch_size, seed)
        self._sources, self._targets = sources, targets

    def _frame(self, chosen: np.ndarray) -> PairBatch:
        source, source_mask = pad_sources([self._sources[i] for i in chosen])
        return PairBatch(source, source_mask, *frame_targets([self._targets[i] for i in chosen]))


def frame_targets(targets: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray, int]:
    """Targets of any lengths -> what the decoder reads (B, T) and must write (B, T), both int64,
    and how many real steps it writes (end marks included). See ``PairBatch``."""
    steps = max(len(target) for target in targets) + 1
    target_in = np.full((len(targets), steps), BOUNDARY_ID, np.int64)
    target_out = np.full((len(targets), steps), IGNORE_INDEX, np.int64)
    for row, target in enumerate(targets):
        target_in[row, 1 : len(target) + 1] = target
        target_out[row, : len(target)] = target
        target_out[row, len(target)] = BOUNDARY_ID
    return target_in, target_out, sum(len(target) + 1 for target in targets)


def pad_sources(sources: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Sources of any lengths -> ids (B, S) int64 padded with SOURCE_PADDING, and their mask."""
    lengths = np.array([len(source) for source in sources])
    ids = np.full((len(sources), int(lengths.max())), SOURCE_PADDING, np.int64)
    for row, source in enumerate(sources):
        ids[row, : len(source)] = source
    return ids, np.arange(ids.shape[1]) < lengths[:, None]


class PairCorpus:
    """(source, target) pairs split at random, by a seed, into training and validation."""

    kind = "pairs"

    def __init__(
        self,
        description: dict[str, Any],
        vocab: PairVocabulary,
        train: tuple[list[np.ndarray], list[np.ndarray]],
        val: tuple[list[np.ndarray], list[np.ndarray]],
    ) -> None:
        self.description = description  # kind, source, title, level, val_fraction, seed
        self.vocab = vocab
        self._splits = {"train": train, "val": val}  # split -> (source ids, target ids) per pair

    @classmethod
    def from_arrays(
        cls, description: dict[str, Any], vocabulary: dict[str, Any], arrays: dict[str, np.ndarray]
    ) -> PairCorpus:
        source = description.get("source", "the project")
        vocab = PairVocabulary.from_json(vocabulary)
        sizes = (len(vocab.source), len(vocab.target))
        splits = {}
        for split in SPLIT_NAMES:
            sources, targets = (
                stored_items(arrays, f"{split}_{side}", source, size) for side, size in zip(SIDES, sizes)
            )
            if len(sources) != len(targets):
                raise DataError(f"{source}: the saved {SPLIT_NAMES[split]} pairs are damaged (sides differ in count).")
            splits[split] = (sources, targets)
        return cls(description, vocab, splits["train"], splits["val"])

    def arrays(self) -> dict[str, np.ndarray]:
        """Each split's sources and targets as ids end to end, plus where each one starts."""
        arrays = {}
        for split, sides in self._splits.items():
            for side, items, vocab in zip(SIDES, sides, (self.vocab.source, self.vocab.target)):
                arrays[f"{split}_{side}_ids"], arrays[f"{split}_{side}_offsets"] = pack_items(items, vocab)
        return arrays

    def task(self, embedding_dim: int = 64) -> Task:
        """Source tokens in; the decoder reads and predicts target tokens."""
        source, target = len(self.vocab.source), len(self.vocab.target)
        return Task(
            "translation",
            InputSpec(kind="tokens", vocab_size=source, embedding_dim=embedding_dim),
            HeadSpec(kind="next_token", num_outputs=target),
            target_inputs=InputSpec(kind="tokens", vocab_size=target, embedding_dim=embedding_dim),
        )

    @property
    def source(self) -> str:
        return self.description["source"]

    @property
    def title(self) -> str:
        return self.description.get("title", self.source)

    @cached_property
    def longest(self) -> tuple[int, int]:
        """Tokens of the longest source and of the longest target (without the end mark)."""
        sources = [item for sides in self._splits.values() for item in sides[0]]
        targets = [item for sides in self._splits.values() for item in sides[1]]
        return max(map(len, sources)), max(map(len, targets))

    def batcher(self, split: str, batch_size: int, seq_len: int, seed: int) -> PairBatcher:
        self.check_fits(batch_size, seq_len)
        return PairBatcher(*self._splits[split], batch_size, seed)

    def check_fits(self, batch_size: int, seq_len: int) -> None:
        """Any batch size fits; the sequence length must hold the longest source, and the
        longest target with its end mark."""
        check_batch_shape(batch_size, seq_len)
        for split, (sources, _) in self._splits.items():
            if not sources:
                raise DataError(f"{self.source}: there are no {SPLIT_NAMES[split]} pairs.")
        longest_source, longest_target = self.longest
        needed = max(longest_source, longest_target + 1)
        if needed > seq_len:
            raise DataError(
                f"{self.source}: the longest source has {longest_source} tokens and the longest target "
                f"{longest_target} (plus its end mark), but the sequence length is {seq_len}; "
                f"set it to at least {needed} (translation pairs are never cut)."
            )

    def ids(self, split: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """The source and target ids of every pair of ``split``, in stored order."""
        return self._splits[split]

    def pairs(self, split: str) -> list[tuple[str, str]]:
        """The (source, target) text of every pair of ``split``, in stored order."""
        sources, targets = self._splits[split]
        return [(self.vocab.source.decode(s), self.vocab.target.decode(t)) for s, t in zip(sources, targets)]

    def encode_source(self, text: str) -> np.ndarray:
        """Ids of a typed source; DataError names every character the sources never used.

        At the word level unseen words are read as UNKNOWN, as they were in training.
        """
        text = text.strip()
        if not text:
            raise DataError("there is nothing to translate: type a source first.")
        vocab = self.vocab.source
        if vocab.level == "char":
            missing = sorted({char for char in text if vocab.id_of(char) is None})
            if missing:
                listed = ", ".join(repr(char) for char in missing)
                raise DataError(
                    f"{listed} never appear{'s' if len(missing) == 1 else ''} in the sources of "
                    f"{self.title}, so the model cannot read {'it' if len(missing) == 1 else 'them'}."
                )
        ids = vocab.encode(text)
        if not len(ids):
            raise DataError("there is nothing to translate: the text holds no words.")
        return ids

    def stats(self) -> dict[str, Any]:
        """Target token counts include each pair's end mark: that is what is predicted."""
        (train_sources, train_targets), (val_sources, val_targets) = self._splits["train"], self._splits["val"]
        longest_source, longest_target = self.longest
        return {
            "level": self.vocab.level,
            "pairs": len(train_sources) + len(val_sources),
            "train_pairs": len(train_sources),
            "val_pairs": len(val_sources),
            "train_tokens": sum(len(target) + 1 for target in train_targets),
            "val_tokens": sum(len(target) + 1 for target in val_targets),
            "source_vocab_size": len(self.vocab.source),
            "target_vocab_size": len(self.vocab.target),
            "longest_source": longest_source,
            "longest_target": longest_target,
        }

    def preview(self, max_chars: int = 400) -> str:
        lines, length = [], 0
        sources, targets = self._splits["train"]
        for source, target in zip(sources, targets):
            if length >= max_chars:
                break
            lines.append(f"{self.vocab.source.decode(source)} → {self.vocab.target.decode(target)}")
            length += len(lines[-1]) + 1
        return "\n".join(lines)[:max_chars]


def pairs_from_items(
    items: Sequence[tuple[str, str]],
    source: str,
    title: str,
    val_fraction: float = 0.1,
    seed: int = 0,
    level: str = "char",
) -> PairCorpus:
    """A translation corpus; a seeded shuffle picks the validation pairs, both splits keep order."""
    check_val_fraction(val_fraction)
    if level not in LEVELS:
        raise DataError(f"unknown level {level!r}: translation pairs are read as {' or '.join(LEVELS)}.")
    if len(items) < 2:
        raise DataError(f"{source}: needs at least 2 pairs, to keep one for validation; found {len(items)}.")
    empty = next((i for i, pair in enumerate(items) if not (pair[0].strip() and pair[1].strip())), None)
    if empty is not None:
        raise DataError(f"{source}: pair {empty + 1} has an empty side.")
    sources, targets = [pair[0] for pair in items], [pair[1] for pair in items]
    vocab = _vocabularies(sources, targets, level)
    encoded = list(zip(_encode_all(sources, vocab.source), _encode_all(targets, vocab.target)))
    blank = next((i for i, (s, t) in enumerate(encoded) if not (len(s) and len(t))), None)
    if blank is not None:
        raise DataError(f"{source}: pair {blank + 1} has a side without a single word.")
    is_val = held_out(len(items), val_fraction, seed)
    splits = {
        split: (
            [s for (s, _), held in zip(encoded, is_val) if held == wanted],
            [t for (_, t), held in zip(encoded, is_val) if held == wanted],
        )
        for split, wanted in (("train", False), ("val", True))
    }
    description = {
        "kind": PairCorpus.kind,
        "source": source,
        "title": title,
        "level": level,
        "val_fraction": val_fraction,
        "seed": seed,
    }
    return PairCorpus(description, vocab, splits["train"], splits["val"])


def load_pairs_file(
    path: str | Path, val_fraction: float = 0.1, seed: int = 0, level: str = "char", encoding: str | None = None
) -> PairCorpus:
    """Pairs of a text file (UTF-8 unless ``encoding`` says otherwise): source, a tab, target on
    each line; blank lines are skipped.

    Columns after a second tab are ignored, as in the Tatoeba sentence files (their third column
    is the attribution). Each side is stripped of surrounding spaces.
    """
    check_val_fraction(val_fraction)
    path = Path(path).expanduser().absolute()
    items = []
    for number, line in enumerate(read_text_file(path, encoding).split("\n"), start=1):
        if not line.strip():
            continue
        if "\t" not in line:
            raise DataError(f"{path}, line {number}: no tab between the source and the target.")
        source, target = (side.strip() for side in line.split("\t")[:2])
        for side, text in (("source (before the tab)", source), ("target (after the tab)", target)):
            if not text:
                raise DataError(f"{path}, line {number}: the {side} is empty.")
        items.append((source, target))
    return pairs_from_items(items, str(path), path.name, val_fraction, seed, level)


def load_dates_demo(count: int = DATES_DEMO_PAIRS, seed: int = 0) -> PairCorpus:
    """Dates as people write them ("Sunday, 22 November 2026", "22/11/26") and in ISO form."""
    return pairs_from_items(date_pairs(count, seed), "demo:dates", "Dates to ISO", seed=seed)


def _vocabularies(sources: list[str], targets: list[str], level: str) -> PairVocabulary:
    if level == "char":
        return PairVocabulary(
            Vocabulary.of_characters("".join(sources)), Vocabulary.of_characters("".join(targets), with_boundary=True)
        )
    source = Vocabulary.of_words(" ".join(sources), MAX_WORDS)
    target_words = Vocabulary.of_words(" ".join(targets), MAX_WORDS).tokens[1:]  # without UNKNOWN
    target = Vocabulary("word", (BOUNDARY, UNKNOWN, *target_words), BOUNDARY_ID, TARGET_UNKNOWN_ID)
    return PairVocabulary(source, target)


def _encode_all(texts: list[str], vocab: Vocabulary) -> list[np.ndarray]:
    """The ids of each text; characters are encoded all at once, which is much faster."""
    if vocab.level == "word":
        return [vocab.encode(text) for text in texts]
    ends = np.cumsum([len(text) for text in texts])
    return np.split(vocab.encode("".join(texts)), ends[:-1])


def pack_items(items: list[np.ndarray], vocab: Vocabulary) -> tuple[np.ndarray, np.ndarray]:
    ids = np.concatenate(items).astype(vocab.storage_dtype) if items else np.zeros(0, vocab.storage_dtype)
    offsets = np.cumsum([0] + [len(item) for item in items]).astype(np.int64)
    return ids, offsets

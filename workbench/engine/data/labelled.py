"""Labelled items: a class for each item (sequence classification) or a tag for each of its
tokens (per-element tagging).

Items are short sequences (a name, a few lines of code, a sentence) kept whole and split at
random, by a seed, into training and validation. Batches pad items to the longest in the batch
and carry a mask, so pooling and the loss see only real steps.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..common.errors import DataError
from ..spec import HeadSpec, InputSpec
from .base import SPLIT_NAMES, Task
from .batching import IGNORE_INDEX, Batch, ItemBatcher, check_batch_shape
from .checks import check_val_fraction, held_out, stored_ids, stored_offsets
from .probe import ProbeExample
from .vocab import UNKNOWN, Vocabulary

LABELLINGS = ("class", "tags")  # one label per item, or one per token
MAX_WORDS = 20_000  # a word vocabulary keeps this many of the most frequent words


class LabelledCorpus:
    """Items of token ids with their labels; ``labelling`` says which of the two kinds."""

    kind = "labelled"

    def __init__(
        self,
        description: dict[str, Any],
        vocab: Vocabulary,
        items: dict[str, list[np.ndarray]],
        labels: dict[str, list[np.ndarray] | np.ndarray],
    ) -> None:
        # description: kind, source, title, level, labelling, label_names, val_fraction, seed, notes
        self.description = description
        self.vocab = vocab
        self._items = items  # split -> token ids of each item
        self._labels = labels  # split -> (items,) class ids, or each item's tag ids

    @property
    def source(self) -> str:
        return self.description["source"]

    @property
    def labelling(self) -> str:
        return self.description["labelling"]

    @property
    def label_names(self) -> tuple[str, ...]:
        return tuple(self.description["label_names"])

    def task(self, embedding_dim: int = 64) -> Task:
        """Token ids in; a class per item through pooling, or a tag per token."""
        title, head = ("classification", "classification") if self.labelling == "class" else ("tagging", "tagging")
        return Task(
            title,
            InputSpec(kind="tokens", vocab_size=len(self.vocab), embedding_dim=embedding_dim),
            HeadSpec(kind=head, num_outputs=len(self.label_names)),
        )

    # -- storing ------------------------------------------------------------------------

    @classmethod
    def from_arrays(
        cls, description: dict[str, Any], vocabulary: dict[str, Any], arrays: dict[str, np.ndarray]
    ) -> LabelledCorpus:
        source = description.get("source", "the project")
        names = description.get("label_names")
        if description.get("labelling") not in LABELLINGS or not (
            isinstance(names, list) and names and all(isinstance(name, str) for name in names)
        ):
            raise DataError(f"{source}: the stored labels are damaged (no labelling or label names).")
        vocab, label_count = Vocabulary.from_json(vocabulary), len(description["label_names"])
        items, labels = {}, {}
        for split in SPLIT_NAMES:
            ids = stored_ids(arrays, f"{split}_ids", source, len(vocab))
            offsets = stored_offsets(arrays, f"{split}_offsets", source, len(ids))
            stored_labels = stored_ids(arrays, f"{split}_labels", source, label_count).astype(np.int64)
            items[split] = np.split(ids, offsets[1:-1]) if len(offsets) > 1 else []
            if description["labelling"] == "tags":
                if len(stored_labels) != len(ids):
                    raise DataError(f"{source}: the stored tags do not match the stored tokens.")
                labels[split] = np.split(stored_labels, offsets[1:-1]) if len(offsets) > 1 else []
            else:
                labels[split] = stored_labels
            if len(labels[split]) != len(items[split]):
                raise DataError(f"{source}: the stored labels do not match the stored items.")
        return cls(description, vocab, items, labels)

    def arrays(self) -> dict[str, np.ndarray]:
        """Each split's ids end to end, where each item starts, and the labels (end to end for tags)."""
        arrays = {}
        for split, items in self._items.items():
            arrays[f"{split}_ids"] = np.concatenate(items).astype(self.vocab.storage_dtype)
            arrays[f"{split}_offsets"] = np.cumsum([0] + [len(item) for item in items]).astype(np.int64)
            labels = self._labels[split]
            stacked = np.concatenate(labels) if self.labelling == "tags" else np.asarray(labels)
            arrays[f"{split}_labels"] = stacked.astype(np.int32)
        return arrays

    # -- reading ------------------------------------------------------------------------

    def items(self, split: str) -> list[tuple[np.ndarray, np.ndarray | int]]:
        """(token ids, class id or tag ids) of every item of ``split``."""
        return [(item, label) for item, label in zip(self._items[split], self._labels[split])]

    def batcher(self, split: str, batch_size: int, seq_len: int, seed: int) -> LabelledBatcher:
        self.check_fits(batch_size, seq_len)
        return LabelledBatcher(self._items[split], self._labels[split], self.labelling, batch_size, seq_len, seed)

    def check_fits(self, batch_size: int, seq_len: int) -> None:
        """Any batch shape fits; items longer than ``seq_len`` are cut (their first steps kept)."""
        check_batch_shape(batch_size, seq_len)
        for split, items in self._items.items():
            if not items:
                raise DataError(f"{self.source}: there are no {SPLIT_NAMES[split]} items.")

    def probe_example(self, length: int) -> ProbeExample:
        """The first validation item (its first ``length`` tokens) and its class or tags."""
        ids, label = self._items["val"][0][:length].astype(np.int64), self._labels["val"][0]
        targets = np.asarray(label, np.int64) if self.labelling == "class" else np.asarray(label[:length], np.int64)
        return ProbeExample(ids, targets, tuple(self.vocab.tokens[i] for i in ids))

    def label_counts(self, split: str) -> dict[str, int]:
        """How often each label occurs in ``split`` (items for classes, tokens for tags)."""
        labels = self._labels[split]
        flat = np.concatenate(labels) if self.labelling == "tags" else np.asarray(labels)
        counts = np.bincount(flat.astype(np.int64), minlength=len(self.label_names))
        return {name: int(count) for name, count in zip(self.label_names, counts)}

    def stats(self) -> dict[str, Any]:
        train, val = self._items["train"], self._items["val"]
        counts = self.label_counts("train")
        majority = max(counts.values()) / max(1, sum(counts.values()))
        return {
            "level": self.vocab.level,
            "labelling": self.labelling,
            "items": len(train) + len(val),
            "train_items": len(train),
            "val_items": len(val),
            "train_tokens": sum(len(item) for item in train),
            "val_tokens": sum(len(item) for item in val),
            "vocab_size": len(self.vocab),
            "labels": len(self.label_names),
            "longest_item": max(len(item) for item in train + val),
            "train_label_counts": counts,
            "majority_share": round(majority, 4),  # accuracy of always guessing the commonest label
            **self.description.get("notes", {}),
        }

    def preview(self, max_chars: int = 400) -> str:
        lines, length = [], 0
        for item, label in zip(self._items["train"], self._labels["train"]):
            if length >= max_chars:
                break
            text = self.vocab.decode(item)
            if self.labelling == "class":
                lines.append(f"{text}\t→ {self.label_names[int(label)]}")
            else:
                lines.append(text.split("\n")[0][:80])
            length += len(lines[-1]) + 1
        return "\n".join(lines)[:max_chars]


class LabelledBatcher(ItemBatcher):
    """Items in a fresh random order each epoch, padded to the longest in the batch.

    Inputs are padded with id 0 and masked; class targets are ``(B,)``, tag targets ``(B, T)``
    with IGNORE_INDEX on padding.
    """

    def __init__(
        self,
        items: Sequence[np.ndarray],
        labels: Sequence[np.ndarray] | np.ndarray,
        labelling: str,
        batch_size: int,
        seq_len: int,
        seed: int,
    ) -> None:
        check_batch_shape(batch_size, seq_len)
        super().__init__(len(items), batch_size, seed)
        self._items, self._labels, self._labelling, self._seq_len = items, labels, labelling, seq_len

    def _frame(self, chosen: np.ndarray) -> Batch:
        items = [self._items[i][: self._seq_len] for i in chosen]
        width = max(1, max(len(item) for item in items))
        inputs = np.zeros((len(items), width), np.int64)
        mask = np.zeros((len(items), width), bool)
        for row, item in enumerate(items):
            inputs[row, : len(item)] = item
            mask[row, : len(item)] = True
        if self._labelling == "class":
            targets = np.array([int(self._labels[i]) for i in chosen], np.int64)
            return Batch(inputs, targets, continues=False, tokens=len(items), mask=mask)
        targets = np.full((len(items), width), IGNORE_INDEX, np.int64)
        for row, i in enumerate(chosen):
            tags = self._labels[i][: self._seq_len]
            targets[row, : len(tags)] = tags
        return Batch(inputs, targets, continues=False, tokens=int(mask.sum()), mask=mask)


def labelled_corpus(
    texts: Sequence[str] | Sequence[Sequence[str]],
    labels: Sequence[str] | Sequence[Sequence[str]],
    labelling: str,
    source: str,
    title: str,
    level: str = "char",
    val_fraction: float = 0.1,
    seed: int = 0,
    notes: dict[str, Any] | None = None,
    label_names: Sequence[str] | None = None,
) -> LabelledCorpus:
    """A labelled corpus of ``texts`` (strings; or token lists at the word level) and their
    ``labels`` (one name per item, or one per character or token).

    ``notes``: facts about how the data was made that the data panel shows (JSON-able).
    ``label_names``: when given, ``labels`` are ids into it (arrays of them for tags), which
    spares naming a million characters' tags one by one.
    """
    check_val_fraction(val_fraction)
    if labelling not in LABELLINGS:
        raise DataError(f"unknown labelling {labelling!r} (class or tags).")
    if len(texts) != len(labels):
        raise DataError(f"{source}: {len(texts)} items but {len(labels)} labels.")
    if len(texts) < 2:
        raise DataError(f"{source}: needs at least 2 labelled items, to keep one for validation; found {len(texts)}.")
    is_val = held_out(len(texts), val_fraction, seed)
    vocab = _vocabulary(texts, level, is_val)
    encoded = [token_ids(vocab, text) for text in texts]
    for index, (ids, label) in enumerate(zip(encoded, labels)):
        if not len(ids):
            raise DataError(f"{source}: item {index + 1} is empty.")
        if labelling == "tags" and len(label) != len(ids):
            raise DataError(f"{source}: item {index + 1} has {len(ids)} tokens but {len(label)} tags.")
    if label_names is None:
        label_names, coded = _label_ids(labels, labelling)
    else:
        label_names = tuple(label_names)
        coded = [np.asarray(item, np.int64) for item in labels] if labelling == "tags" else list(labels)
    if labelling == "class" and len(set(coded)) < 2:
        only = label_names[coded[0]]
        raise DataError(f"{source}: every item has the label {only!r}; a classifier needs two or more.")
    items, split_labels = {}, {}
    for split, wanted in (("train", False), ("val", True)):
        chosen = [i for i in range(len(texts)) if is_val[i] == wanted]
        items[split] = [encoded[i].astype(vocab.storage_dtype) for i in chosen]
        picked = [coded[i] for i in chosen]
        split_labels[split] = picked if labelling == "tags" else np.array(picked, np.int64)
    description = {
        "kind": LabelledCorpus.kind,
        "source": source,
        "title": title,
        "level": level,
        "labelling": labelling,
        "label_names": list(label_names),
        "val_fraction": val_fraction,
        "seed": seed,
        "notes": dict(notes or {}),
    }
    return LabelledCorpus(description, vocab, items, split_labels)


def _label_ids(labels: Sequence, labelling: str) -> tuple[tuple[str, ...], list]:
    """The sorted label names, and each item's label (or tags) as ids into them."""
    flat = [label for item in labels for label in item] if labelling == "tags" else list(labels)
    names = tuple(sorted(set(flat)))
    ids = {name: i for i, name in enumerate(names)}
    if labelling == "tags":
        return names, [np.array([ids[tag] for tag in item], np.int64) for item in labels]
    return names, [ids[label] for label in labels]


def _vocabulary(texts: Sequence, level: str, is_val: np.ndarray) -> Vocabulary:
    """Characters of every item (id 0 ``<s>`` pads), or words: ``<unk>`` then the commonest
    words of the training items only, so that a word first met in validation reads as the
    trained ``<unk>``, as it would in new text."""
    if level == "char":
        return Vocabulary.of_characters("".join(texts), with_boundary=True)
    if level == "word":
        counts = Counter(token for tokens, held_out in zip(texts, is_val) if not held_out for token in tokens)
        kept = sorted(counts, key=lambda word: (-counts[word], word))[:MAX_WORDS]
        return Vocabulary("word", (UNKNOWN, *kept), None, 0)
    raise DataError(f"unknown level {level!r} (char or word).")


def token_ids(vocab: Vocabulary, text: str | Sequence[str]) -> np.ndarray:
    """Ids of a string's characters, or of a list of words (words never seen become ``<unk>``)."""
    if vocab.level == "char":
        return vocab.encode(text)
    ids = (vocab.id_of(token) for token in text)
    return np.array([vocab.unknown if i is None else i for i in ids], np.int64)

"""Batches of token ids, and batchers whose whole position is two integers.

Every random choice of an epoch (the stream's start offset, the order of line items) comes from
``np.random.default_rng([seed, epoch])``, so a batcher is restored exactly from its epoch and
cursor and no generator state is ever saved.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..common.errors import DataError

IGNORE_INDEX = -100  # target value on padded steps
POOL_BATCHES = 16  # items are sorted by length within pools of this many batches, to pad little
SUBSET_DRAW = 7_919  # the second word of the generator's seed that draws a quick validation's items
BLOCK_TOKENS = 1 << 14  # ids of each row a stream batcher reads at once


@dataclass(frozen=True, eq=False)
class Batch:
    """One training step's worth of data."""

    inputs: np.ndarray  # (B, T) int64 ids, or (B, T, F) float32 features
    targets: np.ndarray  # (B, T) int64 ids or tags, IGNORE_INDEX on padded steps; (B,) classes;
    #                      or (B, T, F) float32 values, NaN on padded steps
    continues: bool  # row b continues row b of the previous batch: carry the hidden state
    tokens: int  # number of real (non-ignored) targets
    mask: np.ndarray | None = None  # (B, T) bool, True on real input steps; None: all are real

    @property
    def loss_weight(self) -> int:
        """What the loss is averaged over: real targets (the loss is per token)."""
        return self.tokens


def check_batch_shape(batch_size: int, seq_len: int) -> None:
    if batch_size < 1 or seq_len < 1:
        raise DataError(f"batch size and sequence length must be at least 1, not {batch_size} and {seq_len}.")


class Batcher:
    """Walks one split batch by batch, epoch after epoch, without end."""

    def __init__(self, batches_per_epoch: int) -> None:
        self._batches_per_epoch = batches_per_epoch
        self._epoch = 0  # epochs completed
        self._cursor = 0  # batches taken from the current epoch

    @property
    def epoch(self) -> int:
        return self._epoch

    @property
    def batches_per_epoch(self) -> int:
        return self._batches_per_epoch

    def next_batch(self) -> Batch:
        batch = self._batch(self._epoch, self._cursor)
        self._cursor += 1
        if self._cursor == self._batches_per_epoch:
            self._epoch, self._cursor = self._epoch + 1, 0
        return batch

    def epoch_batches(self) -> Iterator[Batch]:
        """One pass in a fixed order (for validation); leaves the position alone."""
        for index in range(self._batches_per_epoch):
            yield self._fixed_batch(index)

    @property
    def pass_length(self) -> int:
        """Batches in one pass of ``epoch_batches``."""
        return self._batches_per_epoch

    def subset_batches(self, limit: int) -> Iterator[Batch]:
        """A quick validation: the first ``limit`` batches of the fixed pass, contiguous so that
        a stream's hidden state carries across them as it does in the whole pass."""
        for index in range(min(limit, self._batches_per_epoch)):
            yield self._fixed_batch(index)

    def state(self) -> dict[str, int]:
        return {"epoch": self._epoch, "cursor": self._cursor}

    def restore(self, state: dict[str, Any]) -> None:
        epoch, cursor = state.get("epoch"), state.get("cursor")
        if not (isinstance(epoch, int) and isinstance(cursor, int)):
            raise DataError(f"the saved data position is damaged: {state!r}.")
        if epoch < 0 or not 0 <= cursor < self._batches_per_epoch:
            raise DataError(
                f"the saved data position (epoch {epoch}, batch {cursor}) does not fit "
                f"{self._batches_per_epoch} batches per epoch."
            )
        self._epoch, self._cursor = epoch, cursor

    def _batch(self, epoch: int, index: int) -> Batch:
        raise NotImplementedError

    def _fixed_batch(self, index: int) -> Batch:
        raise NotImplementedError


def stream_batches_per_epoch(num_tokens: int, batch_size: int, seq_len: int) -> int:
    """Batches that fit after dropping the largest start offset, ``seq_len - 1`` tokens."""
    return max(0, (num_tokens - seq_len) // (batch_size * seq_len))


class StreamBatcher(Batcher):
    """Truncated backpropagation through time over one long stream (char-rnn style).

    Each epoch drops a random offset in ``[0, T)`` from the start and cuts the rest into ``B``
    contiguous rows; batch k holds columns ``[kT, kT + T)``, so row b of one batch continues row
    b of the one before and the hidden state is carried across batches.

    The stream is only sliced: each row is read a block of batches at a time (about
    BLOCK_TOKENS ids a row), so a stream on disk costs ``B × BLOCK_TOKENS`` ids of memory.
    """

    def __init__(self, ids, batch_size: int, seq_len: int, seed: int) -> None:
        check_batch_shape(batch_size, seq_len)
        super().__init__(stream_batches_per_epoch(len(ids), batch_size, seq_len))
        self._ids = ids
        self._batch_size, self._seq_len, self._seed = batch_size, seq_len, seed
        self._block_batches = max(1, BLOCK_TOKENS // seq_len)
        self._offsets: dict[int, int] = {}  # epoch -> its start offset (the latest only)
        self._block_key: tuple[int, int] | None = None  # (offset, first batch) of ``_block``
        self._block = np.empty((0, 0), np.int64)

    def _batch(self, epoch: int, index: int) -> Batch:
        if epoch not in self._offsets:
            self._offsets = {epoch: int(np.random.default_rng([self._seed, epoch]).integers(self._seq_len))}
        return self._columns(self._offsets[epoch], index)

    def _fixed_batch(self, index: int) -> Batch:
        return self._columns(0, index)

    def _columns(self, offset: int, index: int) -> Batch:
        first = index - index % self._block_batches
        if self._block_key != (offset, first):
            self._block, self._block_key = self._read_block(offset, first), (offset, first)
        start = (index - first) * self._seq_len
        window = self._block[:, start : start + self._seq_len + 1]
        inputs, targets = window[:, :-1].astype(np.int64), window[:, 1:].astype(np.int64)
        return Batch(inputs, targets, continues=index > 0, tokens=targets.size)

    def _read_block(self, offset: int, first: int) -> np.ndarray:
        """``(B, n T + 1)`` ids: each row's columns from batch ``first`` for ``n`` batches, and
        the one after them that the last batch's targets end with."""
        row_len = self.batches_per_epoch * self._seq_len
        batches = min(self._block_batches, self.batches_per_epoch - first)
        width = batches * self._seq_len + 1
        rows = [
            np.asarray(self._ids[begin : begin + width])
            for begin in (offset + row * row_len + first * self._seq_len for row in range(self._batch_size))
        ]
        return np.stack(rows)


class ItemBatcher(Batcher):
    """Independent items in batches: each epoch a fresh order from ``np.random.default_rng([seed,
    epoch])``, validation in a fixed order. A subclass frames a batch from item indices.

    A training epoch is the full batches (all items in one batch when there are fewer than
    ``batch_size``); a validation pass also frames the items left over, so it sees every item.
    """

    def __init__(self, count: int, batch_size: int, seed: int) -> None:
        super().__init__(max(1, count // batch_size))
        self._count, self._batch_size, self._seed = count, batch_size, seed
        self._order_epoch: int | None = None  # the epoch whose order ``_order`` holds
        self._order = np.arange(count)

    def _batch(self, epoch: int, index: int):
        if self._order_epoch != epoch:
            self._order, self._order_epoch = self._epoch_order(np.random.default_rng([self._seed, epoch])), epoch
        return self._frame(self._rows(self._order, index))

    def epoch_batches(self) -> Iterator:
        order = self._fixed_order()
        for index in range(self.pass_length):
            yield self._frame(self._rows(order, index))

    @property
    def pass_length(self) -> int:
        return -(-self._count // min(self._batch_size, self._count))

    def subset_batches(self, limit: int) -> Iterator:
        """A quick validation: ``limit`` batches of items drawn once for all (the same items at
        every validation) from the whole split, in its fixed order. Not its first items: files
        are often grouped by class, and the first few batches would hold one or two classes."""
        if limit >= self.pass_length:
            yield from self.epoch_batches()
            return
        rows = min(self._batch_size, self._count)
        drawn = np.random.default_rng([self._seed, SUBSET_DRAW]).choice(self._count, limit * rows, replace=False)
        order = self._fixed_order()[np.sort(drawn)]
        for index in range(limit):
            yield self._frame(self._rows(order, index))

    def _epoch_order(self, rng: np.random.Generator) -> np.ndarray:
        return rng.permutation(self._count)

    def _fixed_order(self) -> np.ndarray:
        return np.arange(self._count)

    def _rows(self, order: np.ndarray, index: int) -> np.ndarray:
        rows = min(self._batch_size, self._count)
        return order[index * rows : (index + 1) * rows]

    def _frame(self, chosen: np.ndarray):
        raise NotImplementedError


class LengthPooledBatcher(ItemBatcher):
    """Items of uneven length, batched to pad little: each epoch shuffles them, sorts them by
    length within pools of POOL_BATCHES batches, and shuffles the batches."""

    def __init__(self, lengths: np.ndarray, batch_size: int, seed: int) -> None:
        super().__init__(len(lengths), batch_size, seed)
        self._lengths = lengths

    def _epoch_order(self, rng: np.random.Generator) -> np.ndarray:
        order = rng.permutation(self._count)
        pool = self._batch_size * POOL_BATCHES
        for start in range(0, len(order), pool):
            chunk = order[start : start + pool]
            order[start : start + pool] = chunk[np.argsort(self._lengths[chunk], kind="stable")]
        rows = min(self._batch_size, self._count)
        batches = order[: self.batches_per_epoch * rows].reshape(self.batches_per_epoch, rows)
        return batches[rng.permutation(len(batches))].ravel()


class LineBatcher(ItemBatcher):
    """Independent items, each framed as ``<s> item <s>`` and padded to the longest in its batch.

    Inputs are ``[<s>] + item`` padded with ``<s>``, targets ``item + [<s>]`` padded with
    IGNORE_INDEX; both are cut to ``seq_len``. An epoch is a fresh permutation of the items in
    full batches (all items in one batch when there are fewer than ``B``).
    """

    def __init__(self, items: Sequence[np.ndarray], boundary: int, batch_size: int, seq_len: int, seed: int) -> None:
        check_batch_shape(batch_size, seq_len)
        super().__init__(len(items), batch_size, seed)
        self._items, self._boundary, self._seq_len = items, boundary, seq_len

    def _frame(self, chosen: np.ndarray) -> Batch:
        items = [self._items[i] for i in chosen]
        width = min(self._seq_len, max(len(item) for item in items) + 1)
        inputs = np.full((len(items), width), self._boundary, np.int64)
        targets = np.full((len(items), width), IGNORE_INDEX, np.int64)
        for row, item in enumerate(items):
            framed = np.concatenate(([self._boundary], item, [self._boundary]))
            steps = min(len(framed) - 1, width)
            inputs[row, :steps] = framed[:steps]
            targets[row, :steps] = framed[1 : steps + 1]
        return Batch(inputs, targets, continues=False, tokens=int((targets != IGNORE_INDEX).sum()))

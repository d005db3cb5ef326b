"""A rank's rows of a global batch, and its share of what the batch's loss is averaged over.

In a data-parallel run every rank builds the same global batch from the same batcher and trains
on rows ``[r R / K, (r + 1) R / K)`` of its ``R`` rows. Every batch kind is a frozen dataclass
whose arrays share their first axis, the batch's, so slicing them gives a batch of the same kind;
its ``tokens`` are counted again, row by row, the way each kind counts them (and checked against
the global batch's count, so a kind counted another way is refused rather than trained wrong).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from ..common.errors import WorkbenchError
from ..data import IGNORE_INDEX


@dataclass(frozen=True)
class RankRows:
    """This rank's part of one training step."""

    batch: object  # the rows' batch, of the global batch's kind
    state: object  # the carried hidden state of the rows (None when the batch starts afresh)
    share: float  # the rows' part of the global batch's loss weight, 0 to 1
    start: int  # the first row in the global batch
    total: int  # rows in the global batch


def row_span(rows: int, rank: int, size: int) -> tuple[int, int]:
    """Rows ``[start, stop)`` of ``rows`` that rank ``rank`` of ``size`` trains on."""
    return rank * rows // size, (rank + 1) * rows // size


def batch_rows(batch) -> int:
    """Rows of a batch: the first axis its arrays share."""
    arrays = [value for value in _arrays(batch).values()]
    rows = {len(array) for array in arrays}
    if len(rows) != 1:
        raise WorkbenchError(f"a {type(batch).__name__}'s arrays do not share their rows, so it cannot be split")
    return rows.pop()


def row_tokens(batch) -> np.ndarray:
    """Each row's real targets, which the batch's ``tokens`` sums: target steps not IGNORE_INDEX
    (ids, tags, classes), steps marked real by the mask (pen points), or steps with a value (series)."""
    rows = batch_rows(batch)
    targets = getattr(batch, "target_out", None)
    if targets is None:
        targets = batch.targets
    if targets.dtype.kind != "f":
        return (targets != IGNORE_INDEX).reshape(rows, -1).sum(1)
    if getattr(batch, "mask", None) is not None:
        return batch.mask.reshape(rows, -1).sum(1)
    real = ~np.isnan(targets)
    return (real.reshape(*real.shape[:2], -1).any(-1) if real.ndim > 2 else real).reshape(rows, -1).sum(1)


def split_batch(batch, state, rank: int, size: int) -> RankRows:
    """Rank ``rank``'s rows of ``batch`` and of the full carried ``state`` (``None``, a tensor or a
    tuple of tensors, rows on axis 1); refused when the batch has fewer rows than ranks, or when
    its kind counts its tokens otherwise than ``row_tokens``."""
    rows = batch_rows(batch)
    if rows < size:
        raise WorkbenchError(f"a batch of {rows:,} rows cannot be split over {size:,} processes")
    counted = row_tokens(batch)
    if int(counted.sum()) != batch.tokens:
        raise WorkbenchError(
            f"a {type(batch).__name__} counts its tokens in a way data-parallel training does not know, "
            "so it cannot be split over processes"
        )
    start, stop = row_span(rows, rank, size)
    part = replace(
        batch,
        **{name: array[start:stop] for name, array in _arrays(batch).items()},
        tokens=int(counted[start:stop].sum()),
    )
    share = part.loss_weight / batch.loss_weight if batch.loss_weight else 1 / size
    return RankRows(part, state_rows(state, start, stop), share, start, rows)


def state_rows(state, start: int, stop: int):
    """Rows ``[start, stop)`` of a hidden state (a tensor or a tuple of them, rows on axis 1)."""
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(part[:, start:stop].contiguous() for part in state)
    return state[:, start:stop].contiguous()


def _arrays(batch) -> dict[str, np.ndarray]:
    return {
        field.name: getattr(batch, field.name)
        for field in fields(batch)
        if isinstance(getattr(batch, field.name), np.ndarray)
    }

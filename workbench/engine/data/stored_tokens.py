"""A token stream that stays on disk: an HDF5 dataset read window by window.

A corpus too large to hold in memory keeps each split as a ``StoredTokens``; batches, the probe
and the Data panel read only the windows they show. Every window's ids are checked against the
vocabulary as it is read, so a damaged file is refused in words, never by an index error deep in
the model, and opening it reads nothing.
"""

from __future__ import annotations

import h5py
import numpy as np

from ..common.errors import DataError


class StoredTokens:
    """Token ids in ``dataset`` (1-D, unsigned), each below ``vocab_size``; sliced like an array."""

    def __init__(self, dataset: h5py.Dataset, vocab_size: int, source: str) -> None:
        if dataset.ndim != 1 or dataset.dtype.kind != "u":
            raise DataError(f"{source}: the saved {dataset.name!r} is not a list of token ids.")
        self._dataset, self._vocab_size, self._source = dataset, vocab_size, source

    @property
    def dataset(self) -> h5py.Dataset:
        """Where the ids are: what a project's writer copies into the file it saves."""
        return self._dataset

    def repoint(self, dataset: h5py.Dataset) -> None:
        """Read from ``dataset`` from now on: the same ids in the file just saved, so that the
        file they were read from can go."""
        if dataset.shape != self._dataset.shape or dataset.dtype != self._dataset.dtype:
            raise DataError(f"{self._source}: the saved {dataset.name!r} is not the stream it replaces.")
        self._dataset = dataset

    @property
    def dtype(self) -> np.dtype:
        return self._dataset.dtype

    @property
    def shape(self) -> tuple[int]:
        return self._dataset.shape

    def __len__(self) -> int:
        return self._dataset.shape[0]

    def __getitem__(self, window: slice) -> np.ndarray:
        if not isinstance(window, slice) or window.step not in (None, 1):
            raise TypeError("a stored token stream is read in windows: stream[start:stop]")
        try:
            ids = self._dataset[window]
        except OSError as error:  # a chunk's fletcher32 refused its bytes, or the disk failed
            raise DataError(
                f"{self._dataset.file.filename}: its {self._dataset.name!r} cannot be read: it is damaged ({error})."
            ) from None
        if len(ids) and int(ids.max()) >= self._vocab_size:
            raise DataError(
                f"{self._source}: the saved {self._dataset.name!r} holds the id {int(ids.max())}, "
                f"outside the vocabulary of {self._vocab_size}."
            )
        return ids

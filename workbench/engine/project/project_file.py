"""A project as one HDF5 file: what it holds, and the layout rules its writer and reader share.

This is a plain container layer: callers hand in JSON-able values and numpy arrays (torch state
already converted) and get the same back. docs/project-format.md describes the layout;
``project_file_writer`` saves a ``ProjectFile`` and ``project_file_reader`` loads one, checking it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import h5py
import numpy as np

FORMAT_NAME = "sequence-workbench-project"
# 2: the best weights (/best). A reader of 1 would take a file holding them for a damaged one (its
# digest covers datasets that reader never reads), so it must refuse them as newer instead.
# Streamed corpus datasets (STREAMED_ATTRIBUTE) need no new version: a reader of 2 reads them
# whole, and its digest of their bytes equals the part they carry (PART_ATTRIBUTE).
FORMAT_VERSION = 2

# fletcher32 needs chunked storage, which a 0-d dataset cannot have: it is stored as shape (1,).
SCALAR_ATTRIBUTE = "scalar"
# A digest of every dataset's stored bytes, kept in the (checksummed) root header. HDF5's own
# checksums leave gaps: its chunk indexes (v1 B-trees) carry none, so a damaged index could
# hand back a wrong chunk, or a chunk unfiltered, that passes its own fletcher32.
DIGEST_ATTRIBUTE = "content_blake2b"
# A dataset of /data/arrays read from the file as needed (a corpus of any size), whose part of the
# digest is kept in its own attribute: opening a project does not read a gigabyte to hash it.
# Its chunks are checked by their fletcher32 whenever a window is read.
STREAMED_ATTRIBUTE = "streamed"
PART_ATTRIBUTE = "content_part"
STREAMED_GROUP = "/data/arrays"
_HASHED_BLOCK = 1 << 22  # elements hashed at a time when a streamed dataset's part is made


@dataclass
class Run:
    """One training run of the project, kept so runs can be compared."""

    name: str  # "run-001", ...
    meta: dict  # JSON-able: cell, spec description, device, start time, ...
    series: dict[str, np.ndarray]  # 1-D, e.g. "step", "loss", "grad_norm/encoder.l0"


@dataclass
class ProjectFile:
    """Everything a project file holds, in memory."""

    spec: dict  # the model spec as a JSON object
    data_description: dict
    vocabulary: dict
    data_arrays: dict[str, np.ndarray]  # token ids etc.
    train_config: dict
    weights: dict[str, np.ndarray]  # parameter name -> array
    optimizer: dict | None  # {"param_groups": [...], "state": {"0": {"exp_avg": array}}}
    trainer_state: dict  # step, RNG states, data position, ...
    trainer_arrays: dict[str, np.ndarray]  # e.g. "torch_rng", "hidden/0"
    runs: list[Run]
    samples: list[dict]  # recent generated samples
    probe_meta: dict | None  # the latest probe snapshot's description
    probe_arrays: dict[str, np.ndarray]  # its arrays, e.g. "encoder.l0/gates/forget"
    created_with: str = ""  # the workbench version that saved the file
    best_meta: dict | None = None  # the best weights' step, val_loss and scope; None: no best (nor best_weights)
    best_weights: dict[str, np.ndarray] | None = None  # parameter name -> array, as ``weights``


class ContentDigest:
    """BLAKE2b over every dataset's path, type, shape, scalar mark and stored bytes, in path
    order, so that the writer (in its order) and the reader (in its own) agree."""

    def __init__(self) -> None:
        self._parts: dict[str, bytes] = {}

    def add(self, dataset: h5py.Dataset, stored: np.ndarray) -> None:
        part = _part_of(dataset.name, stored.dtype, stored.shape, SCALAR_ATTRIBUTE in dataset.attrs)
        part.update(np.ascontiguousarray(stored).data)
        self._parts[dataset.name] = part.digest()

    def add_part(self, name: str, part: bytes) -> None:
        """A dataset's part made beforehand (``streamed_part``)."""
        self._parts[name] = part

    def hexdigest(self) -> str:
        whole = hashlib.blake2b(digest_size=32)
        for name in sorted(self._parts):
            whole.update(name.encode() + b"\0" + self._parts[name])
        return whole.hexdigest()


def streamed_part(dataset: h5py.Dataset) -> bytes:
    """What ``ContentDigest.add`` makes of a 1-D ``dataset``, read block by block."""
    part = _part_of(dataset.name, dataset.dtype, dataset.shape, False)
    for start in range(0, dataset.shape[0], _HASHED_BLOCK):
        part.update(np.ascontiguousarray(dataset[start : start + _HASHED_BLOCK]).data)
    return part.digest()


def _part_of(name: str, dtype: np.dtype, shape: tuple[int, ...], scalar: bool):
    part = hashlib.blake2b(digest_size=32)
    part.update(repr((name, dtype.str, shape, scalar)).encode())
    return part


def escaped_name(name: str) -> str:
    """An HDF5 member name for ``name``: "/" would nest groups, so it becomes "%2F"."""
    return name.replace("%", "%25").replace("/", "%2F")


def unescaped_name(name: str) -> str:
    return name.replace("%2F", "/").replace("%25", "%")

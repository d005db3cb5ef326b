"""Saving a ``ProjectFile``: every section as checksummed JSON text or numpy arrays, atomically.

Every dataset carries a fletcher32 checksum and the file uses the HDF5 1.8 format, whose
metadata carries checksums too, so a damaged file fails to load instead of loading wrong numbers.
Saving writes a temporary file next to the target and renames it over the target, so an
interrupted save leaves the previous file as it was.
"""

from __future__ import annotations

import json
import os
import posixpath
from datetime import UTC, datetime
from pathlib import Path

import h5py
import numpy as np

from ..common.atomic import write_atomically
from ..common.errors import ProjectError
from .hdf5_survey import FileProblem
from .project_file import (
    DIGEST_ATTRIBUTE,
    FORMAT_NAME,
    FORMAT_VERSION,
    PART_ATTRIBUTE,
    SCALAR_ATTRIBUTE,
    STREAMED_ATTRIBUTE,
    ContentDigest,
    ProjectFile,
    escaped_name,
    streamed_part,
)

# Lowest and highest HDF5 file format: 1.8 is the first with checksummed metadata.
_LIBVER = ("v108", "v108")
_GZIP = {"compression": "gzip", "compression_opts": 4, "shuffle": True}
# Elements per chunk of a run's series; series stay resizable so they can grow in place.
_SERIES_CHUNK = 1024


def write_project_file(path: str | os.PathLike, project: ProjectFile) -> None:
    """Save ``project`` to ``path`` atomically.

    Raises ProjectError naming the file when the file system fails (folder not writable, disk
    full) or a section is not JSON-able; any other error is a bug and propagates as it is.
    """
    path = Path(path)
    try:
        _write_project(path, project)
    except OSError as error:
        raise ProjectError(f"cannot save {path}: {_os_reason(error)}") from error
    except FileProblem as problem:
        raise ProjectError(f"cannot save {path}: {problem}") from problem.__cause__


def _write_project(path: Path, project: ProjectFile) -> None:
    def write(temporary: Path) -> None:
        with h5py.File(temporary, "w", libver=_LIBVER, track_order=True) as file:
            _set_text_attribute(file, "format", FORMAT_NAME)
            file.attrs["format_version"] = FORMAT_VERSION
            _set_text_attribute(file, "created_with", project.created_with)
            _set_text_attribute(file, "saved_at", datetime.now(UTC).isoformat())
            digest = ContentDigest()
            _write_sections(file, project, digest)
            _set_text_attribute(file, DIGEST_ATTRIBUTE, digest.hexdigest())

    write_atomically(path, write, durable=True)


def _write_sections(file: h5py.File, project: ProjectFile, digest: ContentDigest) -> None:
    _write_json(_group(file, "model"), "spec", project.spec, digest)

    data = _group(file, "data")
    _write_json(data, "description", project.data_description, digest)
    _write_json(data, "vocabulary", project.vocabulary, digest)
    _write_arrays(_group(data, "arrays"), project.data_arrays, digest, compress=True)

    _write_arrays(_group(file, "weights"), project.weights, digest)

    if project.best_meta is not None:
        best = _group(file, "best")
        _write_json(best, "meta", project.best_meta, digest)
        _write_arrays(_group(best, "weights"), project.best_weights, digest)

    if project.optimizer is not None:
        optimizer = _group(file, "optimizer")
        _write_json(optimizer, "param_groups", project.optimizer["param_groups"], digest)
        state = _group(optimizer, "state")
        for index, arrays in project.optimizer["state"].items():
            _write_arrays(_group(state, escaped_name(str(index))), arrays, digest)

    trainer = _group(file, "trainer")
    _write_json(trainer, "config", project.train_config, digest)
    _write_json(trainer, "state", project.trainer_state, digest)
    _write_arrays(_group(trainer, "arrays"), project.trainer_arrays, digest)

    runs = _group(file, "runs")
    for run in project.runs:
        group = _group(runs, escaped_name(run.name))
        _write_json(group, "meta", run.meta, digest)
        _write_arrays(_group(group, "series"), run.series, digest, resizable=True)

    _write_json(file, "samples", project.samples, digest)

    probe = _group(file, "probe")
    _write_json(probe, "meta", project.probe_meta, digest)
    _write_arrays(_group(probe, "arrays"), project.probe_arrays, digest)


def _group(parent: h5py.Group, name: str) -> h5py.Group:
    """A new group that lists its members in the order they were written."""
    return parent.create_group(name, track_order=True)


def _write_json(group: h5py.Group, name: str, value, digest: ContentDigest) -> None:
    """Store ``value`` as UTF-8 JSON text in a checksummed shape-(1,) string dataset."""
    try:
        encoded = json.dumps(value, ensure_ascii=False).encode()
    except (TypeError, ValueError) as error:
        raise FileProblem(f"{posixpath.join(group.name, name)} is not JSON ({error})") from error
    text = np.array([encoded], dtype=h5py.string_dtype("utf-8", len(encoded)))
    digest.add(group.create_dataset(name, data=text, fletcher32=True, **_GZIP), text)


def _write_arrays(group: h5py.Group, arrays: dict, digest: ContentDigest, compress=False, resizable=False) -> None:
    for name, array in arrays.items():
        _write_array(group, name, array, digest, compress, resizable)


def _write_array(group: h5py.Group, name: str, array, digest: ContentDigest, compress: bool, resizable: bool) -> None:
    if isinstance(array, h5py.Dataset):
        _copy_streamed(group, name, array, digest)
        return
    array = np.asarray(array)
    stored = array.reshape(1) if array.ndim == 0 else array
    options = dict(_GZIP) if compress else {}
    if resizable:
        options.update(maxshape=(None,), chunks=(_SERIES_CHUNK,))
    dataset = group.create_dataset(escaped_name(name), data=stored, fletcher32=True, **options)
    if array.ndim == 0:
        dataset.attrs[SCALAR_ATTRIBUTE] = True
    digest.add(dataset, stored)


def _copy_streamed(group: h5py.Group, name: str, source: h5py.Dataset, digest: ContentDigest) -> None:
    """A corpus kept on disk, copied chunk by chunk (HDF5 copies them as stored, checksums and
    all) and marked streamed; its digest part is hashed once and then travels with it."""
    group.copy(source, group, name=escaped_name(name))
    copied = group[escaped_name(name)]
    part = source.attrs.get(PART_ATTRIBUTE) if source.name == copied.name else None
    part = bytes(part) if isinstance(part, np.void | bytes) else streamed_part(copied)
    copied.attrs[PART_ATTRIBUTE] = np.void(part)
    copied.attrs[STREAMED_ATTRIBUTE] = True
    digest.add_part(copied.name, part)


def _set_text_attribute(node: h5py.HLObject, name: str, text: str) -> None:
    """A fixed-length string lives in the checksummed object header, not the global heap."""
    encoded = text.encode()
    node.attrs.create(name, encoded, dtype=h5py.string_dtype("utf-8", max(1, len(encoded))))


def _os_reason(error: OSError) -> str:
    """The plain system message ("Permission denied"), not h5py's wrapping of it."""
    return os.strerror(error.errno) if error.errno else str(error)

"""A project as one HDF5 file: JSON text and numpy arrays, never pickles.

This is a plain container layer: callers hand in JSON-able values and numpy arrays (torch state
already converted) and get the same back. docs/project-format.md describes the layout.

Every dataset carries a fletcher32 checksum and the file uses the HDF5 1.8 format, whose
metadata carries checksums too, so a damaged file fails to load instead of loading wrong numbers.
Saving writes a temporary file next to the target and renames it over the target, so an
interrupted save leaves the previous file as it was.
"""

from __future__ import annotations

import json
import os
import posixpath
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import h5py
import numpy as np

from .atomic import write_atomically
from .errors import ProjectError

FORMAT_NAME = "sequence-workbench-project"
FORMAT_VERSION = 1

# Lowest and highest HDF5 file format: 1.8 is the first with checksummed metadata.
_LIBVER = ("v108", "v108")
# fletcher32 needs chunked storage, which a 0-d dataset cannot have: it is stored as shape (1,).
_SCALAR_ATTRIBUTE = "scalar"
_GZIP = {"compression": "gzip", "compression_opts": 4, "shuffle": True}
# Elements per chunk of a run's series; series stay resizable so they can grow in place.
_SERIES_CHUNK = 1024


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


class _Problem(Exception):
    """What is wrong, worded to follow the file's name in a ProjectError."""


# ---------------------------------------------------------------- saving


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
    except _Problem as problem:
        raise ProjectError(f"cannot save {path}: {problem}") from problem.__cause__


def _write_project(path: Path, project: ProjectFile) -> None:
    def write(temporary: Path) -> None:
        with h5py.File(temporary, "w", libver=_LIBVER, track_order=True) as file:
            _set_text_attribute(file, "format", FORMAT_NAME)
            file.attrs["format_version"] = FORMAT_VERSION
            _set_text_attribute(file, "created_with", project.created_with)
            _set_text_attribute(file, "saved_at", datetime.now(timezone.utc).isoformat())
            _write_sections(file, project)

    write_atomically(path, write, durable=True)


def _write_sections(file: h5py.File, project: ProjectFile) -> None:
    _write_json(_group(file, "model"), "spec", project.spec)

    data = _group(file, "data")
    _write_json(data, "description", project.data_description)
    _write_json(data, "vocabulary", project.vocabulary)
    _write_arrays(_group(data, "arrays"), project.data_arrays, compress=True)

    _write_arrays(_group(file, "weights"), project.weights)

    if project.optimizer is not None:
        optimizer = _group(file, "optimizer")
        _write_json(optimizer, "param_groups", project.optimizer["param_groups"])
        state = _group(optimizer, "state")
        for index, arrays in project.optimizer["state"].items():
            _write_arrays(_group(state, _escaped(str(index))), arrays)

    trainer = _group(file, "trainer")
    _write_json(trainer, "config", project.train_config)
    _write_json(trainer, "state", project.trainer_state)
    _write_arrays(_group(trainer, "arrays"), project.trainer_arrays)

    runs = _group(file, "runs")
    for run in project.runs:
        group = _group(runs, _escaped(run.name))
        _write_json(group, "meta", run.meta)
        _write_arrays(_group(group, "series"), run.series, resizable=True)

    _write_json(file, "samples", project.samples)

    probe = _group(file, "probe")
    _write_json(probe, "meta", project.probe_meta)
    _write_arrays(_group(probe, "arrays"), project.probe_arrays)


def _group(parent: h5py.Group, name: str) -> h5py.Group:
    """A new group that lists its members in the order they were written."""
    return parent.create_group(name, track_order=True)


def _write_json(group: h5py.Group, name: str, value) -> None:
    """Store ``value`` as UTF-8 JSON text in a checksummed shape-(1,) string dataset."""
    try:
        encoded = json.dumps(value, ensure_ascii=False).encode()
    except (TypeError, ValueError) as error:
        raise _Problem(f"{posixpath.join(group.name, name)} is not JSON ({error})") from error
    text = np.array([encoded], dtype=h5py.string_dtype("utf-8", len(encoded)))
    group.create_dataset(name, data=text, fletcher32=True, **_GZIP)


def _write_arrays(group: h5py.Group, arrays: dict, compress=False, resizable=False) -> None:
    for name, array in arrays.items():
        _write_array(group, name, array, compress, resizable)


def _write_array(group: h5py.Group, name: str, array, compress: bool, resizable: bool) -> None:
    array = np.asarray(array)
    stored = array.reshape(1) if array.ndim == 0 else array
    options = dict(_GZIP) if compress else {}
    if resizable:
        options.update(maxshape=(None,), chunks=(_SERIES_CHUNK,))
    dataset = group.create_dataset(_escaped(name), data=stored, fletcher32=True, **options)
    if array.ndim == 0:
        dataset.attrs[_SCALAR_ATTRIBUTE] = True


def _set_text_attribute(node: h5py.HLObject, name: str, text: str) -> None:
    """A fixed-length string lives in the checksummed object header, not the global heap."""
    encoded = text.encode()
    node.attrs.create(name, encoded, dtype=h5py.string_dtype("utf-8", max(1, len(encoded))))


def _os_reason(error: OSError) -> str:
    """The plain system message ("Permission denied"), not h5py's wrapping of it."""
    return os.strerror(error.errno) if error.errno else str(error)


# ---------------------------------------------------------------- loading


def read_project_file(path: str | os.PathLike) -> ProjectFile:
    """Load a whole project into memory.

    Every problem with the file, whatever h5py raised, becomes one ProjectError whose message
    starts with the path; the original error stays attached as its cause.
    """
    path = Path(path)
    try:
        return _read(path)
    except _Problem as problem:
        raise ProjectError(f"{path} {problem}") from problem.__cause__


def _read(path: Path) -> ProjectFile:
    if not path.exists():
        raise _Problem("does not exist")
    if path.is_dir():
        raise _Problem("is a folder, not a project file")
    try:
        with h5py.File(path, "r") as file:
            _check_format(file)
            return _read_sections(file)
    except (OSError, KeyError, ValueError, RuntimeError) as error:
        raise _Problem(_read_failure(error)) from error


def _read_failure(error: Exception) -> str:
    """Word an h5py failure; HDF5 says what went wrong only in its message text."""
    message = str(error)
    if "file signature not found" in message:
        return "is not a Sequence Workbench project (it is not an HDF5 file)"
    if "truncated file" in message:
        return "is truncated: it is shorter than it should be (an interrupted copy or download?)"
    if "checksum" in message:
        return "is damaged: a metadata checksum does not match"
    if isinstance(error, OSError) and error.errno:
        return f"cannot be read: {os.strerror(error.errno)}"
    return f"is damaged or unreadable ({message})"


def _check_format(file: h5py.File) -> None:
    if _text(file.attrs.get("format")) != FORMAT_NAME:
        raise _Problem("is an HDF5 file but not a Sequence Workbench project")
    version = file.attrs.get("format_version")
    if not isinstance(version, np.integer):
        raise _Problem("is damaged: its format version is missing")
    if version > FORMAT_VERSION:
        raise _Problem(
            f"was saved by a newer Sequence Workbench (format version {version}; "
            f"this one reads up to {FORMAT_VERSION})"
        )


def _read_sections(file: h5py.File) -> ProjectFile:
    data = _child(file, "data")
    trainer = _child(file, "trainer")
    probe = _child(file, "probe")
    return ProjectFile(
        spec=_read_json(_child(file, "model"), "spec"),
        data_description=_read_json(data, "description"),
        vocabulary=_read_json(data, "vocabulary"),
        data_arrays=_read_arrays(_child(data, "arrays")),
        train_config=_read_json(trainer, "config"),
        weights=_read_arrays(_child(file, "weights")),
        optimizer=_read_optimizer(file["optimizer"]) if "optimizer" in file else None,
        trainer_state=_read_json(trainer, "state"),
        trainer_arrays=_read_arrays(_child(trainer, "arrays")),
        runs=[_read_run(name, group) for name, group in _child(file, "runs").items()],
        samples=_read_json(file, "samples"),
        probe_meta=_read_json(probe, "meta"),
        probe_arrays=_read_arrays(_child(probe, "arrays")),
        created_with=_text(file.attrs.get("created_with")) or "",
    )


def _read_optimizer(group: h5py.Group) -> dict:
    state = _child(group, "state")
    return {
        "param_groups": _read_json(group, "param_groups"),
        "state": {_unescaped(index): _read_arrays(arrays) for index, arrays in state.items()},
    }


def _read_run(name: str, group: h5py.Group) -> Run:
    series = _read_arrays(_child(group, "series"))
    return Run(name=_unescaped(name), meta=_read_json(group, "meta"), series=series)


def _child(group: h5py.Group, name: str):
    if name not in group:
        raise _Problem(f"is incomplete: it has no {posixpath.join(group.name, name)}")
    return group[name]


def _read_json(group: h5py.Group, name: str):
    dataset = _child(group, name)
    try:
        return json.loads(bytes(_read_array(dataset)[0]).decode())
    except ValueError as error:  # bad UTF-8 or bad JSON
        raise _Problem(f"is damaged: {dataset.name} is not valid JSON ({error})") from error


def _read_arrays(group: h5py.Group) -> dict[str, np.ndarray]:
    return {_unescaped(name): _read_array(dataset) for name, dataset in group.items()}


def _read_array(dataset: h5py.Dataset) -> np.ndarray:
    try:
        values = dataset[()]
    except OSError as error:  # the fletcher32 filter refused the stored bytes
        raise _Problem(f"is damaged: the checksum of {dataset.name} does not match") from error
    return values.reshape(()) if dataset.attrs.get(_SCALAR_ATTRIBUTE, False) else values


def _text(value) -> str | None:
    """An attribute as text: ours are fixed-length bytes, another writer's may be str."""
    return value.decode() if isinstance(value, bytes) else value


# ---------------------------------------------------------------- names


def _escaped(name: str) -> str:
    """An HDF5 member name for ``name``: "/" would nest groups, so it becomes "%2F"."""
    return name.replace("%", "%25").replace("/", "%2F")


def _unescaped(name: str) -> str:
    return name.replace("%2F", "/").replace("%25", "%")

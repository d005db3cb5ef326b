"""A project as one HDF5 file: JSON text and numpy arrays, never pickles.

This is a plain container layer: callers hand in JSON-able values and numpy arrays (torch state
already converted) and get the same back. docs/project-format.md describes the layout.

Every dataset carries a fletcher32 checksum and the file uses the HDF5 1.8 format, whose
metadata carries checksums too, so a damaged file fails to load instead of loading wrong numbers.
Saving writes a temporary file next to the target and renames it over the target, so an
interrupted save leaves the previous file as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import h5py
import numpy as np

from ..common.atomic import write_atomically
from ..common.errors import ProjectError, WorkbenchError
from ..common.free_memory import in_bytes
from .hdf5_survey import NUMBER_KINDS, FileProblem, check_sizes, survey

FORMAT_NAME = "sequence-workbench-project"
FORMAT_VERSION = 1

# Lowest and highest HDF5 file format: 1.8 is the first with checksummed metadata.
_LIBVER = ("v108", "v108")
# fletcher32 needs chunked storage, which a 0-d dataset cannot have: it is stored as shape (1,).
_SCALAR_ATTRIBUTE = "scalar"
# A digest of every dataset's stored bytes, kept in the (checksummed) root header. HDF5's own
# checksums leave gaps: its chunk indexes (v1 B-trees) carry none, so a damaged index could
# hand back a wrong chunk, or a chunk unfiltered, that passes its own fletcher32.
_DIGEST_ATTRIBUTE = "content_blake2b"
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
    except FileProblem as problem:
        raise ProjectError(f"cannot save {path}: {problem}") from problem.__cause__


def _write_project(path: Path, project: ProjectFile) -> None:
    def write(temporary: Path) -> None:
        with h5py.File(temporary, "w", libver=_LIBVER, track_order=True) as file:
            _set_text_attribute(file, "format", FORMAT_NAME)
            file.attrs["format_version"] = FORMAT_VERSION
            _set_text_attribute(file, "created_with", project.created_with)
            _set_text_attribute(file, "saved_at", datetime.now(UTC).isoformat())
            digest = _ContentDigest()
            _write_sections(file, project, digest)
            _set_text_attribute(file, _DIGEST_ATTRIBUTE, digest.hexdigest())

    write_atomically(path, write, durable=True)


def _write_sections(file: h5py.File, project: ProjectFile, digest: _ContentDigest) -> None:
    _write_json(_group(file, "model"), "spec", project.spec, digest)

    data = _group(file, "data")
    _write_json(data, "description", project.data_description, digest)
    _write_json(data, "vocabulary", project.vocabulary, digest)
    _write_arrays(_group(data, "arrays"), project.data_arrays, digest, compress=True)

    _write_arrays(_group(file, "weights"), project.weights, digest)

    if project.optimizer is not None:
        optimizer = _group(file, "optimizer")
        _write_json(optimizer, "param_groups", project.optimizer["param_groups"], digest)
        state = _group(optimizer, "state")
        for index, arrays in project.optimizer["state"].items():
            _write_arrays(_group(state, _escaped(str(index))), arrays, digest)

    trainer = _group(file, "trainer")
    _write_json(trainer, "config", project.train_config, digest)
    _write_json(trainer, "state", project.trainer_state, digest)
    _write_arrays(_group(trainer, "arrays"), project.trainer_arrays, digest)

    runs = _group(file, "runs")
    for run in project.runs:
        group = _group(runs, _escaped(run.name))
        _write_json(group, "meta", run.meta, digest)
        _write_arrays(_group(group, "series"), run.series, digest, resizable=True)

    _write_json(file, "samples", project.samples, digest)

    probe = _group(file, "probe")
    _write_json(probe, "meta", project.probe_meta, digest)
    _write_arrays(_group(probe, "arrays"), project.probe_arrays, digest)


def _group(parent: h5py.Group, name: str) -> h5py.Group:
    """A new group that lists its members in the order they were written."""
    return parent.create_group(name, track_order=True)


def _write_json(group: h5py.Group, name: str, value, digest: _ContentDigest) -> None:
    """Store ``value`` as UTF-8 JSON text in a checksummed shape-(1,) string dataset."""
    try:
        encoded = json.dumps(value, ensure_ascii=False).encode()
    except (TypeError, ValueError) as error:
        raise FileProblem(f"{posixpath.join(group.name, name)} is not JSON ({error})") from error
    text = np.array([encoded], dtype=h5py.string_dtype("utf-8", len(encoded)))
    digest.add(group.create_dataset(name, data=text, fletcher32=True, **_GZIP), text)


def _write_arrays(group: h5py.Group, arrays: dict, digest: _ContentDigest, compress=False, resizable=False) -> None:
    for name, array in arrays.items():
        _write_array(group, name, array, digest, compress, resizable)


def _write_array(group: h5py.Group, name: str, array, digest: _ContentDigest, compress: bool, resizable: bool) -> None:
    array = np.asarray(array)
    stored = array.reshape(1) if array.ndim == 0 else array
    options = dict(_GZIP) if compress else {}
    if resizable:
        options.update(maxshape=(None,), chunks=(_SERIES_CHUNK,))
    dataset = group.create_dataset(_escaped(name), data=stored, fletcher32=True, **options)
    if array.ndim == 0:
        dataset.attrs[_SCALAR_ATTRIBUTE] = True
    digest.add(dataset, stored)


def _set_text_attribute(node: h5py.HLObject, name: str, text: str) -> None:
    """A fixed-length string lives in the checksummed object header, not the global heap."""
    encoded = text.encode()
    node.attrs.create(name, encoded, dtype=h5py.string_dtype("utf-8", max(1, len(encoded))))


def _os_reason(error: OSError) -> str:
    """The plain system message ("Permission denied"), not h5py's wrapping of it."""
    return os.strerror(error.errno) if error.errno else str(error)


# ---------------------------------------------------------------- loading

JSON_LIMIT = 64 << 20  # bytes of one JSON section (a word vocabulary is the largest real one)


def read_project_file(
    path: str | os.PathLike,
    weight_shapes: Callable[[dict, dict], dict[str, tuple[int, ...]]] | None = None,
    available_memory: int | None = None,
) -> ProjectFile:
    """Load a whole project into memory, after checking it can do no harm.

    Nothing is read until the file's whole layout has been looked at: links to other files or
    within it, data kept outside it, virtual datasets and filters this workbench does not write
    are refused, and so is a file whose arrays would not fit in memory, or would expand far
    beyond what the file (or a large dataset) stores. ``weight_shapes`` is given the stored
    model spec and training settings and returns the shape of every weight they imply (or
    raises WorkbenchError); the stored weights must match it before they are read.
    ``available_memory``: bytes, by default what the machine has free.

    Every problem with the file, whatever h5py raised, becomes one ProjectError whose message
    starts with the path; the original error stays attached as its cause.
    """
    path = Path(path)
    try:
        return _read(path, weight_shapes, available_memory)
    except FileProblem as problem:
        raise ProjectError(f"{path} {problem}") from problem.__cause__
    except WorkbenchError as error:
        raise ProjectError(f"{path}: {error}") from None


def _read(path: Path, weight_shapes, available_memory: int | None) -> ProjectFile:
    if not path.exists():
        raise FileProblem("does not exist")
    if path.is_dir():
        raise FileProblem("is a folder, not a project file")
    try:
        with h5py.File(path, "r") as file:
            _check_format(file)
            declared, text_datasets = survey(file)
            check_sizes(declared, text_datasets, path.stat().st_size, available_memory)
            return _read_sections(file, weight_shapes)
    except (OSError, KeyError, ValueError, RuntimeError, TypeError) as error:
        raise FileProblem(_read_failure(error)) from error


def _read_failure(error: Exception) -> str:
    """Word an h5py failure; HDF5 says what went wrong only in its message text."""
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
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
    if _text_attribute(file, "format") != FORMAT_NAME:
        raise FileProblem("is an HDF5 file but not a Sequence Workbench project")
    version = _attribute(file, "format_version")
    if not isinstance(version, np.integer):
        raise FileProblem("is damaged: its format version is missing")
    if version > FORMAT_VERSION:
        raise FileProblem(
            f"was saved by a newer Sequence Workbench (format version {version}; this one reads up to {FORMAT_VERSION})"
        )


# -- the sections


def _read_sections(file: h5py.File, weight_shapes) -> ProjectFile:
    digest = _ContentDigest()
    data = _child(file, "data", h5py.Group)
    trainer = _child(file, "trainer", h5py.Group)
    probe = _child(file, "probe", h5py.Group)
    spec = _read_json(_child(file, "model", h5py.Group), "spec", dict, digest)
    train_config = _read_json(trainer, "config", dict, digest)
    weights = _child(file, "weights", h5py.Group)
    if weight_shapes is not None:
        _check_weights(weights, weight_shapes(spec, train_config))
    project = ProjectFile(
        spec=spec,
        data_description=_read_json(data, "description", dict, digest),
        vocabulary=_read_json(data, "vocabulary", dict, digest),
        data_arrays=_read_arrays(_child(data, "arrays", h5py.Group), digest),
        train_config=train_config,
        weights=_read_arrays(weights, digest),
        optimizer=_read_optimizer(_child(file, "optimizer", h5py.Group), digest) if "optimizer" in file else None,
        trainer_state=_read_json(trainer, "state", dict, digest),
        trainer_arrays=_read_arrays(_child(trainer, "arrays", h5py.Group), digest),
        runs=[_read_run(name, group, digest) for name, group in _groups(_child(file, "runs", h5py.Group))],
        samples=_read_json(file, "samples", list, digest),
        probe_meta=_read_json(probe, "meta", (dict, type(None)), digest),
        probe_arrays=_read_arrays(_child(probe, "arrays", h5py.Group), digest),
        created_with=_text_attribute(file, "created_with") or "",
    )
    recorded = _text_attribute(file, _DIGEST_ATTRIBUTE)  # files from before the digest have none
    if recorded is not None and recorded != digest.hexdigest():
        raise FileProblem("is damaged: its contents do not match the digest saved with them")
    return project


def _check_weights(group: h5py.Group, expected: dict[str, tuple[int, ...]]) -> None:
    """The stored weights are exactly those the spec implies: names, shapes, float type."""
    stored = {_unescaped(name): dataset for name, dataset in group.items()}
    for name in expected:
        if name not in stored:
            raise FileProblem(f"is incomplete: {group.name} has no {name!r}, which its model has")
    for name, dataset in stored.items():
        if name not in expected:
            raise FileProblem(f"is inconsistent: {dataset.name} is not a weight of its model")
        if not isinstance(dataset, h5py.Dataset) or dataset.dtype.kind != "f":
            raise FileProblem(f"is damaged: {dataset.name} is not an array of numbers")
        if _stored_shape(dataset) != tuple(expected[name]):
            raise FileProblem(
                f"is inconsistent: {dataset.name} has shape {_stored_shape(dataset)}, "
                f"but its model's {name} is {tuple(expected[name])}"
            )


def _read_optimizer(group: h5py.Group, digest: _ContentDigest) -> dict:
    state = _child(group, "state", h5py.Group)
    return {
        "param_groups": _read_json(group, "param_groups", list, digest),
        "state": {_unescaped(index): _read_arrays(arrays, digest) for index, arrays in _groups(state)},
    }


def _read_run(name: str, group: h5py.Group, digest: _ContentDigest) -> Run:
    series = _read_arrays(_child(group, "series", h5py.Group), digest)
    return Run(name=_unescaped(name), meta=_read_json(group, "meta", dict, digest), series=series)


def _child(group: h5py.Group, name: str, kind: type = h5py.Dataset):
    if name not in group:
        raise FileProblem(f"is incomplete: it has no {posixpath.join(group.name, name)}")
    node = group[name]
    if not isinstance(node, kind):
        wanted = "group" if kind is h5py.Group else "dataset"
        raise FileProblem(f"is damaged: {node.name} is not a {wanted}")
    return node


def _groups(group: h5py.Group):
    """The members of ``group``, each of which must be a group (runs, optimizer states)."""
    return [(name, _child(group, name, h5py.Group)) for name in group]


def _read_json(group: h5py.Group, name: str, kind: type | tuple[type, ...], digest: _ContentDigest):
    dataset = _child(group, name)
    if dataset.dtype.kind != "S" or dataset.shape != (1,):
        raise FileProblem(f"is damaged: {dataset.name} is not JSON text")
    if dataset.dtype.itemsize > JSON_LIMIT:
        raise FileProblem(
            f"is refused: {dataset.name} is {in_bytes(dataset.dtype.itemsize)} of JSON, "
            f"more than the {in_bytes(JSON_LIMIT)} a section may be"
        )
    try:
        value = json.loads(bytes(_read_values(dataset, digest)[0]).decode())
    except (ValueError, RecursionError) as error:  # bad UTF-8, bad JSON, or nested beyond reason
        raise FileProblem(f"is damaged: {dataset.name} is not valid JSON ({_first_line(error)})") from error
    if not isinstance(value, kind):
        raise FileProblem(
            f"is damaged: {dataset.name} holds a JSON {type(value).__name__}, not the expected "
            f"{' or '.join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))}"
        )
    return value


def _read_arrays(group: h5py.Group, digest: _ContentDigest) -> dict[str, np.ndarray]:
    return {_unescaped(name): _read_array(_child(group, name), digest) for name in group}


def _read_array(dataset: h5py.Dataset, digest: _ContentDigest) -> np.ndarray:
    if dataset.dtype.kind not in NUMBER_KINDS:
        raise FileProblem(f"is damaged: {dataset.name} is not an array of numbers")
    values = _read_values(dataset, digest)
    if not values.dtype.isnative:  # another writer's big-endian numbers: torch takes only native ones
        values = values.astype(values.dtype.newbyteorder("="))
    return values.reshape(()) if _is_scalar(dataset) else values


def _read_values(dataset: h5py.Dataset, digest: _ContentDigest) -> np.ndarray:
    try:
        values = dataset[()]
    except OSError as error:  # the fletcher32 filter refused the stored bytes
        raise FileProblem(f"is damaged: the checksum of {dataset.name} does not match") from error
    digest.add(dataset, values)
    return values


def _is_scalar(dataset: h5py.Dataset) -> bool:
    """A 0-d array stored as shape (1,): marked by an attribute."""
    marked = _attribute(dataset, _SCALAR_ATTRIBUTE)
    if marked is None:
        return False
    if not isinstance(marked, (bool, np.bool_)) or dataset.shape != (1,):
        raise FileProblem(f"is damaged: {dataset.name} has a bad {_SCALAR_ATTRIBUTE!r} mark")
    return bool(marked)


def _stored_shape(dataset: h5py.Dataset) -> tuple[int, ...]:
    return () if _is_scalar(dataset) else dataset.shape


def _attribute(node: h5py.HLObject, name: str):
    """An attribute's value, or None; one larger than a line of text is not read."""
    if name not in node.attrs:
        return None
    stored = node.attrs.get_id(name)
    if stored.get_storage_size() > 4096:
        raise FileProblem(f"is damaged: the {name!r} attribute of {node.name} is {in_bytes(stored.get_storage_size())}")
    return node.attrs[name]


def _text_attribute(node: h5py.HLObject, name: str) -> str | None:
    """An attribute as text: ours are fixed-length bytes, another writer's may be str."""
    value = _attribute(node, name)
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return value if isinstance(value, str) else None


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


# ---------------------------------------------------------------- content digest


class _ContentDigest:
    """BLAKE2b over every dataset's path, type, shape, scalar mark and stored bytes, in path
    order, so that the writer (in its order) and the reader (in its own) agree."""

    def __init__(self) -> None:
        self._parts: dict[str, bytes] = {}

    def add(self, dataset: h5py.Dataset, stored: np.ndarray) -> None:
        part = hashlib.blake2b(digest_size=32)
        header = (dataset.name, stored.dtype.str, stored.shape, _SCALAR_ATTRIBUTE in dataset.attrs)
        part.update(repr(header).encode())
        part.update(np.ascontiguousarray(stored).data)
        self._parts[dataset.name] = part.digest()

    def hexdigest(self) -> str:
        whole = hashlib.blake2b(digest_size=32)
        for name in sorted(self._parts):
            whole.update(name.encode() + b"\0" + self._parts[name])
        return whole.hexdigest()


# ---------------------------------------------------------------- names


def _escaped(name: str) -> str:
    """An HDF5 member name for ``name``: "/" would nest groups, so it becomes "%2F"."""
    return name.replace("%", "%25").replace("/", "%2F")


def _unescaped(name: str) -> str:
    return name.replace("%2F", "/").replace("%25", "%")

"""Loading a ``ProjectFile``, after checking the file can do no harm and holds what it should.

A project file may come from anyone: ``hdf5_survey`` refuses its layout's hazards before a byte
of data is read; here every section is then checked for its kind (group or dataset, JSON object
or list, numbers), the weights against the model they belong to, and the whole against the
content digest saved with it. Every problem becomes one ProjectError that starts with the path.
"""

from __future__ import annotations

import json
import os
import posixpath
from collections.abc import Callable
from pathlib import Path

import h5py
import numpy as np

from ..common.errors import ProjectError, WorkbenchError
from ..common.free_memory import in_bytes
from .hdf5_survey import NUMBER_KINDS, FileProblem, check_sizes, survey
from .project_file import (
    DIGEST_ATTRIBUTE,
    FORMAT_NAME,
    FORMAT_VERSION,
    PART_ATTRIBUTE,
    SCALAR_ATTRIBUTE,
    STREAMED_ATTRIBUTE,
    STREAMED_GROUP,
    ContentDigest,
    ProjectFile,
    Run,
    unescaped_name,
)

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
    file = None
    keep_open = False  # while a streamed corpus is read from it
    try:
        file = h5py.File(path, "r")
        _check_format(file)
        declared, text_datasets = survey(file)
        in_memory = {name: size for name, size in declared.items() if not _is_streamed(file[name])}
        check_sizes(in_memory, text_datasets, path.stat().st_size, available_memory)
        project = _read_sections(file, weight_shapes)
        keep_open = any(isinstance(array, h5py.Dataset) for array in project.data_arrays.values())
        return project
    except (OSError, KeyError, ValueError, RuntimeError, TypeError) as error:
        raise FileProblem(_read_failure(error)) from error
    finally:
        if file is not None and not keep_open:
            file.close()


def streamed_datasets(path: str | os.PathLike) -> dict[str, h5py.Dataset]:
    """The streamed corpus datasets of the project file at ``path`` (just written by this
    process), by their names in ``ProjectFile.data_arrays``."""
    file = h5py.File(path, "r")
    group = file[STREAMED_GROUP]
    found = {unescaped_name(name): group[name] for name in group if _is_streamed(group[name])}
    if not found:
        file.close()
    return found


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
    digest = ContentDigest()
    data = _child(file, "data", h5py.Group)
    trainer = _child(file, "trainer", h5py.Group)
    probe = _child(file, "probe", h5py.Group)
    spec = _read_json(_child(file, "model", h5py.Group), "spec", dict, digest)
    train_config = _read_json(trainer, "config", dict, digest)
    weights = _child(file, "weights", h5py.Group)
    best = _child(file, "best", h5py.Group) if "best" in file else None  # files before version 2 have none
    best_weights = None if best is None else _child(best, "weights", h5py.Group)
    if weight_shapes is not None:
        shapes = weight_shapes(spec, train_config)
        for group in (weights, best_weights):
            if group is not None:
                _check_weights(group, shapes)
    project = ProjectFile(
        spec=spec,
        data_description=_read_json(data, "description", dict, digest),
        vocabulary=_read_json(data, "vocabulary", dict, digest),
        data_arrays=_read_data_arrays(_child(data, "arrays", h5py.Group), digest),
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
        best_meta=None if best is None else _read_json(best, "meta", dict, digest),
        best_weights=None if best_weights is None else _read_arrays(best_weights, digest),
    )
    recorded = _text_attribute(file, DIGEST_ATTRIBUTE)  # files from before the digest have none
    if recorded is not None and recorded != digest.hexdigest():
        raise FileProblem("is damaged: its contents do not match the digest saved with them")
    return project


def _check_weights(group: h5py.Group, expected: dict[str, tuple[int, ...]]) -> None:
    """The stored weights are exactly those the spec implies: names, shapes, float type."""
    stored = {unescaped_name(name): dataset for name, dataset in group.items()}
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


def _read_optimizer(group: h5py.Group, digest: ContentDigest) -> dict:
    state = _child(group, "state", h5py.Group)
    return {
        "param_groups": _read_json(group, "param_groups", list, digest),
        "state": {unescaped_name(index): _read_arrays(arrays, digest) for index, arrays in _groups(state)},
    }


def _read_run(name: str, group: h5py.Group, digest: ContentDigest) -> Run:
    series = _read_arrays(_child(group, "series", h5py.Group), digest)
    return Run(name=unescaped_name(name), meta=_read_json(group, "meta", dict, digest), series=series)


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


def _read_json(group: h5py.Group, name: str, kind: type | tuple[type, ...], digest: ContentDigest):
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


def _read_arrays(group: h5py.Group, digest: ContentDigest) -> dict[str, np.ndarray]:
    return {unescaped_name(name): _read_array(_child(group, name), digest) for name in group}


def _read_data_arrays(group: h5py.Group, digest: ContentDigest) -> dict[str, np.ndarray | h5py.Dataset]:
    """A corpus's arrays: read, or (when streamed) checked and handed on unread."""
    arrays = {}
    for name in group:
        dataset = _child(group, name)
        arrays[unescaped_name(name)] = (
            _streamed(dataset, digest) if _is_streamed(dataset) else _read_array(dataset, digest)
        )
    return arrays


def _is_streamed(node) -> bool:
    return (
        isinstance(node, h5py.Dataset)
        and posixpath.dirname(node.name) == STREAMED_GROUP
        and STREAMED_ATTRIBUTE in node.attrs
    )


def _streamed(dataset: h5py.Dataset, digest: ContentDigest) -> h5py.Dataset:
    """A streamed token stream: 1-D unsigned ids, every chunk checksummed, its digest part kept."""
    plist = dataset.id.get_create_plist()
    filters = {plist.get_filter(index)[0] for index in range(plist.get_nfilters())}
    if dataset.ndim != 1 or dataset.dtype.kind != "u" or h5py.h5z.FILTER_FLETCHER32 not in filters:
        raise FileProblem(f"is damaged: {dataset.name} is not a checksummed list of token ids")
    part = dataset.attrs.get(PART_ATTRIBUTE)
    if not isinstance(part, np.void) or len(bytes(part)) != 32:
        raise FileProblem(f"is damaged: {dataset.name} has no digest part")
    digest.add_part(dataset.name, bytes(part))
    return dataset


def _read_array(dataset: h5py.Dataset, digest: ContentDigest) -> np.ndarray:
    if dataset.dtype.kind not in NUMBER_KINDS:
        raise FileProblem(f"is damaged: {dataset.name} is not an array of numbers")
    values = _read_values(dataset, digest)
    if not values.dtype.isnative:  # another writer's big-endian numbers: torch takes only native ones
        values = values.astype(values.dtype.newbyteorder("="))
    return values.reshape(()) if _is_scalar(dataset) else values


def _read_values(dataset: h5py.Dataset, digest: ContentDigest) -> np.ndarray:
    try:
        values = dataset[()]
    except OSError as error:  # the fletcher32 filter refused the stored bytes
        raise FileProblem(f"is damaged: the checksum of {dataset.name} does not match") from error
    digest.add(dataset, values)
    return values


def _is_scalar(dataset: h5py.Dataset) -> bool:
    """A 0-d array stored as shape (1,): marked by an attribute."""
    marked = _attribute(dataset, SCALAR_ATTRIBUTE)
    if marked is None:
        return False
    if not isinstance(marked, (bool, np.bool_)) or dataset.shape != (1,):
        raise FileProblem(f"is damaged: {dataset.name} has a bad {SCALAR_ATTRIBUTE!r} mark")
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

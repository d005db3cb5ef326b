"""What an HDF5 file holds, looked at before a byte of its data is read.

A project file may come from anyone. Its layout alone can reach outside it (links to other
files, data kept in another file, virtual datasets), run code (a user-defined filter) or ask for
memory it does not hold (unwritten chunks, a gzip bomb, a huge JSON text): ``survey`` and
``check_sizes`` refuse all of those from the metadata, naming the object and why.
"""

from __future__ import annotations

import posixpath

import h5py
import numpy as np

from ..common.free_memory import host_available_memory, in_bytes

# What a reader may spend before it reads a byte of data: a file declares its arrays' shapes,
# and a crafted one can declare far more than it stores (unallocated chunks, a gzip bomb).
JSON_LIMIT = 64 << 20  # bytes of JSON in all (a word vocabulary is the largest real section)
SMALL_DATASET = 64 << 20  # below this a dataset cannot hurt, whatever it expands to
MAX_EXPANSION = 200  # stored bytes × this ≥ declared bytes, above SMALL_DATASET
MAX_CHUNK = 64 << 20  # bytes of one chunk, which HDF5 inflates whole
MEMORY_SHARE = 0.5  # of the memory available now that a project's arrays may take
# The filters this workbench writes; any other (or a user-defined one) is refused.
_OUR_FILTERS = {h5py.h5z.FILTER_DEFLATE, h5py.h5z.FILTER_SHUFFLE, h5py.h5z.FILTER_FLETCHER32}
NUMBER_KINDS = "biuf"  # numpy dtype kinds of arrays: bool, int, unsigned, float


class FileProblem(Exception):
    """What is wrong, worded to follow the file's name in a ProjectError."""


def survey(file: h5py.File) -> tuple[dict[str, int], set[str]]:
    """Every dataset's declared size in bytes, by its path, and which of them are text; after refusing what could reach
    outside the file or run code: links that are not plain hard links, named datatypes, data
    stored in other files, virtual datasets, unknown filters, types that are not numbers or
    fixed-length text, and an object linked twice (a group linked into itself loops)."""
    declared: dict[str, int] = {}
    texts: set[str] = set()
    seen = set()
    pending = [file]
    while pending:
        group = pending.pop()
        for name in group:
            where = posixpath.join(group.name, name)
            link = group.get(name, getlink=True)
            if isinstance(link, h5py.ExternalLink):
                raise FileProblem(f"is refused: {where} links to {link.filename!r}, another file")
            if isinstance(link, h5py.SoftLink):
                raise FileProblem(f"is refused: {where} is a soft link (to {link.path}), which projects do not have")
            node = group[name]
            if node.id in seen:
                raise FileProblem(f"is refused: {where} is linked twice, which projects never are")
            seen.add(node.id)
            if isinstance(node, h5py.Group):
                pending.append(node)
            elif isinstance(node, h5py.Dataset):
                declared[where] = _survey_dataset(where, node)
                if node.dtype.kind == "S":
                    texts.add(where)
            else:
                raise FileProblem(f"is refused: {where} is a named datatype, which projects do not have")
    return declared, texts


def _survey_dataset(where: str, dataset: h5py.Dataset) -> int:
    if dataset.is_virtual:
        raise FileProblem(f"is refused: {where} is a virtual dataset, made of other files' data")
    if dataset.external:
        raise FileProblem(f"is refused: {where} keeps its data in another file ({dataset.external[0][0]!r})")
    plist = dataset.id.get_create_plist()
    for index in range(plist.get_nfilters()):
        code, _, _, name = plist.get_filter(index)
        if code not in _OUR_FILTERS:
            raise FileProblem(
                f"is refused: {where} uses the filter {name.decode(errors='replace')!r} "
                f"({code}), which Sequence Workbench does not write"
            )
    dtype = dataset.dtype
    if (
        not (dtype.kind in "biu" or (dtype.kind == "f" and dtype.itemsize in (2, 4, 8)) or dtype.kind == "S")
        or dtype.subdtype is not None
    ):
        raise FileProblem(f"is refused: {where} holds {dtype}, not numbers or text")
    size = int(np.prod(dataset.shape, dtype=object)) * dtype.itemsize
    if dataset.chunks is not None:
        chunk = int(np.prod(dataset.chunks, dtype=object)) * dtype.itemsize
        if chunk > MAX_CHUNK:
            raise FileProblem(
                f"is refused: {where} is stored in chunks of {in_bytes(chunk)}, "
                f"more than the {in_bytes(MAX_CHUNK)} one may be"
            )
    if size > SMALL_DATASET and dataset.id.get_storage_size() * MAX_EXPANSION < size:
        raise FileProblem(
            f"is refused: {where} declares {in_bytes(size)} but stores only "
            f"{in_bytes(dataset.id.get_storage_size())} (a compression bomb or unwritten data)"
        )
    return size


def check_sizes(
    declared: dict[str, int], text_datasets: set[str], file_size: int, available_memory: int | None
) -> None:
    """What the arrays will take once read: bounded by the file's own size (gzip expands at most
    about a thousandfold, our data a few times), the JSON text in all (decoded it takes ten
    times as much), and the memory free."""
    total = sum(declared.values())
    if total > max(SMALL_DATASET, MAX_EXPANSION * file_size):
        raise FileProblem(
            f"is refused: its arrays take {in_bytes(total)} but the file is {in_bytes(file_size)} "
            f"(a compression bomb or unwritten data)"
        )
    text = sum(size for name, size in declared.items() if name in text_datasets)
    if text > JSON_LIMIT:
        raise FileProblem(
            f"is refused: it holds {in_bytes(text)} of JSON, more than the {in_bytes(JSON_LIMIT)} a project may"
        )
    available = available_memory if available_memory is not None else host_available_memory()
    if available is not None and total > MEMORY_SHARE * available:
        largest = max(declared, key=declared.get)
        raise FileProblem(
            f"is refused: its arrays take {in_bytes(total)} (the largest, {largest}, "
            f"{in_bytes(declared[largest])}), more than the {in_bytes(int(MEMORY_SHARE * available))} "
            f"it may use of the {in_bytes(available)} of memory free"
        )

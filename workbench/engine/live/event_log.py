"""The events of one run as a file its rank 0 appends to and a window tails, never pickled.

The file opens with MAGIC; then come records, each ``<IQ`` (the JSON header's length, the
payload's length), a UTF-8 JSON header and the payload: the raw bytes of the event's arrays, C
order, each described in the header by dtype, shape and offset. A header names its event, one of
the dataclasses of ``events`` (nothing else is made from a file), and its fields: JSON values,
tuples as lists (no event field is a list), arrays as ``{"array": i}``, nested events (a probe's
layers) as ``{"event": ..., "fields": ...}`` of their own. Every value is checked against the
field's annotation, so a window never draws a step that is a string.

A record goes to the file in one ``os.write``, unbuffered, so a reader in another process sees
whole records and at most one partial one at the end, which it keeps for its next read. A file
past ``max_bytes`` is replaced by a new one that restates the run's RunStarted (flagged, so a
reader that followed the replacement skips it) and the reader, like ``tail -F``, drains the old
file before it goes on in the new one (a reader a whole file behind, hundreds of megabytes
between two reads, would miss the one between).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import struct
import types
import typing
from pathlib import Path

import numpy as np

from .. import events
from ..common.atomic import write_atomically
from ..common.errors import WorkbenchError
from ..events import Event, RunStarted
from .paths import open_plain_file

MAGIC = b"WBEVENTS1\n"
_LENGTHS = struct.Struct("<IQ")  # header bytes, payload bytes
MAX_HEADER_BYTES = 16 << 20
MAX_PAYLOAD_BYTES = 1 << 30
DTYPES = frozenset(
    np.dtype(name).newbyteorder("<").str
    for name in ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
    + ("float16", "float32", "float64")
)
EVENT_TYPES = {
    name: kind for name, kind in vars(events).items() if isinstance(kind, type) and dataclasses.is_dataclass(kind)
}
_FIELD_TYPES = {name: typing.get_type_hints(kind) for name, kind in EVENT_TYPES.items()}


class EventLogError(WorkbenchError):
    """An event file that is not one, or a record in it that cannot be an event."""


# -- writing -----------------------------------------------------------------------------------


def encode_event(event, restated: bool = False) -> bytes:
    """One record: lengths, header, payload. TypeError for a value no reader would take back."""
    arrays: list[dict] = []
    payload = bytearray()

    def value(item):
        if isinstance(item, np.ndarray):
            data = item.astype(item.dtype.newbyteorder("<"), copy=False)
            if data.dtype.str not in DTYPES:
                raise TypeError(f"an event file holds no arrays of {item.dtype}")
            arrays.append({"dtype": data.dtype.str, "shape": list(data.shape), "offset": len(payload)})
            payload.extend(data.tobytes(order="C"))
            return {"array": len(arrays) - 1}
        if dataclasses.is_dataclass(item):
            return fields_of(item)
        if isinstance(item, tuple):
            return [value(part) for part in item]
        if isinstance(item, np.generic):
            return item.item()
        return item

    def fields_of(item) -> dict:
        return {
            "event": type(item).__name__,
            "fields": {field.name: value(getattr(item, field.name)) for field in dataclasses.fields(item)},
        }

    header = fields_of(event)
    header["arrays"], header["restated"] = arrays, restated
    encoded = json.dumps(header, separators=(",", ":")).encode()
    return _LENGTHS.pack(len(encoded), len(payload)) + encoded + bytes(payload)


class EventWriter:
    """A sink appending each event to ``path``, made anew (a new file, so a reader of an earlier
    run's sees it replaced)."""

    def __init__(self, path: str | os.PathLike, max_bytes: int = 256 << 20) -> None:
        self.path = Path(path)
        self.max_bytes = max_bytes
        self._started: RunStarted | None = None
        self._descriptor: int | None = None
        self._size = 0
        self._head_size = 0  # MAGIC and the restated RunStarted: what a replacement cannot make smaller
        self._renew()

    def _renew(self) -> None:
        """A new file at ``path``: MAGIC and, after the first, the run's RunStarted restated."""
        head = MAGIC + (encode_event(self._started, restated=True) if self._started is not None else b"")
        made: list[int] = []

        def write(temporary: Path) -> None:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
            made.append(os.open(temporary, flags, 0o644))
            _write_all(made[0], head)

        try:
            write_atomically(self.path, write)
        except BaseException:
            for descriptor in made:
                os.close(descriptor)
            raise
        if self._descriptor is not None:
            os.close(self._descriptor)
        self._descriptor, self._size, self._head_size = made[0], len(head), len(head)

    def __call__(self, event: Event) -> None:
        if self._descriptor is None:
            raise ValueError(f"the event file {self.path} is closed")
        record = encode_event(event)
        if self._size > self._head_size and self._size + len(record) > self.max_bytes:
            self._renew()
        _write_all(self._descriptor, record)
        self._size += len(record)
        if isinstance(event, RunStarted):
            self._started = event

    def close(self) -> None:
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None

    def __enter__(self) -> EventWriter:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _write_all(descriptor: int, data: bytes) -> None:
    """One ``os.write`` for the whole (a regular file takes it whole); more only if it was cut short."""
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]


# -- reading -----------------------------------------------------------------------------------


class EventReader:
    """The events of the file at ``path``, read as they come (``read``); a missing file has none yet."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self._file: typing.BinaryIO | None = None
        self._offset = 0  # in the file, of the first byte in _pending
        self._pending = b""  # bytes read and not yet made events: a record not yet whole
        self._started: RunStarted | None = None  # the last RunStarted delivered: a restatement of it is skipped

    def read(self, max_bytes: int = 32 << 20) -> list[Event]:
        """Every whole record since the last read, up to about ``max_bytes`` of them."""
        if self._file is None and not self._open():
            return []
        replaced = self._replaced()  # asked first: the writer writes nothing to a file once it replaced it
        found = self._records(max_bytes)
        if found or not replaced:
            return found
        self.close()
        return self._records(max_bytes) if self._open() else []

    def _open(self) -> bool:
        try:
            self._file = open_plain_file(self.path)
        except FileNotFoundError:
            return False
        except OSError as error:
            raise EventLogError(f"{self.path}: cannot be read: {error.strerror or error}") from None
        magic = self._file.read(len(MAGIC))
        if magic != MAGIC:
            self.close()
            if MAGIC.startswith(magic):  # being made by another writer than ours, which makes it whole
                return False
            raise EventLogError(f"{self.path}: not a workbench event file")
        self._offset, self._pending = len(MAGIC), b""
        return True

    def _replaced(self) -> bool:
        try:
            return not os.path.samestat(os.fstat(self._file.fileno()), os.stat(self.path))
        except FileNotFoundError:  # gone at the run's end: nothing follows it
            return False

    def _records(self, max_bytes: int) -> list[Event]:
        """The whole records read next; a bad one is refused once those before it are delivered."""
        found: list[Event] = []
        self._pending += self._read_up_to(max_bytes - len(self._pending))
        start = 0
        while len(self._pending) - start >= _LENGTHS.size:
            try:
                end, event, restated = self._record(start, max_bytes)
            except EventLogError:
                if found:
                    break  # the next read starts at the bad record, and refuses it
                raise
            if end is None:
                break
            if not (restated and event == self._started):
                found.append(event)
            if isinstance(event, RunStarted):
                self._started = event
            start = end
        self._pending = self._pending[start:]
        self._offset += start
        return found

    def _read_up_to(self, wanted: int) -> bytes:
        """At most ``wanted`` of the bytes the file holds past what was read (so a huge ``wanted``
        allocates nothing the file does not hold)."""
        there = os.fstat(self._file.fileno()).st_size - self._file.tell()
        return self._file.read(min(wanted, there)) if min(wanted, there) > 0 else b""

    def _record(self, start: int, max_bytes: int):
        """(its end, its event, whether it is restated) of the record at ``start`` of _pending;
        end None while it is not whole."""
        header_bytes, payload_bytes = _LENGTHS.unpack_from(self._pending, start)
        where = self._offset + start
        if header_bytes > MAX_HEADER_BYTES or payload_bytes > MAX_PAYLOAD_BYTES:
            raise self._error(where, f"a record of {header_bytes:,} + {payload_bytes:,} bytes")
        header_end = start + _LENGTHS.size + header_bytes
        end = header_end + payload_bytes
        missing = end - len(self._pending)
        if missing > 0 and end - start > max_bytes:  # bigger than one read: the rest of it now, if it is there
            self._pending += self._read_up_to(missing)
        if end > len(self._pending):
            return None, None, False
        header = self._header(self._pending[start + _LENGTHS.size : header_end], where)
        payload = memoryview(self._pending)[header_end:end]
        placed = [self._placed(described, len(payload), where) for described in header["arrays"]]
        if sum(size for _, _, _, size in placed) != len(payload):  # nor copies of it, many times over
            raise self._error(where, f"its arrays are not the {len(payload):,} bytes of its payload")
        arrays = [
            np.frombuffer(payload[offset : offset + size], dtype=dtype).reshape(shape).copy()
            for dtype, shape, offset, size in placed
        ]
        return end, self._event(header, arrays, where), header["restated"]

    def _header(self, data: bytes, where: int) -> dict:
        try:
            header = json.loads(data)
        except (ValueError, RecursionError):  # not UTF-8, not JSON, nested past Python's stack
            raise self._error(where, "its header is not JSON") from None
        if (
            not isinstance(header, dict)
            or set(header) != {"event", "fields", "arrays", "restated"}
            or not isinstance(header["arrays"], list)
            or not isinstance(header["restated"], bool)
        ):
            raise self._error(where, "its header is not an event's")
        return header

    def _event(self, header: dict, arrays: list[np.ndarray], where: int):
        def value(item):
            if isinstance(item, list):
                return tuple(value(part) for part in item)
            if isinstance(item, dict) and set(item) == {"array"}:
                index = item["array"]
                if type(index) is not int or not 0 <= index < len(arrays):
                    raise self._error(where, f"it refers to array {str(index)[:20]} of {len(arrays)}")
                return arrays[index]
            if isinstance(item, dict) and set(item) == {"event", "fields"}:
                return made(item)
            if isinstance(item, dict):
                raise self._error(where, "it holds a value that is neither an array nor an event")
            return item

        def made(described: dict):
            name, fields = described.get("event"), described.get("fields")
            kind = EVENT_TYPES.get(name) if isinstance(name, str) else None
            if kind is None:
                raise self._error(where, f"unknown event {str(name)[:80]!r}")
            hints = _FIELD_TYPES[name]
            if not isinstance(fields, dict) or set(fields) != set(hints):
                raise self._error(where, f"its {name} does not have a {name}'s fields")
            values = {key: value(item) for key, item in fields.items()}
            for key, item in values.items():
                if not _fits(item, hints[key]):
                    raise self._error(where, f"its {name}.{key} is not what a {name} holds there")
            try:
                return kind(**values)
            except (TypeError, ValueError) as error:
                raise self._error(where, f"its {name} cannot be made: {error}") from None

        return made(header)

    def _placed(self, described, payload_bytes: int, where: int) -> tuple[str, list[int], int, int]:
        """(dtype, shape, offset, bytes) of an array the header describes, checked to lie in the payload."""
        if not isinstance(described, dict) or set(described) != {"dtype", "shape", "offset"}:
            raise self._error(where, "an array it describes is not described")
        dtype, shape, offset = described["dtype"], described["shape"], described["offset"]
        if dtype not in DTYPES:
            raise self._error(where, f"an array of type {str(dtype)[:40]!r}")
        if not isinstance(shape, list) or len(shape) > 32 or not all(type(n) is int and n >= 0 for n in shape):
            raise self._error(where, "an array's shape is not a list of sizes")
        if type(offset) is not int or offset < 0:
            raise self._error(where, "an array's offset is not a size")
        size = np.dtype(dtype).itemsize * math.prod(shape)
        if offset + size > payload_bytes:
            raise self._error(where, "an array's bytes run past its record")
        return dtype, shape, offset, size

    def _error(self, where: int, what: str) -> EventLogError:
        return EventLogError(f"{self.path}: record at byte {where:,}: {what}")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> EventReader:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _fits(value, hint) -> bool:
    """Whether ``value``, read back, is what a field annotated ``hint`` holds (an int for a float too)."""
    origin, arguments = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        return any(_fits(value, argument) for argument in arguments)
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        if len(arguments) == 2 and arguments[1] is Ellipsis:
            return all(_fits(part, arguments[0]) for part in value)
        return len(value) == len(arguments) and all(map(_fits, value, arguments))
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)

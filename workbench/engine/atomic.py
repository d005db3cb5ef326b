"""Writing a file so that it is either whole or not there: never half-written, never clobbered."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path


def write_atomically(path: Path, write: Callable[[Path], None], durable: bool = False) -> None:
    """``write`` a hidden temporary beside ``path``, then replace ``path`` with it.

    A failure (or Ctrl-C) removes the temporary and leaves any old ``path`` as it was.
    ``durable``: flush the file and the rename to the disk, so a power cut keeps one or the other.
    """
    temporary = path.with_name(f".{path.name}.tmp-{secrets.token_hex(4)}")
    try:
        write(temporary)
        if durable:
            _fsync(temporary)
        os.replace(temporary, path)
    except BaseException:
        with suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise
    if durable and os.name == "posix":  # make the rename itself durable; Windows cannot open a folder
        _fsync(path.parent)


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_files_atomically(files: list[tuple[Path, Callable[[Path], None]]]) -> None:
    """Each ``(path, write)`` as ``write_atomically`` does; if one fails, those already written
    go too, so a set of files that belong together is written whole or not at all."""
    written: list[Path] = []
    try:
        for path, write in files:
            write_atomically(path, write)
            written.append(path)
    except BaseException:
        for path in written:
            with suppress(OSError):
                path.unlink(missing_ok=True)
        raise

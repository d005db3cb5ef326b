"""Writing a file so that it is either whole or not there: never half-written, never clobbered."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

_TOKEN_BYTES = 4  # a temporary is named .NAME.tmp- and this many random bytes in hex


def write_atomically(path: Path, write: Callable[[Path], None], durable: bool = False) -> None:
    """``write`` a hidden temporary beside ``path``, then replace ``path`` with it.

    A failure (or Ctrl-C) removes the temporary and leaves any old ``path`` as it was.
    ``durable``: flush the file and the rename to the disk, so a power cut keeps one or the other.
    """
    temporary = path.with_name(_temporary_prefix(path) + secrets.token_hex(_TOKEN_BYTES))
    try:
        write(temporary)
        if durable:
            _fsync(temporary)
        os.replace(temporary, path)
    except BaseException as error:
        with suppress(OSError):
            temporary.unlink(missing_ok=True)
        if isinstance(error, OSError) and error.filename in (temporary, str(temporary)):
            error.filename = str(path)  # the user asked for path; the temporary is ours and is gone
        raise
    if durable and os.name == "posix":  # make the rename itself durable; Windows cannot open a folder
        _fsync(path.parent)


def temporaries_beside(path: Path) -> list[Path]:
    """The temporaries ``write_atomically`` made for ``path`` that are still there: saves in
    progress, or the remains of a process killed in the middle of one."""
    name = re.compile(re.escape(_temporary_prefix(path)) + f"[0-9a-f]{{{2 * _TOKEN_BYTES}}}")
    return sorted(entry for entry in path.parent.iterdir() if name.fullmatch(entry.name))


def _temporary_prefix(path: Path) -> str:
    return f".{path.name}.tmp-"


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

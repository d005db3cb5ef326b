"""One writer at a time for a project file: an OS lock on a hidden side file beside it.

Two processes training one file each save over the other's steps, silently. The lock is on
``.NAME.lock``, not on the project, because a save replaces the project's inode by renaming a
temporary over it. The OS drops a lock when its holder dies, even by kill -9, so a lock is never
stale: the side file a killed holder leaves is simply locked again by the next writer.
Readers take no lock: a save never leaves a half-written project for them to see.
"""

from __future__ import annotations

import os
import shlex
import stat
import sys
from contextlib import suppress
from pathlib import Path

from ..common.atomic import temporaries_beside
from ..common.errors import ProjectError

if os.name == "nt":
    import msvcrt
else:
    import fcntl

_WINDOWS_LOCKED_BYTE = 1 << 20  # far past the holder's text, which a refused writer reads
_HOLDER_LIMIT = 4096  # bytes of the holder's text a refused writer reads


class ProjectLocked(ProjectError):
    """Another process, or another open in this one, is writing the project."""


class ProjectNotWritable(ProjectError):
    """The project's folder takes no lock file (read-only, or not the user's): nobody can write
    the project there, so there is no writer to keep out."""


class ProjectLock:
    """The writer's lock on one project file, held from ``acquire`` until ``release``."""

    def __init__(self, path: Path, side_file: Path, descriptor: int) -> None:
        self.path = path
        self._side_file = side_file
        self._resolved = path.resolve()
        self._descriptor: int | None = descriptor

    @classmethod
    def acquire(cls, path: str | os.PathLike, holder: str | None = None) -> ProjectLock:
        """Lock ``path`` for writing, or raise ProjectLocked naming the process that holds it.

        ``holder`` says what this process is, for a refused writer's message (default: its
        command line).
        """
        path = Path(path)
        side_file = path.with_name(f".{path.name}.lock")
        while True:
            # Never through a link: a shared folder's planted .p.h5.lock -> ~/.bashrc would be overwritten.
            flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
            try:
                descriptor = os.open(side_file, flags, 0o644)
            except OSError as error:
                raise ProjectNotWritable(f"cannot lock {path} for writing: {error.strerror or error}") from None
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                os.close(descriptor)
                raise ProjectNotWritable(f"cannot lock {path} for writing: {side_file.name} is not a plain file")
            try:
                locked = _try_lock(descriptor)
            except OSError as error:  # a file system without locks (some network mounts)
                os.close(descriptor)
                raise ProjectNotWritable(
                    f"cannot lock {path} for writing: {error.strerror or error} (does its file system take locks?)"
                ) from None
            if not locked:
                refusal = _refusal(path, _read(descriptor))
                os.close(descriptor)
                raise ProjectLocked(refusal)
            if _still_at(descriptor, side_file):
                break
            os.close(descriptor)  # its last holder unlinked it as we locked it: lock the new one
        _write(descriptor, f"{os.getpid()}\n{holder or _command_line()}\n")
        return cls(path, side_file, descriptor)

    def holds(self, path: str | os.PathLike) -> bool:
        """Whether this is the lock of ``path`` (however the path is spelled) and still held."""
        return self._descriptor is not None and Path(path).resolve() == self._resolved

    def release(self) -> None:
        """Let the next writer in (again: nothing). The side file goes while still locked, so a
        writer waiting for it finds it gone (see ``acquire``) rather than locking a dead file."""
        if self._descriptor is None:
            return
        if os.name == "nt":  # Windows cannot remove an open file; a writer that opened it keeps it
            os.close(self._descriptor)
            with suppress(OSError):
                self._side_file.unlink()
        else:
            with suppress(FileNotFoundError):
                self._side_file.unlink()
            os.close(self._descriptor)
        self._descriptor = None

    def __enter__(self) -> ProjectLock:
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()


def held_by_a_writer(path: str | os.PathLike) -> bool:
    """Whether a writer holds ``path``'s lock now (another process, or another open here): asked
    with a shared lock held for an instant, written nothing and removing nothing (a writer that
    tries to lock the file in that very instant is refused, as by any other writer)."""
    path = Path(path)
    side_file = path.with_name(f".{path.name}.lock")
    if os.name == "nt":
        try:
            ProjectLock.acquire(path, holder="a check whether it is free").release()
        except ProjectLocked:
            return True
        except ProjectNotWritable:
            return False
        return False
    try:  # never blocking on a planted FIFO, never through a link
        descriptor = os.open(side_file, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError:  # no side file: nobody has it
        return False
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return False  # no writer locks anything but a plain file
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)  # refused while a writer holds it
    except OSError:
        return True
    finally:
        os.close(descriptor)  # lets a shared lock go with it
    return False


def remove_stale_temporaries(path: str | os.PathLike) -> list[Path]:
    """Remove the temporaries that saves killed mid-write left beside ``path``; those removed.

    Call it holding ``path``'s lock: without it, a temporary may be another writer's save.
    """
    removed = []
    for temporary in temporaries_beside(Path(path)):
        try:
            temporary.unlink()
        except OSError:  # gone already, or not ours to remove: it does no harm where it is
            continue
        removed.append(temporary)
    return removed


def _try_lock(descriptor: int) -> bool:
    """Lock the side file without waiting; False if another open of it holds the lock."""
    try:
        if os.name == "nt":
            os.lseek(descriptor, _WINDOWS_LOCKED_BYTE, os.SEEK_SET)
            msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
        else:  # per open file description: two opens in one process conflict too
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (BlockingIOError, PermissionError):
        return False
    return True


def _still_at(descriptor: int, side_file: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(descriptor), os.stat(side_file))
    except FileNotFoundError:
        return False


def _read(descriptor: int) -> str:
    os.lseek(descriptor, 0, os.SEEK_SET)
    return os.read(descriptor, _HOLDER_LIMIT).decode("utf-8", errors="replace")


def _write(descriptor: int, text: str) -> None:
    os.ftruncate(descriptor, 0)
    os.lseek(descriptor, 0, os.SEEK_SET)
    os.write(descriptor, text.encode())


def _refusal(path: Path, holder_text: str) -> str:
    """The refused writer's one line; a holder that has not written its name yet is "another process"."""
    pid, _, rest = holder_text.partition("\n")
    description = "".join(char for char in rest.partition("\n")[0] if char.isprintable())[:200].strip()
    if not pid.isdigit() or len(pid) > 10:
        return f"{path} is being written by another process; wait for it to finish or stop it"
    described = f" ({description})" if description else ""
    return f"{path} is being written by process {pid}{described}; wait for it to finish or stop it"


def _command_line() -> str:
    """This process as it was started: ``workbench train p.h5`` (``python -m workbench`` too)."""
    program = sys.argv[0] if sys.argv and sys.argv[0] else "python"
    if program == "-c":
        name = "python -c"
    elif Path(program).name == "__main__.py":
        name = Path(program).parent.name
    else:
        name = Path(program).name
    return " ".join([name, *map(shlex.quote, sys.argv[1:])])

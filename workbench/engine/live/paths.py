"""Where a project's live files are (hidden beside it, as its lock is), and how they are opened
for reading: never through a link, never anything but a plain file, because a shared folder may
hold a planted ``.p.h5.events`` (a FIFO there would hang its reader for good)."""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO


@dataclass(frozen=True)
class LivePaths:
    events: Path  # the events of the run under way, appended by its rank 0
    control: Path  # what a window asks of that run: pause, stop

    @classmethod
    def of(cls, project: Path) -> LivePaths:
        project = Path(project)
        return cls(project.with_name(f".{project.name}.events"), project.with_name(f".{project.name}.control"))


def open_plain_file(path: Path) -> BinaryIO:
    """``path`` opened to read, unbuffered; OSError (FileNotFoundError when it is not there) when
    it cannot be, or is a link or no plain file."""
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise OSError(errno.ELOOP, "it is a link, which is not followed", str(path)) from None
        raise
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise OSError(errno.EINVAL, "it is not a plain file", str(path))
    return os.fdopen(descriptor, "rb", buffering=0)

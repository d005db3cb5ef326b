"""What a window asks of a run in another process — pause, go on, stop — as a small JSON file
that the run's rank 0 follows on a thread of its own (``ControlFollower``), which only sets the
trainer's flags: the training loop sees them between steps, as it sees the window's own."""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..common.atomic import write_atomically
from ..common.errors import WorkbenchError
from .paths import open_plain_file

POLL_S = 0.2  # how often rank 0 looks at the control file
_MOST_BYTES = 4096


@dataclass(frozen=True)
class RunControl:
    paused: bool = False
    stop: bool = False


class Steered(Protocol):
    """What a follower steers: a TrainerControl, which this layer does not import."""

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    def stop(self) -> None: ...


class ControlFile:
    """The control file at ``path``: written by a window, read by a run's rank 0."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)

    def write(self, control: RunControl) -> None:
        """Replace the file whole, so the run never reads half of it."""
        text = json.dumps({"paused": control.paused, "stop": control.stop})
        write_atomically(self.path, lambda temporary: temporary.write_text(text, encoding="utf-8"))

    def read(self) -> RunControl | None:
        """What the file asks; None when there is none. A file that is not one is refused."""
        try:
            with open_plain_file(self.path) as file:
                data = file.read(_MOST_BYTES + 1)
        except FileNotFoundError:
            return None
        except OSError as error:
            raise WorkbenchError(f"{self.path}: cannot be read: {error.strerror or error}") from None
        try:
            asked = json.loads(data) if len(data) <= _MOST_BYTES else None
        except (ValueError, RecursionError):  # not UTF-8, not JSON, nested past Python's stack
            asked = None
        if not isinstance(asked, dict) or set(asked) != {"paused", "stop"}:
            raise WorkbenchError(f'{self.path}: not a control file of a run (want {{"paused": …, "stop": …}})')
        if not all(isinstance(flag, bool) for flag in asked.values()):
            raise WorkbenchError(f"{self.path}: paused and stop must be true or false")
        return RunControl(asked["paused"], asked["stop"])

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def warn_on_stderr(message: str) -> None:
    print(f"workbench: {message}", file=sys.stderr)


class ControlFollower:
    """Applies what a ControlFile asks to ``control`` (anything with pause, resume and stop):
    each change once, a stop for good. A file that cannot be read is told once through ``warn``
    and otherwise ignored: the run does not end for it."""

    def __init__(
        self,
        file: ControlFile,
        control: Steered,
        poll_s: float = POLL_S,
        warn: Callable[[str], None] = warn_on_stderr,
    ) -> None:
        self.file, self.control, self.poll_s, self.warn = file, control, poll_s, warn
        self._applied = RunControl()
        self._warned = False
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None

    def poll_once(self) -> None:
        """One look at the file, applying what changed since the last (tests call it directly)."""
        try:
            asked = self.file.read()
        except WorkbenchError as error:
            if not self._warned:
                self._warned = True
                self.warn(f"{error}; it is ignored")
            return
        if asked is None:
            return
        if asked.stop and not self._applied.stop:
            self.control.stop()
        elif asked.paused != self._applied.paused and not self._applied.stop:
            if asked.paused:
                self.control.pause()
            else:
                self.control.resume()
        self._applied = RunControl(asked.paused, asked.stop or self._applied.stop)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._follow, name="control-follower", daemon=True)
        self._thread.start()

    def _follow(self) -> None:
        while True:
            self.poll_once()
            if self._closing.wait(self.poll_s):
                return

    def close(self) -> None:
        self._closing.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

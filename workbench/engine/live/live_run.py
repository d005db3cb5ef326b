"""Rank 0's side of a run watched from elsewhere: its events to the project's live event file,
and the live control file followed, so that a window can draw the run and pause or stop it.

Only the project's writer (the holder of its lock) keeps live files: while the lock is held they
are its run's, and a window that finds the lock held and an event file beside the project is
watching a live run. A wish left in a control file by an earlier run is not this run's: it goes
before this run starts to follow the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from ..events import Event
from .control_file import ControlFile, ControlFollower, warn_on_stderr
from .event_log import EventWriter
from .paths import LivePaths


class LiveRun:
    """A sink writing the run's events where a window reads them, while ``watched``."""

    def __init__(self, project: str | Path, warn: Callable[[str], None] = warn_on_stderr) -> None:
        self.paths = LivePaths.of(Path(project))
        self.warn = warn
        self._writer: EventWriter | None = None

    def __call__(self, event: Event) -> None:
        if self._writer is None:
            return
        try:
            self._writer(event)
        except OSError as error:  # a full disk must not end the run; the window stops drawing it
            self.warn(f"stopped telling a window about this run: {self.paths.events}: {error.strerror or error}")
            self._writer.close()
            self._writer = None

    @contextmanager
    def watched(self, control) -> Iterator[None]:
        """While the block runs, events go to the live event file and the control file's pause and
        stop reach ``control`` (a TrainerControl); after it, the live files go (a reader keeps
        what it has opened)."""
        wishes = ControlFile(self.paths.control)
        wishes.remove()
        try:
            self._writer = EventWriter(self.paths.events)
        except OSError as error:  # a folder that takes no side files: the run goes on, unwatched
            self.warn(f"no window can watch this run: cannot write {self.paths.events}: {error.strerror or error}")
        follower = ControlFollower(wishes, control, warn=self.warn)
        follower.start()
        try:
            yield
        finally:
            follower.close()
            if self._writer is not None:
                self._writer.close()
                self._writer = None
            wishes.remove()
            with suppress(OSError):
                self.paths.events.unlink()

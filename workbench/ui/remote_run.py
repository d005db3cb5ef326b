"""A run that another process trains, watched: a torchrun job this window started (Run ▸ Train on
several processes) or a ``workbench train`` from a terminal that the window found training the
project it opened.

Its rank 0 appends its events to the project's live event file and follows the live control
file (``engine.live``); this object reads the one and writes the other. It polls on the GUI
thread every POLL_MS while attached: reading a file's new bytes is no torch work, and the run,
in its own processes, never waits for the window. The run is over when the project's file is
free again — the job this window started has exited, or no writer holds the file's lock — and
only then is its last save there to be opened (``ended``).
"""

from __future__ import annotations

from collections import deque
from contextlib import suppress
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QTimer, Signal

from ..engine.common.errors import WorkbenchError
from ..engine.events import RunFailed, RunFinished, RunPaused, RunStarted
from ..engine.live.control_file import ControlFile, RunControl
from ..engine.live.event_log import EventReader
from ..engine.live.paths import LivePaths
from ..engine.project.project_lock import held_by_a_writer
from .event_signals import EventSignals

POLL_MS = 200  # how often the event file is read while a run is watched
LOCK_POLL_EVERY = 5  # polls between two checks that a terminal's run still holds the project
OUTPUT_KEPT = 40  # lines of the job's own output kept, to say why it failed
UNTOLD_END = "the run in the other process ended without saying how"


class RemoteRun(EventSignals):
    ended = Signal(str)  # the project's file is free again: "" when the run ended as it said, else what went wrong

    def __init__(self, parent: QObject | None = None, poll_ms: int = POLL_MS) -> None:
        super().__init__(parent)
        self.project: Path | None = None
        self.job: QProcess | None = None  # the torchrun job this window started; None: a terminal's run
        self._reader: EventReader | None = None
        self._control: ControlFile | None = None
        self._wish = RunControl()
        self._told_end = False  # a RunFinished or RunFailed came
        self._unreadable = ""  # why the event file could not be read: nothing more is drawn
        self._polling = False  # a poll is under way (a dialog it opens runs an event loop)
        self._polls = 0
        self._output: deque[str] = deque(maxlen=OUTPUT_KEPT)
        self._timer = QTimer(self)
        self._timer.setInterval(poll_ms)
        self._timer.timeout.connect(self.poll)

    @property
    def active(self) -> bool:
        """Whether a run elsewhere is being watched (from attach until ``ended``)."""
        return self.project is not None

    @property
    def started_here(self) -> bool:
        return self.job is not None

    def attach(self, project: Path, job: QProcess | None = None) -> None:
        """Watch the run training ``project`` elsewhere; ``job``: the process this window started for it."""
        paths = LivePaths.of(project)
        self.project, self.job = Path(project), job
        self._reader, self._control = EventReader(paths.events), ControlFile(paths.control)
        self._wish, self._told_end, self._unreadable, self._polls = RunControl(), False, "", 0
        self._output.clear()
        if job is not None:
            job.readyReadStandardOutput.connect(self._keep_output)
            job.finished.connect(lambda *_: self.poll())
            job.errorOccurred.connect(lambda *_: self.poll())
        self._set_training(True)
        self._timer.start()

    # -- asking the run ----------------------------------------------------------------------

    def pause(self) -> None:
        self._ask(RunControl(paused=True, stop=self._wish.stop))

    def resume(self) -> None:
        self._ask(RunControl(paused=False, stop=self._wish.stop))

    def stop(self) -> None:
        self._ask(RunControl(paused=False, stop=True))

    def _ask(self, wish: RunControl) -> None:
        """Write the wish for the run's rank 0 to follow; raises OSError when the file cannot be written."""
        if self._control is not None:
            self._control.write(wish)
            self._wish = wish

    # -- watching ----------------------------------------------------------------------------

    def poll(self) -> None:
        """Deliver what the run has told since the last poll; end when the project is free."""
        if self._reader is None or self._polling:
            return
        self._polling = True
        try:
            self._polls += 1
            self._deliver_new()
            if self._reader is None:  # a view's answer to an event detached this
                return
            if self.job is not None:
                if self.job.state() == QProcess.ProcessState.NotRunning:
                    self._end_of_job()
            elif self._polls % LOCK_POLL_EVERY == 0 and not held_by_a_writer(self.project):
                self._deliver_new()  # what it told between the last read and letting go
                self._end(self._unreadable or ("" if self._told_end else UNTOLD_END))
        finally:
            self._polling = False

    def _deliver_new(self) -> None:
        if self._unreadable:
            return
        try:
            events = self._reader.read()
        except WorkbenchError as error:  # drawn no further; the end is still waited for
            self._unreadable = f"The run's events could not be read: {error}"
            return
        self._told_end = self._told_end or any(isinstance(event, (RunFinished, RunFailed)) for event in events)
        self.deliver_all(events)

    def deliver(self, item) -> None:
        if isinstance(item, RunStarted) and self._wish != RunControl():
            self._control.write(self._wish)  # asked before the run began, which clears what earlier runs were asked
        elif isinstance(item, RunPaused):  # a run found paused is shown so, and F6 resumes it
            self._wish = RunControl(paused=item.paused, stop=self._wish.stop)
        super().deliver(item)

    def _end_of_job(self) -> None:
        self._keep_output()
        self._deliver_new()  # what it told as it ended
        if self.job.error() == QProcess.ProcessError.FailedToStart:
            self._end(f"The training processes could not start: {self.job.errorString()}")
            return
        code = self.job.exitCode() if self.job.exitStatus() == QProcess.ExitStatus.NormalExit else None
        if not self._unreadable and (code in (0, 130) or (self._told_end and code == 1)):  # 1: a failed run, told
            self._end("")
            return
        said = "\n".join(line for line in self._output if line.strip())
        exited = f"exited with status {code}" if code is not None else "was killed"
        self._end(self._unreadable or f"The training processes {exited}.\n\n{said}".rstrip())

    def _keep_output(self) -> None:
        if self.job is not None:
            text = bytes(self.job.readAllStandardOutput()).decode("utf-8", errors="replace")
            self._output.extend(line.rsplit("\r", 1)[-1] for line in text.splitlines())

    def _end(self, message: str) -> None:
        if self._control is not None and self.job is not None:
            with suppress(OSError):
                self._control.remove()  # the run is over: its wishes with it
        self.detach()
        self.ended.emit(message)

    def detach(self) -> None:
        """Stop watching (the window closes, or opens another project); a terminal's run goes on."""
        if not self.active:
            return
        self._timer.stop()
        if self._reader is not None:
            self._reader.close()
        if self.job is not None:
            self.job.deleteLater()
        self.project, self._reader, self._control, self.job = None, None, None, None
        self._set_training(False)

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
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QTimer, Signal

from ..engine.common.errors import WorkbenchError
from ..engine.events import RunFailed, RunFinished, RunStarted
from ..engine.live.control_file import ControlFile, RunControl
from ..engine.live.event_log import EventReader
from ..engine.live.paths import LivePaths
from ..engine.project.project_lock import held_by_a_writer
from .event_signals import EventSignals

POLL_MS = 200  # how often the event file is read while a run is watched
LOCK_POLL_EVERY = 5  # polls between two checks that a terminal's run still holds the project
OUTPUT_KEPT = 40  # lines of the job's own output kept, to say why it failed


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
    def paused(self) -> bool:
        return self._wish.paused

    @property
    def started_here(self) -> bool:
        return self.job is not None

    def attach(self, project: Path, job: QProcess | None = None) -> None:
        """Watch the run training ``project`` elsewhere; ``job``: the process this window started for it."""
        paths = LivePaths.of(project)
        self.project, self.job = Path(project), job
        self._reader, self._control = EventReader(paths.events), ControlFile(paths.control)
        self._wish, self._told_end, self._polls = RunControl(), False, 0
        self._output.clear()
        if job is not None:
            job.readyReadStandardOutput.connect(self._keep_output)
            job.finished.connect(lambda *_: self.poll())
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
        if self._control is None:
            return
        self._wish = wish
        self._control.write(wish)

    # -- watching ----------------------------------------------------------------------------

    def poll(self) -> None:
        """Deliver what the run has told since the last poll; end when the project is free."""
        if self._reader is None:
            return
        self._polls += 1
        try:
            events = self._reader.read()
        except WorkbenchError as error:
            self._end(f"the run's events could not be read: {error}")
            return
        self.deliver_all(events)
        if any(isinstance(event, (RunFinished, RunFailed)) for event in events):
            self._told_end = True
        if self.job is not None:
            if self.job.state() == QProcess.ProcessState.NotRunning:
                self._end_of_job()
        elif self._polls % LOCK_POLL_EVERY == 0 and not held_by_a_writer(self.project):
            self._end("" if self._told_end else "the run in the other process ended without saying how")

    def deliver(self, item) -> None:
        if isinstance(item, RunStarted) and self._wish != RunControl():
            self._control.write(self._wish)  # asked before the run began, which clears what earlier runs were asked
        super().deliver(item)

    def _end_of_job(self) -> None:
        self._keep_output()
        self.deliver_all(self._reader.read())  # what it told as it ended
        code = self.job.exitCode() if self.job.exitStatus() == QProcess.ExitStatus.NormalExit else None
        if code in (0, 130) or (self._told_end and code == 1):  # 130: stopped; 1: told as a failed run
            self._end("")
            return
        said = "\n".join(line for line in self._output if line.strip())
        exited = f"exited with status {code}" if code is not None else "was killed"
        self._end(f"The training processes {exited}.\n\n{said}".rstrip())

    def _keep_output(self) -> None:
        if self.job is not None:
            text = bytes(self.job.readAllStandardOutput()).decode("utf-8", errors="replace")
            self._output.extend(line.rsplit("\r", 1)[-1] for line in text.splitlines())

    def _end(self, message: str) -> None:
        self._timer.stop()
        if self._reader is not None:
            self._reader.close()
        if self._control is not None and self.job is not None:
            self._control.remove()  # the run is over: its wishes with it
        self.project, self._reader, self._control, self.job = None, None, None, None
        self._set_training(False)
        self.ended.emit(message)

    def detach(self) -> None:
        """Stop watching (the window closes, or opens another project); the run goes on."""
        if self.active:
            self._timer.stop()
            if self._reader is not None:
                self._reader.close()
            self.project, self._reader, self._control, self.job = None, None, None, None
            self.training = False

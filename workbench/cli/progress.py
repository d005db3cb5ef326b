"""The trainer's events on the terminal: a tqdm bar redrawn in place, or plain lines in a log.

On a terminal a run is one tqdm bar, redrawn at each StepMetrics (which the trainer throttles):
the share of the run done, the step of the target, the loss, the validation loss, the trainer's
own rate (tokens, items, steps or points a second: tqdm's would count steps) and the time spent
and left. Lines printed meanwhile (a sample, a failure) go above the bar through ``tqdm.write``.
Where the stream is no terminal (a log file, CI) every redraw would stay in it, so there the same
text is printed as a line at each tenth of the run and at its end, and a long task inside the
run (the final validation) only once, when it is done.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from tqdm import tqdm

from ..engine.events import (
    Event,
    RunFailed,
    RunFinished,
    RunPaused,
    RunStarted,
    SampleGenerated,
    StepMetrics,
    TaskProgress,
    ValidationResult,
)

# The bar's description is the run's figures ("step 1,200/3,000 loss 1.234 ..."), after the bar.
RUN_FORMAT = "{percentage:3.0f}% |{bar}| {desc} {elapsed}<{remaining}"
RATE_NAMES = {"tokens": "tok", "items": "items", "steps": "steps", "points": "points"}


def rate_text(rate: float, counts: str) -> str:
    """'12.3k tok/s', '850 items/s': thousands only where there are thousands."""
    name = RATE_NAMES.get(counts, counts)
    return f"{rate / 1000:.1f}k {name}/s" if rate >= 1000 else f"{rate:.0f} {name}/s"


class ClockedBar(tqdm):
    """A tqdm bar whose time spent, and so its rate and time left, is read from ``clock``."""

    def __init__(self, *args, clock: Callable[[], float], **kwargs) -> None:
        self.clock = clock
        self.started = clock()
        super().__init__(*args, **kwargs)

    @property
    def format_dict(self) -> dict:
        return {**super().format_dict, "elapsed": self.clock() - self.started}


class ProgressBar:
    """A sink for the trainer's events that shows a run's progress on ``stream`` (stderr).

    ``interactive`` (default: whether the stream is a terminal) chooses the bar redrawn in place
    over the lines of a log; ``clock`` times the run.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        show_samples: bool = True,
        *,
        interactive: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self.show_samples = show_samples
        self.clock = clock
        self.start_step = self.target = self.step = 0
        self.loss = self.val_loss = None
        self.rate = 0.0
        self.counts = "tokens"
        self.started = clock()
        self.last_logged_tenth = -1
        self.bar: ClockedBar | None = None  # the run's, on a terminal, from its start to its end
        self.task: ClockedBar | None = None  # a long task's, on a terminal, until it is done

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self._start(event)
        elif isinstance(event, StepMetrics):
            self.step, self.loss, self.rate = event.step, event.loss, event.tokens_per_s
            self._draw()
        elif isinstance(event, ValidationResult):
            self.val_loss = event.loss
        elif isinstance(event, TaskProgress):
            self._task(event)
        elif isinstance(event, SampleGenerated) and self.show_samples:
            self._print(f"— sample at step {event.step} (temperature {event.temperature:g}):\n{event.text.strip()}\n")
        elif isinstance(event, RunFinished):
            self.step = event.step
            self._draw(final=True)
        elif isinstance(event, RunFailed):
            self._close_bar(leave=False)  # the failure says where the run stopped
            self._print(f"Training failed: {event.reason}")
        elif isinstance(event, RunPaused):  # asked from a window watching this run
            self._print(f"Paused at step {event.step:,}" if event.paused else f"Going on from step {event.step:,}")

    @property
    def total(self) -> int:
        """The run's steps, the bar's 100%."""
        return max(self.target - self.start_step, 1)

    def figures(self) -> str:
        """'step 1,200/3,000 loss 1.234 val 1.301 12.3k tok/s': what the bar shows beside its share and times."""
        parts = [f"step {self.step:,}/{self.target:,}"]
        if self.loss is not None:
            parts.append(f"loss {self.loss:.3f}")
        if self.val_loss is not None:
            parts.append(f"val {self.val_loss:.3f}")
        parts.append(rate_text(self.rate, self.counts))
        return " ".join(parts)

    def line(self) -> str:
        """The bar as one line of text, as a log gets it."""
        done = min(self.step - self.start_step, self.total)
        elapsed = self.clock() - self.started
        return tqdm.format_meter(done, self.total, elapsed, prefix=self.figures(), bar_format=RUN_FORMAT)

    def _start(self, event: RunStarted) -> None:
        self._close_bar()
        self.start_step, self.step, self.target = event.step, event.step, event.target_step
        self.counts = event.counts
        self.loss = self.val_loss = None
        self.started = self.clock()
        self.last_logged_tenth = -1
        self._print(f"Training {event.model} ({event.parameters:,} parameters) on {event.device_name}")
        if self.interactive:
            self.bar = ClockedBar(
                total=self.total,
                desc=self.figures(),
                bar_format=RUN_FORMAT,
                clock=self.clock,
                **self._terminal_options(),
            )

    def _draw(self, final: bool = False) -> None:
        if self.interactive:
            if self.bar is not None:
                self.bar.n = min(self.step - self.start_step, self.total)
                self.bar.set_description_str(self.figures())  # and redraws it
                if final:
                    self._close_bar()
            return
        tenth = int(10 * (self.step - self.start_step) / self.total)
        if final or tenth > self.last_logged_tenth:
            self.last_logged_tenth = tenth
            print(self.line(), file=self.stream, flush=True)

    def _task(self, event: TaskProgress) -> None:
        """A long task inside the run (the whole validation at its end): its own bar on a
        terminal, in the run bar's place until it is done; elsewhere one line at its end."""
        done = event.total is not None and event.done >= event.total
        if not self.interactive:
            if done:
                text = f"{event.what}: {event.done:,}/{event.total:,} {event.unit}".rstrip()
                print(text, file=self.stream, flush=True)
            return
        if self.task is None:
            if self.bar is not None:
                self.bar.clear()
            unit = f" {event.unit}" if event.unit else ""  # "12.5 batches/s"
            self.task = ClockedBar(
                total=event.total, desc=event.what, unit=unit, clock=self.clock, position=0, **self._terminal_options()
            )
        self.task.n = event.done
        self.task.refresh()
        if done:
            self.task.close()
            self.task = None

    def _terminal_options(self) -> dict:
        """tqdm's options for a bar on the terminal: the terminal's width, redrawn whenever told
        (the events come throttled), the time left from the average rate since the start."""
        return {"file": self.stream, "dynamic_ncols": True, "mininterval": 0, "smoothing": 0, "leave": True}

    def _close_bar(self, leave: bool = True) -> None:
        if self.bar is not None:
            self.bar.leave = leave
            self.bar.close()
            self.bar = None

    def _print(self, text: str) -> None:
        tqdm.write(text, file=self.stream)  # above the bar, which is redrawn under it
        self.stream.flush()


class ReadingBar:
    """Bytes of a file read so far (``new --text`` reads it twice: counting, then encoding), as
    a tqdm bar on a terminal and, for a file of LOGGED_BYTES or more, a line at each tenth in a
    log (a small file is read before anyone could wait for it). Call it with (done, total)."""

    LOGGED_BYTES = 64 << 20

    def __init__(self, what: str, stream: TextIO | None = None, interactive: bool | None = None) -> None:
        self.what, self.stream = what, stream if stream is not None else sys.stderr
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self._bar: tqdm | None = None
        self._tenths = -1  # the last tenth printed in a log

    def __call__(self, done: int, total: int | None) -> None:
        if not self.interactive:
            if not total or total < self.LOGGED_BYTES:
                return
            tenth = 10 * done // total
            if tenth > self._tenths:
                self._tenths = tenth
                print(f"{self.what}: {min(100, 10 * tenth)}%", file=self.stream, flush=True)
            return
        if self._bar is None:
            self._bar = tqdm(total=total, desc=self.what, unit="B", unit_scale=True, file=self.stream, leave=False)
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

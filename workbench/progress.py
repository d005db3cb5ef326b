"""A one-line training progress bar for the terminal, fed by the trainer's events."""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO

from .engine.events import (
    Event,
    RunFailed,
    RunFinished,
    RunStarted,
    SampleGenerated,
    StepMetrics,
    TaskProgress,
    ValidationResult,
)


def format_duration(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


RATE_NAMES = {"tokens": "tok", "items": "items", "steps": "steps", "points": "points"}


def rate_text(rate: float, counts: str) -> str:
    """'12.3k tok/s', '850 items/s': thousands only where there are thousands."""
    name = RATE_NAMES.get(counts, counts)
    return f"{rate / 1000:.1f}k {name}/s" if rate >= 1000 else f"{rate:.0f} {name}/s"


class ProgressBar:
    """Redraws one line in place on a terminal; prints a line every 10% elsewhere (logs, CI)."""

    def __init__(self, stream: TextIO = sys.stderr, show_samples: bool = True) -> None:
        self.stream = stream
        self.interactive = stream.isatty()
        self.show_samples = show_samples
        self.start_step = self.target = self.step = 0
        self.loss = self.val_loss = None
        self.rate = 0.0
        self.counts = "tokens"
        self.started = time.perf_counter()
        self.last_logged_tenth = -1
        self.line_open = False

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self.start_step, self.step, self.target = event.step, event.step, event.target_step
            self.counts = event.counts
            self.started = time.perf_counter()
            self._print(f"Training {event.model} ({event.parameters:,} parameters) on {event.device_name}")
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
            self._print(f"Training failed: {event.reason}")

    def line(self) -> str:
        done = self.step - self.start_step
        total = max(self.target - self.start_step, 1)
        fraction = min(done / total, 1.0)
        elapsed = time.perf_counter() - self.started
        eta = elapsed / done * (total - done) if done else 0.0
        parts = [f"step {self.step:,}/{self.target:,}"]
        if self.loss is not None:
            parts.append(f"loss {self.loss:.3f}")
        if self.val_loss is not None:
            parts.append(f"val {self.val_loss:.3f}")
        parts.append(rate_text(self.rate, self.counts))
        parts.append(f"{format_duration(elapsed)}<{format_duration(eta)}")
        text = " ".join(parts)
        width = shutil.get_terminal_size((100, 20)).columns - len(text) - 10
        bar_width = max(10, min(40, width))
        filled = int(round(fraction * bar_width))
        return f"{fraction:4.0%} |{'█' * filled}{'·' * (bar_width - filled)}| {text}"

    def _task(self, event: TaskProgress) -> None:
        """A long task inside the run (the whole validation at its end): its own line, redrawn
        on a terminal; elsewhere only its end."""
        text = f"{event.what}: {event.done:,}/{event.total:,} {event.unit}".rstrip() if event.total else event.what
        done = event.total is not None and event.done >= event.total
        if self.interactive:
            self.stream.write("\r\x1b[K" + text + ("\n" if done else ""))
            self.line_open = not done
            self.stream.flush()
        elif done:
            self._print(text)

    def _draw(self, final: bool = False) -> None:
        if self.interactive:
            self.stream.write("\r\x1b[K" + self.line() + ("\n" if final else ""))
            self.line_open = not final
            self.stream.flush()
            return
        total = max(self.target - self.start_step, 1)
        tenth = int(10 * (self.step - self.start_step) / total)
        if final or tenth > self.last_logged_tenth:
            self.last_logged_tenth = tenth
            print(self.line(), file=self.stream, flush=True)

    def _print(self, text: str) -> None:
        if self.line_open:
            self.stream.write("\r\x1b[K")
            self.line_open = False
        print(text, file=self.stream, flush=True)

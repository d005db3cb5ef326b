"""The status bar: device, step, loss, throughput, and a progress bar for the run."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar

from ..engine.events import RunStarted, StepMetrics, TaskProgress
from .steady_label import SteadyLabel

METRICS_INTERVAL_MS = 500  # the step, loss and progress bar follow training twice a second


class TrainingStatus:
    """The labels change at most every METRICS_INTERVAL_MS: a QProgressBar repaints itself at
    once on every new value (1–2 ms of the GUI thread, which training waits for). The labels that
    follow training are steady (fixed size), so new text repaints them and relays out nothing."""

    def __init__(self, bar: QStatusBar) -> None:
        self.bar = bar
        self.device = QLabel("CPU")
        self.step = SteadyLabel("step 0,000,000")
        self.loss = SteadyLabel("loss 00.000")
        self.speed = SteadyLabel("000.0k tokens/s")
        self.step.setText("step 0")
        self.loss.setText("loss —")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(True)
        self.progress.hide()
        for widget in (self.device, self.step, self.loss, self.speed):
            widget.setContentsMargins(6, 0, 6, 0)
            bar.addPermanentWidget(widget)
        bar.addPermanentWidget(self.progress)
        self._start = self._target = 0
        self._latest: StepMetrics | None = None
        self._metrics_timer = QTimer(bar)
        self._metrics_timer.setSingleShot(True)
        self._counts = "tokens"
        self._running = False  # a run's bar is up: a task inside it gives the bar back when done
        self._metrics_timer.setInterval(METRICS_INTERVAL_MS)
        self._metrics_timer.timeout.connect(self.interval_ended)

    def show_step(self, step: int) -> None:
        self.step.setText(f"step {step:,}")

    def run_started(self, event: RunStarted) -> None:
        many = f" × {event.processes:,} processes" if event.processes > 1 else ""
        self.device.setText(event.device_name + many)
        self._counts = event.counts  # tokens, or items for a classifier, steps for a forecaster
        self._start, self._target = event.step, event.target_step
        self._running = True
        self._show_run_progress(0)
        self.progress.show()
        self.show_step(event.step)

    def _show_run_progress(self, done: int) -> None:
        self.progress.setRange(0, max(self._target - self._start, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"%v of {self._target - self._start:,} steps")

    @property
    def interval_ms(self) -> int:
        """The least time between two changes of the labels that follow training."""
        return self._metrics_timer.interval()

    @property
    def holding_back(self) -> bool:
        """Whether an interval is under way: new metrics wait for its end."""
        return self._metrics_timer.isActive()

    def metrics(self, event: StepMetrics) -> None:
        self._latest = event
        if not self._metrics_timer.isActive():
            self._show_latest()

    def interval_ended(self) -> None:
        """The interval is over (the timer's slot): the metrics held back show and a new interval
        starts; with none held back, the next metrics show at once."""
        self._metrics_timer.stop()
        self._show_latest()

    def _show_latest(self) -> None:
        """Show the metrics held back, if any; the next wait at least METRICS_INTERVAL_MS."""
        event, self._latest = self._latest, None
        if event is None:
            return
        self._metrics_timer.start()
        self.show_step(event.step)
        self.loss.setText(f"loss {event.loss:.3f}")
        self.speed.setText(f"{event.tokens_per_s / 1000:.1f}k {self._counts}/s")
        self.progress.setValue(event.step - self._start)

    def task_progress(self, event: TaskProgress) -> None:
        """A long request's progress (a download in bytes, an export in steps); hidden when it is done."""
        if event.total and event.done >= event.total:
            if self._running:  # a task inside the run (its last validation): the run's bar comes back
                self._show_run_progress(self._target - self._start)
            else:
                self.progress.hide()
            return
        if event.unit == "bytes":
            amount = f"{event.done / 1e6:.1f}" + (f" of {event.total / 1e6:.1f}" if event.total else "") + " MB"
        elif event.unit == "steps":
            amount = f"step {event.done + 1}" + (f" of {event.total}" if event.total else "")
        else:  # batches, pairs: counted as done
            amount = f"{event.done:,}" + (f" of {event.total:,}" if event.total else "") + f" {event.unit}"
        self.progress.setRange(0, event.total or 0)  # 0..0: a busy bar when the size is unknown
        self.progress.setValue(event.done)
        self.progress.setFormat(f"{event.what}: {amount}")
        self.progress.show()

    def task_ended(self) -> None:
        self.progress.hide()

    def run_ended(self, message: str) -> None:
        self._running = False
        self._show_latest()
        self._metrics_timer.stop()
        self.progress.hide()
        self.speed.setText("")
        self.bar.showMessage(message, 10_000)

"""The signals a run's events reach the views by, on the GUI thread, whoever trains the run: the
window's own worker thread (``EngineBridge``) or another process (``RemoteRun``)."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QObject, Signal

from ..engine.events import (
    ProbeSnapshot,
    RunFailed,
    RunFinished,
    RunPaused,
    RunStarted,
    SampleGenerated,
    StepMetrics,
    TaskProgress,
    ValidationResult,
)


class EventSignals(QObject):
    run_started = Signal(object)  # RunStarted
    metrics_arrived = Signal(list)  # [StepMetrics, ...] that came together, oldest first
    validation_arrived = Signal(object)  # ValidationResult
    probe_arrived = Signal(object)  # ProbeSnapshot
    sample_arrived = Signal(object)  # SampleGenerated
    run_finished = Signal(object)  # RunFinished
    run_failed = Signal(object)  # RunFailed
    pause_changed = Signal(object)  # RunPaused: a pause took hold, or ended
    training_changed = Signal(bool)
    progress_arrived = Signal(object)  # TaskProgress

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.training = False

    def deliver_all(self, items: Iterable) -> None:
        """Emit each item's signal in order, step metrics in a row merged into one list."""
        metrics: list[StepMetrics] = []
        for item in items:
            if isinstance(item, StepMetrics):
                metrics.append(item)
                continue
            if metrics:  # keep metrics in order relative to the other events
                self.metrics_arrived.emit(metrics)
                metrics = []
            self.deliver(item)
        if metrics:
            self.metrics_arrived.emit(metrics)

    def deliver(self, item) -> None:
        if isinstance(item, RunStarted):
            self._set_training(True)
            self.run_started.emit(item)
        elif isinstance(item, ValidationResult):
            self.validation_arrived.emit(item)
        elif isinstance(item, ProbeSnapshot):
            self.probe_arrived.emit(item)
        elif isinstance(item, SampleGenerated):
            self.sample_arrived.emit(item)
        elif isinstance(item, RunFinished):
            self._set_training(False)
            self.run_finished.emit(item)
        elif isinstance(item, RunFailed):
            self._set_training(False)
            self.run_failed.emit(item)
        elif isinstance(item, RunPaused):
            self.pause_changed.emit(item)
        elif isinstance(item, TaskProgress):
            self.progress_arrived.emit(item)

    def _set_training(self, training: bool) -> None:
        if training != self.training:
            self.training = training
            self.training_changed.emit(training)

"""Run → Compare RNN, LSTM and GRU: the long-range lab's one click.

The current model is trained once with each cell (every stack's cell swapped), one run each, on
the same data and settings, each run's weights drawn from the same seed, so the Training tab
overlays their curves and the Inside tab shows each run's gradient through time as it trains.
A run that fails (a tanh RNN's gradient exploding with clipping off) is part of the story: the
next cell goes on. Stopping ends the comparison. The model left open is the last one trained.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from PySide6.QtCore import QObject

from ..engine.events import RunFailed, RunFinished
from ..engine.project.snapshot import ProjectSnapshot
from ..engine.spec import CELL_NAMES, CELLS, ModelSpec
from ..engine.training.run_end import EARLY_STOPS
from . import tasks


def with_cell(spec: ModelSpec, cell: str) -> ModelSpec:
    """``spec`` with every recurrent stack made of ``cell``."""
    decoder = None if spec.decoder is None else replace(spec.decoder, cell=cell)
    return replace(spec, encoder=replace(spec.encoder, cell=cell), decoder=decoder)


class CellComparison(QObject):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self._queue: list[str] = []
        self._steps = self._seed = 0
        self.running = False
        window.bridge.run_finished.connect(self._on_run_finished)
        window.bridge.run_failed.connect(self._on_run_failed)

    def start(self, steps: int, seed: int) -> None:
        self._queue, self._steps, self._seed, self.running = list(CELLS), steps, seed, True
        self._next()

    def _next(self) -> None:
        if not self._queue:
            self.running = False
            self.window.statusBar().showMessage(
                "Compared RNN, LSTM and GRU: their runs overlay on the Training tab", 10_000
            )
            return
        cell = self._queue.pop(0)
        spec = with_cell(self.window.document.spec, cell)
        self.window.bridge.call(
            partial(tasks.rebuild, self.window.bridge.worker, spec, self._seed),
            partial(self._train, cell),
            self._failed,
        )

    def _train(self, cell: str, snapshot: ProjectSnapshot) -> None:
        self.window.files.mark_changed()
        self.window.show_project(snapshot)
        done = len(CELLS) - len(self._queue)
        self.window.statusBar().showMessage(f"Comparing cells: {CELL_NAMES[cell]} ({done} of {len(CELLS)})")
        self.window.bridge.train(self._steps)

    def _on_run_finished(self, event: RunFinished) -> None:
        if not self.running:
            return
        if event.reason in ("completed", *EARLY_STOPS):  # a run its settings ended early is a cell's run too
            self._next()
        else:
            self._queue, self.running = [], False

    def _on_run_failed(self, event: RunFailed) -> None:
        if self.running:
            self._next()

    def _failed(self, error: BaseException) -> None:
        self._queue, self.running = [], False
        self.window.show_error(error)

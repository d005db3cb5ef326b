"""The one thread that does a window's torch work: open, create, train, probe, sample, save.

A torch call from the GUI thread makes libgomp start a second thread pool and slows training to
about a third, so a window never calls torch itself: it submits work here and gets a Future.
While training, submitted work runs between steps; while idle, at once. Qt-free, so the same
worker serves tests and any other front end.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from ..common.errors import WorkbenchError
from ..events import RunFailed, Sink
from .callbacks import Callback
from .control import TrainerControl


class EngineWorker:
    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.control = TrainerControl()
        self.project = None  # workbench.engine.project.Project, touched on this thread only
        self.callbacks: list[Callback] = []
        self._pending_steps: int | None = None
        self._training = threading.Event()
        self._wake = threading.Event()
        self._quit = threading.Event()

    @property
    def training(self) -> bool:
        return self._training.is_set()

    def submit(self, work: Callable[[], Any]) -> Future:
        """Run ``work()`` on the worker thread; its result or exception arrives in the Future."""
        future = self.control.submit(work)
        self._wake.set()
        return future

    def train(self, steps: int) -> None:
        """Start training ``steps`` steps once the worker is free (ignored while training)."""
        if not self.training:
            self._pending_steps = steps
            self._wake.set()

    def quit(self) -> None:
        """Stop training between steps and end ``run_forever``."""
        self._quit.set()
        self.control.stop()
        self._wake.set()

    def run_forever(self) -> None:
        """The thread's body: answer requests, train when asked, until ``quit``."""
        while not self._quit.is_set():
            self.control.serve_requests()
            steps, self._pending_steps = self._pending_steps, None
            if steps and self.project is not None:
                self._train(steps)
            elif self._wake.wait(0.05):
                self._wake.clear()
        self.control.serve_requests()  # nobody waits forever on a Future

    def _train(self, steps: int) -> None:
        self._training.set()
        trainer = None
        try:
            trainer = self.project.trainer(self.sink, self.callbacks, self.control)
            trainer.run(steps)
        except WorkbenchError as error:  # the user's data (a damaged file read as it trains): in words
            step = trainer.step if trainer is not None else 0
            self.sink(RunFailed(step, f"training stopped: {error}"))
        except Exception as error:  # a bug or the machine (out of memory): report, keep serving
            traceback.print_exc()
            step = trainer.step if trainer is not None else 0
            self.sink(RunFailed(step, f"training stopped by an unexpected error: {error}"))
        finally:
            self._training.clear()

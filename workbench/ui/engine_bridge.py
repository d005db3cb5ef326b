"""The window's line to the engine: a worker thread for all torch work, events drained here.

The worker's sink only puts events on a queue (it runs on the worker thread and touches no
widget) and, when the queue was drained since, wakes the GUI thread with a queued signal. The
GUI thread then drains the queue at most every DRAIN_INTERVAL_MS, merges the step metrics of one
drain into a list, and re-emits everything as Qt signals on the GUI thread. Requests go the
other way as plain functions run by the worker between steps; their answers come back through
the same queue, so callbacks also run on the GUI thread.

Nothing polls: an idle window is never woken, and a training run wakes it as often as the engine
has news (its metrics are throttled at the source), not 30 times a second. Each wake-up of the
GUI thread takes the interpreter lock, which the training thread needs between torch calls.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, QTimer, Signal

from ..engine.training.worker import EngineWorker
from .event_signals import EventSignals

DRAIN_INTERVAL_MS = 33  # the least time between two drains: what arrives meanwhile is merged


@dataclass(frozen=True)
class _Reply:
    future: Future
    on_done: Callable[[Any], None] | None
    on_error: Callable[[BaseException], None] | None


class _WorkerThread(QThread):
    def __init__(self, worker: EngineWorker, parent: QObject) -> None:
        super().__init__(parent)
        self.worker = worker

    def run(self) -> None:
        self.worker.run_forever()


class EngineBridge(EventSignals):
    _woken = Signal()  # emitted by the worker's thread: the inbox has something (queued to this thread)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._inbox: queue.SimpleQueue = queue.SimpleQueue()
        # Set by the sender, cleared by drain() before it reads: while it is set a drain is due.
        # Two senders may both see it clear and both wake the thread: one drain finds nothing.
        self._wake_sent = False
        self._drained_at = 0.0
        self._closed = False  # after shutdown: no more wake-ups (the receiver may be gone)
        self.drain_count = 0  # drains so far: how often the worker's news woke this thread
        self.worker = EngineWorker(self._post)
        self._thread = _WorkerThread(self.worker, self)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.drain)
        self._woken.connect(self._schedule_drain)
        self._thread.start()

    def _post(self, item) -> None:
        """Queue ``item`` for the GUI thread (called on any thread); wake it once per drain."""
        self._inbox.put(item)
        if not self._wake_sent and not self._closed:
            self._wake_sent = True
            self._woken.emit()

    def _schedule_drain(self) -> None:
        if not self._timer.isActive():
            since_ms = 1000 * (time.monotonic() - self._drained_at)
            self._timer.start(max(0, round(DRAIN_INTERVAL_MS - since_ms)))

    # -- requests (any of these may be called at any time from the GUI thread) ----------

    def call(
        self,
        work: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> Future:
        """Run ``work()`` on the worker; ``on_done(result)`` or ``on_error(error)`` on this thread."""
        future = self.worker.submit(work)
        future.add_done_callback(lambda done: self._post(_Reply(done, on_done, on_error)))
        return future

    def train(self, steps: int) -> None:
        self.worker.control.resume()
        self.worker.train(steps)

    def pause(self) -> None:
        self.worker.control.pause()

    def resume(self) -> None:
        self.worker.control.resume()

    def stop(self) -> None:
        self.worker.control.stop()

    @property
    def paused(self) -> bool:
        return self.worker.control.paused

    @property
    def worker_thread_running(self) -> bool:
        return self._thread.isRunning()

    @property
    def drain_pending(self) -> bool:
        """Whether a drain is scheduled: with none, this thread sleeps until the worker has news."""
        return self._timer.isActive()

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Stop training between steps and end the worker thread; True if it ended in time."""
        self.worker.quit()
        finished = self._thread.wait(timeout_ms)
        self.drain()
        self._closed = True
        self._timer.stop()
        return finished

    # -- the GUI side ----------------------------------------------------------------------

    def drain(self) -> None:
        """Deliver everything the worker has sent since the last drain, in order.

        If a callback raises, the error goes its way and what is still queued comes with the
        next drain, which is scheduled at once: nothing waits for the worker's next news.
        """
        self._wake_sent = False  # before reading: an item put after this wakes the thread again
        self.drain_count += 1
        try:
            self._deliver_queued()
        finally:
            self._drained_at = time.monotonic()  # the next drain at least DRAIN_INTERVAL_MS after this one ends
            if not self._inbox.empty() and not self._wake_sent:
                self._wake_sent = True
                self._schedule_drain()

    def _deliver_queued(self) -> None:
        self.deliver_all(self._queued())

    def _queued(self):
        """What the inbox holds, taken one at a time (what an error leaves stays for the next drain)."""
        while True:
            try:
                yield self._inbox.get_nowait()
            except queue.Empty:
                return

    def deliver(self, item) -> None:
        if not isinstance(item, _Reply):
            super().deliver(item)
            return
        error = item.future.exception()
        if error is None and item.on_done is not None:
            item.on_done(item.future.result())
        elif error is not None and item.on_error is not None:
            item.on_error(error)
        elif error is not None:
            raise error

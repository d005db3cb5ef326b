"""How another thread steers a running trainer: flags and a queue, checked between batches.

Nothing here interrupts a step. ``stop`` and ``pause`` set flags the loop reads; ``submit`` queues
work (a sample, a probe) that the training thread runs between steps, because every torch call
belongs on that thread (a torch call from the GUI thread makes libgomp start a second pool).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any


class TrainerControl:
    def __init__(self) -> None:
        self._stop = threading.Event()
        self._running = threading.Event()  # cleared while paused
        self._running.set()
        self._requests: queue.SimpleQueue[tuple[Callable[[], Any], Future]] = queue.SimpleQueue()

    def stop(self) -> None:
        self._stop.set()
        self._running.set()  # a paused loop wakes up to stop

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def clear_stop(self) -> None:
        self._stop.clear()

    def submit(self, work: Callable[[], Any]) -> Future:
        """Run ``work()`` on the training thread at the next chance; its result comes in the Future."""
        future: Future = Future()
        self._requests.put((work, future))
        return future

    def serve_requests(self) -> None:
        """Run queued work now (called by the training thread)."""
        while True:
            try:
                work, future = self._requests.get_nowait()
            except queue.Empty:
                return
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(work())
                except BaseException as error:  # the asker decides what an error means
                    future.set_exception(error)

    def wait_while_paused(self, poll_s: float = 0.05) -> None:
        """Block between steps while paused, still answering requests."""
        while not self._running.wait(poll_s):
            self.serve_requests()

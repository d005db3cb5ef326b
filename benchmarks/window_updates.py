"""What the main window's live updates cost the GUI thread, relayouts included.

The window (1600 × 1000, offscreen, names demo, Inside tab in front) is given what training
sends it, one piece at a time, each followed by the event processing and paints it causes:

- a probe snapshot of a names LSTM (128 units, 100 characters) arriving (the scrubber and step
  label move), then redrawn as the panel's paced timer does;
- a status-bar update (step, loss, tokens per second, progress), as twice a second in a run.

The figure is the GUI thread's CPU time (``time.thread_time``: what training waits for while
the window holds the interpreter lock), median and best over the updates after the first few.
Beside it, how many layout requests reached the main window per update: a label or spin box
that changes size hint makes Qt redo the layouts up to the window, and every QTabWidget on the
way repaints itself whole.

    python benchmarks/window_updates.py [--updates 24]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from bench_gui import close_window, open_demo_window  # noqa: E402
from internals_redraw import snapshots  # noqa: E402
from machine import describe_machine  # noqa: E402
from PySide6.QtCore import QEvent, QObject  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from workbench.engine.events import RunStarted, StepMetrics  # noqa: E402
from workbench.ui.app import configure_pyqtgraph  # noqa: E402
from workbench.ui.main_window import MainWindow  # noqa: E402

WARMUP = 4  # updates left out: the first snapshot switches pages and builds the text


class WindowLayouts(QObject):
    """Counts the layout requests that reach one window."""

    def __init__(self, window) -> None:
        super().__init__()
        self.window = window
        self.count = 0

    def eventFilter(self, watched, event):  # noqa: N802 (Qt's name)
        if watched is self.window and event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


def settle(app: QApplication) -> None:
    for _ in range(5):
        app.processEvents()


def timed(app: QApplication, layouts: WindowLayouts, update) -> tuple[float, int]:
    """GUI-thread CPU milliseconds of ``update`` and the events it causes; window relayouts."""
    layouts.count = 0
    started = time.thread_time()
    update()
    settle(app)
    return 1000 * (time.thread_time() - started), layouts.count


def snapshot_costs(app: QApplication, window: MainWindow, layouts: WindowLayouts, taken: list) -> list:
    panel = window.internals
    costs = []
    for snapshot in taken:
        arrival = timed(app, layouts, lambda snapshot=snapshot: panel.add_snapshot(snapshot))
        redraw = timed(app, layouts, panel._redraw)  # what the panel's timer does
        costs.append((arrival[0] + redraw[0], arrival[1] + redraw[1]))
    return costs[WARMUP:]


def status_costs(app: QApplication, window: MainWindow, layouts: WindowLayouts, count: int) -> list:
    status = window.status
    status.run_started(RunStarted("run-001", 0, 100_000, "cpu", "CPU (2 threads)", 1, "model"))
    settle(app)
    costs = []
    rng = np.random.default_rng(0)
    for index in range(count + WARMUP):
        step = 250 * (index + 1)
        speed = float(rng.uniform(20_000, 40_000))
        event = StepMetrics(step, 2.0 - step / 1e5, 1e-3, speed, 1.0, ("head",), np.ones(1))
        status._metrics_timer.stop()  # as if the half second had passed
        costs.append(timed(app, layouts, lambda event=event: status.metrics(event)))
    return costs[WARMUP:]


def row(what: str, costs: list) -> str:
    cpu = [cost for cost, _ in costs]
    relayouts = sum(count for _, count in costs) / len(costs)
    return f"| {what} | {statistics.median(cpu):.1f} ms | {min(cpu):.1f} ms | {relayouts:.1f} |"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=24)
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_pyqtgraph()
    print(describe_machine())
    taken = snapshots(args.updates + WARMUP)
    with tempfile.TemporaryDirectory() as folder:
        window = open_demo_window(app, Path(folder), "names", "inside")
        layouts = WindowLayouts(window)
        window.installEventFilter(layouts)
        print("| update | GUI thread CPU: median | best | window relayouts per update |")
        print("|---|---:|---:|---:|")
        print(row("probe snapshot on the Inside tab (arrival, redraw)", snapshot_costs(app, window, layouts, taken)))
        print(row("status bar (step, loss, speed, progress)", status_costs(app, window, layouts, args.updates)))
        close_window(window)


if __name__ == "__main__":
    main()

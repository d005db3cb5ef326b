"""What the main window costs while nothing happens: the GUI thread's CPU, window open, idle.

The window (1600 × 1000, offscreen) shows a demo project with the Training tab in front and
nothing training; the event loop runs as the application runs it (``QEventLoop.exec``) for
``--seconds``. Every wake-up of the GUI thread takes the interpreter lock, which a training
run in the same process needs between its torch calls, and keeps a laptop's core from sleeping.

    python benchmarks/idle_window.py [--demo names] [--seconds 10]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench_gui import close_window, open_demo_window  # noqa: E402
from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from workbench.ui.app import configure_pyqtgraph  # noqa: E402

SETTLE_S = 3.0  # after the project arrives: first paints, the status bar's last update


def idle_cores(seconds: float) -> float:
    """The GUI thread's CPU time over ``seconds`` of its event loop, in cores."""
    loop = QEventLoop()
    QTimer.singleShot(round(1000 * seconds), loop.quit)
    cpu, wall = time.thread_time(), time.perf_counter()
    loop.exec()
    return (time.thread_time() - cpu) / (time.perf_counter() - wall)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", default="names")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_pyqtgraph()
    with tempfile.TemporaryDirectory() as folder:
        window = open_demo_window(app, Path(folder), args.demo)
        idle_cores(SETTLE_S)
        print(f"{args.demo}, window idle for {args.seconds:g} s: GUI thread {idle_cores(args.seconds):.4f} cores")
        close_window(window)


if __name__ == "__main__":
    main()

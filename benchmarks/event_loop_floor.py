"""How late a GUI thread's timer fires beside training when there is no window at all.

The floor under bench_gui.py's event-loop delay: a Qt event loop with nothing to show and a
10 ms PreciseTimer, while a plain Python thread trains the demo's model with the bare PyTorch
loop of bench_trainer.py (no engine, no views). Whatever lateness remains here comes from the
training thread and the machine (the GIL, cores shared by torch's threads and the GUI thread, the
hypervisor), not from anything the workbench draws. Also measured with no training, and with
torch limited to one thread.

    python benchmarks/event_loop_floor.py [--demo names] [--seconds 20]
"""

from __future__ import annotations

import argparse
import os
import threading
import time

if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from bench_trainer import BareLoop, make_trainer  # noqa: E402
from machine import describe_machine  # noqa: E402
from PySide6.QtCore import QElapsedTimer, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from workbench.engine.data import DEMOS  # noqa: E402

TICK_MS = 10


def lateness(app: QApplication, seconds: float) -> list[float]:
    """Run the event loop for ``seconds``; how late each 10 ms tick fired, in ms."""
    late: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]

    def tick() -> None:
        now = clock.nsecsElapsed()
        late.append(max(0.0, (now - last[0]) / 1e6 - TICK_MS))
        last[0] = now

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)
    timer.start()
    QTimer.singleShot(round(1000 * seconds), app.quit)
    app.exec()
    timer.stop()
    return late


def measure(app: QApplication, demo: str, seconds: float, threads: int | None) -> str:
    label = "no training" if threads is None else f"bare loop, {threads} torch thread{'s' if threads > 1 else ''}"
    stop = threading.Event()
    steps = [0]
    worker = None
    if threads is not None:

        def train() -> None:
            loop = BareLoop(make_trainer(demo))  # the trainer sets torch's threads: one per core
            torch.set_num_threads(threads)
            while not stop.is_set():
                loop.run(1)
                steps[0] += 1

        worker = threading.Thread(target=train, daemon=True)
        worker.start()
        time.sleep(3)  # past the model's first steps
        steps[0] = 0
    late = lateness(app, seconds)
    stop.set()
    if worker is not None:
        worker.join()
    p50, p99 = np.percentile(late, [50, 99])
    return f"| {label} | {steps[0] / seconds:.0f} | {p50:.1f} | {p99:.1f} | {max(late):.0f} |"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", default="names", choices=sorted(DEMOS))
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication([])
    print(f"{args.demo}; {describe_machine()}\n")
    print("| training thread | steps/s | tick delay p50 (ms) | p99 (ms) | max (ms) |\n|---|---:|---:|---:|---:|")
    for threads in (None, 2, 1):
        print(measure(app, args.demo, args.seconds, threads), flush=True)


if __name__ == "__main__":
    main()

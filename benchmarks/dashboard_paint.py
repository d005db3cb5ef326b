"""What one paint of the dashboard costs the GUI thread, and what Qt charges for each kind of line.

The event-loop delay that bench_gui.py measures during training is, on the Training tab, mostly
the dashboard's paints: each is one uninterruptible block on the GUI thread. This benchmark times
them without training beside them:

1. The dashboard (1550 × 800, about its size in the 1600 × 1000 window) holding one run of
   ``--steps`` per-step losses and a metrics event every fifth step, four layers: the median of
   full repaints after new data, and of repaints after new data in one plot only.
2. The dashboard following a run as it trains from ``--steps`` (``live_row``): the GUI thread's
   CPU per second of training, and the paints, paced as while a run trains. More than
   MAX_PAINTS_PER_SHOT paints a shot is a paint storm (``PaintLog.storms``): the run fails.
3. Qt's raster engine drawing a 1000-segment zig-zag (what peak downsampling makes of noise) and
   40 grid lines, with the pens the dashboard could use: width, antialiasing, translucency.

    python benchmarks/dashboard_paint.py [--steps 5000 50000] [--repeats 15] [--live-seconds 20]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time

if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from machine import describe_machine  # noqa: E402
from PySide6.QtCore import QLineF, Qt  # noqa: E402
from PySide6.QtGui import QColor, QImage, QPainter, QPen  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from workbench.engine.events import RunStarted, StepMetrics  # noqa: E402
from workbench.ui.app import configure_pyqtgraph  # noqa: E402
from workbench.ui.dashboard.widget import Dashboard  # noqa: E402

LAYERS = ("inputs", "encoder.l0", "encoder.l1", "head")
MAX_PAINTS_PER_SHOT = 2  # a shot is one paint, two when an axis moved; more is a storm (issue 23)
STORM_WINDOW_S = 10.0  # storms are looked for in windows this long, as well as over the whole run


class PaintLog:
    """The dashboard's paints (when, and how long: its plots time themselves) and its shots (when,
    and which plot), on ``clock``."""

    def __init__(self, dashboard: Dashboard, clock=time.perf_counter) -> None:
        self.paints: list[tuple[float, float]] = []  # (clock, ms)
        self.shots: list[tuple[float, str]] = []  # (clock, plot)
        graphics = dashboard.graphics
        paint = graphics.paintEvent

        def timed_paint(event) -> None:
            paint(event)
            self.paints.append((clock(), 1000 * graphics.last_paint_s))

        graphics.paintEvent = timed_paint
        dashboard.plot_redrawn.connect(lambda plot: self.shots.append((clock(), plot)))

    @property
    def paint_ms(self) -> list[float]:
        return [ms for _, ms in self.paints]

    def storms(self, window_s: float = STORM_WINDOW_S) -> list[str]:
        """Where paints outnumber MAX_PAINTS_PER_SHOT a shot: over the whole log, and in each window
        of ``window_s`` (which may also hold MAX_PAINTS_PER_SHOT paints of no shot: a resize, a
        tab switch); one line each, for the report."""
        paints, shots = len(self.paints), len(self.shots)
        found = [f"{paints} paints for {shots} shots"] if paints > MAX_PAINTS_PER_SHOT * shots else []
        if not self.paints:
            return found
        start = min(at for at, _ in self.paints + self.shots)
        windows = int((max(at for at, _ in self.paints + self.shots) - start) // window_s) + 1
        painted, shot = np.zeros(windows, int), np.zeros(windows, int)
        np.add.at(painted, [int((at - start) // window_s) for at, _ in self.paints], 1)
        np.add.at(shot, [int((at - start) // window_s) for at, _ in self.shots], 1)
        for index in np.flatnonzero(painted > MAX_PAINTS_PER_SHOT * (shot + 1)):
            span = f"{index * window_s:.0f}–{(index + 1) * window_s:.0f} s"
            found.append(f"{span}: {painted[index]} paints for {shot[index]} shots")
        return found


def filled_dashboard(app: QApplication, steps: int) -> Dashboard:
    rng = np.random.default_rng(0)
    step = np.arange(1, steps + 1)
    loss = 3 * np.exp(-step / (steps / 3)) + 1.2 + 0.2 * rng.standard_normal(steps)
    events = [
        StepMetrics(
            int(s),
            float(value),
            2e-3,
            5e4 + 1e3 * rng.standard_normal(),
            1 + rng.random(),
            LAYERS,
            rng.random(len(LAYERS)) + 0.1,
        )
        for s, value in zip(step[::5], loss[::5])
    ]
    dashboard = Dashboard()
    dashboard.resize(1550, 800)
    dashboard.show()
    dashboard.add_metrics(events)
    dashboard.add_step_losses(step, loss)
    settle(app)
    return dashboard


def settle(app: QApplication) -> None:
    for _ in range(5):
        app.processEvents()
        time.sleep(0.01)


def paint_ms(app: QApplication, dashboard: Dashboard, change, repeats: int) -> float:
    """Median time of the paint that follows ``change()``, as the event loop runs it."""
    times = []
    for _ in range(repeats):
        dashboard.graphics.last_paint_s = 0.0
        change()
        settle(app)
        times.append(dashboard.graphics.last_paint_s)
    return 1000 * statistics.median(times)


def dashboard_rows(app: QApplication, steps: int, repeats: int) -> list[str]:
    dashboard = filled_dashboard(app, steps)
    run = dashboard.current_run

    def everything():  # all five plots before one paint, as the dashboard drew until it staggered them
        dashboard._mark_dirty(run)
        dashboard._redraw_timer.stop()
        dashboard._drawn_at = dict.fromkeys(dashboard._drawn_at, -math.inf)  # each may be drawn now
        for _ in range(5):
            dashboard.redraw_now()
        dashboard._redraw_timer.stop()

    def loss_only():
        run.redraw("loss", dashboard._options)

    changes = {
        "every plot": everything,
        "loss plot": loss_only,
        "per-layer plot": dashboard.layer_curves.redraw,
        "throughput plot": lambda: run.redraw("tokens_per_s", dashboard._options),
    }
    rows = [
        f"| {steps:,} | {name} | {paint_ms(app, dashboard, change, repeats):.1f} ms |"
        for name, change in changes.items()
    ]
    dashboard.close()
    return rows


def live_row(app: QApplication, steps: int, seconds: float, steps_per_s: float = 150.0) -> tuple[str, list[str]]:
    """The dashboard following a run as it trains: ``steps_per_s`` steps of losses a second and a
    metrics event every 0.1 s arrive in drains of 33 ms (as from the engine bridge), starting at
    ``steps``; the event loop runs in between. The figure is the GUI thread's CPU time per second
    of training, and the paints' times; with it, the paint storms (``PaintLog.storms``)."""
    rng = np.random.default_rng(1)
    dashboard = filled_dashboard(app, steps)
    dashboard.start_run(RunStarted("current run", steps, 10**9, "cpu", "CPU", 0, "LSTM"))  # paced as in training
    log = PaintLog(dashboard)
    step, since_metrics, drain_s = float(steps), 0.0, 0.033
    cpu_started, wall_started = time.thread_time(), time.perf_counter()
    next_drain = wall_started
    while time.perf_counter() - wall_started < seconds:
        new = np.arange(step + 1, step + 1 + round(steps_per_s * drain_s))
        step = float(new[-1])
        loss = 1.2 + 0.2 * rng.standard_normal(len(new))
        since_metrics += drain_s
        if since_metrics >= 0.1:
            since_metrics = 0.0
            dashboard.add_metrics(
                [
                    StepMetrics(
                        int(step),
                        float(loss[-1]),
                        2e-3,
                        5e4 + 1e3 * rng.standard_normal(),
                        1 + rng.random(),
                        LAYERS,
                        rng.random(len(LAYERS)) + 0.1,
                    )
                ]
            )
        dashboard.add_step_losses(new, loss)
        next_drain += drain_s
        while time.perf_counter() < next_drain:
            app.processEvents()
            time.sleep(0.002)
    cores = (time.thread_time() - cpu_started) / (time.perf_counter() - wall_started)
    dashboard.close()
    paints = log.paint_ms
    return (
        f"| {steps:,} → {int(step):,} | {cores:.3f} | {len(paints) / seconds:.1f} "
        f"| {len(paints) / max(len(log.shots), 1):.2f} "
        f"| {statistics.median(paints):.1f} ms | {np.percentile(paints, 99):.1f} ms |"
    ), log.storms()


def line_rows(repeats: int) -> list[str]:
    image = QImage(1600, 1000, QImage.Format.Format_ARGB32_Premultiplied)
    rng = np.random.default_rng(0)
    x, y = np.linspace(0, 600, 1000), 150 + 60 * rng.standard_normal(1000)
    zigzag = [QLineF(x[i], y[i], x[i + 1], y[i + 1]) for i in range(len(x) - 1)]
    grid = [QLineF(10 + 12.3 * i, 0, 10 + 12.3 * i, 400) for i in range(40)]
    square, rounded = Qt.PenCapStyle.SquareCap, Qt.PenCapStyle.RoundCap
    cases = (
        [
            ("zig-zag, 1000 segments", zigzag, width, antialias, 255, square)
            for width in (1.0, 1.6, 2.6)
            for antialias in (False, True)
        ]
        + [("zig-zag, round caps (the dashboard's pens)", zigzag, width, True, 255, rounded) for width in (1.0, 1.6)]
        + [("grid, 40 lines", grid, 1.0, False, alpha, square) for alpha in (255, 30)]
    )
    rows = []
    for name, lines, width, antialias, alpha, cap in cases:
        pen = QPen(QColor(31, 119, 180, alpha))
        pen.setWidthF(width)
        pen.setCosmetic(True)
        pen.setCapStyle(cap)
        times = []
        for _ in range(repeats):
            image.fill(0xFFFFFFFF)
            painter = QPainter(image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, antialias)
            painter.setPen(pen)
            started = time.perf_counter()
            painter.drawLines(lines)
            times.append(time.perf_counter() - started)
            painter.end()
        rows.append(
            f"| {name} | {width:g} px | {'yes' if antialias else 'no'} | {alpha} "
            f"| {1000 * statistics.median(times):.2f} ms |"
        )
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[5000, 50000])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--live-seconds", type=float, default=20.0, help="how long the live run is followed")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication([])
    configure_pyqtgraph()
    print(f"Platform {app.platformName()}; {describe_machine()}\n")
    print("| steps in the run | new data in | paint (median) |\n|---:|---|---:|")
    for steps in args.steps:
        print("\n".join(dashboard_rows(app, steps, args.repeats)), flush=True)
    print("\n| steps (live) | GUI thread CPU, cores | paints/s | paints per shot | paint (median) | paint (p99) |")
    print("|---|---:|---:|---:|---:|---:|")
    storms = []
    for steps in args.steps:
        row, found = live_row(app, steps, args.live_seconds)
        print(row, flush=True)
        storms += [f"live run from {steps:,} steps: {storm}" for storm in found]
    print("\n| lines | pen width | antialiased | alpha | drawLines (median) |\n|---|---:|---|---:|---:|")
    print("\n".join(line_rows(args.repeats)))
    if storms:
        sys.exit(f"PAINT STORM: more than {MAX_PAINTS_PER_SHOT} paints a shot\n" + "\n".join(storms))


if __name__ == "__main__":
    main()

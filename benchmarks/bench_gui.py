"""The window while it trains: how long the GUI thread keeps input waiting, and what training
loses to a window with every view live.

One process, as a user runs it: the main window on a demo, 1600 × 1000 (offscreen unless a
display is set), the Training or the Inside tab in front and the Samples dock open. The engine
trains one long run on its worker thread with the default probe and sample intervals;
validation is off (it is work the user asks for, measured in bench_trainer.py).

A callback on the worker alternates turns: after every ``turn`` engine steps it runs the bare
loop (``bench_trainer.BareLoop``, same architecture and weights) for as many steps, on the same
thread, while the window stays open with nothing new to show. Both loops start from the first
batch with the same seed, so each pair of turns trains on the same batches (checked), and the
ratio of their times is the ratio of their throughputs. The first rounds (allocation, the first
redraws) are left out, and so is any round in which other processes used more than
MAX_OTHER_CORES, or the hypervisor gave other guests more than MAX_STOLEN_CORES during one of
its turns (steal falls on one turn, not on both alike).

Turns last about three seconds. The window paces its drawing (a plot may wait most of a second
after new data), so what an engine turn sends is partly drawn during the next bare turn, where
it slows the bare loop and flatters the engine; with one-second turns the GUI thread's CPU in
bare turns showed about a percent of a core of such drawing. The report gives the GUI thread's
CPU in both kinds of turn, so that what leaks stays visible.

Meanwhile a 10 ms precise timer on the GUI thread records how late each tick fires: the time a
click or a key press waits for the GUI thread (the event-loop delay). The dashboard's paints and
shots are logged (``dashboard_paint.PaintLog``): more than two paints a shot, over the run or in
any ten seconds of it, is a paint storm (issue 23), and the benchmark fails after its report.

    python benchmarks/bench_gui.py [--demo names python-code] [--tab training inside] [--seconds 40]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from bench_trainer import BareLoop  # noqa: E402
from dashboard_paint import MAX_PAINTS_PER_SHOT, PaintLog  # noqa: E402
from machine import (  # noqa: E402
    MAX_OTHER_CORES,
    MAX_STOLEN_CORES,
    cpu_clock,
    describe_machine,
    load_average,
    steal_seconds,
    timed,
    wait_for_quiet,
)
from PySide6.QtCore import QElapsedTimer, QEventLoop, QObject, QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from workbench.engine.training.callbacks import Callback  # noqa: E402
from workbench.ui.app import configure_pyqtgraph  # noqa: E402
from workbench.ui.main_window import MainWindow  # noqa: E402

WARMUP_ROUNDS = 3  # rounds left out at the start
TURN_S = 3.0  # about how long each loop's turn is (see "Turns" below)
TICK_MS = 10  # the GUI-thread timer whose lateness is the event-loop delay


@dataclass
class Turns(Callback):
    """Runs on the worker, inside the engine's run: after each engine turn, a bare-loop turn."""

    bare: BareLoop
    steps: int  # per turn
    rounds: int
    phase: str = "engine"  # read by the GUI thread's tick; a str swap is atomic
    engine_s: list[float] = field(default_factory=list)
    bare_s: list[float] = field(default_factory=list)
    others: list[float] = field(default_factory=list)  # cores other processes used in the round
    stolen: list[float] = field(default_factory=list)  # cores the hypervisor gave other guests, the more of two turns
    same_batches: bool = True
    _count: int = 0
    _started: float = 0.0
    _clock: tuple = ()
    _steal: float = 0.0

    def start(self) -> None:
        self._started, self._clock, self._steal = time.perf_counter(), cpu_clock(), steal_seconds()

    def on_step_end(self, trainer) -> None:
        self._count += 1
        if self._count < self.steps:
            return
        self.engine_s.append(time.perf_counter() - self._started)
        self.phase, steal_between = "bare", steal_seconds()
        self.bare_s.append(timed(self.bare.run, self.steps))
        self.same_batches &= self.bare.batches.state() == trainer.train_batches.state()
        busy, ours, wall = (b - a for a, b in zip(self._clock, cpu_clock()))
        self.others.append(max(0.0, busy - ours) / wall)
        self.stolen.append(
            max((steal_between - self._steal) / self.engine_s[-1], (steal_seconds() - steal_between) / self.bare_s[-1])
        )
        self._count, self.phase = 0, "engine"
        if len(self.engine_s) == self.rounds:
            trainer.control.stop()
        self.start()


class TickLateness(QObject):
    """How late a precise 10 ms timer fires on the GUI thread, by the worker's phase."""

    def __init__(self, turns: Turns) -> None:
        super().__init__()
        self.turns = turns
        self.late_ms: dict[str, list[float]] = {"engine": [], "bare": []}
        self.cpu_s = {"engine": 0.0, "bare": 0.0}  # the GUI thread's CPU time after the warm-up, by phase
        self.wall_s = {"engine": 0.0, "bare": 0.0}
        self.clock = QElapsedTimer()
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.last_ns = 0

    def start(self) -> None:
        self.clock.start()
        self.last_ns = self.clock.nsecsElapsed()
        self.last_cpu = time.thread_time()
        self.timer.start()

    def _tick(self) -> None:
        now, cpu, phase = self.clock.nsecsElapsed(), time.thread_time(), self.turns.phase
        self.late_ms[phase].append(max(0.0, (now - self.last_ns) / 1e6 - TICK_MS))
        if len(self.turns.engine_s) >= WARMUP_ROUNDS:
            self.cpu_s[phase] += cpu - self.last_cpu
            self.wall_s[phase] += (now - self.last_ns) / 1e9
        self.last_ns, self.last_cpu = now, cpu

    def cores(self, phase: str) -> float:
        return self.cpu_s[phase] / max(self.wall_s[phase], 1e-9)


@dataclass(frozen=True)
class Result:
    demo: str
    tab: str
    turn_steps: int
    ratios: list[float]  # engine/bare throughput per kept round
    total_ratio: float  # over all kept rounds together
    left_out: int  # disturbed rounds
    late_engine_ms: list[float]
    late_bare_ms: list[float]
    gui_cores_engine: float  # CPU the GUI thread used during the engine's turns, in cores
    gui_cores_bare: float  # ... and during the bare loop's turns (nothing new to show)
    stolen_cores: float  # mean over the kept rounds of the more stolen turn: CPU the hypervisor gave other guests
    paint_ms: list[float]  # every paint of the dashboard's plots during the run
    loss_redraws: int  # how often the loss plot was brought up to date
    shots: int  # redraws of one plot, each followed by its paints
    storms: list[str]  # where paints outnumbered MAX_PAINTS_PER_SHOT a shot (PaintLog.storms)
    probes: int
    samples: int
    engine_steps: int
    same_batches: bool
    minutes: float


def wait_until(app: QApplication, condition, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()
        time.sleep(0.005)


def open_demo_window(app: QApplication, folder: Path, demo: str, tab: str | None = None) -> MainWindow:
    """The main window (1600 × 1000) on a new project of ``demo``, with ``tab`` in front."""
    settings = QSettings(str(folder / f"{demo}-{tab}.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings, autosave_folder=folder / "autosave")
    window.resize(1600, 1000)
    window.show()
    if tab is not None:
        window.tabs.setCurrentWidget({"training": window.dashboard, "inside": window.internals}[tab])
    window.files.new_from_demo(demo)
    wait_until(app, lambda: window.files.has_project, 120)
    return window


def close_window(window: MainWindow) -> None:
    """Close without the question about unsaved work."""
    window.files.changed = False
    window.document.undo_stack.setClean()
    window.close()


def run_until_trained(window: MainWindow) -> None:
    """Train and run the event loop as the application does (``exec``, not polling
    ``processEvents``, which would wake the GUI thread 200 times a second) until the run ends."""
    loop = QEventLoop()
    window.bridge.training_changed.connect(lambda training: None if training else loop.quit())
    QTimer.singleShot(3_600_000, loop.quit)
    window.train()
    loop.exec()


def on_worker(window: MainWindow, app: QApplication, work):
    """Run ``work()`` on the engine worker (all torch work belongs there) and wait for it."""
    future = window.bridge.call(work)
    wait_until(app, future.done, 600)
    return future.result()


def prepare(worker, rounds: int, turn_s: float) -> Turns:
    """On the worker: the trainer of the demo project, validation off, and its bare twin."""
    project = worker.project
    project.config = replace(project.config, val_every=0, device="cpu")
    trainer = project.trainer()
    probe_bare = BareLoop(trainer)  # a twin on its own batches: times a step without moving anything
    probe_bare.run(3)
    steps = max(1, round(turn_s / (timed(probe_bare.run, 20) / 20)))
    return Turns(BareLoop(trainer), steps, rounds + WARMUP_ROUNDS)


def measure(
    app: QApplication,
    demo: str,
    tab: str,
    seconds: float,
    folder: Path,
    profile: Path | None = None,
    without_dashboard: bool = False,
    turn_s: float = TURN_S,
) -> Result:
    started = time.perf_counter()
    window = open_demo_window(app, folder, demo, tab)
    print(f"  {demo}, {tab} tab: {on_worker(window, app, describe_machine)}", flush=True)
    turns = on_worker(window, app, lambda: prepare(window.bridge.worker, max(4, round(seconds / turn_s)), turn_s))
    window.bridge.worker.callbacks = [turns]
    window.steps.setValue(10_000_000)
    lateness = TickLateness(turns)
    shown = {"probes": 0, "samples": 0}
    window.bridge.probe_arrived.connect(lambda _: shown.__setitem__("probes", shown["probes"] + 1))
    window.bridge.sample_arrived.connect(lambda _: shown.__setitem__("samples", shown["samples"] + 1))
    paints = PaintLog(window.dashboard)
    if without_dashboard:  # the ceiling: everything else live, the curves never given data
        window.dashboard.add_metrics = window.dashboard.add_step_losses = lambda *_: None
    wait_for_quiet(60)
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()  # this thread only: what the GUI thread spends its time on
    turns.start()
    lateness.start()
    run_until_trained(window)
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile.with_name(f"{profile.stem}-{demo}-{tab}{profile.suffix}"))
    wall = time.perf_counter() - started
    lateness.timer.stop()
    shown["loss_redraws"], shown["shots"] = sum(plot == "loss" for _, plot in paints.shots), len(paints.shots)
    result = summarise(demo, tab, turns, lateness, shown, wall / 60, paints)
    close_window(window)
    return result


def summarise(demo, tab, turns: Turns, lateness: TickLateness, shown, minutes, paints: PaintLog) -> Result:
    kept = [
        (engine, bare, stolen)
        for engine, bare, others, stolen in list(zip(turns.engine_s, turns.bare_s, turns.others, turns.stolen))[
            WARMUP_ROUNDS:
        ]
        if others <= MAX_OTHER_CORES and stolen <= MAX_STOLEN_CORES
    ]
    return Result(
        demo=demo,
        tab=tab,
        turn_steps=turns.steps,
        ratios=[bare / engine for engine, bare, _ in kept],
        total_ratio=sum(b for _, b, _ in kept) / max(sum(e for e, _, _ in kept), 1e-9),
        left_out=len(turns.engine_s) - WARMUP_ROUNDS - len(kept),
        late_engine_ms=lateness.late_ms["engine"],
        late_bare_ms=lateness.late_ms["bare"],
        gui_cores_engine=lateness.cores("engine"),
        gui_cores_bare=lateness.cores("bare"),
        stolen_cores=float(np.mean([s for _, _, s in kept])) if kept else float("nan"),
        paint_ms=paints.paint_ms,
        storms=paints.storms(),
        loss_redraws=shown["loss_redraws"],
        shots=shown["shots"],
        probes=shown["probes"],
        samples=shown["samples"],
        engine_steps=turns.steps * len(turns.engine_s),
        same_batches=turns.same_batches,
        minutes=minutes,
    )


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def storms_text(storms: list[str]) -> str:
    return f"; PAINT STORMS: {'; '.join(storms)}" if storms else ""


def report(results: list[Result]) -> str:
    lines = [
        "| demo | tab in front | engine / bare (all kept rounds) | per round: median (middle half) "
        "| rounds kept (left out) | GUI delay p50 / p99 / max, training | p99 while idle "
        "| GUI thread CPU, engine / bare turns |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        q1, median, q3 = (percentile(r.ratios, q) for q in (25, 50, 75))
        lines.append(
            f"| {r.demo} | {r.tab} | {r.total_ratio:.3f} | {median:.3f} ({q1:.3f}–{q3:.3f}) "
            f"| {len(r.ratios)} ({r.left_out}) "
            f"| {percentile(r.late_engine_ms, 50):.1f} / {percentile(r.late_engine_ms, 99):.1f} / "
            f"{max(r.late_engine_ms, default=float('nan')):.0f} ms "
            f"| {percentile(r.late_bare_ms, 99):.1f} ms | {r.gui_cores_engine:.3f} / {r.gui_cores_bare:.3f} cores |"
        )
    lines.append("")
    for r in results:
        lines.append(
            f"- {r.demo}, {r.tab}: turns of {r.turn_steps} steps, {r.engine_steps} engine steps, "
            f"{r.probes} probe snapshots and {r.samples} samples shown, same batches in both loops: "
            f"{r.same_batches}; {len(r.paint_ms)} dashboard paints for {r.shots} shots "
            f"({len(r.paint_ms) / max(r.shots, 1):.2f} a shot{storms_text(r.storms)}), "
            f"median {percentile(r.paint_ms, 50):.1f} ms, "
            f"p99 {percentile(r.paint_ms, 99):.1f} ms; the loss plot redrawn {r.loss_redraws} times; "
            f"hypervisor steal in the kept rounds {r.stolen_cores:.3f} cores; "
            f"{r.minutes:.1f} minutes."
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", nargs="+", default=["names", "python-code"])
    parser.add_argument("--tab", nargs="+", default=["training", "inside"], choices=["training", "inside"])
    parser.add_argument("--seconds", type=float, default=40.0, help="engine seconds per demo and tab")
    parser.add_argument(
        "--without-dashboard",
        action="store_true",
        help="the ceiling: every view live but the training curves, which get no data",
    )
    parser.add_argument("--profile", type=Path, help="write the GUI thread's cProfile stats here (one file per run)")
    parser.add_argument("--turn-seconds", type=float, default=TURN_S, help="about how long each loop's turn is")
    parser.add_argument("--switch-interval-ms", type=float, help="the interpreter's GIL switch interval")
    args = parser.parse_args(argv)
    if args.switch_interval_ms is not None:
        sys.setswitchinterval(args.switch_interval_ms / 1000)
    print(f"GIL switch interval {sys.getswitchinterval() * 1000:g} ms")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_pyqtgraph()
    print(f"Platform {app.platformName()}; load before {load_average()}")
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for demo in args.demo:
            for tab in args.tab:
                results.append(
                    measure(
                        app,
                        demo,
                        tab,
                        args.seconds,
                        Path(folder),
                        args.profile,
                        args.without_dashboard,
                        args.turn_seconds,
                    )
                )
                row, _, note = report(results[-1:]).splitlines()[2:5]
                print(row, note, sep="\n", flush=True)
    print(f"Load after {load_average()}")
    print(report(results))
    storms = [f"{r.demo}, {r.tab} tab: {storm}" for r in results for storm in r.storms]
    if storms:
        sys.exit(f"PAINT STORM: more than {MAX_PAINTS_PER_SHOT} dashboard paints a shot\n" + "\n".join(storms))


if __name__ == "__main__":
    main()

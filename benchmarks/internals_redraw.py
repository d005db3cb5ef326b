"""What one new probe snapshot costs the GUI thread on the Inside tab: redraw and paint.

The Inside panel (1200 × 800, offscreen) is shown with the Gates or the States tab in front;
snapshots of a names LSTM (128 units, probe text of 100 characters) taken between short bursts
of training arrive one at a time, each redrawn and painted before the next. The figure is the
GUI thread's CPU time per snapshot (``time.thread_time``: what training waits for while the
window shares the interpreter lock), median and best over the snapshots after the first two
(the first builds the heatmaps). Before that, the first snapshot of a new panel with its views
built at that moment, and after building them up front as the window does when it shows a model.

    python benchmarks/internals_redraw.py [--snapshots 12]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench_trainer import make_trainer  # noqa: E402
from machine import describe_machine  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from workbench.ui.app import configure_pyqtgraph  # noqa: E402
from workbench.ui.internals.panel import InternalsPanel  # noqa: E402

WARMUP = 2  # snapshots left out: the first builds every heatmap


def snapshots(count: int) -> list:
    trainer = make_trainer("names")
    taken = []
    for _ in range(count):
        trainer.run(3)
        taken.append(trainer.probe())
    return taken


def redraw_costs(app: QApplication, panel: InternalsPanel, taken: list) -> list[float]:
    """GUI-thread CPU milliseconds of each snapshot: added, redrawn, painted."""
    costs = []
    for snapshot in taken:
        started = time.thread_time()
        panel.add_snapshot(snapshot)
        panel._redraw()  # what the panel's timer does
        app.processEvents()  # the paints
        costs.append(1000 * (time.thread_time() - started))
    return costs[WARMUP:]


def first_snapshot(app: QApplication, snapshot, spec, prepared: bool) -> tuple[float, float]:
    """GUI-thread CPU milliseconds of building the views up front (``prepare``, as the window does
    when it shows a model) and of the first snapshot after, in a new panel."""
    panel = InternalsPanel()
    panel.resize(1200, 800)
    panel.show()
    app.processEvents()
    started = time.thread_time()
    if prepared:
        panel.prepare(spec)
    built = time.thread_time()
    panel.add_snapshot(snapshot)
    panel._redraw()
    app.processEvents()
    costs = 1000 * (built - started), 1000 * (time.thread_time() - built)
    panel.close()
    return costs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshots", type=int, default=12)
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_pyqtgraph()
    print(describe_machine())
    taken = snapshots(args.snapshots)
    spec = make_trainer("names").model.spec
    print("| views built | building | first snapshot |\n|---|---:|---:|")
    for prepared in (False, True):
        building, first = first_snapshot(app, taken[0], spec, prepared)
        when = "when the model is shown (prepare)" if prepared else "at the first snapshot"
        print(f"| {when} | {building:.0f} ms | {first:.0f} ms |")
    print()
    panel = InternalsPanel()
    panel.resize(1200, 800)
    panel.show()
    print("| tab in front | GUI thread CPU per snapshot: median | best |")
    print("|---|---:|---:|")
    for index, name in enumerate(("Gates", "States")):
        panel.tabs.setCurrentIndex(index)
        costs = redraw_costs(app, panel, taken)
        print(f"| {name} | {statistics.median(costs):.1f} ms | {min(costs):.1f} ms |")


if __name__ == "__main__":
    main()

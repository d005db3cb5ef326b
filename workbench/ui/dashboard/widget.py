"""Training curves of the project's runs, overlaid so that cells and settings can be compared.

A plain view: the main window calls its methods on the GUI thread with the engine's events and
saved ``RunHistory`` objects. Points go into growing numpy buffers at once; the plots are
redrawn from a single-shot timer (not while another tab hides them), one plot per shot, so a
click waits for one plot's paint, never for all five. The loss plot gets every other shot (it is
the one people watch), the rest take the other shots in turn, and no plot is redrawn more often
than REDRAW_INTERVAL_S.

While a run trains, the shots are paced by what they cost: drawing the plots may take DRAW_SHARE
of the GUI thread's time, no more; when it ends, the plots catch up at once. Training pays for
that share several times over: PySide holds the interpreter lock while Qt paints, and the
training thread needs it between every two torch calls (``docs/benchmarks.md``). So on a fast
machine the loss plot follows training ten times a second; on a slow one it is redrawn less
often, and training keeps its speed.
"""

from __future__ import annotations

import html
import math
import time
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ...engine.events import RunStarted, StepMetrics, ValidationResult
from ...engine.project.run_table import RunRow
from ...engine.training.history import RunHistory
from .. import theme
from ..runs_table import RunsTable
from . import style
from .baseline_line import BaselineLines
from .best_marker import BestMarker
from .curves import DisplayOptions, LayerCurves, RunCurves
from .plot_layout import fit_from_zero, make_plots
from .run_data import RunData
from .step_range import RoundExtent, shown_values
from .timed_graphics import TimedGraphics
from .toolbar import DashboardToolbar

PLOTS = ("loss", "layers", "grad_norm", "learning_rate", "tokens_per_s")  # DashboardPlots' fields
REDRAW_INTERVAL_S = dict.fromkeys(PLOTS, 0.5) | {"loss": 0.1}  # the shortest interval between two redraws
SHOT_INTERVAL_MS = (20, 2000)  # the shortest and the longest interval between two shots
DRAW_SHARE = 0.015  # at most this share of the GUI thread's time goes to redrawing and painting plots
_UNNAMED_RUN = "current run"  # metrics that arrive before any run was announced


class Dashboard(QWidget):
    """``clock`` gives monotonic seconds: when each plot was redrawn, when the next shot is due and
    what a shot cost (a test passes a clock it advances itself, and takes the shots with ``redraw_now``)."""

    draw_share = DRAW_SHARE  # tests of what the plots show may pace faster
    plot_redrawn = Signal(str)  # a shot brought this plot (a PLOTS name) up to date

    def __init__(self, parent: QWidget | None = None, clock: Callable[[], float] = time.perf_counter) -> None:
        super().__init__(parent)
        self._clock = clock
        self.toolbar = DashboardToolbar()
        self.graphics = TimedGraphics(clock)
        self.graphics.setBackground(theme.PLOT_BACKGROUND)
        self.graphics.setMinimumSize(400, 300)
        self.plots = make_plots(self.graphics)
        self._extents = {plot: RoundExtent() for plot in PLOTS}  # each plot's axes end at round numbers
        for plot, extent in self._extents.items():
            getattr(self.plots, plot).addItem(extent)
        self.loss_legend = style.make_legend(self.plots.loss)
        self.layer_curves = LayerCurves(self.plots.layers, style.make_legend(self.plots.layers))
        self._empty_hint = pg.TextItem(
            "No runs yet: train the model to see its curves here.", color=theme.MUTED, anchor=(0.5, 0.5)
        )
        self.plots.loss.addItem(self._empty_hint, ignoreBounds=True)
        self._empty_hint.setPos(0.5, 0.5)  # the middle of an empty plot's default range
        self._runs: list[RunCurves] = []  # drawing order; the last is the current run
        self._layer_run: str | None = None  # None: the per-layer plot follows the current run
        self._options = self.toolbar.options
        self.baselines = BaselineLines(self.plots.loss)
        self.best_marker = BestMarker(self.plots.loss)
        self.runs_table = RunsTable()  # the runs selected there are drawn
        self._stale: dict[str, set[RunCurves]] = {plot: set() for plot in PLOTS}  # runs out of date, by plot
        self._next_plot = 1  # index into PLOTS: where the next shot that is not the loss plot's looks first
        self._last_plot: str | None = None  # the plot the last shot redrew
        self._last_shot_s = 0.0  # how long the last shot's redraw took (its paint follows)
        self._training = False  # between start_run and end_run: shots are paced
        self._drawn_at = dict.fromkeys(PLOTS, -math.inf)  # self._clock() at each plot's last redraw
        self._shot_due = -math.inf  # self._clock() when the redraw timer fires
        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.timeout.connect(self.redraw_now)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.runs_table)
        self.toolbar.options_changed.connect(self._on_options_changed)
        self.toolbar.run_toggled.connect(self.set_run_shown)
        self.runs_table.run_toggled.connect(self.set_run_shown)
        self.toolbar.layer_run_chosen.connect(self._on_layer_run_chosen)
        self.loss_legend.sigSampleClicked.connect(self._on_legend_sample_clicked)
        self._on_options_changed(self._options)
        self._runs_changed()

    # -- the main window's calls --------------------------------------------------------

    def load_runs(self, runs: list[RunHistory], best: tuple[int, float] | None = None) -> None:
        """Show these saved runs and nothing else; the last is the current run, whose kept best
        weights' (step, validation loss) ``best`` is."""
        self._remove_runs()
        for history in runs:
            self._add_run(RunData.from_history(history))
        self._layer_run = None
        self._runs_changed()
        self.best_marker.follow_run(True)  # as every run loaded: shown
        self.show_best(best)

    def show_best(self, best: tuple[int, float] | None) -> None:
        """Mark the kept best weights' (step, validation loss in nats) on the loss plot; None: none."""
        self.best_marker.show(best, self._options)

    def show_run_rows(self, rows: list[RunRow], counts: str = "tokens") -> None:
        """The runs table's rows (``run_table.run_rows``), those of the runs drawn selected."""
        self.runs_table.show_rows(rows, counts, {c.run.name: (c.colour, c.visible) for c in self._runs})

    def start_run(self, event: RunStarted) -> None:
        """A run starts: the current one resumes (same name) or a new one is drawn after it."""
        current = self.current_run
        if current is not None and current.run.name in (event.run, _UNNAMED_RUN):
            current.run.name = event.run
            current.run.meta.setdefault("model", event.model)
            current.run.truncate_after(event.step)
            self._mark_dirty(current)
        else:
            self._add_run(RunData(event.run, {"model": event.model}))
        self._training = True
        self.current_run.set_live(True)
        self._runs_changed()

    def end_run(self) -> None:
        """Training stopped: what is left to draw is drawn now, not at training's pace, and finely."""
        self._training = False
        for curves in self._runs:
            curves.set_live(False)
        if any(self._stale.values()):
            self._schedule_shot(SHOT_INTERVAL_MS[0])

    def add_metrics(self, events: list[StepMetrics]) -> None:
        """A merged batch of metrics, oldest first (perhaps many)."""
        if events:
            curves = self._live_run()
            curves.run.add_metrics(events)
            self._mark_dirty(curves)

    def add_step_losses(self, steps: np.ndarray, losses: np.ndarray) -> None:
        """Every step's loss; once used, the live loss curve is drawn from these alone."""
        if len(steps):
            curves = self._live_run()
            curves.run.add_step_losses(steps, losses)
            self._mark_dirty(curves, ("loss",))

    def add_validation(self, event: ValidationResult) -> None:
        curves = self._live_run()
        curves.run.add_validation(event)
        self._mark_dirty(curves, ("loss",))
        self.show_best(None if event.best_step is None else (event.best_step, event.best_loss))

    def clear(self) -> None:
        self._remove_runs()
        self._layer_run = None
        self._runs_changed()
        self.show_best(None)
        for plot in vars(self.plots).values():  # back to the empty range the hint is placed in
            plot.getViewBox().setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
            plot.enableAutoRange()

    def set_baselines(self, baselines: list[tuple[str, float]]) -> None:
        """Baselines' losses, (name, nats per token), drawn across the loss plot; none removes them."""
        self.baselines.show(baselines, self._options)

    def set_loss_per(self, per: str) -> None:
        """What the project's loss is a mean over: see ``ModelSpec.loss_per``."""
        self.toolbar.set_loss_per(per)

    # -- runs ---------------------------------------------------------------------------

    @property
    def current_run(self) -> RunCurves | None:
        return self._runs[-1] if self._runs else None

    @property
    def run_names(self) -> list[str]:
        return [curves.run.name for curves in self._runs]

    def run_curves(self, name: str) -> RunCurves:
        """The items drawing run ``name`` (KeyError if it is not shown)."""
        for curves in self._runs:
            if curves.run.name == name:
                return curves
        raise KeyError(name)

    def set_run_shown(self, name: str, shown: bool) -> None:
        curves = self.run_curves(name)
        curves.set_visible(shown)
        self.toolbar.show_run_shown(name, shown)
        self.runs_table.show_run_shown(name, shown)
        if curves is self.current_run:
            self.best_marker.follow_run(shown)
        self.loss_legend.update()
        for plot in PLOTS:  # "A" fits the runs still shown, not the hidden run's round numbers
            self._follow_extent(plot)

    def _add_run(self, run: RunData) -> RunCurves:
        curves = RunCurves(run, style.run_colour(len(self._runs)), self.plots)
        self._runs.append(curves)
        return curves

    def _live_run(self) -> RunCurves:
        if not self._runs:
            self._add_run(RunData(_UNNAMED_RUN))
            self._runs_changed()
        return self._runs[-1]

    def _remove_runs(self) -> None:
        for curves in self._runs:
            curves.remove()
        self._runs = []
        for stale in self._stale.values():
            stale.clear()
        for extent in self._extents.values():
            extent.follow(None, None)

    def _runs_changed(self) -> None:
        """Emphasis, legend, menus and the per-layer plot after runs came or went."""
        self.loss_legend.clear()
        self.loss_legend.setVisible(bool(self._runs))
        self._empty_hint.setVisible(not self._runs)
        for curves in self._runs:
            current = curves is self.current_run
            curves.set_current(current)
            label = html.escape(curves.run.label)
            self.loss_legend.addItem(curves.loss, f"<b>{label}</b>" if current else label)
        if self._layer_run not in self.run_names:
            self._layer_run = None
        layer_run = self._shown_layer_run()
        self.toolbar.set_runs(
            [(c.run.name, c.run.label, c.colour, c.visible) for c in self._runs],
            layer_run.run.name if layer_run else None,
        )
        self._show_layer_run()
        for curves in self._runs:
            self._mark_dirty(curves)

    def _shown_layer_run(self) -> RunCurves | None:
        if self._layer_run is not None:
            return self.run_curves(self._layer_run)
        return self.current_run

    def _show_layer_run(self) -> None:
        curves = self._shown_layer_run()
        self.layer_curves.show(curves.run if curves else None)
        self.layer_curves.legend.setVisible(bool(self.layer_curves.curves))
        suffix = f"  —  {html.escape(curves.run.name)}" if curves else ""
        self.plots.layers.setTitle(f"Gradient norm per layer{suffix}", color=theme.TEXT, size="10pt")

    # -- drawing ------------------------------------------------------------------------

    def _mark_dirty(self, curves: RunCurves, plots: tuple[str, ...] = PLOTS) -> None:
        for plot in plots:
            self._stale[plot].add(curves)
        due_in_ms = self.next_shot_ms
        if due_in_ms is None:
            self._schedule_shot(self._pause_ms())
        elif due_in_ms > SHOT_INTERVAL_MS[0] and self._first_points_wait():
            self._schedule_shot(SHOT_INTERVAL_MS[0])  # a paced shot, due in seconds, is brought forward

    def _schedule_shot(self, pause_ms: int) -> None:
        self._redraw_timer.start(pause_ms)
        self._shot_due = self._clock() + pause_ms / 1000

    @property
    def next_shot_ms(self) -> int | None:
        """In how many milliseconds the redraw timer takes the next shot, on ``clock``; None: no shot is due."""
        if not self._redraw_timer.isActive():
            return None
        return max(0, round(1000 * (self._shot_due - self._clock())))

    @property
    def stale_plots(self) -> list[str]:
        """The plots (PLOTS names) that a shot has yet to bring up to date."""
        return [plot for plot in PLOTS if self._stale[plot]]

    def waits_for_first_points(self, plot: str) -> bool:
        """``plot`` (a PLOTS name) has yet to show a run's first point, or first line (curves.FIRST_POINTS)."""
        if plot == "layers":
            return self._shown_layer_run() in self._stale[plot] and self.layer_curves.waits_for_first_points()
        return any(curves.waits_for_first_points(plot) for curves in self._stale[plot])

    def _first_points_wait(self) -> bool:
        return any(self.waits_for_first_points(plot) for plot in PLOTS)

    def _pause_ms(self) -> int:
        """The shortest pause while a plot waits for its first points, else ``redraw_interval_ms``.

        Paced, a run's first points would reach the plots one every few seconds (one plot a shot,
        every other shot the loss plot's): the throughput plot stayed empty for 10 s of training.
        """
        return SHOT_INTERVAL_MS[0] if self._first_points_wait() else self.redraw_interval_ms()

    def redraw_interval_ms(self) -> int:
        """The pause before the next shot, so that redrawing and painting keep to DRAW_SHARE."""
        shortest, longest = SHOT_INTERVAL_MS
        if not self._training:
            return shortest
        cost_s = self._last_shot_s + self.graphics.shot_paint_s
        return min(longest, max(shortest, round(1000 * cost_s / self.draw_share)))

    def redraw_now(self) -> None:
        """Take the next shot now, as the redraw timer does when it fires: bring one stale plot up to
        date, one that waits for its first points, or else the loss plot if the last shot was
        another's, else the next of the others in turn (so a stream of losses cannot starve them)."""
        self._redraw_timer.stop()
        if not self.isVisible():
            return  # behind another tab: showEvent catches up
        now = started = self._clock()
        others = [*PLOTS[self._next_plot :], *PLOTS[1 : self._next_plot]]
        turn = others + ["loss"] if self._last_plot == "loss" else ["loss", *others]
        stale = [plot for plot in turn if self._stale[plot]]
        if not stale:
            return
        ready_at = {plot: self._drawn_at[plot] + REDRAW_INTERVAL_S[plot] for plot in stale}
        first = [plot for plot in stale if self.waits_for_first_points(plot)]
        plot = first[0] if first else next((plot for plot in stale if ready_at[plot] <= now), None)
        if plot is None:
            self._schedule_shot(max(1, round(1000 * (min(ready_at.values()) - now))))
            return
        self._drawn_at[plot] = now
        self._last_plot = plot
        if plot != "loss":
            self._next_plot = PLOTS.index(plot) % (len(PLOTS) - 1) + 1
        stale, self._stale[plot] = self._stale[plot], set()
        if plot == "layers":
            if self._shown_layer_run() in stale:
                self.layer_curves.redraw()
        else:
            for curves in self._runs:
                if curves in stale:
                    curves.redraw(plot, self._options)
            if plot == "learning_rate":
                fit_from_zero(self.plots.learning_rate)
        self._follow_extent(plot)
        # The range now, not while painting: a moved axis then comes in the same paint, not a second.
        getattr(self.plots, plot).getViewBox().prepareForPaint()
        self._last_shot_s = self._clock() - started
        pause_ms = self._pause_ms()  # this redraw and the paints of the last one
        self.graphics.expect_shot_paint()
        if any(self._stale.values()):
            self._schedule_shot(pause_ms)
        self.plot_redrawn.emit(plot)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if any(self._stale.values()):
            self._schedule_shot(SHOT_INTERVAL_MS[0])

    def _follow_extent(self, plot: str) -> None:
        self._extents[plot].follow(self._last_step(plot), shown_values(getattr(self.plots, plot)))

    def _last_step(self, plot: str) -> float | None:
        """The last step ``plot`` draws: of the run the per-layer plot shows, or of any shown run."""
        runs = [self._shown_layer_run()] if plot == "layers" else [c for c in self._runs if c.visible]
        steps = [curves.run.last_step for curves in runs if curves is not None]
        steps = [step for step in steps if step is not None]
        return max(steps) if steps else None

    def _on_options_changed(self, options: DisplayOptions) -> None:
        rescaled = (options.log_loss, options.loss_scale) != (self._options.log_loss, self._options.loss_scale)
        self._options = options
        self.plots.loss.setLogMode(y=options.log_loss)
        if rescaled:  # the rounded values were in the other scale: the data alone until the next redraw
            self._extents["loss"].follow(self._last_step("loss"), None)
        self.plots.loss.setLabel("left", "loss", units=options.loss_units, color=theme.MUTED)
        self.baselines.rescale(options)
        self.best_marker.rescale(options)
        for curves in self._runs:
            self._mark_dirty(curves, ("loss",))

    def _on_layer_run_chosen(self, name: str) -> None:
        current = self.current_run
        self._layer_run = None if current is not None and current.run.name == name else name
        self._show_layer_run()
        layer_run = self._shown_layer_run()
        if layer_run is not None:
            self._mark_dirty(layer_run, ("layers",))

    def _on_legend_sample_clicked(self, item) -> None:
        """pyqtgraph toggled the clicked run's loss curve; the run's other curves follow."""
        for curves in self._runs:
            if curves.loss is item:
                self.set_run_shown(curves.run.name, item.isVisible())

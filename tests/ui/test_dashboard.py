import math

import numpy as np
import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QStyle, QStyleOptionComboBox
from tiny import FakeClock

from workbench.engine.events import RunStarted, StepMetrics, ValidationResult
from workbench.engine.training.history import RunHistory
from workbench.ui.dashboard import Dashboard, timed_graphics
from workbench.ui.dashboard.series import GrowingSeries, SmoothedSeries, ema
from workbench.ui.dashboard.step_range import round_out, round_step_ceiling
from workbench.ui.dashboard.widget import DRAW_SHARE, SHOT_INTERVAL_MS

# The offscreen platform warns when a top-level widget is shown; nothing is wrong.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

LAYERS = ("inputs", "encoder.l0", "head")


def metrics(steps, loss=lambda step: 4.0 * math.exp(-step / 300) + 1.5) -> list[StepMetrics]:
    return [
        StepMetrics(
            step=step,
            loss=loss(step),
            learning_rate=1e-3 * (1 + step / 1000),
            tokens_per_s=20_000.0 + step,
            grad_norm=0.5 + 1 / (1 + step),
            layer_names=LAYERS,
            layer_grad_norms=np.array([0.1, 0.2, 0.3]) * (1 + step / 100),
        )
        for step in steps
    ]


def history(name: str, cell: str, steps: int = 400, floor: float = 1.5) -> RunHistory:
    run = RunHistory(name, meta={"model": f"stacked: 2 × {cell} 64, next-token over 30", "cell": cell.lower()})
    for step in range(1, steps + 1):
        run.record_step(step, floor + 3 * math.exp(-step / 80), 1e-3)
    for event in metrics(range(10, steps + 1, 10)):
        run.record_metrics(event)
    for step in range(100, steps + 1, 100):
        run.val_steps.append(step)
        run.val_losses.append(floor + 0.1 + 3 * math.exp(-step / 80))
    return run


def started(name: str, step: int = 0) -> RunStarted:
    return RunStarted(name, step, 1000, "cpu", "CPU", 12_345, "stacked: 2 × GRU 64, next-token over 30")


def shown(qtbot, widget: Dashboard) -> Dashboard:
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def dashboard(qtbot):
    """A dashboard on the real clock, redrawn by its timer while a test waits for what it draws."""
    widget = Dashboard()
    widget.draw_share = 1.0  # these tests look at what is drawn, not at the pacing (tested below)
    return shown(qtbot, widget)


@pytest.fixture
def clock():
    return FakeClock(1000.0)


@pytest.fixture
def clocked(qtbot, clock):
    """A dashboard on a fake clock, paced as in training. These tests run no event loop, so its
    timer never fires: they take its shots themselves (``let_pass``, ``Dashboard.redraw_now``)."""
    return shown(qtbot, Dashboard(clock=clock))


def let_pass(dashboard: Dashboard, clock: FakeClock, seconds: float) -> None:
    """Let ``seconds`` pass on the fake clock, taking each shot when the dashboard's timer would."""
    end = clock.now + seconds
    while (due_ms := dashboard.next_shot_ms) is not None and clock.now + due_ms / 1000 <= end:
        clock.advance(due_ms / 1000)
        dashboard.redraw_now()
    clock.now = end


def wait_drawn(qtbot, item, count: int):
    """Wait for the throttled redraw to give ``item`` ``count`` points; return them (the drawn
    picture may hold fewer: curves are reduced to the plot's width)."""
    qtbot.waitUntil(lambda: item.xData is not None and len(item.xData) == count, timeout=3000)
    return item.xData, item.yData


def legend_texts(dashboard: Dashboard) -> list[str]:
    return [label.text for _, label in dashboard.loss_legend.items]


# -- the live run -----------------------------------------------------------------------


def test_metrics_draw_raw_and_smoothed_train_loss(qtbot, dashboard):
    events = metrics(range(10, 510, 10))
    dashboard.start_run(started("run-001"))
    dashboard.add_metrics(events[:20])
    dashboard.add_metrics(events[20:])
    curves = dashboard.run_curves("run-001")
    x, raw = wait_drawn(qtbot, curves.loss_raw, len(events))
    np.testing.assert_array_equal(x, [event.step for event in events])
    np.testing.assert_allclose(raw, [event.loss for event in events])
    smoothed = wait_drawn(qtbot, curves.loss, len(events))[1]
    assert smoothed[0] == pytest.approx(raw[0])
    assert np.all(smoothed[1:] > raw[1:])  # a decaying loss: the average lags behind, above it

    dashboard.toolbar.smoothing_slider.setValue(0)
    qtbot.waitUntil(lambda: np.allclose(curves.loss.getData()[1], raw), timeout=3000)
    assert not curves.loss_raw.isVisible()  # nothing to show behind an unsmoothed curve


def test_bits_per_token_divides_the_loss_by_ln2(qtbot, dashboard):
    events = metrics(range(10, 110, 10))
    dashboard.add_metrics(events)
    dashboard.add_validation(ValidationResult(100, 2.0, 2.0 / math.log(2)))
    curves = dashboard.current_run
    nats = wait_drawn(qtbot, curves.loss_raw, len(events))[1].copy()

    dashboard.toolbar.units_combo.setCurrentIndex(dashboard.toolbar.units_combo.findData(True))
    qtbot.waitUntil(lambda: np.allclose(curves.loss_raw.getData()[1], nats / math.log(2)), timeout=3000)
    assert curves.validation.getData()[1] == pytest.approx([2.0 / math.log(2)])
    axis = dashboard.plots.loss.getAxis("left")
    assert axis.labelUnits == "bits/token"


def test_a_handwriting_project_measures_its_loss_per_line(dashboard):
    dashboard.set_loss_per("line")  # Graves reports nats per line
    combo = dashboard.toolbar.units_combo
    assert [combo.itemText(i) for i in range(combo.count())] == ["nats / line", "bits / line"]
    assert dashboard.plots.loss.getAxis("left").labelUnits == "nats/line"
    combo.setCurrentIndex(combo.findData(True))
    assert dashboard.plots.loss.getAxis("left").labelUnits == "bits/line"
    dashboard.set_loss_per("token")
    assert dashboard.plots.loss.getAxis("left").labelUnits == "bits/token"


def test_log_scale_toggles_the_loss_plot_log_mode(qtbot, dashboard):
    events = metrics(range(10, 110, 10))
    dashboard.add_metrics(events)
    curves = dashboard.current_run
    wait_drawn(qtbot, curves.loss_raw, len(events))
    loss_plot = dashboard.plots.loss
    assert not loss_plot.ctrl.logYCheck.isChecked()

    dashboard.toolbar.log_scale_check.setChecked(True)
    assert loss_plot.ctrl.logYCheck.isChecked()
    assert loss_plot.getAxis("left").logMode
    qtbot.waitUntil(lambda: np.allclose(curves.loss_raw.getData()[1], np.log10([e.loss for e in events])), timeout=3000)
    dashboard.toolbar.log_scale_check.setChecked(False)
    assert not loss_plot.ctrl.logYCheck.isChecked()


def test_one_gradient_norm_curve_per_layer(qtbot, dashboard):
    events = metrics(range(10, 210, 10))
    dashboard.start_run(started("run-001"))
    dashboard.add_metrics(events)
    qtbot.waitUntil(lambda: list(dashboard.layer_curves.curves) == list(LAYERS), timeout=3000)
    layer_curves = dashboard.layer_curves.curves
    for index, name in enumerate(LAYERS):
        layer_curves[name].setLogMode(False, False)  # compare in linear units
        x, y = wait_drawn(qtbot, layer_curves[name], len(events))
        np.testing.assert_array_equal(x, [e.step for e in events])
        np.testing.assert_allclose(y, [e.layer_grad_norms[index] for e in events])
    legend_labels = [label.text for _, label in dashboard.layer_curves.legend.items]
    assert legend_labels == list(LAYERS)


def test_global_norm_learning_rate_and_throughput(qtbot, dashboard):
    events = metrics(range(10, 110, 10))
    dashboard.add_metrics(events)
    curves = dashboard.current_run
    np.testing.assert_allclose(wait_drawn(qtbot, curves.learning_rate, 10)[1], [e.learning_rate for e in events])
    np.testing.assert_allclose(wait_drawn(qtbot, curves.tokens_per_s, 10)[1], [e.tokens_per_s for e in events])
    curves.grad_norm.setLogMode(False, False)
    np.testing.assert_allclose(wait_drawn(qtbot, curves.grad_norm, 10)[1], [e.grad_norm for e in events])


def test_validation_points_appear(qtbot, dashboard):
    dashboard.start_run(started("run-001"))
    dashboard.add_metrics(metrics(range(10, 210, 10)))
    dashboard.add_validation(ValidationResult(100, 2.5, 2.5 / math.log(2)))
    dashboard.add_validation(ValidationResult(200, 2.1, 2.1 / math.log(2)))
    x, y = wait_drawn(qtbot, dashboard.run_curves("run-001").validation, 2)
    assert list(x) == [100, 200]
    assert list(y) == pytest.approx([2.5, 2.1])


def test_step_losses_replace_the_per_event_means(qtbot, dashboard):
    dashboard.start_run(started("run-001"))
    dashboard.add_metrics(metrics([10]))
    dashboard.add_step_losses(np.arange(1, 21), np.linspace(4, 3, 20))
    dashboard.add_metrics(metrics([20]))
    x, y = wait_drawn(qtbot, dashboard.current_run.loss_raw, 20)
    np.testing.assert_array_equal(x, np.arange(1, 21))
    np.testing.assert_allclose(y, np.linspace(4, 3, 20))


# -- several runs -----------------------------------------------------------------------


def test_saved_runs_overlay_then_a_live_run_is_added(qtbot, dashboard):
    dashboard.load_runs([history("run-001", "RNN"), history("run-002", "LSTM", floor=1.2)])
    assert dashboard.run_names == ["run-001", "run-002"]
    texts = legend_texts(dashboard)
    assert len(texts) == 2
    assert "run-001" in texts[0] and "RNN" in texts[0]
    assert "run-002" in texts[1] and "LSTM" in texts[1]
    first = dashboard.run_curves("run-001")
    x, y = wait_drawn(qtbot, first.loss_raw, 400)
    assert y[0] == pytest.approx(1.5 + 3 * math.exp(-1 / 80))
    assert first.loss.opts["pen"].widthF() < dashboard.run_curves("run-002").loss.opts["pen"].widthF()

    dashboard.start_run(started("run-003"))
    dashboard.add_metrics(metrics(range(10, 60, 10)))
    assert dashboard.run_names == ["run-001", "run-002", "run-003"]
    texts = legend_texts(dashboard)
    assert len(texts) == 3 and "run-003" in texts[2] and "GRU" in texts[2]
    live = dashboard.run_curves("run-003")
    wait_drawn(qtbot, live.loss, 5)
    widths = [dashboard.run_curves(name).loss.opts["pen"].widthF() for name in dashboard.run_names]
    assert widths[2] > widths[1] == widths[0]  # the live run is drawn boldest
    colours = {dashboard.run_curves(name).colour.name() for name in dashboard.run_names}
    assert len(colours) == 3


def test_starting_the_current_run_again_continues_it(qtbot, dashboard):
    dashboard.load_runs([history("run-001", "RNN"), history("run-002", "LSTM")])
    dashboard.start_run(started("run-002", step=300))
    assert dashboard.run_names == ["run-001", "run-002"]
    dashboard.add_metrics(metrics(range(310, 410, 10)))
    curves = dashboard.run_curves("run-002")
    x, _ = wait_drawn(qtbot, curves.loss_raw, 300 + 10)
    assert x[299] == 300 and x[300] == 310  # the saved steps after 300 gave way to the new ones


def test_runs_can_be_hidden_from_the_runs_menu(qtbot, dashboard):
    dashboard.load_runs([history("run-001", "RNN"), history("run-002", "LSTM")])
    action = dashboard.toolbar.runs_menu.actions()[0]
    assert action.isChecked()
    action.setChecked(False)
    first = dashboard.run_curves("run-001")
    assert not first.loss.isVisible() and not first.validation.isVisible() and not first.grad_norm.isVisible()
    assert dashboard.run_curves("run-002").loss.isVisible()
    dashboard.set_run_shown("run-001", True)
    assert first.loss.isVisible() and action.isChecked()


def test_a_legend_click_hides_the_whole_run(qtbot, dashboard):
    dashboard.load_runs([history("run-001", "RNN"), history("run-002", "LSTM")])
    first = dashboard.run_curves("run-001")
    first.loss.setVisible(False)  # what pyqtgraph's legend sample does on a click
    dashboard.loss_legend.sigSampleClicked.emit(first.loss)
    assert not first.learning_rate.isVisible()
    assert not dashboard.toolbar.runs_menu.actions()[0].isChecked()


def test_per_layer_plot_follows_the_chosen_run(qtbot, dashboard):
    older = history("run-001", "RNN")
    older.layer_grad_norms = {"only": [1.0] * len(older.metric_steps)}
    dashboard.load_runs([older, history("run-002", "LSTM")])
    assert list(dashboard.layer_curves.curves) == list(LAYERS)
    combo = dashboard.toolbar.layer_run_combo
    combo.setCurrentIndex(0)
    combo.activated.emit(0)
    assert list(dashboard.layer_curves.curves) == ["only"]
    wait_drawn(qtbot, dashboard.layer_curves.curves["only"], len(older.metric_steps))


def edit_field_width(combo) -> int:
    """The width a combo box gives its current text and icon."""
    option = QStyleOptionComboBox()
    combo.initStyleOption(option)
    return (
        combo.style()
        .subControlRect(QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, combo)
        .width()
    )


# The window opens 1400 px wide with side docks of 290 and 340 px (main_window._restore_layout).
CENTRAL_WIDTH_AT_DEFAULT_SIZE = 1400 - 290 - 340 - 20


def lay_out_at_narrowest(toolbar) -> None:
    """Lay the toolbar out at its narrowest now, as in a window at its minimum width: first what Qt's
    next layout request would do (take in items that came or changed), then the squeeze."""
    toolbar.layout().activate()
    toolbar.resize(toolbar.minimumSizeHint().width(), toolbar.height())


def test_the_toolbar_combos_show_their_longest_item_and_fit_the_default_window(qtbot, dashboard):
    toolbar = dashboard.toolbar  # shown while empty, as in the window: the first minimum stuck
    dashboard.load_runs([history("run-001", "RNN"), history("run-1000", "LSTM")])
    lay_out_at_narrowest(toolbar)
    combo = toolbar.layer_run_combo
    longest = max(combo.fontMetrics().horizontalAdvance(combo.itemText(i)) for i in range(combo.count()))
    assert combo.currentText() == "run-1000"
    assert edit_field_width(combo) >= longest + combo.iconSize().width()  # "run-1000", not "run-10"
    dashboard.set_loss_per("value")  # "squared error": longer than the "nats / token" first shown
    lay_out_at_narrowest(toolbar)
    units = toolbar.units_combo
    assert edit_field_width(units) >= units.fontMetrics().horizontalAdvance("squared error")
    assert toolbar.minimumSizeHint().width() <= CENTRAL_WIDTH_AT_DEFAULT_SIZE  # was 764: the window grew to 1551


def test_clear_removes_every_run(qtbot, dashboard):
    dashboard.load_runs([history("run-001", "RNN")])
    view = dashboard.plots.loss.getViewBox()
    qtbot.waitUntil(lambda: view.viewRange()[0][1] > 300)  # drawn: 400 steps
    dashboard.clear()
    assert dashboard.run_names == [] and legend_texts(dashboard) == []
    assert dashboard.layer_curves.curves == {}
    assert not [item for item in dashboard.plots.loss.listDataItems()]
    view = dashboard.plots.loss.getViewBox()
    dashboard.graphics.viewport().repaint()  # auto-range runs before a paint
    assert view.viewRange()[0][1] < 2  # the empty range the hint sits in, not the old run's


def test_the_loss_axis_follows_a_switch_to_log_scale_at_once(qtbot, dashboard):
    dashboard.start_run(started("run-001"))
    dashboard.add_metrics(metrics(range(1, 201)))  # 5.5 … 2.0 nats
    view = dashboard.plots.loss.getViewBox()
    wait_drawn(qtbot, dashboard.current_run.loss, 200)
    qtbot.waitUntil(lambda: view.viewRange()[1][1] > 5)
    dashboard.toolbar.log_scale_check.setChecked(True)
    assert "loss" in dashboard.stale_plots  # before the loss plot's next redraw: the old rounded values are gone
    dashboard.graphics.viewport().repaint()  # no events processed between: no shot comes first
    assert 0.2 < view.viewRange()[1][0] and view.viewRange()[1][1] < 0.9  # log10 of 2 … 5.5


def test_a_hundred_thousand_points_arrive_in_batches(qtbot, dashboard):
    dashboard.start_run(started("run-001"))
    batch = 2_000
    for start in range(1, 100_001, batch):
        dashboard.add_metrics(metrics(range(start, start + batch), loss=lambda step: 2.0))
        qtbot.wait(1)
    curves = dashboard.current_run
    qtbot.waitUntil(lambda: len(curves.loss.getOriginalDataset()[0]) == 100_000, timeout=5000)
    assert len(curves.run.loss) == 100_000
    layers = dashboard.layer_curves.curves  # the next plot, drawn at the next shot
    qtbot.waitUntil(lambda: "head" in layers and len(layers["head"].getOriginalDataset()[0]) == 100_000, timeout=5000)
    assert len(curves.loss.getData()[0]) < 100_000  # drawn downsampled to the plot's width


# -- the Qt-free series -----------------------------------------------------------------


def reference_ema(steps, values, alpha):
    out, smoothed, previous = [], values[0], steps[0]
    for step, value in zip(steps, values):
        keep = alpha ** (step - previous)
        smoothed = keep * smoothed + (1 - keep) * value
        out.append(smoothed)
        previous = step
    return np.array(out)


@pytest.mark.parametrize("alpha", [0.05, 0.5, 0.9, 0.99])
def test_ema_matches_a_loop_and_decays_per_step(alpha):
    rng = np.random.default_rng(0)
    steps = np.cumsum(rng.integers(1, 30, 3000)).astype(float)
    steps[1000:] += 50_000  # a gap far wider than one vectorised block
    values = rng.normal(3, 1, 3000)
    np.testing.assert_allclose(ema(steps, values, alpha), reference_ema(steps, values, alpha), rtol=1e-9, atol=1e-9)


def test_smoothed_series_extends_and_skips_non_finite_values():
    source = GrowingSeries(capacity=4)
    smoothed = SmoothedSeries(source)
    values = np.array([3.0, 2.0, np.nan, 1.0, 1.5, 0.5])
    source.extend(np.arange(1, 4), values[:3])
    smoothed.values(0.5)
    source.extend(np.arange(4, 7), values[3:])
    result = smoothed.values(0.5)
    finite = np.isfinite(values)
    steps = np.arange(1, 7)[finite]
    np.testing.assert_allclose(result[finite], reference_ema(steps, values[finite], 0.5))
    assert np.isnan(result[2])
    source.truncate_after(4)
    assert len(smoothed.values(0.5)) == 4


def test_a_constant_learning_rate_is_shown_at_its_value(qtbot):
    dashboard = Dashboard()
    dashboard.draw_share = 1.0  # what is shown, not the pacing
    qtbot.addWidget(dashboard)
    dashboard.show()
    dashboard.start_run(RunStarted("run-001", 0, 10, "cpu", "CPU", 100, "stacked: LSTM 8"))
    dashboard.add_metrics(
        [
            StepMetrics(step, 2.0, 0.002, 1000.0, 1.0, ("encoder.l0",), np.array([1.0], np.float32))
            for step in range(1, 6)
        ]
    )
    view = dashboard.plots.learning_rate.getViewBox()
    qtbot.waitUntil(lambda: view.viewRange()[1][1] == pytest.approx(0.0022), timeout=3000)
    assert view.viewRange()[1][0] == 0


def test_zooming_into_steps_shows_the_same_steps_in_every_plot(qtbot, dashboard):
    dashboard.add_metrics(metrics(range(1, 1001)))
    wait_drawn(qtbot, dashboard.current_run.loss, 1000)
    plots = dashboard.plots
    plots.loss.setXRange(200, 400, padding=0)  # what a mouse zoom does, then it says so:
    plots.loss.getViewBox().sigRangeChangedManually.emit([True, True])
    for name, plot in vars(plots).items():
        low, high = plot.getViewBox().viewRange()[0]
        assert (name, round(low), round(high)) == (name, 200, 400)
    plots.grad_norm.autoBtnClicked()  # the "A" button of any plot shows every step again

    def every_step_shown():
        ranges = [plot.getViewBox().viewRange()[0] for plot in vars(plots).values()]
        return all(low <= 1 and high >= 1000 for low, high in ranges)

    qtbot.waitUntil(every_step_shown)


def test_shots_are_paced_by_what_they_cost(clocked, clock):
    clocked.start_run(started("run-001"))
    clocked.add_metrics(metrics(range(1, 2001)))
    run = clocked.current_run
    let_pass(clocked, clock, 1.0)
    for item in (run.loss, run.tokens_per_s):  # first points: not paced
        assert len(item.xData) == 2000
    assert clocked.next_shot_ms is None
    cost = {"redraw": 0.0, "paint": 0.0}  # seconds on the fake clock: a loss shot's redraw, and a paint
    run.loss.sigPlotChanged.connect(lambda *_: clock.advance(cost["redraw"]))
    clocked.graphics.scene().sigPrepareForPaint.connect(lambda: clock.advance(cost["paint"]))

    def pause_after_loss_shot(redraw_s: float, paint_s: float) -> int:
        cost.update(redraw=redraw_s, paint=paint_s)
        clock.advance(1.0)  # the loss plot may be redrawn
        clocked.add_validation(ValidationResult(int(run.run.last_step), 2.0, 2.9))  # the loss plot alone is stale
        clocked.redraw_now()  # the shot
        clocked.graphics.viewport().repaint(QRect(0, 0, 100, 100))  # and its paint
        assert clocked.graphics.shot_paint_s == pytest.approx(paint_s)  # the paint after a shot is timed
        return clocked.redraw_interval_ms()

    assert pause_after_loss_shot(0.0001, 0.0001) == SHOT_INTERVAL_MS[0]  # nearly free: the shortest pause
    assert pause_after_loss_shot(0.002, 0.004) == round(6 / DRAW_SHARE)  # 6 ms a shot: drawing keeps to its share
    assert pause_after_loss_shot(0.05, 0.2) == SHOT_INTERVAL_MS[1]  # never a pause past the longest
    pause_after_loss_shot(0.002, 0.004)
    clocked.add_metrics(metrics(range(2001, 2011)))
    assert clocked.next_shot_ms == round(6 / DRAW_SHARE)


def test_plots_catch_up_at_once_when_the_run_ends(clocked, clock):
    clocked.start_run(started("run-001"))
    clocked.add_metrics(metrics(range(1, 51)))
    run = clocked.current_run
    items = (run.loss, run.grad_norm, run.learning_rate, run.tokens_per_s)

    def slow(item) -> None:  # a shot that redraws ``item`` takes 30 ms
        item.sigPlotChanged.connect(lambda *_: clock.advance(0.03))

    for item in items:
        slow(item)
    let_pass(clocked, clock, 1.0)
    assert clocked.next_shot_ms is None
    slow(clocked.layer_curves.curves["head"])  # made by the first shot of the per-layer plot
    clocked.add_metrics(metrics(range(51, 101)))
    assert clocked.redraw_interval_ms() == SHOT_INTERVAL_MS[1]  # two seconds between shots
    clocked.end_run()
    let_pass(clocked, clock, 1.5)  # not 4 × 2 s
    assert all(len(item.xData) == 100 for item in items)
    assert clocked.redraw_interval_ms() == SHOT_INTERVAL_MS[0]


def test_every_paint_after_a_shot_counts_toward_its_cost_but_a_whole_window_paint(clocked, clock):
    """A shot may show as several paints (the plot, then an axis that moved): all are its cost.
    A paint of the whole view (a resize, a tab switch), or one long after the shot, is not."""
    clocked.add_metrics(metrics(range(1, 51)))
    let_pass(clocked, clock, 1.0)
    assert clocked.next_shot_ms is None
    graphics = clocked.graphics
    graphics.scene().sigPrepareForPaint.connect(lambda: clock.advance(0.003))  # a paint takes 3 ms
    graphics.expect_shot_paint()
    costs = []
    for corner in (0, 100):
        graphics.viewport().repaint(QRect(corner, corner, 100, 100))
        costs.append(graphics.last_paint_s)
    assert graphics.shot_paint_s == pytest.approx(sum(costs)) and min(costs) > 0
    graphics.viewport().repaint()  # every plot painted
    assert graphics.last_paint_s > 0 and graphics.shot_paint_s == pytest.approx(sum(costs))
    clock.advance(timed_graphics.SHOT_PAINTS_WITHIN_S)  # long after the shot: the user zooming, a tooltip
    graphics.viewport().repaint(QRect(0, 0, 100, 100))
    assert graphics.shot_paint_s == pytest.approx(sum(costs))


def test_a_shot_moves_the_axes_before_the_paint(clocked, clock):
    """The view range follows new data in the shot itself, so that the plot and its moved axes
    are painted together, not the axes in a second paint once the first has moved them."""
    clocked.add_metrics(metrics(range(1, 51)))
    let_pass(clocked, clock, 1.0)
    clocked.add_metrics(metrics(range(51, 5001)))
    clock.advance(1.0)  # every plot may be redrawn
    clocked.redraw_now()  # the loss plot's turn (the last shot was another's); no events processed: nothing painted
    assert len(clocked.current_run.loss.xData) == 5000
    low, high = clocked.plots.loss.getViewBox().viewRange()[0]
    assert high >= 5000 and clocked.plots.loss.getAxis("bottom").range[1] == high


def test_the_loss_plot_gets_every_other_shot(clocked, clock):
    """The loss plot is the one people watch; the others share the remaining shots in turn."""
    clocked.add_metrics(metrics(range(1, 51)))
    let_pass(clocked, clock, 1.0)
    assert clocked.next_shot_ms is None  # every plot has its first points
    drawn = []
    clocked.plot_redrawn.connect(drawn.append)
    for step in range(51, 60):
        clocked.add_metrics(metrics([step]))  # every plot is stale at every shot, as in a long run
        clock.advance(1.0)  # none held back by its interval
        clocked.redraw_now()
    assert drawn[::2] == ["loss"] * 5
    assert drawn[1::2] == ["layers", "grad_norm", "learning_rate", "tokens_per_s"]


def test_one_plot_is_brought_up_to_date_per_shot(clocked, clock):
    """Five plots redrawn together are one long paint that input waits behind; one at a time, five short ones."""
    clocked.add_metrics(metrics(range(1, 51)))
    run = clocked.current_run
    clocked.redraw_now()
    assert len(run.loss.xData) == 50
    assert run.grad_norm.xData is None and run.tokens_per_s.xData is None  # not yet
    assert clocked.next_shot_ms is not None  # the rest follow
    let_pass(clocked, clock, 1.0)
    assert len(run.grad_norm.xData) == len(run.learning_rate.xData) == len(run.tokens_per_s.xData) == 50
    assert clocked.next_shot_ms is None
    clocked.add_step_losses(np.arange(51, 61), np.full(10, 2.0))  # a new loss touches the loss plot only
    assert clocked.stale_plots == ["loss"]


def run_colour_pixels(dashboard: Dashboard, plot) -> int:
    """How many pixels inside ``plot``'s data area are drawn in the current run's colour."""
    image = dashboard.graphics.grab().toImage()
    area = dashboard.graphics.mapFromScene(plot.getViewBox().sceneBoundingRect()).boundingRect()
    colour = dashboard.current_run.colour
    return sum(
        all(abs(a - b) <= 40 for a, b in zip(image.pixelColor(x, y).getRgb()[:3], colour.getRgb()[:3]))
        for x in range(max(area.left(), 0), min(area.right(), image.width()))
        for y in range(max(area.top(), 0), min(area.bottom(), image.height()))
    )


def test_a_runs_first_metrics_reach_every_plot_at_once_however_slow_the_shots(clocked, clock):
    """Paced shots are for a run's stream of points; its first point in each plot is not held
    back: the global norm, learning rate and throughput plots stayed empty for ten seconds."""
    clocked.redraw_interval_ms = lambda: SHOT_INTERVAL_MS[1]  # painting is slow: 2 s between shots
    clocked.start_run(started("run-001"))
    let_pass(clocked, clock, 0.05)
    clocked.add_metrics(metrics([1]))  # the first step's metrics, alone for a while
    run = clocked.current_run
    items = (run.loss, run.grad_norm, run.learning_rate, run.tokens_per_s)
    let_pass(clocked, clock, 1.0)
    assert all(item.xData is not None and len(item.xData) == 1 for item in items)
    assert "inputs" in clocked.layer_curves.curves and len(clocked.layer_curves.curves["head"].xData) == 1
    for plot in (clocked.plots.grad_norm, clocked.plots.learning_rate, clocked.plots.tokens_per_s):
        assert run_colour_pixels(clocked, plot) >= 12  # one point: a dot, since a line needs two
    clocked.add_metrics(metrics([50]))  # the second point: a line, also at once
    let_pass(clocked, clock, 1.0)
    assert all(len(item.xData) == 2 for item in items)
    assert len(clocked.layer_curves.curves["head"].xData) == 2
    clocked.add_metrics(metrics([100]))  # from the third on, the plots keep to the pace
    let_pass(clocked, clock, 0.3)
    assert sum(len(item.xData) == 3 for item in items) <= 1


def test_a_lone_point_is_a_dot_until_the_line_has_two(qtbot, dashboard):
    dashboard.add_metrics(metrics([1]))
    run = dashboard.current_run
    wait_drawn(qtbot, run.tokens_per_s, 1)
    assert run.tokens_per_s.opts["symbol"] == "o" and run.loss.opts["symbol"] == "o"
    dashboard.add_metrics(metrics([2]))
    wait_drawn(qtbot, run.tokens_per_s, 2)
    wait_drawn(qtbot, run.loss, 2)
    assert run.tokens_per_s.opts["symbol"] is None and run.loss.opts["symbol"] is None


def test_a_stream_of_losses_does_not_starve_the_other_plots(clocked, clock):
    clocked.add_metrics(metrics(range(1, 51)))
    run = clocked.current_run
    for shot in range(9):
        clocked.add_step_losses(np.array([100.0 + shot]), np.array([2.0]))  # the loss is stale at every shot
        clock.advance(1.0)  # and may be redrawn at every shot
        clocked.redraw_now()
    assert all(item.xData is not None for item in (run.loss, run.grad_norm, run.learning_rate, run.tokens_per_s))
    assert "head" in clocked.layer_curves.curves


def test_a_stream_of_losses_redraws_the_loss_plot_at_most_ten_times_a_second(clocked, clock):
    clocked.add_metrics(metrics(range(1, 51)))
    run = clocked.current_run
    let_pass(clocked, clock, 1.0)
    assert clocked.next_shot_ms is None
    clocked.redraw_interval_ms = lambda: 20  # as if painting were free: only the per-plot limit holds
    drawn = []
    run.loss.sigPlotChanged.connect(lambda *_: drawn.append(clock.now))
    for step in range(100, 220):  # a loss every 5 ms for 0.6 s, as a fast model streams them
        clocked.add_step_losses(np.array([float(step)]), np.array([2.0]))
        let_pass(clocked, clock, 0.005)
    assert 3 <= len(drawn) <= 7
    assert min(np.diff(drawn)) >= 0.095


def test_hiding_a_run_fits_the_runs_still_shown(qtbot, dashboard):
    dashboard.load_runs([history("run-001", "RNN", steps=4000, floor=3.0), history("run-002", "LSTM", steps=400)])
    view = dashboard.plots.loss.getViewBox()
    qtbot.waitUntil(lambda: view.viewRange()[0][1] >= 4000)
    dashboard.set_run_shown("run-001", False)
    dashboard.plots.loss.autoBtnClicked()  # the "A" button
    qtbot.waitUntil(lambda: view.viewRange()[0][1] < 1000)  # run-002's 400 steps, not run-001's 4,000


def test_a_hidden_dashboard_catches_up_when_shown(clocked, clock):
    """Behind another tab nothing is redrawn (training would pay for it); shown, it catches up."""
    clocked.add_metrics(metrics(range(1, 51)))
    run = clocked.current_run
    let_pass(clocked, clock, 1.0)
    assert len(run.tokens_per_s.xData) == 50
    clocked.hide()
    clocked.add_metrics(metrics(range(51, 101)))
    let_pass(clocked, clock, 1.0)
    assert len(run.loss.xData) == 50 and len(run.tokens_per_s.xData) == 50
    clocked.show()
    let_pass(clocked, clock, 1.0)
    assert len(run.loss.xData) == 100 and len(run.tokens_per_s.xData) == 100


def test_round_step_ceiling():
    ends = [round_step_ceiling(step) for step in (0, 1, 7, 12, 13, 1700, 2000, 2001, 85_000)]
    assert ends == [1, 1, 8, 12, 15, 2000, 2000, 2500, 100_000]


def test_round_out_widens_to_a_round_unit():
    assert round_out(1.73, 3.98) == (1.5, 4.0)  # span 2.25: unit 0.5
    assert round_out(46_123.0, 53_877.0) == (46_000.0, 54_000.0)  # unit 2,000
    assert round_out(-2.3, -0.4) == (-2.5, -0.0)  # decades on a log axis: unit 0.5
    assert round_out(2.0, 2.0) == (2.0, 2.0)  # nothing to widen
    low, high = round_out(0.7, 1.0)  # 0.7 / 0.1 is 6.999…: rounding noise does not add a unit
    assert (round(low, 9), round(high, 9)) == (0.7, 1.0)


def test_live_values_hold_still_until_they_cross_a_round_number(qtbot, dashboard):
    dashboard.start_run(started("run-001"))
    dashboard.add_metrics(metrics(range(1, 96), loss=lambda step: 3.0 - step / 100))  # 2.99 … 2.05: 2.0–3.0
    view = dashboard.plots.loss.getViewBox()
    wait_drawn(qtbot, dashboard.current_run.loss, 95)
    qtbot.waitUntil(lambda: view.viewRange()[1][0] < 2.0 < 3.0 < view.viewRange()[1][1])
    before = view.viewRange()[1]
    dashboard.add_metrics(metrics(range(96, 100), loss=lambda step: 3.0 - step / 100))  # a new lowest: 2.01
    wait_drawn(qtbot, dashboard.current_run.loss, 99)
    dashboard.graphics.viewport().repaint()  # auto-range runs before a paint
    assert view.viewRange()[1] == before  # within the rounded range: the axis holds still
    dashboard.add_metrics(metrics(range(100, 151), loss=lambda step: 1.0))
    qtbot.waitUntil(lambda: view.viewRange()[1][0] < 1.0)


def test_the_live_loss_is_drawn_plainly_and_finely_once_the_run_ends(qtbot, dashboard):
    dashboard.start_run(started("run-001"))
    dashboard.add_metrics(metrics(range(1, 201)))
    curve = dashboard.current_run.loss.curve
    wait_drawn(qtbot, dashboard.current_run.loss, 200)
    assert not curve.opts["antialias"] and curve.opts["segmentedLineMode"] == "off"
    dashboard.end_run()
    assert curve.opts["antialias"] and curve.opts["segmentedLineMode"] == "on"
    assert len(curve.getData()[0]) > 0


def test_live_steps_end_at_a_round_number_and_hold_still(qtbot, dashboard):
    """The step axis does not move with every new step (each move is new ticks and grid lines)."""
    view = dashboard.plots.loss.getViewBox()
    run = None
    for last, end in ((1700, 2000), (1950, 2000), (2100, 2500)):
        first = 1 if run is None else int(run.run.last_step) + 1
        dashboard.add_metrics(metrics(range(first, last + 1)))
        run = dashboard.current_run
        wait_drawn(qtbot, run.loss, last)
        qtbot.waitUntil(lambda end=end: view.viewRange()[0][1] >= end)  # auto-range follows before a paint
        low, high = view.viewRange()[0]
        assert low <= 0 and end <= high < 1.05 * end
    for plot in ("layers", "grad_norm", "tokens_per_s"):
        qtbot.waitUntil(lambda plot=plot: getattr(dashboard.plots, plot).getViewBox().viewRange()[0][1] >= 2500)


def test_the_raw_loss_is_a_faint_opaque_tint_of_the_run_colour(qtbot, dashboard):
    """Opaque, because Qt blends a translucent noisy line pixel by pixel at ten times the cost."""
    dashboard.add_metrics(metrics(range(1, 401), loss=lambda step: 2.0 + (step % 7) / 3))  # noisy
    run = dashboard.current_run
    wait_drawn(qtbot, run.loss_raw, 400)
    tint = run.loss_raw.opts["pen"].color()
    base = run.colour
    expected = [round(0.15 * c + 0.85 * 255) for c in (base.red(), base.green(), base.blue())]
    assert tint.alpha() == 255
    assert all(abs(a - b) <= 1 for a, b in zip(tint.getRgb()[:3], expected))
    image = dashboard.graphics.grab().toImage()
    pixels = {
        image.pixelColor(x, y).getRgb()[:3] for x in range(0, image.width(), 2) for y in range(0, image.height(), 2)
    }
    assert tint.getRgb()[:3] in pixels  # drawn as it is: no blending with what lies beneath

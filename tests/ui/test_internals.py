"""The internals panel: what its heatmaps, scrubber and coloured text show for probe snapshots."""

from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QGraphicsItem, QWidget
from tiny import FakeClock

from workbench.engine.data import load_text_file
from workbench.engine.data.base import language_model_task
from workbench.engine.events import LayerSnapshot, ProbeSnapshot
from workbench.engine.model.templates import from_template
from workbench.engine.project.project import Project
from workbench.engine.spec import RecurrentSpec
from workbench.engine.training.config import TrainConfig
from workbench.ui.internals import InternalsPanel, gate_saturation
from workbench.ui.internals.analysis import display_token, diverging_rgb, symmetric_limit
from workbench.ui.internals.history import SnapshotHistory
from workbench.ui.internals.panel import LIVE_PAUSE_MAX_S, LIVE_SHARE, REDRAW_INTERVAL_MS

GATES = {"rnn": (), "lstm": ("input", "forget", "cell", "output"), "gru": ("reset", "update", "new")}
PROBE = 'say "hi"\nto me'
PROSE = (
    'She said "hello" to the fox, and the quick brown fox jumped over the lazy dog. '
    "Then (after a while) the dog said nothing at all, because dogs do not talk.\n"
)


def fake_layer(name, cell, steps, hidden, rng):
    """A layer snapshot with values in each signal's true range."""
    gates = rng.uniform(0, 1, (len(GATES[cell]), steps, hidden)).astype(np.float32)
    for index, gate in enumerate(GATES[cell]):
        if gate in ("cell", "new"):
            gates[index] = gates[index] * 2 - 1
    return LayerSnapshot(
        name=name,
        cell=cell,
        gate_names=GATES[cell],
        gates=gates,
        cell_state=rng.normal(0, 3, (steps, hidden)).astype(np.float32) if cell == "lstm" else None,
        hidden=rng.uniform(-1, 1, (steps, hidden)).astype(np.float32),
        grad_through_time=np.logspace(-12, 0, steps).astype(np.float32),
    )


def fake_snapshot(step=100, cell="lstm", hidden=8, text=PROBE, layers=("encoder.l0",), seed=0):
    rng = np.random.default_rng(seed)
    tokens = tuple(text)
    return ProbeSnapshot(
        step=step,
        token_ids=np.arange(len(tokens)),
        tokens=tokens,
        layers=tuple(fake_layer(name, cell, len(tokens), hidden, rng) for name in layers),
    )


class SteppingClock:
    """A clock each reading of which is ``step_s`` after the last: every redraw, read at its start
    and once its paints are done, costs ``step_s``."""

    def __init__(self, step_s):
        self.now, self.step_s = 0.0, step_s

    def __call__(self):
        self.now += self.step_s
        return self.now


def shown_panel(qtbot, **clocks):
    # A host window without a layout: a top-level layout would pass the panel's minimum size to
    # the window, which the offscreen platform answers with a Qt warning.
    host = QWidget()
    qtbot.addWidget(host)
    host.resize(1200, 800)
    widget = InternalsPanel(host, **clocks)
    widget.setGeometry(0, 0, 1200, 800)
    host.show()
    qtbot.waitExposed(host)
    widget.host = host  # qtbot holds widgets weakly
    return widget


@pytest.fixture
def panel(qtbot):
    widget = shown_panel(qtbot)
    widget.live_share = 1.0  # these tests look at what is drawn, not at the pacing (tested below)
    return widget


def show(qtbot, panel, snapshot):
    with qtbot.waitSignal(panel.redrawn, timeout=2000):
        panel.add_snapshot(snapshot)


def in_front(panel, view):
    """Bring one of the panel's tabs to the front, as a click on it does; only that tab is redrawn."""
    panel.tabs.setCurrentWidget(view)
    return view


@pytest.fixture(scope="module")
def trained_snapshots(tmp_path_factory):
    """Real probe snapshots of tiny models trained on real text, one per cell type."""
    path = tmp_path_factory.mktemp("prose") / "prose.txt"
    path.write_text(PROSE * 30, encoding="utf-8")
    corpus = load_text_file(path)
    config = TrainConfig(
        batch_size=4,
        seq_len=16,
        val_every=0,
        probe_every=0,
        sample_every=0,
        metrics_interval_s=0.0,
        device="cpu",
        probe_length=40,
    )
    snapshots = {}
    for cell in ("lstm", "gru", "rnn"):
        spec = from_template("stacked", language_model_task(len(corpus.vocab), 12), RecurrentSpec(cell, 16, 2))
        trainer = Project.create(spec, corpus, config).trainer()
        trainer.run(20)
        snapshots[cell] = trainer.probe()
    return snapshots


# -- pure functions ------------------------------------------------------------------------


def test_gate_saturation_counts_fractions_of_steps():
    gates = np.array(
        [
            [0.05, 0.50, 0.95, 0.10],
            [0.00, 0.91, 0.99, 0.90],
            [0.50, 0.95, 0.02, 0.50],
            [0.09, 0.20, 1.00, 0.50],
        ]
    )  # (T=4, H=4)
    left, right = gate_saturation(gates)
    np.testing.assert_array_equal(left, [0.75, 0.0, 0.25, 0.0])  # 0.10 itself is not < 0.1
    np.testing.assert_array_equal(right, [0.0, 0.5, 0.75, 0.0])  # nor is 0.90 > 0.9
    left, right = gate_saturation(gates, low=0.3, high=0.6)
    np.testing.assert_array_equal(left, [0.75, 0.25, 0.25, 0.25])
    np.testing.assert_array_equal(right, [0.0, 0.5, 0.75, 0.25])
    with pytest.raises(ValueError):
        gate_saturation(np.zeros((2, 3, 4)))


def test_token_labels_and_colours():
    assert [display_token(t) for t in ("\n", " ", "a", '"', "\t", "\x00")] == ["⏎", "·", "a", '"', "⇥", "\\x00"]
    assert diverging_rgb(0.0, 1.0) == (255, 255, 255)
    assert diverging_rgb(2.0, 1.0) == (178, 24, 43)  # saturated red
    assert diverging_rgb(-1.0, 1.0) == (33, 102, 172)
    assert symmetric_limit(np.array([-4.0, 1.0, np.nan]), percentile=100) == 4.0


def test_history_thins_old_snapshots_and_keeps_the_viewed_one():
    history = SnapshotHistory(limit=4)
    snapshots = [fake_snapshot(step=100 * i) for i in range(1, 6)]
    for snapshot in snapshots[:3]:
        history.add(snapshot)
    history.select(0)
    history.add(snapshots[3])
    history.add(snapshots[4])  # over the limit: every other older one goes, first and newest stay
    assert [s.step for s in history.snapshots] == [100, 300, 500]
    assert history.current.step == 100 and not history.following


# -- the panel -----------------------------------------------------------------------------


def test_heatmaps_show_exact_gate_and_state_arrays(qtbot, panel):
    assert panel.pages.currentIndex() == 0  # the "no snapshots yet" page
    snapshot = fake_snapshot()
    show(qtbot, panel, snapshot)
    layer = snapshot.layers[0]
    forget = panel.gates_view.heatmaps["forget"].image
    np.testing.assert_array_equal(forget.image, layer.gates[1].T)
    assert tuple(forget.levels) == (0, 1)
    assert tuple(panel.gates_view.heatmaps["cell"].image.levels) == (-1, 1)  # tanh candidate
    hidden = in_front(panel, panel.states_view).heatmaps["hidden"].image
    np.testing.assert_array_equal(hidden.image, layer.hidden.T)
    assert tuple(hidden.levels) == (-1, 1)
    cell = panel.states_view.heatmaps["cell"].image
    np.testing.assert_array_equal(cell.image, layer.cell_state.T)
    low, high = cell.levels
    assert high == -low > 0  # symmetric around zero
    assert panel.current_snapshot is snapshot and panel.pages.currentIndex() == 1
    assert panel.gates_view.heatmaps["forget"].axis.labels == list('say·"hi"⏎to·me')


def test_a_models_views_are_built_before_its_first_snapshot(qtbot, panel):
    """Making the plots is the slow part of a first redraw: done when the model is shown, the
    first snapshot of a run finds them ready."""
    spec = from_template("stacked", language_model_task(30, 12), RecurrentSpec("lstm", 8, 2))
    panel.prepare(spec)
    views = (panel.gates_view, panel.states_view, panel.saturation_view)
    built = [dict(view.pages.pages) for view in views]
    assert [len(pages) for pages in built] == [2, 1, 2]  # a grid or plots each, beside the notes
    show(qtbot, panel, fake_snapshot(layers=("encoder.l0", "encoder.l1")))
    assert [view.pages.pages for view in views] == built  # nothing made anew
    assert panel.gates_view.grid is built[0][next(key for key in built[0] if key != "no gates")]
    assert "colours span" in in_front(panel, panel.states_view).heatmaps["cell"].title
    panel.prepare(from_template("stacked", language_model_task(30, 12), RecurrentSpec("rnn", 8, 1)))
    assert [len(view.pages.pages) for view in views] == [2, 2, 2]  # a plain RNN: its hidden state only


def test_only_the_tab_in_front_is_redrawn_the_others_when_brought_to_the_front(qtbot, panel):
    """A snapshot every second or two redraws what can be seen: the tabs behind wait, and catch
    up when the user clicks them."""
    first = fake_snapshot(step=100, seed=0)
    later = fake_snapshot(step=200, seed=1)
    later = replace(later, layers=(replace(later.layers[0], grad_through_time=np.logspace(-6, 0, len(PROBE))),))
    show(qtbot, panel, first)
    hidden = in_front(panel, panel.states_view).heatmaps["hidden"].image
    curve = in_front(panel, panel.gradient_view).curves["encoder.l0"]
    in_front(panel, panel.gates_view)
    show(qtbot, panel, later)
    forget = panel.gates_view.heatmaps["forget"].image
    np.testing.assert_array_equal(forget.image, later.layers[0].gates[1].T)
    np.testing.assert_array_equal(hidden.image, first.layers[0].hidden.T)  # behind: as it was
    np.testing.assert_array_equal(curve.yData, first.layers[0].grad_through_time)
    in_front(panel, panel.states_view)
    np.testing.assert_array_equal(hidden.image, later.layers[0].hidden.T)
    in_front(panel, panel.gradient_view)
    np.testing.assert_allclose(curve.yData, later.layers[0].grad_through_time, rtol=1e-6)


def test_live_snapshots_keep_their_redraws_to_a_share_of_the_gui_thread(qtbot):
    """While training sends snapshots, each redraw (paints included) buys a pause of cost / share
    before the next; the user's own actions are not held back by it."""
    cost_s = 0.006  # of a redraw of four 64-unit heatmaps and their text, paints included
    panel = shown_panel(qtbot, clock=FakeClock(), cpu_clock=SteppingClock(cost_s))
    assert panel.live_share == LIVE_SHARE
    pause_s = cost_s / LIVE_SHARE
    snapshots = [fake_snapshot(step=step, seed=step, hidden=64) for step in (100, 200)]
    first = fake_snapshot(step=50, hidden=64)
    with qtbot.waitSignal(panel.redrawn, timeout=2000):
        panel.add_snapshot(first)
        assert panel.scheduled_redraw_ms == REDRAW_INTERVAL_MS  # nothing drawn yet: no pause
    qtbot.waitUntil(lambda: panel.live_wait_s > 0, timeout=2000)  # its cost, once its paints are done
    assert panel.live_wait_s == pytest.approx(pause_s)
    with qtbot.waitSignal(panel.redrawn, timeout=round(1000 * pause_s) + 5000):
        panel.add_snapshot(snapshots[0])
        assert panel.scheduled_redraw_ms == round(1000 * pause_s)  # paced
    assert panel.current_snapshot is snapshots[0]
    panel.add_snapshot(snapshots[1])
    assert panel.scheduled_redraw_ms == round(1000 * pause_s)  # paced again, by the redraw before it
    with qtbot.waitSignal(panel.redrawn, timeout=5000):
        panel.controls.slider.setValue(0)  # the user scrubs back: shown at once
        assert panel.scheduled_redraw_ms == REDRAW_INTERVAL_MS
    assert panel.current_snapshot is first


def test_a_slow_redraw_holds_the_next_snapshot_back_a_bounded_time(qtbot):
    panel = shown_panel(qtbot, clock=FakeClock(), cpu_clock=SteppingClock(1.0))
    show(qtbot, panel, fake_snapshot(step=50))
    qtbot.waitUntil(lambda: panel.live_wait_s > 0, timeout=2000)
    assert panel.live_wait_s == LIVE_PAUSE_MAX_S  # not 1 s / LIVE_SHARE
    panel.add_snapshot(fake_snapshot(step=100))
    assert panel.scheduled_redraw_ms == round(1000 * LIVE_PAUSE_MAX_S)


def test_a_hidden_panel_redraws_when_it_is_shown(qtbot, panel):
    """Behind another tab the heatmaps wait: a redraw there would cost training for nothing."""
    redraws = []
    panel.redrawn.connect(lambda: redraws.append(panel.current_snapshot))
    panel.hide()
    snapshot = fake_snapshot(step=300)
    panel.add_snapshot(snapshot)
    assert panel.scheduled_redraw_ms == REDRAW_INTERVAL_MS
    qtbot.waitUntil(lambda: panel.scheduled_redraw_ms is None, timeout=5000)  # the redraw came due, hidden
    assert redraws == [] and panel.pages.currentIndex() == 0
    with qtbot.waitSignal(panel.redrawn, timeout=2000):
        panel.show()
    assert redraws == [snapshot] and panel.pages.currentIndex() == 1
    forget = panel.gates_view.heatmaps["forget"].image
    np.testing.assert_array_equal(forget.image, snapshot.layers[0].gates[1].T)


def test_a_new_snapshot_leaves_the_heatmap_axes_as_drawn(qtbot, panel):
    """The axes of a heatmap stay the pictures they were unless their ticks change: replaying
    them, or redrawing a colour bar set to the same levels, was most of a redraw's painting."""
    show(qtbot, panel, fake_snapshot(step=100))
    in_front(panel, panel.states_view)
    panel.grab()
    in_front(panel, panel.gates_view)
    panel.grab()
    forget, cell = panel.gates_view.heatmaps["forget"], panel.states_view.heatmaps["cell"]
    axes = (forget.axis, forget.plot.getAxis("left"), forget.bar.getAxis("right"), cell.bar.getAxis("right"))
    drawn = [axis.picture for axis in axes]
    assert all(picture is not None for picture in drawn[:3])
    bar_frame = [forget.bar.getAxis(side) for side in ("left", "top", "bottom")]
    for axis in (*axes, *bar_frame):  # painted from a pixmap, not replayed label by label
        assert axis.cacheMode() == QGraphicsItem.CacheMode.DeviceCoordinateCache
    show(qtbot, panel, fake_snapshot(step=200, seed=1))
    panel.grab()
    assert all(axis.picture is picture for axis, picture in zip(axes[:3], drawn))  # not drawn again
    np.testing.assert_array_equal(forget.image.image, fake_snapshot(seed=1).layers[0].gates[1].T)
    in_front(panel, panel.states_view)
    low, high = cell.image.levels  # the cell state's colours follow its spread: that bar is redrawn
    assert cell.bar.getAxis("right").range == [low, high]


def test_a_new_snapshot_repaints_what_changed_and_relays_out_nothing(qtbot, panel, layout_requests):
    """The step label, the scrubber and the unit box keep their sizes from one snapshot to the
    next: a layout redone for any of them climbed to the window and repainted every tab widget
    on the way, twice per snapshot (about 12 ms of the GUI thread, which training waits for)."""
    for step in (100, 200):
        show(qtbot, panel, fake_snapshot(step=step, seed=step))
    requests = layout_requests.watch(panel.host, qtbot)
    for step in (300, 400, 500):
        show(qtbot, panel, fake_snapshot(step=step, seed=step))
        qtbot.wait(20)
    assert panel.controls.step_label.text() == "step 500 (snapshot 5 of 5)"
    assert panel.controls.slider.maximum() == 4 and panel.activation_view.unit_box.maximum() == 7
    np.testing.assert_array_equal(panel.activation_view.values, fake_snapshot(seed=500).layers[0].hidden[:, 0])
    assert sum(requests.values()) == 0


def test_scrubber_stays_where_the_user_left_it_until_follow(qtbot, panel):
    snapshots = [fake_snapshot(step=step, seed=step) for step in (200, 400, 600, 800)]
    in_front(panel, panel.states_view)
    for snapshot in snapshots[:3]:
        show(qtbot, panel, snapshot)
    assert panel.current_snapshot.step == 600
    assert panel.controls.step_label.text() == "step 600 (snapshot 3 of 3)"
    panel.controls.slider.setValue(0)
    assert panel.current_snapshot.step == 200
    qtbot.waitUntil(lambda: panel.controls.step_label.text() == "step 200 (snapshot 1 of 3)", timeout=2000)
    show(qtbot, panel, snapshots[3])
    assert panel.current_snapshot.step == 200 and not panel.controls.follow_button.isChecked()
    assert panel.controls.slider.maximum() == 3 and panel.controls.slider.value() == 0
    np.testing.assert_array_equal(panel.states_view.heatmaps["hidden"].image.image, snapshots[0].layers[0].hidden.T)
    with qtbot.waitSignal(panel.redrawn, timeout=2000):
        qtbot.mouseClick(panel.controls.follow_button, Qt.MouseButton.LeftButton)
    assert panel.current_snapshot.step == 800 and panel.controls.slider.value() == 3
    np.testing.assert_array_equal(panel.states_view.heatmaps["hidden"].image.image, snapshots[3].layers[0].hidden.T)


def click_row(qtbot, grid, heatmap, unit, step=2):
    """A real left click on the middle of (unit, step) of a heatmap, once it is laid out."""

    def position():
        return grid.mapFromScene(heatmap.image.mapToScene(QPointF(step + 0.5, unit + 0.5)))

    qtbot.waitUntil(lambda: grid.isVisible() and heatmap.image in grid.items(position()), timeout=2000)
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=position())


def test_clicking_a_heatmap_row_colours_the_text_by_that_unit(qtbot, panel):
    snapshot = fake_snapshot(hidden=8)
    show(qtbot, panel, snapshot)
    panel.tabs.setCurrentWidget(panel.states_view)
    grid = panel.states_view.grid
    with qtbot.waitSignal(panel.unit_selected, timeout=2000) as selected:
        click_row(qtbot, grid, grid.heatmaps["hidden"], unit=6)
    assert selected.args == [6] and panel.unit == 6
    text = panel.activation_view
    assert text.unit_box.value() == 6 and "h[6]" in text.caption.text() and "encoder.l0" in text.caption.text()
    values = snapshot.layers[0].hidden[:, 6]
    np.testing.assert_array_equal(text.values, values)
    rgb = [tuple(int(color[i : i + 2], 16) for i in (1, 3, 5)) for color in text.colors]
    redness = [r - g if r > b else -1 for r, g, b in rgb]  # reds fade to white through pink
    strongest = int(np.argmax(values))
    assert int(np.argmax(redness)) == strongest
    assert text.colors[strongest] in text.text.toHtml()  # the document really paints it
    assert grid.heatmaps["hidden"].marker.isVisible()
    assert text.text.document().blockCount() == PROBE.count("\n") + 1  # newlines break lines


def test_cell_state_text_and_unit_spin_box(qtbot, panel):
    snapshot = fake_snapshot(hidden=8)
    show(qtbot, panel, snapshot)
    text = panel.activation_view
    text.source_box.setCurrentIndex(1)  # cell state
    with qtbot.waitSignal(panel.unit_selected, timeout=2000):
        text.unit_box.setValue(3)
    values = snapshot.layers[0].cell_state[:, 3]
    np.testing.assert_array_equal(text.values, values)
    strongest = int(np.argmax(np.abs(values)))
    assert text.colors[strongest] in ("#b2182b", "#2166ac")  # this unit's largest |c| is fully coloured
    panel.select_unit(99)
    assert panel.unit == 7  # clamped to the layer's 8 units


def test_gru_rnn_and_bidirectional_layers(qtbot, panel):
    show(qtbot, panel, fake_snapshot(cell="gru"))
    assert list(panel.gates_view.heatmaps) == ["reset", "update", "new"] and not panel.gates_view.shows_note
    assert list(in_front(panel, panel.saturation_view).plots) == ["reset", "update"]
    assert list(in_front(panel, panel.states_view).heatmaps) == ["hidden"]
    show(qtbot, panel, fake_snapshot(cell="rnn"))
    assert list(panel.states_view.heatmaps) == ["hidden"]
    assert in_front(panel, panel.saturation_view).pages.currentWidget() is panel.saturation_view.note
    assert in_front(panel, panel.gates_view).shows_note and "no gates" in panel.gates_view.note.text()
    names = ("encoder.l0", "encoder.l0.reverse", "encoder.l1", "encoder.l1.reverse")
    bidirectional = fake_snapshot(layers=names, hidden=4)
    show(qtbot, panel, bidirectional)
    box = panel.controls.layer_box
    assert [box.itemData(i) for i in range(box.count())] == list(names)
    assert box.itemText(1) == "encoder.l0.reverse (right to left)"
    with qtbot.waitSignal(panel.redrawn, timeout=2000):
        box.setCurrentIndex(1)
    assert panel.current_layer.name == "encoder.l0.reverse"
    np.testing.assert_array_equal(panel.gates_view.heatmaps["forget"].image.image, bidirectional.layers[1].gates[1].T)
    assert "right to left" in panel.activation_view.caption.text()
    assert list(in_front(panel, panel.gradient_view).curves) == list(names)


def test_large_layers_and_clear(qtbot, panel):
    big = fake_snapshot(hidden=512, text=(PROSE * 2)[:200])
    show(qtbot, panel, big)
    assert panel.gates_view.heatmaps["input"].image.image.shape == (512, 200)
    panel.select_unit(511)
    assert panel.activation_view.caption.text().startswith("<b>h[511]</b>")
    with qtbot.waitSignal(panel.redrawn, timeout=2000):
        panel.clear()
    assert panel.current_snapshot is None and panel.pages.currentIndex() == 0


def test_real_snapshots_of_every_cell(qtbot, panel, trained_snapshots):
    for cell, snapshot in trained_snapshots.items():
        in_front(panel, panel.gates_view)
        with qtbot.waitSignal(panel.redrawn, timeout=2000):
            panel.load_snapshots([snapshot])
        layer = panel.current_layer
        assert layer.cell == cell and panel.controls.layer_box.count() == 2
        assert list(panel.gates_view.heatmaps) == list(GATES[cell]) or panel.gates_view.shows_note
        hidden = in_front(panel, panel.states_view).heatmaps["hidden"]
        np.testing.assert_array_equal(hidden.image.image, layer.hidden.T)
        curve = in_front(panel, panel.gradient_view).curves[layer.name]
        assert len(curve.yData) == len(snapshot.tokens)
        assert len(panel.activation_view.colors) == len(snapshot.tokens)


def test_a_vanishing_gradient_is_read_on_a_plain_log_axis(qtbot, panel, trained_snapshots):
    snapshot = trained_snapshots["rnn"]
    steps = len(snapshot.tokens)
    layers = tuple(replace(layer, grad_through_time=np.logspace(-13, -3, steps)) for layer in snapshot.layers)
    with qtbot.waitSignal(panel.redrawn, timeout=2000):
        panel.load_snapshots([replace(snapshot, layers=layers)])
    panel.tabs.setCurrentWidget(panel.gradient_view)
    panel.grab()
    assert "(x" not in panel.gradient_view.plot.getAxis("left").labelString()  # no "(x0.001)" SI prefix

"""The Training tab's runs table (the rows of ``workbench runs``), whose selection is the runs drawn,
and the star that marks the kept best weights on the loss plot."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest
from PySide6.QtCore import Qt
from test_dashboard import dashboard, history  # noqa: F401 (dashboard is a fixture)
from test_main_window import corpus, load_tiny, make_window  # noqa: F401 (corpus and make_window are fixtures)

from workbench.engine.events import ValidationResult
from workbench.engine.project.run_table import RunRow, row_cells, run_rows
from workbench.ui import tasks

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def row(name: str, cell: str) -> RunRow:
    return RunRow(name, cell, None, None, 400, (1.6, 400), 20_000.0, None, 42.0)


def click(qtbot, table, index: int, control: bool = False) -> None:
    rect = table.visualRect(table.model().index(index, 0))
    modifier = Qt.KeyboardModifier.ControlModifier if control else Qt.KeyboardModifier.NoModifier
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def drawn_losses(dashboard) -> list[str]:  # noqa: F811
    """The runs whose loss curve the loss plot shows."""
    visible = [item for item in dashboard.plots.loss.listDataItems() if item.isVisible()]
    return [name for name in dashboard.run_names if dashboard.run_curves(name).loss in visible]


def test_selecting_runs_in_the_table_overlays_their_curves(qtbot, dashboard):  # noqa: F811
    dashboard.load_runs([history("run-001", "RNN"), history("run-002", "LSTM"), history("run-003", "GRU")])
    dashboard.show_run_rows([row("run-001", "rnn"), row("run-002", "lstm"), row("run-003", "gru")])
    table = dashboard.runs_table
    assert table.run_names == ["run-001", "run-002", "run-003"]
    assert table.cells(0) == list(row_cells(row("run-001", "rnn")))  # the cells of `workbench runs`
    assert table.selected_runs == ["run-001", "run-002", "run-003"]  # every run drawn, as loaded
    click(qtbot, table, 0)  # one earlier run: beside the current one, the others hidden
    assert table.selected_runs == ["run-001", "run-003"] and drawn_losses(dashboard) == ["run-001", "run-003"]
    assert not dashboard.run_curves("run-002").validation.isVisible()
    click(qtbot, table, 1, control=True)
    assert drawn_losses(dashboard) == ["run-001", "run-002", "run-003"]
    click(qtbot, table, 2)  # the current run alone
    assert drawn_losses(dashboard) == ["run-003"]
    click(qtbot, table, 2, control=True)  # unselecting the current run leaves it drawn
    assert table.selected_runs == ["run-003"] and drawn_losses(dashboard) == ["run-003"]
    dashboard.set_run_shown("run-002", True)  # the Runs menu or the legend: the table follows
    assert table.selected_runs == ["run-002", "run-003"]


def test_the_best_is_marked_where_the_validation_curve_draws_it(qtbot, dashboard):  # noqa: F811
    run = history("run-001", "LSTM")
    best = (run.val_steps[-1], run.val_losses[-1])
    dashboard.load_runs([run], best)
    marker, curves = dashboard.best_marker, dashboard.current_run
    assert marker.position == pytest.approx(best) and marker.text == f"best (step {best[0]:,})"
    dashboard.toolbar.units_combo.setCurrentIndex(dashboard.toolbar.units_combo.findData(True))  # bits
    dashboard.toolbar.log_scale_check.setChecked(True)
    expected = (best[0], math.log10(best[1] / math.log(2)))
    assert marker.position == pytest.approx(expected)

    def drawn_last_validation() -> float | None:
        values = curves.validation.getData()[1]
        return None if values is None or not len(values) else float(values[-1])

    qtbot.waitUntil(lambda: drawn_last_validation() is not None and np.isclose(drawn_last_validation(), expected[1]))
    assert curves.validation.getData()[0][-1] == best[0]  # on the validation's own dot

    dashboard.add_validation(ValidationResult(500, 1.5, 1.5 / math.log(2), best_step=500, best_loss=1.5))
    assert marker.position == pytest.approx((500, math.log10(1.5 / math.log(2)))) and marker.text == "best (step 500)"
    dashboard.add_validation(ValidationResult(600, 1.7, 1.7 / math.log(2), best_step=500, best_loss=1.5))
    assert marker.position[0] == 500  # a worse validation leaves the best where it was
    dashboard.set_run_shown("run-001", False)
    assert not marker.target.isVisible()  # hidden with the run it belongs to
    dashboard.load_runs([run])
    assert marker.position is None  # no best kept: no star


def test_the_window_lists_its_runs_marks_the_best_and_says_which_step_is_kept(make_window, qtbot, corpus):  # noqa: F811
    window = make_window()
    load_tiny(window, qtbot, corpus, probe_every=0, val_every=4, val_batches=1)
    window.tabs.setCurrentWidget(window.dashboard)
    table = window.dashboard.runs_table
    qtbot.waitUntil(lambda: table.run_names == ["run-001"], timeout=10_000)  # a project opened: its run
    window.steps.setValue(12)
    with qtbot.waitSignal(window.bridge.run_finished, timeout=30_000) as finished:
        window.train()
    kept = window.bridge.call(partial(tasks.kept_best, window.bridge.worker)).result(5)
    assert finished.args[0].kept_step == kept[0]
    assert window.statusBar().currentMessage().endswith(f" · best weights of step {kept[0]:,} kept")
    assert window.dashboard.best_marker.position == pytest.approx(kept)  # nats, a linear axis

    window.reset_weights()  # a new run beside the first
    qtbot.waitUntil(lambda: table.run_names == ["run-001", "run-002"], timeout=10_000)
    window.steps.setValue(4)
    with qtbot.waitSignal(window.bridge.run_finished, timeout=30_000):
        window.train()
    rows = window.bridge.call(lambda: run_rows(window.bridge.worker.project)).result(5)
    qtbot.waitUntil(lambda: table.cells(1)[4] == "4", timeout=10_000)  # refreshed as the run ended
    assert [table.cells(i) for i in range(2)] == [list(row_cells(r)) for r in rows]
    assert table.cells(0)[8] != "—"  # the first run's wall time
    click(qtbot, table, 1)
    assert drawn_losses(window.dashboard) == ["run-002"]
    click(qtbot, table, 0, control=True)
    assert drawn_losses(window.dashboard) == ["run-001", "run-002"]

    snapshot = window.bridge.call(lambda: window.bridge.worker.project.snapshot()).result(5)
    window.show_project(snapshot)  # as a project opens: the best from its snapshot
    assert window.dashboard.best_marker.position == pytest.approx(snapshot.best)

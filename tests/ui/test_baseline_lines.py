"""What counting alone achieves, as labelled dashed lines across the loss plot, in its units."""

import math

import pytest

from workbench.ui.dashboard import Dashboard

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def dashboard(qtbot):
    widget = Dashboard()
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    qtbot.waitExposed(widget)
    widget.plots.loss.setYRange(0, 5, padding=0)
    return widget


def labels_of(dashboard):
    return [line.label for line in dashboard.baselines.lines]


def test_two_baselines_are_two_labelled_lines_in_the_plots_units(dashboard):
    dashboard.set_baselines([("5-gram model", 2.0), ("unigram model", 3.0)])
    lines = dashboard.baselines.lines
    assert len(lines) == 2 and all(line in dashboard.plots.loss.items for line in lines)
    assert dashboard.baselines.values == [pytest.approx(3.0), pytest.approx(2.0)]  # highest first
    assert [label.format for label in labels_of(dashboard)] == [
        "unigram model: 3.000 nats/token",
        "5-gram model: 2.000 nats/token",
    ]
    dashboard.toolbar.units_combo.setCurrentIndex(1)  # bits
    assert dashboard.baselines.values == [pytest.approx(3.0 / math.log(2)), pytest.approx(2.0 / math.log(2))]
    assert labels_of(dashboard)[1].format == "5-gram model: 2.885 bits/token"
    dashboard.set_baselines([])
    assert not any(line in dashboard.plots.loss.items for line in lines) and dashboard.baselines.values == []


def test_a_baseline_with_no_loss_is_not_drawn(dashboard):
    dashboard.set_baselines([("5-gram model", 2.0), ("unigram model", None), ("nothing", math.nan)])
    assert dashboard.baselines.values == [pytest.approx(2.0)]


def test_labels_of_far_lines_sit_above_them(dashboard):
    dashboard.set_baselines([("5-gram model", 1.0), ("unigram model", 3.0)])
    for line, label in zip(dashboard.baselines.lines, labels_of(dashboard)):
        line_y = dashboard.plots.loss.getViewBox().mapViewToScene(line.pos()).y()
        assert label.sceneBoundingRect().bottom() == pytest.approx(line_y, abs=1)


@pytest.mark.parametrize("gap", [0.0, 0.02, 0.1])
def test_labels_of_close_lines_do_not_overlap(dashboard, gap):
    dashboard.set_baselines([("5-gram model", 2.0), ("unigram model", 2.0 + gap)])
    upper, lower = (label.sceneBoundingRect() for label in labels_of(dashboard))
    assert upper.bottom() <= lower.top() + 0.5
    dashboard.plots.loss.setYRange(1.9, 2.2, padding=0)  # zoomed in: the lines are far apart now
    upper, lower = (label.sceneBoundingRect() for label in labels_of(dashboard))
    assert not upper.intersects(lower)

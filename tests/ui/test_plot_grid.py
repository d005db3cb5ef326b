"""Opaque grid lines beneath the data: the same greys as pyqtgraph's translucent grid."""

import pyqtgraph as pg
from PySide6.QtGui import QColor

from workbench.ui.plot_grid import GridAxis, grid_axes, mixed, show_grid


def test_mixed_is_the_translucent_colour_painted_over_the_background():
    half_black = QColor(0, 0, 0, 128)
    assert mixed(half_black, QColor("white")).getRgb()[:3] == (127, 127, 127)
    assert mixed(QColor(200, 10, 10), QColor("white")).getRgb() == (200, 10, 10, 255)  # opaque stays


def _plot(qtbot, alpha: float) -> pg.PlotWidget:
    widget = pg.PlotWidget(axisItems=grid_axes("#ffffff"))
    widget.setBackground("#ffffff")
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.plotItem.hideButtons()
    show_grid(widget.plotItem, alpha)
    widget.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_grid_lines_are_drawn_opaque(qtbot):
    widget = _plot(qtbot, 0.3)
    axis = widget.plotItem.getAxis("bottom")
    assert isinstance(axis, GridAxis)
    _, ticks, _ = axis.generateDrawSpecs(pg.QtGui.QPainter())
    assert ticks, "a grid needs lines"
    assert {pen.color().alpha() for pen, _, _ in ticks} == {255}
    _, plain_ticks, _ = pg.AxisItem.generateDrawSpecs(axis, pg.QtGui.QPainter())  # pyqtgraph's own lines
    assert [p.color().alpha() for p, _, _ in plain_ticks][0] < 255
    assert [pen.color().getRgb()[:3] for pen, _, _ in ticks] == [
        mixed(p.color(), QColor("#ffffff")).getRgb()[:3] for p, _, _ in plain_ticks
    ]


def test_grid_lies_beneath_the_curves(qtbot):
    widget = _plot(qtbot, 0.6)
    widget.plot([0, 1], [0.5, 0.5], pen=pg.mkPen("#ff0000", width=5))
    qtbot.wait(50)
    image = widget.grab().toImage()
    view = widget.plotItem.getViewBox()
    column = round(widget.mapFromScene(view.mapViewToScene(pg.Point(0.4, 0.5))).x())  # a grid line at x = 0.4
    row_curve = round(widget.mapFromScene(view.mapViewToScene(pg.Point(0.4, 0.5))).y())
    row_empty = round(widget.mapFromScene(view.mapViewToScene(pg.Point(0.4, 0.8))).y())
    grid_pixel = [QColor(image.pixel(x, row_empty)).getRgb()[:3] for x in range(column - 1, column + 2)]
    assert any(r == g == b and r < 250 for r, g, b in grid_pixel), f"no grey grid line near x = 0.4: {grid_pixel}"
    crossing = QColor(image.pixel(column, row_curve)).getRgb()[:3]
    assert crossing == (255, 0, 0), f"the grid shows through the curve: {crossing}"

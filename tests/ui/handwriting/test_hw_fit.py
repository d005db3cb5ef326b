"""A line longer than the pad's paper is shown whole: the paper grows to hold it, never clips it.

Issue 19: "the quick brown fox" written by Write showed only "the quick"; the rest ran off the
paper's right edge.
"""

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QMouseEvent
from PySide6.QtWidgets import QApplication

from workbench.engine.events import HandwritingWritten
from workbench.ui.handwriting.animation import DEFAULT_START
from workbench.ui.handwriting.pad import CANVAS_SIZE, OVERLAY_COLOR
from workbench.ui.handwriting.pad_geometry import FIT_MARGIN, MARGIN
from workbench.ui.handwriting.panel import HandwritingPanel

LEFT = Qt.MouseButton.LeftButton
STEP = 20.0  # ink pixels between the points of the long line
POINTS = 120  # so it ends 2,400 ink pixels right of its start: twice the canvas


def long_line(points: int = POINTS) -> HandwritingWritten:
    """A pen-down run right along the baseline with a tick down at its far end, every 10 points lifted."""
    rows = np.zeros((points, 3), dtype=np.float32)  # (N, 3) dx, dy, end_of_stroke
    rows[:, 0] = STEP
    rows[9::10, 2] = 1.0
    rows[-3:, 0], rows[-3:, 1] = 0.0, 15.0  # the tick: the last three points go straight down
    weights = np.full((points, 2), 0.5, dtype=np.float32)
    return HandwritingWritten("the quick brown fox", 0.5, rows, weights, None, False, True)


def overlay_pixel(image, point: QPointF) -> bool:
    """Whether the grabbed pad shows the model's ink colour at widget ``point`` (or next to it)."""
    x, y = round(point.x()), round(point.y())
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            colour = image.pixelColor(x + dx, y + dy)
            target = QColor(OVERLAY_COLOR)
            if (
                abs(colour.red() - target.red())
                + abs(colour.green() - target.green())
                + abs(colour.blue() - target.blue())
                < 60
            ):
                return True
    return False


def widget_bounds(pad, strokes) -> QRectF:
    points = np.concatenate(strokes)
    ink = QRectF(QPointF(*points.min(axis=0).tolist()), QPointF(*points.max(axis=0).tolist()))
    return pad.ink_transform().mapRect(ink)


def inside(outer: QRectF, inner: QRectF) -> bool:
    """Edge by edge (QRectF.contains is False for a rectangle of zero height, a straight stroke's)."""
    return (
        outer.left() <= inner.left()
        and inner.right() <= outer.right()
        and outer.top() <= inner.top()
        and inner.bottom() <= outer.bottom()
    )


@pytest.fixture
def panel(qtbot):
    widget = HandwritingPanel()
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_model_kind("synthesis")
    return widget


def test_a_line_longer_than_the_paper_is_drawn_whole_with_its_aspect_kept(panel):
    pad = panel.pad
    canvas_scale = pad.ink_transform().m11()
    panel.show_written(long_line())
    panel.skip_animation()
    strokes = pad.overlay_strokes()
    assert np.concatenate(strokes)[:, 0].max() == pytest.approx(DEFAULT_START[0] + STEP * (POINTS - 3))
    shown = widget_bounds(pad, strokes)
    assert inside(QRectF(pad.rect()), shown) and inside(pad.paper_rect(), shown)
    transform = pad.ink_transform()
    assert transform.m11() == pytest.approx(transform.m22())  # the aspect is kept...
    assert transform.m11() < canvas_scale  # ...by drawing smaller
    image = pad.grab().toImage()
    last = strokes[-1]
    for x, y in (last[-1], last[-2], strokes[0][0]):  # the tick at the far end is on screen, as is the start
        assert overlay_pixel(image, pad.ink_to_widget(QPointF(float(x), float(y))))


def test_the_view_holds_still_while_the_long_line_is_drawn_in(qtbot, panel):
    pad = panel.pad
    panel.player.animator.clock = lambda: 0.0  # time stands still: a point a frame
    panel.show_written(long_line())
    while_writing = pad.ink_transform()
    qtbot.waitUntil(lambda: 0 < sum(map(len, pad.overlay_strokes())), timeout=2000)
    assert sum(map(len, pad.overlay_strokes())) < POINTS
    assert pad.ink_transform() == while_writing  # fitted before the first point, not frame by frame
    shown = widget_bounds(pad, pad.overlay_strokes())
    assert inside(pad.paper_rect(), shown)
    qtbot.waitUntil(lambda: not panel.is_animating(), timeout=3000)
    assert pad.ink_transform() == while_writing
    view = pad.view_rect()
    assert view.right() == pytest.approx(DEFAULT_START[0] + STEP * (POINTS - 3) + FIT_MARGIN)


def test_a_line_that_fits_leaves_the_paper_as_it_was_and_clearing_gives_the_canvas_back(panel):
    pad = panel.pad
    canvas = QRectF(0.0, 0.0, *CANVAS_SIZE)
    panel.show_written(long_line(30))  # ends at x = 620: on the canvas
    panel.skip_animation()
    assert pad.view_rect() == canvas
    panel.show_written(long_line())
    panel.skip_animation()
    assert pad.view_rect().right() > CANVAS_SIZE[0]
    panel.clear_written()
    assert pad.view_rect() == canvas
    assert pad.paper_rect().left() == pytest.approx(MARGIN)


def test_the_pen_writes_on_the_grown_paper_and_its_ink_stays_in_view(panel):
    pad = panel.pad
    panel.show_written(long_line())
    panel.skip_animation()
    paper = pad.paper_rect()
    start = QPointF(paper.right() - 30, paper.center().y())
    for kind, position, button, buttons in (
        (QEvent.Type.MouseButtonPress, start, LEFT, LEFT),
        (QEvent.Type.MouseMove, start + QPointF(20, 5), Qt.MouseButton.NoButton, LEFT),
        (QEvent.Type.MouseButtonRelease, start + QPointF(20, 5), LEFT, Qt.MouseButton.NoButton),
    ):
        event = QMouseEvent(kind, position, pad.mapToGlobal(position), button, buttons, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(pad, event)
    stroke = pad.strokes()[-1]
    assert stroke[:, 0].min() > CANVAS_SIZE[0]  # beyond the canvas, on the paper that grew
    panel.clear_written()  # the model's line goes; the user's ink keeps its paper
    assert inside(pad.paper_rect(), widget_bounds(pad, [stroke]))


def test_ink_set_outside_the_canvas_is_shown_whole(panel):
    pad = panel.pad
    wide = np.array([[100.0, 150.0], [1900.0, 160.0]], dtype=np.float32)
    pad.set_strokes([wide])
    assert inside(pad.paper_rect(), widget_bounds(pad, [wide]))
    pad.undo_stroke()
    assert pad.view_rect() == QRectF(0.0, 0.0, *CANVAS_SIZE)

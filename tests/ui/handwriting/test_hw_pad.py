import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QAction, QColor, QInputDevice, QKeySequence, QMouseEvent, QPointingDevice, QTabletEvent
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from workbench.engine.export.svg import as_stroke
from workbench.ui.handwriting.ink import InkHistory, PathCache
from workbench.ui.handwriting.pad import CANVAS_SIZE, OVERLAY_COLOR, DrawingPad
from workbench.ui.handwriting.pad_geometry import MARGIN
from workbench.ui.handwriting.pad_paper import BASELINE

# The offscreen platform warns when a top-level widget is shown; nothing is wrong.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

LEFT = Qt.MouseButton.LeftButton
# Two strokes in ink coordinates: a wave across the baseline, then a straight diagonal.
WAVE = [(150.0 + 8 * i, 200.0 + 30 * np.sin(i / 4)) for i in range(40)]
DIAGONAL = [(600.0 + 10 * i, 80.0 + 5 * i) for i in range(25)]


@pytest.fixture
def pad(qtbot):
    widget = DrawingPad()
    qtbot.addWidget(widget)
    widget.resize(640, 260)  # less wide than 4:1, so the paper is letterboxed above and below
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def send_mouse(widget, kind, position: QPointF, button=Qt.MouseButton.NoButton, buttons=Qt.MouseButton.NoButton):
    """A mouse event at a widget position (floats: QTest would round to whole pixels)."""
    event = QMouseEvent(kind, position, widget.mapToGlobal(position), button, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def press(widget, position):
    send_mouse(widget, QEvent.Type.MouseButtonPress, position, LEFT, LEFT)


def move(widget, position, buttons=LEFT):
    send_mouse(widget, QEvent.Type.MouseMove, position, buttons=buttons)


def release(widget, position):
    send_mouse(widget, QEvent.Type.MouseButtonRelease, position, LEFT)


def draw(widget, widget_points):
    press(widget, widget_points[0])
    for point in widget_points[1:]:
        move(widget, point)
    release(widget, widget_points[-1])


def expected_transform(widget):
    """The transform the module docstring promises, worked out here from the widget's size."""
    width, height = CANVAS_SIZE
    scale = min((widget.width() - 2 * MARGIN) / width, (widget.height() - 2 * MARGIN) / height)
    return scale, (widget.width() - scale * width) / 2, (widget.height() - scale * height) / 2


def on_screen(widget, ink_points):
    scale, dx, dy = expected_transform(widget)
    return [QPointF(dx + scale * x, dy + scale * y) for x, y in ink_points]


def distance_to_polyline(points: np.ndarray, polyline: np.ndarray) -> np.ndarray:
    """Each point's distance to the nearest segment of ``polyline``."""
    a, b = polyline[:-1], polyline[1:]
    ab = b - a
    t = np.clip(((points[:, None] - a) * ab).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-12), 0, 1)
    nearest = a + t[..., None] * ab
    return np.linalg.norm(points[:, None] - nearest, axis=-1).min(axis=1)


def dark_pixels(image, rect=None) -> int:
    """How many pixels of a grabbed image (or of ``rect`` in it) are ink-dark."""
    image = image.convertToFormat(image.Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    pixels = pixels[:, : image.width(), :3].astype(int)
    if rect is not None:
        pixels = pixels[rect.top() : rect.bottom() + 1, rect.left() : rect.right() + 1]
    return int((pixels.sum(-1) < 3 * 110).sum())


def test_the_transform_keeps_the_aspect_centres_the_paper_and_inverts(pad):
    scale, dx, dy = expected_transform(pad)
    transform = pad.ink_transform()
    assert transform.m11() == pytest.approx(scale) and transform.m22() == pytest.approx(scale)
    assert (transform.dx(), transform.dy()) == (pytest.approx(dx), pytest.approx(dy))
    paper = pad.paper_rect()
    assert paper.left() == pytest.approx(MARGIN) and paper.top() > MARGIN  # fits the width, centred down
    assert paper.width() / paper.height() == pytest.approx(CANVAS_SIZE[0] / CANVAS_SIZE[1])
    back = pad.widget_to_ink(pad.ink_to_widget(QPointF(321.5, 87.25)))
    assert (back.x(), back.y()) == (pytest.approx(321.5), pytest.approx(87.25))
    assert paper.center().y() == pytest.approx(pad.height() / 2)
    pad.resize(1000, 200)  # now the height limits, and the paper sits in the middle across
    assert pad.paper_rect().top() == pytest.approx(MARGIN)
    assert pad.paper_rect().center().x() == pytest.approx(500)


def test_two_strokes_drawn_with_the_mouse_are_recorded_on_their_paths(qtbot, pad):
    finished = []
    pad.strokeFinished.connect(finished.append)
    with qtbot.waitSignal(pad.inkChanged, timeout=1000):
        draw(pad, on_screen(pad, WAVE))
    draw(pad, on_screen(pad, DIAGONAL))
    strokes = pad.strokes()
    assert finished == [0, 1]
    assert [len(stroke) for stroke in strokes] == [len(WAVE), len(DIAGONAL)]
    for stroke, path in zip(strokes, (WAVE, DIAGONAL), strict=True):
        assert stroke.dtype == np.float32 and stroke.shape[1] == 2
        assert distance_to_polyline(stroke, np.array(path)).max() < 1.0  # within an ink pixel
        assert np.abs(stroke - np.array(path)).max() < 1.0  # every move event became a point, in order
    strokes[0][:] = 0  # a copy: the pad's ink is untouched
    assert pad.strokes()[0].max() > 0
    assert not pad.is_empty()


def test_qtest_mouse_helpers_draw_too(qtbot, pad):
    """The ordinary QTest path (whole pixels, button state kept by QTest) also draws."""
    qtbot.mousePress(pad, LEFT, pos=QPoint(200, 130))
    for x in range(210, 400, 10):
        qtbot.mouseMove(pad, QPoint(x, 130))
    qtbot.mouseRelease(pad, LEFT, pos=QPoint(400, 130))
    (stroke,) = pad.strokes()
    assert len(stroke) == 21
    assert np.allclose(stroke[:, 1], pad.widget_to_ink(QPointF(0, 130)).y())


def test_a_resting_pen_adds_no_points(pad):
    start = pad.ink_to_widget(QPointF(300, 150))
    press(pad, start)
    for step in range(50):  # jitter of a fraction of an ink pixel
        move(pad, start + QPointF(0.1 * (step % 3), 0.1 * (step % 2)))
    move(pad, start + QPointF(20, 0))
    release(pad, start + QPointF(20, 0))
    assert len(pad.strokes()[0]) == 2


def test_a_click_is_a_one_point_stroke_and_a_press_off_the_paper_draws_nothing(pad):
    dot = pad.ink_to_widget(QPointF(400, 100))
    press(pad, dot)
    release(pad, dot)
    assert [len(stroke) for stroke in pad.strokes()] == [1]
    draw(pad, [QPointF(3, 3), QPointF(pad.width() / 2, pad.height() / 2)])  # starts in the desk margin
    assert len(pad.strokes()) == 1


def test_undo_redo_clear_and_the_actions_follow_the_state(qtbot, pad):
    assert pad.is_empty()
    assert not any(action.isEnabled() for action in pad.actions_for_toolbar())
    draw(pad, on_screen(pad, WAVE))
    draw(pad, on_screen(pad, DIAGONAL))
    assert pad.undo_action.isEnabled() and pad.clear_action.isEnabled() and not pad.redo_action.isEnabled()
    with qtbot.waitSignal(pad.inkChanged, timeout=1000):
        pad.undo_stroke()
    assert len(pad.strokes()) == 1 and pad.redo_action.isEnabled()
    assert distance_to_polyline(pad.strokes()[0], np.array(WAVE)).max() < 1.0  # the last one went
    pad.redo_stroke()
    assert len(pad.strokes()) == 2 and not pad.redo_action.isEnabled()
    pad.clear()
    assert pad.is_empty() and pad.strokes() == [] and not pad.clear_action.isEnabled()
    assert pad.undo_action.text() == "Undo Clear"
    pad.undo_action.trigger()  # undo brings cleared ink back
    assert len(pad.strokes()) == 2
    pad.undo_stroke()
    draw(pad, on_screen(pad, DIAGONAL))  # a new stroke forgets what could be redone
    assert not pad.redo_action.isEnabled()


def test_set_strokes_replaces_the_ink_and_undo_then_takes_strokes_off_it(qtbot, pad):
    loaded = [np.array(WAVE), np.array(DIAGONAL, dtype=np.float64)]
    with qtbot.waitSignal(pad.inkChanged, timeout=1000):
        pad.set_strokes(loaded)
    assert [stroke.dtype for stroke in pad.strokes()] == [np.float32, np.float32]
    assert np.allclose(pad.strokes()[1], DIAGONAL)
    pad.undo_stroke()
    assert len(pad.strokes()) == 1
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        pad.set_strokes([np.zeros((4, 3))])
    with pytest.raises(ValueError, match="NaN"):
        pad.set_strokes([np.array([[1.0, np.nan]])])
    assert len(pad.strokes()) == 1  # a refused set changes nothing


def test_escape_cancels_the_stroke_in_progress(qtbot, pad):
    changed = []
    pad.inkChanged.connect(lambda: changed.append(True))
    points = on_screen(pad, WAVE)
    press(pad, points[0])
    for point in points[1:10]:
        move(pad, point)
    assert pad.is_drawing() and pad.undo_action.isEnabled()
    qtbot.keyClick(pad, Qt.Key.Key_Escape)
    assert not pad.is_drawing()
    for point in points[10:]:
        move(pad, point)
    release(pad, points[-1])
    assert pad.is_empty() and changed == []


def test_ctrl_z_in_the_pad_beats_the_windows_undo(qtbot):
    """The main window has a window-wide Ctrl+Z for the model spec; inside the pad it takes back a stroke."""
    window = QWidget()
    qtbot.addWidget(window)
    window_undo = QAction("Undo edit", window)
    window_undo.setShortcut(QKeySequence("Ctrl+Z"))
    window.addAction(window_undo)
    window_undos = []
    window_undo.triggered.connect(lambda: window_undos.append(True))
    pad = DrawingPad()
    QVBoxLayout(window).addWidget(pad)
    window.resize(640, 260)
    with qtbot.waitActive(window, timeout=2000):
        window.show()
        window.activateWindow()
    draw(pad, on_screen(pad, WAVE))
    draw(pad, on_screen(pad, DIAGONAL))
    assert pad.hasFocus()  # pressing on the pad focused it
    qtbot.keyClick(pad, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(pad.strokes()) == 1 and window_undos == []
    qtbot.keyClick(pad, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert len(pad.strokes()) == 2
    qtbot.keyClick(pad, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(pad, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert len(pad.strokes()) == 2 and window_undos == []


def test_pen_moved_reports_ink_coordinates_while_hovering_and_drawing(qtbot, pad):
    moved, left = [], []
    pad.penMoved.connect(lambda point: moved.append((point.x(), point.y())))
    pad.penLeft.connect(lambda: left.append(True))
    move(pad, on_screen(pad, [(500, 120)])[0], buttons=Qt.MouseButton.NoButton)
    assert moved[-1] == (pytest.approx(500, abs=0.01), pytest.approx(120, abs=0.01)) and pad.is_empty()
    draw(pad, on_screen(pad, DIAGONAL))
    assert moved[-1] == (pytest.approx(DIAGONAL[-1][0], abs=0.01), pytest.approx(DIAGONAL[-1][1], abs=0.01))
    assert len(moved) == 1 + len(DIAGONAL)
    move(pad, QPointF(2, 2), buttons=Qt.MouseButton.NoButton)  # onto the desk, off the paper
    assert left == [True] and len(moved) == 1 + len(DIAGONAL)


def test_a_tablet_pen_draws_a_stroke(qtbot, pad):
    stylus = QPointingDevice(
        "test stylus",
        1,
        QInputDevice.DeviceType.Stylus,
        QPointingDevice.PointerType.Pen,
        QInputDevice.Capability.Position | QInputDevice.Capability.Pressure,
        1,
        3,
    )

    def tablet(kind, ink_point, button, buttons):
        position = on_screen(pad, [ink_point])[0]
        event = QTabletEvent(
            kind,
            stylus,
            position,
            pad.mapToGlobal(position),
            0.6,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            Qt.KeyboardModifier.NoModifier,
            button,
            buttons,
        )
        QApplication.sendEvent(pad, event)
        assert event.isAccepted()  # so Qt makes no mouse events of it as well

    finished = []
    pad.strokeFinished.connect(finished.append)
    tablet(QEvent.Type.TabletPress, DIAGONAL[0], LEFT, LEFT)
    for point in DIAGONAL[1:]:
        tablet(QEvent.Type.TabletMove, point, Qt.MouseButton.NoButton, LEFT)
    tablet(QEvent.Type.TabletRelease, DIAGONAL[-1], LEFT, Qt.MouseButton.NoButton)
    assert finished == [0]
    assert np.abs(pad.strokes()[0] - np.array(DIAGONAL)).max() < 1.0


def test_the_pad_shows_dark_ink_where_the_stroke_went_and_nowhere_else(pad):
    empty = pad.grab().toImage()
    assert dark_pixels(empty) == 0  # paper, rules and hint are all light
    hint_row = pad.ink_to_widget(QPointF(0, BASELINE * CANVAS_SIZE[1])).toPoint().y() - 6
    assert pad.grab().toImage().pixelColor(pad.width() // 2, hint_row) != empty.pixelColor(5, 5)  # something there
    line = [(300.0 + 5 * i, 150.0) for i in range(61)]  # 300 … 600 along y = 150
    draw(pad, on_screen(pad, line))
    image = pad.grab().toImage()
    start, end = pad.ink_to_widget(QPointF(300, 150)).toPoint(), pad.ink_to_widget(QPointF(600, 150)).toPoint()
    for x in range(start.x() + 2, end.x() - 2, 7):  # under the line: dark
        assert image.pixelColor(x, start.y()).lightness() < 110
    band = QRect(QPoint(start.x() - 4, start.y() - 4), QPoint(end.x() + 4, end.y() + 4))
    assert dark_pixels(image) == dark_pixels(image, band) > 0  # and dark nowhere else


def test_overlay_strokes_are_drawn_in_their_colour_and_grow_cheaply(pad):
    model_ink = np.array([(300.0 + 4 * i, 120.0 + 20 * np.sin(i / 5)) for i in range(80)], dtype=np.float32)
    pad.set_overlay_strokes([model_ink[:10]])
    (first_path,) = pad.overlay_paths()
    for end in (11, 12, 30, 31, 64, 80):
        pad.set_overlay_strokes([model_ink[:end]])
    assert pad.overlay_paths()[0] is first_path  # extended in place, not rebuilt
    assert first_path.elementCount() == 80
    image = pad.grab().toImage()
    target = QColor(OVERLAY_COLOR)
    x, y = (round(v) for v in pad.ink_to_widget(QPointF(*model_ink[40])).toTuple())
    assert any(
        abs(image.pixelColor(x + dx, y + dy).red() - target.red()) < 30
        and abs(image.pixelColor(x + dx, y + dy).green() - target.green()) < 30
        for dx in (-1, 0, 1)
        for dy in (-1, 0, 1)
    )
    assert pad.is_empty()  # the model's ink is not the user's
    pad.set_overlay_strokes([model_ink[::-1][:50]])  # different ink of another length: rebuilt
    assert np.allclose(pad.overlay_strokes()[0], model_ink[::-1][:50])
    assert pad.overlay_paths()[0].elementCount() == 50
    pad.set_overlay_strokes([])
    assert pad.overlay_strokes() == []


def test_path_cache_rebuilds_a_changed_stroke_of_the_same_length():
    cache = PathCache()
    first = as_stroke([(0, 0), (10, 0), (20, 0)])
    cache.update([first])
    cache.update([as_stroke([(0, 0), (10, 5), (20, 0)])])
    assert cache.paths[0].elementAt(1).y == 5


def test_density_and_end_of_stroke_are_drawn_and_removed(pad):
    plain = pad.grab().toImage()
    yy, xx = np.mgrid[0:40, 0:60]
    density = np.exp(-((xx - 30) ** 2 + (yy - 20) ** 2) / 60.0)
    pad.set_density_image(density, QRectF(600, 100, 120, 80))
    centre = pad.ink_to_widget(QPointF(660, 140)).toPoint()
    corner = pad.ink_to_widget(QPointF(200, 250)).toPoint()
    shown = pad.grab().toImage()
    assert shown.pixelColor(centre) != plain.pixelColor(centre)
    assert shown.pixelColor(corner) == plain.pixelColor(corner)
    pad.set_density_image(None)
    assert pad.grab().toImage().pixelColor(centre) == plain.pixelColor(centre)
    with pytest.raises(ValueError):
        pad.set_density_image(density, QRectF())

    ring_at = QPointF(300, 120)
    pad.set_end_of_stroke_probability(0.5, at=ring_at)
    ring = pad.ink_to_widget(ring_at).toPoint()
    image = pad.grab().toImage()
    assert image.pixelColor(ring.x() + 11, ring.y()).lightness() < 120  # the filled right half of the ring
    assert image.pixelColor(ring.x() - 11, ring.y()).lightness() > 120  # the unfilled left half
    pad.set_end_of_stroke_probability(None)
    assert pad.grab().toImage().pixelColor(ring.x() + 11, ring.y()) == plain.pixelColor(ring.x() + 11, ring.y())


def test_ink_history_without_qt():
    history = InkHistory()
    a, b = as_stroke([(0, 0), (1, 1)]), as_stroke([(5, 5)])
    assert history.add(a) == 0 and history.add(b) == 1
    assert history.undo() and history.strokes == (a,)
    assert history.redo() and history.strokes == (a, b)
    assert history.clear() and history.strokes == () and history.undo_name == "clear"
    assert history.undo() and history.strokes == (a, b) and history.redo_name == "clear"
    assert history.redo() and history.strokes == ()
    assert not history.redo()
    history.reset((a, b))  # loaded ink: no edits, yet undo takes its strokes off one by one
    assert history.undo_name == "stroke" and history.undo() and history.strokes == (a,)
    assert history.redo() and history.strokes == (a, b)
    assert not a.flags.writeable  # shared between snapshots, so nobody may write them


def test_the_cached_ink_layer_follows_every_change(pad):
    """Finished ink and settled overlay strokes are drawn once into a pixmap; no stale ink may show."""
    line = [(300.0 + 5 * i, 150.0) for i in range(61)]
    middle = pad.ink_to_widget(QPointF(450, 150)).toPoint()
    draw(pad, on_screen(pad, line))
    assert pad.grab().toImage().pixelColor(middle).lightness() < 110
    pad.undo_stroke()
    assert pad.grab().toImage().pixelColor(middle).lightness() > 200
    pad.redo_stroke()
    assert pad.grab().toImage().pixelColor(middle).lightness() < 110
    pad.clear()
    assert dark_pixels(pad.grab().toImage()) == 0

    first = np.array([(700.0 + 3 * i, 100.0) for i in range(40)], dtype=np.float32)
    second = np.array([(700.0 + 3 * i, 200.0) for i in range(40)], dtype=np.float32)
    on_first = pad.ink_to_widget(QPointF(760, 100)).toPoint()
    pad.set_overlay_strokes([first])
    pad.grab()
    pad.set_overlay_strokes([first, second[:5]])  # the first stroke settles into the layer
    assert pad.grab().toImage().pixelColor(on_first).red() > 150
    layer = pad.ink_layer
    assert layer is not None  # drawn by that grab
    for end in range(6, 41, 5):  # the growing last stroke leaves the layer alone
        pad.set_overlay_strokes([first, second[:end]])
        pad.grab()
    assert pad.ink_layer is layer
    pad.set_overlay_strokes([first, second], color="#2a9d8f")  # a new colour redraws the settled strokes
    assert pad.grab().toImage().pixelColor(on_first).green() > pad.grab().toImage().pixelColor(on_first).red()
    pad.set_overlay_strokes([second])
    assert pad.grab().toImage().pixelColor(on_first).lightness() > 200

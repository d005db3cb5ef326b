import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter
from PySide6.QtWidgets import QApplication

from workbench.engine.events import HandwritingWritten, NextPointDensity
from workbench.ui.handwriting.pad import CANVAS_SIZE, OVERLAY_COLOR
from workbench.ui.handwriting.panel import NO_PROJECT_HINT, NO_TEXT_TIP, PRIMER_TEXT_MISSING, HandwritingPanel
from workbench.ui.handwriting.written_views import PHI_EMPTY, PHI_NO_TEXT

LEFT = Qt.MouseButton.LeftButton
# The user's line: a short hook and a dot-like second stroke; the primer ends at (300, 190).
PRIMER = [
    np.array([[100.0, 200.0], [140.0, 150.0], [180.0, 200.0]], dtype=np.float32),
    np.array([[260.0, 200.0], [300.0, 190.0]], dtype=np.float32),
]
# What the model "wrote", as offsets: a pen-up move, a 4-point horizontal stroke 60 px apart,
# a pen-up jump, then a 3-point vertical stroke.
OFFSETS = np.array(
    [
        [50.0, 10.0, 0.0],
        [60.0, 0.0, 0.0],
        [60.0, 0.0, 0.0],
        [60.0, 0.0, 1.0],  # the first stroke ends here
        [40.0, -60.0, 0.0],
        [0.0, 30.0, 0.0],
        [0.0, 30.0, 1.0],
    ],
    dtype=np.float32,
)


def expected_strokes(x0: float, y0: float) -> list[np.ndarray]:
    """OFFSETS added up by hand from (x0, y0)."""
    first = [(x0 + 50, y0 + 10), (x0 + 110, y0 + 10), (x0 + 170, y0 + 10), (x0 + 230, y0 + 10)]
    second = [(x0 + 270, y0 - 50), (x0 + 270, y0 - 20), (x0 + 270, y0 + 10)]
    return [np.array(first, dtype=np.float32), np.array(second, dtype=np.float32)]


def written_event(points=OFFSETS, text="hi there", primed=False, stopped=True, with_phi=True) -> HandwritingWritten:
    n = len(points)
    u = len(text) + 1  # the characters and the end slot
    phi = np.zeros((n, u), dtype=np.float32)
    phi[np.arange(n), np.minimum(np.arange(n) * u // n, u - 1)] = 1.0  # a diagonal band
    weights = np.full((n, 5), 0.2, dtype=np.float32)
    return HandwritingWritten(
        text, 0.5, np.asarray(points, np.float32), weights, phi if with_phi else None, primed, stopped
    )


def assert_strokes_equal(actual, expected):
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected):
        np.testing.assert_allclose(got, want, atol=1e-4)


def colour_distance(a: QColor, b: QColor) -> int:
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue())


def send_mouse(widget, kind, position: QPointF, button, buttons):
    event = QMouseEvent(kind, position, widget.mapToGlobal(position), button, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


@pytest.fixture
def panel(qtbot):
    widget = HandwritingPanel()
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def synthesis(panel):
    panel.set_model_kind("synthesis")
    return panel


def test_without_a_project_everything_is_disabled_and_the_hint_says_why(panel):
    assert panel.status_label.text() == NO_PROJECT_HINT
    for widget in (
        panel.pad,
        panel.text_edit,
        panel.primer_text_edit,
        panel.write_button,
        panel.bias_slider,
        panel.prime_check,
        panel.predict_check,
        panel.add_button,
    ):
        assert not widget.isEnabled(), widget


def test_the_model_kind_decides_which_controls_work(panel):
    panel.set_model_kind("synthesis")
    assert panel.text_edit.isEnabled() and panel.write_button.isEnabled() and panel.pad.isEnabled()
    assert panel.status_label.text() == ""
    assert not panel.prime_check.isEnabled(), "nothing to prime with on an empty pad"
    panel.pad.set_strokes(PRIMER)
    assert panel.prime_check.isEnabled() and panel.prime_check.isChecked()

    panel.set_model_kind("prediction")
    assert not panel.text_edit.isEnabled()
    assert panel.text_edit.toolTip() == NO_TEXT_TIP
    assert panel.write_button.isEnabled()

    panel.set_model_kind(None)
    assert not panel.write_button.isEnabled() and not panel.pad.isEnabled()
    assert panel.status_label.text() == NO_PROJECT_HINT


def test_write_sends_the_text_the_bias_and_the_ink_as_primer(qtbot, synthesis):
    synthesis.pad.set_strokes(PRIMER)
    synthesis.text_edit.setText("hello")
    synthesis.primer_text_edit.setText("my ink")
    synthesis.bias_slider.setValue(17)
    assert synthesis.bias_label.text() == "1.7"
    with qtbot.waitSignal(synthesis.write_requested, timeout=1000) as blocker:
        qtbot.mouseClick(synthesis.write_button, LEFT)
    request = blocker.args[0]
    assert (request.text, request.bias, request.primer_text) == ("hello", pytest.approx(1.7), "my ink")
    assert_strokes_equal(request.primer, PRIMER)
    assert all(stroke.dtype == np.float32 for stroke in request.primer)
    assert synthesis.status_label.text() == "Writing…"


def test_unticked_priming_sends_no_primer(qtbot, synthesis):
    synthesis.pad.set_strokes(PRIMER)
    synthesis.text_edit.setText("hello")
    synthesis.prime_check.setChecked(False)
    with qtbot.waitSignal(synthesis.write_requested, timeout=1000) as blocker:
        synthesis.request_write()
    assert blocker.args[0].primer == ()


def test_a_prediction_model_is_sent_no_text(qtbot, panel):
    panel.text_edit.setText("left over from a synthesis model")
    panel.set_model_kind("prediction")
    with qtbot.waitSignal(panel.write_requested, timeout=1000) as blocker:
        panel.request_write()
    assert blocker.args[0].text == "" and blocker.args[0].primer == ()


def test_priming_a_synthesis_model_needs_the_text_of_the_ink(qtbot, synthesis):
    synthesis.pad.set_strokes(PRIMER)
    synthesis.text_edit.setText("hello")
    with qtbot.assertNotEmitted(synthesis.write_requested):
        synthesis.request_write()
    assert synthesis.status_label.text() == PRIMER_TEXT_MISSING
    assert "border" in synthesis.primer_text_edit.styleSheet()
    synthesis.primer_text_edit.setText("hi")  # typing clears the error
    assert synthesis.status_label.text() == "" and synthesis.primer_text_edit.styleSheet() == ""


def test_ctrl_return_writes(qtbot, synthesis):
    synthesis.text_edit.setText("hello")
    synthesis.activateWindow()
    qtbot.waitActive(synthesis)
    synthesis.bias_slider.setFocus()
    with qtbot.waitSignal(synthesis.write_requested, timeout=1000):
        qtbot.keyClick(synthesis.bias_slider, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def test_written_ink_is_animated_onto_the_pad_from_the_default_start(qtbot, synthesis):
    synthesis.show_written(written_event())
    expected = expected_strokes(40.0, 0.62 * CANVAS_SIZE[1])
    assert_strokes_equal(synthesis.written_strokes(), expected)  # the whole line is known at once...
    assert synthesis.pad.overlay_strokes() == [] and synthesis.is_animating()  # ...but drawn in over time
    assert synthesis.show_all_button.isVisible() and synthesis.progress.isVisible()
    qtbot.waitUntil(lambda: not synthesis.is_animating(), timeout=2000)
    assert_strokes_equal(synthesis.pad.overlay_strokes(), expected)
    assert synthesis.status_label.text() == "Wrote 7 points; stopped at the end of the text"
    assert not synthesis.show_all_button.isVisible() and not synthesis.progress.isVisible()
    image = synthesis.pad.grab().toImage()
    for x, y in (expected[0][1], expected[1][1]):
        pixel = synthesis.pad.ink_to_widget(QPointF(float(x), float(y))).toPoint()
        assert colour_distance(image.pixelColor(pixel), OVERLAY_COLOR) < 60


def test_primed_ink_continues_from_the_last_point_of_the_primer(qtbot, synthesis):
    synthesis.pad.set_strokes(PRIMER)
    synthesis.text_edit.setText("hello")
    synthesis.primer_text_edit.setText("my ink")
    synthesis.request_write()
    synthesis.pad.set_strokes(PRIMER[:1])  # an edit after asking does not move the written line
    synthesis.show_written(written_event(primed=True, stopped=False))
    qtbot.waitUntil(lambda: not synthesis.is_animating(), timeout=2000)
    expected = expected_strokes(300.0, 190.0)
    assert_strokes_equal(synthesis.pad.overlay_strokes(), expected)
    assert "stopped at the length limit" in synthesis.status_label.text()
    image = synthesis.pad.grab().toImage()
    pixel = synthesis.pad.ink_to_widget(QPointF(*expected[0][2].tolist())).toPoint()
    assert colour_distance(image.pixelColor(pixel), OVERLAY_COLOR) < 60


def test_skip_animation_and_escape_show_everything_at_once(qtbot, synthesis):
    long_line = np.tile(np.array([[2.0, 0.0, 0.0]], dtype=np.float32), (3000, 1))  # 5 s at 600 points/s
    synthesis.show_written(written_event(long_line))
    synthesis.skip_animation()
    assert not synthesis.is_animating()
    assert sum(len(stroke) for stroke in synthesis.pad.overlay_strokes()) == 3000
    assert synthesis.status_label.text().startswith("Wrote 3000 points")

    synthesis.show_written(written_event(long_line))
    synthesis.activateWindow()
    qtbot.waitActive(synthesis)
    qtbot.keyClick(synthesis.text_edit, Qt.Key.Key_Escape)
    assert not synthesis.is_animating()
    assert sum(len(stroke) for stroke in synthesis.pad.overlay_strokes()) == 3000


def axis_labels(axis) -> list[str]:
    """The tick labels the axis would draw now."""
    image = QImage(100, 400, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _, _, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [text for _, _, text in texts]


def test_heatmaps_show_phi_by_character_and_pi_by_component(qtbot, synthesis):
    phi_view, pi_view = synthesis.heatmaps.phi, synthesis.heatmaps.mixture
    assert phi_view.hint.isVisible() and phi_view.hint.toPlainText() == PHI_EMPTY
    event = written_event(text="hi there")
    synthesis.show_written(event)
    assert phi_view.image.image.shape == (9, 7)  # characters (and the end slot) × points
    np.testing.assert_array_equal(phi_view.image.image, event.phi.T)
    assert pi_view.image.image.shape == (5, 7)
    assert not phi_view.hint.isVisible()
    qtbot.waitUntil(lambda: not synthesis.is_animating(), timeout=2000)
    assert axis_labels(phi_view.axis) == ["h", "i", "␣", "t", "h", "e", "r", "e", "end"]
    assert axis_labels(pi_view.axis) == ["1", "2", "3", "4", "5"]

    synthesis.clear_written()
    assert synthesis.pad.overlay_strokes() == [] and synthesis.written_strokes() == []
    assert phi_view.hint.isVisible() and axis_labels(phi_view.axis) == []


def test_a_prediction_model_has_no_attention_window(synthesis):
    synthesis.show_written(written_event(text="", stopped=False, with_phi=False))
    synthesis.skip_animation()
    assert synthesis.heatmaps.phi.hint.toPlainText() == PHI_NO_TEXT
    assert synthesis.heatmaps.mixture.image.image.shape == (5, 7)
    assert synthesis.status_label.text() == "Wrote 7 points; stopped at the length limit"


def density_event() -> NextPointDensity:
    image = np.ones((20, 20), dtype=np.float32)
    return NextPointDensity(image, (500.0, 100.0, 200.0, 100.0), 0.3)


def test_density_requests_wait_for_the_answer_and_then_send_the_latest_ink(qtbot, synthesis):
    requests = []
    synthesis.density_requested.connect(requests.append)
    synthesis.primer_text_edit.setText("my ink")
    synthesis.pad.set_strokes(PRIMER)
    assert requests == [], "nothing is asked while Predict as I draw is off"
    synthesis.predict_check.setChecked(True)
    synthesis.pad.set_strokes(PRIMER[:1])
    synthesis.pad.set_strokes(PRIMER[1:])
    assert len(requests) == 1
    assert_strokes_equal(requests[0].strokes, PRIMER)
    assert not requests[0].pen_down and requests[0].text == "my ink"  # a synthesis model reads it

    centre = synthesis.pad.ink_to_widget(QPointF(600.0, 150.0)).toPoint()
    before = synthesis.pad.grab().toImage().pixelColor(centre)
    synthesis.show_density(density_event())
    assert colour_distance(synthesis.pad.grab().toImage().pixelColor(centre), before) > 60
    assert len(requests) == 2
    assert_strokes_equal(requests[1].strokes, PRIMER[1:])  # the latest ink, not the one in between

    synthesis.density_failed("out of memory")
    assert "out of memory" in synthesis.status_label.text()
    assert len(requests) == 2, "nothing changed since the last request"
    synthesis.pad.clear()
    assert len(requests) == 2, "an empty pad asks nothing"


def test_density_includes_the_stroke_being_drawn(qtbot, synthesis):
    requests = []
    synthesis.density_requested.connect(requests.append)
    synthesis.pad.set_strokes(PRIMER[:1])
    synthesis.predict_check.setChecked(True)
    synthesis.show_density(density_event())
    pad = synthesis.pad
    points = [pad.ink_to_widget(QPointF(400.0 + 20 * i, 200.0)) for i in range(4)]
    send_mouse(pad, QEvent.Type.MouseButtonPress, points[0], LEFT, LEFT)
    assert len(requests) == 2
    np.testing.assert_allclose(requests[1].strokes[-1], [[400.0, 200.0]], atol=0.5)
    assert requests[1].pen_down, "the stroke being drawn is not lifted"
    for point in points[1:]:
        send_mouse(pad, QEvent.Type.MouseMove, point, Qt.MouseButton.NoButton, LEFT)
    assert len(requests) == 2, "one request at a time"
    synthesis.show_density(density_event())
    assert len(requests) == 3
    assert len(requests[2].strokes) == 2, "the finished stroke and the one in progress"
    np.testing.assert_allclose(requests[2].strokes[-1], [[400.0 + 20 * i, 200.0] for i in range(4)], atol=0.5)


def test_add_to_my_handwriting_sends_the_ink_and_its_text(qtbot, synthesis):
    assert not synthesis.add_button.isEnabled()
    synthesis.pad.set_strokes(PRIMER)
    assert not synthesis.add_button.isEnabled(), "the ink needs its text"
    synthesis.primer_text_edit.setText("my ink")
    with qtbot.waitSignal(synthesis.add_to_data_requested, timeout=1000) as blocker:
        qtbot.mouseClick(synthesis.add_button, LEFT)
    strokes, text = blocker.args[0]
    assert text == "my ink"
    assert_strokes_equal(strokes, PRIMER)


def test_exports_write_the_ink_and_the_written_line(tmp_path, synthesis):
    assert not synthesis.export_svg(tmp_path / "nothing.svg")
    assert "no ink" in synthesis.status_label.text()
    synthesis.pad.set_strokes(PRIMER)
    synthesis.show_written(written_event())
    svg, png = tmp_path / "line.svg", tmp_path / "line.png"
    assert synthesis.export_svg(svg) and synthesis.export_png(png)
    assert svg.read_text().count("<path") == len(PRIMER) + 2
    assert not QImage(str(png)).isNull()
    assert synthesis.status_label.text() == "Saved line.png"


def test_a_heatmap_cell_says_which_character_point_and_weight_it_is(qtbot, synthesis):
    event = written_event(text="hi there")
    synthesis.show_written(event)
    phi = synthesis.heatmaps.phi
    assert phi.image.cell_at(2.5, 1.2) == (1, 2)  # x is the point, y the character
    assert phi.image.cell_at(7.0, 0.0) is None  # past the last of the 7 points
    assert phi.describe(1, 2) == f"character i, point 2\nφ = {event.phi[2, 1]:.3f}"
    assert phi.describe(8, 0).startswith("character end, point 0")

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFont

from workbench.engine.events import SampleGenerated
from workbench.engine.inference.sampling_options import SamplingOptions
from workbench.ui.samples import KEPT_SAMPLES, SamplesPanel

# The offscreen platform warns when a top-level widget is shown; nothing is wrong.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def panel(qtbot):
    widget = SamplesPanel()
    qtbot.addWidget(widget)
    widget.resize(460, 640)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def bold_text(view) -> str:
    """The characters of a text view drawn in bold."""
    document, bold = view.document(), []
    block = document.begin()
    while block.isValid():
        iterator = block.begin()
        while not iterator.atEnd():
            fragment = iterator.fragment()
            if fragment.charFormat().fontWeight() >= QFont.Weight.Bold:
                bold.append(fragment.text())
            iterator += 1
        block = block.next()
    return "".join(bold)


def test_samples_during_training_are_listed_newest_first(panel):
    panel.add_sample(SampleGenerated(100, "First Citizen:\nBefore we proceed", 0.8, ""))
    panel.add_sample(SampleGenerated(200, "ROMEO: wherefore", 1.0, "ROMEO:"))
    text = panel.log_view.toPlainText()
    assert "Before we proceed" in text and "ROMEO: wherefore" in text
    assert text.index("step 200") < text.index("step 100")
    assert "temperature 0.80" in text
    assert bold_text(panel.log_view) == "ROMEO:"
    assert panel.log_view.font().styleHint() == QFont.StyleHint.Monospace or panel.log_view.font().fixedPitch()


def test_only_the_last_samples_are_kept(panel):
    panel.load_samples([SampleGenerated(step, f"text {step}", 1.0, "") for step in range(KEPT_SAMPLES + 10)])
    assert len(panel.samples) == KEPT_SAMPLES
    text = panel.log_view.toPlainText()
    assert "text 9\n" not in text + "\n" and f"text {KEPT_SAMPLES + 9}" in text
    panel.clear()
    assert panel.samples == [] and panel.log_view.toPlainText() == ""


def test_sample_button_emits_the_controls_as_options(qtbot, panel):
    panel.temperature_slider.setValue(70)
    panel.top_k_spin.setValue(5)
    panel.length_spin.setValue(42)
    panel.prime_edit.setText("JULIET:")
    assert panel.temperature_label.text() == "0.70"
    with qtbot.waitSignal(panel.sample_requested, timeout=1000) as blocker:
        qtbot.mouseClick(panel.sample_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [SamplingOptions(length=42, temperature=0.7, top_k=5, prime="JULIET:", seed=None)]
    assert not panel.sample_button.isEnabled()
    assert panel.sample_button.text() == "Sampling…"

    panel.show_result("JULIET:\nO Romeo, Romeo!", blocker.args[0])
    assert panel.sample_button.isEnabled() and panel.sample_button.text() == "Sample"
    assert "O Romeo, Romeo!" in panel.result_view.toPlainText()
    assert bold_text(panel.result_view) == "JULIET:"


def test_no_second_request_while_waiting(qtbot, panel):
    requests = []
    panel.sample_requested.connect(requests.append)
    panel.request_sample()
    panel.request_sample()
    assert len(requests) == 1


def test_greedy_and_ctrl_return(qtbot, panel):
    panel.temperature_slider.setValue(0)
    assert "greedy" in panel.temperature_label.text()
    panel.prime_edit.setFocus()
    with qtbot.waitSignal(panel.sample_requested, timeout=1000) as blocker:
        qtbot.keyClick(panel.prime_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    options = blocker.args[0]
    assert options.greedy and options.top_k == 0 and options.prime == ""


def test_an_error_re_enables_the_button_and_shows_the_message(qtbot, panel):
    panel.request_sample()
    panel.show_error("the project has no trained model yet")
    assert panel.sample_button.isEnabled()
    assert "the project has no trained model yet" in panel.result_view.toPlainText()


def test_reading_position_is_kept_when_a_sample_arrives(panel):
    panel.load_samples([SampleGenerated(step, f"sample {step}\n" + "line\n" * 12, 1.0, "") for step in range(10)])
    scroll = panel.log_view.verticalScrollBar()
    assert scroll.value() == 0  # newest on top, shown from the top
    scroll.setValue(scroll.maximum() // 2)
    corner = QPoint(8, 8)
    before = panel.log_view.cursorForPosition(corner).block().text()
    panel.add_sample(SampleGenerated(10, "sample 10\n" + "line\n" * 12, 1.0, ""))
    assert scroll.value() > scroll.maximum() // 2
    shown = panel.log_view.cursorForPosition(corner).block().text()
    assert shown == before


def test_the_repetition_guard_is_off_by_default_and_says_why_greedy_repeats(qtbot, panel):
    assert panel.repetition_spin.text() == "off" and panel.options.repetition_penalty == 1.0
    tip = panel.repetition_spin.toolTip()
    assert "greedy" in tip.lower() and "another space" in tip and "last 64" in tip
    panel.temperature_slider.setValue(0)
    panel.repetition_spin.setValue(1.2)
    with qtbot.waitSignal(panel.sample_requested, timeout=1000) as blocker:
        panel.request_sample()
    options = blocker.args[0]
    assert options.greedy and options.repetition_penalty == pytest.approx(1.2)
    panel.show_result("def main():", options)
    assert "repetition 1.20" in panel.result_view.toPlainText()
    panel.set_model_writes(False)
    assert not panel.repetition_spin.isEnabled()


def laid_out_lines_fit(view) -> bool:
    """Every laid-out line of the view's text fits inside the view's width."""
    width, block = view.viewport().width(), view.document().begin()
    while block.isValid():
        layout = block.layout()
        for index in range(layout.lineCount()):
            if layout.lineAt(index).naturalTextWidth() > width:
                return False
        block = block.next()
    return True


def test_a_narrow_dock_shows_every_control_and_the_whole_sample(qtbot):
    panel = SamplesPanel()
    qtbot.addWidget(panel)
    panel.resize(300, 640)
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.width() <= 300  # the panel was 371 px wide at least: a 340 px dock cut it
    for control in (
        panel.temperature_slider,
        panel.temperature_label,
        panel.top_k_spin,
        panel.repetition_spin,
        panel.length_spin,
        panel.prime_edit,
        panel.sample_button,
    ):
        corner = control.mapTo(panel, QPoint(0, 0))
        assert panel.rect().contains(corner) and panel.rect().contains(corner + QPoint(control.width() - 1, 0))
    code = "def f():\n" + "    x = " + "a_long_identifier_" * 12 + "\n" + "    return x\n" * 40
    panel.add_sample(SampleGenerated(100, code, 0.8, ""))
    panel.show_result("the " + "word " * 200, SamplingOptions(prime="the "))
    for view in (panel.log_view, panel.result_view):
        assert laid_out_lines_fit(view)  # wrapped, never cut at the right edge
        assert view.verticalScrollBar().maximum() > 0  # the rest is a scroll away
    assert code in panel.log_view.toPlainText()


def text_lines_drawn(widget) -> int:
    """How many lines of text ``widget`` shows: bands of rows with ink in them."""
    image = widget.grab().toImage()
    background = image.pixelColor(image.width() - 2, image.height() - 2).lightness()
    inked = [
        any(abs(image.pixelColor(x, y).lightness() - background) > 60 for x in range(image.width()))
        for y in range(image.height())
    ]
    return sum(1 for y in range(1, len(inked)) if inked[y] and not inked[y - 1])


def test_the_placeholders_wrap_in_a_narrow_dock(qtbot):
    """Qt draws a text view's placeholder on one line: "Samples written during training" and
    the rest cut off at the edge of a narrow dock."""
    panel = SamplesPanel()
    qtbot.addWidget(panel)
    panel.resize(250, 640)
    panel.show()
    qtbot.waitExposed(panel)
    assert text_lines_drawn(panel.log_view.viewport()) >= 2
    panel.set_model_writes(False, "Try it in the Results tab: pick an item and see what the model says.")
    assert text_lines_drawn(panel.log_view.viewport()) >= 3

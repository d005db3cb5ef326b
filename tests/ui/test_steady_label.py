"""A steady label shows changing text without relaying out the window around it."""

import pytest
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QTabWidget, QVBoxLayout, QWidget

from workbench.ui.steady_label import SteadyLabel


@pytest.fixture
def host(qtbot):
    """A window with a tab widget around a row of labels, as the Inside tab and status bar have."""
    window = QWidget()
    qtbot.addWidget(window)
    tabs = QTabWidget()
    page = QWidget()
    row = QHBoxLayout(page)
    window.plain = QLabel("step 0")
    window.steady = SteadyLabel("step 000,000")
    row.addWidget(window.plain)
    row.addWidget(window.steady)
    row.addStretch(1)
    tabs.addTab(page, "Inside")
    QVBoxLayout(window).addWidget(tabs)
    window.resize(500, 200)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(20)  # the first layout passes
    return window


def settle(qtbot) -> None:
    qtbot.wait(20)


def test_new_text_repaints_the_label_and_relays_out_nothing(qtbot, host, layout_requests):
    requests = layout_requests.watch(host, qtbot)
    for step in (1, 20, 300, 4_000, 50_000):
        host.steady.setText(f"step {step:,}")
        settle(qtbot)
        assert host.steady.width() >= host.steady.sizeHint().width()  # the whole text shows
    assert sum(requests.values()) == 0
    host.plain.setText("step 50,000")  # what a plain label does: the window's layouts are redone
    settle(qtbot)
    assert requests["QTabWidget"] >= 1


def test_a_wider_text_widens_the_label_once_and_a_shorter_one_leaves_it(qtbot, host):
    label = host.steady
    template_width = label.width()
    label.setText("step 1")
    assert label.width() == template_width  # sized for the template, not the first text
    label.setText("step 12,345,678,901")
    settle(qtbot)
    widest = label.width()
    assert widest > template_width and widest >= label.sizeHint().width()
    label.setText("step 2")
    settle(qtbot)
    assert label.width() == widest
    assert label.minimumSize() == label.maximumSize()  # fixed, so no layout request leaves it


def test_margins_and_fonts_are_measured_again(qtbot, host):
    label = host.steady
    label.setText("step 123,456")
    before = label.size()
    label.setContentsMargins(6, 0, 6, 0)
    assert label.width() >= before.width() + 12 - 1 and label.width() >= label.sizeHint().width()
    font = QFont(label.font())
    font.setPointSize(font.pointSize() * 2)
    label.setFont(font)
    assert label.height() > before.height() and label.width() >= label.sizeHint().width()

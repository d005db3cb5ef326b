"""The architecture canvas fits the diagram to the view, and keeps the user's zoom through redraws."""

import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from workbench.engine.data.base import Task
from workbench.engine.model.templates import from_template
from workbench.engine.spec import HeadSpec, InputSpec, RecurrentSpec
from workbench.ui.canvas import ArchitectureView
from workbench.ui.document import SpecDocument

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def small_model():
    """One stack of two layers: a diagram far smaller than a large canvas."""
    task = Task("tagging", InputSpec("tokens", vocab_size=50, embedding_dim=16), HeadSpec("tagging", 7))
    return from_template("stacked", task, RecurrentSpec("gru", 32, 2))


@pytest.fixture
def view(qtbot):
    host = QWidget()
    qtbot.addWidget(host)
    host.resize(1100, 1000)
    document = SpecDocument(small_model())
    canvas = ArchitectureView(document, parent=host)
    canvas.setGeometry(0, 0, 1100, 1000)
    host.show()
    qtbot.waitExposed(host)
    yield canvas  # the host lives as long as the test: qtbot holds widgets weakly
    host.close()


def shown_share(view: ArchitectureView) -> tuple[float, float]:
    """The share of the viewport's width and height that the diagram's items cover."""
    shown = QRectF(view.mapFromScene(view.scene().itemsBoundingRect()).boundingRect())
    viewport = view.viewport().rect()
    return shown.width() / viewport.width(), shown.height() / viewport.height()


def wheel(view: ArchitectureView, notches: int, at: QPoint, modifiers=Qt.KeyboardModifier.ControlModifier) -> None:
    event = QWheelEvent(
        QPointF(at),
        QPointF(view.viewport().mapToGlobal(at)),
        QPoint(),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        modifiers,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view.viewport(), event)


def test_a_small_diagram_fills_a_large_view(view):
    width, height = shown_share(view)
    assert max(width, height) > 0.8  # as large as the view's shape allows, not drawn small in its middle
    assert width <= 1.0 and height <= 1.0  # and all of it on screen
    middle = view.mapFromScene(view.scene().itemsBoundingRect().center())
    assert (middle - view.viewport().rect().center()).manhattanLength() < 40


def test_ctrl_wheel_zooms_about_the_pointer_and_ctrl_0_fits_again(view):
    fitted = view.transform().m11()
    block = view.scene().part_items["encoder"].sceneBoundingRect().center()
    at = view.mapFromScene(block)
    wheel(view, 4, at)  # enough for the diagram to overflow the view both ways, so that it can move
    assert view.zoom == pytest.approx(1.25**4)
    assert view.transform().m11() == pytest.approx(fitted * 1.25**4)
    assert (view.mapFromScene(block) - at).manhattanLength() <= 2  # the block under the pointer stays under it
    QTest.keyClick(view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom == 1.0 and view.transform().m11() == pytest.approx(fitted)


def test_the_zoom_is_kept_through_a_redraw_and_a_resize(view):
    fitted = view.transform().m11()
    QTest.keyClick(view, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert view.transform().m11() == pytest.approx(fitted * 1.25)
    view.scene().rebuild()  # what every change of the spec does
    assert view.zoom == pytest.approx(1.25) and view.transform().m11() == pytest.approx(fitted * 1.25, rel=0.05)
    view.resize(900, 1000)
    assert view.zoom == pytest.approx(1.25)
    narrower = view.transform().m11()
    QTest.keyClick(view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert view.transform().m11() == pytest.approx(narrower / 1.25)

import os

import pyqtgraph as pg
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pg.setConfigOptions(imageAxisOrder="row-major")


@pytest.fixture(autouse=True)
def no_unexpected_dialogs(monkeypatch):
    """A message box the test did not expect fails it at once. Shown for real it would wait for
    a click that never comes, and pytest-timeout cannot interrupt Qt's modal loop: the suite
    hung on one (a second window refused a file the first still wrote). A test that expects a
    dialog patches the function itself, after this."""
    from PySide6.QtWidgets import QMessageBox

    def unexpected(kind):
        def show(parent, title, text, *rest, **options):
            pytest.fail(f"an unexpected {kind} dialog: {title}: {text}")

        return staticmethod(show)

    for kind in ("critical", "warning", "information", "question"):
        monkeypatch.setattr(QMessageBox, kind, unexpected(kind))


@pytest.fixture
def lm_spec():
    from workbench.engine.data.base import language_model_task
    from workbench.engine.model.templates import from_template
    from workbench.engine.spec import RecurrentSpec

    return from_template("stacked", language_model_task(53, 64), RecurrentSpec("lstm", 128, 2))


class _LayoutRequests:
    """Counts, by the receiver's class name, the requests Qt posts to redo the layout of one
    window's widgets (other tests' windows may still be alive in the application)."""

    def __init__(self) -> None:
        from collections import Counter

        from PySide6.QtCore import QEvent, QObject
        from PySide6.QtWidgets import QWidget

        self.counts = Counter()
        self.root: QWidget | None = None
        requests = self

        class Filter(QObject):
            def eventFilter(self, watched, event):  # noqa: N802 (Qt's name)
                root = requests.root
                if event.type() == QEvent.Type.LayoutRequest and isinstance(watched, QWidget) and root is not None:
                    if watched is root or root.isAncestorOf(watched):
                        requests.counts[type(watched).__name__] += 1
                return False

        self.filter = Filter()

    def watch(self, root, qtbot):
        """Count the requests to ``root`` and the widgets inside it from the moment its layouts
        are done (none asked for in 100 ms): what a window had pending is not counted."""
        self.root = root
        for _ in range(50):
            self.counts.clear()
            qtbot.wait(100)
            if not self.counts:
                break
        return self.counts


@pytest.fixture
def layout_requests(qapp):
    """Layout requests while the test runs: a text that changes during training should repaint
    its widget, not relay out the window around it."""
    requests = _LayoutRequests()
    qapp.installEventFilter(requests.filter)
    yield requests
    qapp.removeEventFilter(requests.filter)

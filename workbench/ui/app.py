"""Start the desktop application on the default demo, ready to press Train."""

from __future__ import annotations

import sys

import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from ..engine.data import DEFAULT_DEMO
from .main_window import APP_NAME, MainWindow


def configure_pyqtgraph() -> None:
    """Row-major images (units × time as stored), antialiased curves, a light theme."""
    pg.setConfigOptions(imageAxisOrder="row-major", antialias=True, background="w", foreground="k")


def run(argv: list[str] | None = None, project: str | None = None) -> int:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName("SequenceWorkbench")
    configure_pyqtgraph()
    window = MainWindow()
    window.show()

    def first_project() -> None:
        if window.files.offer_recovery():
            return
        if project:
            window.files.open(project)
        else:
            window.files.new_from_demo(DEFAULT_DEMO)

    QTimer.singleShot(0, first_project)
    return app.exec()

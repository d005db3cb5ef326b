"""The engine and the command line never load Qt: they run headless, in CI and under torchrun."""

import subprocess
import sys

QT_MODULES = ("PySide6", "shiboken6", "PyQt5", "PyQt6", "pyqtgraph")


def test_engine_and_cli_import_no_qt():
    code = (
        "import importlib, pkgutil, sys, workbench.engine, workbench.cli\n"
        "names = [m.name for m in pkgutil.walk_packages(workbench.engine.__path__, 'workbench.engine.')]\n"
        "for name in names: importlib.import_module(name)\n"
        "print(len(names), sorted(m for m in sys.modules if m.split('.')[0] in " + repr(QT_MODULES) + "))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    count, qt = result.stdout.strip().split(" ", 1)
    assert qt == "[]"
    assert int(count) >= 40  # every engine module was imported, the handwriting ones included

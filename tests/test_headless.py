"""The engine and the command line never load Qt: they run headless, in CI and under torchrun."""

import subprocess
import sys

QT_MODULES = ("PySide6", "shiboken6", "PyQt5", "PyQt6", "pyqtgraph")


def test_engine_and_cli_import_no_qt():
    code = (
        "import sys, workbench.engine, workbench.engine.project, workbench.engine.trainer, workbench.cli\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {QT_MODULES!r}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
    assert "workbench.engine.trainer" in code  # the heavy modules are the ones imported

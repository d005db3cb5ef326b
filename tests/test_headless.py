"""The engine and the command line never load Qt: they run headless, from a terminal and in CI."""

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


def test_every_engine_module_imports_first():
    """No import cycle: each module loads in a process that has imported nothing of ours yet."""
    code = (
        "import importlib, pkgutil, sys, torch, numpy, h5py, workbench.engine\n"
        "names = [m.name for m in pkgutil.walk_packages(workbench.engine.__path__, 'workbench.engine.')]\n"
        "failed = []\n"
        "for name in names:\n"
        "    for loaded in [m for m in sys.modules if m.startswith('workbench')]: del sys.modules[loaded]\n"
        "    try: importlib.import_module(name)\n"
        "    except ImportError as error: failed.append(f'{name}: {error}')\n"
        "print(len(names)); print(*failed, sep='\\n')"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    count, *failed = result.stdout.strip().split("\n")
    assert int(count) >= 40 and failed == []


# The window's parts that send work to the worker thread (ui.tasks) and so load torch with it.
WORKER_FACING = ("tasks", "main_window", "view_requests", "project_files", "cell_comparison", "export_dialog", "app")


def test_the_views_load_no_torch():
    """What draws never needs torch: every UI module but those handing work to the worker imports
    without loading it, so no view can call torch on the GUI thread by accident."""
    code = (
        "import importlib, pkgutil, sys, workbench.ui\n"
        "names = [m.name for m in pkgutil.walk_packages(workbench.ui.__path__, 'workbench.ui.')\n"
        f"         if m.name.split('.')[2] not in {WORKER_FACING!r}]\n"
        "for name in names: importlib.import_module(name)\n"
        "print(len(names), 'torch' in sys.modules)"
    )
    env_code = "import os; os.environ.setdefault('QT_QPA_PLATFORM', 'offscreen')\n" + code
    result = subprocess.run([sys.executable, "-c", env_code], capture_output=True, text=True, check=True)
    count, torch_loaded = result.stdout.strip().split(" ")
    assert torch_loaded == "False"
    assert int(count) >= 60  # the dashboard, Inside, Results, canvas and handwriting views among them

"""Set up Sequence Workbench in ./.venv and run it, or run its tests.

    python3.11 bootstrap.py run     # set up, then open the window on the default demo
    python3.11 bootstrap.py test    # set up, then run the whole test suite

Without a display (a server, a container), ``run`` trains the default demo in the terminal
and prints samples instead.

Only the Python 3.11 standard library is needed to start. The virtual environment is
(re)installed when pyproject.toml changes, so both commands are cheap the second time.
Set WORKBENCH_TORCH_INDEX to a PyTorch wheel index URL to choose the torch build
(for example the CPU-only index, to skip the multi-GB CUDA download on Linux).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".workbench-installed"
PYTHON = VENV / "bin" / "python"


def _requirements_digest() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_environment() -> None:
    """Create .venv and install the package with its test extras, once per pyproject.toml."""
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"Sequence Workbench needs Python 3.11; this is {sys.version.split()[0]}.")
    digest = _requirements_digest()
    if STAMP.exists() and STAMP.read_text() == digest and PYTHON.exists():
        return
    if not PYTHON.exists():
        print(f"Creating the virtual environment in {VENV} ...", flush=True)
        venv.create(VENV, with_pip=True)
    pip = [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    index = os.environ.get("WORKBENCH_TORCH_INDEX")
    if index:
        subprocess.check_call([*pip, "torch==2.13.0", "--index-url", index])
    print("Installing Sequence Workbench and its dependencies (first run only) ...", flush=True)
    subprocess.check_call([*pip, "-e", f"{ROOT}[test,lint]"])
    STAMP.write_text(digest)


def quiet_thread_environment() -> dict[str, str]:
    """One OpenMP thread that sleeps when idle: two busy threads fight the GUI on 2 cores."""
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


def has_display() -> bool:
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "run"
    if command not in {"run", "test"}:
        print(__doc__)
        return 2
    ensure_environment()
    if command == "run":
        workbench = str(VENV / "bin" / "workbench")
        if has_display():
            return subprocess.call([workbench, *argv[1:]], cwd=ROOT)
        print("No display found: training the default demo in the terminal instead.", flush=True)
        return subprocess.call([workbench, "demo", *argv[1:]], cwd=ROOT)
    pytest = [str(PYTHON), "-m", "pytest", "-q", *argv[1:]]
    return subprocess.call(pytest, cwd=ROOT, env=quiet_thread_environment())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

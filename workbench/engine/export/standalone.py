"""The script written next to an ONNX export: it runs the model with onnxruntime and numpy alone.

The script is ``standalone_script.py`` of this package, copied with the names of the exported
files filled in; everything else it needs (task, vocabularies, labels) it reads from the files'
metadata. The long-range lab's models have none: their inputs are generated, nothing to type.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from .standalone_script import USES

TEMPLATE = Path(__file__).with_name("standalone_script.py")
FILES_LINE = "FILES = {}  # role -> ONNX file beside this script; written by the export\n"


def script_path(path: Path) -> Path:
    """``run_NAME.py`` beside ``NAME.onnx``."""
    return path.with_name(f"run_{path.stem}.py")


def script_file(path: Path, facts: dict) -> tuple[Path, Callable[[Path], None]] | None:
    """Where the script for the model exported to ``path`` goes and how to write it there, for
    ``write_files_atomically``; None for a task it cannot run."""
    if facts["task"] not in USES:
        return None
    source = TEMPLATE.read_text(encoding="utf-8")
    if FILES_LINE not in source:
        raise RuntimeError("the standalone script template lost its FILES line")
    files_line = f"FILES = {json.dumps(facts['files'])}  # role -> ONNX file beside this script\n"
    filled = source.replace(FILES_LINE, files_line)
    return script_path(path), lambda temporary: temporary.write_text(filled, encoding="utf-8")

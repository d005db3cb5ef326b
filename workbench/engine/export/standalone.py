"""The script written next to an ONNX export: it runs the model with onnxruntime and numpy alone.

The script is ``standalone_script.py`` of this package, copied with the names of the exported
files filled in; everything else it needs (task, vocabularies, labels) it reads from the files'
metadata. Handwriting models have no script yet: sampling pen strokes needs the mixture
sampling of the workbench's writer, which the script does not carry.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..atomic import write_atomically
from .standalone_script import USES

TEMPLATE = Path(__file__).with_name("standalone_script.py")
FILES_LINE = "FILES = {}  # role -> ONNX file beside this script; written by the export\n"


def script_path(path: Path) -> Path:
    """``run_NAME.py`` beside ``NAME.onnx``."""
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    return path.with_name(f"run_{stem}.py")


def write_script(path: Path, facts: dict) -> Path | None:
    """Write the script for the model exported to ``path``; None for a task it cannot run."""
    if facts["task"] not in USES:
        return None
    source = TEMPLATE.read_text(encoding="utf-8")
    if FILES_LINE not in source:
        raise RuntimeError("the standalone script template lost its FILES line")
    files_line = f"FILES = {json.dumps(facts['files'])}  # role -> ONNX file beside this script\n"
    filled = source.replace(FILES_LINE, files_line)
    target = script_path(path)
    write_atomically(target, lambda temporary: temporary.write_text(filled, encoding="utf-8"))
    return target

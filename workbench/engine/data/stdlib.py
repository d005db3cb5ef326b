"""The standard library's own source files: text every installation has, for the code demos."""

from __future__ import annotations

import os
import sysconfig
from pathlib import Path

SKIPPED_STDLIB_FOLDERS = frozenset({"test", "tests", "idlelib", "lib2to3", "site-packages"})


def stdlib_modules() -> list[Path]:
    """The standard library's ``.py`` files outside tests and bundled tools, by relative path."""
    root = Path(sysconfig.get_paths()["stdlib"])
    found = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [name for name in subfolders if name not in SKIPPED_STDLIB_FOLDERS]
        found += [Path(folder, name) for name in files if name.endswith(".py")]
    return sorted(found, key=lambda path: path.relative_to(root).as_posix())

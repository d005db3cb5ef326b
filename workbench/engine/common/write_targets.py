"""Checks of where an export will write, made before any work starts, each problem one WorkbenchError."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import WorkbenchError


def check_file_target(path: Path, *, not_to_overwrite: Path | None = None) -> None:
    """Refuse a ``path`` that cannot become a file: a folder, a folder that is missing or not
    writable, or ``not_to_overwrite`` (the project file an export is read from)."""
    if path.is_dir():
        raise WorkbenchError(f"cannot write {path}: it is a folder; name a file")
    if not_to_overwrite is not None and path.resolve() == not_to_overwrite.resolve():
        raise WorkbenchError(f"{path} is the project file itself: choose another name")
    _check_folder_writable(path, path.parent)


def check_new_folder_target(path: Path) -> None:
    """Refuse a ``path`` that cannot become a fresh folder: a file, a folder that already holds
    something, or one inside a folder that cannot be written (missing folders above it are made)."""
    if path.exists() and not path.is_dir():
        raise WorkbenchError(f"cannot write {path}: it is a file; name a folder")
    if path.is_dir():
        if any(path.iterdir()):
            raise WorkbenchError(f"cannot write {path}: the folder is not empty; name a new one")
        return
    existing = next(folder for folder in path.parents if folder.exists())
    if not existing.is_dir():
        raise WorkbenchError(f"cannot write {path}: {existing} is a file, not a folder")
    _check_folder_writable(path, existing)


def _check_folder_writable(path: Path, folder: Path) -> None:
    if not folder.exists():
        raise WorkbenchError(f"cannot write {path}: the folder {folder} does not exist")
    if not folder.is_dir():
        raise WorkbenchError(f"cannot write {path}: {folder} is a file, not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise WorkbenchError(f"cannot write {path}: the folder {folder} is not writable")

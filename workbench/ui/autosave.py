"""Autosave copies of open projects, and finding them again after a crash.

A copy lives in the application's data folder, named after the project file (or "untitled"),
and is deleted when the project is saved or the window closes normally; one still there at
start-up is unsaved work from a session that ended abruptly.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

SUFFIX = ".autosave.h5"


class AutosaveStore:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def path_for(self, project_path: Path | None) -> Path:
        if project_path is None:
            return self.folder / f"untitled{SUFFIX}"
        digest = hashlib.sha1(str(Path(project_path).resolve()).encode()).hexdigest()[:8]
        return self.folder / f"{Path(project_path).stem}-{digest}{SUFFIX}"

    def prepare(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)

    def leftovers(self) -> list[Path]:
        """Autosaves left by sessions that did not close normally, newest first."""
        if not self.folder.is_dir():
            return []
        found = [path for path in self.folder.glob(f"*{SUFFIX}") if path.is_file()]
        return sorted(found, key=lambda path: path.stat().st_mtime, reverse=True)

    def discard(self, project_path: Path | None) -> None:
        self.path_for(project_path).unlink(missing_ok=True)

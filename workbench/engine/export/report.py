"""What an export wrote and how it was checked: what the user is told once it worked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# (what, done, total): the step an export is at, for a progress bar. ``total`` None when unknown.
Progress = Callable[[str, int, int | None], None]


def no_progress(what: str, done: int, total: int | None) -> None:
    """The progress callback of an export nobody watches."""


@dataclass(frozen=True)
class ExportReport:
    """The files an export wrote and the numerical check they passed before they were written."""

    format: str  # "onnx", "torchscript", "safetensors", "lstmvis"
    files: tuple[Path, ...]  # everything written, the main file first
    checks: tuple[str, ...]  # what was compared, one line each, in words
    max_difference: float  # the largest absolute difference any check found
    tolerance: float  # the largest it could have been and still be told it worked

    @property
    def path(self) -> Path:
        return self.files[0]

    def describe(self) -> str:
        """A paragraph for the command line and the Export dialog."""
        written = ", ".join(file.name for file in self.files)
        lines = [
            f"Wrote {written}.",
            *self.checks,
            f"Largest difference {self.max_difference:.1e} (allowed {self.tolerance:.0e}).",
        ]
        return "\n".join(lines)

"""A project's runs side by side, as ``workbench runs`` prints them: a row of facts per run.

What a run records of itself is its name, its cell, the size and parameters of its model, when
it was created ("started" in its meta: when the project or the new model was made, not when
training began) and its series. The run training continues shows its model's as the project
has it; a run from before runs recorded their size shows "—" once another model follows it. Its
wall time is its training time
over all its sessions, pauses left out; a run from before runs recorded it shows "—".

The window's runs table shows the same rows and cells (``row_cells``), so this module needs no
torch: a project is only passed in.
"""

from __future__ import annotations

import datetime
import math
import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..spec import CELL_NAMES, ModelSpec

if TYPE_CHECKING:
    from .project import Project

MISSING = "—"
TEXT_COLUMNS = ("run", "cell", "created")  # read left to right; the other columns are numbers


@dataclass(frozen=True)
class RunRow:
    name: str
    cell: str | None
    size: tuple[int, int] | None  # hidden units, layers
    parameters: int | None
    steps: int
    best_validation: tuple[float, int] | None  # the lowest validation loss, and its step
    rate: float | None  # the median throughput of the run's metrics reports
    created: str | None  # ISO time
    wall_s: float | None = None  # training time over all its sessions; None: not recorded


def run_rows(project: Project) -> list[RunRow]:
    rows = []
    stack = recurrent_stack(project.spec)
    for index, run in enumerate(project.runs):
        current = index == len(project.runs) - 1
        best = _kept_best(project) if current else _lowest_validation(run)
        rows.append(
            RunRow(
                name=run.name,
                cell=stack.cell if current else run.meta.get("cell"),
                size=(stack.hidden_size, stack.num_layers) if current else _recorded_size(run.meta),
                parameters=sum(p.numel() for p in project.model.parameters())
                if current
                else _count(run.meta, "parameters"),
                steps=len(run.steps),
                best_validation=best,
                rate=statistics.median(run.tokens_per_s) if run.tokens_per_s else None,
                created=run.meta.get("started"),
                wall_s=run.wall_s,
            )
        )
    return rows


def _kept_best(project: Project) -> tuple[float, int] | None:
    """The current run's best: the one the project keeps (and sample, write and export use)."""
    best = project.best
    return (best.val_loss, best.step) if best is not None else None


def _lowest_validation(run) -> tuple[float, int] | None:
    """An earlier run's lowest validation loss among those of one scope: its periodic (quick)
    validations when it had any, else its whole-split ones; never a NaN."""
    scored = [(loss, step, whole) for loss, step, whole in zip(run.val_losses, run.val_steps, run.val_whole)]
    quick = [(loss, step) for loss, step, whole in scored if not whole and math.isfinite(loss)]
    whole = [(loss, step) for loss, step, whole in scored if whole and math.isfinite(loss)]
    lowest = min(quick or whole, key=lambda pair: pair[0], default=None)
    return (float(lowest[0]), int(lowest[1])) if lowest is not None else None


def format_run_table(rows: list[RunRow], counts: str = "tokens") -> str:
    """The rows as a text table, numbers right-aligned; "—" where a run does not record a fact."""
    header = table_header(counts)
    lines = [header, *(row_cells(row) for row in rows)]
    widths = [max(len(line[column]) for line in lines) for column in range(len(header))]
    left = {i for i, name in enumerate(header) if name in TEXT_COLUMNS}  # the rest are numbers
    return "\n".join(
        "  ".join(
            cell.ljust(width) if i in left else cell.rjust(width) for i, (cell, width) in enumerate(zip(line, widths))
        ).rstrip()
        for line in lines
    )


def table_header(counts: str = "tokens") -> tuple[str, ...]:
    """The columns' names; ``counts`` is what the throughput counts (``run_metrics.throughput_counts``)."""
    numbers = ("size", "parameters", "steps", "best val loss", "at step", f"{counts}/s", "wall time")
    return ("run", "cell", *numbers, "created")


def row_cells(row: RunRow) -> tuple[str, ...]:
    """A row's facts as text, a cell for each column of ``table_header``."""
    best = row.best_validation
    return (
        row.name,
        CELL_NAMES.get(row.cell, row.cell) if row.cell else MISSING,
        f"{row.size[0]} × {row.size[1]}" if row.size else MISSING,
        f"{row.parameters:,}" if row.parameters is not None else MISSING,
        f"{row.steps:,}",
        f"{best[0]:.3f}" if best else MISSING,
        f"{best[1]:,}" if best else MISSING,
        _rate_text(row.rate),
        wall_time_text(row.wall_s),
        _created_text(row.created),
    )


def wall_time_text(seconds: float | None) -> str:
    """'45 s', '12 min 05 s', '3 h 07 min'; "—" when not recorded."""
    if seconds is None:
        return MISSING
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


def _count(meta: dict, name: str) -> int | None:
    """A whole number a run recorded of itself; None for runs from before it did (or a damaged one)."""
    value = meta.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _recorded_size(meta: dict) -> tuple[int, int] | None:
    hidden, layers = _count(meta, "hidden_size"), _count(meta, "layers")
    return None if hidden is None or layers is None else (hidden, layers)


def recurrent_stack(spec: ModelSpec):
    """The stack a model's size is told by: the encoder, or the decoder behind a picture's CNN."""
    return spec.decoder if spec.image_encoder is not None and spec.decoder is not None else spec.encoder


def _rate_text(rate: float | None) -> str:
    if rate is None:
        return MISSING
    return f"{rate / 1000:.1f}k" if rate >= 1000 else f"{rate:.0f}"


def _created_text(created: str | None) -> str:
    if created is None:
        return MISSING
    try:
        return datetime.datetime.fromisoformat(str(created)).strftime("%Y-%m-%d %H:%M")
    except ValueError:  # a file's own words for it, shown as they are
        return str(created)

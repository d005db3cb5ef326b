"""A project's runs as one tidy CSV: a row per run, step and metric (``run,step,metric,value``).

Long rather than wide: the metrics are logged at different steps (the loss every step, the
throttled metrics every fraction of a second, validations every few hundred), so a row per step
would be mostly empty cells, and a column per layer's gradient norm would change with the model.
In pandas, ``pd.read_csv(path)`` reads it as it is, ``df.pivot_table(index=["run", "step"],
columns="metric", values="value")`` makes it wide, and seaborn plots it with ``hue="run"``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ..common.atomic import write_atomically
from ..common.errors import WorkbenchError
from .history import RunHistory
from .run_metrics import metric_points

CSV_COLUMNS = ("run", "step", "metric", "value")


def write_runs_csv(runs: Iterable[RunHistory], path: Path, counts: str = "tokens") -> int:
    """Write every metric of ``runs`` to ``path`` atomically; the number of values written.

    A value is written as the project file keeps it, a float32, in the fewest digits that read
    back as the same float32 (0.002, not 0.0020000000949949026).
    """
    written = 0

    def write(temporary: Path) -> None:
        nonlocal written
        with temporary.open("w", encoding="utf-8", newline="") as stream:
            rows = csv.writer(stream)
            rows.writerow(CSV_COLUMNS)
            for run in runs:
                for point in metric_points(run, counts):
                    rows.writerow((run.name, point.step, point.metric, str(np.float32(point.value))))
                    written += 1

    try:
        write_atomically(path, write)
    except OSError as error:
        raise WorkbenchError(f"cannot write {error.filename or path}: {error.strerror or error}") from None
    return written

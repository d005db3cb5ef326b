"""What training left in a project file — runs and samples — checked as it is read.

The window draws these without a second look: a run's columns of different lengths or a sample
whose text is a number would fail inside a widget, long after the file was opened. Each is
checked here for its types, shapes and ranges, and a file that breaks one is refused with a
ProjectError naming the part (probe_record does the same for the latest probe snapshot).
"""

from __future__ import annotations

from ..common.errors import ProjectError
from ..common.stored_values import is_finite_number, is_whole
from ..events import SampleGenerated
from ..training.history import RunHistory
from .project_file import Run

# Columns of a run that go together, one row a step, a metrics report or a validation.
RUN_COLUMNS = (
    ("step", "loss", "lr"),
    ("metric_step", "tokens_per_s", "grad_norm"),
    ("val_step", "val_loss", "val_accuracy", "val_whole"),
)
LAYER_NORM_PREFIX = "grad_norm/"  # one more column of metrics reports per layer


def run_history(run: Run) -> RunHistory:
    """A stored run as a RunHistory: known columns, 1-D numbers, each group of equal length."""
    where = f"runs/{run.name}"
    known = {name for group in RUN_COLUMNS for name in group}
    for name, column in run.series.items():
        if name not in known and not name.startswith(LAYER_NORM_PREFIX):
            raise ProjectError(f"{where} has an unknown column {name!r}")
        if column.ndim != 1 or column.dtype.kind not in "iuf":
            raise ProjectError(f"{where}/{name} is not a column of numbers")
    layer_norms = tuple(name for name in run.series if name.startswith(LAYER_NORM_PREFIX))
    for group in RUN_COLUMNS:
        columns = [name for name in group + (layer_norms if group[0] == "metric_step" else ()) if name in run.series]
        lengths = {len(run.series[name]) for name in columns}
        if len(lengths) > 1:
            raise ProjectError(f"{where}'s columns {', '.join(columns)} differ in length")
        if columns and group[0] not in columns:
            raise ProjectError(f"{where} has {columns[0]} but no {group[0]}")
    return RunHistory.from_series(run.name, run.meta, run.series)


def sample_from_json(item) -> SampleGenerated:
    """A stored sample: a step, its text, the temperature and the priming text."""
    if not (
        isinstance(item, dict)
        and set(item) == {"step", "text", "temperature", "prime"}
        and is_whole(item["step"])
        and isinstance(item["text"], str)
        and isinstance(item["prime"], str)
        and is_finite_number(item["temperature"])
        and item["temperature"] >= 0
    ):
        raise ProjectError("a stored sample is damaged (samples hold a step, a text, a temperature and a prime)")
    return SampleGenerated(item["step"], item["text"], float(item["temperature"]), item["prime"])


def sample_to_json(sample: SampleGenerated) -> dict:
    return {"step": sample.step, "text": sample.text, "temperature": sample.temperature, "prime": sample.prime}

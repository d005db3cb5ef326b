"""A project's runs as TensorBoard event files, one folder a run, through torch's ``SummaryWriter``.

``torch.utils.tensorboard`` needs the ``tensorboard`` package, which the workbench does not
require: ``summary_writer_class`` says how to install it where it is missing. Each run's folder
holds its scalars under the names of ``run_metrics`` (``train_loss``, ``val_loss``,
``learning_rate``, ``tokens_per_s``, ``grad_norm``, ``grad_norm/LAYER``...) and its model in
words as text; the run training continues also holds the model's whole spec, as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from ..common.errors import WorkbenchError
from .history import RunHistory
from .run_metrics import metric_points

INSTALL_TENSORBOARD = "TensorBoard files need the tensorboard package: install it with `pip install tensorboard`"
NOT_PLOTTED = {"val_whole"}  # a flag of each validation, kept in the CSV; not a curve


def summary_writer_class() -> Callable:
    """torch's ``SummaryWriter``, or a WorkbenchError saying how to install what it needs."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:  # torch.utils.tensorboard imports the tensorboard package on import
        raise WorkbenchError(INSTALL_TENSORBOARD) from None
    return SummaryWriter


def write_runs_tensorboard(
    runs: Sequence[RunHistory],
    folder: Path,
    make_writer: Callable,
    *,
    counts: str = "tokens",
    spec: dict | None = None,
) -> list[Path]:
    """Write each run's events to ``folder/RUN`` with writers ``make_writer(log_dir=...)`` makes
    (``summary_writer_class()``, or a stand-in); ``spec`` goes with the last run. The run folders."""
    written = []
    try:
        for index, run in enumerate(runs):
            run_folder = folder / run.name
            writer = make_writer(log_dir=str(run_folder))
            try:
                for point in metric_points(run, counts):
                    if point.metric not in NOT_PLOTTED:
                        writer.add_scalar(point.metric, point.value, point.step)
                if run.meta.get("model"):
                    writer.add_text("model", str(run.meta["model"]))
                if spec is not None and index == len(runs) - 1:
                    writer.add_text("spec", _as_code(json.dumps(spec, indent=2)))
            finally:
                writer.close()
            written.append(run_folder)
    except OSError as error:
        raise WorkbenchError(f"cannot write {error.filename or folder}: {error.strerror or error}") from None
    return written


def _as_code(text: str) -> str:
    """``text`` as a Markdown code block, which TensorBoard's text tab shows as written."""
    return "\n".join("    " + line for line in text.splitlines())

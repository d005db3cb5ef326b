"""The ``runs`` command: a project's runs as a table, and their metrics as CSV or TensorBoard files.

Where the files are to go (and whether TensorBoard can be written at all) is checked before the
project is read, so a bad option costs nothing and leaves nothing behind.
"""

from __future__ import annotations

from ..engine.common.write_targets import check_file_target, check_new_folder_target
from ..engine.project.project import Project
from ..engine.project.run_table import format_run_table, run_rows
from ..engine.scoring.counted_baselines import summary_lines
from ..engine.training.run_csv import write_runs_csv
from ..engine.training.run_metrics import throughput_counts
from ..engine.training.run_tensorboard import summary_writer_class, write_runs_tensorboard


def cmd_runs(args) -> int:
    make_writer = summary_writer_class() if args.tensorboard is not None else None
    if args.csv is not None:
        check_file_target(args.csv, not_to_overwrite=args.project)
    if args.tensorboard is not None:
        check_new_folder_target(args.tensorboard)
    project = Project.open(args.project)
    counts = throughput_counts(project.spec, project.corpus)
    print(format_run_table(run_rows(project), counts))
    counted = project.corpus.description.get("counted_baselines")
    if counted:  # beside the best val losses, in their nats
        print("Counting alone: " + "\n  ".join(summary_lines(counted)))
    runs = f"{len(project.runs)} run{'s' if len(project.runs) != 1 else ''}"
    if args.csv is not None:
        values = write_runs_csv(project.runs, args.csv, counts)
        print(f"Wrote {args.csv}: {values:,} values of {runs}, a row per run, step and metric")
    if make_writer is not None:
        write_runs_tensorboard(project.runs, args.tensorboard, make_writer, counts=counts, spec=project.spec.to_dict())
        folder = args.tensorboard
        print(f"Wrote TensorBoard events of {runs} to {folder}; see them with: tensorboard --logdir {folder}")
    return 0

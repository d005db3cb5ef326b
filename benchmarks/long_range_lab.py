"""The long-range lab from the command line: RNN, LSTM and GRU on the adding problem (or the copy
task) at several lags, each trained on the same sequences, and whether each learned the task.

"Learned" means a validation loss below a tenth of the trivial baseline's (always answering 1.0
for the adding problem, MSE ≈ 1/6; guessing among the symbols for the copy task, log A). A run
stops once it has learned, or after ``--steps``. With ``--clip 0`` a run may diverge instead: the
trainer stops at the first non-finite loss or gradient and the table says so.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/long_range_lab.py [--lags 10,50,100] [--steps 2000]
"""

from __future__ import annotations

import argparse
import time

from workbench.engine.data.memory_tasks import AddingProblem, CopyTask
from workbench.engine.model.templates import from_template
from workbench.engine.project.project import Project
from workbench.engine.spec import RecurrentSpec
from workbench.engine.training.config import TrainConfig

LEARNED_FRACTION = 0.1  # of the baseline loss


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", default="adding", choices=("adding", "copy"))
    parser.add_argument("--lags", default="10,50,100", help="lags T, comma-separated")
    parser.add_argument("--cells", default="rnn,lstm,gru")
    parser.add_argument("--steps", type=int, default=2000, help="most training steps per run")
    parser.add_argument("--check-every", type=int, default=100, help="steps between validations")
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--optimizer", default="adam", choices=("adam", "rmsprop", "sgd"))
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--clip", type=float, default=1.0, help="largest gradient norm; 0 turns clipping off")
    parser.add_argument("--seed", type=int, default=1234, help="initial weights and training sequences")
    parser.add_argument("--symbols", type=int, default=3, help="copy task: symbols to remember (default 3)")
    return parser.parse_args()


def make_task(name: str, lag: int, symbols: int):
    return AddingProblem.generate(lag) if name == "adding" else CopyTask.generate(lag, symbols=symbols)


def train_one(task, cell: str, args: argparse.Namespace) -> str:
    """Train until learned or out of steps; one line of the table."""
    spec = from_template("stacked", task.task(), RecurrentSpec(cell, args.hidden, 1))
    config = TrainConfig(
        batch_size=args.batch_size,
        seq_len=task.lag,
        optimizer=args.optimizer,
        learning_rate=args.lr,
        grad_clip=args.clip,
        val_every=args.check_every,
        val_batches=0,
        probe_every=0,
        sample_every=0,
        seed=args.seed,
        device="cpu",
    )
    project = Project.create(spec, task, config)
    baseline = task.stats()["baseline_loss"]
    trainer, history = project.trainer(), project.history
    started, verdict = time.perf_counter(), "not learned"
    while trainer.step < args.steps:
        outcome = trainer.run(args.check_every)
        if outcome.reason == "failed":
            verdict = f"diverged at step {outcome.step + 1}"
            break
        if history.val_losses[-1] < LEARNED_FRACTION * baseline:
            verdict = f"learned by step {trainer.step}"
            break
    best = min(history.val_losses, default=float("nan"))
    last = history.val_losses[-1] if history.val_losses else float("nan")
    largest_gradient = max(history.grad_norms, default=float("nan"))  # before clipping, sampled every 0.1 s
    return (
        f"{task.lag:>5} {cell:>5} {trainer.step:>6} {last:>10.4f} {best:>10.4f} {best / baseline:>9.3f} "
        f"{largest_gradient:>9.3g}  {verdict:<22} {time.perf_counter() - started:>5.0f} s"
    )


def main() -> None:
    args = parse_arguments()
    cells = args.cells.split(",")
    print(
        f"{args.task}: hidden {args.hidden}, batch {args.batch_size}, {args.optimizer} {args.lr}, "
        f"clip {args.clip or 'off'}"
    )
    print(
        f"{'T':>5} {'cell':>5} {'steps':>6} {'val loss':>10} {'best':>10} {'/baseline':>9} {'max grad':>9}  "
        f"{'':<22} {'time':>7}"
    )
    for lag in (int(text) for text in args.lags.split(",")):
        task = make_task(args.task, lag, args.symbols)  # one task per lag: every cell meets the same sequences
        print(f"  baseline loss {task.stats()['baseline_loss']:.4f} ({task.stats()['baseline']})")
        for cell in cells:
            print(train_one(task, cell, args), flush=True)


if __name__ == "__main__":
    main()

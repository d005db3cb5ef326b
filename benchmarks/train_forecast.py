"""Train a forecaster on the weather demo and score its forecasts against the naive last value.

The model is trained one step ahead on random windows of the training part (the first 90 % of
three years of hourly temperature and humidity); each forecast then reads ``--history`` steps
and feeds its own predictions back for up to the longest horizon. The ratio is the model's mean
absolute error over that of holding the last value, both columns normalised: below 1 beats it.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/train_forecast.py [--steps 3000] [--cell lstm]
"""

from __future__ import annotations

import argparse
import time

from workbench.engine.data.series import load_weather_demo
from workbench.engine.model.templates import from_template
from workbench.engine.project.project import Project
from workbench.engine.scoring.forecast_scores import evaluate_forecast
from workbench.engine.spec import RecurrentSpec
from workbench.engine.training.config import TrainConfig


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=3000, help="training steps")
    parser.add_argument("--report-every", type=int, default=500, help="steps between validation lines")
    parser.add_argument("--cell", default="lstm", choices=("rnn", "lstm", "gru"))
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seq-len", type=int, default=96, help="window length (hours) in training")
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--history", type=int, default=96, help="steps each forecast reads first")
    parser.add_argument("--horizons", default="1,6,24,72", help="forecast lengths to score, comma-separated")
    parser.add_argument("--windows", type=int, default=256, help="forecasts scored per horizon")
    parser.add_argument("--seed", type=int, default=1234)
    return parser.parse_args()


def main() -> None:
    args = parse_arguments()
    corpus = load_weather_demo()
    spec = from_template("stacked", corpus.task(), RecurrentSpec(args.cell, args.hidden, args.layers))
    config = TrainConfig(
        batch_size=args.batch_size,
        seq_len=args.seq_len,
        learning_rate=args.lr,
        val_every=args.report_every,
        val_batches=0,
        probe_every=0,
        sample_every=0,
        seed=args.seed,
        device="cpu",
    )
    project = Project.create(spec, corpus, config)
    print(f"{spec.describe()}; {corpus.stats()['train_steps']} training hours, {corpus.stats()['val_steps']} held out")
    started = time.perf_counter()
    trainer = project.trainer()
    while trainer.step < args.steps:
        trainer.run(min(args.report_every, args.steps - trainer.step))
        history = project.history
        loss = f"{history.val_losses[-1]:.4f}" if history.val_steps else "-"
        print(
            f"step {trainer.step:5d}  train {history.recent_loss():.4f}  validation {loss}  "
            f"({time.perf_counter() - started:.0f} s)"
        )
    print(f"\nforecasts from {args.history} hours of history, {args.windows} starts in the held-out part")
    titles = "   ".join(f"{name + ' MAE model / naive':>30}" for name in corpus.columns)
    print(f"{'horizon':>8} {'ratio':>6}   {titles}")
    for horizon in (int(text) for text in args.horizons.split(",")):
        scores = evaluate_forecast(project.model, corpus, horizon, args.history, args.windows)
        errors = "   ".join(
            f"{model:>14.3f} / {naive:<13.3f}" for model, naive in zip(scores.model_mae, scores.naive_mae)
        )
        print(f"{horizon:>7}h {scores.ratio:>6.2f}   {errors}")


if __name__ == "__main__":
    main()

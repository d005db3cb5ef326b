"""Train the dates demo (dates as people write them -> ISO 8601) with and without attention.

Each template trains through the engine's own ``Project`` and ``Trainer``, then is scored on
the validation pairs by exact match and character BLEU, decoding greedily and with a beam.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/train_dates.py --steps 2000
"""

from __future__ import annotations

import argparse
import time

from workbench.engine.data.pairs import load_dates_demo
from workbench.engine.inference.translation import translate
from workbench.engine.model.sequence_models import count_parameters
from workbench.engine.model.templates import TEMPLATES, from_template
from workbench.engine.project.project import Project
from workbench.engine.scoring.decoded_outputs import evaluate_translation
from workbench.engine.spec import RecurrentSpec
from workbench.engine.training.config import TrainConfig

EXAMPLES = ("Sunday, 22 November 2026", "22/11/26", "Nov 22nd 2026", "11/22/2026", "the 3rd of may, 1961")


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--templates", nargs="+", default=["attention", "encoder-decoder"], choices=list(TEMPLATES))
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--cell", default="lstm", choices=["rnn", "lstm", "gru"])
    parser.add_argument("--hidden", type=int, default=64, help="units per layer and direction")
    parser.add_argument("--embedding", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--pairs", type=int, default=20_000, help="generated pairs, a tenth kept for validation")
    parser.add_argument("--greedy-limit", type=int, default=2000, help="validation pairs scored greedily")
    parser.add_argument("--beam-limit", type=int, default=300, help="validation pairs scored with the beam")
    parser.add_argument("--beam-width", type=int, default=4)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=1234)
    return parser.parse_args()


def train_and_score(template: str, corpus, args: argparse.Namespace) -> None:
    spec = from_template(template, corpus.task(args.embedding), RecurrentSpec(args.cell, args.hidden))
    config = TrainConfig(
        batch_size=args.batch_size,
        seq_len=64,
        learning_rate=args.learning_rate,
        schedule="cosine",
        decay_steps=args.steps,
        val_every=0,
        probe_every=0,
        sample_every=0,
        device=args.device,
        seed=args.seed,
    )
    project = Project.create(spec, corpus, config)
    trainer = project.trainer()
    print(f"\n{template}: {project.spec.describe()}, {count_parameters(project.model):,} parameters", flush=True)
    started = time.perf_counter()
    trainer.run(args.steps)
    train_s = time.perf_counter() - started
    validation = trainer.validate()
    print(
        f"  {args.steps} steps in {train_s:.0f} s ({1000 * train_s / args.steps:.1f} ms a step); "
        f"training loss {trainer.history.recent_loss():.4f}, validation loss {validation.loss:.4f} nats/char"
    )
    for beam_width, limit in ((1, args.greedy_limit), (args.beam_width, args.beam_limit)):
        started = time.perf_counter()
        scores = evaluate_translation(project.model, corpus, "val", beam_width, limit)
        print(
            f"  beam {beam_width}: exact match {scores.exact_match:.3f}, word BLEU {100 * scores.word_bleu:.1f} "
            f"on {scores.count} validation pairs ({time.perf_counter() - started:.1f} s)"
        )
    for text in EXAMPLES:
        print(f"    {text!r} -> {translate(project.model, corpus, text).output!r}")


def main() -> None:
    args = parse_arguments()
    corpus = load_dates_demo(args.pairs)
    print(f"dates demo: {corpus.stats()}")
    for template in args.templates:
        train_and_score(template, corpus, args)


if __name__ == "__main__":
    main()

"""Train the captioned-scenes demo (Show, Attend and Tell on generated pictures) and score it.

The model trains through the engine's own ``Project`` and ``Trainer``, then is scored on the
validation pictures by exact match and word BLEU, greedily and with a beam. For the words that
name a shape (its colour and its kind) the script checks where attention looked: whether the
most-attended grid cell holds pixels of the colour the caption names. One example caption is
printed with its attention map per word.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/train_captions.py --steps 2500
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from workbench.engine.data.scene_drawing import COLOURS, SHAPES
from workbench.engine.data.scenes import load_scenes_demo
from workbench.engine.inference.captions import Caption, caption
from workbench.engine.model.sequence_models import count_parameters
from workbench.engine.model.templates import captioning
from workbench.engine.project.project import Project
from workbench.engine.scoring.decoded_outputs import evaluate_captions
from workbench.engine.spec import ImageEncoderSpec, RecurrentSpec
from workbench.engine.training.config import TrainConfig

COLOUR_DISTANCE = 70  # a pixel within this (RGB, Euclidean) of a colour word's RGB has that colour
SHADES = " .:-=+*#%@"  # attention maps in text, light to heavy


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=2500)
    parser.add_argument("--hidden", type=int, default=128, help="decoder LSTM units")
    parser.add_argument("--embedding", type=int, default=32)
    parser.add_argument("--channels", type=int, nargs="+", default=[16, 32, 64], help="CNN block widths")
    parser.add_argument("--no-coordinates", action="store_true", help="leave out the CoordConv channels")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--scenes", type=int, default=6000, help="generated scenes, a tenth kept for validation")
    parser.add_argument("--beam-width", type=int, default=3)
    parser.add_argument("--beam-limit", type=int, default=200, help="validation pictures scored with the beam")
    parser.add_argument("--examples", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=1234)
    return parser.parse_args()


def looked_at_the_shape(result: Caption, side: int) -> tuple[int, int]:
    """(words whose most-attended cell holds pixels of the colour named, words that name a shape)."""
    hits = named = 0
    colour = None
    cell = result.image.shape[0] // side
    for word, weights in zip(result.words, result.attention):
        if word in COLOURS:
            colour = word
        if colour is None or word not in COLOURS and word not in SHAPES:
            continue
        row, column = np.unravel_index(int(weights.argmax()), weights.shape)
        patch = result.image[row * cell : (row + 1) * cell, column * cell : (column + 1) * cell].astype(int)
        distance = np.linalg.norm(patch - np.array(COLOURS[colour]), axis=-1)
        hits += bool((distance < COLOUR_DISTANCE).any())
        named += 1
        if word in SHAPES:
            colour = None
    return hits, named


def show_example(result: Caption, reference: str) -> None:
    print(f"    model: {result.text!r} (log p {result.log_prob:.3f}); reference: {reference!r}")
    side = result.attention.shape[1]
    for word, weights in zip(result.words, result.attention):
        row, column = np.unravel_index(int(weights.argmax()), weights.shape)
        rows = [
            "".join(SHADES[min(len(SHADES) - 1, int(w * len(SHADES) / weights.max()))] for w in line)
            for line in weights
        ]
        print(
            f"      {word:>9}: most on cell (row {row}, column {column}) of {side}×{side}, "
            f"weight {weights.max():.2f}   |{'|'.join(rows)}|"
        )


def main() -> None:
    args = parse_arguments()
    torch.manual_seed(args.seed)
    started = time.perf_counter()
    corpus = load_scenes_demo(args.scenes)
    print(f"scenes demo ({time.perf_counter() - started:.1f} s to draw): {corpus.stats()}")
    cnn = ImageEncoderSpec(tuple(args.channels), coordinates=not args.no_coordinates)
    spec = captioning(corpus.task(args.embedding), RecurrentSpec("lstm", args.hidden), cnn).check()
    config = TrainConfig(
        batch_size=args.batch_size,
        seq_len=corpus.longest + 1,
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
    print(
        f"{project.spec.describe()}, {count_parameters(project.model):,} parameters, "
        f"{torch.get_num_threads()} thread(s)",
        flush=True,
    )
    started = time.perf_counter()
    trainer.run(args.steps)
    train_s = time.perf_counter() - started
    validation = trainer.validate()
    epochs = args.steps / trainer.train_batches.batches_per_epoch
    print(
        f"  {args.steps} steps ({epochs:.1f} epochs) in {train_s:.0f} s ({1000 * train_s / args.steps:.1f} ms a "
        f"step); training loss {trainer.history.recent_loss():.4f}, validation loss {validation.loss:.4f} nats/word"
    )
    for beam_width, limit in ((1, None), (args.beam_width, args.beam_limit)):
        started = time.perf_counter()
        scores = evaluate_captions(project.model, corpus, "val", limit, beam_width)
        print(
            f"  beam {beam_width}: exact match {scores.exact_match:.3f}, word BLEU {100 * scores.word_bleu:.1f} "
            f"on {scores.count} validation pictures ({time.perf_counter() - started:.1f} s)"
        )
    side = project.model.grid_side
    hits = named = 0
    for index in range(len(corpus.images("val"))):
        found, words = looked_at_the_shape(caption(project.model, corpus, index), side)
        hits, named = hits + found, named + words
    print(
        f"  attention: for {hits / named:.1%} of the {named} colour and shape words written on the validation "
        f"pictures the most-attended cell holds pixels of the colour named"
    )
    references = corpus.caption_texts("val")
    for index in range(args.examples):
        print(f"  validation scene {index}:")
        show_example(caption(project.model, corpus, index), references[index])


if __name__ == "__main__":
    main()

"""The ``workbench`` command line: its commands and their options, each number with its range."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..engine.data import DEFAULT_DEMO, DEMOS
from ..engine.data.memory_tasks import MAX_LAG, MAX_SYMBOLS, AddingProblem, CopyTask
from ..engine.data.text_streaming import MAX_WORDS
from ..engine.export import FORMATS
from ..engine.inference.sampling_options import MAX_LENGTH, MAX_REPETITION_PENALTY
from ..engine.inference.writing import MAX_BIAS
from ..engine.model.templates import TEMPLATES
from ..engine.spec import CELLS, MAX_HIDDEN_SIZE, MAX_LAYERS
from ..engine.training.config import DEVICES, MAX_COUNT
from .options import OptionParser, float_in, int_in, seed, temperature

MAX_SAMPLES = 1_000  # one command's samples: 300,000 tokens at the default length, minutes of writing
MAX_STEPS = 10_000_000  # as the window's steps box
MAX_MINUTES = 10_000_000  # a time limit of about 19 years: any longer is none
MAX_PROCESSES = 1_024  # processes on one machine: more than any has cores or GPUs


def build_parser() -> argparse.ArgumentParser:
    parser = OptionParser(
        prog="workbench",
        description="Sequence Workbench: recurrent sequence models. With no command, opens the window.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    commands.add_parser("demos", help="list the built-in demos")

    new = commands.add_parser("new", help="create a project")
    new.add_argument("project", type=Path, help="the project file to create (.h5)")
    source = new.add_mutually_exclusive_group(required=True)
    source.add_argument("--demo", choices=sorted(DEMOS), help="a built-in demo data set")
    source.add_argument("--text", type=Path, metavar="FILE", help="a UTF-8 text file (language model)")
    source.add_argument("--lines", type=Path, metavar="FILE", help="a file of one item a line (names)")
    source.add_argument(
        "--table",
        type=Path,
        metavar="FILE",
        help="a CSV or TSV of texts and their classes (with --text-column and --label-column)",
    )
    source.add_argument("--conll", type=Path, metavar="FILE", help="tagged tokens: token TAB tag, sentences apart")
    source.add_argument("--pairs", type=Path, metavar="FILE", help="translation pairs: source TAB target a line")
    source.add_argument("--series", type=Path, metavar="FILE", help="a CSV time series, one row a step")
    source.add_argument(
        "--adding",
        type=int_in(AddingProblem.shortest_lag, MAX_LAG),
        metavar="T",
        help="the long-range lab's adding problem at lag T",
    )
    source.add_argument(
        "--copy",
        type=int_in(CopyTask.shortest_lag, MAX_LAG),
        metavar="T",
        help="the long-range lab's copy task at lag T",
    )
    new.add_argument(
        "--level", choices=("char", "word"), default="char", help="tokens of --text, --table or --pairs (default char)"
    )
    new.add_argument(
        "--max-vocab",
        type=int_in(1, MAX_WORDS),
        default=None,
        metavar="N",
        help="--text at word level: keep the N most frequent words, the rest become <unk> (default 10,000)",
    )
    new.add_argument("--text-column", help="--table: the column holding the texts")
    new.add_argument("--label-column", help="--table: the column holding the classes")
    new.add_argument("--columns", help="--series: the columns to model, comma-separated (default: the numeric ones)")
    new.add_argument(
        "--delimiter",
        default=None,
        help="--table, --series: the field separator: a character, or tab, comma, semicolon, pipe "
        "(default: guessed from the file)",
    )
    new.add_argument("--encoding", default=None, help="the file's text encoding, e.g. latin-1 (default UTF-8)")
    new.add_argument(
        "--val-fraction",
        type=float_in(0, 1, above_lo=True, below_hi=True),
        default=0.1,
        help="the share of the data held out for validation (default 0.1)",
    )
    new.add_argument(
        "--fill",
        choices=("forward", "linear", "drop"),
        default=None,
        help="--series: fill empty cells with the last value, a straight line between neighbours, or "
        "drop their rows (default: a gap is refused, naming its line)",
    )
    new.add_argument(
        "--differencing",
        action="store_true",
        help="--series: model the step-to-step changes (for a trending series); forecasts are "
        "added back up into the series' own units",
    )
    new.add_argument(
        "--token-column",
        default="form",
        help="--conll: the token column of a CoNLL-U file, form or lemma (default form)",
    )
    new.add_argument(
        "--tag-column",
        default="upos",
        help="--conll: the tag column of a CoNLL-U file, upos, xpos or deprel (default upos)",
    )
    new.add_argument(
        "--symbols", type=int_in(1, MAX_SYMBOLS), default=3, help="--copy: symbols to remember (default 3)"
    )
    _add_model_options(new)
    new.add_argument("--force", action="store_true", help="overwrite an existing file")

    train = commands.add_parser("train", help="train a project, saving as it goes")
    train.add_argument("project", type=Path)
    _add_training_options(train)
    train.add_argument(
        "--seed",
        type=seed,
        default=None,
        help="a repeatable run: weights (before the first step), data order and dropout from this seed",
    )
    train.add_argument(
        "--processes",
        type=int_in(1, MAX_PROCESSES),
        default=1,
        help="train one run with K processes on this machine, started through torchrun (default 1)",
    )

    sample = commands.add_parser("sample", help="write text with a project's model")
    sample.add_argument("project", type=Path)
    sample.add_argument("--prime", default="", help="text the model reads before writing")
    sample.add_argument("--temperature", type=temperature, default=0.8, help="0 is greedy (default 0.8)")
    sample.add_argument("--top-k", type=int_in(0), default=0, help="keep the k likeliest tokens (default all)")
    sample.add_argument("--length", type=int_in(1, MAX_LENGTH), default=300, help="tokens to write (default 300)")
    sample.add_argument("--count", type=int_in(1, MAX_SAMPLES), default=1, help="how many samples (default 1)")
    sample.add_argument(
        "--repetition-penalty",
        type=float_in(1, MAX_REPETITION_PENALTY),
        default=1.0,
        metavar="THETA",
        help="divide the scores of tokens written in the last 64 by THETA (CTRL's penalty): greedy "
        "or cold sampling follows the likeliest token, and after a run of spaces that is often "
        "another space, so it loops; 1.2 breaks such loops (default 1, off)",
    )
    sample.add_argument("--seed", type=seed, default=None, help="repeatable samples")
    _add_weights_option(sample)

    pen = commands.add_parser("write", help="write typed text in handwriting, as SVG (a handwriting project)")
    pen.add_argument("project", type=Path)
    pen.add_argument("text", nargs="?", default="", help="what to write (a prediction model writes on without text)")
    pen.add_argument("--out", type=Path, required=True, metavar="FILE.svg", help="the SVG file to write")
    pen.add_argument(
        "--bias",
        type=float_in(0, MAX_BIAS),
        default=1.0,
        help="sampling bias: 0 writes as varied as the data, higher is neater (default 1)",
    )
    pen.add_argument(
        "--prime-line",
        type=int_in(0),
        default=None,
        metavar="N",
        help="write in the hand of training line N (its strokes and text prime the model)",
    )
    pen.add_argument("--seed", type=seed, default=None, help="repeatable writing")
    _add_weights_option(pen)

    export = commands.add_parser("export", help="export a trained model, checked against the project's own")
    export.add_argument("project", type=Path)
    export.add_argument(
        "--format",
        choices=tuple(FORMATS),
        default=None,
        help="; ".join(f"{fmt.name}: {fmt.summary}" for fmt in FORMATS.values())
        + " (default: from the suffix of --out)",
    )
    export.add_argument("-o", "--out", type=Path, required=True, metavar="FILE")
    export.add_argument(
        "--text-file",
        type=Path,
        default=None,
        metavar="FILE",
        help="lstmvis: the text to run the model over (default: a stretch of the validation text)",
    )
    _add_weights_option(export)

    evaluate_command = commands.add_parser(
        "evaluate", help="score a project's model on its whole validation split, beside its task's baselines"
    )
    evaluate_command.add_argument("project", type=Path)
    evaluate_command.add_argument("--json", action="store_true", help="machine-readable output")

    info = commands.add_parser("info", help="summarise a project")
    info.add_argument("project", type=Path)
    info.add_argument("--json", action="store_true", help="machine-readable output")

    runs = commands.add_parser("runs", help="list a project's runs; write their metrics as CSV or TensorBoard files")
    runs.add_argument("project", type=Path)
    runs.add_argument(
        "--csv", type=Path, metavar="FILE", help="every logged metric of every run: a row per run, step and metric"
    )
    runs.add_argument(
        "--tensorboard",
        type=Path,
        metavar="DIR",
        help="TensorBoard event files, a folder per run, in a new or empty DIR (needs the tensorboard package)",
    )

    window = commands.add_parser("open", help="open a project in the window")
    window.add_argument("project", type=Path)

    demo = commands.add_parser("demo", help="create (or continue) a demo project, train it and sample")
    demo.add_argument("name", nargs="?", default=DEFAULT_DEMO, choices=sorted(DEMOS))
    demo.add_argument("--project", type=Path, default=None, help="where to keep it (default NAME.h5)")
    _add_training_options(demo)
    return parser


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    """Ranges: hidden size, layers and dropout as the spec checks them; embedding, batch size,
    sequence length and learning rate as the window offers them."""
    parser.add_argument("--template", choices=sorted(TEMPLATES), default=None, help="default: the demo's, else stacked")
    parser.add_argument("--cell", choices=CELLS, default="lstm")
    parser.add_argument(
        "--hidden",
        type=int_in(1, MAX_HIDDEN_SIZE),
        default=None,
        help="units per layer (default: the demo's, else 256)",
    )
    parser.add_argument(
        "--layers", type=int_in(1, MAX_LAYERS), default=None, help="stacked layers (default: the demo's, else 2)"
    )
    parser.add_argument("--embedding", type=int_in(1, 4096), default=64, help="embedding width (default 64)")
    parser.add_argument(
        "--dropout", type=float_in(0, 1, below_hi=True), default=0.0, help="dropout between layers (default 0)"
    )
    parser.add_argument("--batch-size", type=int_in(1, 4096), default=None)
    parser.add_argument(
        "--seq-len", type=int_in(1, 100_000), default=None, help="steps of backpropagation through time"
    )
    parser.add_argument(
        "--lr", type=float_in(0, 100, above_lo=True), default=None, help="learning rate (default 0.002)"
    )
    parser.add_argument("--seed", type=seed, default=1234)


def _add_weights_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--weights",
        choices=("best", "latest"),
        default="best",
        help="best: those after the lowest validation loss (the latest when none is kept yet); "
        "latest: those after the last step (default best)",
    )


def _add_training_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--steps", type=int_in(1, MAX_STEPS), default=None, help="steps to train (default: the demo's, else 1000)"
    )
    parser.add_argument("--device", choices=DEVICES, default=None, help="default: the project's (auto)")
    parser.add_argument(
        "--save-every",
        type=int_in(1),
        default=500,
        help="steps between saves, besides the one at the end (default 500)",
    )
    parser.add_argument(
        "--patience",
        type=int_in(0, MAX_COUNT),
        default=None,
        metavar="K",
        help="stop after K validations in a row without a better loss than the best; 0 never "
        "(default: the project's, kept with it)",
    )
    parser.add_argument(
        "--minutes",
        type=float_in(0, MAX_MINUTES),
        default=None,
        metavar="M",
        help="stop after M minutes of training; 0 no limit (default: the project's, kept with it)",
    )
    parser.add_argument(
        "--val-batches",
        type=validation_batches,
        default=None,
        metavar="N|all",
        help="batches each validation scores, the same ones every time; all: the whole held-out split "
        "(default: the project's, kept with it)",
    )


def validation_batches(text: str) -> int:
    """An argparse type: ``all`` (0, the whole held-out split) or a whole number of batches."""
    if text.strip().lower() == "all":
        return 0
    try:
        return int_in(1, MAX_COUNT)(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"must be all or a whole number from 1 to {MAX_COUNT:,}, not {text!r}"
        ) from None

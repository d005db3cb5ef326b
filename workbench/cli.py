"""The ``workbench`` command: create, train, sample, write and inspect projects without a window.

User errors (a missing file, a model that cannot work, bad settings) print one line on stderr
and exit with status 2; Ctrl-C during training saves the project and exits with status 130.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path

from .cli_options import OptionParser, float_in, int_in, seed, temperature
from .engine.common.errors import WorkbenchError
from .engine.data import DEFAULT_DEMO, DEMOS, load_demo
from .engine.data.handwriting.strokes import line_height, offsets_to_strokes
from .engine.data.memory_tasks import MAX_LAG, MAX_SYMBOLS, AddingProblem, CopyTask
from .engine.data.own_data import load_own_data
from .engine.events import TaskProgress, discard
from .engine.export import FORMATS, export_model
from .engine.export.svg import ink_to_svg
from .engine.inference.captions import caption
from .engine.inference.sampling import MAX_LENGTH, MAX_REPETITION_PENALTY, SamplingOptions
from .engine.inference.translation import translate
from .engine.inference.writing import DEFAULT_LINE_HEIGHT, MAX_BIAS, Primer, write
from .engine.model.templates import TEMPLATES
from .engine.project.project import Project
from .engine.project.starters import demo_project, new_project, suggested_steps
from .engine.scoring.evaluation import evaluate
from .engine.spec import CELLS, MAX_HIDDEN_SIZE, MAX_LAYERS
from .engine.training.callbacks import SaveEvery
from .engine.training.device import DEVICES
from .progress import ProgressBar

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130
EXIT_CLOSED_PIPE = 128 + 13  # 128 + SIGPIPE (absent on Windows): what a shell reports for a closed pipe
SAMPLE_SEPARATOR = "─" * 40  # between multi-line samples; names need none
MAX_SAMPLES = 1_000  # one command's samples: 300,000 tokens at the default length, minutes of writing
MAX_STEPS = 10_000_000  # as the window's steps box


def _parser() -> argparse.ArgumentParser:
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

    evaluate_command = commands.add_parser(
        "evaluate", help="score a project's model on its whole validation split, beside its task's baselines"
    )
    evaluate_command.add_argument("project", type=Path)
    evaluate_command.add_argument("--json", action="store_true", help="machine-readable output")

    info = commands.add_parser("info", help="summarise a project")
    info.add_argument("project", type=Path)
    info.add_argument("--json", action="store_true", help="machine-readable output")

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


# -- commands --------------------------------------------------------------------------


def cmd_demos(args) -> int:
    for name, demo in sorted(DEMOS.items()):
        marker = " (default)" if name == DEFAULT_DEMO else ""
        print(f"{name:14} {demo.title}{marker}\n{'':14} {demo.description}")
    return 0


def cmd_new(args) -> int:
    if args.project.exists() and not args.force:
        raise WorkbenchError(f"{args.project} already exists; add --force to replace it")
    project = create_project(args)
    project.save(args.project)
    print(
        f"Created {args.project}: {project.spec.describe()}, "
        f"{sum(p.numel() for p in project.model.parameters()):,} parameters, "
        f"{data_in_words(project.corpus.stats())}"
    )
    notes = project.corpus.description.get("notes", {})
    for note in notes.values() if project.corpus.kind == "series" else ():
        print(f"  {note}")
    return 0


def data_in_words(stats: dict) -> str:
    """The size of the training data in one phrase, for token data, pairs or handwriting lines."""
    if "train_pairs" in stats:
        return (
            f"{stats['train_pairs']:,} training / {stats['val_pairs']:,} validation pairs, vocabularies of "
            f"{stats['source_vocab_size']:,} and {stats['target_vocab_size']:,}"
        )
    if "train_steps" in stats:
        return (
            f"{', '.join(stats['columns'])}: {stats['train_steps']:,} training / {stats['val_steps']:,} "
            f"validation steps"
        )
    if "lag" in stats:
        return f"generated sequences, lag T = {stats['lag']}, baseline loss {stats['baseline_loss']:.4f}"
    if "train_lines" in stats:
        return (
            f"{stats['train_lines']:,} training / {stats['val_lines']:,} validation handwriting lines "
            f"by {stats['writers']:,} writers"
        )
    return (
        f"vocabulary of {stats['vocab_size']:,}, {stats['train_tokens']:,} training / "
        f"{stats['val_tokens']:,} validation tokens"
    )


def create_project(args) -> Project:
    if args.demo:
        corpus = load_demo(args.demo)
    elif args.adding is not None or args.copy is not None:  # the lab's tasks, with their demos' settings
        adding = args.adding is not None
        corpus = AddingProblem.generate(args.adding) if adding else CopyTask.generate(args.copy, args.symbols)
        args.demo = "adding" if adding else "copy"
    else:
        kind = next(kind for kind in ("text", "lines", "table", "conll", "pairs", "series") if getattr(args, kind))
        own_kind = "tagged" if kind == "conll" else kind
        columns = args.columns.split(",") if args.columns else None
        corpus = load_own_data(
            getattr(args, kind),
            own_kind,
            args.level,
            args.text_column,
            args.label_column,
            columns,
            delimiter=args.delimiter,
            encoding=args.encoding,
            val_fraction=args.val_fraction,
            token_column=args.token_column,
            tag_column=args.tag_column,
            series_options=series_options(args) if kind == "series" else None,
        )
    return new_project(
        corpus,
        demo=args.demo,
        template=args.template,
        cell=args.cell,
        hidden=args.hidden,
        layers=args.layers,
        embedding=args.embedding,
        dropout=args.dropout,
        batch_size=args.batch_size,
        seq_len=args.seq_len,
        learning_rate=args.lr,
        seed=args.seed,
    )


def series_options(args) -> dict:
    """What ``load_series_csv`` takes beyond the columns, from the command line."""
    return {
        "delimiter": args.delimiter,
        "encoding": args.encoding,
        "val_fraction": args.val_fraction,
        "fill": args.fill,
        "differencing": args.differencing,
    }


def cmd_train(args) -> int:
    project = Project.open(args.project, lock=True)  # a second writer would save over this one's steps
    try:
        return train_project(project, args.project, args.steps or suggested_steps(project), args)
    finally:
        project.close()


def train_project(project: Project, path: Path, steps: int, args) -> int:
    if args.device:
        project.use_device(args.device)
    trainer = project.trainer(ProgressBar(), [SaveEvery(args.save_every, lambda: project.save(path))])
    previous = signal.signal(signal.SIGINT, lambda *_: trainer.control.stop())
    try:
        outcome = trainer.run(steps)
    finally:
        signal.signal(signal.SIGINT, previous)
    if outcome.reason == "failed":
        print(f"Saved {path} with the weights after step {outcome.step:,}.", file=sys.stderr)
        return 1
    if outcome.reason == "stopped":
        print(f"Interrupted at step {outcome.step:,}; saved {path}.", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(f"Saved {path} at step {outcome.step:,}.", file=sys.stderr)
    return 0


def cmd_sample(args) -> int:
    project = Project.open(args.project)
    if not project.spec.generates_text:
        raise WorkbenchError(
            f"{args.project} holds a {project.spec.template} model, which does not write text; "
            f"'workbench sample' writes text only"
        )
    trainer = project.trainer()
    separator = "" if project.corpus.kind == "lines" else SAMPLE_SEPARATOR
    for index in range(args.count):
        seed = None if args.seed is None else args.seed + index
        options = SamplingOptions(args.length, args.temperature, args.top_k, args.prime, seed, args.repetition_penalty)
        if index and separator:
            print(separator)
        print(trainer.sample(options).text)
    return 0


def cmd_write(args) -> int:
    project = Project.open(args.project)
    if not project.spec.writes_with_pen:
        raise WorkbenchError(
            f"{args.project} holds a {project.spec.template} model, which does not write with a pen; "
            f"'workbench write' needs a handwriting project"
        )
    primer = None
    if args.prime_line is not None:
        lines = project.corpus.lines("train")
        if not 0 <= args.prime_line < len(lines):
            raise WorkbenchError(
                f"{args.project} has no training line {args.prime_line}: its lines are 0 to {len(lines) - 1}"
            )
        line = lines[args.prime_line]  # in the data's own units: brought to the pad's size, as if drawn there
        size = DEFAULT_LINE_HEIGHT / max(line_height(line.points), 1e-9)
        primer = Primer(tuple(stroke * size for stroke in offsets_to_strokes(line.points)), line.text)
    written = write(project.model, project.corpus, args.text, args.bias, primer, args.seed)
    if not len(written.points):
        raise WorkbenchError("the model wrote nothing: train it further, or lower the bias")
    try:
        ink_to_svg(offsets_to_strokes(written.points), args.out)
    except OSError as error:
        raise WorkbenchError(f"cannot write {args.out}: {error.strerror or error}") from None
    ending = "the window passed the last letter" if written.stopped else "stopped at the length cap"
    print(f"Wrote {args.out}: {len(written.points):,} pen points ({ending}).")
    return 0


def cmd_export(args) -> int:
    suffix = args.out.suffix.lower()
    by_suffix = {fmt.suffix: name for name, fmt in FORMATS.items()} | {".hdf5": "lstmvis"}
    format_name = args.format or by_suffix.get(suffix)
    if format_name is None:
        raise WorkbenchError(f"cannot tell the format from {args.out.name}: add --format ({', '.join(FORMATS)})")
    chosen = FORMATS[format_name]
    if not suffix:  # `-o model --format onnx`: a file named for what it holds
        args.out = args.out.with_name(args.out.name + chosen.suffix)
        suffix = chosen.suffix
    if suffix in by_suffix and by_suffix[suffix] != format_name:
        raise WorkbenchError(
            f"{args.out.name} has the suffix of a {FORMATS[by_suffix[suffix]].title} file, but the "
            f"format is {chosen.title}: name it {args.out.stem}{chosen.suffix}"
        )
    text = None
    if args.text_file is not None and not chosen.reads_text:
        raise WorkbenchError(f"--text-file is for LSTMVis exports; {chosen.title} reads no text")
    if args.text_file is not None:
        try:
            text = args.text_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise WorkbenchError(f"cannot read {args.text_file}: {getattr(error, 'strerror', None) or error}") from None
    report = export_model(Project.open(args.project), format_name, args.out, text=text)
    print(report.describe())
    return 0


def cmd_info(args) -> int:
    summary = Project.open(args.project).summary()
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    data = summary["data"]
    print(f"{summary['file']}")
    print(f"  model      {summary['model']} ({summary['parameters']:,} parameters)")
    print(f"  data       {data.get('title', data.get('source'))}: {data_in_words(data)}")
    print(f"  trained    {summary['step']:,} steps in {len(summary['runs'])} run(s)")
    if summary["recent_train_loss"] is not None:
        print(f"  train loss {summary['recent_train_loss']:.3f} (mean of the last 50 steps)")
    if summary["last_validation"]:
        last = summary["last_validation"]
        accuracy = f", accuracy {last['accuracy']:.1%}" if last.get("accuracy") is not None else ""
        scope = "the whole validation split" if last["whole"] else "a quick subset of the validation split"
        print(f"  val loss   {last['loss']:.3f}{accuracy} at step {last['step']:,}, on {scope}")
    for text in summary["samples"]:
        print("  sample     " + text.strip().replace("\n", "\n             ")[:400])
    return 0


def cmd_evaluate(args) -> int:
    project = Project.open(args.project)
    if not project.step:
        print(f"{args.project} has not been trained yet: its scores are those of random weights.", file=sys.stderr)
    cancel = threading.Event()
    bar = ProgressBar()
    previous = signal.signal(signal.SIGINT, lambda *_: cancel.set())
    try:

        def told(done: int, total: int) -> None:
            bar(TaskProgress("Evaluating on the whole validation split", done, total, unit=""))

        evaluation = evaluate(project.trainer(), told, cancel.is_set)
    finally:
        signal.signal(signal.SIGINT, previous)
    if args.json:
        print(json.dumps(evaluation.to_json(), indent=2))
    else:
        print("\n".join(evaluation.lines()))
    return 0 if evaluation.whole else EXIT_INTERRUPTED


def cmd_demo(args) -> int:
    path = args.project or Path(f"{args.name}.h5")
    demo = DEMOS[args.name]
    if path.exists():
        project = Project.open(path, lock=True)
        print(f"Continuing {path} from step {project.step:,}.")
    else:
        project = demo_project(args.name)
        project.save(path, lock=True)
        print(f"Created {path}: {demo.title}.")
    try:
        status = train_project(project, path, args.steps or demo.steps, args)
    finally:
        project.close()  # what follows only reads the project
    if status in (0, EXIT_INTERRUPTED) and project.spec.writes_with_pen:
        print(
            f'\nWrite with it: .venv/bin/workbench write {path} "hello world" --out hello.svg   '
            f"Resume: .venv/bin/workbench train {path} --steps 2000"
        )
    elif status in (0, EXIT_INTERRUPTED) and not project.spec.generates_text:
        print_scores(project)
        print(f"\nLook inside: .venv/bin/workbench open {path}   Resume: .venv/bin/workbench train {path} --steps 2000")
    elif status in (0, EXIT_INTERRUPTED):
        trainer = project.trainer(sink=discard)  # the progress bar would print each sample a second time
        print("\nSamples at temperature 0.8:")
        for seed in range(5 if project.corpus.kind == "lines" else 2):
            print("  " + trainer.sample(SamplingOptions(300, 0.8, seed=seed)).text.strip())
        print(
            f"\nMore: .venv/bin/workbench sample {path} --temperature 0.5   "
            f"Resume: .venv/bin/workbench train {path} --steps 2000"
        )
    return status


def print_scores(project: Project) -> None:
    """How a classifier, tagger, translator, captioner or forecaster does on the whole
    validation split, beside its baselines, and a few of its outputs."""
    print("\n" + "\n".join(evaluate(project.trainer(sink=discard)).lines()))
    if project.spec.template == "captioning":
        for index, reference in enumerate(project.corpus.caption_texts("val")[:4]):
            written = " ".join(caption(project.model, project.corpus, index).words)
            print(f"  scene {index}: {written!r} (reference {reference!r})")
    elif project.spec.is_seq2seq:
        for source, _ in project.corpus.pairs("val")[:4]:
            print(f"  {source!r} → {translate(project.model, project.corpus, source).output!r}")


COMMANDS = {
    "demos": cmd_demos,
    "new": cmd_new,
    "train": cmd_train,
    "sample": cmd_sample,
    "write": cmd_write,
    "info": cmd_info,
    "demo": cmd_demo,
    "export": cmd_export,
    "evaluate": cmd_evaluate,
}


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except WorkbenchError as error:  # an option out of range, or one missing: before any work
        print(f"workbench: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    if args.command in (None, "open"):
        from .ui.app import run  # the window, and Qt with it, only when asked for

        return run(project=str(args.project) if args.command == "open" else None)
    try:
        status = COMMANDS[args.command](args)
        sys.stdout.flush()  # here, so a closed pipe is met in this try and not at exit
        return status
    except WorkbenchError as error:
        print(f"workbench: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    except BrokenPipeError:  # `workbench info p.h5 --json | head -1`: the reader has all it wants
        # As Python's signal docs advise: point stdout at devnull so the flush at exit cannot fail
        # again, and end as a command that SIGPIPE ended would, which is what shells expect.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_CLOSED_PIPE


if __name__ == "__main__":
    sys.exit(main())

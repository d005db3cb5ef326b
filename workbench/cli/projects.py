"""Commands that make and describe projects: ``demos``, ``new`` and ``info``."""

from __future__ import annotations

import json
import sys

from ..engine.common.errors import WorkbenchError
from ..engine.data import DEFAULT_DEMO, DEMOS, load_demo
from ..engine.data.memory_tasks import AddingProblem, CopyTask
from ..engine.data.own_data import load_own_data
from ..engine.project.project import Project
from ..engine.project.starters import new_project
from ..engine.scoring.counted_baselines import summary_lines
from .exit_codes import EXIT_INTERRUPTED
from .progress import ReadingBar


def cmd_demos(args) -> int:
    for name, demo in sorted(DEMOS.items()):
        marker = " (default)" if name == DEFAULT_DEMO else ""
        print(f"{name:14} {demo.title}{marker}\n{'':14} {demo.description}")
    return 0


def cmd_new(args) -> int:
    if args.project.exists() and not args.force:
        raise WorkbenchError(f"{args.project} already exists; add --force to replace it")
    try:
        project = create_project(args)
        project.save(args.project)
    except KeyboardInterrupt:  # the scratch file of a text being read is gone with the process's handle
        print(f"workbench: cancelled; {args.project} was not written.", file=sys.stderr)
        return EXIT_INTERRUPTED
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
    if args.max_vocab is not None and not (args.text and args.level == "word"):
        raise WorkbenchError("--max-vocab is for --text at --level word (a character vocabulary keeps every character)")
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
        bar = ReadingBar(f"Reading {getattr(args, kind).name}")
        streaming = {"scratch_dir": args.project.absolute().parent, "progress": bar}
        try:
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
                max_words=args.max_vocab or 10_000,
                streaming=streaming if kind in ("text", "lines") else None,
            )
        finally:
            bar.close()
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
    if data.get("counted_baselines"):  # what counting alone scores, in the val loss's nats
        print("  counting   " + "\n             ".join(summary_lines(data["counted_baselines"])))
    best = summary["best"]
    if best:
        print(
            f"  best       val loss {best['val_loss']:.3f} at step {best['step']:,}: what sample, write and export use"
        )
    else:
        print("  best       none kept yet (a validation keeps them): sample, write and export use the latest")
    for text in summary["samples"]:
        print("  sample     " + text.strip().replace("\n", "\n             ")[:400])
    return 0

"""Commands that use a project's model: ``sample`` text, ``write`` handwriting, ``evaluate`` its scores."""

from __future__ import annotations

import json
import signal
import sys
import threading

from ..engine.common.errors import WorkbenchError
from ..engine.data.handwriting.strokes import line_height, offsets_to_strokes
from ..engine.events import TaskProgress
from ..engine.export.svg import ink_to_svg
from ..engine.inference.sampling import sample_text
from ..engine.inference.sampling_options import SamplingOptions
from ..engine.inference.writing import DEFAULT_LINE_HEIGHT, Primer, write
from ..engine.project.project import Project
from ..engine.scoring.evaluation import evaluate
from .exit_codes import EXIT_INTERRUPTED
from .progress import ProgressBar

SAMPLE_SEPARATOR = "─" * 40  # between multi-line samples; names need none


def fallback_note(project: Project, args) -> str:
    """What to say, once the command has done its work, when ``--weights best`` found none and
    the latest were used; "" otherwise."""
    if args.weights != "best" or project.best is not None:
        return ""
    return (
        f"{args.project} has no best weights yet (a validation keeps them): "
        f"used the latest, after step {project.step:,}."
    )


def tell(note: str) -> None:
    if note:
        print(note, file=sys.stderr)


def cmd_sample(args) -> int:
    opened = Project.open(args.project)
    project = opened.with_weights(args.weights)
    if not project.spec.generates_text:
        raise WorkbenchError(
            f"{args.project} holds a {project.spec.template} model, which does not write text; "
            f"'workbench sample' writes text only"
        )
    separator = "" if project.corpus.kind == "lines" else SAMPLE_SEPARATOR
    for index in range(args.count):
        # Without --seed every sample draws fresh randomness; with it, sample i repeats from seed + i.
        seed = None if args.seed is None else args.seed + index
        options = SamplingOptions(args.length, args.temperature, args.top_k, args.prime, seed, args.repetition_penalty)
        if index and separator:
            print(separator)
        print(sample_text(project.model, project.corpus.vocab, options))
    tell(fallback_note(opened, args))
    return 0


def cmd_write(args) -> int:
    opened = Project.open(args.project)
    project = opened.with_weights(args.weights)
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
    tell(fallback_note(opened, args))
    return 0


def cmd_evaluate(args) -> int:
    """Ctrl-C ends the scoring early: the scores of the batches so far are printed, named a
    subset, and the command exits with 130."""
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

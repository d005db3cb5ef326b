"""Commands that train: ``train`` a project, and ``demo``, which makes one, trains it and shows what it learned.

Ctrl-C stops the run at the next step; the project is saved and the command exits with 130.
Under torchrun, ``train`` trains one run with every process torchrun started (``engine.training.
distributed``): rank 0 alone writes the project and speaks; Ctrl-C or SIGTERM stops all of them at
the same step.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path

import torch.distributed

from ..engine.common.errors import WorkbenchError
from ..engine.data import DEMOS
from ..engine.data.demos import suggested_steps
from ..engine.events import Sink, discard
from ..engine.inference.captions import caption
from ..engine.inference.sampling import sample_text
from ..engine.inference.sampling_options import SamplingOptions
from ..engine.inference.translation import translate
from ..engine.live.live_run import LiveRun
from ..engine.project.project import Project
from ..engine.project.starters import demo_project
from ..engine.scoring.evaluation import evaluate
from ..engine.training.best_weights import BestWeights
from ..engine.training.callbacks import SaveEvery
from ..engine.training.config import TrainConfig
from ..engine.training.distributed import Ranks, process_group
from ..engine.training.run_end import EARLY_STOPS
from ..engine.training.validation import split_batches
from .exit_codes import EXIT_INTERRUPTED
from .progress import ProgressBar

ALONE = Ranks()  # one process, as without torchrun
SMALL_VALIDATION_SHARE = 0.25  # a validation of less of the held-out split than this is said before a run


def cmd_train(args) -> int:
    ranks = Ranks.launched()
    if args.processes > 1:
        return launch_processes(args, ranks)
    # A second writer would save over this one's steps; under torchrun rank 0 is the writer, the others read.
    project = Project.open(args.project, lock=ranks.leads)
    try:
        ranks.check_splits(project.config.batch_size)  # before the processes meet
        with process_group(ranks, args.device or project.config.device):
            if args.seed is not None:
                project.reseed(args.seed)
            steps = args.steps or suggested_steps(project.corpus.description)
            return train_project(project, args.project, steps, args, ranks)
    finally:
        project.close()


def launch_processes(args, ranks: Ranks) -> int:
    """``train --processes K``: the same command under PyTorch's launcher, torchrun
    (``torch.distributed.run --standalone``), K processes on this machine; its status is this
    command's. The batch size is checked here first, so a bad one is one message, not K."""
    if not ranks.solo:
        raise WorkbenchError("--processes starts torchrun itself: under torchrun, leave it out")
    project = Project.open(args.project, lock=False)
    try:
        Ranks(size=args.processes).check_splits(project.config.batch_size)
    finally:
        project.close()
    handed_on = without_option(args.argv, "--processes")
    launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={args.processes}"]
    job = subprocess.Popen([*launcher, "-m", "workbench", *handed_on])
    # SIGTERM (the window closing, a job scheduler) goes on to torchrun, which passes it to every process.
    previous = signal.signal(signal.SIGTERM, lambda *_: job.send_signal(signal.SIGTERM))
    try:
        return job.wait()
    except KeyboardInterrupt:  # Ctrl-C reached every process too; torchrun ends them
        job.wait()
        return EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)


def without_option(argv: list[str], name: str) -> list[str]:
    """``argv`` less ``name VALUE`` and ``name=VALUE``, ``name`` also as argparse's
    abbreviations of it (``--proc 2``), which the parser took for it."""
    kept, skip = [], False
    for token in argv:
        flag, joined, _ = token.partition("=")
        if skip:
            skip = False
        elif len(flag) > 2 and name.startswith(flag):
            skip = not joined
        else:
            kept.append(token)
    return kept


def train_project(project: Project, path: Path, steps: int, args, ranks: Ranks = ALONE) -> int:
    """Train ``steps`` steps and say how it ended; under torchrun, this process's part of the run."""
    if args.device:
        project.use_device(args.device)
    given = {"patience": args.patience, "max_minutes": args.minutes, "val_batches": args.val_batches}
    given = {name: value for name, value in given.items() if value is not None}
    if given:  # kept with the project, as the window's settings
        project.set_config(replace(project.config, **given))
    if ranks.leads:
        lines = limits_in_force(project.config, steps) + processes_line(project.config, ranks)
        lines += validation_share(project.config, split_batches(project.corpus, project.config))
        for line in lines:
            print(line, file=sys.stderr)
        saving = SaveEvery(args.save_every, lambda: project.save(path))
        live = LiveRun(path)  # a window may watch the run, pause it and stop it
        trainer = project.trainer(both(ProgressBar(), live), [saving])
    else:
        saving, live, trainer = None, None, project.trainer(discard, [])
    stop_signals = (signal.SIGINT,) if ranks.solo else (signal.SIGINT, signal.SIGTERM)  # torchrun passes both on
    previous = {number: signal.signal(number, lambda *_: trainer.control.stop()) for number in stop_signals}
    try:
        with live.watched(trainer.control) if live else nullcontext():
            outcome = trainer.run(steps)
    except RuntimeError as error:
        if ranks.solo or not broke_the_group(error):
            raise
        # A peer that died (kill -9, a lost machine) fails this rank's next collective at once;
        # said before the handlers go back, since torchrun's SIGTERM to the survivors follows.
        print(group_lost(error, ranks, path, saving), file=sys.stderr)
        return 1
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    # A stop asked for ends a group cleanly, every process with 0: torchrun takes any other status
    # for a failure and reports it at length. One process alone says 130, as Ctrl-C does.
    stopped_status = EXIT_INTERRUPTED if ranks.solo else 0
    if not ranks.leads:
        return 1 if outcome.reason == "failed" else stopped_status if outcome.reason == "stopped" else 0
    if outcome.reason == "failed":
        print(f"Saved {path} with the weights after step {outcome.step:,}.", file=sys.stderr)
        return 1
    if outcome.reason == "stopped":
        print(f"Interrupted at step {outcome.step:,}; saved {path}.", file=sys.stderr)
        return stopped_status
    if outcome.reason in EARLY_STOPS:
        print(f"Stopped at step {outcome.step:,}: {outcome.message}; {kept_best(project.best)}", file=sys.stderr)
    print(f"Saved {path} at step {outcome.step:,}.", file=sys.stderr)
    return 0


def both(first: Sink, second: Sink) -> Sink:
    """A sink telling each event to ``first``, then to ``second``."""

    def tell(event) -> None:
        first(event)
        second(event)

    return tell


def broke_the_group(error: RuntimeError) -> bool:
    """Whether ``error`` is a collective failing, not a fault of this process's own: torch's
    distributed errors, and gloo's transport errors, which torch raises as plain RuntimeErrors."""
    return isinstance(error, torch.distributed.DistError) or "gloo/transport" in str(error)


def group_lost(error: RuntimeError, ranks: Ranks, path: Path, saving: SaveEvery | None) -> str:
    """One line for a run whose group broke: which process says it, what it saw, what is kept."""
    cause = str(error).splitlines()[0] if str(error) else type(error).__name__
    cause = cause.split("] ", 1)[-1].split(". ", 1)[0]  # gloo's source position and advice left out
    kept = (
        f"{path} holds the save of step {saving.saved_step:,}"
        if saving and saving.saved_step
        else f"{path} holds its last save"
    )
    return (
        f"workbench: process {ranks.rank} of {ranks.size}: another process of this run ended or lost its "
        f"connection ({cause.rstrip('.')}); all stop. {kept}; `workbench train {path}` resumes from it."
    )


def limits_in_force(config, steps: int) -> list[str]:
    """The project's early stopping and time limit, said before a run (they are kept with the
    project, so a limit set once holds until turned off), and a patience no validation can meet."""
    lines = []
    if config.patience:
        lines.append(
            f"Early stopping: after {config.patience:,} validations without a better loss (--patience 0 turns it off)."
        )
        if not config.val_every or config.val_every > steps:
            lines.append(f"  No validation comes within these {steps:,} steps, so it cannot stop this run.")
    if config.max_minutes:
        lines.append(f"Time limit: {config.max_minutes:g} minutes of training (--minutes 0 turns it off).")
    return lines


def processes_line(config: TrainConfig, ranks: Ranks) -> list[str]:
    """Under torchrun, how the global batch is shared."""
    if ranks.solo:
        return []
    rows = config.batch_size // ranks.size
    return [
        f"Training on {ranks.size:,} processes: each trains {rows:,} row{'s' if rows != 1 else ''} "
        f"of every batch of {config.batch_size:,}; rank 0 validates and saves."
    ]


def validation_share(config: TrainConfig, whole: int) -> list[str]:
    """A line when each validation scores under a quarter of the held-out split's ``whole`` batches:
    its loss, and so the best weights, rest on a small sample."""
    scored = config.val_batches
    if not config.val_every or not scored or scored >= SMALL_VALIDATION_SHARE * whole:
        return []
    share = scored / whole
    words = f"{share:.0%}" if share >= 0.01 else "under 1%"
    return [
        f"Each validation scores {scored:,} of the {whole:,} batches of the held-out split ({words}); "
        "--val-batches all scores all of it."
    ]


def kept_best(best: BestWeights | None) -> str:
    """'the best, step 700 (val 1.402), is kept as best.'"""
    if best is None:
        return "no validation has kept best weights."
    return f"the best, step {best.step:,} (val {best.val_loss:.3f}), is kept as best."


def cmd_demo(args) -> int:
    if not Ranks.launched().solo:
        raise WorkbenchError("demo trains in one process: make the project first, then run train under torchrun")
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
        model = project.model_with("best")
        print("\nSamples at temperature 0.8, by the best weights:")
        for seed in range(5 if project.corpus.kind == "lines" else 2):
            print("  " + sample_text(model, project.corpus.vocab, SamplingOptions(300, 0.8, seed=seed)).strip())
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

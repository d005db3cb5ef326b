"""The window's requests, as plain functions the engine worker runs on its own thread.

Each takes the ``EngineWorker`` and returns plain data (a ``ProjectSnapshot``, text) that the
GUI thread may keep. Nothing here touches a widget; nothing in the widgets touches torch.
"""

from __future__ import annotations

import copy
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..engine.data import DEMOS
from ..engine.data.labelled_files import GUESS_ROWS, guess_text_and_label, read_table
from ..engine.data.memory_tasks import AddingProblem, CopyTask
from ..engine.data.own_data import load_own_data
from ..engine.events import HandwritingWritten, NextPointDensity, TaskProgress, ValidationResult
from ..engine.inference import captions, forecasting, predict, translation, writing
from ..engine.inference.captions import Caption
from ..engine.inference.forecasting import ForecastShown
from ..engine.inference.predict import Classification, Tagging
from ..engine.inference.sampling import sample_text
from ..engine.inference.sampling_options import SamplingOptions
from ..engine.inference.translation import Translation
from ..engine.live.paths import LivePaths
from ..engine.project.project import Project
from ..engine.project.project_lock import ProjectNotWritable
from ..engine.project.snapshot import ProjectSnapshot
from ..engine.project.starters import demo_project, new_project
from ..engine.scoring import decoded_outputs, evaluation, forecast_scores
from ..engine.scoring.forecast_scores import ForecastScores
from ..engine.scoring.output_scores import OutputScores
from ..engine.scoring.scores import Baseline
from ..engine.spec import ModelSpec
from ..engine.training.config import TrainConfig
from ..engine.training.distributed import Ranks
from ..engine.training.worker import EngineWorker

if TYPE_CHECKING:
    from torch import nn

BEAM_EVALUATION_PAIRS = 500


def install(worker: EngineWorker, project: Project) -> ProjectSnapshot:
    """Make ``project`` the worker's project; until now the open one was untouched (and still
    held its file's lock, which it lets go now)."""
    if worker.project is not None and worker.project is not project:
        worker.project.close()
    worker.project = project
    return project.snapshot()


def new_from_demo(worker: EngineWorker, name: str) -> ProjectSnapshot:
    """A demo's project; a demo downloaded on first use reports its progress as TaskProgress events."""
    what = f"Downloading {DEMOS[name].title.removesuffix(' (download)')}"
    return install(worker, demo_project(name, lambda done, total: worker.sink(TaskProgress(what, done, total))))


def new_from_file(
    worker: EngineWorker,
    path: Path,
    kind: str,
    level: str = "char",
    columns: tuple[str, ...] | None = None,
    series_options: dict | None = None,
    seq_len: int | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> ProjectSnapshot:
    """``kind``: a key of OWN_DATA_KINDS; ``columns``: a table's text and label columns, or the
    columns of a series to model; a series also takes how to read it (``series_options``, the
    keywords of ``load_series_csv``) and the sequence length its import dialog chose. A text is
    read in pieces, its progress told as TaskProgress events, stopped when ``should_stop`` says."""
    if kind == "series":
        corpus = load_own_data(path, kind, columns=list(columns) if columns else None, series_options=series_options)
        return install(worker, new_project(corpus, seq_len=seq_len))
    text_column, label_column = columns or (None, None)
    what = f"Reading {path.name}"
    streaming = {
        "progress": lambda done, total: worker.sink(TaskProgress(what, done, total)),
        "should_stop": should_stop,
    }
    corpus = load_own_data(
        path, kind, level, text_column, label_column, streaming=streaming if kind in ("text", "lines") else None
    )
    return install(worker, new_project(corpus))


def table_choices(path: Path) -> tuple[list[str], tuple[str, str]]:
    """A table's header and the columns that look, by what they hold, like its texts and labels."""
    table = read_table(path)
    return table.header, guess_text_and_label(table.header, [fields for _, fields in table.rows[:GUESS_ROWS]])


def new_lab_task(worker: EngineWorker, kind: str, lag: int, symbols: int) -> ProjectSnapshot:
    """The long-range lab's adding problem or copy task at lag ``lag``, with its demo's settings."""
    task = AddingProblem.generate(lag) if kind == "adding" else CopyTask.generate(lag, symbols=symbols)
    return install(worker, new_project(task, demo=kind))


def open_project(worker: EngineWorker, path: Path) -> ProjectSnapshot:
    """Open ``path`` as the window's file: the window is its writer, holding its lock, and
    another writer (a ``workbench train``, another window) is refused while it is open."""
    current = worker.project
    if current is not None and current.writes(path):  # its own file again: read under its own lock
        project = Project.open(path)  # a failure leaves the open project, and its lock, as they were
        project.take_lock_of(current)
        return install(worker, project)
    try:
        project = Project.open(path, lock=True)
    except ProjectNotWritable:  # a read-only folder: shown all the same; Save As puts it elsewhere
        project = Project.open(path)
    else:  # only a writer keeps live files: an event file here is a killed run's
        LivePaths.of(path).events.unlink(missing_ok=True)
    return install(worker, project)


def watch_project(worker: EngineWorker, path: Path) -> ProjectSnapshot:
    """Open ``path`` to watch the run another process trains it with: read as it was last saved,
    without its lock, which that process holds."""
    return install(worker, Project.open(path))


def hand_file_to_processes(worker: EngineWorker, path: Path, processes: int) -> None:
    """Before ``train --processes``: the batch must split over them, and the window lets go of
    the project's file (still shown), which their rank 0 writes. An event file a killed run left
    goes first, while the window's lock says no run is live."""
    Ranks(size=processes).check_splits(worker.project.config.batch_size)
    LivePaths.of(path).events.unlink(missing_ok=True)
    worker.project.close()


def close_project(worker: EngineWorker) -> None:
    """The window closes: its project lets its file go."""
    if worker.project is not None:
        worker.project.close()


def runs_of(worker: EngineWorker) -> list:
    """Copies of the project's runs as they stand (a diverged run's cut back to its sound step)."""
    return copy.deepcopy(worker.project.runs)


def save_project_with_spec(worker: EngineWorker, path: Path, spec: ModelSpec) -> tuple[Path, ProjectSnapshot | None]:
    """Save what the window shows: an edited spec first becomes the project's model."""
    rebuilt = use_spec(worker, spec) if not spec.problems() else None
    return worker.project.save(path, lock=True), rebuilt


def save_copy(worker: EngineWorker, path: Path) -> Path:
    """Write the project to ``path`` (an autosave) without making it the project's file, whose
    lock the project keeps."""
    return worker.project.save_copy(path)


def use_spec(worker: EngineWorker, spec: ModelSpec) -> ProjectSnapshot | None:
    """Rebuild the model if the canvas's spec differs from the trained one (a new run)."""
    project = worker.project
    if spec == project.spec:
        return None
    project.rebuild(spec)
    return project.snapshot()


def set_config(worker: EngineWorker, config: TrainConfig) -> TrainConfig:
    """New training settings for the project (and its trainer, from its next step)."""
    worker.project.set_config(config)
    return worker.project.config


def rebuild(worker: EngineWorker, spec: ModelSpec, seed: int | None = None) -> ProjectSnapshot:
    """A new run of ``spec`` from fresh weights (drawn from ``seed`` if given), even if it is the
    spec already trained."""
    worker.project.rebuild(spec, seed)
    return worker.project.snapshot()


def reset_weights(worker: EngineWorker) -> ProjectSnapshot:
    worker.project.rebuild()
    return worker.project.snapshot()


# Each project's best-weights model, copied once per best: project -> (the best's weights, the
# model they were copied over, the copy). Weak keys: a project let go takes its copy with it.
_BEST_COPIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def chosen_model(project: Project, weights: str) -> nn.Module:
    """``project.model_with(weights)`` (``"best"``, the latest while none is kept, or ``"latest"``)
    without copying the model for every request: the best's copy is kept while that best and the
    project's model stand, and made anew for a new best, a rebuilt model or another project."""
    best = project.best
    if weights != "best" or best is None:
        return project.model_with(weights)  # which refuses what is neither best nor latest
    kept = _BEST_COPIES.get(project)
    if kept is not None and kept[0] is best.weights and kept[1] is project.model:
        return kept[2]
    model = project.model_with("best")
    _BEST_COPIES[project] = (best.weights, project.model, model)
    return model


def sample(worker: EngineWorker, options: SamplingOptions, weights: str = "best") -> str:
    project = worker.project
    return sample_text(chosen_model(project, weights), project.corpus.vocab, options)


def write_handwriting(worker: EngineWorker, request, weights: str = "best") -> HandwritingWritten:
    """The handwriting panel's Write: ``request`` is its ``WriteRequest``."""
    project = worker.project
    primer = writing.Primer(tuple(request.primer), request.primer_text) if request.primer else None
    return writing.write(chosen_model(project, weights), project.corpus, request.text, request.bias, primer)


def next_point_density(worker: EngineWorker, request, weights: str = "best") -> NextPointDensity:
    """The handwriting panel's density under the pen: ``request`` is its ``DensityRequest``."""
    project = worker.project
    return writing.next_point_density(
        chosen_model(project, weights), project.corpus, tuple(request.strokes), request.text, request.pen_down
    )


def kept_best(worker: EngineWorker) -> tuple[int, float] | None:
    """The project's kept best weights' (step, validation loss), as ``ProjectSnapshot.best``; None: none."""
    best = worker.project.best if worker.project is not None else None
    return None if best is None else (best.step, best.val_loss)


def add_handwriting_line(worker: EngineWorker, strokes, text: str) -> ProjectSnapshot:
    """The pad's line joins the project's training lines (the trainer reads it from its next epoch)."""
    project = worker.project
    project.add_training_line(writing.user_line(project.corpus, tuple(strokes), text))
    return project.snapshot()


def evaluate(worker: EngineWorker) -> ValidationResult:
    """The model as it is, scored on the whole validation split (not recorded: for showing an
    opened project, or on demand), its progress told as TaskProgress events."""

    def told(done: int, total: int) -> None:
        worker.sink(TaskProgress("Scoring the whole validation split", done, total, unit="batches"))

    return worker.project.trainer().evaluate(whole=True, progress=told)


def baselines(worker: EngineWorker) -> tuple[Baseline, ...]:
    """The project's data's baselines (made once per data set: a linear classifier trains, an
    n-gram model counts), for the Results tab to show beside the model's scores."""
    project = worker.project
    return evaluation.corpus_baselines(project.corpus, project.config.seq_len)


def classify(worker: EngineWorker, text: str, weights: str = "best") -> Classification:
    project = worker.project
    return predict.classify(chosen_model(project, weights), project.corpus, text)


def tag(worker: EngineWorker, text: str, weights: str = "best") -> Tagging:
    project = worker.project
    return predict.tag(chosen_model(project, weights), project.corpus, text)


def translate(worker: EngineWorker, text: str, beam_width: int, weights: str = "best") -> Translation:
    project = worker.project
    return translation.translate(chosen_model(project, weights), project.corpus, text, beam_width)


def evaluate_translation(worker: EngineWorker, beam_width: int, weights: str = "best") -> OutputScores:
    """Exact match and BLEU on the validation pairs (beam search on the first 500: it is slower)."""
    project = worker.project
    limit = None if beam_width == 1 else BEAM_EVALUATION_PAIRS
    return decoded_outputs.evaluate_translation(
        chosen_model(project, weights), project.corpus, "val", beam_width, limit
    )


def forecast(worker: EngineWorker, start: int, horizon: int, weights: str = "best") -> ForecastShown:
    project = worker.project
    return forecasting.forecast_at(chosen_model(project, weights), project.corpus, start, horizon)


def evaluate_forecast(worker: EngineWorker, horizon: int, weights: str = "best") -> ForecastScores:
    project = worker.project
    return forecast_scores.evaluate_forecast(chosen_model(project, weights), project.corpus, horizon)


def caption_scene(worker: EngineWorker, index: int, beam_width: int, weights: str = "best") -> tuple[Caption, str]:
    """A caption for validation scene ``index``, and the scene's own caption to compare with."""
    project = worker.project
    written = captions.caption(chosen_model(project, weights), project.corpus, index, beam_width)
    return written, project.corpus.caption_texts("val")[index]


def evaluate_captions(worker: EngineWorker, beam_width: int, weights: str = "best") -> OutputScores:
    """Exact match and BLEU on the validation scenes (beam search on the first 500: it is slower)."""
    project = worker.project
    limit = None if beam_width == 1 else BEAM_EVALUATION_PAIRS
    return decoded_outputs.evaluate_captions(chosen_model(project, weights), project.corpus, "val", limit, beam_width)

"""The window's requests, as plain functions the engine worker runs on its own thread.

Each takes the ``EngineWorker`` and returns plain data (a ``ProjectSnapshot``, text) that the
GUI thread may keep. Nothing here touches a widget; nothing in the widgets touches torch.
"""

from __future__ import annotations

from pathlib import Path

from ..engine.data import load_lines_file, load_text_file
from ..engine.handwriting import writing
from ..engine.handwriting.events import HandwritingWritten, NextPointDensity
from ..engine.project import Project, ProjectSnapshot
from ..engine.sampling import SamplingOptions, sample_text
from ..engine.spec import ModelSpec
from ..engine.starters import demo_project, new_project
from ..engine.worker import EngineWorker


def _install(worker: EngineWorker, project: Project) -> ProjectSnapshot:
    """Make ``project`` the worker's project; until now the open one was untouched."""
    worker.project = project
    return project.snapshot()


def new_from_demo(worker: EngineWorker, name: str) -> ProjectSnapshot:
    return _install(worker, demo_project(name))


def new_from_file(worker: EngineWorker, path: Path, kind: str, level: str = "char") -> ProjectSnapshot:
    """``kind`` "text" (one long text) or "lines" (one item a line)."""
    corpus = load_lines_file(path) if kind == "lines" else load_text_file(path, level=level)
    return _install(worker, new_project(corpus))


def open_project(worker: EngineWorker, path: Path) -> ProjectSnapshot:
    return _install(worker, Project.open(path))


def save_project_with_spec(
    worker: EngineWorker, path: Path, spec: ModelSpec
) -> tuple[Path, ProjectSnapshot | None]:
    """Save what the window shows: an edited spec first becomes the project's model."""
    rebuilt = use_spec(worker, spec) if not spec.problems() else None
    return worker.project.save(path), rebuilt


def save_copy(worker: EngineWorker, path: Path) -> Path:
    """Write the project to ``path`` (an autosave) without making it the project's file."""
    project = worker.project
    keep = project.path
    try:
        return project.save(path)
    finally:
        project.path = keep


def use_spec(worker: EngineWorker, spec: ModelSpec) -> ProjectSnapshot | None:
    """Rebuild the model if the canvas's spec differs from the trained one (a new run)."""
    project = worker.project
    if spec == project.spec:
        return None
    project.rebuild(spec)
    return project.snapshot()


def reset_weights(worker: EngineWorker) -> ProjectSnapshot:
    worker.project.rebuild()
    return worker.project.snapshot()


def sample(worker: EngineWorker, options: SamplingOptions) -> str:
    project = worker.project
    return sample_text(project.model, project.corpus.vocab, options)


def write_handwriting(worker: EngineWorker, request) -> HandwritingWritten:
    """The handwriting panel's Write: ``request`` is its ``WriteRequest``."""
    project = worker.project
    primer = writing.Primer(tuple(request.primer), request.primer_text) if request.primer else None
    return writing.write(project.model, project.corpus, request.text, request.bias, primer)


def next_point_density(worker: EngineWorker, request) -> NextPointDensity:
    """The handwriting panel's density under the pen: ``request`` is its ``DensityRequest``."""
    project = worker.project
    return writing.next_point_density(
        project.model, project.corpus, tuple(request.strokes), request.text, request.pen_down
    )


def add_handwriting_line(worker: EngineWorker, strokes, text: str) -> ProjectSnapshot:
    """The pad's line joins the project's training lines (the trainer reads it from its next epoch)."""
    project = worker.project
    project.add_training_line(writing.user_line(project.corpus, tuple(strokes), text))
    return project.snapshot()

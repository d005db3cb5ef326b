"""New projects with sensible defaults: a demo's suggested settings, else general ones.

The command line and the window both start projects here, so a demo opened either way trains
the same model with the same settings.
"""

from __future__ import annotations

from ..data import DEMOS, load_demo
from ..data.base import Task
from ..model.templates import from_template
from ..spec import RecurrentSpec
from ..training.config import TrainConfig
from .project import Project


def _chosen(given, suggested, default):
    """The user's value if given (0 included), else the demo's suggestion, else the default."""
    if given is not None:
        return given
    return suggested if suggested is not None else default


def default_template(task: Task) -> str:
    """Pictures are captioned, translation attends, a tagger reads both ways, anything else reads
    left to right."""
    if task.inputs.kind == "image":
        return "captioning"
    if task.target_inputs is not None:
        return "attention"
    return "bidirectional" if task.head.kind == "tagging" else "stacked"


def new_project(
    corpus,
    demo: str | None = None,
    template: str | None = None,
    cell: str = "lstm",
    hidden: int | None = None,
    layers: int | None = None,
    embedding: int = 64,
    dropout: float = 0.0,
    batch_size: int | None = None,
    seq_len: int | None = None,
    learning_rate: float | None = None,
    seed: int = 1234,
) -> Project:
    """A project on ``corpus`` (a language model, or a handwriting network for pen data);
    ``demo`` names the demo whose settings to suggest."""
    suggested = DEMOS[demo] if demo else None
    stack = RecurrentSpec(
        cell=cell,
        hidden_size=_chosen(hidden, suggested and suggested.hidden_size, 256),
        num_layers=_chosen(layers, suggested and suggested.num_layers, 2),
        dropout=dropout,
    )
    task = corpus.task(embedding)
    template = _chosen(template, suggested and suggested.template, default_template(task))
    if corpus.kind == "strokes":  # handwriting: Graves' networks; with texts, the synthesis one
        template = template if template.startswith("handwriting") else "handwriting synthesis"
    spec = from_template(template, task, stack)
    config = TrainConfig(
        batch_size=_chosen(batch_size, suggested and suggested.batch_size, 32),
        seq_len=_chosen(
            seq_len,
            suggested and suggested.seq_len,
            corpus.fitting_seq_len() if getattr(corpus, "kind", "") == "series" else 100,
        ),
        learning_rate=_chosen(learning_rate, suggested and suggested.learning_rate, 2e-3),
        seed=seed,
    )
    return Project.create(spec, corpus, config)


def demo_project(name: str, progress=None, **options) -> Project:
    """A new project on demo ``name``; ``progress(done, total)`` hears a first-use download."""
    return new_project(load_demo(name, progress), demo=name, **options)

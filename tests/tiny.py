"""Tiny corpora and projects that every test can train in well under a second."""

from dataclasses import replace

from workbench.engine.data import load_lines_file, load_text_file
from workbench.engine.model.templates import from_template
from workbench.engine.project.project import Project
from workbench.engine.spec import RecurrentSpec
from workbench.engine.training.config import TrainConfig

TINY_CONFIG = TrainConfig(
    batch_size=4,
    seq_len=16,
    val_every=0,
    probe_every=0,
    probe_budget=0.0,
    sample_every=0,
    sample_budget=0.0,
    metrics_interval_s=0.0,
    device="cpu",
    probe_length=24,
    sample_length=40,
    val_batches=4,
)

PROSE = (
    'She said "hello" to the fox, and the quick brown fox jumped over the lazy dog. '
    "Then (after a while) the dog said nothing at all, because dogs do not talk.\n"
)


def make_project(corpus, cell="lstm", hidden=24, layers=1, dropout=0.0, **config) -> Project:
    task = corpus.task(12)
    spec = from_template("stacked", task, RecurrentSpec(cell, hidden, layers, dropout=dropout))
    return Project.create(spec, corpus, replace(TINY_CONFIG, **config))


class FakeClock:
    """Seconds that pass only when a test says so (set ``now``, or ``advance``): the clock a
    throttle, a time limit or a wall-time record is given instead of the real one."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Recorder:
    """A sink that keeps every event, for asserting what a run told the world."""

    def __init__(self) -> None:
        self.events = []

    def __call__(self, event) -> None:
        self.events.append(event)

    def of(self, kind):
        return [event for event in self.events if isinstance(event, kind)]


def write_text_corpus(folder):
    path = folder / "prose.txt"
    path.write_text(PROSE * 30, encoding="utf-8")
    return load_text_file(path)


def write_lines_corpus(folder):
    path = folder / "names.txt"
    path.write_text("\n".join(["Anna", "Bob", "Clara", "Dmitri", "Eve", "Frida", "Gus", "Hana"] * 4), encoding="utf-8")
    return load_lines_file(path)


def write_file(path, content):
    """``content`` (text, as UTF-8 with its line endings kept, or bytes) at ``path``."""
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path

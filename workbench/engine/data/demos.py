"""Built-in demo corpora, made offline from what every installation already has.

Each is deterministic for a given Python: the census names of the ``names`` package, the
standard library's own source code, and the documentation topics CPython ships for ``help()``.
"""

from __future__ import annotations

import importlib.util
import os
import sysconfig
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError
from .corpus import Corpus
from .lines import LineCorpus, lines_from_items
from .text import TextStream, stream_from_text

NAMES_FILES = ("dist.male.first", "dist.female.first")
SKIPPED_STDLIB_FOLDERS = frozenset({"test", "tests", "idlelib", "lib2to3", "site-packages"})
PYTHON_CODE_CHARS = 2_000_000  # stop adding source files once this much text is collected
HANDWRITING_LINES = 3000  # about 10 lines per writer


@dataclass(frozen=True)
class Demo:
    """A demo corpus with model and training settings that learn it on a CPU: minutes for text,
    about an hour and a half on one core for handwriting."""

    name: str
    title: str
    description: str  # one or two sentences for the demo picker
    load: Callable[[], Corpus]
    hidden_size: int
    num_layers: int
    batch_size: int
    seq_len: int
    steps: int
    learning_rate: float = 2e-3


def load_demo(name: str) -> Corpus:
    if name not in DEMOS:
        raise DataError(f"there is no demo called {name!r}; the demos are {', '.join(DEMOS)}.")
    return DEMOS[name].load()


def _load_names() -> LineCorpus:
    """First names from the US census lists, de-duplicated, title-cased and sorted."""
    package = importlib.util.find_spec("names")
    if package is None or package.origin is None:
        raise DataError("the 'names' package, which holds the names demo, is not installed.")
    folder = Path(package.origin).parent
    names = set()
    for file_name in NAMES_FILES:
        for line in (folder / file_name).read_text(encoding="ascii").splitlines():
            if line.strip():
                names.add(line.split()[0].title())
    return lines_from_items(sorted(names), "demo:names", DEMOS["names"].title)


def _load_python_code() -> TextStream:
    """Pure-ASCII standard-library modules in path order, up to about PYTHON_CODE_CHARS."""
    sources, length = [], 0
    for path in _stdlib_modules():
        data = path.read_bytes()
        if not data.isascii():
            continue
        sources.append(data.decode("ascii").replace("\r\n", "\n").rstrip("\n") + "\n")
        length += len(sources[-1]) + 1
        if length >= PYTHON_CODE_CHARS:
            break
    return stream_from_text("\n".join(sources), "demo:python-code", DEMOS["python-code"].title)


def _stdlib_modules() -> list[Path]:
    """The standard library's ``.py`` files outside tests and bundled tools, by relative path."""
    root = Path(sysconfig.get_paths()["stdlib"])
    found = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [name for name in subfolders if name not in SKIPPED_STDLIB_FOLDERS]
        found += [Path(folder, name) for name in files if name.endswith(".py")]
    return sorted(found, key=lambda path: path.relative_to(root).as_posix())


def _load_english_prose() -> TextStream:
    """The reference-manual topics behind ``help('if')`` and friends, in sorted key order."""
    try:
        from pydoc_data.topics import topics
    except ImportError:
        raise DataError("this Python was installed without its documentation topics.") from None
    text = "\n\n".join(topics[key].rstrip("\n") for key in sorted(topics)) + "\n"
    return stream_from_text(text, "demo:english-prose", DEMOS["english-prose"].title)


def _load_handwriting() -> Corpus:
    """Lines in the synthetic hands of many writers (Hershey script faces, styled at random)."""
    from ..handwriting.corpus import StrokeCorpus
    from ..handwriting.synthetic import synthesize_corpus

    lines = synthesize_corpus(HANDWRITING_LINES, seed=0)
    return StrokeCorpus.from_samples(lines, "demo:handwriting", DEMOS["handwriting"].title)


DEMOS: dict[str, Demo] = {
    demo.name: demo
    for demo in (
        Demo(
            name="names",
            title="First names",
            description="About 5,000 first names from the US census, one per line. "
            "A character model learns to invent new names that sound real.",
            load=_load_names,
            hidden_size=128,
            num_layers=1,
            batch_size=32,
            seq_len=32,
            steps=3000,
        ),
        Demo(
            name="python-code",
            title="Python source code",
            description="Two million characters of Python's own standard library. "
            "A character model learns indentation, brackets, keywords and docstrings.",
            load=_load_python_code,
            hidden_size=256,
            num_layers=2,
            batch_size=32,
            seq_len=100,
            steps=5000,
        ),
        Demo(
            name="english-prose",
            title="English prose",
            description="The Python reference topics behind help(), as plain English text. "
            "A character model learns spelling, words and sentence rhythm.",
            load=_load_english_prose,
            hidden_size=256,
            num_layers=2,
            batch_size=32,
            seq_len=100,
            steps=5000,
        ),
        Demo(
            name="handwriting",
            title="Handwriting",
            description="Lines of cursive in the hands of 300 made-up writers, each with a slant, size "
            "and spacing of their own. A synthesis network learns to write typed text.",
            load=_load_handwriting,
            hidden_size=128,  # Graves: 3 × 400; this size learns on one CPU core in about 1.5 hours
            num_layers=2,
            batch_size=16,
            seq_len=400,  # points a line keeps: the mean line has ~440
            steps=6000,
            learning_rate=1e-3,
        ),
    )
}
DEFAULT_DEMO = "names"

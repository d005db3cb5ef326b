"""Built-in demo corpora, made offline from what every installation already has.

Each is deterministic for a given Python: the census names of the ``names`` package, the
standard library's own source code, and the documentation topics CPython ships for ``help()``.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..common.errors import DataError
from .corpus import Corpus
from .download import SHAKESPEARE, Progress, load_shakespeare
from .labelled import LabelledCorpus, labelled_corpus
from .lines import LineCorpus, lines_from_items
from .memory_tasks import AddingProblem, CopyTask
from .pairs import load_dates_demo
from .scenes import load_scenes_demo
from .series import load_weather_demo
from .stdlib import stdlib_modules
from .text import TextStream, stream_from_text

NAMES_FILES = ("dist.male.first", "dist.female.first")
PYTHON_CODE_CHARS = 2_000_000  # stop adding source files once this much text is collected
ADDING_LAG = 50  # the adding problem's sequence length in its demo
COPY_LAG, COPY_SYMBOLS = 10, 3  # the copy task's demo: blanks to wait across, symbols to remember
PYTHON_TAGS_CHARS = 500_000  # characters of tagged source: about 2,000 items of whole lines
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
    template: str = "stacked"  # the palette template a new project of this demo starts from
    download_bytes: int = 0  # a demo downloaded on first use: its size; its ``load`` takes a progress callback


def load_demo(name: str, progress: Progress | None = None) -> Corpus:
    """The demo's corpus; ``progress(done, total)`` hears how a first-use download goes."""
    if name not in DEMOS:
        raise DataError(f"there is no demo called {name!r}; the demos are {', '.join(DEMOS)}.")
    demo = DEMOS[name]
    return demo.load(progress) if demo.download_bytes else demo.load()


def suggested_steps(data_description: dict) -> int:
    """How long to train on data described so: a demo's own steps, else 1,000."""
    source = data_description.get("source", "")
    demo = DEMOS.get(source.removeprefix("demo:")) if source.startswith("demo:") else None
    return demo.steps if demo else 1000


def _load_names() -> LineCorpus:
    """First names from the US census lists, de-duplicated, title-cased and sorted."""
    shares = _census_names()
    names = sorted(set(shares["male"]) | set(shares["female"]))
    return lines_from_items(names, "demo:names", DEMOS["names"].title)


def _census_names() -> dict[str, dict[str, float]]:
    """Each census list's names with the share of that sex's population bearing it (percent)."""
    package = importlib.util.find_spec("names")
    if package is None or package.origin is None:
        raise DataError("the 'names' package, which holds the names demos, is not installed.")
    folder = Path(package.origin).parent
    shares: dict[str, dict[str, float]] = {}
    for sex, file_name in zip(("male", "female"), NAMES_FILES):
        shares[sex] = {}
        for line in (folder / file_name).read_text(encoding="ascii").splitlines():
            if line.strip():
                name, share = line.split()[:2]
                shares[sex][name.title()] = float(share)
    return shares


def _load_names_sex() -> LabelledCorpus:
    """First names labelled with the sex whose census list holds them.

    331 names are on both lists (Jordan, Ashley, Ali...). Dropping them would make the task
    look easier than it is, so each keeps the label of the list on which it is the larger share
    of the population (the two censused populations are about equal in size); the notes say
    how many such names there are and how many are close calls (the smaller share above half
    the larger), which no model can get reliably right.
    """
    shares = _census_names()
    male, female = shares["male"], shares["female"]
    both = set(male) & set(female)
    close = {name for name in both if min(male[name], female[name]) > 0.5 * max(male[name], female[name])}
    names = sorted(set(male) | set(female))
    labels = ["male" if male.get(name, 0.0) > female.get(name, 0.0) else "female" for name in names]
    notes = {"names_on_both_lists": len(both), "close_calls": len(close)}
    demo = DEMOS["names-sex"]
    return labelled_corpus(names, labels, "class", f"demo:{demo.name}", demo.title, notes=notes)


def _load_python_code() -> TextStream:
    """Pure-ASCII standard-library modules in path order, up to about PYTHON_CODE_CHARS."""
    sources, length = [], 0
    for path in stdlib_modules():
        data = path.read_bytes()
        if not data.isascii():
            continue
        sources.append(data.decode("ascii").replace("\r\n", "\n").rstrip("\n") + "\n")
        length += len(sources[-1]) + 1
        if length >= PYTHON_CODE_CHARS:
            break
    return stream_from_text("\n".join(sources), "demo:python-code", DEMOS["python-code"].title)


def _load_python_tags() -> LabelledCorpus:
    """Standard-library source, every character tagged with its token class by ``tokenize``."""
    from .python_tags import TAGS, python_tagging_items

    items = python_tagging_items(PYTHON_TAGS_CHARS)
    demo = DEMOS["python-tags"]
    texts, tags = [text for text, _ in items], [tags for _, tags in items]
    return labelled_corpus(texts, tags, "tags", f"demo:{demo.name}", demo.title, label_names=TAGS)


def _load_adding() -> AddingProblem:
    """The long-range lab's adding problem at T = 50: an LSTM half learns it, a tanh RNN not at all."""
    task = AddingProblem.generate(ADDING_LAG)
    task.description.update(source="demo:adding", title=f"{DEMOS['adding'].title}, T = {ADDING_LAG}")
    return task


def _load_shakespeare(progress: Progress | None) -> TextStream:
    """char-rnn's tiny-shakespeare, downloaded once (checked against its SHA-256) and cached."""
    corpus = load_shakespeare(progress)
    corpus.description.update(source="demo:shakespeare")
    return corpus


def _load_copy() -> CopyTask:
    """The lab's copy task: three symbols across T = 10 blanks (an LSTM and a GRU learn it, a tanh RNN not)."""
    task = CopyTask.generate(COPY_LAG, symbols=COPY_SYMBOLS)
    task.description.update(source="demo:copy", title=f"{DEMOS['copy'].title}, T = {COPY_LAG}")
    return task


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
    from .handwriting.corpus import StrokeCorpus
    from .handwriting.synthetic import synthesize_corpus

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
            name="shakespeare",
            title="Tiny Shakespeare (download)",
            description="The 1.1 MB of Shakespeare that char-rnn learned from, downloaded once from GitHub, "
            "checked and kept in a local cache. A character model learns verse, speakers and old spelling.",
            load=_load_shakespeare,
            hidden_size=256,
            num_layers=2,
            batch_size=32,
            seq_len=100,
            steps=5000,
            download_bytes=SHAKESPEARE.size,
        ),
        Demo(
            name="names-sex",
            title="First names by sex",
            description="The census first names, each labelled female or male (names on both lists keep "
            "their commoner use). A classifier reads the letters; attention shows which ones decide.",
            load=_load_names_sex,
            hidden_size=64,
            num_layers=1,
            batch_size=64,
            seq_len=20,
            steps=800,  # held-out loss is lowest near here; longer runs overfit 5,000 names
            template="attention",
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
            name="python-tags",
            title="Python token classes",
            description="Standard-library source with every character tagged by Python's own tokenizer "
            "(keyword, name, number, string, comment, operator, whitespace, newline). Tagging needs "
            "context from both sides: a bidirectional model sees where a string or a word ends.",
            load=_load_python_tags,
            hidden_size=64,
            num_layers=1,
            batch_size=32,
            seq_len=300,
            steps=1500,
            template="bidirectional",
        ),
        Demo(
            name="dates",
            title="Dates to ISO",
            description='Dates as people write them ("Sunday, 22 November 2026", "22/11/26", '
            '"Nov 22nd 2026") and in ISO form. An encoder–decoder translates; attention shows which '
            "characters each output digit reads.",
            load=load_dates_demo,
            hidden_size=64,
            num_layers=1,
            batch_size=64,
            seq_len=64,
            steps=2500,
            learning_rate=3e-3,
            template="attention",
        ),
        Demo(
            name="weather",
            title="Weather-like series",
            description="Three years of hourly temperature and humidity: daily and yearly cycles, a slow "
            "warming trend and noise. A forecaster learns the next hours; compare it with tomorrow = today.",
            load=load_weather_demo,
            hidden_size=64,
            num_layers=1,
            batch_size=32,
            seq_len=96,
            steps=3000,
        ),
        Demo(
            name="adding",
            title="Adding problem",
            description="The long-range lab: add the two marked numbers of a sequence of 50, the first far "
            "back. Train RNN, LSTM and GRU on it and watch the tanh RNN's gradient vanish.",
            load=_load_adding,
            hidden_size=64,
            num_layers=1,
            batch_size=32,
            seq_len=ADDING_LAG,
            steps=2000,
            learning_rate=1e-3,
        ),
        Demo(
            name="scenes",
            title="Captioned scenes",
            description='Pictures of one or two coloured shapes with captions such as "a red circle above a '
            'blue square". A small CNN reads the picture and an LSTM writes the caption, attending over a '
            "6×6 grid: see where it looks for each word.",
            load=load_scenes_demo,
            hidden_size=128,
            num_layers=1,
            batch_size=64,
            seq_len=16,
            steps=2500,
            learning_rate=3e-3,
            template="captioning",
        ),
        Demo(
            name="copy",
            title="Copy task",
            description="The long-range lab: remember three symbols across ten blank steps, then write them "
            "back. A GRU learns it first, an LSTM later, a tanh RNN not at all.",
            load=_load_copy,
            hidden_size=64,
            num_layers=1,
            batch_size=32,
            seq_len=COPY_LAG,
            steps=1500,
            learning_rate=1e-3,
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

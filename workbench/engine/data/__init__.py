"""Training data: every kind of corpus (``base.Corpus``), vocabularies, batching, users' files and the
built-in demos.

Numpy only, so the data can be inspected and tested without torch or Qt.
"""

from .batching import IGNORE_INDEX, Batch, Batcher
from .corpus import Corpus, corpus_from_arrays, corpus_kinds
from .demos import DEFAULT_DEMO, DEMOS, Demo, load_demo
from .lines import LineCorpus, load_lines_file
from .text import TextStream
from .text_streaming import load_text_file
from .vocab import BOUNDARY, UNKNOWN, Vocabulary

__all__ = [
    "BOUNDARY",
    "DEFAULT_DEMO",
    "DEMOS",
    "IGNORE_INDEX",
    "UNKNOWN",
    "Batch",
    "Batcher",
    "Corpus",
    "Demo",
    "LineCorpus",
    "TextStream",
    "Vocabulary",
    "corpus_from_arrays",
    "corpus_kinds",
    "load_demo",
    "load_lines_file",
    "load_text_file",
]

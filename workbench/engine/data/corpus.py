"""The kinds of corpus (text streams, line items, handwriting lines), and rebuilding any of
them from what a project file stores."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import DataError
from ..handwriting.corpus import StrokeCorpus
from .lines import LineCorpus
from .text import TextStream

Corpus = TextStream | LineCorpus | StrokeCorpus
CORPUS_KINDS: dict[str, type[TextStream] | type[LineCorpus] | type[StrokeCorpus]] = {
    TextStream.kind: TextStream,
    LineCorpus.kind: LineCorpus,
    StrokeCorpus.kind: StrokeCorpus,
}


def corpus_from_arrays(
    description: dict[str, Any], vocabulary: dict[str, Any], arrays: dict[str, np.ndarray]
) -> Corpus:
    """The corpus whose ``description``, ``vocab.to_json()`` and ``arrays()`` these are."""
    kind = description.get("kind")
    if kind not in CORPUS_KINDS:
        raise DataError(
            f"unknown kind of training data {kind!r}; known kinds are {', '.join(CORPUS_KINDS)}."
        )
    return CORPUS_KINDS[kind].from_arrays(description, vocabulary, arrays)

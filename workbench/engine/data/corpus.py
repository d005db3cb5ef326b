"""The kinds of corpus (text streams, line items, handwriting lines, ...), and rebuilding any of
them from what a project file stores."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..common.errors import DataError
from .base import Corpus
from .handwriting.corpus import StrokeCorpus
from .labelled import LabelledCorpus
from .lines import LineCorpus
from .memory_tasks import AddingProblem, CopyTask
from .pairs import PairCorpus
from .scenes import SceneCorpus
from .series import SeriesCorpus
from .text import TextStream

__all__ = ["Corpus", "corpus_from_arrays", "corpus_kinds"]


def corpus_kinds() -> dict[str, type[Corpus]]:
    """Each kind of corpus by the name its project file stores."""
    return {
        corpus.kind: corpus
        for corpus in (
            TextStream,
            LineCorpus,
            LabelledCorpus,
            PairCorpus,
            SeriesCorpus,
            AddingProblem,
            CopyTask,
            SceneCorpus,
            StrokeCorpus,
        )
    }


def corpus_from_arrays(
    description: dict[str, Any], vocabulary: dict[str, Any], arrays: dict[str, np.ndarray]
) -> Corpus:
    """The corpus whose ``description``, ``vocab.to_json()`` and ``arrays()`` these are."""
    kind, kinds = description.get("kind"), corpus_kinds()
    for name in ("source", "title", "level"):
        if not isinstance(description.get(name, ""), str):
            raise DataError(f"the stored data description's {name!r} is not text.")
    if not isinstance(description.get("notes", {}), dict):
        raise DataError("the stored data description's notes are not a table.")
    if kind not in kinds:
        raise DataError(f"unknown kind of training data {kind!r}; known kinds are {', '.join(kinds)}.")
    return kinds[kind].from_arrays(description, vocabulary, arrays)

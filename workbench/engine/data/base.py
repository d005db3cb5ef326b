"""What every corpus is: the ``Corpus`` protocol, the ``Task`` a corpus asks of a model, and the
names of its two splits.

A corpus is held out into a training and a validation split, knows what a model of it reads
and predicts (its ``Task``), makes batches of either split, and round-trips through the arrays
and JSON a project file stores. The kinds of corpus are listed in ``corpus.corpus_kinds``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..spec import HeadSpec, InputSpec
from .batching import Batcher

SPLIT_NAMES = {"train": "training", "val": "validation"}  # split -> the word a message uses
MIXTURE_COMPONENTS = 20  # M, as in Graves (2013) section 4.2


@dataclass(frozen=True)
class Task:
    """What a data set asks of a model."""

    title: str  # "language model", "tagging", ...
    inputs: InputSpec
    head: HeadSpec
    target_inputs: InputSpec | None = None  # sequence-to-sequence and captioning data only
    alphabet_size: int = 0  # handwriting data with text: the characters a synthesis window reads


def language_model_task(vocab_size: int, embedding_dim: int = 64) -> Task:
    return Task(
        "language model",
        InputSpec(kind="tokens", vocab_size=vocab_size, embedding_dim=embedding_dim),
        HeadSpec(kind="next_token", num_outputs=vocab_size),
    )


def handwriting_task(alphabet_size: int, components: int = MIXTURE_COMPONENTS) -> Task:
    """Pen moves (dx, dy, end of stroke) in, a mixture density over the next move out."""
    return Task(
        "handwriting",
        InputSpec(kind="features", feature_dim=3),
        HeadSpec(kind="mixture_density", num_outputs=components),
        alphabet_size=alphabet_size,
    )


@runtime_checkable
class Corpus(Protocol):
    """Training data of one kind, split into ``SPLIT_NAMES``; what trainer, project and window use.

    A corpus whose models the probes can read (one sequence in, a prediction per step or per
    sequence) also has ``probe_example(length) -> ProbeExample``: a fixed validation example
    of about ``length`` steps to look inside the model with. Translation pairs, pictures and
    pen strokes have none.
    """

    kind: str  # the name a project file stores: "stream", "lines", "labelled", ...

    @classmethod
    def from_arrays(
        cls, description: dict[str, Any], vocabulary: dict[str, Any], arrays: dict[str, np.ndarray]
    ) -> Corpus:
        """The corpus a project file stored as ``arrays()`` with its description and vocabulary."""

    def arrays(self) -> dict[str, np.ndarray]:
        """What a project file stores of it, as named arrays."""

    @property
    def source(self) -> str:
        """Where it came from, for messages: a file name or a demo's title."""

    def task(self, embedding_dim: int = 64) -> Task: ...

    def batcher(self, split: str, batch_size: int, seq_len: int, seed: int) -> Batcher: ...

    def check_fits(self, batch_size: int, seq_len: int) -> None:
        """Raise ``DataError`` when a split is too small for one batch of this shape."""

    def stats(self) -> dict[str, Any]: ...

    def preview(self, max_chars: int = 400) -> str: ...

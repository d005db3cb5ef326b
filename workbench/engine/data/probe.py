"""The held-out sequence a model is looked inside with: what it reads, what it should answer,
and each step as text for the views."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class ProbeExample:
    inputs: np.ndarray  # (T,) int64 ids, or (T, F) float32 features
    targets: np.ndarray  # one sequence's targets as the head's loss takes them: (T, ...) per step, () a class
    labels: tuple[str, ...]  # (T,) each input step as text

    @property
    def token_ids(self) -> np.ndarray:
        """(T,) the input ids; zeros for feature inputs, which have none."""
        return self.inputs if self.inputs.ndim == 1 else np.zeros(len(self.inputs), np.int64)


def next_token_example(ids: np.ndarray, tokens: Sequence[str]) -> ProbeExample:
    """A language model's probe: ``ids`` (T+1,) read up to the last, each predicting the next."""
    ids = np.asarray(ids, np.int64)
    return ProbeExample(ids[:-1], ids[1:], tuple(tokens[i] for i in ids[:-1]))

"""How well a classifier or tagger does: the confusion matrix and what is read from it (numpy
only, so the views can read it without torch)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LabelScores:
    """Scores of one evaluation, all read from the confusion matrix."""

    label_names: tuple[str, ...]
    confusion: np.ndarray  # (C, C) int64: rows true label, columns predicted

    @property
    def total(self) -> int:
        return int(self.confusion.sum())

    @property
    def accuracy(self) -> float:
        return float(np.trace(self.confusion) / max(1, self.total))

    @property
    def support(self) -> np.ndarray:
        """(C,) how many items (or tokens) truly carry each label."""
        return self.confusion.sum(1)

    @property
    def recall(self) -> np.ndarray:
        """(C,) of the items truly labelled c, the share predicted c (NaN if there are none)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.diag(self.confusion) / self.support

    @property
    def precision(self) -> np.ndarray:
        """(C,) of the items predicted c, the share truly labelled c (NaN if none were predicted)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.diag(self.confusion) / self.confusion.sum(0)

    @property
    def balanced_accuracy(self) -> float:
        """Mean recall over the labels present: what guessing the commonest label cannot inflate."""
        recall = self.recall
        present = ~np.isnan(recall)
        return float(recall[present].mean()) if present.any() else float("nan")

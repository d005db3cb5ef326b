"""A classifier's or a tagger's answer for a text the user types."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..common.errors import DataError
from ..data.labelled import LabelledCorpus, token_ids
from ..model.inference_mode import inference


@dataclass(frozen=True, eq=False)
class Classification:
    """The class probabilities of one text, and which of its tokens the pooling weighed."""

    text: str
    tokens: tuple[str, ...]
    label_names: tuple[str, ...]
    probabilities: np.ndarray  # (C,) float32
    attention: np.ndarray | None  # (tokens,) float32 weights summing to 1; None without attention pooling

    @property
    def label(self) -> str:
        return self.label_names[int(np.argmax(self.probabilities))]


@dataclass(frozen=True, eq=False)
class Tagging:
    """The most likely tag of each token of one text, and how sure the model is of it."""

    text: str
    tokens: tuple[str, ...]
    label_names: tuple[str, ...]
    tags: np.ndarray  # (tokens,) int64 ids into label_names
    confidence: np.ndarray  # (tokens,) float32 probability of each chosen tag


def _encode(corpus: LabelledCorpus, text: str) -> tuple[torch.Tensor, tuple[str, ...]]:
    if not text.strip():
        raise DataError("type something to run the model on.")
    tokens = tuple(text) if corpus.vocab.level == "char" else tuple(text.split())
    if corpus.vocab.level == "char":
        unseen = sorted({char for char in text if corpus.vocab.id_of(char) is None})
        if unseen:
            shown = " ".join(repr(char) for char in unseen[:8])
            raise DataError(f"the training data never had the character{'s' * (len(unseen) > 1)} {shown}.")
    ids = token_ids(corpus.vocab, text if corpus.vocab.level == "char" else list(tokens))
    return torch.from_numpy(np.asarray(ids, np.int64))[None], tokens  # (1, T)


def classify(model: nn.Module, corpus: LabelledCorpus, text: str) -> Classification:
    ids, tokens = _encode(corpus, text)
    with inference(model) as device:
        logits, _ = model(ids.to(device))  # (1, C)
        weights = model.head.last_weights if model.spec.head.pooling == "attention" else None
        probabilities = logits.softmax(-1)[0].float().cpu().numpy().copy()
        attention = None if weights is None else weights[0].float().cpu().numpy().copy()
    return Classification(text, tokens, corpus.label_names, probabilities, attention)


def tag(model: nn.Module, corpus: LabelledCorpus, text: str) -> Tagging:
    ids, tokens = _encode(corpus, text)
    with inference(model) as device:
        logits, _ = model(ids.to(device))  # (1, T, C)
        confidence, tags = logits.softmax(-1)[0].max(-1)
    return Tagging(text, tokens, corpus.label_names, tags.cpu().numpy().copy(), confidence.float().cpu().numpy().copy())

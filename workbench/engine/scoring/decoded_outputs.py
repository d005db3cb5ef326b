"""Exact match, word BLEU and char-BLEU of what a translator or a captioner writes for a split,
decoded in batches, with progress and cancel."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from torch import nn

from ..common.errors import DataError
from ..data.base import SPLIT_NAMES
from ..data.pairs import PairCorpus
from ..data.scenes import SceneCorpus
from ..inference.captions import decode_pictures
from ..inference.captions import default_max_len as caption_max_len
from ..inference.decoding import GREEDY_BATCH
from ..inference.translation import beam_search, default_max_len, greedy_decode_batch
from ..model.captioning import CaptioningModel
from .output_scores import OutputScores, score_texts


def evaluate_translation(
    model: nn.Module,
    corpus: PairCorpus,
    split: str,
    beam_width: int = 1,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> OutputScores:
    """Exact match, word BLEU and char-BLEU of the model's outputs for the first ``limit`` pairs
    of ``split``; ``progress(done, total)`` after each batch, and the pairs decoded so far are
    scored once ``cancelled()`` is true (the count then says how many)."""
    if split not in SPLIT_NAMES:
        raise DataError(f"unknown split {split!r}; the splits are {', '.join(SPLIT_NAMES)}.")
    sources, targets = corpus.ids(split)
    sources, targets = sources[:limit], targets[:limit]
    max_len, boundary = default_max_len(corpus), corpus.vocab.target.boundary
    batch = GREEDY_BATCH if beam_width == 1 else 1
    outputs: list[np.ndarray] = []
    for start in range(0, len(sources), batch):
        if cancelled():
            break
        chosen = sources[start : start + batch]
        if beam_width == 1:
            outputs += [decoded.ids for decoded in greedy_decode_batch(model, chosen, max_len, boundary)]
        else:
            outputs.append(beam_search(model, chosen[0], beam_width, max_len, boundary=boundary).ids)
        if progress is not None:
            progress(len(outputs), len(sources))
    decode = corpus.vocab.target.decode
    return score_texts(
        split, beam_width, [decode(ids) for ids in outputs], [decode(ids) for ids in targets[: len(outputs)]]
    )


def evaluate_captions(
    model: CaptioningModel,
    corpus: SceneCorpus,
    split: str,
    limit: int | None = None,
    beam_width: int = 1,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> OutputScores:
    """Exact match, word BLEU and char-BLEU of the model's captions for the first ``limit``
    pictures of ``split``; progress and cancel as ``evaluate_translation``."""
    images, references = corpus.images(split)[:limit], corpus.caption_texts(split)[:limit]
    max_len, boundary = caption_max_len(corpus), corpus.vocab.boundary
    captions: list[str] = []
    for start in range(0, len(images), GREEDY_BATCH):
        if cancelled():
            break
        decoded = decode_pictures(model, images[start : start + GREEDY_BATCH], beam_width, max_len, boundary)
        captions += [corpus.vocab.decode(output.ids) for output in decoded]
        if progress is not None:
            progress(len(captions), len(images))
    return score_texts(split, beam_width, captions, references[: len(captions)])

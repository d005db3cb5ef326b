"""Translating with a trained encoder–decoder: greedy and beam-search decoding.

Decoding starts the decoder on BOUNDARY (the start mark) and stops when it writes BOUNDARY
again (the end mark) or after ``max_len`` tokens. Attention weights come back in the order of
the source as typed, also when the model reads its source reversed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..data.pairs import BOUNDARY_ID, PairCorpus, pad_sources
from ..model.inference_mode import inference
from ..model.recurrence import reverse_padded
from .decoding import Decoded, beam_steps, greedy_steps, until_end


@dataclass(frozen=True, eq=False)
class Translation:
    """A typed source, what the model wrote for it, and where it looked while writing."""

    source: str
    source_tokens: tuple[str, ...]
    output: str
    output_tokens: tuple[str, ...]
    attention: np.ndarray | None  # (output tokens, source tokens) float32 copy; None without attention
    log_prob: float


def in_source_order(model: nn.Module, weights: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Attention (B, N, S) over the encoder's steps -> over the source as typed.

    A model that reverses its source attends over the reversed steps; turn each row's real
    steps back around.
    """
    if not model.spec.reverse_source:
        return weights
    return reverse_padded(weights.transpose(1, 2), lengths).transpose(1, 2)


def greedy_decode(model: nn.Module, source_ids: Sequence[int], max_len: int, boundary: int = BOUNDARY_ID) -> Decoded:
    """The likeliest token at every step, for one source."""
    return greedy_decode_batch(model, [np.asarray(source_ids, np.int64)], max_len, boundary)[0]


def greedy_decode_batch(
    model: nn.Module, sources: Sequence[np.ndarray], max_len: int, boundary: int = BOUNDARY_ID
) -> list[Decoded]:
    """Greedy decoding of many sources at once; each stops at its own end mark."""
    with inference(model) as device:
        ids, mask = (torch.from_numpy(array).to(device) for array in pad_sources(sources))
        memory, state = model.encode(ids, mask)  # (B, S, W), decoder state
        tokens, log_probs, weights = greedy_steps(model, memory, state, mask, max_len, boundary)
        attention = None
        if weights is not None:
            attention = in_source_order(model, weights, mask.sum(1)).float().cpu().numpy()  # (B, N, S)
    return [
        until_end(tokens[b], log_probs[b], None if attention is None else attention[b, :, : len(sources[b])], boundary)
        for b in range(len(sources))
    ]


def beam_search(
    model: nn.Module,
    source_ids: Sequence[int],
    beam_width: int,
    max_len: int,
    length_penalty: float = 0.0,
    boundary: int = BOUNDARY_ID,
) -> Decoded:
    """The best-scoring output found by keeping the ``beam_width`` likeliest partial outputs
    (see ``decoding.beam_steps``). Beam search is not exhaustive: it usually beats greedy
    decoding, but is not certain to.
    """
    with inference(model) as device:
        source = torch.tensor(np.array(source_ids, np.int64), device=device)[None]  # (1, S)
        mask = torch.ones_like(source, dtype=torch.bool)
        memory, state = model.encode(source, mask)  # (1, S, W)
        winner = beam_steps(model, memory, state, mask, beam_width, max_len, length_penalty, boundary)
        weights = None
        if winner.rows:
            stacked = torch.stack(winner.rows)[None]  # (1, N, S)
            weights = in_source_order(model, stacked, mask.sum(1))[0].float().cpu().numpy().copy()
        elif model.attention is not None:
            weights = np.zeros((0, source.shape[1]), np.float32)
    return Decoded(np.array(winner.ids, np.int64), weights, winner.log_prob, winner.ended)


def default_max_len(corpus: PairCorpus) -> int:
    """Room for twice the corpus's longest target: a model that never ends still stops."""
    return 2 * corpus.longest[1] + 2


def translate(model: nn.Module, corpus: PairCorpus, text: str, beam_width: int = 1, max_len: int = 0) -> Translation:
    """``text`` as the model translates it, greedily or by beam search, with its attention.

    Characters (or, at the word level, nothing: unseen words read as unknown) the sources never
    used raise DataError naming them. ``max_len`` 0 means ``default_max_len``.
    """
    ids = corpus.encode_source(text)
    max_len = max_len or default_max_len(corpus)
    if beam_width == 1:
        decoded = greedy_decode(model, ids, max_len, corpus.vocab.target.boundary)
    else:
        decoded = beam_search(model, ids, beam_width, max_len, boundary=corpus.vocab.target.boundary)
    source_vocab, target_vocab = corpus.vocab.source, corpus.vocab.target
    return Translation(
        source=text.strip(),
        source_tokens=tuple(source_vocab.tokens[i] for i in ids.tolist()),
        output=target_vocab.decode(decoded.ids),
        output_tokens=tuple(target_vocab.tokens[i] for i in decoded.ids.tolist()),
        attention=decoded.weights,
        log_prob=decoded.log_prob,
    )

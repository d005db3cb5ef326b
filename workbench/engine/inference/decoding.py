"""Writing with a trained decoder, one token at a time: greedy decoding and beam search.

Works for any model with ``decode(target, state, memory, memory_mask) -> (logits, state,
weights)`` once its ``encode`` has made the memory and the decoder's initial state: translators
(``Seq2SeqModel``) and captioners (``CaptioningModel``). Decoding starts the decoder on the
boundary token (the start mark) and stops when it writes the boundary again (the end mark) or
after ``max_len`` tokens. Run it under ``inference(model)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..common.errors import WorkbenchError
from ..model.recurrence import State

GREEDY_BATCH = 256  # sequences decoded together when scoring greedily

LENGTH_PENALTY_BASE = 5  # lp(Y) = ((5 + |Y|) / 6)^α, Wu et al. (2016), eq. 14


@dataclass(frozen=True, eq=False)
class Decoded:
    """One decoded output."""

    ids: np.ndarray  # (N,) int64 target ids, without the end mark
    weights: np.ndarray | None  # (N, S) float32 attention over the source per output token; None without
    log_prob: float  # log p(output, end mark | source); without the end mark when it was cut at max_len
    ended: bool  # the model wrote the end mark within max_len


def greedy_steps(
    model: nn.Module,
    memory: torch.Tensor,
    state: State,
    memory_mask: torch.Tensor | None,
    max_len: int,
    boundary: int,
) -> tuple[np.ndarray, np.ndarray, torch.Tensor | None]:
    """The likeliest token at every step for a batch of encoded inputs, ``memory`` (B, S, W).

    Returns the tokens (B, N) and their log probs (B, N) as numpy arrays, and the attention
    (B, N, S) or None; every row runs until all have written the end mark (see ``until_end``).
    """
    check_max_len(max_len)
    token = torch.full((memory.shape[0], 1), boundary, dtype=torch.long, device=memory.device)
    chosen, chosen_log_probs, rows = [], [], []
    ended = torch.zeros(memory.shape[0], dtype=torch.bool, device=memory.device)
    for _ in range(max_len):
        logits, state, weights = model.decode(token, state, memory, memory_mask)  # (B, 1, V), (B, 1, S)
        best_log_prob, best = logits[:, -1].float().log_softmax(-1).max(-1)  # (B,), (B,)
        chosen.append(best)
        chosen_log_probs.append(best_log_prob)
        if weights is not None:
            rows.append(weights[:, -1])
        token = best[:, None]
        ended |= best == boundary
        if bool(ended.all()):
            break
    tokens = torch.stack(chosen, 1).cpu().numpy()  # (B, N)
    log_probs = torch.stack(chosen_log_probs, 1).cpu().numpy()  # (B, N)
    return tokens, log_probs, torch.stack(rows, 1) if rows else None


def until_end(tokens: np.ndarray, log_probs: np.ndarray, weights: np.ndarray | None, boundary: int) -> Decoded:
    """One row of a batched decoding, cut at its first end mark (which its log prob counts)."""
    ends = np.flatnonzero(tokens == boundary)
    steps = int(ends[0]) if len(ends) else len(tokens)
    log_prob = float(log_probs[: steps + 1].sum(dtype=np.float64))
    kept = None if weights is None else weights[:steps].copy()
    return Decoded(tokens[:steps].astype(np.int64), kept, log_prob, bool(len(ends)))


@dataclass(frozen=True)
class Hypothesis:
    """A partial (or finished) output of beam search."""

    ids: tuple[int, ...]
    log_prob: float
    rows: tuple[torch.Tensor, ...]  # attention over the memory, one (S,) row per token
    ended: bool = False

    def extended(self, token: int, log_prob: float, row: torch.Tensor | None, ended: bool) -> Hypothesis:
        ids = self.ids if ended else self.ids + (token,)
        rows = self.rows if ended or row is None else self.rows + (row,)
        return Hypothesis(ids, log_prob, rows, ended)

    def score(self, length_penalty: float) -> float:
        """log p / lp(Y), with lp(Y) = ((5 + |Y|) / 6)^α counting the end mark (Wu et al., 2016)."""
        length = len(self.ids) + self.ended
        return self.log_prob / ((LENGTH_PENALTY_BASE + length) / (LENGTH_PENALTY_BASE + 1)) ** length_penalty


def beam_steps(
    model: nn.Module,
    memory: torch.Tensor,
    state: State,
    memory_mask: torch.Tensor | None,
    beam_width: int,
    max_len: int,
    length_penalty: float,
    boundary: int,
) -> Hypothesis:
    """The best-scoring output for one encoded input, ``memory`` (1, S, W), found by keeping the
    ``beam_width`` likeliest partial outputs.

    At every step each partial output is extended by every token and the ``beam_width`` likeliest
    extensions are kept; one that ends leaves the beam for the finished set, so the beam
    shrinks (Sutskever et al., 2014, section 3.3). The answer is the finished (or, at
    ``max_len``, unfinished) output of best score, log p divided by the length penalty of Wu et
    al. (2016) when ``length_penalty`` α > 0.
    """
    check_beam_width(beam_width)
    check_max_len(max_len)
    device = memory.device
    alive, alive_log_probs, finished = [Hypothesis((), 0.0, ())], torch.zeros(1, device=device), []
    for _ in range(max_len):
        count = len(alive)
        token = torch.tensor([[h.ids[-1] if h.ids else boundary] for h in alive], device=device)  # (K, 1)
        mask = None if memory_mask is None else memory_mask.expand(count, -1)
        logits, state, weights = model.decode(token, state, memory.expand(count, -1, -1), mask)  # (K, 1, V)
        totals = alive_log_probs[:, None] + logits[:, -1].float().log_softmax(-1)  # (K, V)
        best, places = totals.flatten().topk(min(beam_width, totals.numel()))
        parents, next_alive = [], []
        for log_prob, place in zip(best.tolist(), places.tolist()):
            parent, token_id = divmod(place, totals.shape[1])
            row = None if weights is None else weights[parent, -1]
            hypothesis = alive[parent].extended(token_id, log_prob, row, ended=token_id == boundary)
            if hypothesis.ended:
                finished.append(hypothesis)
            else:
                parents.append(parent)
                next_alive.append(hypothesis)
        alive = next_alive
        if not alive:
            break
        state = select_state(state, torch.tensor(parents, device=device))
        alive_log_probs = torch.tensor([h.log_prob for h in alive], device=device)
    return max(finished + alive, key=lambda h: h.score(length_penalty))


def select_state(state: State, index: torch.Tensor) -> State:
    """The decoder state of the hypotheses at ``index`` (states are (layers, K, H))."""
    if isinstance(state, tuple):
        return tuple(part.index_select(1, index) for part in state)
    return state.index_select(1, index)


def check_beam_width(beam_width: int) -> None:
    if beam_width < 1:
        raise WorkbenchError(f"the beam width must be at least 1, not {beam_width}")


def check_max_len(max_len: int) -> None:
    if max_len < 1:
        raise WorkbenchError(f"the longest output must be at least 1 token, not {max_len}")

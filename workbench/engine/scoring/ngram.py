"""An n-gram language model with interpolated modified Kneser–Ney smoothing (numpy only): the
count-based baseline a recurrent language model has to beat.

Chen & Goodman, "An Empirical Study of Smoothing Techniques for Language Modeling" (Harvard
TR-10-98, 1998), interpolated modified Kneser–Ney (section 3): for an n-gram ``h w`` (context
``h`` of k − 1 tokens) at order k,

    p_k(w | h) = (max(a(h w) − D(a(h w)), 0) + γ(h) · p_{k−1}(w | h')) / Σ_v a(h v)
    γ(h)       = D₁ N₁(h •) + D₂ N₂(h •) + D₃₊ N₃₊(h •)

where h' is h without its first token, N_j(h •) the number of tokens v with a(h v) = j (3 or
more for N₃₊), D(0) = 0, and a the count used at that order: the raw count c(h w) at the top
order n, the continuation count N₁₊(• h w) — how many distinct tokens precede h w — at every
lower order (Kneser & Ney 1995). The discounts of each order come from its counts of counts
n_j, the number of n-grams of that order with a = j (Chen & Goodman's estimates, after Ney,
Essen & Kneser 1994):

    Y = n₁ / (n₁ + 2 n₂),   D₁ = 1 − 2Y n₂/n₁,   D₂ = 2 − 3Y n₃/n₂,   D₃₊ = 3 − 4Y n₄/n₃

(on counts too sparse for these, or when one falls outside (0, j], the order uses the single
discount Y of plain Kneser–Ney, or 0.5 without singletons). A context never seen at an order,
Σ_v a(h v) = 0, hands its whole probability to the order below. Under order 1 lies the uniform
distribution over the vocabulary, so a token never seen in training keeps a probability above
zero and the cross-entropy stays finite; the probabilities over the vocabulary sum to 1 for
every context.

A token near the start of the scored stream, with fewer than n − 1 tokens before it, is scored
from the ones it has: its context is unseen at the higher orders.

Counting is vectorised: a k-gram's code is its first token times the number of distinct
(k − 1)-grams plus the rank of the (k − 1)-gram after that token, so codes stay below
vocabulary size × corpus length (exact, no hashing) and np.unique sorts each order once:
2 MB of characters at order 5 count in under a second, 10⁷ words at order 3 in about 7 s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..common.errors import DataError

CHAR_ORDER = 5  # characters: 4 before each
WORD_ORDER = 3  # words: 2 before each
MAX_CODE = 2**62


@dataclass(frozen=True)
class _Order:
    """The n-grams of one order k seen in training, and what their contexts hold."""

    codes: np.ndarray  # (G,) int64, sorted: each distinct k-gram
    adjusted: np.ndarray  # (G,) float64: its raw count (top order) or continuation count (lower orders)
    discounts: np.ndarray  # (4,) float64: D(0) = 0, D₁, D₂, D₃₊
    context_total: np.ndarray  # (R,) float64: Σ_v a(h v) for each (k − 1)-gram h
    context_gamma: np.ndarray  # (R,) float64: γ(h)


class KneserNey:
    """An n-gram model of ``order`` n over ids 0 .. vocab_size − 1, counted on one stream."""

    def __init__(self, train_ids: np.ndarray, vocab_size: int, order: int) -> None:
        if order < 1:
            raise DataError(f"an n-gram model needs an order of at least 1, not {order}.")
        tokens = _checked_ids(train_ids, vocab_size, "training")
        if len(tokens) < order:
            raise DataError(
                f"an n-gram model of order {order} needs at least {order} training tokens, not {len(tokens)}."
            )
        self.vocab_size, self.order = vocab_size, order
        self._orders = _count(tokens, vocab_size, order)

    def log_probs(self, ids: np.ndarray) -> np.ndarray:
        """(M,) natural log-probability of each token of ``ids`` given up to n − 1 tokens before it."""
        tokens = _checked_ids(ids, self.vocab_size, "scored")
        padded = np.concatenate([np.full(self.order - 1, -1, np.int64), tokens])
        return self.window_log_probs(np.lib.stride_tricks.sliding_window_view(padded, self.order))

    def cross_entropy(self, ids: np.ndarray) -> float:
        """Mean negative log-probability of the tokens of ``ids``, in nats per token."""
        return float(-self.log_probs(ids).mean()) if len(ids) else float("nan")

    def window_log_probs(self, windows: np.ndarray) -> np.ndarray:
        """(Q,) log p(last token | the ones before it) for ``windows`` (Q, n) of ids; −1 is no token."""
        windows = np.asarray(windows, np.int64)
        target_grams = self._grams_ending_at(windows, windows.shape[1] - 1)  # [k]: rank of the k-gram
        context_grams = self._grams_ending_at(windows, windows.shape[1] - 2)
        probability = np.full(len(windows), 1.0 / self.vocab_size)
        for k, level in enumerate(self._orders, start=1):
            context = context_grams[k - 1]  # (Q,) rank of the k − 1 tokens before, −1 if unseen
            safe = np.maximum(context, 0)
            total = np.where(context >= 0, level.context_total[safe], 0.0)
            gram = target_grams[k]
            adjusted = np.where(gram >= 0, level.adjusted[np.maximum(gram, 0)], 0.0)
            kept = np.maximum(adjusted - level.discounts[np.minimum(adjusted, 3).astype(np.int64)], 0.0)
            mixed = (kept + level.context_gamma[safe] * probability) / np.where(total > 0, total, 1.0)
            probability = np.where(total > 0, mixed, probability)
        return np.log(probability)

    def _grams_ending_at(self, windows: np.ndarray, column: int) -> list[np.ndarray]:
        """[k] (Q,) the training rank of the k-gram ending at ``column`` of each window (−1: unseen); [0] is 0."""
        ranks = [np.zeros(len(windows), np.int64)]
        previous_count = 1  # distinct (k − 1)-grams; one empty 0-gram
        for k, level in enumerate(self._orders, start=1):
            first = column - k + 1
            if first < 0:
                ranks.append(np.full(len(windows), -1, np.int64))
                continue
            token, suffix = windows[:, first], ranks[-1]
            known = (token >= 0) & (suffix >= 0)
            ranks.append(_lookup(level.codes, token * previous_count + suffix, known))
            previous_count = len(level.codes)
        return ranks


def cross_entropy(train_ids: np.ndarray, val_ids: np.ndarray, vocab_size: int, order: int) -> float:
    """Validation cross-entropy, nats per token, of the ``order``-gram model counted on ``train_ids``."""
    return KneserNey(train_ids, vocab_size, order).cross_entropy(_checked_ids(val_ids, vocab_size, "validation"))


def _count(tokens: np.ndarray, vocab_size: int, order: int) -> list[_Order]:
    """Each order's distinct n-grams with their counts, contexts and continuations, orders 1 to n."""
    length = len(tokens)
    starting_ranks = np.zeros(length + 1, np.int64)  # rank of the (k − 1)-gram at each start; the 0-gram
    previous_count = 1
    grams = []  # per order: codes, raw counts, context ranks, suffix ranks
    for k in range(1, order + 1):
        if vocab_size * previous_count >= MAX_CODE:
            raise DataError(f"an n-gram model of order {k} over {vocab_size:,} tokens would overflow its counting.")
        starts = length - k + 1
        codes = tokens[:starts] * previous_count + starting_ranks[1 : starts + 1]  # (starts,)
        unique, first, inverse, counts = np.unique(codes, return_index=True, return_inverse=True, return_counts=True)
        grams.append((unique, counts, starting_ranks[first], unique % previous_count))
        starting_ranks, previous_count = inverse.reshape(-1).astype(np.int64), len(unique)
    orders = []
    for k, (codes, counts, contexts, _) in enumerate(grams, start=1):
        if k == order:
            adjusted = counts.astype(np.float64)
        else:  # N₁₊(• g): the distinct (k + 1)-grams whose last k tokens are g
            adjusted = np.bincount(grams[k][3], minlength=len(codes)).astype(np.float64)
        discounts = _discounts(adjusted)
        context_count = 1 if k == 1 else len(grams[k - 2][0])
        discounted = discounts[np.minimum(adjusted, 3).astype(np.int64)]
        orders.append(
            _Order(
                codes=codes,
                adjusted=adjusted,
                discounts=discounts,
                context_total=np.bincount(contexts, weights=adjusted, minlength=context_count),
                context_gamma=np.bincount(contexts, weights=discounted, minlength=context_count),
            )
        )
    return orders


def _discounts(adjusted: np.ndarray) -> np.ndarray:
    """(4,) D(0) = 0, D₁, D₂, D₃₊ from the counts of counts of one order (C&G eq. 26)."""
    n1, n2, n3, n4 = (int(np.count_nonzero(adjusted == j)) for j in (1, 2, 3, 4))
    if n1 and n2 and n3:
        y = n1 / (n1 + 2 * n2)
        modified = np.array([1 - 2 * y * n2 / n1, 2 - 3 * y * n3 / n2, 3 - 4 * y * n4 / n3])
        if np.all((modified > 0) & (modified <= np.arange(1, 4))):
            return np.concatenate([[0.0], modified])
    single = n1 / (n1 + 2 * n2) if n1 else 0.5
    return np.array([0.0, single, single, single])


def _lookup(codes: np.ndarray, wanted: np.ndarray, known: np.ndarray) -> np.ndarray:
    """(Q,) the index of each ``wanted`` code in the sorted ``codes``, −1 where absent or not ``known``."""
    at = np.minimum(np.searchsorted(codes, wanted), len(codes) - 1)
    return np.where(known & (codes[at] == wanted), at, -1)


def _checked_ids(ids: np.ndarray, vocab_size: int, what: str) -> np.ndarray:
    tokens = np.asarray(ids).reshape(-1)
    if tokens.size and not np.issubdtype(tokens.dtype, np.integer):
        raise DataError(f"the {what} tokens must be whole-number ids, not {tokens.dtype}.")
    tokens = tokens.astype(np.int64)
    if tokens.size and (tokens.min() < 0 or tokens.max() >= vocab_size):
        raise DataError(f"the {what} tokens hold ids outside 0 to {vocab_size - 1}.")
    return tokens

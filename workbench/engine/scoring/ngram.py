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

One count of order n holds the model of every order k ≤ n: order k's raw counts make the top of
the model of order k, its continuation counts the same order under a higher one. So
``every_order_log_probs`` scores the models of orders 1 to n in one pass, exactly as n separate
models would (a baseline picks its best order on held-out tokens without counting n times).

Counting is vectorised: a k-gram's code is its first token times the number of distinct
(k − 1)-grams plus the rank of the (k − 1)-gram after that token, so codes stay below
vocabulary size × corpus length (exact, no hashing); each order sorts its codes once, in place,
and finds each position's rank by binary search, so counting needs some 10 to 25 bytes per
training token beyond the n-grams kept (48 bytes per distinct n-gram of the orders below n, 12
at order n). 8 × 10⁶ characters count to order 6 in about 7 s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..common.errors import DataError

MAX_CODE = 2**62
MAX_TOKENS = 2**31 - 1  # counts and ranks are int32
RANK_CHUNK = 1 << 20  # positions ranked per binary search, so its int64 result stays small


@dataclass(frozen=True)
class _Weights:
    """One way of weighing an order's n-grams: by raw count or by continuation count."""

    adjusted: np.ndarray  # (G,) int32: a(g) of each distinct k-gram
    discounts: np.ndarray  # (4,) float64: D(0) = 0, D₁, D₂, D₃₊
    context_total: np.ndarray  # (R,) float64: Σ_v a(h v) for each (k − 1)-gram h
    context_gamma: np.ndarray  # (R,) float64: γ(h)

    @classmethod
    def of(cls, adjusted: np.ndarray, contexts: np.ndarray, context_count: int) -> _Weights:
        discounts = _discounts(adjusted)
        discounted = discounts[np.minimum(adjusted, 3)]
        return cls(
            adjusted=adjusted,
            discounts=discounts,
            context_total=np.bincount(contexts, weights=adjusted, minlength=context_count),
            context_gamma=np.bincount(contexts, weights=discounted, minlength=context_count),
        )

    def probability(self, context: np.ndarray, gram: np.ndarray, lower: np.ndarray) -> np.ndarray:
        """(Q,) p(w | h) at this order for ranks ``context`` of h and ``gram`` of h w (−1: unseen),
        over ``lower``, the order below's p(w | h')."""
        safe = np.maximum(context, 0)
        total = np.where(context >= 0, self.context_total[safe], 0.0)
        adjusted = np.where(gram >= 0, self.adjusted[np.maximum(gram, 0)], 0).astype(np.float64)
        kept = np.maximum(adjusted - self.discounts[np.minimum(adjusted, 3).astype(np.int64)], 0.0)
        mixed = (kept + self.context_gamma[safe] * lower) / np.where(total > 0, total, 1.0)
        return np.where(total > 0, mixed, lower)


@dataclass(frozen=True)
class _Order:
    """The n-grams of one order k seen in training, weighed both ways."""

    codes: np.ndarray  # (G,) int64, sorted: each distinct k-gram
    raw: _Weights  # when k is the model's highest order
    continuation: _Weights | None  # under a higher order; None at the highest order counted


class KneserNey:
    """An n-gram model of ``order`` n over ids 0 .. vocab_size − 1, counted on one stream."""

    def __init__(self, train_ids: np.ndarray, vocab_size: int, order: int, max_grams: int | None = None) -> None:
        """With ``max_grams``, counting stops before an order that would take the distinct n-grams
        kept (over all orders) past it, so memory stays bounded whatever the tokens hold; ``order``
        then says the highest order counted (orders 1 and 2 are always counted)."""
        if order < 1:
            raise DataError(f"an n-gram model needs an order of at least 1, not {order}.")
        tokens = _checked_ids(train_ids, vocab_size, "training")
        if len(tokens) < order:
            raise DataError(
                f"an n-gram model of order {order} needs at least {order} training tokens, not {len(tokens)}."
            )
        if len(tokens) > MAX_TOKENS:
            raise DataError(f"an n-gram model counts at most {MAX_TOKENS:,} training tokens, not {len(tokens):,}.")
        self.vocab_size = vocab_size
        self._orders = _count(tokens, vocab_size, order, max_grams)
        self.order = len(self._orders)

    def log_probs(self, ids: np.ndarray) -> np.ndarray:
        """(M,) natural log-probability of each token of ``ids`` given up to n − 1 tokens before it."""
        tokens = _checked_ids(ids, self.vocab_size, "scored")
        padded = np.concatenate([np.full(self.order - 1, -1, np.int64), tokens.astype(np.int64)])
        return self.window_log_probs(np.lib.stride_tricks.sliding_window_view(padded, self.order))

    def cross_entropy(self, ids: np.ndarray) -> float:
        """Mean negative log-probability of the tokens of ``ids``, in nats per token."""
        return float(-self.log_probs(ids).mean()) if len(ids) else float("nan")

    def window_log_probs(self, windows: np.ndarray) -> np.ndarray:
        """(Q,) log p(last token | the ones before it) for ``windows`` (Q, n) of ids; −1 is no token."""
        return np.log(self._probabilities(windows, every_order=False)[-1])

    def every_order_log_probs(self, windows: np.ndarray) -> np.ndarray:
        """(n, Q) row k − 1: ``window_log_probs`` of the model of order k counted on the same tokens
        (it reads the last k ids of each window)."""
        return np.log(np.stack(self._probabilities(windows, every_order=True)))

    def _probabilities(self, windows: np.ndarray, every_order: bool) -> list[np.ndarray]:
        windows = np.asarray(windows, np.int64)
        target_grams = self._grams_ending_at(windows, windows.shape[1] - 1)  # [k]: rank of the k-gram
        context_grams = self._grams_ending_at(windows, windows.shape[1] - 2)
        lower = np.full(len(windows), 1.0 / self.vocab_size)  # the order below's p(w | h')
        top = []
        for k, level in enumerate(self._orders, start=1):
            context, gram = context_grams[k - 1], target_grams[k]  # ranks of the k − 1 tokens before, of all k
            if every_order or k == self.order:
                top.append(level.raw.probability(context, gram, lower))
            if level.continuation is not None:
                lower = level.continuation.probability(context, gram, lower)
        return top

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


def _count(tokens: np.ndarray, vocab_size: int, order: int, max_grams: int | None) -> list[_Order]:
    """Each order's distinct n-grams with their raw and continuation weights, orders 1 to n.

    An order's continuation counts N₁₊(• g) come from the order above (how many of its distinct
    n-grams end in g), so each order is finished once the next is counted."""
    length = len(tokens)
    ranks = np.zeros(length + 1, np.int32)  # rank of the (k − 1)-gram at each start: the 0-gram everywhere
    previous_count, kept = 1, 0
    orders: list[_Order] = []
    below = None  # the order below, waiting for its continuation counts: codes, raw weights, contexts
    for k in range(1, order + 1):
        if vocab_size * previous_count >= MAX_CODE:
            raise DataError(f"an n-gram model of order {k} over {vocab_size:,} tokens would overflow its counting.")
        sorted_codes = _SortedCodes(tokens, ranks, previous_count, length - k + 1)
        if max_grams is not None and k > 2 and kept + sorted_codes.distinct_count > max_grams:
            break
        codes, counts, ranks_here = sorted_codes.ranked()
        del sorted_codes
        contexts = np.empty(len(codes), np.int32)
        contexts[ranks_here] = ranks[: len(ranks_here)]  # every start of a k-gram holds the same (k − 1)-gram
        if below is not None:  # N₁₊(• g): the distinct k-grams whose last k − 1 tokens are g
            continuation = np.bincount(codes % previous_count, minlength=previous_count).astype(np.int32)
            below_codes, below_raw, below_contexts = below
            context_count = 1 if k == 2 else len(orders[-1].codes)
            orders.append(_Order(below_codes, below_raw, _Weights.of(continuation, below_contexts, context_count)))
        below = (codes, _Weights.of(counts, contexts, previous_count), contexts)
        ranks, previous_count, kept = ranks_here, len(codes), kept + len(codes)
    orders.append(_Order(below[0], below[1], None))
    return orders


class _SortedCodes:
    """The codes of the k-grams at the first ``starts`` positions, sorted: how many are distinct is
    known before anything else of the order is made (so that ``_count`` may stop there)."""

    def __init__(self, tokens: np.ndarray, ranks: np.ndarray, previous_count: int, starts: int) -> None:
        self.tokens, self.ranks, self.previous_count, self.starts = tokens, ranks, previous_count, starts
        self.codes = self._codes_at(0, starts)
        self.codes.sort()
        self.new = np.empty(starts, bool)  # where a distinct code begins
        self.new[0] = True
        np.not_equal(self.codes[1:], self.codes[:-1], out=self.new[1:])
        self.distinct_count = int(np.count_nonzero(self.new))

    def ranked(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(the G distinct codes, (G,) int32 how often each occurs, (starts,) int32 the rank of
        the k-gram at each position); the sorted codes are let go first."""
        distinct = self.codes[self.new]
        del self.codes
        counts = np.diff(np.flatnonzero(self.new), append=self.starts).astype(np.int32)
        del self.new
        ranks_here = np.empty(self.starts, np.int32)
        for begin in range(0, self.starts, RANK_CHUNK):  # codes made again, a chunk at a time
            end = min(begin + RANK_CHUNK, self.starts)
            ranks_here[begin:end] = np.searchsorted(distinct, self._codes_at(begin, end))
        return distinct, counts, ranks_here

    def _codes_at(self, begin: int, end: int) -> np.ndarray:
        codes = self.tokens[begin:end].astype(np.int64)
        codes *= self.previous_count
        codes += self.ranks[begin + 1 : end + 1]
        return codes


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
    """``ids`` as one flat array of whole numbers in 0 .. vocab_size − 1, in their own integer type."""
    tokens = np.asarray(ids).reshape(-1)
    if not tokens.size:
        return tokens.astype(np.int64)
    if not np.issubdtype(tokens.dtype, np.integer):
        raise DataError(f"the {what} tokens must be whole-number ids, not {tokens.dtype}.")
    if tokens.min() < 0 or tokens.max() >= vocab_size:
        raise DataError(f"the {what} tokens hold ids outside 0 to {vocab_size - 1}.")
    return tokens

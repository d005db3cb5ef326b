"""The baselines each task's score is shown beside: what a reviewer asks a model to beat.

Numpy, vectorised over whole splits; torch only for the classifier's sparse products and its
optimiser, imported when a classifier is fitted (evaluation imports this module for every task). What a
baseline scored is plain data in ``scores`` (``Baseline``, ``OutputBaseline``). Each baseline is
fitted on the training split and scored on the validation split, like the model:

- classification: always the commonest training class; a bag-of-tokens logistic regression;
- tagging: each token's commonest training tag; the commonest tag everywhere;
- translation: copying the source; the commonest training target for every item;
- language models: an n-gram model with Kneser–Ney smoothing (``ngram``).

Forecasting's baselines (naive, seasonal-naive, linear autoregression) live with the
forecasts, in ``forecast_scores``.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..common.errors import DataError
from .ngram import KneserNey
from .output_scores import score_texts
from .scores import Baseline, OutputBaseline

MAX_PAIR_FEATURES = 100_000  # token pairs kept as features, the most frequent first
MIN_PAIR_ITEMS = 2  # a pair of tokens becomes a feature when this many training items hold it
ITERATIONS = 100  # of L-BFGS, as scikit-learn's LogisticRegression
EVALUATIONS_PER_ITERATION = 25  # of the loss, allowed on average (torch's default, 1.25, can end a fit early)
LBFGS_MEMORY = 10  # gradient pairs kept
GRADIENT_TOLERANCE = 1e-4  # stop once no gradient component is larger (scikit-learn's tol)


def majority_class(train_labels: np.ndarray, val_labels: np.ndarray) -> Baseline:
    """Accuracy on the validation items of always answering the training split's commonest class."""
    train, val = _labels(train_labels, "training"), _labels(val_labels, "validation")
    commonest = int(np.bincount(train).argmax())
    return Baseline(
        "commonest class", "answers every item with the class most training items have", _share(val == commonest)
    )


def bag_of_tokens(
    train_items: Sequence[np.ndarray],
    train_labels: np.ndarray,
    val_items: Sequence[np.ndarray],
    val_labels: np.ndarray,
    vocab_size: int,
    class_count: int,
    pairs: bool = True,
) -> Baseline:
    """Validation accuracy of a multinomial logistic regression on which tokens each item holds.

    Features are tf-idf weights of each token (and, with ``pairs``, of each pair of adjacent
    tokens that at least two training items hold, up to the 100,000 commonest): sublinear term
    frequency 1 + log(count), times the smoothed idf log((1 + N) / (1 + df)) + 1 of the N
    training items, each item's vector scaled to length 1, plus a bias; tokens and pairs that
    no training item holds are left out. Word order beyond adjacent pairs is lost: this is what
    a recurrent classifier must beat to show that it uses order.

    Fitted as scikit-learn's default ``LogisticRegression``: mean cross-entropy plus
    ||W||² / (2N) (C = 1; the bias unpenalised), minimised by torch's L-BFGS (Nocedal 1980; a
    strong-Wolfe line search, 10 gradient pairs kept) from zero until no gradient component
    exceeds 1e-4 or the loss stops falling (by 1e-9), for at most 100 iterations. On 16,000
    Debian packages in 20 sections (33 words each on average over 10,000 word ids; 50,000
    features) that ends 0.003 % above the exact minimum (L-BFGS run on to a gradient of 1e-9)
    and takes about 5 s with one thread, the 4,000 validation items included. Convex and
    full-batch from zero: the result needs no seed.
    """
    train_labels, val_labels = _labels(train_labels, "training"), _labels(val_labels, "validation")
    if len(train_items) != len(train_labels) or len(val_items) != len(val_labels):
        raise DataError("each item needs exactly one label.")
    if len(train_labels) == 0 or max(train_labels.max(), val_labels.max(initial=0)) >= class_count:
        raise DataError(f"the labels must be class ids 0 to {class_count - 1}, with at least one training item.")
    features = TokenFeatures.fit(train_items, vocab_size, pairs)
    train, val = features.matrix(train_items), features.matrix(val_items)
    weights = fit_logistic_regression(train, train_labels, class_count)
    predicted = val.times(weights).argmax(1)
    sees = (
        "which tokens and pairs of neighbouring tokens an item holds and how often, not their order beyond that"
        if pairs
        else "which tokens an item holds and how often, not their order"
    )
    return Baseline(
        "bag-of-tokens logistic regression",
        f"a linear classifier (logistic regression) that sees {sees}",
        _share(predicted == val_labels),
    )


def majority_tags(
    train_tokens: Sequence[np.ndarray],
    train_tags: Sequence[np.ndarray],
    val_tokens: Sequence[np.ndarray],
    val_tags: Sequence[np.ndarray],
    tag_count: int,
) -> tuple[Baseline, Baseline]:
    """Per-token validation accuracy of (the commonest tag per token, the commonest tag everywhere).

    Each token gets the tag it most often has in training (ties to the tag commoner overall);
    tokens never seen in training, and every token for the second, get the commonest tag.
    """
    tokens, tags = _tokens_and_tags(train_tokens, train_tags, tag_count, "training")
    val_token, val_tag = _tokens_and_tags(val_tokens, val_tags, tag_count, "validation")
    tag_totals = np.bincount(tags, minlength=tag_count)
    commonest = int(tag_totals.argmax())
    pair_codes, pair_counts = np.unique(tokens * tag_count + tags, return_counts=True)
    pair_token, pair_tag = pair_codes // tag_count, pair_codes % tag_count
    order = np.lexsort((-tag_totals[pair_tag], -pair_counts, pair_token))  # per token: most often, then commoner
    seen, first = np.unique(pair_token[order], return_index=True)
    best_tag = pair_tag[order][first]  # (tokens seen,)
    at = np.minimum(np.searchsorted(seen, val_token), len(seen) - 1)
    guess = np.where(seen[at] == val_token, best_tag[at], commonest)
    return (
        Baseline(
            "commonest tag per token",
            "tags each token with the tag it most often has in the training data; unseen tokens get the commonest tag",
            _share(guess == val_tag),
        ),
        Baseline(
            "commonest tag",
            "tags every token with the tag most common in the training data",
            _share(val_tag == commonest),
        ),
    )


def copy_source(val_sources: Sequence[str], val_targets: Sequence[str], split: str = "val") -> OutputBaseline:
    """Scores of answering each source with itself: high where sources and targets share much text."""
    return OutputBaseline(
        "copy the source",
        "answers every source with the source itself, unchanged",
        score_texts(split, 1, list(val_sources), list(val_targets)),
    )


def majority_target(train_targets: Sequence[str], val_targets: Sequence[str], split: str = "val") -> OutputBaseline:
    """Scores of answering every item with the training split's commonest target (first seen wins ties)."""
    if not train_targets:
        raise DataError("the commonest target needs at least one training pair.")
    commonest = Counter(train_targets).most_common(1)[0][0]
    return OutputBaseline(
        "commonest target",
        "answers every source with the target most common in the training data",
        score_texts(split, 1, [commonest] * len(val_targets), list(val_targets)),
    )


def ngram_language_model(
    train_ids: np.ndarray, val_ids: np.ndarray, vocab_size: int, order: int, unit: str = "character"
) -> Baseline:
    """Validation cross-entropy, nats per token, of an ``order``-gram Kneser–Ney model (see ``ngram``)."""
    model = KneserNey(train_ids, vocab_size, order)
    if order == 1:
        explanation = f"predicts each {unit} by how often it occurs in the training data"
    else:
        before = f"the {order - 1} {unit}s" if order > 2 else f"the {unit}"
        explanation = (
            f"predicts each {unit} from {before} before it, by counting how often each run of {order} "
            f"{unit}s occurs in the training data (Kneser–Ney smoothing)"
        )
    return Baseline(f"{order}-gram model", explanation, model.cross_entropy(val_ids))


class SparseRows:
    """An (N, width) matrix of mostly zeros, as torch CSR tensors: torch's sparse product runs
    some 40× faster than numpy's gather and reduce, and 100 iterations need 200 products."""

    def __init__(self, rows: np.ndarray, columns: np.ndarray, values: np.ndarray, shape: tuple[int, int]) -> None:
        """From entries sorted by row, then column: (E,) rows, (E,) columns, (E,) values."""
        import torch  # here, not at the top: see the module's docstring

        self._torch, self.width = torch, shape[1]
        row_starts = torch.from_numpy(np.searchsorted(rows, np.arange(shape[0] + 1)))
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Sparse CSR tensor support is in beta", UserWarning)
            self._matrix = torch.sparse_csr_tensor(
                row_starts, torch.from_numpy(columns), torch.from_numpy(values), shape, check_invariants=False
            )
            self._transposed = self._matrix.t().to_sparse_csr()

    def times(self, dense: np.ndarray) -> np.ndarray:
        """(N, C) this matrix times ``dense`` (width, C)."""
        return (self._matrix @ self._torch.from_numpy(np.ascontiguousarray(dense))).numpy()

    def transposed_times(self, dense: np.ndarray) -> np.ndarray:
        """(width, C) this matrix's transpose times ``dense`` (N, C)."""
        return (self._transposed @ self._torch.from_numpy(np.ascontiguousarray(dense))).numpy()


@dataclass(frozen=True)
class TokenFeatures:
    """The bag-of-tokens classifier's tf-idf features: which exist (tokens, kept pairs) and their
    idf, learnt from the training items (``bag_of_tokens`` says how they are weighted)."""

    vocab_size: int
    pair_codes: np.ndarray | None  # (P,) sorted first · V + second of the kept pairs; None without pairs
    idf: np.ndarray  # (V + P,)

    @classmethod
    def fit(cls, items: Sequence[np.ndarray], vocab_size: int, pairs: bool) -> TokenFeatures:
        tokens, item = _laid_out(items, vocab_size)
        pair_codes = None
        if pairs:
            codes, pair_item = _adjacent_pairs(tokens, item, vocab_size)
            held, in_items = np.unique(_distinct(pair_item * vocab_size**2 + codes) % vocab_size**2, return_counts=True)
            frequent = np.flatnonzero(in_items >= MIN_PAIR_ITEMS)
            keep = frequent[np.argsort(-in_items[frequent], kind="stable")[:MAX_PAIR_FEATURES]]
            pair_codes = np.sort(held[keep])
        features = cls(vocab_size, pair_codes, np.ones(0))
        columns = _distinct(features._entries(items)[0]) % features.width  # (item, column) pairs → columns
        document_frequency = np.bincount(columns, minlength=features.width)
        idf = np.log((1 + len(items)) / (1 + document_frequency)) + 1
        return cls(vocab_size, pair_codes, np.where(document_frequency > 0, idf, 0.0))

    @property
    def width(self) -> int:
        """Columns before the bias: tokens, then kept pairs."""
        return self.vocab_size + (0 if self.pair_codes is None else len(self.pair_codes))

    def matrix(self, items: Sequence[np.ndarray]) -> SparseRows:
        """The items' tf-idf rows, each of length 1, with a bias column of ones last."""
        keys, count = self._entries(items)
        entries, counts = np.unique(keys, return_counts=True)
        bias = np.arange(count) * (self.width + 1) + self.width  # (N,) a bias entry sorts last in its row
        row, column = entries // self.width, entries % self.width
        values = (1 + np.log(counts)) * self.idf[column]  # 0 for features no training item holds
        seen = values > 0
        row, column, values = row[seen], column[seen], values[seen]
        values /= np.sqrt(np.bincount(row, values**2, count))[row]
        keys = np.concatenate([row * (self.width + 1) + column, bias])
        order = np.argsort(keys, kind="stable")
        return SparseRows(
            (keys // (self.width + 1))[order],
            (keys % (self.width + 1))[order],
            np.concatenate([values, np.ones(count)])[order],
            (count, self.width + 1),
        )

    def _entries(self, items: Sequence[np.ndarray]) -> tuple[np.ndarray, int]:
        """(K,) item · width + column for every feature occurrence, and the item count."""
        tokens, item = _laid_out(items, self.vocab_size)
        keys = [item * self.width + tokens]
        if self.pair_codes is not None and len(self.pair_codes):
            codes, pair_item = _adjacent_pairs(tokens, item, self.vocab_size)
            at = np.minimum(np.searchsorted(self.pair_codes, codes), len(self.pair_codes) - 1)
            kept = self.pair_codes[at] == codes
            keys.append(pair_item[kept] * self.width + self.vocab_size + at[kept])
        return np.concatenate(keys), len(items)


def fit_logistic_regression(features: SparseRows, labels: np.ndarray, class_count: int) -> np.ndarray:
    """(width, C) weights of a multinomial logistic regression on ``features`` (N rows, the bias
    column last) and ``labels`` (N,): they minimise mean cross-entropy + ||W without the bias
    row||² / (2N), by torch's L-BFGS from zero (``bag_of_tokens`` says why so). The gradient is
    written out, with the transposed matrix made once, rather than left to autograd: that halves
    the time of a fit."""
    import torch  # here, not at the top: see the module's docstring

    count = len(labels)
    penalised = np.ones((features.width, 1))
    penalised[-1] = 0.0
    one_hot = np.eye(class_count)[labels]  # (N, C)
    weights = torch.zeros((features.width, class_count), dtype=torch.float64)
    optimiser = torch.optim.LBFGS(
        [weights],
        max_iter=ITERATIONS,
        max_eval=ITERATIONS * EVALUATIONS_PER_ITERATION,
        tolerance_grad=GRADIENT_TOLERANCE,
        history_size=LBFGS_MEMORY,
        line_search_fn="strong_wolfe",
    )

    def loss_and_gradient() -> float:
        """The objective at ``weights`` (the optimiser moves them in place), its gradient left in
        ``weights.grad``."""
        at = weights.numpy()
        logits = features.times(at)  # (N, C)
        logits -= logits.max(1, keepdims=True)
        log_normaliser = np.log(np.exp(logits).sum(1, keepdims=True))
        probabilities = np.exp(logits - log_normaliser)
        loss = float(np.mean(log_normaliser[:, 0] - logits[np.arange(count), labels]))
        penalty = penalised * at
        weights.grad = torch.from_numpy(features.transposed_times(probabilities - one_hot) / count + penalty / count)
        return loss + float(np.sum(penalty * at)) / (2 * count)

    optimiser.step(loss_and_gradient)
    return weights.numpy()


def _laid_out(items: Sequence[np.ndarray], vocab_size: int) -> tuple[np.ndarray, np.ndarray]:
    """(T,) every item's token ids end to end, and (T,) the item each belongs to."""
    lengths = np.array([len(item) for item in items], np.int64)
    tokens = np.concatenate([np.asarray(item, np.int64).reshape(-1) for item in items]) if len(items) else np.zeros(0)
    tokens = tokens.astype(np.int64)
    if len(tokens) and (tokens.min() < 0 or tokens.max() >= vocab_size):
        raise DataError(f"the items hold token ids outside 0 to {vocab_size - 1}.")
    return tokens, np.repeat(np.arange(len(items)), lengths)


def _distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (np.unique without counts takes a hashing path many times slower here)."""
    ordered = np.sort(values)
    return ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])] if len(ordered) else ordered


def _adjacent_pairs(tokens: np.ndarray, item: np.ndarray, vocab_size: int) -> tuple[np.ndarray, np.ndarray]:
    """(P,) first · V + second of each pair of adjacent tokens within one item, and (P,) its item."""
    same = item[1:] == item[:-1]
    return tokens[:-1][same] * vocab_size + tokens[1:][same], item[:-1][same]


def _tokens_and_tags(
    tokens: Sequence[np.ndarray], tags: Sequence[np.ndarray], tag_count: int, split: str
) -> tuple[np.ndarray, np.ndarray]:
    if len(tokens) != len(tags) or any(len(t) != len(g) for t, g in zip(tokens, tags)):
        raise DataError(f"every {split} item needs one tag per token.")
    flat_tokens = np.concatenate([np.asarray(t, np.int64).reshape(-1) for t in tokens] or [np.zeros(0, np.int64)])
    flat_tags = np.concatenate([np.asarray(g, np.int64).reshape(-1) for g in tags] or [np.zeros(0, np.int64)])
    if len(flat_tags) and (flat_tags.min() < 0 or flat_tags.max() >= tag_count):
        raise DataError(f"the {split} tags must be tag ids 0 to {tag_count - 1}.")
    if split == "training" and not len(flat_tags):
        raise DataError("the commonest tags need at least one tagged training token.")
    return flat_tokens, flat_tags


def _share(correct: np.ndarray) -> float:
    """The share of true entries; NaN when there are none to score."""
    return float(correct.mean()) if len(correct) else float("nan")


def _labels(labels: np.ndarray, split: str) -> np.ndarray:
    values = np.asarray(labels).reshape(-1)
    if values.size and (not np.issubdtype(values.dtype, np.integer) or values.min() < 0):
        raise DataError(f"the {split} labels must be class ids from 0.")
    if split == "training" and not values.size:
        raise DataError("the commonest class needs at least one training item.")
    return values.astype(np.int64)

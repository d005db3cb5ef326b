"""What counting alone achieves on a language model's data: the validation loss of a unigram
model and of interpolated Kneser–Ney n-gram models (``ngram``), so that a run's curve is read
against them (the loss plot draws them, ``workbench info`` and ``runs`` list them).

Made once, when a corpus is made, and stored with it as ``corpus.description["counted_baselines"]``:
a JSON-able record, in nats per token. It reads the splits by slices only (numpy arrays or
h5py datasets alike), so its memory and time are bounded whatever the corpus's size:

- it counts at most TRAIN_TOKEN_BUDGET training tokens (8 × 10⁶ characters or 2 × 10⁶ words:
  about as much text, and words make several times as many distinct n-grams): on a larger
  split, SAMPLE_BLOCKS contiguous blocks spread evenly from its start to its end, counted end to
  end (so the n − 1 n-grams across each seam are counted too: a few hundred among millions);
- it scores at most HELD_OUT_TOKEN_BUDGET validation tokens: on a larger split, blocks spread
  the same way, each token with the tokens before it in the split as its context;
- its n-gram model stops before an order that would keep more than MAX_NGRAMS distinct n-grams
  (up to 48 bytes each), so a text as varied as random base64 gets the orders that fit.

On a corpus within the budgets it is exact on everything, and the record's "sampled" is false.
At the budgets, counting 8 × 10⁶ characters of prose to order 6 and scoring 10⁶ took 11 s on
two cores, with under 160 MB beyond the corpus at its peak.

The unigram model is add-one (Laplace) smoothed: p(w) = (c(w) + 1) / (N + V). The n-gram model
of each order n = 2 to MAX_ORDER comes from one count (``KneserNey.every_order_log_probs``); the
best is the one with the lowest loss on the validation tokens scored (chosen on the tokens it is
reported on, so it flatters counting a little, never the model).

A line corpus is read as its model reads it: each item after a boundary token ``<s>``, with one
after the last; each validation item is scored from its start mark, on no other item's tokens,
its characters and its end mark (whole, where the model's loss cuts an item at the sequence
length: the same for items shorter than that).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from .ngram import KneserNey
from .scores import Baseline

TRAIN_TOKEN_BUDGET = {"char": 8_000_000, "word": 2_000_000}  # training tokens counted at most, by level
HELD_OUT_TOKEN_BUDGET = 1_000_000  # validation tokens scored at most
SAMPLE_BLOCKS = 128  # contiguous blocks a split larger than its budget is sampled in
MAX_ORDER = 6  # the n-gram models tried: n = 2 to MAX_ORDER
MAX_NGRAMS = 4_000_000  # distinct n-grams the counting keeps at most, over all its orders
SCORE_CHUNK = 1 << 16  # validation tokens scored at a time
UNIGRAM_SMOOTHING = "add-one"
NGRAM_SMOOTHING = "interpolated modified Kneser–Ney"


def counted_baselines(
    corpus,
    train_budget: int | None = None,
    held_out_budget: int = HELD_OUT_TOKEN_BUDGET,
    blocks: int = SAMPLE_BLOCKS,
) -> dict:
    """The record of what counting alone scores on ``corpus`` (a stream or a line corpus);
    ``train_budget`` None: its level's TRAIN_TOKEN_BUDGET."""
    arrays, vocab_size = corpus.arrays(), len(corpus.vocab)
    train_budget = TRAIN_TOKEN_BUDGET[corpus.vocab.level] if train_budget is None else train_budget
    if corpus.kind == "stream":
        train, val = _Stream(arrays["train"]), _Stream(arrays["val"])
    else:
        boundary = corpus.vocab.boundary
        train, val = (_Items(arrays[f"{s}_ids"], arrays[f"{s}_offsets"], boundary) for s in ("train", "val"))
    counted = train.sample(train_budget, blocks)
    unigram = np.log((np.bincount(counted, minlength=vocab_size) + 1.0) / (len(counted) + vocab_size))
    model = KneserNey(counted, vocab_size, min(MAX_ORDER, len(counted)), MAX_NGRAMS) if len(counted) >= 2 else None
    unigram_loss, ngram_loss, scored = 0.0, np.zeros(model.order if model else 0), 0
    for windows in val.windows(held_out_budget, blocks, MAX_ORDER):
        unigram_loss -= unigram[windows[:, -1]].sum()
        if model is not None:
            ngram_loss -= model.every_order_log_probs(windows[:, -model.order :]).sum(axis=1)
        scored += len(windows)
    orders = [{"n": n, "nats": _mean(ngram_loss[n - 1], scored)} for n in range(2, len(ngram_loss) + 1)]
    best = min((o for o in orders if o["nats"] is not None), key=lambda o: o["nats"], default=None)
    return {
        "token": corpus.vocab.level,
        "unigram": {"nats": _mean(unigram_loss, scored), "smoothing": UNIGRAM_SMOOTHING},
        "ngram": {
            "smoothing": NGRAM_SMOOTHING,
            "orders": orders,
            "best_n": best["n"] if best else None,
            "nats": best["nats"] if best else None,
        },
        "train_tokens": train.tokens,
        "counted_train_tokens": len(counted),
        "val_tokens": val.tokens,
        "scored_val_tokens": scored,
        "sampled": train.tokens > train_budget or val.tokens > held_out_budget,
    }


def as_baselines(record: dict, items: bool = False) -> tuple[Baseline, ...]:
    """The record's best n-gram model, then its unigram model (nats per token), each with what
    it does in words; ``items``: a line corpus's. Either is left out where it scored nothing."""
    unit = record["token"] if record["token"] == "word" else "character"
    within = " in the item" if items else ""
    data = "the training items" if items else "the training data"
    sampled = f"; {_sampling_note(record, unit)}" if record["sampled"] else ""
    made = []
    ngram = record["ngram"]
    if ngram["nats"] is not None:
        n, last = ngram["best_n"], max(order["n"] for order in ngram["orders"])
        before = f"the {n - 1} {unit}s" if n > 2 else f"the {unit}"
        chosen = f"; the best of n = 2 to {last} on the validation split" if last > 2 else ""
        made.append(
            Baseline(
                f"{n}-gram model",
                f"predicts each {unit} from {before} before it{within}, by counting how often each run of {n} "
                f"occurs in {data} (Kneser–Ney smoothing{chosen}){sampled}",
                ngram["nats"],
            )
        )
    if record["unigram"]["nats"] is not None:
        made.append(
            Baseline(
                "unigram model",
                f"predicts each {unit} by how often it occurs in {data} (add-one smoothing){sampled}",
                record["unigram"]["nats"],
            )
        )
    return tuple(made)


def summary_lines(record: dict) -> list[str]:
    """The record for a terminal, in nats per token as its val losses are: 'unigram 3.120, 5-gram
    model 2.050 nats/char on the validation split', then how it was sampled, where it was."""
    token = "char" if record["token"] == "char" else "word"
    parts = []
    if record["unigram"]["nats"] is not None:
        parts.append(f"unigram {record['unigram']['nats']:.3f}")
    if record["ngram"]["nats"] is not None:
        parts.append(f"{record['ngram']['best_n']}-gram model {record['ngram']['nats']:.3f}")
    if not parts:
        return ["nothing scored: the validation split is empty"]
    lines = [f"{', '.join(parts)} nats/{token} on the validation split"]
    if record["sampled"]:
        lines.append(f"({_sampling_note(record, 'character' if token == 'char' else 'word')})")
    return lines


def _sampling_note(record: dict, unit: str) -> str:
    return (
        f"counted on {record['counted_train_tokens']:,} of the {record['train_tokens']:,} training {unit}s, "
        f"scored on {record['scored_val_tokens']:,} of the {record['val_tokens']:,} validation {unit}s"
    )


def _mean(total: float, count: int) -> float | None:
    """Nats per token, None (JSON's null) where nothing was scored."""
    value = float(total) / count if count else math.nan
    return value if math.isfinite(value) else None


def _spans(total: int, budget: int, blocks: int) -> list[tuple[int, int]]:
    """Contiguous ranges of 0 .. total − 1 holding at most ``budget``: the whole when it fits,
    else ``blocks`` ranges of one size, spread evenly from the start to the end, apart."""
    if total <= budget:
        return [(0, total)] if total else []
    blocks = max(1, min(blocks, budget))
    size = budget // blocks
    starts = np.linspace(0, total - size, blocks).astype(np.int64)  # at least ``size`` apart
    return [(int(start), int(start) + size) for start in starts]


class _Stream:
    """A stream corpus's split (an array or a dataset of token ids), read by slices."""

    def __init__(self, ids) -> None:
        self.ids, self.tokens = ids, len(ids)

    def sample(self, budget: int, blocks: int) -> np.ndarray:
        parts = [np.asarray(self.ids[start:end]) for start, end in _spans(self.tokens, budget, blocks)]
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)

    def windows(self, budget: int, blocks: int, order: int) -> Iterator[np.ndarray]:
        """(Q, order) each scored token last, after the order − 1 before it in the split (−1: none)."""
        for start, end in _spans(self.tokens, budget, blocks):
            for begin in range(start, end, SCORE_CHUNK):
                stop = min(begin + SCORE_CHUNK, end)
                read_from = max(0, begin - order + 1)
                before = np.full(order - 1 - (begin - read_from), -1, np.int64)
                padded = np.concatenate([before, np.asarray(self.ids[read_from:stop], np.int64)])
                yield np.lib.stride_tricks.sliding_window_view(padded, order)


class _Items:
    """A line corpus's split (its items' ids end to end, and where each starts), read by slices,
    as ``<s> item <s> item … <s>``; its tokens are what a model predicts: each item's and its end."""

    def __init__(self, ids, offsets, boundary: int) -> None:
        self.ids, self.offsets, self.boundary = ids, offsets, boundary
        self.items = len(offsets) - 1
        self.tokens = len(ids) + self.items

    def sample(self, budget: int, blocks: int) -> np.ndarray:
        """The items of each block, each closed by ``<s>``; the first block opens with one."""
        parts = []
        for first, last, limit in self._blocks(budget, blocks):
            framed, _ = self._framed(first, last, limit)
            parts.append(framed[: limit + 1] if not parts else framed[1 : limit + 1])
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)

    def windows(self, budget: int, blocks: int, order: int) -> Iterator[np.ndarray]:
        """(Q, order) each scored token last, after the ones before it in its item (−1: none)."""
        for first, last, limit in self._blocks(budget, blocks):
            framed, marks = self._framed(first, last, limit)
            framed = framed[: limit + 1]  # limit tokens scored: all but the first start mark
            view = np.lib.stride_tricks.sliding_window_view(np.concatenate([np.full(order - 1, -1), framed]), order)
            for begin in range(1, len(framed), SCORE_CHUNK):
                targets = np.arange(begin, min(begin + SCORE_CHUNK, len(framed)))
                opening = marks[np.searchsorted(marks, targets - 1, side="right") - 1]  # the item's start mark
                positions = targets[:, None] - (order - 1) + np.arange(order)
                yield np.where(positions >= opening[:, None], view[targets], -1)

    def _blocks(self, budget: int, blocks: int) -> list[tuple[int, int, int]]:
        """(first item, last item + 1, tokens at most) of each block read."""
        if self.tokens <= budget:
            return [(0, self.items, self.tokens)] if self.items else []
        per_block = max(1, self.items * (budget // blocks) // self.tokens)  # items of the mean length
        chosen = _spans(self.items, per_block * blocks, blocks)
        return [(first, last, budget // len(chosen)) for first, last in chosen]

    def _framed(self, first: int, last: int, limit: int) -> tuple[np.ndarray, np.ndarray]:
        """Items first .. last − 1 as ``<s> item <s> … <s>``, read up to ``limit`` of their ids,
        and where each item's opening ``<s>`` lies."""
        bounds = np.asarray(self.offsets[first : last + 1], np.int64)
        ids = np.asarray(self.ids[bounds[0] : min(bounds[-1], bounds[0] + limit)], np.int64)
        starts = np.minimum(bounds[:-1] - bounds[0], len(ids))
        framed = np.append(np.insert(ids, starts, self.boundary), self.boundary)
        return framed, starts + np.arange(len(starts))

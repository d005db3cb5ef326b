"""A project's model scored on the whole validation split, beside the baselines its task calls
for: what ``workbench evaluate`` and the Results tab's Evaluate button run (on the engine's
worker thread, streamed in batches, with progress and cancel).

Each task has its own scores and baselines: a language model's cross-entropy against what
counting alone achieves (``counted_baselines``: its best n-gram model's and a unigram model's);
a classifier's accuracy against the commonest class and a bag-of-tokens linear classifier; a
tagger's against the commonest tag of each word; a translator's word BLEU against
copying the source and always writing the commonest target; a forecaster's error against the
naive, seasonal-naive and linear autoregressive forecasts.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from weakref import WeakKeyDictionary

import numpy as np
import torch

from ..common.errors import WorkbenchError
from ..data.batching import IGNORE_INDEX
from . import baselines as base
from .counted_baselines import as_baselines, counted_baselines
from .decoded_outputs import evaluate_captions, evaluate_translation
from .forecast_scores import evaluate_forecast
from .label_scores import LabelScores
from .output_scores import OutputScores
from .scores import Baseline, Evaluation, Score

Progress = Callable[[int, int], None]  # (done, total)
Cancelled = Callable[[], bool]
LONG_HORIZON = 24  # the farther forecast scored beside the next step's
ALL_WINDOWS = 1 << 30  # every forecast start the validation part holds
NOTHING_SCORED = "the evaluation was stopped before it scored anything"
UNKNOWN_CHUNK = 1 << 20  # tokens read at a time when counting unknown words

_corpus_baselines: WeakKeyDictionary = WeakKeyDictionary()  # corpus -> its baselines, made once
_counted: WeakKeyDictionary = WeakKeyDictionary()  # corpus -> its counted baselines' record, where none is stored


def evaluate(trainer, progress: Progress | None = None, cancelled: Cancelled = lambda: False) -> Evaluation:
    """Score ``trainer``'s model on the whole validation split of its corpus."""
    model, corpus = trainer.model, trainer.corpus
    spec = model.spec
    if spec.template == "captioning":
        return _captioning(trainer, progress, cancelled)
    if spec.is_seq2seq:
        return _translation(trainer, progress, cancelled)
    if getattr(corpus, "kind", "") == "series":
        return _forecasting(trainer)
    unknown = _UnknownWords.of(corpus)
    result = trainer.last_whole_validation  # the run's last validation: these very weights, scored already
    if unknown is not None or result is None or result.step != trainer.step:
        result = trainer.evaluate(whole=True, progress=progress, cancelled=cancelled, observe=unknown)
    if not result.batches:
        raise WorkbenchError(NOTHING_SCORED)
    common = dict(step=result.step, count=result.scored, whole=result.whole)
    if spec.writes_with_pen:
        return Evaluation(
            "handwriting",
            counted="lines",
            **common,
            headline=Score("negative log-likelihood", result.loss, "nats/line", False),
        )
    if getattr(corpus, "kind", "") == "labelled":
        return _labelled(corpus, result, common, trainer.config.seq_len, unknown)
    stats = corpus.stats()
    if "baseline_loss" in stats:  # the long-range lab's generated tasks
        unit = "MSE" if spec.head.kind == "regression" else "nats/symbol"
        lab = Baseline(
            stats["baseline"], "what a model that learnt nothing from the sequence scores", stats["baseline_loss"]
        )
        return Evaluation(
            "long-range lab task",
            counted="answers",
            **common,
            headline=Score("validation loss", result.loss, unit, False),
            baselines=(lab,),
        )
    return _language_model(corpus, result, common, trainer.config.seq_len)


def corpus_baselines(corpus, seq_len: int) -> tuple[Baseline, ...]:
    """The baselines that need only the data (not the model), made once per corpus and
    sequence length: the window shows them beside every validation. Items are cut to
    ``seq_len`` tokens, as the model reads them, so both are scored on the same tokens.

    A language model's data gets its best n-gram model, then its unigram model: the record
    stored with the corpus when it was made, or (a project saved before corpora stored one)
    the same record made now."""
    made = _corpus_baselines.setdefault(corpus, {})
    if seq_len not in made:
        made[seq_len] = _baselines_of(corpus, seq_len)
    return made[seq_len]


def _baselines_of(corpus, seq_len: int) -> tuple[Baseline, ...]:
    kind = getattr(corpus, "kind", "")
    if kind == "labelled":
        train, val = corpus.items("train"), corpus.items("val")
        train_ids, val_ids = [ids[:seq_len] for ids, _ in train], [ids[:seq_len] for ids, _ in val]
        train_labels, val_labels = [label for _, label in train], [label for _, label in val]
        if corpus.labelling == "tags":
            train_labels, val_labels = [t[:seq_len] for t in train_labels], [t[:seq_len] for t in val_labels]
            return base.majority_tags(train_ids, train_labels, val_ids, val_labels, len(corpus.label_names))
        train_labels, val_labels = np.asarray(train_labels), np.asarray(val_labels)
        return (
            base.majority_class(train_labels, val_labels),
            base.bag_of_tokens(
                train_ids, train_labels, val_ids, val_labels, len(corpus.vocab), len(corpus.label_names)
            ),
        )
    if kind in ("stream", "lines"):
        return as_baselines(_counted_record(corpus), items=kind == "lines")
    if kind == "pairs":
        sources, targets = zip(*corpus.pairs("val"))
        train_targets = [target for _, target in corpus.pairs("train")]
        written = (base.copy_source(sources, targets), base.majority_target(train_targets, targets))
    elif kind == "scenes":
        written = (base.majority_target(corpus.caption_texts("train"), corpus.caption_texts("val")),)
    else:
        return ()
    return tuple(Baseline(b.name, b.explanation, b.scores.word_bleu) for b in written)  # in word BLEU


def _counted_record(corpus) -> dict:
    """The record stored with ``corpus``, else one made now, once per corpus (it needs no sequence length)."""
    stored = corpus.description.get("counted_baselines")
    if stored:
        return stored
    if corpus not in _counted:
        _counted[corpus] = counted_baselines(corpus)
    return _counted[corpus]


def unknown_share(vocab, ids: np.ndarray) -> float | None:
    """The share of ``ids`` (an array, or a dataset read by slices) that are the word
    vocabulary's unknown token (None at the character level)."""
    unknown = getattr(vocab, "unknown", None)
    if unknown is None or not len(ids):
        return None
    found = sum(
        int(np.count_nonzero(np.asarray(ids[start : start + UNKNOWN_CHUNK]) == unknown))
        for start in range(0, len(ids), UNKNOWN_CHUNK)
    )
    return found / len(ids)


def _unknown_note(share: float | None, what: str) -> tuple[str, ...]:
    if not share:
        return ()
    return (
        f"{100 * share:.1f} % of the validation {what} are not in the vocabulary: the model reads "
        "each as <unk>, so it cannot tell them apart; a larger vocabulary or the character level "
        "sees them",
    )


def _language_model(corpus, result, common, seq_len: int) -> Evaluation:
    token = "char" if corpus.vocab.level == "char" else "word"
    headline = Score("cross-entropy", result.bits_per_token, f"bits/{token}", False)
    others = (
        Score("cross-entropy", result.loss, f"nats/{token}", False),
        Score("perplexity", math.exp(min(result.loss, 700)), "", False),
    )
    in_bits = tuple(
        Baseline(b.name, b.explanation, b.value / math.log(2)) for b in corpus_baselines(corpus, seq_len)
    )  # counting's nats, in the headline's bits
    word_level = corpus.vocab.unknown is not None  # a word stream: line corpora are characters, never unknown
    notes = _unknown_note(unknown_share(corpus.vocab, corpus.arrays()["val"]), "words") if word_level else ()
    return Evaluation(
        "language model",
        counted=f"{token}s",
        **common,
        headline=headline,
        others=others,
        baselines=in_bits,
        notes=notes,
    )


class _UnknownWords:
    """What unknown words cost a word-level tagger: how many of the validation tokens it read as
    ``<unk>`` it tagged right (a batch observer of ``Trainer.evaluate``)."""

    def __init__(self, unknown: int) -> None:
        self.unknown, self.right, self.total = unknown, 0, 0

    @classmethod
    def of(cls, corpus) -> _UnknownWords | None:
        unknown = getattr(getattr(corpus, "vocab", None), "unknown", None)
        tagging = getattr(corpus, "kind", "") == "labelled" and corpus.labelling == "tags"
        return cls(unknown) if tagging and unknown is not None else None

    def __call__(self, batch, prediction: torch.Tensor, targets: torch.Tensor) -> None:
        read_unknown = torch.from_numpy(batch.inputs == self.unknown).to(targets.device)  # (B, T)
        counted = read_unknown & (targets != IGNORE_INDEX)
        self.right += int((counted & (prediction.argmax(-1) == targets)).sum())
        self.total += int(counted.sum())

    def note(self, labels: LabelScores) -> tuple[str, ...]:
        if not self.total:
            return ()
        unknown_right = self.right / self.total
        known_right = (np.trace(labels.confusion) - self.right) / max(1, labels.total - self.total)
        return (
            f"of the {self.total:,} validation tokens read as <unk>, the model tags {100 * unknown_right:.1f} % "
            f"right, against {100 * known_right:.1f} % of those it knows: that is what unknown words cost",
        )


def _labelled(corpus, result, common, seq_len: int, unknown: _UnknownWords | None = None) -> Evaluation:
    labels = LabelScores(corpus.label_names, result.confusion)
    tagging = corpus.labelling == "tags"
    headline = Score("accuracy per token" if tagging else "accuracy", labels.accuracy, "share")
    others = (Score("balanced accuracy", labels.balanced_accuracy, "share"),)
    val_ids = np.concatenate([ids for ids, _ in corpus.items("val")] or [np.zeros(0, np.int64)])
    notes = _unknown_note(unknown_share(corpus.vocab, val_ids), "words") + (unknown.note(labels) if unknown else ())
    return Evaluation(
        "tagging" if tagging else "sequence classification",
        counted="tokens" if tagging else "items",
        **common,
        headline=headline,
        others=others,
        baselines=corpus_baselines(corpus, seq_len),
        notes=notes,
        labels=labels,
    )


def _text_scores(
    task: str,
    counted: str,
    step: int,
    scores: OutputScores,
    total: int,
    baselines: tuple[Baseline, ...],
    notes: tuple[str, ...] = (),
) -> Evaluation:
    if not scores.count:
        raise WorkbenchError(NOTHING_SCORED)
    return Evaluation(
        task,
        step,
        scores.count,
        counted,
        scores.count == total,
        headline=Score("word BLEU", scores.word_bleu, "bleu"),
        others=(Score("exact match", scores.exact_match, "share"), Score("char-BLEU", scores.char_bleu, "bleu")),
        baselines=baselines,
        notes=("greedy decoding; BLEU over whitespace-separated words, with one reference each",) + notes,
    )


def _translation(trainer, progress: Progress | None, cancelled: Cancelled) -> Evaluation:
    corpus = trainer.corpus
    scores = evaluate_translation(trainer.model, corpus, "val", progress=progress, cancelled=cancelled)
    target_ids = corpus.ids("val")[1]
    notes = _unknown_note(unknown_share(corpus.vocab.target, np.concatenate(target_ids)), "target words")
    return _text_scores(
        "translation",
        "pairs",
        trainer.step,
        scores,
        len(target_ids),
        corpus_baselines(corpus, trainer.config.seq_len),
        notes,
    )


def _captioning(trainer, progress: Progress | None, cancelled: Cancelled) -> Evaluation:
    corpus = trainer.corpus
    scores = evaluate_captions(trainer.model, corpus, "val", progress=progress, cancelled=cancelled)
    return _text_scores(
        "image captioning",
        "pictures",
        trainer.step,
        scores,
        len(corpus.captions("val")),
        corpus_baselines(corpus, trainer.config.seq_len),
    )


def _forecasting(trainer) -> Evaluation:
    """Errors relative to the naive forecast's (columns normalised, so each counts by its
    spread), beside the naive, seasonal-naive and autoregressive forecasts on the same windows;
    each column's error in its own unit too."""
    model, corpus = trainer.model, trainer.corpus
    near = evaluate_forecast(model, corpus, 1, windows=ALL_WINDOWS)
    headline = Score("error 1 step ahead", near.ratio, "× naive", False)
    others = [
        Score(f"{column} MAE 1 step ahead", float(error), "") for column, error in zip(near.columns, near.model_mae)
    ]
    notes = [near.describe()]
    horizon = min(LONG_HORIZON, max(1, len(corpus.values("val")) // 4))
    if horizon > 1:
        far = evaluate_forecast(model, corpus, horizon, windows=ALL_WINDOWS)
        others.append(Score(f"error {horizon} steps ahead", far.ratio, "× naive", False))
        notes.append(f"{horizon} steps ahead: {far.describe()}")
    if near.period:
        notes.append(f"the training part repeats every {near.period:,} steps (its dominant period)")
    baselines = tuple(Baseline(b.label, b.explanation, b.ratio) for b in near.baselines)
    return Evaluation(
        "forecasting",
        trainer.step,
        near.windows,
        "forecasts",
        True,
        headline=headline,
        others=tuple(others),
        baselines=baselines,
        notes=tuple(notes),
    )

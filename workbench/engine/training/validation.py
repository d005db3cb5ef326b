"""The validation pass: the model's mean loss on the validation split, and a classifier's or
tagger's confusion counts, as the ``ValidationResult`` the trainer records and tells."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from ..data.batching import IGNORE_INDEX
from ..events import ValidationResult
from ..model.inference_mode import inference
from .config import TrainConfig

LABEL_HEADS = ("classification", "tagging")  # heads whose validation counts right and wrong labels
PROGRESS_REPORTS = 100  # a whole validation tells its progress at most this many times
RUN_END_TOKENS = 2_000_000  # about as many target tokens as a run's closing validation scores, unless told all

Progress = Callable[[int, int], None]  # (batches done, batches in all)


def count_confusion(prediction: torch.Tensor, target: torch.Tensor, num_classes: int) -> np.ndarray:
    """(C, C) counts, rows the true label and columns the predicted one, over real targets.

    ``prediction``: scores (B, C) with targets (B,), or (B, T, C) with targets (B, T) holding
    IGNORE_INDEX on padded steps.
    """
    predicted = prediction.argmax(-1).flatten()
    target = target.flatten()
    real = target != IGNORE_INDEX
    pairs = target[real] * num_classes + predicted[real]
    counts = torch.bincount(pairs.cpu(), minlength=num_classes * num_classes)
    return counts.view(num_classes, num_classes).numpy().astype(np.int64)


def split_batches(corpus, config: TrainConfig) -> int:
    """Batches in the whole held-out split at the settings' batch shape: what ``--val-batches all`` scores."""
    return corpus.batcher("val", config.batch_size, config.seq_len, config.seed).pass_length


def run_end_batches(config: TrainConfig, split_batches: int) -> int:
    """How many batches the validation that closes a run scores: all ``split_batches`` where
    the user validates on all of it (``val_batches`` 0) or where it is small; else enough for
    about RUN_END_TOKENS target tokens (never fewer than a periodic validation's), so that a
    run's end on a corpus of a gigabyte takes a minute, not hours."""
    if not config.val_batches:
        return split_batches
    enough = math.ceil(RUN_END_TOKENS / (config.batch_size * config.seq_len))
    return min(split_batches, max(config.val_batches, enough))


def score_validation(
    model: nn.Module,
    corpus,
    config: TrainConfig,
    device: torch.device,
    step: int,
    whole: bool = False,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] = lambda: False,
    observe: Callable | None = None,
    limit: int = 0,
) -> ValidationResult:
    """Mean loss (per token, or per line for handwriting) and a classifier's or tagger's
    confusion matrix after ``step``; the model's mode comes back after.

    A quick validation (``whole`` False, the config's ``val_batches`` above 0) scores that
    many batches, the same ones every time; the result says how many of how many. A long one
    (``whole``: every batch of the split, or ``limit`` of them, chosen as a quick one's are)
    calls ``progress(done, total)`` now and then, and stops early, saying so in the result,
    once ``cancelled()`` is true. A classifier's or tagger's ``observe(batch, prediction,
    targets)`` sees each batch's scores, for counts of its own.
    """
    total, weight, state = 0.0, 0, None
    head = model.spec.head
    confusion = np.zeros((head.num_outputs,) * 2, np.int64) if head.kind in LABEL_HEADS else None
    batcher = corpus.batcher("val", config.batch_size, config.seq_len, config.seed)
    split = batcher.pass_length
    long = whole or not config.val_batches or config.val_batches >= split
    wanted = min(limit or split, split) if whole else (split if long else config.val_batches)
    batches = batcher.epoch_batches() if wanted >= split else batcher.subset_batches(wanted)
    every = max(1, wanted // PROGRESS_REPORTS)
    scored = 0
    with inference(model):
        for batch in batches:
            if long and cancelled():
                break
            state = state if batch.continues else None
            if confusion is None:
                loss, state = model.batch_loss(batch, state, device)
            else:
                loss, prediction, targets, state = model.batch_outputs(batch, state, device)
                confusion += count_confusion(prediction, targets, head.num_outputs)
                if observe is not None:
                    observe(batch, prediction, targets)
            total += float(loss) * batch.loss_weight
            weight += batch.loss_weight
            scored += 1
            if progress is not None and long and (scored % every == 0 or scored == wanted):
                progress(scored, wanted)
    loss = total / weight if weight else math.nan  # nothing scored (cancelled at once): no score, not 0
    accuracy = None if confusion is None else float(np.trace(confusion) / confusion.sum() if weight else math.nan)
    return ValidationResult(
        step,
        loss,
        loss / math.log(2),
        accuracy,
        confusion,
        scored=weight,
        batches=scored,
        of_batches=split,
        cut_short=scored < wanted,
    )

"""How close written sequences are to their references: exact match and corpus BLEU, for
translations and captions alike."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from .errors import WorkbenchError


@dataclass(frozen=True)
class OutputScores:
    split: str
    beam_width: int
    count: int  # outputs scored (pairs, pictures)
    exact_match: float  # share of outputs identical to their reference
    bleu: float  # corpus BLEU over tokens (characters for character-level data), 0 to 1


def score_outputs(
    split: str, beam_width: int, outputs: Sequence[np.ndarray], references: Sequence[np.ndarray]
) -> OutputScores:
    """Exact match and BLEU of ``outputs`` (token ids) against ``references``."""
    hypotheses = [tuple(output.tolist()) for output in outputs]
    wanted = [tuple(reference.tolist()) for reference in references]
    bleu = corpus_bleu(hypotheses, wanted)
    return OutputScores(split, beam_width, len(wanted), exact_match(hypotheses, wanted), bleu)


def exact_match(predictions: Sequence[Sequence[Hashable]], references: Sequence[Sequence[Hashable]]) -> float:
    """The share of predictions equal, token for token, to their reference (0 for none)."""
    _check_same_count(predictions, references)
    if not references:
        return 0.0
    return sum(tuple(p) == tuple(r) for p, r in zip(predictions, references)) / len(references)


def corpus_bleu(
    hypotheses: Sequence[Sequence[Hashable]], references: Sequence[Sequence[Hashable]], max_n: int = 4
) -> float:
    """Corpus BLEU (Papineni et al., 2002) with one reference per hypothesis, from 0 to 1.

    Tokens are the items of each sequence: words for lists of words, characters for strings,
    so on character-level data this is character BLEU, which runs higher than word BLEU.

    - modified n-gram precision (section 2.1.1), with counts clipped by the reference's:
      p_n = Σ_C Σ_{g ∈ C} min(count_C(g), count_R(g)) / Σ_C Σ_{g ∈ C} count_C(g)
    - brevity penalty (section 2.2.2), c and r the total hypothesis and reference lengths:
      BP = 1 if c > r, else exp(1 − r / c)
    - BLEU = BP · exp(Σ_{n=1..N} w_n log p_n), uniform weights w_n = 1 / N (section 2.3).

    Orders of which the hypotheses hold no n-gram at all (every output shorter than n) are left
    out, as sacreBLEU's "effective order" does, so that short outputs can score; otherwise there
    is no smoothing: when some p_n is 0 (no shared n-gram of that order anywhere) BLEU is 0.
    """
    _check_same_count(hypotheses, references)
    matches, totals = [0] * max_n, [0] * max_n
    for hypothesis, reference in zip(hypotheses, references):
        hypothesis, reference = tuple(hypothesis), tuple(reference)
        for n in range(1, max_n + 1):
            counts, reference_counts = _ngrams(hypothesis, n), _ngrams(reference, n)
            matches[n - 1] += sum(min(count, reference_counts[gram]) for gram, count in counts.items())
            totals[n - 1] += sum(counts.values())
    c = sum(len(h) for h in hypotheses)
    r = sum(len(ref) for ref in references)
    orders = [(m, t) for m, t in zip(matches, totals) if t > 0]
    if c == 0 or min(m for m, _ in orders) == 0:
        return 0.0
    log_precision = sum(math.log(m / t) for m, t in orders) / len(orders)
    brevity_penalty = 1.0 if c > r else math.exp(1 - r / c)
    return brevity_penalty * math.exp(log_precision)


def _ngrams(tokens: tuple[Hashable, ...], n: int) -> Counter:
    return Counter(tokens[i : i + n] for i in range(len(tokens) - n + 1))


def _check_same_count(first: Sequence, second: Sequence) -> None:
    if len(first) != len(second):
        raise WorkbenchError(f"{len(first)} outputs cannot be scored against {len(second)} references")

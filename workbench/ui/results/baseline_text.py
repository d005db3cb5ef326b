"""A model's score beside its baselines, as one line of rich text (plain string helpers, no
widgets, so tests call them directly)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ...engine.scoring.scores import Baseline, best_of, compare
from ..theme import ERROR, MUTED
from .formatting import percent

if TYPE_CHECKING:
    from ...engine.scoring.output_scores import OutputScores


def baselines_line(
    value: float, baselines: tuple[Baseline, ...], shown: Callable[[float], str], is_share: bool = True
) -> str:
    """'Baselines: majority tag per token 85.6 % · … — worse than the majority tag per token
    baseline: …', the standing in colour; ``shown`` writes a value in the score's unit."""
    listed = " · ".join(f"{b.name} {shown(b.value)}" for b in baselines)
    best = best_of(baselines)
    standing = compare(value, best.value, higher_is_better=True, is_share=is_share)
    words = {
        1: "better than every baseline",
        0: f"level with the {best.name} baseline",
        -1: f"worse than the {best.name} baseline: the model has learnt less than it",
    }[standing]
    color = ERROR if standing < 0 else MUTED
    return f'Baselines: {listed} — <span style="color:{color}"><b>{words}</b></span>'


def baselines_tip(baselines: tuple[Baseline, ...]) -> str:
    """What each baseline does, one a line, for a tooltip."""
    return "\n".join(f"{b.name}: {b.explanation}" for b in baselines)


def output_scores_text(scores: OutputScores, counted: str, baselines: tuple[Baseline, ...] = ()) -> str:
    """'exact match 98.5 % · word BLEU 97.0 · char-BLEU 99.1 (greedy, 2,000 pairs)', and under it
    the baselines' word BLEU beside the model's."""
    decoding = "greedy" if scores.beam_width == 1 else f"beam {scores.beam_width}"
    text = (
        f"exact match <b>{percent(scores.exact_match)}</b> · word BLEU <b>{100 * scores.word_bleu:.1f}</b>"
        f" · char-BLEU {100 * scores.char_bleu:.1f} ({decoding}, {scores.count:,} {counted})"
    )
    if baselines and scores.beam_width == 1:  # the baselines are scored on the whole split, as greedy decoding is
        text += "<br>" + baselines_line(scores.word_bleu, baselines, lambda value: f"{100 * value:.1f}", False)
    elif baselines:
        text += "<br>Baselines are set beside greedy decoding of the whole split (beam search scores the first part)."
    return text


SCORES_TIP = (
    "Exact match: the share of outputs identical to their reference.\n"
    "Word BLEU: overlap of 1- to 4-word runs with the references, 0 to 100 (words split at spaces).\n"
    "Char-BLEU: the same over characters, spaces left out; it runs higher than word BLEU.\n"
    "Baselines (word BLEU): copying the source unchanged, and writing the commonest training output every time."
)

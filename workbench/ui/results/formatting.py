"""Numbers and tokens as the Results tab writes them: plain string helpers, no Qt, so tests call them directly."""

from __future__ import annotations

import math

from ...engine.scoring.scores import share_text

NO_VALUE = "—"  # a score that is undefined (no item carries, or none was given, that label)
VISIBLE_CHARACTERS = {" ": "␣", "\n": "⏎", "\t": "⇥"}


def percent(share: float | None) -> str:
    """0.871 -> '87.1 %'; None or NaN -> '—'."""
    return share_text(math.nan if share is None else share, NO_VALUE)


def log_prob_text(log_prob: float) -> str:
    """A log-probability to two places, a near-certain answer's -0.004 as '0.00', not '-0.00'."""
    return f"{round(log_prob, 2) + 0.0:.2f}"  # + 0.0 turns a rounded -0.0 into 0.0


def visible_token(token: str) -> str:
    """A token as a label that shows: a space as '␣', a newline as '⏎', a tab as '⇥'."""
    return VISIBLE_CHARACTERS.get(token, token)


def token_spans(text: str, tokens: tuple[str, ...]) -> list[tuple[int, int]]:
    """Where each token lies in ``text``, as [start, end) offsets.

    Tokens are the text's characters, or its words split at whitespace; either way each is found
    after the last, so what lies between them (spaces, newlines, indentation) is kept as typed.
    A token that cannot be found (the text and tokens disagree) gets an empty span.
    """
    spans, position = [], 0
    for token in tokens:
        start = text.find(token, position)
        if start < 0:
            spans.append((position, position))
            continue
        position = start + len(token)
        spans.append((start, position))
    return spans

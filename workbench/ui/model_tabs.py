"""Which of the window's tabs shows what a model learnt, by its task."""

from __future__ import annotations

from ..engine.spec import ModelSpec

HANDWRITING_KINDS = {"handwriting": "prediction", "handwriting synthesis": "synthesis"}  # template -> panel


def results_kind(spec: ModelSpec, data_kind: str | None) -> str | None:
    """What the Results tab shows for a model (its scores, and a place to try it), by task."""
    if spec.template == "captioning":
        return "captioning"
    if spec.is_seq2seq:
        return "translation"
    if spec.head.kind == "regression" and data_kind == "series":
        return "forecasting"
    if spec.head.kind in ("classification", "tagging") and data_kind == "labelled":
        return spec.head.kind
    return None  # language models, handwriting, the long-range lab's tasks


def elsewhere(results: str | None, spec: ModelSpec) -> str:
    """Where a model that does not write text shows what it learnt."""
    if spec.writes_with_pen:
        return "It writes with a pen, in the Handwriting tab."
    if results is not None:
        return "Try it in the Results tab."
    return "Its loss against the baseline is on the Training tab, its gradient through time on the Inside tab."

"""The kinds of output head a spec may name, each with its title and its rules in words.

``HEAD_KINDS`` maps a ``HeadSpec.kind`` to a ``HeadKind``; the modules that compute each head
are in ``model.heads``, whose registry has the same keys but "mixture_density".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .parts import POOLINGS

if TYPE_CHECKING:
    from .model_spec import ModelSpec


@dataclass(frozen=True)
class HeadKind:
    """What a head is called and the rules a spec with it must satisfy."""

    title: str  # "next token": what the palette and the canvas call it
    problems: Callable[[ModelSpec], list[str]]


def _next_token_problems(spec: ModelSpec) -> list[str]:
    found = []
    if spec.decoder is None:
        if spec.encoder.bidirectional:
            found.append("a bidirectional encoder cannot generate text left to right")
        if spec.inputs.kind != "tokens":
            found.append("a next-token head predicts the next input token: it needs token inputs")
        elif spec.head.num_outputs != spec.inputs.vocab_size:
            found.append("a next-token head must predict over the input vocabulary")
    elif spec.target_inputs is not None and spec.head.num_outputs != spec.target_inputs.vocab_size:
        found.append("the decoder's head must predict over the target vocabulary")
    return found


def _reads_one_sequence(title: str) -> Callable[[ModelSpec], list[str]]:
    def problems(spec: ModelSpec) -> list[str]:
        found = []
        if spec.decoder is not None:
            found.append(f"a {title} head reads one sequence: remove the decoder")
        if spec.head.num_outputs < 1:
            found.append(f"a {title} head needs at least one output")
        return found

    return problems


def _classification_problems(spec: ModelSpec) -> list[str]:
    found = _reads_one_sequence("classification")(spec)
    if spec.head.num_outputs == 1:
        found.append("a classifier needs at least two classes")
    if spec.head.pooling not in POOLINGS:
        found.append(f"unknown pooling '{spec.head.pooling}' (last, mean, max or attention)")
    return found


def _regression_problems(spec: ModelSpec) -> list[str]:
    found = _reads_one_sequence("regression")(spec)
    if spec.encoder.bidirectional:
        found.append("a forecaster cannot read the future: use a unidirectional encoder")
    return found


def _mixture_density_problems(spec: ModelSpec) -> list[str]:
    """Graves' handwriting networks: LSTM layers with skip connections, pen offsets in."""
    found = []
    if spec.decoder is not None:
        found.append("a handwriting model writes one sequence: remove the decoder")
    inputs = spec.inputs
    if inputs.kind != "features" or inputs.feature_dim != 3 or inputs.projection_dim:
        found.append("a handwriting model reads pen moves: three features a step (dx, dy, end of stroke)")
    if spec.encoder.cell != "lstm":
        found.append("the handwriting networks are made of LSTM layers (Graves 2013)")
    if spec.encoder.bidirectional:
        found.append("a handwriting model writes forwards: it cannot be bidirectional")
    if spec.encoder.dropout:
        found.append("the handwriting networks have no dropout between layers")
    if spec.head.num_outputs < 1:
        found.append("the mixture needs at least one Gaussian component")
    return found


HEAD_KINDS: dict[str, HeadKind] = {
    "next_token": HeadKind("next token", _next_token_problems),
    "tagging": HeadKind("tag per step", _reads_one_sequence("tagging")),
    "classification": HeadKind("class per sequence", _classification_problems),
    "mixture_density": HeadKind("pen position mixture", _mixture_density_problems),
    "regression": HeadKind("values per step", _regression_problems),
}

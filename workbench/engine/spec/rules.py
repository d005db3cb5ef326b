"""Every reason a spec cannot be built or cannot do its job, in words a user can act on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .head_kinds import HEAD_KINDS
from .parts import (
    ATTENTION_KINDS,
    CELLS,
    INPUT_KINDS,
    MAX_HIDDEN_SIZE,
    MAX_LAYERS,
    SPEC_VERSION,
    InputSpec,
    RecurrentSpec,
    SpecProblem,
)

if TYPE_CHECKING:
    from .model_spec import ModelSpec


def validate(spec: ModelSpec) -> list[SpecProblem]:
    """Every reason ``spec`` cannot be built or cannot do its job, in words for the user."""
    problems: list[SpecProblem] = []
    if spec.version != SPEC_VERSION:
        problems.append(SpecProblem("model", f"unsupported specification version {spec.version}"))
    problems += _check_inputs("inputs", spec.inputs)
    if spec.inputs.kind == "image":
        problems += _check_image_model(spec)
    else:
        problems += _check_stack("encoder", spec.encoder)
        if spec.image_encoder is not None:
            problems.append(
                SpecProblem(
                    "image_encoder", f"an image encoder reads pictures, but this model reads {spec.inputs.kind}"
                )
            )
    if spec.decoder is not None:
        problems += _check_decoder(spec)
    else:
        if spec.attention is not None:
            problems.append(
                SpecProblem(
                    "attention",
                    "attention needs a decoder to attend from; to weigh the steps of one sequence "
                    "use attention pooling in a classification head",
                )
            )
        if spec.reverse_source:
            problems.append(SpecProblem("model", "reversing the source needs an encoder–decoder model"))
    if spec.window is not None:
        if spec.head.kind != "mixture_density":
            problems.append(SpecProblem("window", "a window over text belongs to a handwriting model"))
        if not 1 <= spec.window.components <= 1000:
            problems.append(SpecProblem("window", "the window has between 1 and 1000 Gaussians"))
        if spec.window.alphabet_size < 1:
            problems.append(SpecProblem("window", "the window has no characters: choose handwriting data with text"))
    head = HEAD_KINDS.get(spec.head.kind)
    if head is None:
        known = ", ".join(sorted(HEAD_KINDS))
        problems.append(SpecProblem("head", f"unknown head '{spec.head.kind}' (known: {known})"))
    else:
        problems += [SpecProblem("head", message) for message in head.problems(spec)]
    return problems


def _check_inputs(where: str, inputs: InputSpec) -> list[SpecProblem]:
    if inputs.kind not in INPUT_KINDS:
        return [SpecProblem(where, f"unknown input kind '{inputs.kind}' (tokens, features or image)")]
    found = []
    if inputs.kind == "tokens":
        if inputs.vocab_size < 1:
            found.append(SpecProblem(where, "the vocabulary is empty: choose the training data first"))
        if not 1 <= inputs.embedding_dim <= 65536:
            found.append(SpecProblem(where, "the embedding width must be between 1 and 65536"))
    elif inputs.kind == "image":
        if inputs.image_size < 1:
            found.append(SpecProblem(where, "the picture size is unknown: choose the training data first"))
        if inputs.channels < 1:
            found.append(SpecProblem(where, "pictures need at least one colour channel"))
    else:
        if inputs.feature_dim < 1:
            found.append(SpecProblem(where, "feature inputs need at least one feature per step"))
        if not 0 <= inputs.projection_dim <= 65536:
            found.append(SpecProblem(where, "the projection width must be between 0 (none) and 65536"))
    return found


def _check_image_model(spec: ModelSpec) -> list[SpecProblem]:
    """A captioning model: a CNN reads the picture, a decoder writes about it."""
    found = []
    cnn = spec.image_encoder
    if cnn is None:
        found.append(
            SpecProblem(
                "image_encoder",
                "a model that reads pictures needs an image encoder (a CNN): start from the captioning template",
            )
        )
    elif not cnn.channels:
        found.append(SpecProblem("image_encoder", "the image encoder needs at least one block"))
    elif not all(isinstance(width, int) and 1 <= width <= 4096 for width in cnn.channels):
        found.append(SpecProblem("image_encoder", "each block of the image encoder has between 1 and 4096 channels"))
    elif spec.inputs.image_size >= 1 and cnn.grid_side(spec.inputs.image_size) < 1:
        found.append(
            SpecProblem(
                "image_encoder",
                f"pictures of {spec.inputs.image_size} pixels a side are too small for {len(cnn.channels)} blocks "
                f"that each halve them: remove a block",
            )
        )
    if spec.decoder is None:
        found.append(
            SpecProblem(
                "decoder", "a model that reads pictures writes about them: it needs a decoder (the captioning template)"
            )
        )
    elif spec.reverse_source:
        found.append(SpecProblem("model", "a picture has no order to reverse: turn reversing the source off"))
    return found


def _check_stack(where: str, stack: RecurrentSpec) -> list[SpecProblem]:
    found = []
    if stack.cell not in CELLS:
        found.append(SpecProblem(where, f"unknown cell '{stack.cell}' (rnn, lstm or gru)"))
    if not 1 <= stack.hidden_size <= MAX_HIDDEN_SIZE:
        found.append(SpecProblem(where, f"the hidden size must be between 1 and {MAX_HIDDEN_SIZE} units"))
    if not 1 <= stack.num_layers <= MAX_LAYERS:
        found.append(SpecProblem(where, f"a stack has between 1 and {MAX_LAYERS} layers"))
    if not 0.0 <= stack.dropout < 1.0:
        found.append(SpecProblem(where, "dropout is a probability: at least 0 and below 1"))
    elif stack.dropout > 0 and stack.num_layers == 1:
        found.append(SpecProblem(where, "dropout between layers needs at least two layers"))
    return found


def _check_decoder(spec: ModelSpec) -> list[SpecProblem]:
    assert spec.decoder is not None
    found = _check_stack("decoder", spec.decoder)
    if spec.decoder.bidirectional:
        found.append(SpecProblem("decoder", "a decoder writes left to right; it cannot be bidirectional"))
    if spec.target_inputs is None or spec.target_inputs.kind != "tokens":
        found.append(SpecProblem("decoder", "a decoder needs a token embedding for the target side"))
    else:
        found += _check_inputs("decoder", spec.target_inputs)
    if spec.attention is not None:
        if spec.attention.kind not in ATTENTION_KINDS:
            found.append(
                SpecProblem("attention", f"unknown attention '{spec.attention.kind}' (additive or multiplicative)")
            )
        if not 0 <= spec.attention.size <= 65536:
            found.append(SpecProblem("attention", "the attention size must be between 0 (the decoder's) and 65536"))
    return found

"""What dropping a palette entry on a part of the diagram does to the spec.

Plain functions from (spec, entry, part) to the edited spec and the undo text, with no Qt in
them: the view decodes the drag, finds the part under the cursor, asks ``apply_drop`` and hands
the result to ``SpecDocument.edit``. A drop that cannot work raises ``DropRefused`` with words
for the user and leaves the spec alone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ...engine.common.errors import SpecError
from ...engine.data.base import Task
from ...engine.model.templates import TEMPLATES, from_template
from ...engine.spec import CELL_NAMES, CELLS, HEAD_KINDS, HeadSpec, ModelSpec, RecurrentSpec
from .palette_entry import PaletteEntry

DROPOUT = 0.2  # the rate a dropped Dropout block sets; the inspector changes it
PROJECTION = 64  # the width a dropped Embedding gives feature inputs
_TASK_TITLES = {
    "next_token": "language model",
    "tagging": "tagging",
    "classification": "classification",
    "regression": "forecasting",
    "mixture_density": "handwriting",
}


class DropRefused(Exception):
    """The drop cannot be applied; ``str(error)`` says why, for the user."""


@dataclass(frozen=True)
class SpecChange:
    spec: ModelSpec
    text: str  # the undo text: "Swap encoder cell to GRU"


def apply_drop(spec: ModelSpec, entry: PaletteEntry, part: str | None, alphabet_size: int = 0) -> SpecChange | None:
    """The edit that dropping ``entry`` on ``part`` makes, or None when nothing would change.

    ``alphabet_size``: the characters of the project's text, which a handwriting synthesis
    window reads (a prediction network's spec does not hold them).
    """
    handlers = {
        "cell": _drop_cell,
        "dropout": _drop_dropout,
        "head": _drop_head,
        "embedding": _drop_embedding,
    }
    if entry.kind == "template":
        change = _drop_template(spec, entry.name, alphabet_size)
    else:
        change = handlers[entry.kind](spec, entry.name, part)
    if change is None or change.spec == spec:
        return None
    return change


def current_task(spec: ModelSpec, alphabet_size: int = 0) -> Task:
    """The task the current spec's data sets: its inputs, head and target side (and text alphabet)."""
    head = spec.head
    if head.kind == "classification" and head.pooling == "attention":
        head = replace(head, pooling="last")  # attention pooling belongs to the attention template
    if spec.inputs.kind == "image":
        title = "captioning"
    elif spec.target_inputs is not None:
        title = "translation"
    else:
        title = _TASK_TITLES.get(head.kind, "this")
    alphabet = spec.window.alphabet_size if spec.window is not None else alphabet_size
    return Task(title, spec.inputs, head, spec.target_inputs, alphabet)


def _drop_template(spec: ModelSpec, name: str, alphabet_size: int) -> SpecChange:
    if name not in TEMPLATES:
        raise DropRefused(f"unknown template '{name}'")
    try:
        new = from_template(name, current_task(spec, alphabet_size), spec.encoder)
    except SpecError as error:
        raise DropRefused(str(error)) from None
    if new.image_encoder is not None and spec.image_encoder is not None:
        new = replace(new, image_encoder=spec.image_encoder)  # the CNN the user built stays, like the stack
    return SpecChange(new, f"Apply {name} template")


def reads_pictures(spec: ModelSpec) -> bool:
    """A captioning model: a CNN reads the picture and the decoder is its only recurrent stack."""
    return spec.inputs.kind == "image" and spec.decoder is not None


def target_stack(spec: ModelSpec, part: str | None) -> str:
    """The stack a block dropped on ``part`` goes to: that stack, or else the encoder (the
    decoder, for a captioning model)."""
    if reads_pictures(spec) or (part == "decoder" and spec.decoder is not None):
        return "decoder"
    return "encoder"


def with_stack(spec: ModelSpec, where: str, stack: RecurrentSpec) -> ModelSpec:
    """``spec`` with the ``where`` stack replaced; a captioning model's unbuilt encoder field
    follows its decoder, as ``templates.captioning`` fills it."""
    spec = replace(spec, **{where: stack})
    if reads_pictures(spec):
        spec = replace(spec, encoder=spec.decoder)
    return spec


def _drop_cell(spec: ModelSpec, name: str, part: str | None) -> SpecChange:
    if name not in CELLS:
        raise DropRefused(f"unknown cell '{name}' (rnn, lstm or gru)")
    where = target_stack(spec, part)
    new = with_stack(spec, where, replace(getattr(spec, where), cell=name))
    return SpecChange(new, f"Swap {where} cell to {CELL_NAMES[name]}")


def _drop_dropout(spec: ModelSpec, name: str, part: str | None) -> SpecChange:
    where = target_stack(spec, part)
    stack = getattr(spec, where)
    if stack.num_layers < 2:
        raise DropRefused(f"dropout goes between layers, and the {where} has one layer: add a layer first")
    new = with_stack(spec, where, replace(stack, dropout=DROPOUT))
    return SpecChange(new, f"Add dropout {DROPOUT:g} to {where}")


def _drop_head(spec: ModelSpec, name: str, part: str | None) -> SpecChange:
    if name not in HEAD_KINDS:
        raise DropRefused(f"unknown head '{name}'")
    head = HeadSpec(kind=name, num_outputs=spec.head.num_outputs, pooling=spec.head.pooling)
    if name == "next_token":
        vocabulary = spec.target_inputs if spec.target_inputs is not None else spec.inputs
        head = replace(head, num_outputs=vocabulary.vocab_size)
    if head.pooling == "attention" and name == "classification" and spec.head.kind != name:
        head = replace(head, pooling="last")
    new = replace(spec, head=head)
    refusals = [problem.message for problem in new.problems() if problem.where == "head"]
    if refusals:
        raise DropRefused(refusals[0])
    return SpecChange(new, f"Swap head to {HEAD_KINDS[name].title}")


def _drop_embedding(spec: ModelSpec, name: str, part: str | None) -> SpecChange:
    inputs = spec.inputs
    if inputs.kind == "image":
        raise DropRefused("the pictures go through the CNN, not an embedding: change its channels in the inspector")
    if inputs.kind == "tokens":
        raise DropRefused(
            "the inputs are token ids and already go through an embedding: change its width in the inspector"
        )
    if inputs.projection_dim:
        raise DropRefused("the features already go through a projection: change its width in the inspector")
    new = replace(spec, inputs=replace(inputs, projection_dim=PROJECTION))
    return SpecChange(new, f"Add input projection {PROJECTION}")

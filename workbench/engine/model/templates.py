"""The architecture templates of the palette, each a function returning a ``ModelSpec``.

A template fixes the shape of the network; a ``Task`` (what the data asks for: its inputs, what
to predict and, for translation and captioning, the target side) fills in the sizes.
``from_template`` picks a template by name and refuses, in words, a template that cannot do the
task.
"""

from __future__ import annotations

from dataclasses import replace

from ..common.errors import SpecError
from ..data.base import Task
from ..spec import AttentionSpec, ImageEncoderSpec, ModelSpec, RecurrentSpec, WindowSpec

WINDOW_COMPONENTS = 10  # K, as in section 5.2


def stacked(task: Task, stack: RecurrentSpec) -> ModelSpec:
    """One recurrent stack read left to right; layers feed the layer above."""
    return ModelSpec(inputs=task.inputs, encoder=replace(stack, bidirectional=False), head=task.head)


def bidirectional(task: Task, stack: RecurrentSpec) -> ModelSpec:
    """Every layer reads the sequence both ways; each step sees its whole context."""
    return ModelSpec(inputs=task.inputs, encoder=replace(stack, bidirectional=True), head=task.head)


def encoder_decoder(task: Task, stack: RecurrentSpec, reverse_source: bool = True) -> ModelSpec:
    """Separate encoder and decoder stacks; the decoder starts from the encoder's final state."""
    if task.inputs.kind == "image":
        raise SpecError("a recurrent encoder cannot read pictures: use the captioning template")
    if task.target_inputs is None:
        raise SpecError(
            f"the encoder–decoder template translates one sequence into another, but this is "
            f"{task.title} data: use the stacked template"
        )
    return ModelSpec(
        inputs=task.inputs,
        encoder=stack,
        decoder=replace(stack, bidirectional=False),
        target_inputs=task.target_inputs,
        head=task.head,
        reverse_source=reverse_source,
    )


def attention(task: Task, stack: RecurrentSpec, kind: str = "additive") -> ModelSpec:
    """Encoder–decoder whose decoder attends over all encoder steps; for classification data,
    a stack whose steps are weighed by attention pooling."""
    if task.head.kind == "classification":
        return replace(stacked(task, stack), head=replace(task.head, pooling="attention"))
    if task.target_inputs is None:
        raise SpecError(
            f"the attention template needs a sequence to attend over while writing another, but "
            f"this is {task.title} data: use the stacked template"
        )
    spec = encoder_decoder(task, replace(stack, bidirectional=True), reverse_source=False)
    return replace(spec, attention=AttentionSpec(kind=kind))


def captioning(task: Task, stack: RecurrentSpec, cnn: ImageEncoderSpec | None = None) -> ModelSpec:
    """Show, Attend and Tell (Xu et al., 2015): a CNN reads the picture into a grid of features,
    a decoder (an LSTM in the paper; any cell builds) starts from their mean and attends over
    the grid cells while it writes."""
    if task.inputs.kind != "image":
        raise SpecError(f"the captioning template writes about pictures, but this is {task.title} data")
    decoder = replace(stack, bidirectional=False)
    return ModelSpec(
        inputs=task.inputs,
        image_encoder=cnn or ImageEncoderSpec(),
        encoder=decoder,  # not built: the CNN reads the picture (see the spec module)
        decoder=decoder,
        target_inputs=task.target_inputs,
        attention=AttentionSpec(kind="additive"),
        head=task.head,
    )


def _needs_pen_data(template: str, task: Task) -> None:
    if task.head.kind != "mixture_density":
        raise SpecError(f"the {template} template writes with a pen, but this is {task.title} data")


def handwriting(task: Task, stack: RecurrentSpec) -> ModelSpec:
    """Graves' prediction network: LSTM layers with skip connections, a mixture density head."""
    _needs_pen_data("handwriting", task)
    lstm = replace(stack, cell="lstm", bidirectional=False, dropout=0.0)
    return ModelSpec(inputs=task.inputs, encoder=lstm, head=task.head)


def handwriting_synthesis(task: Task, stack: RecurrentSpec, components: int = WINDOW_COMPONENTS) -> ModelSpec:
    """The prediction network plus a soft window over the text to write (Graves section 5)."""
    _needs_pen_data("handwriting synthesis", task)
    window = WindowSpec(components=components, alphabet_size=task.alphabet_size)
    return replace(handwriting(task, stack), window=window)


TEMPLATES = {
    "stacked": stacked,
    "bidirectional": bidirectional,
    "encoder-decoder": encoder_decoder,
    "attention": attention,
    "handwriting": handwriting,
    "handwriting synthesis": handwriting_synthesis,
    "captioning": captioning,
}


def fit_to_task(spec: ModelSpec, task: Task) -> ModelSpec:
    """``spec`` sized for ``task``'s data: vocabularies, feature width, picture size, outputs and alphabet.

    The shape the user built (cells, sizes, pooling, attention) is kept; a spec that reads or
    predicts something else than the data holds raises SpecError saying so.
    """
    if spec.inputs.kind != task.inputs.kind:
        raise SpecError(
            f"the model reads {spec.inputs.kind} but the {task.title} data holds {task.inputs.kind}: "
            f"start from a template"
        )
    if spec.head.kind != task.head.kind:
        raise SpecError(
            f"the model's head predicts {spec.head.kind.replace('_', ' ')} but the {task.title} data "
            f"asks for {task.head.kind.replace('_', ' ')}: start from a template"
        )
    if spec.is_seq2seq != (task.target_inputs is not None):
        wanted = "an encoder–decoder" if task.target_inputs is not None else "a model without a decoder"
        raise SpecError(f"{task.title} data needs {wanted}: start from a template")
    inputs = replace(
        spec.inputs,
        vocab_size=task.inputs.vocab_size,
        feature_dim=task.inputs.feature_dim,
        image_size=task.inputs.image_size,
        channels=task.inputs.channels,
    )
    target_inputs = spec.target_inputs
    if target_inputs is not None and task.target_inputs is not None:
        target_inputs = replace(target_inputs, vocab_size=task.target_inputs.vocab_size)
    head = spec.head
    if head.kind != "mixture_density":  # a mixture's components are the model's choice, not the data's
        head = replace(head, num_outputs=task.head.num_outputs)
    window = spec.window
    if window is not None:
        window = replace(window, alphabet_size=task.alphabet_size)
    return replace(spec, inputs=inputs, target_inputs=target_inputs, head=head, window=window)


def from_template(name: str, task: Task, stack: RecurrentSpec) -> ModelSpec:
    """The spec of template ``name`` for ``task``, checked; SpecError says why it cannot be."""
    make = TEMPLATES.get(name)
    if make is None:
        raise SpecError(f"unknown template '{name}' (known: {', '.join(TEMPLATES)})")
    return make(task, stack).check()

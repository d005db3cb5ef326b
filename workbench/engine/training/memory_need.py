"""Whether a model will fit in memory to train, worked out from its spec before it is built.

Each size in a spec is range-checked on its own, but not their product: sixteen layers of 8,192
units pass every check and need hundreds of gigabytes, and torch only finds out by failing an
allocation (a C++ traceback) or by swapping the machine to a halt. ``check_fits`` refuses such a
model in one line, with a hidden size (or embedding width) that would fit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch

from ..common.errors import SpecError
from ..common.free_memory import host_available_memory, in_bytes
from ..model.parameter_count import GATES, spec_parameters
from ..spec import InputSpec, ModelSpec, RecurrentSpec
from .config import TrainConfig

FLOAT_BYTES = 4  # weights, gradients and optimizer state are float32
USABLE_SHARE = 0.75  # of the available memory; see ``usable``
SIZE_STEP = 64  # suggested sizes of 64 or more are multiples of 64: easy to read, kind to GPU kernels


@dataclass(frozen=True)
class MemoryNeed:
    """Bytes a model needs to train: its parameters' copies, and one batch's activations."""

    parameters: int
    copies: int  # float32 values kept per parameter (weights, gradients, optimizer state, ...)
    copies_named: str  # what they are, for the message: "their gradients, Adam's two moments, ..."
    activation_bytes: int

    @property
    def parameter_bytes(self) -> int:
        return self.parameters * self.copies * FLOAT_BYTES

    @property
    def total(self) -> int:
        return self.parameter_bytes + self.activation_bytes


def optimizer_state(config: TrainConfig) -> tuple[int, str]:
    """Values torch's optimizer keeps per parameter, and their name (see ``optimizers.make_optimizer``)."""
    if config.optimizer == "adam":
        return 2, "Adam's two moments"
    if config.optimizer == "rmsprop":
        return (2, "RMSprop's average and momentum") if config.momentum else (1, "RMSprop's average")
    return (1, "SGD's momentum") if config.momentum else (0, "")


def training_memory(spec: ModelSpec, config: TrainConfig, device: torch.device | str = "cpu") -> MemoryNeed:
    """Weights, gradients and optimizer state; the copy of a sound state the trainer keeps to roll
    a diverging run back (``divergence.SoundState``: weights on the device, optimizer state on
    the host); on the CPU also the copy of weights and state a save makes; and one batch's
    ``activations``. On a GPU only what lives in GPU memory is counted."""
    state, state_named = optimizer_state(config)
    named = [part for part in ("their gradients", state_named) if part]
    if torch.device(device).type == "cuda":
        copies = 2 + state + 1
        named.append("a copy kept for rollback")
    else:
        copies = 2 + state + 2 * (1 + state)
        named.append("copies for rollback and saving")
    return MemoryNeed(spec_parameters(spec), copies, _joined(named), activations(spec, config) * FLOAT_BYTES)


def activations(spec: ModelSpec, config: TrainConfig) -> int:
    """Float values one training batch keeps for the backward pass, doubled for their gradients.

    Every sequence is taken to be ``seq_len`` steps long. Counted, per sequence and step: the
    input vector; per recurrent layer and direction the cell's gates, state and output; the
    head's outputs, their softmax and its gradient; attention's scores against every memory step
    (and additive attention's hidden layer for each pair). A captioner's CNN adds each block's
    convolution, ReLU and pool outputs. Torch's scratch buffers are left to the margin of
    ``usable``.
    """
    rows, steps = config.batch_size, config.seq_len
    per_step = 3 * spec.head.num_outputs
    if spec.inputs.kind == "image":
        per_picture = _image_encoder_values(spec)
    else:
        per_picture = 0
        per_step += _stack_values(spec.inputs, spec.encoder)
    if spec.decoder is not None:
        per_step += _stack_values(spec.target_inputs, spec.decoder) + _attention_values(spec, steps)
    return 2 * rows * (steps * per_step + per_picture)


def _stack_values(inputs: InputSpec, stack: RecurrentSpec) -> int:
    """Per step: the input vector and its gradient, then each layer's cells."""
    directions = 2 if stack.bidirectional else 1
    return 2 * inputs.width + stack.num_layers * directions * (GATES[stack.cell] + 2) * stack.hidden_size


def _attention_values(spec: ModelSpec, steps: int) -> int:
    """Per decoder step: scores and weights over the memory, the context and its combination."""
    if spec.attention is None:
        return 0
    if spec.image_encoder is not None:
        memory_steps = spec.image_encoder.grid_side(spec.inputs.image_size) ** 2
        memory_width = spec.image_encoder.output_width
    else:
        memory_steps, memory_width = steps, spec.encoder.output_width
    scores = 2  # the scores and their softmax
    if spec.attention.kind == "additive":
        scores += spec.attention.size or spec.decoder.hidden_size  # tanh(W s_t + U h_j) for every j
    return memory_steps * scores + memory_width + spec.decoder.hidden_size


def _image_encoder_values(spec: ModelSpec) -> int:
    """Per picture: each block's convolution and ReLU outputs at its input's size, and the pool's."""
    total, side = 0, spec.inputs.image_size
    for channels in spec.image_encoder.channels:
        total += 3 * channels * side * side
        side //= 2
    return total


# -- the check ----------------------------------------------------------------------------


def available_memory(device: torch.device | str = "cpu") -> int | None:
    """Bytes free for a new model on ``device``; None where there is no telling."""
    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.mem_get_info(device)[0] if torch.cuda.is_available() else None
    return host_available_memory()


def usable(available: int) -> int:
    """The share of ``available`` a model may plan on. A quarter stays free: the estimate leaves
    out Python, torch and the data (a few hundred megabytes), and torch's scratch buffers, and
    other programs' needs change while a run trains for hours; a model that takes the last byte
    makes the whole machine swap."""
    return int(available * USABLE_SHARE)


def check_fits(
    spec: ModelSpec, config: TrainConfig, device: torch.device | str | None = None, available: int | None = None
) -> None:
    """Raise SpecError if ``spec`` will not train in the memory of ``device`` (by default the
    config's); ``available`` bytes replace what the machine reports. A valid spec is assumed."""
    device = _training_device(config.device if device is None else device)
    available = available_memory(device) if available is None else available
    if available is None:
        return
    need = training_memory(spec, config, device)
    if need.total <= usable(available):
        return
    where = "GPU memory" if device.type == "cuda" else "memory"
    raise SpecError(
        f"this model needs about {in_bytes(need.total)} to train ({_count_in_words(need.parameters)} "
        f"parameters with {need.copies_named}, plus activations), but {in_bytes(available)} of {where} "
        f"is available and a quarter of it is kept free; {_what_would_fit(spec, config, device, usable(available))}"
    )


def _training_device(device: torch.device | str) -> torch.device:
    """``auto`` means what the trainer will choose (see ``device.resolve_device``)."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def _what_would_fit(spec: ModelSpec, config: TrainConfig, device: torch.device, budget: int) -> str:
    """The largest hidden size that fits, all else kept; failing that, the largest embedding width."""

    def fits(candidate: ModelSpec) -> bool:
        return training_memory(candidate, config, device).total <= budget

    stacks = [spec.encoder] + ([spec.decoder] if spec.decoder is not None else [])
    hidden = _largest(lambda size: fits(_with_hidden_at_most(spec, size)), max(s.hidden_size for s in stacks))
    if hidden:
        return f"a hidden size of {hidden:,} or less would fit"
    widest = max((part.embedding_dim for part in (spec.inputs, spec.target_inputs) if _reads_tokens(part)), default=0)
    embedding = _largest(lambda width: fits(_with_embedding_at_most(spec, width)), widest)
    if embedding:
        return f"an embedding width of {embedding:,} or less would fit"
    sizes = "a hidden size and embedding width of 1" if widest else "a hidden size of 1"
    return f"not even {sizes} would fit: use smaller batches or shorter sequences"


def _largest(fits, above: int) -> int:
    """The largest size below ``above`` that ``fits`` (monotone in the size), rounded down to a
    multiple of ``SIZE_STEP`` from ``SIZE_STEP`` up; 0 if none."""
    low, high = 0, above  # fits(low) (or low is 0), not fits(high)
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if fits(middle) else (low, middle)
    return low - low % SIZE_STEP if low >= SIZE_STEP else low


def _with_hidden_at_most(spec: ModelSpec, size: int) -> ModelSpec:
    def capped(stack: RecurrentSpec | None) -> RecurrentSpec | None:
        return stack and replace(stack, hidden_size=min(stack.hidden_size, size))

    return replace(spec, encoder=capped(spec.encoder), decoder=capped(spec.decoder))


def _with_embedding_at_most(spec: ModelSpec, width: int) -> ModelSpec:
    def capped(inputs: InputSpec | None) -> InputSpec | None:
        return replace(inputs, embedding_dim=min(inputs.embedding_dim, width)) if _reads_tokens(inputs) else inputs

    return replace(spec, inputs=capped(spec.inputs), target_inputs=capped(spec.target_inputs))


def _reads_tokens(inputs: InputSpec | None) -> bool:
    return inputs is not None and inputs.kind == "tokens"


def _count_in_words(count: int) -> str:
    for size, word in ((1e9, "billion"), (1e6, "million")):
        if count >= size:
            return f"{count / size:.3g} {word}"
    return f"{count:,}"


def _joined(parts: list[str]) -> str:
    return ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else "".join(parts)

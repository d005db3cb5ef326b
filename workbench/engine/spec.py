"""The model specification: a model as plain, versioned data.

A spec is what the canvas edits, what the project file stores and what the builder turns into
an ``nn.Module``. It is made of frozen dataclasses, so an edit is ``dataclasses.replace`` and an
undo is keeping the previous value. ``validate`` lists every problem in words a user can act on;
``ModelSpec.check`` raises the first one.

Layout: token or feature ``inputs`` feed the ``encoder`` stack. Without a ``decoder`` the head
reads the encoder (language model, tagger, classifier, forecaster). With a ``decoder`` the model
is an encoder-decoder: the decoder reads ``target_inputs`` and starts from the encoder's final
state, optionally looking back at the encoder through ``attention``.

Image inputs (captioning) are read by the ``image_encoder``, a small CNN, in place of the
recurrent ``encoder``: the decoder starts from the mean of the CNN's grid of features and attends
over its cells. The ``encoder`` field is then not built; the template fills it with the decoder's
stack so that code asking for "the model's cell" still gets an answer.
"""

from __future__ import annotations

import json
import math
from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Any

from .errors import SpecError

SPEC_VERSION = 1

CELLS = ("rnn", "lstm", "gru")
CELL_NAMES = {"rnn": "RNN (tanh)", "lstm": "LSTM", "gru": "GRU"}
INPUT_KINDS = ("tokens", "features", "image")
ATTENTION_KINDS = ("additive", "multiplicative")
POOLINGS = ("last", "mean", "max", "attention")
IMAGE_INPUT_FIELDS = ("image_size", "channels")  # InputSpec fields only pictures use
MAX_HIDDEN_SIZE = 8192  # units per layer and direction
MAX_LAYERS = 16  # layers of one stack
REQUIRED_PARTS = ("inputs", "encoder", "head")  # every model has these; the other parts may be null


@dataclass(frozen=True)
class InputSpec:
    """What one time step of the input is and how it becomes a vector."""

    kind: str = "tokens"  # "tokens": ids through an embedding; "features": real vectors; "image": pictures
    vocab_size: int = 0  # tokens: number of distinct ids
    embedding_dim: int = 64  # tokens: width of each embedding vector
    feature_dim: int = 0  # features: width of each input vector
    projection_dim: int = 0  # features: width of a linear projection; 0 feeds them as they are
    image_size: int = 0  # image: pixels per side of the square pictures
    channels: int = 0  # image: colour channels per pixel (3 for RGB)

    @property
    def width(self) -> int:
        """Width of the vector the recurrent stack receives at each step (a pixel's, for images)."""
        if self.kind == "tokens":
            return self.embedding_dim
        if self.kind == "image":
            return self.channels
        return self.projection_dim or self.feature_dim


@dataclass(frozen=True)
class RecurrentSpec:
    """A stack of recurrent layers of one cell type (one fused torch module)."""

    cell: str = "lstm"  # "rnn" (tanh), "lstm" or "gru"
    hidden_size: int = 128  # units per layer and direction
    num_layers: int = 1  # stacked layers, each reading the one below
    bidirectional: bool = False  # a second stack reads the sequence right to left
    dropout: float = 0.0  # dropout on the outputs of every layer but the last

    @property
    def output_width(self) -> int:
        return self.hidden_size * (2 if self.bidirectional else 1)


@dataclass(frozen=True)
class AttentionSpec:
    """How the decoder scores encoder steps (Bahdanau: additive, Luong: multiplicative)."""

    kind: str = "additive"
    size: int = 0  # additive: width of the scoring layer; 0 means the decoder's hidden size


@dataclass(frozen=True)
class ImageEncoderSpec:
    """A small CNN that turns a picture into a grid of feature vectors, the "annotation vectors"
    a captioning decoder attends over (Xu et al., 2015, section 3.1.1).

    Each block is a 3×3 convolution (padding 1), a ReLU and a 2×2 max pool, so each halves the
    picture: 48 pixels and three blocks give a 6×6 grid.
    """

    channels: tuple[int, ...] = (16, 32, 64)  # output channels of each block
    coordinates: bool = True  # row and column channels join the colours (CoordConv, Liu et al., 2018)

    @property
    def output_width(self) -> int:
        """Width of the feature vector of one grid cell."""
        return self.channels[-1] if self.channels else 0

    @property
    def coordinate_channels(self) -> int:
        """Channels the first block reads besides the picture's own: row and column, or none."""
        return 2 if self.coordinates else 0

    def grid_side(self, image_size: int) -> int:
        """Cells per side of the grid for pictures of ``image_size`` pixels a side."""
        return image_size >> len(self.channels)


@dataclass(frozen=True)
class HeadSpec:
    """What the model predicts. ``kind`` names an entry of ``heads.HEADS``."""

    kind: str = "next_token"  # next_token, tagging, classification, regression, ...
    num_outputs: int = 0  # vocabulary, classes, or values per step
    pooling: str = "last"  # classification: how the steps become one vector


@dataclass(frozen=True)
class WindowSpec:
    """The soft attention window of a handwriting synthesis network (Graves 2013, section 5)."""

    components: int = 10  # K Gaussians over character positions
    alphabet_size: int = 0  # characters the window reads (set from the data)


@dataclass(frozen=True)
class SpecProblem:
    """One reason a spec cannot be built; ``where`` names the part (for the canvas)."""

    where: str  # "inputs", "image_encoder", "encoder", "decoder", "attention", "head" or "model"
    message: str


@dataclass(frozen=True)
class ModelSpec:
    inputs: InputSpec = field(default_factory=InputSpec)
    encoder: RecurrentSpec = field(default_factory=RecurrentSpec)
    head: HeadSpec = field(default_factory=HeadSpec)
    decoder: RecurrentSpec | None = None
    target_inputs: InputSpec | None = None  # the decoder's own token embedding
    attention: AttentionSpec | None = None
    reverse_source: bool = False  # feed the source reversed (Sutskever et al., 2014)
    window: WindowSpec | None = None  # handwriting synthesis: the window over the text
    image_encoder: ImageEncoderSpec | None = None  # image inputs: the CNN that reads them
    version: int = SPEC_VERSION

    @property
    def template(self) -> str:
        """The palette template this spec is an instance of."""
        if self.inputs.kind == "image":
            return "captioning"
        if self.writes_with_pen:
            return "handwriting synthesis" if self.window is not None else "handwriting"
        if self.decoder is not None:
            return "attention" if self.attention is not None else "encoder-decoder"
        if self.head.kind == "classification" and self.head.pooling == "attention":
            return "attention"
        return "bidirectional" if self.encoder.bidirectional else "stacked"

    @property
    def is_seq2seq(self) -> bool:
        return self.decoder is not None

    @property
    def generates_text(self) -> bool:
        """Reads tokens and predicts the next one: what probes and text samples need."""
        return self.head.kind == "next_token" and self.decoder is None

    @property
    def writes_with_pen(self) -> bool:
        """Reads and predicts pen offsets (a handwriting network): what ``write`` needs."""
        return self.head.kind == "mixture_density"

    @property
    def loss_per(self) -> str:
        """What the training loss is a mean over: "line" for pen data (nats per line, as Graves
        reports it), "item" for a classifier, "value" for a forecaster (squared error, not nats),
        else "token"."""
        if self.writes_with_pen:
            return "line"
        return {"classification": "item", "regression": "value"}.get(self.head.kind, "token")

    def problems(self) -> list[SpecProblem]:
        return validate(self)

    def check(self) -> ModelSpec:
        """Return self, or raise SpecError with the first problem."""
        found = validate(self)
        if found:
            raise SpecError(found[0].message)
        return self

    def describe(self) -> str:
        """One line for people: 'stacked: 2 × LSTM 128, next-token over 65'."""
        stack = _describe_stack(self.encoder)
        if self.image_encoder is not None:
            stack = _describe_image_encoder(self.image_encoder, self.inputs.image_size)
        if self.decoder is not None:
            stack = f"{stack} → {_describe_stack(self.decoder)}"
            if self.attention is not None:
                stack += f" with {self.attention.kind} attention"
        head = self.head.kind.replace("_", "-")
        if self.writes_with_pen:
            window = f", window of {self.window.components}" if self.window is not None else ""
            return f"{self.template}: {stack}{window}, {self.head.num_outputs} mixture components"
        if self.head.kind == "classification":
            head += f" ({self.head.pooling} pooling)"
        return f"{self.template}: {stack}, {head} over {self.head.num_outputs}"

    # -- JSON ---------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain data; the picture fields are left out of a model that reads no pictures, so that
        its file stays readable by workbenches from before captioning."""
        data = asdict(self)
        if self.image_encoder is None:
            del data["image_encoder"]
            for part in ("inputs", "target_inputs"):
                if data[part] is not None and data[part]["kind"] != "image":
                    for key in IMAGE_INPUT_FIELDS:
                        del data[part][key]
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelSpec:
        if not isinstance(data, dict):
            raise SpecError("the model specification is not a JSON object")
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise SpecError("the model specification has no version number")
        if version > SPEC_VERSION:
            raise SpecError(
                f"the model specification is version {version}; this Sequence Workbench "
                f"reads up to version {SPEC_VERSION} — please update the workbench"
            )
        parts = {
            "inputs": InputSpec,
            "encoder": RecurrentSpec,
            "head": HeadSpec,
            "decoder": RecurrentSpec,
            "target_inputs": InputSpec,
            "attention": AttentionSpec,
            "window": WindowSpec,
            "image_encoder": ImageEncoderSpec,
        }
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key in parts:
                if value is None and key in REQUIRED_PARTS:
                    raise SpecError(f"the model specification has no '{key}'")
                values[key] = None if value is None else _part_from_dict(parts[key], key, value)
            elif key == "reverse_source":
                if not isinstance(value, bool):
                    raise SpecError("the model specification's 'reverse_source' is not true or false")
                values[key] = value
            elif key != "version":
                raise SpecError(f"the model specification has an unknown field '{key}'")
        return cls(**values, version=version)

    @classmethod
    def from_json(cls, text: str) -> ModelSpec:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise SpecError(f"the model specification is not valid JSON ({error.msg})") from None
        return cls.from_dict(data)


def _part_from_dict(kind: type, name: str, data: Any) -> Any:
    """One part from its JSON object, each field of its default's type (a whole number, a
    number, a flag, text, or a list of whole numbers, which becomes the tuple the frozen parts
    hold); ``validate`` then checks the ranges."""
    if not isinstance(data, dict):
        raise SpecError(f"the model specification's '{name}' is not a JSON object")
    defaults = {f.name: f.default if f.default is not MISSING else f.default_factory() for f in fields(kind)}
    unknown = set(data) - set(defaults)
    if unknown:
        raise SpecError(f"the model specification's '{name}' has an unknown field '{sorted(unknown)[0]}'")
    values = {}
    for key, value in data.items():
        if isinstance(defaults[key], tuple) and isinstance(value, list):
            value = tuple(value)
        if not _same_type(value, defaults[key]):
            raise SpecError(f"the model specification's '{name}.{key}' is {str(value)[:40]!r}, "
                            f"not {_TYPE_NAMES[type(defaults[key])]}")
        values[key] = value
    return kind(**values)


_TYPE_NAMES = {int: "a whole number", float: "a number", bool: "true or false", str: "text",
               tuple: "a list of whole numbers"}


def _same_type(value: Any, default: Any) -> bool:
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if isinstance(default, tuple):
        return isinstance(value, tuple) and all(isinstance(item, int) and not isinstance(item, bool) for item in value)
    return isinstance(value, type(default))


def _describe_image_encoder(cnn: ImageEncoderSpec, image_size: int) -> str:
    """'CNN 16-32-64 (6×6 grid)'."""
    side = cnn.grid_side(image_size)
    return f"CNN {'-'.join(map(str, cnn.channels))} ({side}×{side} grid)"


def _describe_stack(stack: RecurrentSpec) -> str:
    direction = "bidirectional " if stack.bidirectional else ""
    layers = f"{stack.num_layers} × " if stack.num_layers > 1 else ""
    return f"{layers}{direction}{CELL_NAMES.get(stack.cell, stack.cell)} {stack.hidden_size}"


# -- validation ---------------------------------------------------------------------------


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
            problems.append(SpecProblem(
                "image_encoder", f"an image encoder reads pictures, but this model reads {spec.inputs.kind}"
            ))
    if spec.decoder is not None:
        problems += _check_decoder(spec)
    else:
        if spec.attention is not None:
            problems.append(SpecProblem(
                "attention",
                "attention needs a decoder to attend from; to weigh the steps of one sequence "
                "use attention pooling in a classification head",
            ))
        if spec.reverse_source:
            problems.append(SpecProblem("model", "reversing the source needs an encoder–decoder model"))
    if spec.window is not None:
        if spec.head.kind != "mixture_density":
            problems.append(SpecProblem("window", "a window over text belongs to a handwriting model"))
        if not 1 <= spec.window.components <= 1000:
            problems.append(SpecProblem("window", "the window has between 1 and 1000 Gaussians"))
        if spec.window.alphabet_size < 1:
            problems.append(SpecProblem("window", "the window has no characters: choose handwriting data with text"))
    from .heads import HEADS  # the head registry imports this module

    head = HEADS.get(spec.head.kind)
    if head is None:
        known = ", ".join(sorted(HEADS))
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
        found.append(SpecProblem(
            "image_encoder",
            "a model that reads pictures needs an image encoder (a CNN): start from the captioning template",
        ))
    elif not cnn.channels:
        found.append(SpecProblem("image_encoder", "the image encoder needs at least one block"))
    elif not all(isinstance(width, int) and 1 <= width <= 4096 for width in cnn.channels):
        found.append(SpecProblem("image_encoder", "each block of the image encoder has between 1 and 4096 channels"))
    elif spec.inputs.image_size >= 1 and cnn.grid_side(spec.inputs.image_size) < 1:
        found.append(SpecProblem(
            "image_encoder",
            f"pictures of {spec.inputs.image_size} pixels a side are too small for {len(cnn.channels)} blocks "
            f"that each halve them: remove a block",
        ))
    if spec.decoder is None:
        found.append(SpecProblem(
            "decoder", "a model that reads pictures writes about them: it needs a decoder (the captioning template)"
        ))
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
            found.append(SpecProblem(
                "attention", f"unknown attention '{spec.attention.kind}' (additive or multiplicative)"
            ))
        if not 0 <= spec.attention.size <= 65536:
            found.append(SpecProblem("attention", "the attention size must be between 0 (the decoder's) and 65536"))
    return found

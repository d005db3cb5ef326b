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

from ..common.errors import SpecError
from .parts import (
    CELL_NAMES,
    IMAGE_INPUT_FIELDS,
    REQUIRED_PARTS,
    SPEC_VERSION,
    AttentionSpec,
    HeadSpec,
    ImageEncoderSpec,
    InputSpec,
    RecurrentSpec,
    SpecProblem,
    WindowSpec,
)
from .rules import validate


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
            raise SpecError(
                f"the model specification's '{name}.{key}' is {str(value)[:40]!r}, "
                f"not {_TYPE_NAMES[type(defaults[key])]}"
            )
        values[key] = value
    return kind(**values)


_TYPE_NAMES = {
    int: "a whole number",
    float: "a number",
    bool: "true or false",
    str: "text",
    tuple: "a list of whole numbers",
}


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

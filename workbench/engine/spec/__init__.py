"""The model specification: a model as plain, versioned data (``ModelSpec`` ↔ JSON), its parts,
the head kinds it may name and the rules it must satisfy. Imports nothing but the engine's errors."""

from .head_kinds import HEAD_KINDS, HeadKind
from .model_spec import ModelSpec
from .parts import (
    ATTENTION_KINDS,
    CELL_NAMES,
    CELLS,
    IMAGE_INPUT_FIELDS,
    INPUT_KINDS,
    MAX_HIDDEN_SIZE,
    MAX_LAYERS,
    POOLINGS,
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

__all__ = [
    "ATTENTION_KINDS",
    "CELL_NAMES",
    "CELLS",
    "HEAD_KINDS",
    "IMAGE_INPUT_FIELDS",
    "INPUT_KINDS",
    "MAX_HIDDEN_SIZE",
    "MAX_LAYERS",
    "POOLINGS",
    "REQUIRED_PARTS",
    "SPEC_VERSION",
    "AttentionSpec",
    "HeadKind",
    "HeadSpec",
    "ImageEncoderSpec",
    "InputSpec",
    "ModelSpec",
    "RecurrentSpec",
    "SpecProblem",
    "WindowSpec",
    "validate",
]

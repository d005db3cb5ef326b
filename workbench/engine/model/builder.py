"""Turn a ``ModelSpec`` into its ``nn.Module``: a recurrent sequence model, an encoder–decoder, a
captioner or one of Graves' handwriting networks."""

from __future__ import annotations

from torch import nn

from ..spec import ModelSpec
from .captioning import CaptioningModel
from .handwriting.model import handwriting_model
from .sequence_models import Seq2SeqModel, SequenceModel


def build_model(spec: ModelSpec) -> nn.Module:
    """The module for a valid spec; raises SpecError with the first problem otherwise."""
    spec.check()
    if spec.head.kind == "mixture_density":
        return handwriting_model(spec)
    if spec.inputs.kind == "image":
        return CaptioningModel(spec)
    return Seq2SeqModel(spec) if spec.is_seq2seq else SequenceModel(spec)

"""The recurrent models a spec describes, made of the fused torch recurrent modules: one stack
and a head (``SequenceModel``), or an encoder–decoder (``Seq2SeqModel``), and their parts.

Training always runs through ``nn.LSTM`` / ``nn.GRU`` / ``nn.RNN`` (cuDNN on a GPU): on a CPU the
fused LSTM is 2x faster than an ``LSTMCell`` loop and 3.7x faster than a hand-written cell. What
the user sees inside comes from ``inside.probes``, which re-run the same weights one layer at a time
and work out every gate from them.

All modules are batch-first: tensors are ``(batch, time, width)``.
"""

from __future__ import annotations

import torch
from torch import nn

from ..data.batching import Batch
from ..data.pairs import PairBatch
from ..spec import InputSpec, ModelSpec, RecurrentSpec
from .attention import Attention, make_attention
from .heads import HEADS, Head
from .recurrence import State, final_outputs, reverse_padded, run_stack

FUSED = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def make_input_layer(inputs: InputSpec) -> nn.Module:
    if inputs.kind == "tokens":
        return nn.Embedding(inputs.vocab_size, inputs.embedding_dim)
    if inputs.projection_dim:
        return nn.Linear(inputs.feature_dim, inputs.projection_dim)
    return nn.Identity()


def make_stack(stack: RecurrentSpec, input_width: int) -> nn.RNNBase:
    options = dict(
        input_size=input_width,
        hidden_size=stack.hidden_size,
        num_layers=stack.num_layers,
        bidirectional=stack.bidirectional,
        dropout=stack.dropout,
        batch_first=True,
    )
    if stack.cell == "rnn":
        options["nonlinearity"] = "tanh"
    return FUSED[stack.cell](**options)


class SequenceModel(nn.Module):
    """inputs → recurrent stack → head: language models, taggers, classifiers, forecasters."""

    def __init__(self, spec: ModelSpec) -> None:
        super().__init__()
        self.spec = spec
        self.inputs = make_input_layer(spec.inputs)
        self.encoder = make_stack(spec.encoder, spec.inputs.width)
        self.head: Head = HEADS[spec.head.kind](spec, spec.encoder.output_width)

    def forward(
        self, x: torch.Tensor, state: State | None = None, mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, State]:
        """``x`` (B, T) ids or (B, T, F) features; ``mask`` (B, T) true on real steps."""
        lengths = None if mask is None else mask.sum(1)
        features, state = run_stack(self.encoder, self.inputs(x), state, lengths)  # (B, T, W)
        return self.head(features, mask), state

    def batch_loss(self, batch: Batch, state: State | None, device: torch.device) -> tuple[torch.Tensor, State]:
        """The trainer's call: the head's loss on one batch, and the final state."""
        loss, _, _, state = self.batch_outputs(batch, state, device)
        return loss, state

    def batch_outputs(
        self, batch: Batch, state: State | None, device: torch.device
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, State]:
        """Loss, prediction, targets (on ``device``) and final state of one batch."""
        inputs = torch.from_numpy(batch.inputs).to(device, non_blocking=True)
        targets = torch.from_numpy(batch.targets).to(device, non_blocking=True)
        mask = None if batch.mask is None else torch.from_numpy(batch.mask).to(device, non_blocking=True)
        prediction, state = self(inputs, state, mask)
        return self.head.loss(prediction, targets), prediction, targets, state

    def recurrent_stacks(self) -> dict[str, nn.RNNBase]:
        return {"encoder": self.encoder}


class InitialState(nn.Module):
    """The decoder's initial state from one summary vector ``s`` of what it reads.

    h0 = tanh(W_h s), and for an LSTM decoder c0 = W_c s, one slice per decoder layer, so the
    decoder's cell, width and depth are its own.
    """

    def __init__(self, width: int, decoder: RecurrentSpec) -> None:
        super().__init__()
        self.layers = decoder.num_layers
        self.hidden_size = decoder.hidden_size
        self.to_hidden = nn.Linear(width, decoder.num_layers * decoder.hidden_size)
        self.to_cell = nn.Linear(width, decoder.num_layers * decoder.hidden_size) if decoder.cell == "lstm" else None

    def forward(self, summary: torch.Tensor) -> State:
        """``summary`` (B, W) -> the decoder's (h0[, c0]), each (layers, B, H)."""
        h0 = torch.tanh(self.to_hidden(summary)).view(-1, self.layers, self.hidden_size).transpose(0, 1)
        if self.to_cell is None:
            return h0.contiguous()
        c0 = self.to_cell(summary).view(-1, self.layers, self.hidden_size).transpose(0, 1)
        return h0.contiguous(), c0.contiguous()


class Bridge(InitialState):
    """The decoder's initial state from the encoder's top layer after reading the whole source
    (both directions): s = [h_fwd; h_bwd]."""

    def __init__(self, encoder: RecurrentSpec, decoder: RecurrentSpec) -> None:
        super().__init__(encoder.output_width, decoder)
        self.bidirectional = encoder.bidirectional

    def forward(self, memory: torch.Tensor, source_mask: torch.Tensor | None) -> State:
        """``memory`` (B, S, D*H) the encoder's outputs -> the decoder's (h0[, c0]), each (layers, B, H)."""
        return super().forward(final_outputs(memory, source_mask, self.bidirectional))  # from (B, D*H)


def attention_layers(spec: ModelSpec, memory_width: int) -> tuple[Attention | None, nn.Linear | None]:
    """The decoder's attention over a memory of ``memory_width`` and the layer that combines the
    context with the decoder's output; (None, None) without attention."""
    if spec.attention is None:
        return None, None
    hidden = spec.decoder.hidden_size
    return make_attention(spec.attention, hidden, memory_width), nn.Linear(hidden + memory_width, hidden)


class AttendingDecoder(nn.Module):
    """A decoder stack that may attend over a memory: what translators and captioners share.

    Attention is applied on top of the fused decoder (Luong's global attention, eq. 5:
    h̃_t = tanh(W_c [c_t; h_t])), so teacher-forced training stays on the fused kernel. A
    subclass makes ``target_inputs``, ``decoder``, ``attention``, ``combine`` and ``head``.
    """

    target_inputs: nn.Module
    decoder: nn.RNNBase
    attention: Attention | None
    combine: nn.Linear | None
    head: Head

    def decode(
        self,
        target: torch.Tensor,
        state: State,
        memory: torch.Tensor,
        memory_mask: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, State, torch.Tensor | None]:
        """Teacher-forced (or one-step) decoding -> logits (B, T, V), state, weights (B, T, S)."""
        output, state = self.decoder(self.target_inputs(target), state)  # (B, T, H_dec)
        weights = None
        if self.attention is not None:
            context, weights = self.attention(output, memory, memory_mask)  # (B, T, W_mem)
            output = torch.tanh(self.combine(torch.cat([context, output], dim=-1)))
        return self.head(output), state, weights


class Seq2SeqModel(AttendingDecoder):
    """Encoder–decoder (Sutskever et al., 2014), optionally with attention (Luong et al., 2015)."""

    def __init__(self, spec: ModelSpec) -> None:
        super().__init__()
        assert spec.decoder is not None and spec.target_inputs is not None
        self.spec = spec
        self.inputs = make_input_layer(spec.inputs)
        self.encoder = make_stack(spec.encoder, spec.inputs.width)
        self.target_inputs = make_input_layer(spec.target_inputs)
        self.decoder = make_stack(spec.decoder, spec.target_inputs.width)
        self.bridge = Bridge(spec.encoder, spec.decoder)
        self.attention, self.combine = attention_layers(spec, spec.encoder.output_width)
        self.head = HEADS[spec.head.kind](spec, spec.decoder.hidden_size)

    def encode(self, source: torch.Tensor, source_mask: torch.Tensor | None = None) -> tuple[torch.Tensor, State]:
        """-> memory (B, S, W_enc) and the decoder's initial state."""
        lengths = None if source_mask is None else source_mask.sum(1)
        if self.spec.reverse_source:
            source = reverse_padded(source, lengths)
        memory, _ = run_stack(self.encoder, self.inputs(source), None, lengths)  # (B, S, W_enc)
        return memory, self.bridge(memory, source_mask)

    def forward(
        self, source: torch.Tensor, target: torch.Tensor, source_mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        memory, state = self.encode(source, source_mask)
        logits, _, _ = self.decode(target, state, memory, source_mask)
        return logits

    def batch_loss(self, batch: PairBatch, state: None, device: torch.device) -> tuple[torch.Tensor, None]:
        """The trainer's call: teacher forcing, the decoder reads the true previous target token.

        Returns the mean cross-entropy over real target steps (end marks included) and no state:
        every batch holds new pairs.
        """
        source, source_mask, target_in, target_out = (
            torch.from_numpy(array).to(device, non_blocking=True)
            for array in (batch.source, batch.source_mask, batch.target_in, batch.target_out)
        )
        logits = self(source, target_in, source_mask)  # (B, T, V)
        return self.head.loss(logits, target_out), None

    def recurrent_stacks(self) -> dict[str, nn.RNNBase]:
        return {"encoder": self.encoder, "decoder": self.decoder}


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def parameter_group(name: str) -> str:
    """The layer a parameter belongs to, for per-layer gradient norms.

    ``encoder.weight_hh_l1_reverse`` -> ``encoder.l1``; ``head.proj.weight`` -> ``head``. The
    handwriting networks' layers (``first`` or ``cell``, then ``upper.0``, ...) become ``lstm.l0``,
    ``lstm.l1``, ...; a captioner's CNN blocks (``image_encoder.blocks.0.0.weight``) become
    ``image_encoder.l0``, ...
    """
    module, _, leaf = name.partition(".")
    if module == "image_encoder":
        return f"{module}.l{leaf.split('.')[1]}"
    if module in {"encoder", "decoder"}:
        layer = leaf.split("_l")[-1].split("_")[0]
        return f"{module}.l{layer}"
    if module in {"first", "cell"}:
        return "lstm.l0"
    if module == "upper":
        return f"lstm.l{int(leaf.split('.')[0]) + 1}"
    return module

"""Image captioning: Show, Attend and Tell (Xu et al., 2015), the model; ``inference.captions``
writes captions with it.

A small CNN turns the picture into a grid of feature vectors a_1..a_S, one per cell (the
"annotation vectors", section 3.1.1). The LSTM decoder starts from their mean (section 3.1.2:
h0 = tanh(W_h mean_i a_i), c0 = W_c mean_i a_i) and at every word attends over the cells with
soft additive attention (eqs. 4-6):

    e_ti = vᵀ tanh(W h_t + U a_i),   α_ti = softmax_i(e_ti),   z_t = Σ_i α_ti a_i.

Unlike the paper, attention sits on top of the fused decoder, Luong-style: it scores with the
decoder's current output h_t rather than h_{t-1}, and z_t is combined with h_t after the cell
(h̃_t = tanh(W_c [z_t; h_t]), the head reads h̃_t) instead of being fed into it, so teacher-forced
training runs on the fused ``nn.LSTM`` kernel. There is no deep output layer (eq. 7) and no
doubly stochastic regularisation (eq. 14).
"""

from __future__ import annotations

import torch
from torch import nn

from ..data.scenes import CaptionBatch
from ..spec import ImageEncoderSpec, ModelSpec
from .heads import HEADS
from .recurrence import State
from .sequence_models import AttendingDecoder, InitialState, attention_layers, make_input_layer, make_stack


class ImageEncoder(nn.Module):
    """Pictures (B, H, W, C) uint8 -> grid features (B, S = h·w, C'), cells row by row.

    Colours are scaled to [-1, 1]. With ``coordinates`` two more channels hold each pixel's row
    and column, also in [-1, 1] (CoordConv, Liu et al., 2018): attention's weighted sum z_t keeps
    only what the cells hold, and the captions speak of where the shapes are. On the scenes demo
    (one seed, 2,500 steps, ``benchmarks/train_captions.py``) they raise greedy exact match on
    the validation pictures from 0.960 to 0.983; zero padding alone tells the CNN much already.
    """

    def __init__(self, cnn: ImageEncoderSpec, channels: int) -> None:
        super().__init__()
        self.coordinates = cnn.coordinates
        widths = (channels + cnn.coordinate_channels, *cnn.channels)
        self.blocks = nn.Sequential(
            *(
                nn.Sequential(nn.Conv2d(reads, writes, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
                for reads, writes in zip(widths, widths[1:])
            )
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        pixels = images.permute(0, 3, 1, 2).float() / 127.5 - 1.0  # (B, C, H, W)
        if self.coordinates:
            batch, _, height, width = pixels.shape
            rows = torch.linspace(-1.0, 1.0, height, device=pixels.device)[:, None].expand(height, width)
            columns = torch.linspace(-1.0, 1.0, width, device=pixels.device)[None, :].expand(height, width)
            where = torch.stack([rows, columns]).expand(batch, -1, -1, -1)  # (B, 2, H, W)
            pixels = torch.cat([pixels, where], dim=1)  # (B, C + 2, H, W)
        # Channels last: on a CPU the convolutions and pools run 3-5x faster than on NCHW.
        grid = self.blocks(pixels.contiguous(memory_format=torch.channels_last))  # (B, C', h, w)
        return grid.flatten(2).transpose(1, 2)  # (B, h·w, C')


class CaptioningModel(AttendingDecoder):
    """CNN → grid features → LSTM decoder attending over the grid (see the module docstring)."""

    def __init__(self, spec: ModelSpec) -> None:
        super().__init__()
        assert spec.image_encoder is not None and spec.decoder is not None and spec.target_inputs is not None
        self.spec = spec
        width = spec.image_encoder.output_width
        self.image_encoder = ImageEncoder(spec.image_encoder, spec.inputs.channels)
        self.initial_state = InitialState(width, spec.decoder)
        self.target_inputs = make_input_layer(spec.target_inputs)
        self.decoder = make_stack(spec.decoder, spec.target_inputs.width)
        self.attention, self.combine = attention_layers(spec, width)
        self.head = HEADS[spec.head.kind](spec, spec.decoder.hidden_size)

    @property
    def grid_side(self) -> int:
        """Cells per side of the grid the decoder attends over."""
        return self.spec.image_encoder.grid_side(self.spec.inputs.image_size)

    def encode(self, images: torch.Tensor) -> tuple[torch.Tensor, State]:
        """Pictures (B, H, W, C) uint8 -> the grid's features (B, S, C') and the decoder's initial
        state from their mean (Xu et al., 2015, section 3.1.2)."""
        features = self.image_encoder(images)  # (B, S, C')
        return features, self.initial_state(features.mean(1))

    def forward(self, images: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        memory, state = self.encode(images)
        logits, _, _ = self.decode(target, state, memory)
        return logits  # (B, T, V)

    def batch_loss(self, batch: CaptionBatch, state: None, device: torch.device) -> tuple[torch.Tensor, None]:
        """The trainer's call: teacher forcing, the mean cross-entropy over real caption steps
        (end marks included), and no state: every batch holds new pictures."""
        images, target_in, target_out = (
            torch.from_numpy(array).to(device, non_blocking=True)
            for array in (batch.images, batch.target_in, batch.target_out)
        )
        return self.head.loss(self(images, target_in), target_out), None

    def recurrent_stacks(self) -> dict[str, nn.RNNBase]:
        return {"decoder": self.decoder}

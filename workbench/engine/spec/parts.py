"""The parts of a model specification: inputs, recurrent stacks, attention, the image encoder,
the head and the handwriting window, as frozen dataclasses, and the names they may take."""

from __future__ import annotations

from dataclasses import dataclass

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
    """What the model predicts. ``kind`` names an entry of ``spec.HEAD_KINDS``."""

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

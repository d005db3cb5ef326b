"""Writing captions with a trained captioner, greedily in batches or by beam search, with the
attention map of each word over the picture's grid of cells."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..common.errors import DataError
from ..data.base import SPLIT_NAMES
from ..data.scenes import SceneCorpus
from ..model.captioning import CaptioningModel
from ..model.inference_mode import inference
from ..model.recurrence import State
from .decoding import GREEDY_BATCH, Decoded, beam_steps, greedy_steps, until_end


@dataclass(frozen=True, eq=False)
class Caption:
    """A picture, what the model wrote about it, and where it looked for each word."""

    words: tuple[str, ...]
    attention: np.ndarray | None  # (words, h, w) float32 copy, each map summing to 1; None without attention
    image: np.ndarray  # (H, W, C) uint8 copy
    log_prob: float  # log p(words, end mark | picture)

    @property
    def text(self) -> str:
        return " ".join(self.words)


def default_max_len(corpus: SceneCorpus) -> int:
    """Room for twice the longest caption: a model that never ends still stops."""
    return 2 * corpus.longest + 2


def decode_pictures(
    model: CaptioningModel, images: np.ndarray, beam_width: int, max_len: int, boundary: int
) -> list[Decoded]:
    """Captions of pictures (N, H, W, C) uint8, greedily in batches or one by one by beam search;
    each with its attention (words, S) over the grid cells."""
    decoded, batch = [], GREEDY_BATCH if beam_width == 1 else 1
    with inference(model) as device:
        for start in range(0, len(images), batch):
            chosen = images[start : start + batch]
            memory, state = model.encode(torch.from_numpy(chosen).to(device))  # (B, S, C')
            if beam_width == 1:
                tokens, log_probs, weights = greedy_steps(model, memory, state, None, max_len, boundary)
                rows = None if weights is None else weights.float().cpu().numpy()  # (B, N, S)
                decoded += [
                    until_end(tokens[b], log_probs[b], None if rows is None else rows[b], boundary)
                    for b in range(len(chosen))
                ]
            else:
                decoded.append(_best_of_beam(model, memory, state, beam_width, max_len, boundary))
    return decoded


def _best_of_beam(
    model: CaptioningModel, memory: torch.Tensor, state: State, beam_width: int, max_len: int, boundary: int
) -> Decoded:
    winner = beam_steps(model, memory, state, None, beam_width, max_len, 0.0, boundary)
    weights = None
    if winner.rows:
        weights = torch.stack(winner.rows).float().cpu().numpy().copy()  # (N, S)
    elif model.attention is not None:
        weights = np.zeros((0, memory.shape[1]), np.float32)
    return Decoded(np.array(winner.ids, np.int64), weights, winner.log_prob, winner.ended)


def caption(
    model: CaptioningModel, corpus: SceneCorpus, scene: int | np.ndarray, beam_width: int = 1, split: str = "val"
) -> Caption:
    """What the model writes about a picture (the ``scene``-th of ``split``, or one given as an
    (H, W, C) uint8 array), greedily or by beam search, with its attention map for each word."""
    image = _picture(corpus, scene, split)
    boundary = corpus.vocab.boundary
    decoded = decode_pictures(model, image[None], beam_width, default_max_len(corpus), boundary)[0]
    attention = None
    if decoded.weights is not None:
        side = model.grid_side
        attention = decoded.weights.reshape(len(decoded.ids), side, side).astype(np.float32)
    words = tuple(corpus.vocab.tokens[i] for i in decoded.ids.tolist())
    return Caption(words, attention, image, decoded.log_prob)


def _picture(corpus: SceneCorpus, scene: int | np.ndarray, split: str) -> np.ndarray:
    """A copy of the picture to caption, checked against the corpus's pictures."""
    if isinstance(scene, (int, np.integer)):
        images = corpus.images(split)
        if not 0 <= scene < len(images):
            raise DataError(
                f"there is no scene {scene}: the {SPLIT_NAMES[split]} pictures are numbered 0 to {len(images) - 1}."
            )
        return images[scene].copy()
    image = np.asarray(scene)
    wanted = (corpus.image_size, corpus.image_size, corpus.channels)
    if image.dtype != np.uint8 or image.shape != wanted:
        raise DataError(
            f"the model reads {wanted[0]}×{wanted[1]} pictures with {wanted[2]} channels of bytes (uint8); "
            f"this one is {'×'.join(map(str, image.shape))} of {image.dtype}."
        )
    return image.copy()

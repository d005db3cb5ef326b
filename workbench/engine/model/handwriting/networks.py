"""Graves (2013) handwriting networks: prediction (section 4) and synthesis (section 5).

Both stack LSTM layers with skip connections (fig. 1): every layer reads the input x_t next to
the layer below, and the mixture density head reads every layer's output (eqs. 1-3, 17).
``generate`` writes with either network, one sampled point at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ...data.handwriting.stroke_batches import START_POINT  # what every training line is read after
from ..inference_mode import inference
from .mixture import MixtureDensityHead, MixtureParams, apply_bias, mixture_nll, sample_point
from .window import SoftWindow, passed_end, with_end_slot

LSTMState = tuple[torch.Tensor, torch.Tensor]  # (h, c), each (1, B, H) as nn.LSTM takes them


def _run_stack(
    lstms: nn.ModuleList,
    x: torch.Tensor,
    first: torch.Tensor,
    extra: list[torch.Tensor],
    states: list[LSTMState] | None,
) -> tuple[list[torch.Tensor], list[LSTMState]]:
    """Run fused layers over the whole sequence; layer n reads [x, h^{n-1}, *extra].

    ``first`` (B, T, H) is the output of the layer below the first of ``lstms``. Returns every
    layer's output (B, T, H), ``first`` included, and the layers' final states.
    """
    outputs, finals = [first], []
    for n, lstm in enumerate(lstms):
        out, final = lstm(torch.cat([x, outputs[-1], *extra], dim=-1), None if states is None else states[n])
        outputs.append(out)
        finals.append(final)
    return outputs, finals


class PredictionNetwork(nn.Module):
    """Section 4: stacked LSTMs with skip connections and a mixture density output.

    State: a list of (h, c) per layer, each (1, B, H), so a sequence can be continued.
    """

    def __init__(self, hidden: int, layers: int, components: int, input_size: int = 3) -> None:
        super().__init__()
        self.first = nn.LSTM(input_size, hidden, batch_first=True)  # layer 1 reads x_t
        self.upper = nn.ModuleList(
            nn.LSTM(input_size + hidden, hidden, batch_first=True) for _ in range(layers - 1)
        )  # layer n reads [x_t, h^{n-1}_t]
        self.head = MixtureDensityHead(hidden * layers, components)

    def forward(
        self, points: torch.Tensor, state: list[LSTMState] | None = None
    ) -> tuple[MixtureParams, list[LSTMState]]:
        """Points (B, T, 3) -> the distributions of the next points (B, T, ...) and the state."""
        h1, first_state = self.first(points, None if state is None else state[0])  # (B, T, H)
        outputs, upper_states = _run_stack(self.upper, points, h1, [], None if state is None else state[1:])
        return self.head(torch.cat(outputs, dim=-1)), [first_state, *upper_states]

    def loss(self, points: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Eq. 26 in nats per sequence."""
        return mixture_nll(self(points)[0], targets, mask)


@dataclass(frozen=True)
class SynthesisState:
    """Everything a synthesis network carries from one step to the next."""

    cell: tuple[torch.Tensor, torch.Tensor]  # layer 1's (h, c), each (B, H)
    kappa: torch.Tensor  # (B, K) window positions κ_{t-1}
    window: torch.Tensor  # (B, A) the last window vector w_{t-1}
    upper: list[LSTMState]  # layers 2..N, (h, c) each (1, B, H)


@dataclass(frozen=True)
class WindowTrace:
    """The window at every step, detached, for inspection."""

    phi: torch.Tensor  # (B, T, U) φ(t, u), 0 on padding
    kappa: torch.Tensor  # (B, T, K)
    passed_end: torch.Tensor  # (B, T) bool: section 5.3's test φ(t, U + 1) > φ(t, u) for all u <= U


class SynthesisNetwork(nn.Module):
    """Section 5: a prediction network conditioned on text through a soft window (eqs. 46-51).

    The window w_t is computed from layer 1's output h1_t and feeds layer 1 at the next step,
    so layer 1 is an ``nn.LSTMCell`` stepped in a Python loop: the fused ``nn.LSTM`` needs its
    whole input sequence up front, and w_{t-1} is not known until step t-1 has run. Layers 2..N
    read [x_t, h^{n-1}_t, w_t] but feed nothing back, so they run fused after the loop.
    """

    def __init__(
        self,
        hidden: int,
        layers: int,
        components: int,
        window_components: int,
        alphabet_size: int,
        input_size: int = 3,
    ) -> None:
        super().__init__()
        self.hidden, self.alphabet_size = hidden, alphabet_size
        self.cell = nn.LSTMCell(input_size + alphabet_size, hidden)  # layer 1 reads [x_t, w_{t-1}]
        self.window = SoftWindow(hidden, window_components, alphabet_size)
        self.upper = nn.ModuleList(
            nn.LSTM(input_size + hidden + alphabet_size, hidden, batch_first=True) for _ in range(layers - 1)
        )
        self.head = MixtureDensityHead(hidden * layers, components)

    def initial_state(self, batch: int, device: torch.device) -> SynthesisState:
        def zeros(*shape: int) -> torch.Tensor:
            return torch.zeros(*shape, device=device)

        return SynthesisState(
            cell=(zeros(batch, self.hidden), zeros(batch, self.hidden)),
            kappa=zeros(batch, self.window.components),
            window=zeros(batch, self.alphabet_size),
            upper=[(zeros(1, batch, self.hidden), zeros(1, batch, self.hidden)) for _ in self.upper],
        )

    def forward(
        self, points: torch.Tensor, text: torch.Tensor, text_mask: torch.Tensor, state: SynthesisState | None = None
    ) -> tuple[MixtureParams, SynthesisState, WindowTrace]:
        """Points (B, T, 3), text ids (B, U), text_mask (B, U) true on a prefix of each row."""
        if state is None:
            state = self.initial_state(points.shape[0], points.device)
        onehot = F.one_hot(text, self.alphabet_size).to(points.dtype)  # (B, U, A)
        onehot, window_mask, end = with_end_slot(onehot, text_mask)  # (B, U+1, A), (B, U+1), (B,)
        (h, c), kappa, w = state.cell, state.kappa, state.window
        steps = []
        for t in range(points.shape[1]):
            h, c = self.cell(torch.cat([points[:, t], w], dim=-1), (h, c))  # (B, H) each
            w, kappa, phi = self.window.forward_step(h, kappa, onehot, window_mask)  # (B, A), (B, K), (B, U+1)
            steps.append((h, w, phi, kappa))
        h1s, windows, phis, kappas = (torch.stack(s, dim=1) for s in zip(*steps))  # (B, T, ...) each
        outputs, upper = _run_stack(self.upper, points, h1s, [windows], state.upper)
        params = self.head(torch.cat(outputs, dim=-1))
        phis = phis.detach()  # (B, T, U+1)
        trace = WindowTrace(
            phi=phis[..., :-1] * text_mask[:, None],
            kappa=kappas.detach(),
            passed_end=passed_end(phis.flatten(0, 1), end.repeat_interleave(phis.shape[1])).view(phis.shape[:2]),
        )
        return params, SynthesisState((h, c), kappa, w, upper), trace

    def loss(
        self,
        points: torch.Tensor,
        targets: torch.Tensor,
        mask: torch.Tensor,
        text: torch.Tensor,
        text_mask: torch.Tensor,
    ) -> torch.Tensor:
        """Eq. 26 in nats per sequence."""
        return mixture_nll(self(points, text, text_mask)[0], targets, mask)


@dataclass(frozen=True)
class GeneratedStrokes:
    """What ``generate`` wrote, after the primer (the primer itself is not repeated here)."""

    points: np.ndarray  # (N, 3) float32 offsets (dx, dy, eos) in the normalised space
    mixtures: MixtureParams  # fields (1, N, ...) on the CPU: the biased distribution of each point
    phi: np.ndarray | None  # (N, U) window over primer_text + text when each point was drawn
    kappa: np.ndarray | None  # (N, K)
    stopped: bool  # the window passed the end of the text; False when steps_max ran out


Advance = Callable[[torch.Tensor, object], tuple[MixtureParams, object, WindowTrace | None]]


def generate(
    model: PredictionNetwork | SynthesisNetwork,
    steps_max: int,
    bias: float = 0.0,
    generator: torch.Generator | None = None,
    primer: torch.Tensor | None = None,
    text: torch.Tensor | None = None,
    primer_text: torch.Tensor | None = None,
) -> GeneratedStrokes:
    """Write up to ``steps_max`` points with section 5.4's sampling ``bias``.

    The network first reads ``START_POINT`` and then the ``primer`` strokes (P, 3), if given;
    it then draws each point from its biased output and feeds it back. A synthesis network
    needs ``text`` ids (U,); with a primer it also needs ``primer_text``, the primer's own ids
    including the separator after it (e.g. the ids of "hello "). As in Graves' priming, the
    window then runs over primer_text + text: it reads through the primer's text while the
    primer strokes go in and continues into ``text`` as the network writes. Writing stops when
    the window has passed the last character (section 5.3), before the point of that step.
    Runs in eval mode without gradients and restores the model's mode after.
    """
    advance = advancer(model, primer, text, primer_text)
    device = next(model.parameters()).device
    start = torch.tensor([START_POINT], device=device)  # (1, 3)
    if primer is not None:
        start = torch.cat([start, torch.as_tensor(primer, dtype=torch.float32, device=device)])  # (1 + P, 3)
    with inference(model):
        return _write(advance, start[None], steps_max, bias, generator)


def advancer(
    model: nn.Module, primer: torch.Tensor | None, text: torch.Tensor | None, primer_text: torch.Tensor | None
) -> Advance:
    """The model as one call: (points (1, S, 3), state) -> (params, state, window trace or None)."""
    if isinstance(model, PredictionNetwork):
        if text is not None or primer_text is not None:
            raise ValueError("a prediction network writes without text")
        return lambda points, state: (*model(points, state), None)
    if text is None:
        raise ValueError("a synthesis network needs the text to write")
    if (primer is None) != (primer_text is None):
        raise ValueError("a synthesis primer needs its text (primer_text), and primer_text needs a primer")
    device = next(model.parameters()).device
    parts = [primer_text, text] if primer_text is not None else [text]
    ids = torch.cat([torch.as_tensor(p, dtype=torch.long, device=device) for p in parts])[None]  # (1, U)
    mask = torch.ones_like(ids, dtype=torch.bool)
    return lambda points, state: model(points, ids, mask, state)


def _write(
    advance: Advance, start: torch.Tensor, steps_max: int, bias: float, generator: torch.Generator | None
) -> GeneratedStrokes:
    """Read ``start`` (1, S, 3), then sample and feed back one point per step."""
    params, state, trace = advance(start, None)
    drawn = [params.map(lambda x: x[:, :0])]  # (1, 0, ...) so that an empty result concatenates
    points, phis, kappas = [torch.zeros(0, 3)], [], []
    stopped = False
    for _ in range(steps_max):
        if trace is not None and bool(trace.passed_end[0, -1]):
            stopped = True
            break
        step = apply_bias(params.map(lambda x: x[:, -1:]), bias)  # (1, 1, ...)
        point = sample_point(step.step(0), generator)  # (1, 3)
        drawn.append(step)
        points.append(point.cpu())
        if trace is not None:
            phis.append(trace.phi[0, -1:].cpu())  # (1, U)
            kappas.append(trace.kappa[0, -1:].cpu())  # (1, K)
        params, state, trace = advance(point[:, None], state)
    return GeneratedStrokes(
        points=torch.cat(points).numpy().astype(np.float32),
        mixtures=MixtureParams.cat(drawn, dim=1).map(lambda x: x.cpu()),
        phi=_rows(phis, trace.phi.shape[-1]) if trace is not None else None,
        kappa=_rows(kappas, trace.kappa.shape[-1]) if trace is not None else None,
        stopped=stopped,
    )


def _rows(rows: list[torch.Tensor], width: int) -> np.ndarray:
    """Per-step rows (1, width) -> (N, width) float32 numpy, (0, width) when none."""
    return torch.cat([torch.zeros(0, width), *rows]).numpy().astype(np.float32)

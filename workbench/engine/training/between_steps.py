"""What the trainer looks at between steps, each as the event it is told as: a probe of the model's
insides on the corpus's fixed probe text, and a sample of its writing."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..events import LayerSnapshot, ProbeSnapshot, SampleGenerated
from ..inference.sampling import sample_text
from ..inference.sampling_options import SamplingOptions
from ..inside.layer_names import GATE_NAMES
from ..inside.probes import gradient_through_time
from .config import TrainConfig


def numpy_copy(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().float().cpu().numpy().copy()


def probe_snapshot(model: nn.Module, corpus, config: TrainConfig, device: torch.device, step: int) -> ProbeSnapshot:
    """Gates, states and gradient through time on the corpus's fixed probe text, after ``step``;
    the model is back in training mode after."""
    example = corpus.probe_example(config.probe_length)
    inputs = torch.from_numpy(example.inputs)[None].to(device)  # (1, T) or (1, T, F)
    targets = torch.from_numpy(np.asarray(example.targets))[None].to(device)
    model.eval()
    traces, norms = gradient_through_time(model, inputs, targets)
    model.train()
    layers = tuple(
        LayerSnapshot(
            name=trace.name,
            cell=trace.cell,
            gate_names=GATE_NAMES[trace.cell],
            gates=np.stack([numpy_copy(trace.gates[g][0]) for g in GATE_NAMES[trace.cell]])
            if trace.gates
            else np.zeros((0, inputs.shape[1], trace.hidden.shape[-1]), np.float32),
            cell_state=None if trace.cell_state is None else numpy_copy(trace.cell_state[0]),
            hidden=numpy_copy(trace.hidden[0]),
            grad_through_time=norms[index].numpy().copy(),
        )
        for index, trace in enumerate(traces)
    )
    return ProbeSnapshot(step=step, token_ids=example.token_ids, tokens=example.labels, layers=layers)


def seeded_sample(
    model: nn.Module, corpus, config: TrainConfig, step: int, options: SamplingOptions
) -> SampleGenerated:
    """A sample written after ``step``; its random stream is seeded from the step (or the
    options' own seed), not the training RNG, so sampling does not disturb the run."""
    options.check()  # before its seed reaches the generator
    generator = torch.Generator().manual_seed(config.seed * 1_000_003 + step)
    if options.seed is not None:
        generator.manual_seed(options.seed)
    text = sample_text(model, corpus.vocab, options, generator)
    return SampleGenerated(step, text, options.temperature, options.prime)

"""The check every graph export passes before it is written: the exported file, run at sizes other
than the ones it was traced at, computes what the project's model computes.

Tracing records one run, so a size the tracer took for a constant would still give the right
answer at the traced size. The check therefore runs other batch sizes and lengths, and runs a
graph that carries state (a stream, a decoder, a synthesis step) several times in a row, each
call fed the state the previous one returned, on both sides.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from .graphs import Graph, Sizes

TRACE_SIZES: Sizes = {"batch": 2, "time": 5, "source": 6, "text": 4}
# Other than every traced size, and unequal to each other, so a swapped axis shows too.
CHECK_SIZES: tuple[Sizes, ...] = (
    {"batch": 3, "time": 9, "source": 4, "text": 7},
    {"batch": 1, "time": 2, "source": 11, "text": 2},
)
CARRIED_CALLS = 3  # calls in a row for a graph that hands its state on
RELATIVE_TOLERANCE = 1e-4  # of the largest output magnitude: float32 kernels differ in summation order

RunGraph = Callable[[tuple[torch.Tensor, ...]], list[np.ndarray]]


def reference_run(graph: Graph) -> RunGraph:
    """The project's model (wrapped as ``graph``) run by torch, as numpy arrays."""

    def run(inputs: tuple[torch.Tensor, ...]) -> list[np.ndarray]:
        with torch.no_grad():
            outputs = graph.module(*inputs)
        return [output.numpy() for output in (outputs if isinstance(outputs, tuple) else (outputs,))]

    return run


def largest_difference(graph: Graph, exported: RunGraph, seed: int = 0) -> tuple[float, float]:
    """The largest |exported − torch| over every output of every check run, and the tolerance
    (relative to the largest output magnitude) it is held to."""
    reference = reference_run(graph)
    worst, scale = 0.0, 1.0
    for index, sizes in enumerate(CHECK_SIZES):
        inputs = graph.example(sizes, seed + index)
        calls = CARRIED_CALLS if graph.carried else 1
        for call in range(calls):
            expected, got = reference(inputs), exported(inputs)
            for name, want, have in zip(graph.output_names, expected, got):
                if want.shape != have.shape:
                    raise ValueError(f"output {name} has shape {have.shape}, not {want.shape}, at sizes {sizes}")
                want, have = want.astype(np.float64), have.astype(np.float64)
                worst = max(worst, float(np.abs(want - have).max(initial=0.0)))
                scale = max(scale, float(np.abs(want).max(initial=0.0)))
            inputs = _carry(graph, inputs, expected, sizes, seed + 100 * (call + 1) + index)
    return worst, RELATIVE_TOLERANCE * scale


def _carry(
    graph: Graph, inputs: tuple[torch.Tensor, ...], outputs: list[np.ndarray], sizes: Sizes, seed: int
) -> tuple[torch.Tensor, ...]:
    """The next call's inputs: new data, the same text or memory, the state the last call returned."""
    fresh = graph.example(sizes, seed)
    carried = {to: torch.from_numpy(outputs[graph.output_names.index(source)]) for source, to in graph.carried}
    new_data = {graph.inputs[0].name}  # the tokens or points each call reads
    return tuple(
        carried[port.name] if port.name in carried else fresh[i] if port.name in new_data else inputs[i]
        for i, port in enumerate(graph.inputs)
    )

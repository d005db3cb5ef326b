"""The check every graph export passes before it is written: the exported file, run at sizes other
than the ones it was traced at, computes what the project's model computes.

Tracing records one run, so a size the tracer took for a constant would still give the right
answer at the traced size. The check therefore runs other batch sizes and lengths, and runs a
graph that carries state (a stream, a decoder, a synthesis step) several times in a row, each
call fed the state the previous one returned, on both sides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..common.errors import WorkbenchError
from .graphs import Graph, Sizes
from .report import Progress

TRACE_SIZES: Sizes = {"batch": 2, "time": 5, "source": 6, "text": 4}
# Other than every traced size on every axis, and batch unequal to time, so a swapped axis shows too.
CHECK_SIZES: tuple[Sizes, ...] = (
    {"batch": 3, "time": 9, "source": 4, "text": 7},
    {"batch": 1, "time": 2, "source": 11, "text": 2},
)
CARRIED_CALLS = 3  # calls in a row for a graph that hands its state on
RELATIVE_TOLERANCE = 1e-4  # of the largest output magnitude: float32 kernels differ in summation order

RunGraph = Callable[[tuple[torch.Tensor, ...]], list[np.ndarray]]


def torch_run(module: Callable) -> RunGraph:
    """A torch module (the project's model wrapped as a graph, or a loaded TorchScript file) run
    without gradients, its outputs as numpy arrays."""

    def run(inputs: tuple[torch.Tensor, ...]) -> list[np.ndarray]:
        with torch.no_grad():
            outputs = module(*inputs)
        return [output.numpy() for output in (outputs if isinstance(outputs, tuple) else (outputs,))]

    return run


@dataclass(frozen=True)
class CheckedGraphs:
    """The files of a model's graphs, each checked, and what the report says of them."""

    files: list[tuple[Path, bytes]]
    checks: list[str]
    max_difference: float  # the largest of any graph
    tolerance: float  # that graph's


def check_graphs(
    graphs: list[Graph],
    paths: list[Path],
    progress: Progress,
    *,
    runtime: str,
    to_bytes: Callable[[Graph, Path], bytes],
    load: Callable[[Graph, Path, bytes], RunGraph],
    failures: tuple[type[BaseException], ...],
    passed: str,
) -> CheckedGraphs:
    """Each graph made into the bytes of its file by ``to_bytes``, loaded by ``load`` and run against
    torch (``largest_difference``); WorkbenchError, and nothing written, if any falls short.

    ``runtime`` names what runs the file in messages ("onnxruntime"); ``failures`` are the
    exceptions it raises for a file that cannot run the check's sizes; ``passed`` says what a
    passed check proved, after the file's name.
    """
    files, checks, largest = [], [], None
    for done, (graph, target) in enumerate(zip(graphs, paths)):
        progress(f"Exporting the {graph.role}", 2 * done, 2 * len(graphs))
        data = to_bytes(graph, target)
        progress(f"Checking the {graph.role} in {runtime}", 2 * done + 1, 2 * len(graphs))
        try:
            difference, tolerance = largest_difference(graph, load(graph, target, data))
        except ValueError as error:
            raise WorkbenchError(f"{target}: {runtime} gave a wrong {error}; nothing was saved") from None
        except failures as error:
            cause = str(error).strip().splitlines()[-1]
            raise WorkbenchError(f"{target}: {runtime} could not run the file ({cause}); nothing was saved") from None
        if difference > tolerance:
            raise WorkbenchError(
                f"{target}: {runtime} differs from the model by {difference:.3g} "
                f"(allowed {tolerance:.1g}); nothing was saved"
            )
        files.append((target, data))
        checks.append(f"{target.name}: {passed} (largest difference {difference:.1e}).")
        if largest is None or difference >= largest[0]:
            largest = (difference, tolerance)
    return CheckedGraphs(files, checks, *largest)


def largest_difference(graph: Graph, exported: RunGraph, seed: int = 0) -> tuple[float, float]:
    """The largest |exported − torch| over every output of every check run, and the tolerance
    (relative to the largest output magnitude) it is held to."""
    reference = torch_run(graph.module)
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
                if not np.array_equal(np.isfinite(want), np.isfinite(have)):
                    raise ValueError(f"output {name} is not a finite number where torch's is, at sizes {sizes}")
                finite = np.isfinite(want)
                worst = max(worst, float(np.abs(want - have)[finite].max(initial=0.0)))
                scale = max(scale, float(np.abs(want)[finite].max(initial=0.0)))
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

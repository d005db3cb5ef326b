"""TorchScript export: traced graphs that ``torch.jit.load`` runs without the workbench, checked
after a save and load at sizes other than the traced ones.

The same plain-tensor graphs as the ONNX export (``graphs``), traced: ``aten::lstm`` and its
siblings loop over whatever sequence they are given, and the check at other batch sizes and
lengths proves no size was recorded as a constant. Each file carries ``workbench.json``
(``torch.jit.load(path, _extra_files=...)`` reads it): the spec, the file's role, its inputs and
outputs in order, and which outputs feed which inputs on the next call.
"""

from __future__ import annotations

import io
import json
import warnings
from pathlib import Path

import torch

from ... import __version__
from ..atomic import write_atomically
from ..errors import WorkbenchError
from .graph_check import TRACE_SIZES, largest_difference
from .graphs import Graph, model_graphs
from .onnx_file import graph_paths
from .report import ExportReport, Progress, no_progress

EXTRA_FILE = "workbench.json"


def export_torchscript(project, path: Path, progress: Progress = no_progress) -> ExportReport:
    """Write ``project``'s model as TorchScript; see the module docstring."""
    graphs = model_graphs(project.model)
    paths = graph_paths(path, graphs, ".pt")
    written, checks, worst, allowed = [], [], 0.0, 0.0
    for done, (graph, target) in enumerate(zip(graphs, paths)):
        progress(f"Tracing the {graph.role}", 2 * done, 2 * len(graphs))
        data = _traced_bytes(graph, project.spec.to_json())
        progress(f"Checking the {graph.role}", 2 * done + 1, 2 * len(graphs))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # torch.jit is deprecated, but still what users load
            loaded = torch.jit.load(io.BytesIO(data))

        def run(inputs, loaded=loaded):
            with torch.no_grad():
                outputs = loaded(*inputs)
            return [output.numpy() for output in (outputs if isinstance(outputs, tuple) else (outputs,))]

        try:
            difference, tolerance = largest_difference(graph, run)
        except ValueError as error:
            raise WorkbenchError(f"{target}: the loaded module gave a wrong {error}; nothing was saved") from None
        except RuntimeError as error:  # a traced size that does not fit the check's sizes
            cause = str(error).strip().splitlines()[-1]
            raise WorkbenchError(f"{target}: the loaded module could not run ({cause}); nothing was saved") from None
        if difference > tolerance:
            raise WorkbenchError(f"{target}: the loaded module differs from the model by {difference:.3g} "
                                 f"(allowed {tolerance:.1g}); nothing was saved")
        written.append((target, data))
        checks.append(f"{target.name}: saved, loaded and run at batch sizes and lengths other than the traced ones, "
                      f"equal to the model (largest difference {difference:.1e}).")
        worst, allowed = max(worst, difference), max(allowed, tolerance)
    for target, data in written:
        write_atomically(target, lambda temporary, data=data: temporary.write_bytes(data))
    return ExportReport("torchscript", tuple(target for target, _ in written), tuple(checks), worst, allowed)


def _traced_bytes(graph: Graph, spec_json: str) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the check at other sizes catches what the tracer warns of
        traced = torch.jit.trace(graph.module, graph.example(TRACE_SIZES, seed=1), check_trace=False)
    about = {"spec": json.loads(spec_json), "role": graph.role, "version": __version__,
             "inputs": graph.input_names, "outputs": graph.output_names, "carried": dict(graph.carried)}
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.save(traced, buffer, _extra_files={EXTRA_FILE: json.dumps(about)})
    return buffer.getvalue()

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
from ..common.atomic import write_files_atomically
from .graph_check import TRACE_SIZES, check_graphs, torch_run
from .graphs import Graph, model_graphs
from .onnx_file import graph_paths
from .report import ExportReport, Progress, no_progress

EXTRA_FILE = "workbench.json"


def export_torchscript(project, path: Path, progress: Progress = no_progress) -> ExportReport:
    """Write ``project``'s model as TorchScript; see the module docstring."""
    graphs = model_graphs(project.model)
    spec_json = project.spec.to_json()

    def load(graph: Graph, target: Path, data: bytes):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # torch.jit is deprecated, but still what users load
            return torch_run(torch.jit.load(io.BytesIO(data)))

    checked = check_graphs(
        graphs,
        graph_paths(path, graphs, ".pt"),
        progress,
        runtime="the loaded module",
        to_bytes=lambda graph, target: _traced_bytes(graph, spec_json),
        load=load,
        failures=(RuntimeError,),
        passed="saved, loaded and run at batch sizes and lengths other than the traced ones, equal to the model",
    )
    write_files_atomically(
        [(target, lambda temporary, data=data: temporary.write_bytes(data)) for target, data in checked.files]
    )
    return ExportReport(
        "torchscript",
        tuple(target for target, _ in checked.files),
        tuple(checked.checks),
        checked.max_difference,
        checked.tolerance,
    )


def _traced_bytes(graph: Graph, spec_json: str) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the check at other sizes catches what the tracer warns of
        traced = torch.jit.trace(graph.module, graph.example(TRACE_SIZES, seed=1), check_trace=False)
    about = {
        "spec": json.loads(spec_json),
        "role": graph.role,
        "version": __version__,
        "inputs": graph.input_names,
        "outputs": graph.output_names,
        "carried": dict(graph.carried),
    }
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.save(traced, buffer, _extra_files={EXTRA_FILE: json.dumps(about)})
    return buffer.getvalue()

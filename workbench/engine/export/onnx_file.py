"""ONNX export, run in onnxruntime at other sizes before the user is told it worked.

The graphs come from torch's TorchScript-based exporter (``dynamo=False``) with named dynamic
axes. It writes the fused recurrent layers as ONNX ``LSTM``/``GRU``/``RNN`` operators, which loop
over whatever sequence they are given. The torch.export-based exporter (torch's default since
2.9) declared the traced sequence length on the outputs of a plain LSTM language model here
(onnxruntime warned "Expected shape {-1,5,10}" when it ran 11 steps), and ``torch.export``
specialises an LSTM's sequence length; so that path is not used. Two checks prove the file
dynamic: every axis the graph names dynamic is a symbol, not a number, in the file's declared
inputs and outputs, and onnxruntime's answers at other batch sizes and lengths equal torch's
(``graph_check``).

A model that is one function is one file; an encoder–decoder or captioner is two, ``NAME.encoder.onnx``
and ``NAME.decoder.onnx``. Each file's metadata holds the model spec, the file's role, which outputs
feed which inputs on the next call, and what the standalone script needs (``run_facts``).
"""

from __future__ import annotations

import io
import json
import warnings
from pathlib import Path

import onnx
import onnxruntime
import torch
from onnxruntime.capi import onnxruntime_pybind11_state as ort_errors

from ... import __version__
from ..common.atomic import write_files_atomically
from ..common.errors import WorkbenchError
from .graph_check import TRACE_SIZES, check_graphs
from .graphs import Graph, model_graphs
from .report import ExportReport, Progress, no_progress
from .run_facts import run_facts
from .standalone import script_file

OPSET = 17
RUNTIME_ERRORS = (ort_errors.Fail, ort_errors.InvalidArgument, ort_errors.RuntimeException)
METADATA_PREFIX = "workbench."


def graph_paths(path: Path, graphs: list[Graph], suffix: str) -> list[Path]:
    """``path`` for a model of one graph; ``NAME.encoder.SUFFIX``, ``NAME.decoder.SUFFIX`` for two."""
    if len(graphs) == 1:
        return [path]
    return [path.with_name(f"{path.stem}.{graph.role}{suffix}") for graph in graphs]


def export_onnx(project, path: Path, progress: Progress = no_progress) -> ExportReport:
    """Write ``project``'s model as ONNX next to a standalone script; see the module docstring."""
    graphs = model_graphs(project.model)
    paths = graph_paths(path, graphs, ".onnx")
    facts = run_facts(project, {graph.role: target.name for graph, target in zip(graphs, paths)})
    spec_json = project.spec.to_json()

    def load(graph: Graph, target: Path, data: bytes):
        session = onnxruntime.InferenceSession(data, providers=["CPUExecutionProvider"])
        return lambda inputs: session.run(None, {port.name: value.numpy() for port, value in zip(graph.inputs, inputs)})

    checked = check_graphs(
        graphs,
        paths,
        progress,
        runtime="onnxruntime",
        to_bytes=lambda graph, target: _graph_to_onnx(graph, target, spec_json, facts),
        load=load,
        failures=RUNTIME_ERRORS,
        passed="onnxruntime equals torch at batch sizes and lengths other than the traced ones; every batch and "
        "length axis is dynamic",
    )
    files = [(target, lambda temporary, data=data: temporary.write_bytes(data)) for target, data in checked.files]
    script = script_file(path, facts)
    checks = checked.checks
    if script is None:
        checks.append(f"No standalone script: a {facts['task']} model reads generated inputs, nothing to type.")
    else:
        files.append(script)
    write_files_atomically(files)
    return ExportReport(
        "onnx", tuple(target for target, _ in files), tuple(checks), checked.max_difference, checked.tolerance
    )


def _graph_to_onnx(graph: Graph, target: Path, spec_json: str, facts: dict) -> bytes:
    """The traced graph as ONNX bytes with the workbench's metadata, its dynamic axes checked."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's and the legacy exporter's notices are not the user's
        torch.onnx.export(
            graph.module,
            graph.example(TRACE_SIZES, seed=1),
            buffer,
            dynamo=False,
            opset_version=OPSET,
            input_names=graph.input_names,
            output_names=graph.output_names,
            dynamic_axes=graph.dynamic_axes(),
        )
    proto = onnx.load_from_string(buffer.getvalue())
    _refuse_fixed_axes(graph, proto, target)
    metadata = {
        "spec": spec_json,
        "role": graph.role,
        "version": __version__,
        "carried": json.dumps(dict(graph.carried)),
        "facts": json.dumps(facts),
    }
    for key, value in metadata.items():
        proto.metadata_props.add(key=METADATA_PREFIX + key, value=value)
    proto.producer_name = "Sequence Workbench"
    return proto.SerializeToString()


def _refuse_fixed_axes(graph: Graph, model: onnx.ModelProto, target: Path) -> None:
    """Every axis ``graph`` names dynamic must be a symbol in the file, not the traced size."""
    declared = {value.name: value.type.tensor_type.shape.dim for value in (*model.graph.input, *model.graph.output)}
    for port in (*graph.inputs, *graph.outputs):
        dims = declared.get(port.name)
        if dims is None:
            raise WorkbenchError(f"{target}: the exporter dropped the {port.name} tensor; nothing was saved")
        for axis, name in port.dynamic_axes().items():
            if len(dims) <= axis or dims[axis].HasField("dim_value"):
                raise WorkbenchError(f"{target}: the exporter fixed the {name} axis of {port.name}; nothing was saved")

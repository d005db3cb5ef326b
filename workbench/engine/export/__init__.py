"""Exporting a trained model in the forms other tools read, each checked before it is reported.

``FORMATS`` lists them for the command line and the Export dialog; ``export_model`` writes one.
Every format refuses, in words, a model it cannot hold (``ExportFormat.unsupported``), and
raises ``WorkbenchError`` — leaving no file — when the written file does not compute what the
project's model computes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..common.errors import WorkbenchError
from ..spec import ModelSpec
from .report import ExportReport, Progress, no_progress


def _onnx(project, path: Path, progress: Progress, text: str | None) -> ExportReport:
    from .onnx_file import export_onnx  # onnxruntime loads only when an ONNX file is written

    return export_onnx(project, path, progress)


def _torchscript(project, path: Path, progress: Progress, text: str | None) -> ExportReport:
    from .torchscript_file import export_torchscript

    return export_torchscript(project, path, progress)


def _safetensors(project, path: Path, progress: Progress, text: str | None) -> ExportReport:
    from .safetensors_file import export_safetensors

    return export_safetensors(project, path, progress)


def _lstmvis(project, path: Path, progress: Progress, text: str | None) -> ExportReport:
    from .lstmvis import export_lstmvis

    return export_lstmvis(project, path, text, progress)


def _states_over_text(spec: ModelSpec) -> str | None:
    if spec.inputs.kind != "tokens" or spec.is_seq2seq or spec.head.kind == "mixture_density":
        return "LSTMVis shows the states of a model that reads text with one recurrent stack"
    return None


def _any_model(spec: ModelSpec) -> str | None:
    return None


@dataclass(frozen=True)
class ExportFormat:
    name: str  # the command line's --format
    title: str  # for menus and the dialog
    suffix: str  # of the main file
    summary: str  # one line: what the user gets
    reads_text: bool  # the user chooses a text to run the model over
    unsupported: Callable[[ModelSpec], str | None]  # why a model cannot be exported; None if it can
    write: Callable[[object, Path, Progress, str | None], ExportReport]


FORMATS: dict[str, ExportFormat] = {
    fmt.name: fmt
    for fmt in (
        ExportFormat(
            "onnx",
            "ONNX",
            ".onnx",
            "a graph for onnxruntime and other runtimes, with a script that runs it without torch",
            False,
            _any_model,
            _onnx,
        ),
        ExportFormat(
            "torchscript",
            "TorchScript",
            ".pt",
            "a traced module that torch.jit.load runs without the workbench",
            False,
            _any_model,
            _torchscript,
        ),
        ExportFormat(
            "safetensors",
            "safetensors",
            ".safetensors",
            "the weights, and the spec that rebuilds the model with the workbench",
            False,
            _any_model,
            _safetensors,
        ),
        ExportFormat(
            "lstmvis",
            "LSTMVis",
            ".h5",
            "hidden and cell states over a text you choose, with its word dictionary, for LSTMVis",
            True,
            _states_over_text,
            _lstmvis,
        ),
    )
}


def export_model(
    project, format_name: str, path: str | Path, *, text: str | None = None, progress: Progress = no_progress
) -> ExportReport:
    """Write ``project``'s model to ``path`` as ``format_name`` and check it; see the module docstring."""
    fmt = FORMATS.get(format_name)
    if fmt is None:
        raise WorkbenchError(f"unknown export format '{format_name}' (one of {', '.join(FORMATS)})")
    reason = fmt.unsupported(project.spec)
    if reason is not None:
        raise WorkbenchError(f"cannot export this model as {fmt.title}: {reason}")
    path = Path(path)
    if not path.parent.is_dir():
        raise WorkbenchError(f"cannot write {path}: the folder {path.parent} does not exist")
    if project.path is not None and path.resolve() == Path(project.path).resolve():
        raise WorkbenchError(f"{path} is the project file itself: choose another name for the export")
    try:
        return fmt.write(project, path, progress, text)
    except OSError as error:
        where = error.filename2 or error.filename or path  # a rename names its target second
        raise WorkbenchError(f"cannot write {where}: {error.strerror or error}") from None

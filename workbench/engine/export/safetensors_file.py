"""A trained model as safetensors weights with its spec: enough to rebuild it with the workbench
package alone, and checked against the project's own model before the user is told it worked.

The file's metadata holds the model spec (JSON), the data's vocabulary (JSON) and the workbench
version; a ``.json`` file beside it holds the spec again, for people and other tools.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import save as tensors_to_bytes
from torch import nn

from ... import __version__
from ..common.atomic import write_files_atomically
from ..common.errors import WorkbenchError
from ..model.builder import build_model
from ..model.inference_mode import inference
from ..spec import ModelSpec
from .report import ExportReport, Progress, no_progress

SPEC_KEY, VOCABULARY_KEY, VERSION_KEY = "workbench_spec", "workbench_vocabulary", "workbench_version"
TOLERANCE = 1e-6  # relative difference of the rebuilt model's loss that counts as the same model


def export_safetensors(project, path: str | Path, progress: Progress = no_progress) -> ExportReport:
    """Write ``project``'s weights to ``path`` and its spec beside it (``NAME.json``), then rebuild the model
    from the file alone and compare; a mismatch raises WorkbenchError and leaves no file."""
    path = Path(path)
    if path.suffix == ".json":
        raise WorkbenchError(
            f"{path.name}: the spec goes in NAME.json beside NAME.safetensors; name the weights file otherwise"
        )
    progress("Writing the weights", 0, 2)
    weights = {name: value.detach().cpu().contiguous() for name, value in project.model.state_dict().items()}
    metadata = {
        SPEC_KEY: project.spec.to_json(),
        VOCABULARY_KEY: json.dumps(project.corpus.vocab.to_json()),
        VERSION_KEY: __version__,
    }
    data = tensors_to_bytes(weights, metadata)
    spec, rebuilt, _ = model_from_bytes(data, str(path))
    for name, value in rebuilt.state_dict().items():
        if not torch.equal(value, weights[name]):
            raise WorkbenchError(f"{path}: the weight {name} did not read back as written; nothing was saved")
    progress("Checking the rebuilt model", 1, 2)
    loss, difference = _compare_on_a_batch(project, rebuilt)
    tolerance = TOLERANCE * max(1.0, abs(loss))
    if difference > tolerance:
        raise WorkbenchError(f"{path}: the rebuilt model's loss differs by {difference:.3g}; nothing was saved")
    spec_path = path.with_suffix(".json")
    write_files_atomically(
        [
            (path, lambda temporary: temporary.write_bytes(data)),
            (spec_path, lambda temporary: temporary.write_text(spec.to_json() + "\n")),
        ]
    )
    checks = (
        f"{len(weights)} tensors read back identical.",
        f"The model rebuilt from the file alone has the project model's loss on a validation batch ({loss:.4f}).",
    )
    return ExportReport("safetensors", (path, spec_path), checks, difference, tolerance)


def load_safetensors_model(path: str | Path) -> tuple[ModelSpec, nn.Module, dict]:
    """The spec, the model with its weights, and the vocabulary (JSON) of an exported file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise WorkbenchError(f"{path}: cannot be read ({error.strerror})") from None
    spec, model, metadata = model_from_bytes(data, str(path))
    return spec, model, json.loads(metadata[VOCABULARY_KEY])


def model_from_bytes(data: bytes, name: str) -> tuple[ModelSpec, nn.Module, dict]:
    """The spec, the model with its weights, and the file's metadata."""
    metadata = _metadata(data, name)
    spec = ModelSpec.from_json(metadata[SPEC_KEY]).check()
    model = build_model(spec)
    try:
        model.load_state_dict(load_tensors(data))
    except SafetensorError as error:
        raise WorkbenchError(f"{name}: the weights are damaged ({error})") from None
    except RuntimeError as error:
        raise WorkbenchError(f"{name}: the weights do not fit the model's spec ({error})") from None
    return spec, model, metadata


def _metadata(data: bytes, name: str) -> dict:
    """The file's metadata (a safetensors file starts with the length of its JSON header)."""
    length = int.from_bytes(data[:8], "little")
    try:
        header = json.loads(data[8 : 8 + length]) if 8 + length <= len(data) else None
    except ValueError:
        header = None
    if not isinstance(header, dict):
        raise WorkbenchError(f"{name}: not a safetensors file (no JSON header where one begins)")
    metadata = header.get("__metadata__") or {}
    if SPEC_KEY not in metadata or VOCABULARY_KEY not in metadata:
        raise WorkbenchError(f"{name}: a safetensors file, but not one exported by Sequence Workbench (no model spec)")
    return metadata


def _compare_on_a_batch(project, rebuilt: nn.Module) -> tuple[float, float]:
    """The loss of the project's model and of ``rebuilt`` on the first validation batch."""
    config = project.config
    batch = next(iter(project.corpus.batcher("val", config.batch_size, config.seq_len, config.seed).epoch_batches()))
    losses = []
    for model in (project.model, rebuilt):
        with inference(model) as device:
            loss, _ = model.batch_loss(batch, None, device)
        losses.append(float(loss))
    return losses[0], abs(losses[1] - losses[0])

"""A ``ProbeSnapshot`` as JSON plus named arrays, the form the project file keeps.

A stored snapshot is checked as it is read: the Inside tab draws its arrays by the layers of the
model, and one that does not fit would fail in a widget long after the file opened.
"""

from __future__ import annotations

import numpy as np

from ..common.errors import ProjectError
from ..common.stored_values import is_whole
from ..events import LayerSnapshot, ProbeSnapshot
from ..inside.layer_names import GATE_NAMES, probed_layers
from ..spec import ModelSpec


def probe_to_record(snapshot: ProbeSnapshot | None) -> tuple[dict | None, dict[str, np.ndarray]]:
    if snapshot is None:
        return None, {}
    meta = {
        "step": snapshot.step,
        "tokens": list(snapshot.tokens),
        "layers": [
            {"name": layer.name, "cell": layer.cell, "gate_names": list(layer.gate_names)} for layer in snapshot.layers
        ],
    }
    arrays = {"token_ids": snapshot.token_ids}
    for layer in snapshot.layers:
        arrays[f"{layer.name}/gates"] = layer.gates
        arrays[f"{layer.name}/hidden"] = layer.hidden
        arrays[f"{layer.name}/grad_through_time"] = layer.grad_through_time
        if layer.cell_state is not None:
            arrays[f"{layer.name}/cell_state"] = layer.cell_state
    return meta, arrays


def probe_from_record(meta: dict | None, arrays: dict[str, np.ndarray], spec: ModelSpec) -> ProbeSnapshot | None:
    """The stored probe snapshot, whose layers must be layers a probe of ``spec``'s model reports,
    each array of the probe text's length and the layer's width."""
    if meta is None:
        return None
    tokens, layers = meta.get("tokens"), meta.get("layers")
    if not (
        set(meta) == {"step", "tokens", "layers"}
        and is_whole(meta["step"])
        and isinstance(tokens, list)
        and all(isinstance(token, str) for token in tokens)
        and isinstance(layers, list)
    ):
        raise ProjectError("probe/meta is damaged (a probe holds a step, its tokens and its layers)")
    length, width = len(tokens), spec.encoder.hidden_size
    token_ids = arrays.get("token_ids")
    if token_ids is None or token_ids.shape[:1] != (length,):
        raise ProjectError(f"probe/arrays/token_ids does not hold the probe's {length} tokens")
    names = probed_layers(spec)
    return ProbeSnapshot(
        meta["step"],
        token_ids,
        tuple(tokens),
        tuple(_layer_from_record(layer, arrays, names, length, width) for layer in layers),
    )


def _layer_from_record(
    layer, arrays: dict[str, np.ndarray], names: tuple[str, ...], length: int, width: int
) -> LayerSnapshot:
    if not (
        isinstance(layer, dict)
        and layer.get("name") in names
        and layer.get("cell") in GATE_NAMES
        and layer.get("gate_names") == list(GATE_NAMES[layer["cell"]])
    ):
        raise ProjectError(f"probe/meta names a layer its model does not have ({str(layer)[:60]})")
    name, gates = layer["name"], len(GATE_NAMES[layer["cell"]])
    shapes = {"gates": (gates, length, width), "hidden": (length, width), "grad_through_time": (length,)}
    if layer["cell"] == "lstm":
        shapes["cell_state"] = (length, width)
    found = {}
    for part, shape in shapes.items():
        array = arrays.get(f"{name}/{part}")
        if array is None or array.shape != shape or array.dtype.kind != "f":
            raise ProjectError(f"probe/arrays/{name}/{part} is not the probe's {shape} numbers")
        found[part] = array
    return LayerSnapshot(
        name,
        layer["cell"],
        GATE_NAMES[layer["cell"]],
        found["gates"],
        found.get("cell_state"),
        found["hidden"],
        found["grad_through_time"],
    )

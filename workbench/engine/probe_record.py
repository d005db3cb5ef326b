"""A ``ProbeSnapshot`` as JSON plus named arrays, the form the project file keeps."""

from __future__ import annotations

import numpy as np

from .events import LayerSnapshot, ProbeSnapshot


def probe_to_record(snapshot: ProbeSnapshot | None) -> tuple[dict | None, dict[str, np.ndarray]]:
    if snapshot is None:
        return None, {}
    meta = {
        "step": snapshot.step,
        "tokens": list(snapshot.tokens),
        "layers": [
            {"name": layer.name, "cell": layer.cell, "gate_names": list(layer.gate_names)}
            for layer in snapshot.layers
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


def probe_from_record(meta: dict | None, arrays: dict[str, np.ndarray]) -> ProbeSnapshot | None:
    if meta is None:
        return None
    layers = tuple(
        LayerSnapshot(
            name=layer["name"],
            cell=layer["cell"],
            gate_names=tuple(layer["gate_names"]),
            gates=arrays[f"{layer['name']}/gates"],
            cell_state=arrays.get(f"{layer['name']}/cell_state"),
            hidden=arrays[f"{layer['name']}/hidden"],
            grad_through_time=arrays[f"{layer['name']}/grad_through_time"],
        )
        for layer in meta["layers"]
    )
    return ProbeSnapshot(int(meta["step"]), arrays["token_ids"], tuple(meta["tokens"]), layers)

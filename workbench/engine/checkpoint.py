"""A trainer's position as JSON plus arrays: what exact resume needs beyond the weights.

Saved: the step, the data position, the optimizer's state, the random number generators and
the hidden state carried into the next contiguous batch. With all of them restored, training N
steps, saving, opening and training N more gives the losses of 2N steps in one go.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass
class TrainerCheckpoint:
    state: dict  # JSON: step, data position, loss scaler
    arrays: dict[str, np.ndarray]  # RNG states, carried hidden state
    optimizer: dict | None  # {"param_groups": [...], "state": {"0": {name: array}}}

    @property
    def step(self) -> int:
        return int(self.state.get("step", 0))

    @classmethod
    def capture(cls, trainer) -> "TrainerCheckpoint":
        arrays = {"torch_rng": torch.get_rng_state().numpy().copy()}
        if trainer.device.type == "cuda":
            arrays["cuda_rng"] = torch.cuda.get_rng_state(trainer.device).numpy().copy()
        hidden = trainer.hidden
        if hidden is not None:
            for index, tensor in enumerate(hidden if isinstance(hidden, tuple) else (hidden,)):
                arrays[f"hidden/{index}"] = tensor.detach().float().cpu().numpy().copy()
        state = {
            "step": trainer.step,
            "data_position": trainer.train_batches.state(),
            "hidden_parts": 0 if hidden is None else len(hidden) if isinstance(hidden, tuple) else 1,
            "scaler": trainer.scaler.state_dict() if trainer.amp else None,
        }
        return cls(state, arrays, optimizer_to_arrays(trainer.optimizer.state_dict()))

    def restore(self, trainer) -> None:
        trainer.step = self.step
        if "data_position" in self.state:
            trainer.train_batches.restore(self.state["data_position"])
        if self.optimizer is not None:
            trainer.optimizer.load_state_dict(optimizer_from_arrays(self.optimizer, trainer.device))
        if "torch_rng" in self.arrays:
            torch.set_rng_state(torch.from_numpy(self.arrays["torch_rng"].astype(np.uint8)))
        if "cuda_rng" in self.arrays and trainer.device.type == "cuda":
            torch.cuda.set_rng_state(torch.from_numpy(self.arrays["cuda_rng"].astype(np.uint8)), trainer.device)
        parts = [
            torch.from_numpy(self.arrays[f"hidden/{i}"]).to(trainer.device)
            for i in range(int(self.state.get("hidden_parts", 0)))
        ]
        trainer.hidden = None if not parts else parts[0] if len(parts) == 1 else tuple(parts)
        if self.state.get("scaler") and trainer.amp:
            trainer.scaler.load_state_dict(self.state["scaler"])


def optimizer_to_arrays(state_dict: dict) -> dict:
    """torch's optimizer state_dict with every tensor as a numpy array and string keys."""
    return {
        "param_groups": [dict(group) for group in state_dict["param_groups"]],
        "state": {
            str(index): {
                name: value.detach().cpu().numpy().copy() if torch.is_tensor(value) else np.asarray(value)
                for name, value in entry.items()
            }
            for index, entry in state_dict["state"].items()
        },
    }


def optimizer_from_arrays(stored: dict, device: torch.device) -> dict:
    """The inverse of ``optimizer_to_arrays``; Adam's scalar ``step`` stays on the CPU."""
    state = {}
    for index, entry in stored["state"].items():
        state[int(index)] = {
            name: torch.from_numpy(np.array(value)) if name == "step" else torch.from_numpy(np.array(value)).to(device)
            for name, value in entry.items()
        }
    return {"param_groups": [dict(group) for group in stored["param_groups"]], "state": state}

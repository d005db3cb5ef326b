"""A trainer's position as JSON plus arrays: what exact resume needs beyond the weights.

Saved: the step, the data position, the optimizer's state, the random number generators and
the hidden state carried into the next contiguous batch. With all of them restored, training N
steps, saving, opening and training N more gives the losses of 2N steps in one go.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..common.errors import ProjectError
from ..common.stored_values import is_finite_number, is_whole
from .optimizers import make_optimizer


@dataclass
class TrainerCheckpoint:
    state: dict  # JSON: step, data position, loss scaler
    arrays: dict[str, np.ndarray]  # RNG states, carried hidden state
    optimizer: dict | None  # {"param_groups": [...], "state": {"0": {name: array}}}

    @property
    def step(self) -> int:
        return int(self.state.get("step", 0))

    @classmethod
    def capture(cls, trainer) -> TrainerCheckpoint:
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


# -- what a stored position must be, checked when a project is opened --------------------------

MAX_STEP = 2**53  # steps a float64 series still counts one by one
# The optimizer state each kind keeps per parameter (besides none at all before its first step).
_MOMENT_NAMES = {"adam": ("exp_avg", "exp_avg_sq"), "rmsprop": ("square_avg",), "sgd": ()}
_STATE_KEYS = {"step", "data_position", "hidden_parts", "scaler"}
_SCALER_KEYS = {"scale", "growth_factor", "backoff_factor", "growth_interval", "_growth_tracker"}


def check_checkpoint(checkpoint: TrainerCheckpoint, model, corpus, config) -> None:
    """Refuse, in one line, a stored trainer position that a trainer could not take up or would
    take up wrongly: every field's type and range, the arrays' shapes against the model and the
    batch, the random generator's state, and optimizer state of the configured kind that fits
    the model's parameters. Raises ProjectError naming the part; nothing is changed."""
    state, arrays = checkpoint.state, checkpoint.arrays
    unknown = sorted(set(state) - _STATE_KEYS)
    if unknown:
        raise ProjectError(f"trainer/state has an unknown field {unknown[0]!r}")
    if not is_whole(state.get("step", 0), 0, MAX_STEP):
        raise ProjectError(f"trainer/state's step {state.get('step')!r} is not a whole number of steps")
    if "data_position" in state:
        position = state["data_position"]
        if not isinstance(position, dict):
            raise ProjectError("trainer/state's data position is damaged")
        corpus.batcher("train", config.batch_size, config.seq_len, config.seed).restore(position)
    _check_scaler(state.get("scaler"))
    _check_arrays(arrays, int(_hidden_parts(state, model)), model, config)
    if checkpoint.optimizer is not None:
        _check_optimizer(checkpoint.optimizer, list(model.parameters()), config)


def _hidden_parts(state: dict, model) -> int:
    """The carried state's parts: none, or the model's stack's (h; or h and c for an LSTM)."""
    parts = state.get("hidden_parts", 0)
    cell = getattr(model.spec.encoder, "cell", None)
    allowed = (0, 2 if cell == "lstm" else 1)
    if not is_whole(parts, 0, 2) or parts not in allowed:
        raise ProjectError(f"trainer/state's hidden parts {parts!r} do not fit a {cell} model (0 or {allowed[1]})")
    return parts


def _check_scaler(scaler) -> None:
    if scaler is None:
        return
    if (
        not isinstance(scaler, dict)
        or set(scaler) != _SCALER_KEYS
        or not all(is_finite_number(value) and value >= 0 for value in scaler.values())
    ):
        raise ProjectError("trainer/state's loss scaler is damaged")


def _check_arrays(arrays: dict[str, np.ndarray], parts: int, model, config) -> None:
    expected = {"torch_rng", "cuda_rng"} | {f"hidden/{index}" for index in range(parts)}
    unknown = sorted(set(arrays) - expected)
    if unknown:
        raise ProjectError(f"trainer/arrays holds {unknown[0]!r}, which a trainer does not keep")
    if "torch_rng" in arrays:
        stored = arrays["torch_rng"]
        try:
            if stored.dtype != np.uint8 or stored.shape != tuple(torch.get_rng_state().shape):
                raise RuntimeError
            torch.Generator().set_state(torch.from_numpy(stored))  # a scratch generator checks it
        except RuntimeError:
            raise ProjectError("trainer/arrays/torch_rng is not a random generator's state") from None
    if "cuda_rng" in arrays and (
        arrays["cuda_rng"].dtype != np.uint8 or arrays["cuda_rng"].ndim != 1 or not 0 < arrays["cuda_rng"].size <= 64
    ):
        raise ProjectError("trainer/arrays/cuda_rng is not a random generator's state")
    if parts:
        stack = model.spec.encoder
        shape = (stack.num_layers * (2 if stack.bidirectional else 1), config.batch_size, stack.hidden_size)
        for index in range(parts):
            name = f"hidden/{index}"
            if name not in arrays:
                raise ProjectError(f"trainer/arrays has no {name}, a part of the carried state")
            array = arrays[name]
            if array.dtype != np.float32 or array.shape != shape or not np.isfinite(array).all():
                raise ProjectError(
                    f"trainer/arrays/{name} is not the model's state for batches of "
                    f"{config.batch_size} (shape {shape}, finite float32)"
                )


def _check_optimizer(stored: dict, parameters: list, config) -> None:
    """Stored optimizer state that ``make_optimizer(parameters, config)`` can load and use."""
    fresh = make_optimizer(parameters, config).state_dict()["param_groups"]
    groups = stored.get("param_groups")
    if not isinstance(groups, list) or len(groups) != len(fresh):
        raise ProjectError(f"optimizer/param_groups is damaged: {len(fresh)} group(s) expected")
    for group, expected in zip(groups, fresh):
        if not isinstance(group, dict) or set(group) != set(expected):
            raise ProjectError(
                f"optimizer/param_groups does not hold {config.optimizer}'s settings: "
                f"is the optimizer in trainer/config the one that saved it?"
            )
        if group["params"] != expected["params"]:
            raise ProjectError(
                f"optimizer/param_groups does not name the model's {len(expected['params'])} parameters in order"
            )
        for key, value in expected.items():
            # The settings follow trainer/config (a change there makes a fresh optimizer); only
            # the learning rate moves with the schedule, and it is set again before each step.
            if key == "lr" and not (is_finite_number(group[key]) and group[key] >= 0):
                raise ProjectError(f"optimizer/param_groups' learning rate {group[key]!r} is not a rate")
            if key not in ("lr", "params") and _as_json(group[key]) != _as_json(value):
                raise ProjectError(
                    f"optimizer/param_groups' {key} is {group[key]!r}, but trainer/config makes it {_as_json(value)!r}"
                )
    moments = _MOMENT_NAMES[config.optimizer] + (
        ("momentum_buffer",) if config.optimizer != "adam" and config.momentum > 0 else ()
    )
    names = set(moments) | ({"step"} if config.optimizer != "sgd" else set())
    for index, entry in stored["state"].items():
        if not (index.isdigit() and int(index) < len(parameters)):
            raise ProjectError(f"optimizer/state/{index} names no parameter of the model")
        if set(entry) != names:
            raise ProjectError(
                f"optimizer/state/{index} holds {', '.join(sorted(entry)) or 'nothing'}, not "
                f"{config.optimizer}'s {', '.join(sorted(names))}: is the optimizer in trainer/config "
                f"the one that saved it?"
            )
        shape = tuple(parameters[int(index)].shape)
        for name, array in entry.items():
            wanted = () if name == "step" else shape
            if (
                array.dtype.kind != "f"
                or array.shape != wanted
                or not np.isfinite(array).all()
                or (name in ("exp_avg_sq", "square_avg", "step") and (array < 0).any())
            ):
                raise ProjectError(
                    f"optimizer/state/{index}/{name} is damaged (shape {array.shape}, the parameter's is {wanted})"
                )


def _as_json(value):
    """A setting as the project file keeps it: tuples are lists there."""
    return list(value) if isinstance(value, tuple) else value

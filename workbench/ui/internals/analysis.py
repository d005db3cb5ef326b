"""Plain numpy and string helpers behind the internals views: no widgets, so tests call them directly."""

from __future__ import annotations

import numpy as np

from .. import theme

SIGMOID_GATES = frozenset({"input", "forget", "output", "reset", "update"})  # σ(·) ∈ [0, 1]
GATE_SYMBOLS = {"input": "i", "forget": "f", "cell": "g", "output": "o", "reset": "r", "update": "z", "new": "n"}
GATE_TITLES = {"cell": "cell candidate", "new": "new candidate"}  # the two tanh candidates
SPECIAL_CHARACTERS = {"\n": "⏎", " ": "·", "\t": "⇥", "\r": "␍"}


def gate_range(gate: str) -> tuple[float, float]:
    """The levels a gate's colours span: [0, 1] for sigmoid gates, [-1, 1] for tanh candidates."""
    return (0.0, 1.0) if gate in SIGMOID_GATES else (-1.0, 1.0)


def gate_title(gate: str) -> str:
    """'forget gate f  σ' or 'cell candidate g  tanh', for a heatmap's title."""
    name = GATE_TITLES.get(gate, f"{gate} gate")
    function = "σ" if gate in SIGMOID_GATES else "tanh"
    return f"{name} {GATE_SYMBOLS.get(gate, '')}  ({function})"


def gate_saturation(gates: np.ndarray, low: float = 0.1, high: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """For each unit, the fraction of time steps its gate is left- and right-saturated.

    Karpathy, Johnson & Fei-Fei (2015), "Visualizing and Understanding Recurrent Networks",
    section 4.2: a gate is left-saturated when its activation is below 0.1 and right-saturated
    when above 0.9. Units near (0, 1) are almost always closed; near (1, 0) always open, e.g.
    forget gates that remember for a long time.

    ``gates`` (T, H) → ``(left (H,), right (H,))`` as float fractions of T.
    """
    gates = np.asarray(gates)
    if gates.ndim != 2:
        raise ValueError(f"gates must be (time, units), not shape {gates.shape}")
    steps = max(gates.shape[0], 1)
    left = np.count_nonzero(gates < low, axis=0) / steps
    right = np.count_nonzero(gates > high, axis=0) / steps
    return left.astype(np.float64), right.astype(np.float64)


def symmetric_limit(values: np.ndarray, percentile: float = 99.0, floor: float = 1e-6) -> float:
    """A robust ±limit for an unbounded signal: the given percentile of |values|, at least ``floor``.

    One runaway cell would otherwise wash out every other unit's colours.
    """
    magnitudes = np.abs(np.asarray(values, dtype=np.float64))
    magnitudes = magnitudes[np.isfinite(magnitudes)]
    if magnitudes.size == 0:
        return 1.0
    return max(float(np.percentile(magnitudes, percentile)), floor)


def display_token(token: str) -> str:
    """A token as one visible label: newline ⏎, space ·, tab ⇥, other control characters escaped."""
    if token in SPECIAL_CHARACTERS:
        return SPECIAL_CHARACTERS[token]
    if len(token) == 1 and not token.isprintable():
        return repr(token)[1:-1]
    return token


def diverging_rgb(value: float, scale: float) -> tuple[int, int, int]:
    """Blue for negative, white for zero, red for positive; saturated at ±``scale``."""
    return tuple(int(channel) for channel in diverging_rgbs(np.array([value]), scale)[0])


def diverging_rgbs(values: np.ndarray, scale: float) -> np.ndarray:
    """``diverging_rgb`` of each value: (N,) -> (N, 3) uint8; white where not finite."""
    values = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(values)
    if scale <= 0:
        return np.full((len(values), 3), 255, np.uint8)
    t = np.where(finite, np.minimum(np.abs(np.where(finite, values, 0.0)) / scale, 1.0), 0.0)[:, None]  # (N, 1)
    positive, negative = theme.rgb(theme.DIVERGING_POSITIVE), theme.rgb(theme.DIVERGING_NEGATIVE)
    ends = np.where((values > 0)[:, None], positive, negative)  # (N, 3)
    return np.round(255 + (ends - 255) * t).astype(np.uint8)


def rgb_hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def positive_log_values(values: np.ndarray) -> np.ndarray:
    """Values for a log axis: zeros and negatives (no gradient reached that step) become NaN."""
    values = np.asarray(values, dtype=np.float64).copy()
    values[~(values > 0)] = np.nan
    return values

"""Views of what happens inside a recurrent network, drawn from the engine's probe snapshots."""

from .analysis import gate_saturation
from .panel import InternalsPanel

__all__ = ["InternalsPanel", "gate_saturation"]

"""The training dashboard: loss, gradient norms, learning rate and throughput of every run."""

from .curves import DisplayOptions
from .widget import Dashboard

__all__ = ["Dashboard", "DisplayOptions"]

"""The Results tab: how well a classifier, tagger or translator does, and trying it on typed text."""

from __future__ import annotations

from .panel import ResultsPanel

__all__ = ["ResultsPanel"]

"""What a view is shown of a project: plain data (no torch), copied on the worker thread."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..events import ProbeSnapshot, SampleGenerated
from ..spec import ModelSpec
from ..training.config import TrainConfig
from ..training.history import RunHistory


@dataclass(frozen=True)
class ProjectSnapshot:
    path: Path | None
    spec: ModelSpec
    config: TrainConfig
    step: int
    data_description: dict
    data_stats: dict
    data_preview: str
    runs: list[RunHistory]
    samples: list[SampleGenerated]
    latest_probe: ProbeSnapshot | None
    best: tuple[int, float] | None = None  # the kept best weights' (step, validation loss); None: no best yet

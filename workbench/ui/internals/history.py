"""The probe snapshots of a run and which one the user is looking at (no Qt)."""

from __future__ import annotations

from workbench.engine.events import ProbeSnapshot

MAX_SNAPSHOTS = 60  # a 2×512 bidirectional LSTM snapshot of 200 steps is ~10 MB


class SnapshotHistory:
    """Snapshots in arrival order, a current index, and whether the index follows the newest.

    When more than ``MAX_SNAPSHOTS`` arrive, every other older snapshot is dropped, so a long
    run keeps its first snapshot, its newest, and an even spread in between.
    """

    def __init__(self, limit: int = MAX_SNAPSHOTS) -> None:
        self.limit = max(limit, 2)
        self.snapshots: list[ProbeSnapshot] = []
        self.index = -1  # -1 while empty
        self.following = True

    def __len__(self) -> int:
        return len(self.snapshots)

    @property
    def current(self) -> ProbeSnapshot | None:
        return self.snapshots[self.index] if self.snapshots else None

    def add(self, snapshot: ProbeSnapshot) -> None:
        viewed = self.current
        self.snapshots.append(snapshot)
        if len(self.snapshots) > self.limit:
            self.snapshots = self.snapshots[:-1][::2] + self.snapshots[-1:]
        if self.following or viewed is None:
            self.index = len(self.snapshots) - 1
        else:
            self.index = self._nearest_kept(viewed)

    def replace_all(self, snapshots: list[ProbeSnapshot]) -> None:
        self.clear()
        for snapshot in snapshots:
            self.add(snapshot)

    def clear(self) -> None:
        self.snapshots = []
        self.index = -1
        self.following = True

    def select(self, index: int) -> None:
        """The user picked a snapshot: follow the newest only if that is the one picked."""
        if not self.snapshots:
            return
        self.index = min(max(index, 0), len(self.snapshots) - 1)
        self.following = self.index == len(self.snapshots) - 1

    def follow_latest(self) -> None:
        self.following = True
        self.index = len(self.snapshots) - 1

    def _nearest_kept(self, viewed: ProbeSnapshot) -> int:
        """Index of ``viewed`` if still kept, else of the latest kept snapshot before it."""
        for index, snapshot in enumerate(self.snapshots):
            if snapshot is viewed:
                return index
        earlier = [i for i, s in enumerate(self.snapshots) if s.step <= viewed.step]
        return earlier[-1] if earlier else 0

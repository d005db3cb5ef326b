"""Data-parallel training with torch.distributed: one run trained by K processes under torchrun.

torchrun starts K copies of ``workbench train``, each with WORLD_SIZE, RANK and LOCAL_RANK in its
environment (``Ranks.launched``). Each joins one process group (``process_group``: gloo on the
CPU, NCCL on CUDA with one GPU per local rank) and its trainer trains through a
``DataParallel`` job, which the trainer finds by itself (``DataParallel.of``): alone, the job
passes everything through unchanged; in a group (``GroupJob``) the model is wrapped in
DistributedDataParallel and

- every rank builds the same global batch from the same batcher and trains on its own rows of it
  (``rank_rows``), its loss scaled by K × its share of the batch's loss weight, so that DDP's
  mean of the ranks' gradients is the gradient of the global batch's loss, as one process has it;
- the hidden state carried to the next batch is kept whole on every rank (gathered after each
  step), so that checkpoints, the sound state and resuming see what one process would;
- each step, one small all-reduce gives every rank the global batch's loss and rank 0's word on
  whether the step's metrics are reported, and another, after rank 0 has validated, whether any
  rank was asked to stop, whether rank 0's settings (patience, time limit) end the run and whether
  rank 0 is paused. Every decision a rank takes thus rests on values all ranks share, and all stop
  (or pause) at the same step;
- a paused group waits in small collectives, each a fresh all-reduce of rank 0's pause and every
  rank's stop every ``PAUSE_POLL_S``, so a pause of hours never meets the group's timeout and a
  Stop (Ctrl-C, SIGTERM, the window) ends it on every rank.

Rank 0 alone validates, looks inside, samples, reports and saves (the trainer and the command
line see to that through ``leads``). Every rank's random generators start from the project's
and draw alike, so rank 0's, which the project keeps, are every rank's on resuming.
"""

from __future__ import annotations

import os
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn

from ..common.errors import WorkbenchError
from .control import TrainerControl
from .device import resolve_device
from .rank_rows import RankRows, row_span, split_batch
from .run_end import EARLY_STOPS

PAUSE_POLL_S = 0.1  # how often a paused group asks again whether rank 0 still pauses

# The group's jobs in this process, closed before the group is destroyed: a DDP wrapper that
# outlives its group can hang the process at exit (gloo's worker thread, joined as the last
# reference goes, waits for the interpreter lock that the joining thread holds).
_JOBS: weakref.WeakSet[GroupJob] = weakref.WeakSet()


class Place:
    """A process's ``rank`` among ``size``: what its part in a run follows from."""

    rank: int
    size: int

    @property
    def solo(self) -> bool:
        return self.size == 1

    @property
    def leads(self) -> bool:
        """Rank 0: the one that validates, reports and writes the project."""
        return self.rank == 0


@dataclass(frozen=True)
class Ranks(Place):
    """This process's place among those torchrun started: rank 0 of 1 when it started none."""

    rank: int = 0
    local_rank: int = 0
    size: int = 1

    @classmethod
    def launched(cls, environ: Mapping[str, str] = os.environ) -> Ranks:
        """From the variables torchrun sets; one process alone when WORLD_SIZE is unset or 1."""
        try:
            size = int(environ.get("WORLD_SIZE") or 1)
            if size <= 1:
                return cls()
            ranks = cls(int(environ["RANK"]), int(environ["LOCAL_RANK"]), size)
        except (KeyError, ValueError):
            raise WorkbenchError(
                "WORLD_SIZE, RANK and LOCAL_RANK are not numbers of processes: start several processes with torchrun"
            ) from None
        if not 0 <= ranks.rank < ranks.size or ranks.local_rank < 0:
            raise WorkbenchError(f"RANK {ranks.rank} is not a rank of WORLD_SIZE {ranks.size}")
        return ranks

    def check_splits(self, batch_size: int) -> None:
        """The global batch is the project's batch size, the same number of rows on every rank."""
        if batch_size % self.size:
            below, above = batch_size - batch_size % self.size, batch_size + self.size - batch_size % self.size
            near = f"{below:,} or {above:,}" if below else f"{above:,}"
            raise WorkbenchError(
                f"the batch size {batch_size:,} does not split over {self.size:,} processes: "
                f"choose a batch size that {self.size:,} divides (such as {near}), or another number of processes"
            )


@contextmanager
def process_group(ranks: Ranks, device: str) -> Iterator[None]:
    """This process in the group of ``ranks`` while the block runs (nothing for one process):
    gloo on the CPU; NCCL on CUDA, the GPU of its local rank being this process's."""
    if ranks.solo:
        yield
        return
    if not dist.is_available():
        raise WorkbenchError("this torch build has no torch.distributed: train in one process")
    kind = resolve_device(device).type
    if kind == "cuda":
        gpus = torch.cuda.device_count()
        if ranks.local_rank >= gpus:
            raise WorkbenchError(
                f"process {ranks.local_rank} of this machine has no GPU of its own ({gpus} here): "
                f"start at most {gpus} processes a machine, or train with --device cpu"
            )
        torch.cuda.set_device(ranks.local_rank)  # what torch.device("cuda") is in this process
    dist.init_process_group("nccl" if kind == "cuda" else "gloo", rank=ranks.rank, world_size=ranks.size)
    try:
        yield
    finally:
        for job in list(_JOBS):
            job.close()
        dist.destroy_process_group()


class BatchLoss(nn.Module):
    """``model.batch_loss`` as a module's forward, the call DistributedDataParallel wraps."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, batch, state, device: torch.device):
        return self.model.batch_loss(batch, state, device)


class DataParallel(Place):
    """A trainer's part in its job: here one process alone, everything passed through."""

    rank, size = 0, 1

    def __init__(self, model: nn.Module) -> None:
        self.model = model

    @classmethod
    def of(cls, model: nn.Module) -> DataParallel:
        """The job of this process: a group's when it has joined one, else one process alone."""
        if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
            return GroupJob(model)
        return cls(model)

    def rows(self, batch, state) -> RankRows:
        """This rank's rows of ``batch`` and of the full carried ``state``."""
        return RankRows(batch, state, 1.0, 0, 0)

    def batch_loss(self, rows: RankRows, device: torch.device):
        """The model's loss on the rows (averaged over their own tokens) and their final state."""
        return self.model.batch_loss(rows.batch, rows.state, device)

    def weighted(self, loss: torch.Tensor, rows: RankRows) -> torch.Tensor:
        """The loss to differentiate, so that the ranks' mean gradient is the global batch's."""
        return loss

    def agree_on_step(self, loss: torch.Tensor, rows: RankRows, report_due: bool) -> tuple[float, bool]:
        """The global batch's loss, and whether this step reports its metrics."""
        return loss.detach().item(), report_due

    def carried_state(self, state, rows: RankRows):
        """The state to carry into the next batch, detached, for every row of the global batch."""
        return detach_state(state)

    def start_run(self) -> None:
        """A run begins: nothing the group agreed in an earlier one holds."""

    def hold_while_paused(self, control: TrainerControl, told: Callable[[bool], None]) -> None:
        """Between steps, wait while the run is paused, answering requests; ``told(True)`` as
        the pause begins and ``told(False)`` as it ends."""
        if control.paused:
            told(True)
            control.wait_while_paused()
            told(False)

    def stop_asked(self, control: TrainerControl) -> bool:
        """Whether the loop stops before its next step, on this process's word alone."""
        return control.stop_requested

    def agree_after_step(self, control: TrainerControl, early: str | None) -> tuple[bool, str | None]:
        """After a step (and rank 0's validation): whether every rank stops now because one was
        asked to, and the early stop of rank 0's settings; alone, the loop's own check stops it."""
        return False, early


class GroupJob(DataParallel):
    """A rank of a process group: DDP over the rows of the global batch (see the module's docstring)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__(model)
        self.rank, self.size = dist.get_rank(), dist.get_world_size()
        self.wrapped: nn.Module | None = nn.parallel.DistributedDataParallel(BatchLoss(model))  # rank 0's weights
        self._paused = False  # the group agreed, after the last step, that rank 0 pauses
        self._stopped = False  # ... and, while paused, that a rank was asked to stop
        _JOBS.add(self)

    def close(self) -> None:
        """Let go of the DDP wrapper, while the group still stands; the job trains no more."""
        self.wrapped = None

    def rows(self, batch, state) -> RankRows:
        return split_batch(batch, state, self.rank, self.size)

    def batch_loss(self, rows: RankRows, device: torch.device):
        if self.wrapped is None:
            raise WorkbenchError("this process has left its torchrun group: it trains no more")
        return self.wrapped(rows.batch, rows.state, device)

    def weighted(self, loss: torch.Tensor, rows: RankRows) -> torch.Tensor:
        return loss * (self.size * rows.share)

    def agree_on_step(self, loss: torch.Tensor, rows: RankRows, report_due: bool) -> tuple[float, bool]:
        values = torch.zeros(2, dtype=torch.float64, device=loss.device)
        values[0] = loss.detach().double() * rows.share
        values[1] = float(report_due and self.leads)
        dist.all_reduce(values)
        loss_value, report = values.tolist()
        return loss_value, report > 0

    def carried_state(self, state, rows: RankRows):
        state = detach_state(state)
        if state is None:
            return None
        parts = state if isinstance(state, tuple) else (state,)
        whole = tuple(self._gathered(part, rows.total) for part in parts)
        return whole if isinstance(state, tuple) else whole[0]

    def _gathered(self, part: torch.Tensor, total: int) -> torch.Tensor:
        """Every rank's rows of a state part (rows on axis 1), in rank order; padded to the most
        rows a rank has for the gather, which wants one shape."""
        most = -(-total // self.size)
        padded = torch.zeros((part.shape[0], most, *part.shape[2:]), dtype=part.dtype, device=part.device)
        padded[:, : part.shape[1]] = part
        gathered = [torch.empty_like(padded) for _ in range(self.size)]
        dist.all_gather(gathered, padded)
        spans = [row_span(total, rank, self.size) for rank in range(self.size)]
        return torch.cat([rows[:, : stop - start] for rows, (start, stop) in zip(gathered, spans)], dim=1)

    def start_run(self) -> None:
        self._paused = self._stopped = False

    def hold_while_paused(self, control: TrainerControl, told: Callable[[bool], None]) -> None:
        if not self._paused:
            return
        told(True)
        while True:
            if self.leads:
                control.serve_requests()
            time.sleep(PAUSE_POLL_S)
            paused, stop = self._all_reduced(float(control.paused and self.leads), float(control.stop_requested))
            if stop or not paused:
                break
        self._paused, self._stopped = False, stop > 0
        told(False)

    def stop_asked(self, control: TrainerControl) -> bool:
        return self._stopped  # a rank alone never stops: all stop where the group agreed

    def agree_after_step(self, control: TrainerControl, early: str | None) -> tuple[bool, str | None]:
        code = EARLY_STOPS.index(early) + 1 if early and self.leads else 0
        stops, code, paused = self._all_reduced(
            float(control.stop_requested), float(code), float(control.paused and self.leads)
        )
        self._paused = paused > 0
        return stops > 0, EARLY_STOPS[int(code) - 1] if code else None

    def _all_reduced(self, *values: float) -> list[float]:
        """The sums over the group's ranks of a few flags, each rank giving its own."""
        device = next(self.model.parameters()).device
        summed = torch.tensor(values, dtype=torch.float64, device=device)
        dist.all_reduce(summed)
        return summed.tolist()


def detach_state(state):
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()

"""A project: a model spec, its data, training settings, weights and everything training made.

``Project`` is the live form (torch modules, a trainer); ``project_file`` is the stored form
(HDF5 datasets plus JSON). This module converts between them, so that a project saved at step N
and opened again trains on exactly as it would have without the pause.
"""

from __future__ import annotations

import copy
import datetime
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from ... import __version__
from ..common.errors import ProjectError, WorkbenchError
from ..data import corpus_from_arrays
from ..events import ProbeSnapshot, SampleGenerated, Sink, discard
from ..model.builder import build_model
from ..model.parameter_count import spec_parameters
from ..model.templates import fit_to_task
from ..scoring.counted_baselines import counted_baselines
from ..spec import ModelSpec
from ..training.best_weights import BestWeights
from ..training.callbacks import Callback
from ..training.checkpoint import TrainerCheckpoint, check_checkpoint
from ..training.config import TrainConfig
from ..training.control import TrainerControl
from ..training.history import RunHistory
from ..training.memory_need import check_fits
from ..training.trainer import Trainer
from .probe_record import probe_from_record, probe_to_record
from .project_file import ProjectFile, Run
from .project_file_reader import read_project_file, streamed_datasets
from .project_file_writer import write_project_file
from .project_lock import ProjectLock, remove_stale_temporaries
from .run_table import recurrent_stack
from .snapshot import ProjectSnapshot
from .stored_records import run_history, sample_from_json, sample_to_json

COUNTED_KINDS = ("stream", "lines")  # language models' corpora, whose n-gram baselines are stored


class Project:
    def __init__(
        self,
        spec: ModelSpec,
        corpus,
        config: TrainConfig,
        model: torch.nn.Module,
        runs: list[RunHistory],
        checkpoint: TrainerCheckpoint | None = None,
        samples: list[SampleGenerated] | None = None,
        probe: ProbeSnapshot | None = None,
        path: Path | None = None,
        best: BestWeights | None = None,
    ) -> None:
        self.spec = spec
        self.corpus = corpus
        self.config = config
        self.model = model
        self.runs = runs  # the last one is the run training continues
        self.path = path
        self._checkpoint = checkpoint  # trainer state read from the file, applied on first use
        self._samples = samples or []
        self._probe = probe
        self._best = best  # read from the file, handed to the trainer when it is made
        self._trainer: Trainer | None = None
        self._lock: ProjectLock | None = None  # while this process is the writer of a file (open, save)

    @classmethod
    def create(cls, spec: ModelSpec, corpus, config: TrainConfig) -> Project:
        """A new, untrained project: the spec is sized to the corpus's task."""
        config = config.check()
        spec = fit_to_task(spec, corpus.task()).check()
        corpus.check_fits(config.batch_size, config.seq_len)
        check_fits(spec, config)
        if corpus.kind in COUNTED_KINDS and "counted_baselines" not in corpus.description:
            corpus.description["counted_baselines"] = counted_baselines(corpus)  # what counting alone achieves
        torch.manual_seed(config.seed)
        model = build_model(spec)
        run = RunHistory("run-001", meta=_run_meta(spec))
        return cls(spec, corpus, config, model, [run])

    # -- training -----------------------------------------------------------------------

    @property
    def step(self) -> int:
        if self._trainer is not None:
            return self._trainer.step
        return self._checkpoint.step if self._checkpoint else 0

    @property
    def history(self) -> RunHistory:
        return self.runs[-1]

    @property
    def samples(self) -> list[SampleGenerated]:
        return self._trainer.samples if self._trainer else self._samples

    @property
    def latest_probe(self) -> ProbeSnapshot | None:
        return self._trainer.latest_probe if self._trainer else self._probe

    @property
    def best(self) -> BestWeights | None:
        """The weights after the lowest validation loss so far (``training.best_weights``), or None."""
        return self._trainer.best if self._trainer else self._best

    def model_with(self, weights: str = "best") -> torch.nn.Module:
        """The model with the ``"best"`` weights (the latest when there is no best) or the
        ``"latest"``; the best come in a copy, so the model that trains keeps its own."""
        if weights not in ("best", "latest"):
            raise WorkbenchError(f"the weights are 'best' or 'latest', not {weights!r}")
        best = self.best
        if weights == "latest" or best is None:
            return self.model
        model = copy.deepcopy(self.model)
        model.load_state_dict(best.weights)
        return model

    def with_weights(self, weights: str = "best") -> Project:
        """This project, for reading (sampling, exporting), with ``model_with(weights)`` as its
        model: it shares everything else, holds no lock, and is neither saved nor trained."""
        reader = copy.copy(self)
        reader.model, reader._lock = self.model_with(weights), None
        return reader

    def trainer(
        self, sink: Sink | None = None, callbacks: list[Callback] | None = None, control: TrainerControl | None = None
    ) -> Trainer:
        """The project's trainer (made once, on the device of ``config.device``); what is given
        replaces the trainer's own, what is not is kept (a trainer made without a sink discards)."""
        if self._trainer is None:
            trainer = Trainer(
                self.model, self.corpus, self.config, sink or discard, callbacks, self.history, control, self._best
            )
            if self._checkpoint is not None:
                self._checkpoint.restore(trainer)
            trainer.samples = list(self._samples)
            trainer.latest_probe = self._probe
            self._trainer = trainer
            return trainer
        if sink is not None:
            self._trainer.sink = sink
        if callbacks is not None:
            self._trainer.callbacks = list(callbacks)
        if control is not None:
            self._trainer.control = control
        return self._trainer

    def use_device(self, device: str) -> None:
        """Train on ``device`` from now on (before the trainer is made)."""
        if self._trainer is not None and self._trainer.config.device != device:
            raise WorkbenchError("the device cannot change while the project is training")
        self.config = replace(self.config, device=device)

    def set_config(self, config: TrainConfig) -> None:
        """New training settings, from the next step on, even mid-run (see ``Trainer.reconfigure``)."""
        config = config.check()
        self.corpus.check_fits(config.batch_size, config.seq_len)
        if self._trainer is not None or self._checkpoint is not None:
            # A saved run's optimizer state and data position are restored into a trainer made
            # with the old settings, and then changed as a running trainer's would be.
            self.trainer().reconfigure(config)
        self.config = config

    def add_training_line(self, line) -> None:
        """A handwriting line (the user's own, from the pad) joins the training data.

        A trainer already made reads it from its next epoch on.
        """
        self.corpus.add_line(line)
        if self._trainer is not None:
            self._trainer.renew_batches()

    def reseed(self, seed: int) -> None:
        """Make what trains next a run of ``seed``: the same seed on the same project gives the
        same losses, bit for bit on the CPU.

        A project that has not trained yet draws its weights anew from ``seed``; one that has
        keeps its weights and its place in the data, and takes from ``seed`` its dropout from the
        next step and its data order from the next epoch (this epoch's order is already drawn).
        """
        config = replace(self.config, seed=seed)
        if self.step == 0:
            self.set_config(config)
            self.rebuild(seed=seed)
            return
        self.set_config(config)
        self.trainer()  # restores the saved position and random states first...
        torch.manual_seed(seed)  # ...which the seed then replaces

    def rebuild(self, spec: ModelSpec | None = None, seed: int | None = None) -> None:
        """A fresh model — from a new spec, or the same spec with new weights — as a new run.

        Earlier runs stay in the project so their curves can be compared with the new one; a
        run that never trained is replaced rather than kept. The weights are drawn from ``seed``,
        by default one of the run's own (new weights for each run).
        """
        if self._trainer is not None and self._trainer.control.paused:
            raise WorkbenchError("stop the paused run before changing the model")
        spec = (spec or self.spec).check()
        if fit_to_task(spec, self.corpus.task()) != spec:
            raise WorkbenchError("the model's vocabulary or outputs do not match the project's data")
        check_fits(spec, self.config)
        torch.manual_seed(self.config.seed + len(self.runs) if seed is None else seed)
        self.spec, self.model = spec, build_model(spec)
        if not self.history.steps:
            self.runs.pop()
        self.runs.append(RunHistory(f"run-{len(self.runs) + 1:03d}", meta=_run_meta(spec)))
        self._trainer = self._checkpoint = self._probe = self._best = None
        self._samples = []

    def snapshot(self) -> ProjectSnapshot:
        """Copies of what a window shows, safe to hand to another thread."""
        return ProjectSnapshot(
            path=self.path,
            spec=self.spec,
            config=self.config,
            step=self.step,
            data_description=dict(self.corpus.description),
            data_stats=dict(self.corpus.stats()),
            data_preview=self.corpus.preview(),
            runs=copy.deepcopy(self.runs),
            samples=list(self.samples),
            latest_probe=self.latest_probe,
            best=None if self.best is None else (self.best.step, self.best.val_loss),
        )

    # -- saving and opening -------------------------------------------------------------

    def save(self, path: str | Path | None = None, *, lock: bool | None = None) -> Path:
        """Write the project atomically to ``path`` (or where it was opened from).

        Refused (ProjectLocked) while another process writes ``path``. A project holding the lock
        of ``path`` writes at once; otherwise it locks ``path`` while it writes, and keeps that
        lock if ``lock`` (by default, if it held one: a save as moves the lock to the new file).
        """
        target = Path(path) if path is not None else self.path
        if target is None:
            raise WorkbenchError("the project has no file yet: choose where to save it")
        if self._lock is not None and self._lock.holds(target):
            self._write(target)
        else:
            self._write_locked(target, keep_lock=self._lock is not None if lock is None else lock)
        self.path = target
        return target

    def save_copy(self, path: str | Path) -> Path:
        """Write the project to ``path`` (an autosave) and stay the project of its own file: its
        path, its lock and the file a streamed corpus is read from stay as they were."""
        target = Path(path)
        taken = ProjectLock.acquire(target)
        try:
            remove_stale_temporaries(target)
            self._write(target, follow=False)
        finally:
            taken.release()
        return target

    def _write_locked(self, target: Path, keep_lock: bool) -> None:
        taken = ProjectLock.acquire(target)
        try:
            remove_stale_temporaries(target)
            self._write(target)
        except BaseException:
            taken.release()
            raise
        if keep_lock:
            self.close()
            self._lock = taken
        else:
            taken.release()

    def _write(self, target: Path, follow: bool = True) -> None:
        """``follow``: a streamed corpus reads from ``target`` from now on (it is the project's file)."""
        if self._trainer is not None:
            self._trainer.settle()  # never a NaN saved as if trained: the file would not open again
        checkpoint = TrainerCheckpoint.capture(self._trainer) if self._trainer else self._checkpoint
        weights = {name: value.detach().float().cpu().numpy().copy() for name, value in self.model.state_dict().items()}
        probe_meta, probe_arrays = probe_to_record(self.latest_probe)
        best_meta, best_weights = self.best.record() if self.best else (None, None)
        write_project_file(
            target,
            ProjectFile(
                spec=self.spec.to_dict(),
                data_description=self.corpus.description,
                vocabulary=self.corpus.vocab.to_json(),
                data_arrays=self.corpus.arrays(),
                train_config=self.config.to_dict(),
                weights=weights,
                optimizer=checkpoint.optimizer if checkpoint else None,
                trainer_state=checkpoint.state if checkpoint else {"step": 0},
                trainer_arrays=checkpoint.arrays if checkpoint else {"torch_rng": torch.get_rng_state().numpy()},
                runs=[Run(run.name, run.meta, run.series()) for run in self.runs],
                samples=[sample_to_json(sample) for sample in self.samples],
                probe_meta=probe_meta,
                probe_arrays=probe_arrays,
                created_with=f"Sequence Workbench {__version__}",
                best_meta=best_meta,
                best_weights=best_weights,
            ),
        )
        repoint = getattr(self.corpus, "repoint", None)  # a corpus read from disk reads the new file
        if follow and repoint is not None:
            repoint(streamed_datasets(target))

    def writes(self, path: str | Path) -> bool:
        """Whether this project holds the writer's lock of ``path``."""
        return self._lock is not None and self._lock.holds(path)

    def take_lock_of(self, other: Project) -> None:
        """Become the writer of ``other``'s file in its place: a file opened again is read while
        its old project's lock keeps other writers out, and only then handed over."""
        self.close()
        self._lock, other._lock = other._lock, None

    def close(self) -> None:
        """Let another process write the project's file: the lock ``open`` or ``save`` took goes."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    @classmethod
    def _open_locked(cls, path: Path) -> Project:
        """``open`` as the file's writer: locked before reading, so no other writer saves over
        what was read; a save killed mid-write left temporaries, removed now."""
        if not path.is_file():
            return cls.open(path)  # which says what is wrong with it, rather than that it takes no lock
        taken = ProjectLock.acquire(path)
        try:
            remove_stale_temporaries(path)
            project = cls.open(path)
        except BaseException:
            taken.release()
            raise
        project._lock = taken
        return project

    @classmethod
    def open(cls, path: str | Path, lock: bool = False) -> Project:
        """Read a project; every problem with the file becomes one ProjectError naming it.

        ``lock``: as the file's writer, holding its lock until ``close`` (refused, ProjectLocked,
        while another process writes it); readers need none.
        """
        if lock:
            return cls._open_locked(Path(path))
        path = Path(path)
        built: dict = {}

        def weight_shapes(spec_json: dict, config_json: dict) -> dict[str, tuple[int, ...]]:
            """Before the weights are read: the spec and settings hold, and the weights the model
            has (from a model on the meta device, which allocates nothing: a small file's spec
            may describe a huge model)."""
            built["spec"] = spec = ModelSpec.from_dict(spec_json).check()
            built["config"] = TrainConfig.from_dict(config_json)  # checked as it is made
            with torch.device("meta"):
                shapes = build_model(spec).state_dict()
            return {name: tuple(value.shape) for name, value in shapes.items()}

        stored = read_project_file(path, weight_shapes)
        spec, config = built["spec"], built["config"]
        model = build_model(spec)  # as large as the stored weights, whose size the file's check bounded
        try:
            corpus = corpus_from_arrays(stored.data_description, stored.vocabulary, stored.data_arrays)
            corpus.stats(), corpus.preview()  # what `info` and the window show first: fail here if at all
            if fit_to_task(spec, corpus.task()) != spec:
                raise ProjectError(f"the model ({spec.describe()}) does not fit the project's data")
            model.load_state_dict(_finite_weights(stored.weights))
            runs = [run_history(run) for run in stored.runs]
            checkpoint = TrainerCheckpoint(stored.trainer_state, stored.trainer_arrays, stored.optimizer)
            check_checkpoint(checkpoint, model, corpus, config)
            samples = [sample_from_json(item) for item in stored.samples]
            probe = probe_from_record(stored.probe_meta, stored.probe_arrays, spec)
            best = None if stored.best_meta is None else BestWeights.from_record(stored.best_meta, stored.best_weights)
        except WorkbenchError as error:
            raise ProjectError(f"{path}: {error}") from None
        except (KeyError, ValueError, TypeError, RuntimeError, IndexError, AttributeError, OverflowError) as error:
            # What the checks above missed still ends in one line, never a traceback.
            first_line = (str(error).splitlines() or [type(error).__name__])[0]
            raise ProjectError(f"{path} is damaged or inconsistent: {first_line}") from None
        if not runs:
            runs = [RunHistory("run-001", meta=_run_meta(spec))]
        return cls(spec, corpus, config, model, runs, checkpoint, samples, probe, path, best)

    def summary(self) -> dict:
        """What ``workbench info`` shows: JSON-able."""
        history = self.history
        return {
            "file": str(self.path) if self.path else None,
            "model": self.spec.describe(),
            "spec": self.spec.to_dict(),
            "parameters": sum(p.numel() for p in self.model.parameters()),
            "data": {**self.corpus.description, **self.corpus.stats()},
            "training": self.config.to_dict(),
            "step": self.step,
            "runs": [{"name": run.name, "steps": len(run.steps), **run.meta} for run in self.runs],
            "recent_train_loss": history.recent_loss(),
            "last_validation": (
                {
                    "step": history.val_steps[-1],
                    "loss": history.val_losses[-1],
                    "accuracy": None if math.isnan(history.val_accuracies[-1]) else history.val_accuracies[-1],
                    "whole": history.val_whole[-1],
                }
                if history.val_steps
                else None
            ),
            "samples": [sample.text for sample in self.samples[-3:]],
            "best": self.best.summary() if self.best else None,
        }


def _run_meta(spec: ModelSpec) -> dict:
    stack = recurrent_stack(spec)
    return {
        "model": spec.describe(),
        "cell": spec.encoder.cell,
        "hidden_size": stack.hidden_size,  # what `runs` shows of the run once another model follows it
        "layers": stack.num_layers,
        "parameters": spec_parameters(spec),
        "started": datetime.datetime.now().isoformat(timespec="seconds"),
    }


def _finite_weights(weights: dict) -> dict[str, torch.Tensor]:
    """The stored weights as tensors; a NaN or infinity is never taken for a trained weight."""
    for name, value in weights.items():
        if not np.isfinite(value).all():
            raise ProjectError(f"the weight {name} holds NaN or infinite values (saved from a run that diverged?)")
    return {name: torch.from_numpy(value) for name, value in weights.items()}

"""A run's wall time (its training time, pauses left out, over all its sessions), and what a run's
events tell of the best weights kept."""

import math
import re

import numpy as np
import pytest
from tiny import FakeClock, Recorder, make_project, write_text_corpus

from workbench.engine.common.errors import ProjectError
from workbench.engine.events import RunFinished, ValidationResult
from workbench.engine.project.project import Project
from workbench.engine.project.run_table import format_run_table, run_rows, wall_time_text
from workbench.engine.training.callbacks import Callback
from workbench.engine.training.control import TrainerControl
from workbench.engine.training.history import RunHistory
from workbench.engine.training.trainer import Trainer


class StepsTake(Callback):
    """Each training step takes ``seconds`` on ``clock``; the run stops itself at ``stop_at``."""

    def __init__(self, clock: FakeClock, seconds: float, stop_at: int | None = None) -> None:
        self.clock, self.seconds, self.stop_at = clock, seconds, stop_at

    def on_step_end(self, trainer) -> None:
        self.clock.now += self.seconds
        if trainer.step == self.stop_at:
            trainer.control.stop()


class PausedOnce(TrainerControl):
    """A control paused before every step, its third wait a pause of ``seconds`` on ``clock``
    (the others end at once)."""

    def __init__(self, clock: FakeClock, seconds: float) -> None:
        super().__init__()
        self.clock, self.seconds, self.waits = clock, seconds, 0

    @property
    def paused(self) -> bool:
        return True

    def wait_while_paused(self, poll_s: float = 0.05) -> None:
        self.waits += 1
        if self.waits == 3:
            self.clock.now += self.seconds


def trainer_on(
    project: Project, clock: FakeClock, callback: Callback, control: TrainerControl | None = None
) -> Trainer:
    return Trainer(
        project.model, project.corpus, project.config, callbacks=[callback], history=project.history,
        control=control, clock=clock,
    )  # fmt: skip


def test_a_run_records_its_training_time_without_its_pauses(tmp_path):
    project = make_project(write_text_corpus(tmp_path))
    clock = FakeClock()
    trainer = trainer_on(project, clock, StepsTake(clock, 2.0), PausedOnce(clock, 600.0))
    trainer.run(5)
    assert project.history.wall_s == 10.0  # five steps of 2 s; the ten minutes paused are not counted


def test_the_wall_time_adds_up_over_a_stop_a_resume_and_a_reopened_file(tmp_path):
    project = make_project(write_text_corpus(tmp_path))
    clock = FakeClock()
    outcome = trainer_on(project, clock, StepsTake(clock, 3.0, stop_at=4)).run(100)
    assert (outcome.reason, project.history.wall_s) == ("stopped", 12.0)
    trainer_on(project, clock, StepsTake(clock, 3.0)).run(2)  # the same run, resumed
    assert project.history.wall_s == 18.0
    reopened = Project.open(project.save(tmp_path / "p.h5"))
    assert reopened.history.wall_s == 18.0
    trainer_on(reopened, clock, StepsTake(clock, 0.5)).run(4)
    assert reopened.history.wall_s == 20.0
    (row,) = run_rows(reopened)
    assert row.wall_s == 20.0
    header, line = format_run_table([row]).splitlines()
    assert "wall time" in header and "20 s" in line


def test_a_run_from_before_wall_times_shows_a_dash(tmp_path):
    project = make_project(write_text_corpus(tmp_path))
    clock = FakeClock()
    trainer_on(project, clock, StepsTake(clock, 1.0)).run(3)
    del project.history.meta["wall_s"]  # as a file written before runs recorded it
    reopened = Project.open(project.save(tmp_path / "p.h5"))
    assert reopened.history.wall_s is None
    (row,) = run_rows(reopened)
    header, line = (re.split(r"\s{2,}", text.strip()) for text in format_run_table([row]).splitlines())
    assert row.wall_s is None and header[8] == "wall time" and line[8] == "—"


@pytest.mark.parametrize("stored", ["12", -1.0, math.nan, math.inf, True, None])
def test_a_damaged_wall_time_is_refused_in_one_line(stored):
    with pytest.raises(ProjectError, match="runs/run-001's wall_s"):
        RunHistory.from_series("run-001", {"wall_s": stored}, {"step": np.arange(1, 3)})


def test_wall_times_read_in_seconds_minutes_or_hours():
    assert [wall_time_text(s) for s in (None, 0.4, 45, 725, 3 * 3600 + 7 * 60 + 20)] == [
        "—",
        "0 s",
        "45 s",
        "12 min 05 s",
        "3 h 07 min",
    ]


def test_validations_tell_the_best_kept_and_the_end_of_a_run_its_step(tmp_path):
    project = make_project(write_text_corpus(tmp_path), val_every=2, val_batches=1, learning_rate=1e-2)
    recorder = Recorder()
    project.trainer(recorder).run(10)
    periodic = recorder.of(ValidationResult)[:-1]  # the last one scores the whole split
    assert [event.step for event in periodic] == [2, 4, 6, 8]
    for index, event in enumerate(periodic):
        lowest = min(periodic[: index + 1], key=lambda earlier: earlier.loss)
        assert (event.best_step, event.best_loss) == (lowest.step, lowest.loss)
    last = recorder.of(ValidationResult)[-1]
    assert (last.best_step, last.best_loss) == (project.best.step, project.best.val_loss)
    assert recorder.of(RunFinished)[-1].kept_step == project.best.step


def test_a_run_never_validated_keeps_no_step(tmp_path):
    recorder = Recorder()
    project = make_project(write_text_corpus(tmp_path))
    clock = FakeClock()
    trainer = Trainer(project.model, project.corpus, project.config, recorder, [StepsTake(clock, 1.0, 2)], clock=clock)
    trainer.run(10)
    assert recorder.of(RunFinished)[-1].kept_step is None and trainer.best is None

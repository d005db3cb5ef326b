"""The best weights: kept beside the latest at every better validation of the same scope, saved
with the project, checked as the weights are when it is opened."""

import math
from dataclasses import replace

import h5py
import numpy as np
import pytest
import torch
from tiny import Recorder, make_project, write_text_corpus

from workbench.engine.common.errors import ProjectError, WorkbenchError
from workbench.engine.events import RunFinished
from workbench.engine.project.project import Project
from workbench.engine.project.project_file_reader import read_project_file
from workbench.engine.project.project_file_writer import write_project_file
from workbench.engine.training.best_weights import BestKeeper, ValidationScope
from workbench.engine.training.callbacks import Callback
from workbench.engine.training.config import TrainConfig
from workbench.engine.training.run_end import PATIENCE, TIME_LIMIT, why_stopped
from workbench.engine.training.trainer import Trainer

QUICK = ValidationScope(batches=2, batch_size=4, seq_len=16, seed=1)


def small_model() -> torch.nn.Linear:
    torch.manual_seed(0)
    return torch.nn.Linear(3, 2)


def test_the_keeper_keeps_a_copy_at_each_lower_loss_and_counts_the_others():
    model, keeper = small_model(), BestKeeper()
    outcomes = [keeper.consider(model, step, loss, QUICK) for step, loss in ((10, 3.0), (20, 2.0), (30, 2.0))]
    assert outcomes == [True, True, False]  # a tie is no improvement
    kept = model.weight.detach().clone()
    with torch.no_grad():
        model.weight.add_(1.0)
    assert not keeper.consider(model, 40, 2.5, QUICK) and not keeper.consider(model, 50, math.nan, QUICK)
    assert (keeper.best.step, keeper.best.val_loss, keeper.without_improvement) == (20, 2.0, 3)
    assert torch.equal(keeper.best.weights["weight"], kept)  # a copy: the model trained on
    assert keeper.best.weights["weight"].device.type == "cpu"
    keeper.start_run()
    assert keeper.without_improvement == 0 and keeper.best.step == 20


def test_a_loss_of_another_scope_compares_with_nothing_and_becomes_the_best():
    keeper = BestKeeper()
    keeper.consider(small_model(), 10, 1.0, QUICK)
    whole = ValidationScope(batches=0, batch_size=4, seq_len=16, seed=1)
    assert keeper.consider(small_model(), 20, 5.0, whole)
    assert (keeper.best.step, keeper.best.scope) == (20, whole)


def test_the_scope_is_the_quick_sample_or_the_whole_split_when_it_covers_it():
    config = TrainConfig(batch_size=4, seq_len=16, seed=1, val_batches=2)
    assert ValidationScope.of(config, 10) == QUICK
    assert ValidationScope.of(config, 2).batches == 0
    assert ValidationScope.of(TrainConfig(val_batches=0), 10).batches == 0


def test_a_run_keeps_the_weights_of_its_best_quick_validation(tmp_path):
    project = make_project(write_text_corpus(tmp_path), val_every=3, val_batches=1)
    trainer = project.trainer()
    trainer.run(12)
    history = project.history
    assert history.val_steps == [3, 6, 9, 12] and history.val_whole == [False, False, False, True]
    # the whole split at step 12 is another scope: the same weights' quick score competes
    quick = {3: history.val_losses[0], 6: history.val_losses[1], 9: history.val_losses[2]}
    quick[12] = trainer.evaluate().loss
    best_step = min(quick, key=quick.get)
    best = project.best
    assert best.step == best_step and best.val_loss == pytest.approx(quick[best_step], rel=1e-6)
    assert best.scope == ValidationScope.of(project.config, trainer.evaluate(whole=True).of_batches)
    assert best.scope.batches == 1
    assert project.summary()["best"] == {"step": best.step, "val_loss": best.val_loss}


def test_a_stop_during_the_final_validation_keeps_no_best_from_it(tmp_path):
    from workbench.engine.events import TaskProgress

    project = make_project(write_text_corpus(tmp_path), val_batches=1)
    trainer = project.trainer()
    trainer.sink = lambda event: trainer.control.stop() if isinstance(event, TaskProgress) else None
    trainer.run(3)
    assert project.history.val_whole == [False] and project.best is None


def test_the_best_weights_survive_save_open_and_resume(tmp_path):
    project = make_project(write_text_corpus(tmp_path), val_every=2, val_batches=1)
    project.trainer().run(6)
    best = project.best
    project.save(tmp_path / "p.h5")
    reopened = Project.open(tmp_path / "p.h5")
    assert (reopened.best.step, reopened.best.val_loss, reopened.best.scope) == (best.step, best.val_loss, best.scope)
    for name, value in best.weights.items():
        assert torch.equal(reopened.best.weights[name], value)
    assert reopened.trainer().best is reopened.best  # the trainer compares with what was kept
    reopened.trainer().run(4)
    assert reopened.best.step >= best.step and reopened.best.val_loss <= best.val_loss
    reopened.save()
    again = Project.open(tmp_path / "p.h5")
    assert (again.best.step, again.best.val_loss) == (reopened.best.step, reopened.best.val_loss)


def test_a_project_never_validated_has_no_best_and_saves_none(tmp_path):
    project = make_project(write_text_corpus(tmp_path))
    assert project.best is None and project.summary()["best"] is None
    path = project.save(tmp_path / "p.h5")
    with h5py.File(path, "r") as file:
        assert "best" not in file
    assert Project.open(path).best is None


def test_a_file_from_before_the_best_opens_as_before(tmp_path):
    project = make_project(write_text_corpus(tmp_path), val_every=2, val_batches=1)
    project.trainer().run(4)
    stored = read_project_file(project.save(tmp_path / "p.h5"))
    stored.best_meta = stored.best_weights = None
    old = tmp_path / "old.h5"
    write_project_file(old, stored)
    with h5py.File(old, "a") as file:
        file.attrs["format_version"] = 1  # as version 1 wrote it: the attribute is outside the digest
    opened = Project.open(old)
    assert opened.best is None and opened.step == 4
    assert opened.trainer().run(2).reason == "completed" and opened.best.step == 6


def test_the_file_keeps_the_best_beside_the_weights(tmp_path):
    project = make_project(write_text_corpus(tmp_path), val_every=2, val_batches=1)
    project.trainer().run(4)
    path = project.save(tmp_path / "p.h5")
    with h5py.File(path, "r") as file:
        assert sorted(file["best"]) == ["meta", "weights"]
        assert sorted(file["best/weights"]) == sorted(file["weights"])
    stored = read_project_file(path)
    assert set(stored.best_meta) == {"step", "val_loss", "scope"}


@pytest.fixture
def saved_with_best(tmp_path):
    project = make_project(write_text_corpus(tmp_path), val_every=2, val_batches=1)
    project.trainer().run(4)
    return project.save(tmp_path / "p.h5")


def first_weight(stored) -> str:
    return next(iter(stored.best_weights))


CRAFTED = {
    "a weight of the wrong shape": (
        lambda s: s.best_weights.update({first_weight(s): np.zeros((2, 3), np.float32)}),
        "/best/weights/",
    ),
    "a weight missing": (lambda s: s.best_weights.pop(first_weight(s)), "/best/weights has no"),
    "a weight too many": (lambda s: s.best_weights.update({"extra": np.zeros(2, np.float32)}), "not a weight"),
    "a NaN weight": (
        lambda s: s.best_weights.update({first_weight(s): s.best_weights[first_weight(s)] * np.nan}),
        "best weight",
    ),
    "a step that is no step": (lambda s: s.best_meta.update(step=-1), "best/meta's step"),
    "a flag for a step": (lambda s: s.best_meta.update(step=True), "best/meta's step"),
    "an infinite loss": (lambda s: s.best_meta.update(val_loss=math.inf), "val_loss"),
    "a field too many": (lambda s: s.best_meta.update(extra=1), "best/meta is damaged"),
    "a scope without its seed": (lambda s: s.best_meta["scope"].pop("seed"), "scope is damaged"),
    "a scope of no batches": (lambda s: s.best_meta["scope"].update(batch_size=0), "batch_size"),
}


@pytest.mark.parametrize("case", CRAFTED)
def test_crafted_best_weights_are_refused_in_one_line(saved_with_best, tmp_path, case):
    change, words = CRAFTED[case]
    stored = read_project_file(saved_with_best)
    change(stored)
    path = tmp_path / "crafted.h5"
    write_project_file(path, stored)
    with pytest.raises(ProjectError) as caught:
        Project.open(path)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message and words in message, message


# -- runs that end early: patience and a time limit ---------------------------------------------


class FakeClock:
    """Minutes that pass as the test says: each step takes ``step_s`` seconds."""

    def __init__(self, step_s: float) -> None:
        self.now, self.step_s = 0.0, step_s

    def __call__(self) -> float:
        return self.now


class Ticks(Callback):
    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock

    def on_step_end(self, trainer) -> None:
        self.clock.now += self.clock.step_s


def standing_still(tmp_path, **config) -> Project:
    """A project whose weights do not move (a learning rate far below float32's resolution), so
    every validation ties the first: none is better."""
    return make_project(write_text_corpus(tmp_path), learning_rate=1e-30, grad_clip=0.0, **config)


def test_patience_stops_a_run_after_so_many_validations_without_a_better_loss(tmp_path):
    project = standing_still(tmp_path, val_every=1, val_batches=1, patience=2)
    recorder = Recorder()
    outcome = project.trainer(recorder).run(50)
    assert (outcome.reason, outcome.step) == (PATIENCE, 3)
    assert outcome.message == "no better validation loss for 2 validations"
    assert recorder.of(RunFinished)[-1].reason == PATIENCE
    assert project.best.step == 1  # the first validation, which the others only tied
    assert project.history.val_whole[-1] and project.history.val_steps[-1] == 3  # scored as a completed run is


def test_each_run_gets_its_full_patience(tmp_path):
    project = standing_still(tmp_path, val_every=1, val_batches=1, patience=2)
    project.trainer().run(50)
    assert project.trainer().run(50).step == 3 + 2  # two validations more, not one


def test_a_time_limit_stops_a_run_on_the_trainer_s_clock(tmp_path):
    project = make_project(write_text_corpus(tmp_path), max_minutes=1.0)
    clock = FakeClock(step_s=20)
    trainer = Trainer(project.model, project.corpus, project.config, callbacks=[Ticks(clock)], clock=clock)
    outcome = trainer.run(50)
    assert (outcome.reason, outcome.step) == (TIME_LIMIT, 3)
    assert outcome.message == "the 1-minute time limit was reached"
    assert trainer.history.val_whole == [True] and trainer.best.step == 3


def test_a_limit_met_at_the_last_step_is_a_completed_run(tmp_path):
    project = make_project(write_text_corpus(tmp_path), max_minutes=1.0)
    clock = FakeClock(step_s=20)
    trainer = Trainer(project.model, project.corpus, project.config, callbacks=[Ticks(clock)], clock=clock)
    assert trainer.run(3).reason == "completed"


def test_patience_and_the_time_limit_are_settings_kept_with_the_project(tmp_path):
    project = make_project(write_text_corpus(tmp_path), patience=4, max_minutes=2.5)
    reopened = Project.open(project.save(tmp_path / "p.h5"))
    assert (reopened.config.patience, reopened.config.max_minutes) == (4, 2.5)
    assert (TrainConfig.from_dict({}).patience, TrainConfig.from_dict({}).max_minutes) == (0, 0.0)  # off
    assert why_stopped(TIME_LIMIT, TrainConfig(max_minutes=0.5)) == "the 0.5-minute time limit was reached"
    assert why_stopped(PATIENCE, TrainConfig(patience=1)) == "no better validation loss for 1 validation"
    for bad in ({"patience": -1}, {"patience": 1.5}, {"max_minutes": -1}, {"max_minutes": math.inf}):
        with pytest.raises(WorkbenchError):
            TrainConfig.from_dict(bad)


def test_new_settings_score_the_best_anew_and_a_worse_model_does_not_replace_it(tmp_path):
    project = make_project(write_text_corpus(tmp_path), val_every=4, val_batches=1, learning_rate=1e-2)
    project.trainer().run(24)
    best = project.best
    project.set_config(replace(project.config, seed=7, learning_rate=3.0))  # another quick sample, a wild rate
    project.trainer().run(8)
    assert project.history.val_losses[-1] > best.val_loss  # the model got worse...
    kept = project.best
    assert kept.step == best.step and kept.scope.seed == 7  # ...so the best stays, scored in the new scope
    for name, value in best.weights.items():
        assert torch.equal(kept.weights[name], value)


def test_a_fall_back_forgets_a_best_from_the_steps_it_erased(tmp_path):
    project = make_project(write_text_corpus(tmp_path), val_every=2, val_batches=1)
    trainer = project.trainer()
    trainer.run(4)
    early = project.best
    trainer.best_keeper.consider(trainer.model, 9, early.val_loss / 2, early.scope)  # a best at a later step
    trainer.best_keeper.forget_after(6)
    assert project.best is None
    trainer.best_keeper.consider(trainer.model, 4, early.val_loss, early.scope)
    trainer.best_keeper.forget_after(6)
    assert project.best.step == 4  # a best from before the step gone back to stays


def test_time_spent_paused_is_not_training_time():
    from workbench.engine.training.run_end import EarlyStop

    now = [0.0]
    early = EarlyStop(lambda: now[0])
    config = TrainConfig(max_minutes=1.0)
    now[0] = 30.0
    early.paused_for(lambda: now.__setitem__(0, 630.0))  # ten minutes paused
    assert early.reason(config, 0) is None  # 30 s of training so far
    now[0] = 660.0
    assert early.reason(config, 0) == TIME_LIMIT  # 60 s of training

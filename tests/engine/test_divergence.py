"""A diverging run is caught, and what it leaves (weights, position, history, file) is the last sound state."""

import re
from dataclasses import replace

import pytest
import torch
from tiny import Recorder, make_project

from workbench.cli import main
from workbench.engine.events import RunFailed, StepMetrics, ValidationResult
from workbench.engine.project.project import Project
from workbench.engine.project.starters import demo_project
from workbench.engine.training.callbacks import Callback
from workbench.engine.training.divergence import LOSS_FACTOR, LOSS_PATIENCE, LossWatch
from workbench.engine.training.history import RunHistory


def weights_of(model):
    return {name: value.detach().clone() for name, value in model.state_dict().items()}


def assert_same_weights(model, expected):
    for name, value in model.state_dict().items():
        torch.testing.assert_close(value, expected[name], rtol=0, atol=0)


def all_finite(model):
    return all(bool(torch.isfinite(value).all()) for value in model.state_dict().values())


class WeightsAfterEachStep(Callback):
    def __init__(self):
        self.weights = {}

    def on_step_end(self, trainer):
        self.weights[trainer.step] = weights_of(trainer.model)


class PoisonAt(Callback):
    """Makes one weight NaN after ``step``, as an overflowing update would."""

    def __init__(self, step):
        self.step = step

    def on_step_end(self, trainer):
        if trainer.step == self.step:
            with torch.no_grad():
                next(trainer.model.parameters()).view(-1)[0] = float("nan")


def test_nan_weights_after_the_first_step_save_the_untrained_ones(lines_corpus, tmp_path):
    project = make_project(lines_corpus)
    untrained = weights_of(project.model)
    outcome = project.trainer(callbacks=[PoisonAt(1)]).run(20)
    assert outcome.reason == "failed" and outcome.step == 0
    assert outcome.message.startswith(
        "the loss became nan at step 2; training stopped and the weights are back to those after step 0"
    )
    project.save(tmp_path / "p.h5")
    opened = Project.open(tmp_path / "p.h5")
    assert opened.step == 0 and opened.history.steps == []
    assert all_finite(opened.model)
    assert_same_weights(opened.model, untrained)


def test_nan_weights_from_a_runs_last_step_are_never_kept(lines_corpus, tmp_path):
    """The last step's weights have no next loss to show them unsound: the run's end looks, and
    so does a save in the middle of a run (a save between steps, like SaveEvery's)."""
    project = make_project(lines_corpus)
    untrained = weights_of(project.model)
    outcome = project.trainer(callbacks=[PoisonAt(1)]).run(1)
    assert outcome.reason == "failed" and outcome.step == 0
    assert outcome.message.startswith("the weights' norm became nan after step 1")
    assert_same_weights(project.model, untrained)

    poisoned = make_project(lines_corpus)
    poisoned.trainer().run(3)
    with torch.no_grad():
        next(poisoned.model.parameters()).view(-1)[0] = float("inf")
    opened = Project.open(poisoned.save(tmp_path / "p.h5"))  # a NaN saved would not open again
    assert all_finite(opened.model) and opened.step == 0


def test_a_learning_rate_that_wrecks_the_weights_in_one_step_saves_the_untrained_ones(lines_corpus, tmp_path):
    project = make_project(lines_corpus, learning_rate=1e37)
    untrained = weights_of(project.model)
    seen = WeightsAfterEachStep()
    outcome = project.trainer(callbacks=[seen]).run(20)
    wrecked = torch.cat([value.flatten() for value in seen.weights[1].values()])
    assert not bool(torch.isfinite(wrecked).all()) or float(wrecked.abs().max()) > 1e30
    assert outcome.reason == "failed" and outcome.step == 0
    project.save(tmp_path / "p.h5")
    opened = Project.open(tmp_path / "p.h5")
    assert all_finite(opened.model)
    assert_same_weights(opened.model, untrained)


def test_good_steps_then_a_huge_learning_rate_go_back_to_a_good_step_and_cut_the_history(lines_corpus):
    project = make_project(lines_corpus, val_every=10)
    seen = WeightsAfterEachStep()
    recorder = Recorder()
    trainer = project.trainer(recorder, callbacks=[seen])
    seen.weights[0] = weights_of(trainer.model)
    assert trainer.run(100).reason == "completed"
    project.set_config(replace(project.config, learning_rate=1e30))
    outcome = trainer.run(100)
    assert outcome.reason == "failed" and outcome.step in (0, 100)  # 100 unless copying it overran its budget
    assert isinstance(recorder.events[-1], RunFailed) and recorder.events[-1].step == outcome.step
    assert f"the weights are back to those after step {outcome.step}" in outcome.message
    assert_same_weights(trainer.model, seen.weights[outcome.step])
    history = trainer.history
    assert history.steps == list(range(1, outcome.step + 1)) and len(history.losses) == outcome.step
    assert max(history.metric_steps, default=0) <= outcome.step and max(history.val_steps, default=0) <= outcome.step
    assert trainer.step == outcome.step
    project.set_config(replace(project.config, learning_rate=2e-3))
    assert trainer.run(5).reason == "completed"  # training goes on from the step it went back to
    assert trainer.history.steps[-1] == outcome.step + 5


def test_a_finite_explosion_is_caught_within_a_few_steps(lines_corpus):
    trainer = make_project(lines_corpus, learning_rate=1e30, metrics_interval_s=1e9).trainer()
    outcome = trainer.run(300)
    assert outcome.reason == "failed" and outcome.step == 0
    caught_at = int(re.search(r"at step (\d+)", outcome.message).group(1))
    assert caught_at <= 1 + LOSS_PATIENCE
    assert "the loss diverged" in outcome.message or "the weights' norm" in outcome.message
    assert all_finite(trainer.model)


def test_an_exploding_weight_norm_is_caught_at_the_next_metrics_report(lines_corpus):
    class BlowUpAt(Callback):
        def on_step_end(self, trainer):
            if trainer.step == 30:
                with torch.no_grad():
                    for parameter in trainer.model.parameters():
                        parameter.mul_(1e4)

    trainer = make_project(lines_corpus).trainer(callbacks=[BlowUpAt()])
    outcome = trainer.run(100)
    assert outcome.reason == "failed" and outcome.step == 0
    assert outcome.message.startswith("the weights' norm exploded (")
    assert "after step 30," in outcome.message


def test_workbench_train_exits_1_and_saves_sound_weights_when_the_loss_explodes(lines_corpus, tmp_path, capsys):
    project = make_project(lines_corpus, learning_rate=1e30)
    untrained = weights_of(project.model)
    path = project.save(tmp_path / "p.h5")
    status = main(["train", str(path), "--steps", "300"])
    assert status == 1
    assert f"Saved {path} with the weights after step 0." in capsys.readouterr().err
    opened = Project.open(path)
    assert opened.step == 0 and opened.history.steps == []
    assert_same_weights(opened.model, untrained)


@pytest.mark.parametrize(
    "settings",
    [
        {},  # the demo's own
        {"learning_rate": 0.05, "grad_clip": 0.0},  # spiky: too fast and unclipped, yet it learns
    ],
)
def test_healthy_runs_of_the_names_demo_never_trip_the_guard(settings):
    project = demo_project("names", hidden=32, layers=1)
    project.set_config(
        replace(
            project.config,
            val_every=0,
            probe_every=0,
            sample_every=0,
            device="cpu",
            **settings,
        )
    )
    recorder = Recorder()
    trainer = project.trainer(recorder)
    outcome = trainer.run(300)
    assert outcome.reason == "completed", outcome.message
    assert trainer.history.recent_loss() < trainer.history.losses[0]


def test_a_lone_huge_loss_is_not_a_divergence_but_a_run_of_them_is():
    watch = LossWatch([4.0] + [2.0] * 50)
    assert watch.limit == pytest.approx(4.0 + LOSS_FACTOR * 4.0)
    assert not watch.observe(1e6) and not watch.observe(2.0)
    assert [watch.observe(1e6) for _ in range(LOSS_PATIENCE)] == [False] * (LOSS_PATIENCE - 1) + [True]


def test_the_loss_limit_scales_with_losses_that_go_negative():
    watch = LossWatch([5.0] + [-500.0] * 200)  # a density's negative log-likelihood
    assert watch.best < -400
    assert not any(watch.observe(-100.0) for _ in range(20))  # a bad patch, far above its best
    assert watch.limit > 4000


def test_history_truncate_keeps_what_happened_up_to_the_step():
    history = RunHistory("run-001")
    for step in range(1, 11):
        history.record_step(step, 1.0 / step, 0.1)
        if step % 2 == 0:
            history.record_metrics(StepMetrics(step, 1.0, 0.1, 100.0, 2.0, ("lstm",), [float(step)]))
        if step % 5 == 0:
            history.record_validation(ValidationResult(step, 0.5, 0.7, None, None))
    history.truncate(6)
    assert history.steps == [1, 2, 3, 4, 5, 6] and len(history.losses) == len(history.learning_rates) == 6
    assert history.metric_steps == [2, 4, 6] and history.layer_grad_norms == {"lstm": [2.0, 4.0, 6.0]}
    assert len(history.tokens_per_s) == len(history.grad_norms) == 3
    assert history.val_steps == [5] and len(history.val_losses) == len(history.val_accuracies) == 1

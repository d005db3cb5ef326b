"""The training loop: learning, events, throttling, control from another thread, failure, resume."""

import threading

import numpy as np
import pytest
import torch
from tiny import FakeClock, Recorder, make_project

from workbench.engine.common.errors import WorkbenchError
from workbench.engine.events import (
    ProbeSnapshot,
    RunFailed,
    RunFinished,
    RunPaused,
    RunStarted,
    SampleGenerated,
    StepMetrics,
    ValidationResult,
)
from workbench.engine.model.sequence_models import parameter_group
from workbench.engine.project.project import Project
from workbench.engine.training.budget_clock import BudgetClock
from workbench.engine.training.callbacks import Callback
from workbench.engine.training.config import TrainConfig
from workbench.engine.training.optimizers import learning_rate_at


class StopAt(Callback):
    def __init__(self, step):
        self.step = step

    def on_step_end(self, trainer):
        if trainer.step == self.step:
            trainer.control.stop()


class HoldAt(Callback):
    """Holds the training thread at the end of step ``step`` until ``release`` is set, and tells
    each step's end: another thread acts at a known step without sleeping."""

    def __init__(self, step):
        self.step = step
        self.reached = threading.Event()
        self.release = threading.Event()
        self.stepped = threading.Event()  # set at the end of every step

    def on_step_end(self, trainer):
        self.stepped.set()
        if trainer.step == self.step:
            self.reached.set()
            assert self.release.wait(timeout=10)


def test_a_small_lstm_learns_repetitive_text(text_corpus):
    trainer = make_project(text_corpus, learning_rate=1e-2).trainer()
    outcome = trainer.run(150)
    assert outcome.reason == "completed" and outcome.step == 150
    losses = trainer.history.losses
    assert len(losses) == 150
    assert np.mean(losses[-20:]) < 0.5 * losses[0]


def test_events_tell_the_story_of_a_run(text_corpus):
    recorder = Recorder()
    project = make_project(text_corpus, val_every=10, probe_every=10, sample_every=15, layers=2)
    outcome = project.trainer(recorder).run(30)
    events = recorder.events
    assert isinstance(events[0], RunStarted) and events[0].target_step == 30 and events[0].device == "cpu"
    assert isinstance(events[-1], RunFinished) and events[-1].step == 30 and events[-1].reason == "completed"
    metrics = recorder.of(StepMetrics)
    assert [m.step for m in metrics] == list(range(1, 31))  # interval 0: every step
    assert metrics[0].layer_names == ("inputs", "encoder.l0", "encoder.l1", "head")
    assert metrics[0].layer_grad_norms.shape == (4,) and np.all(metrics[0].layer_grad_norms > 0)
    assert [v.step for v in recorder.of(ValidationResult)] == [10, 20, 30]
    assert [s.step for s in recorder.of(SampleGenerated)] == [15, 30]
    probes = recorder.of(ProbeSnapshot)
    assert [p.step for p in probes] == [10, 20, 30]
    layer = probes[0].layers[0]
    assert layer.gate_names == ("input", "forget", "cell", "output")
    assert layer.gates.shape == (4, 24, 24) and layer.cell_state.shape == (24, 24)
    assert layer.grad_through_time.shape == (24,)
    assert "".join(probes[0].tokens) == project.corpus.vocab.decode(probes[0].token_ids)
    assert outcome.step == 30


def test_layer_gradient_norms_are_the_norms_of_each_layers_gradients(text_corpus):
    recorder = Recorder()
    trainer = make_project(text_corpus, layers=2, grad_clip=0.0).trainer(recorder)
    trainer.run(1)  # gradients stay in place after the step; without clipping they are the reported ones
    squares = {}
    for name, parameter in trainer.model.named_parameters():
        group = parameter_group(name)
        squares[group] = squares.get(group, 0.0) + float(parameter.grad.double().pow(2).sum())
    reported = recorder.of(StepMetrics)[0]
    expected = [np.sqrt(squares[name]) for name in reported.layer_names]
    np.testing.assert_allclose(reported.layer_grad_norms, expected, rtol=1e-5)
    assert len(set(np.round(expected, 6))) == len(expected)  # distinct layers, so order matters


def test_probes_keep_within_their_share_of_training_time(text_corpus):
    exact = Recorder()
    make_project(text_corpus, probe_every=5).trainer(exact).run(40)
    assert [p.step for p in exact.of(ProbeSnapshot)] == [5, 10, 15, 20, 25, 30, 35, 40]
    # A budget of a millionth: after the first probe, the next would wait hours of training.
    frugal = Recorder()
    make_project(text_corpus, probe_every=5, probe_budget=1e-6).trainer(frugal).run(40)
    assert [p.step for p in frugal.of(ProbeSnapshot)] == [5]


def test_samples_keep_within_their_share_of_training_time(text_corpus):
    exact = Recorder()
    make_project(text_corpus, sample_every=10, sample_length=5).trainer(exact).run(40)
    assert [s.step for s in exact.of(SampleGenerated)] == [10, 20, 30, 40]
    frugal = Recorder()
    make_project(text_corpus, sample_every=10, sample_length=5, sample_budget=1e-6).trainer(frugal).run(40)
    assert [s.step for s in frugal.of(SampleGenerated)] == [10]


def test_a_budget_counts_training_steps_not_what_runs_between_them():
    """A pause, validation, samples or a slow callback between the steps must not bring the next
    probe sooner than its share of the training steps' time allows."""
    seconds = FakeClock()
    clock = BudgetClock(seconds)
    assert clock.due(5, 5, 0.1)  # the first probe: at its step
    with clock.timing(5):
        seconds.now += 0.01  # a probe of 10 ms: at 10%, the next after 0.1 s of training
    assert clock.last_cost == 0.01
    assert not clock.due(10, 5, 0.1)
    seconds.now += 0.15  # paused, or validating: not training
    assert not clock.due(10, 5, 0.1)
    clock.trained(0.12)  # a training step
    assert clock.due(10, 5, 0.1)
    assert not clock.due(9, 5, 0.1)  # and never before its step interval
    assert clock.due(10, 5, 0.0)  # no budget: the step interval alone


def test_step_metrics_are_throttled_at_the_source_but_history_keeps_every_step(text_corpus):
    recorder = Recorder()
    trainer = make_project(text_corpus, metrics_interval_s=60.0).trainer(recorder)
    trainer.run(25)
    assert len(recorder.of(StepMetrics)) == 1  # the first step reports, then nothing for 60 s
    assert trainer.history.steps == list(range(1, 26))


def test_events_hold_copies_that_later_training_cannot_change(text_corpus):
    recorder = Recorder()
    trainer = make_project(text_corpus, probe_every=5).trainer(recorder)
    trainer.run(5)
    snapshot = recorder.of(ProbeSnapshot)[0]
    kept = snapshot.layers[0].hidden.copy()
    trainer.run(20)
    np.testing.assert_array_equal(snapshot.layers[0].hidden, kept)
    assert not np.array_equal(recorder.of(ProbeSnapshot)[-1].layers[0].hidden, kept)


def test_stop_flag_ends_the_run_between_steps(text_corpus):
    recorder = Recorder()
    trainer = make_project(text_corpus).trainer(recorder, [StopAt(7)])
    outcome = trainer.run(100)
    assert (outcome.reason, outcome.step) == ("stopped", 7)
    assert recorder.events[-1] == RunFinished(7, "stopped", recorder.events[-1].elapsed_s)


def test_pause_resume_and_requests_from_another_thread(text_corpus):
    hold, recorder = HoldAt(3), Recorder()
    trainer = make_project(text_corpus).trainer(recorder, callbacks=[hold])
    worker = threading.Thread(target=trainer.run, args=(100_000,))
    worker.start()
    try:
        assert hold.reached.wait(timeout=10)
        trainer.control.pause()  # from this thread, while the training thread is between steps
        hold.release.set()
        answer = trainer.control.submit(lambda: (threading.get_ident(), trainer.step))
        thread_id, step = answer.result(timeout=5)  # answered while paused
        assert thread_id == worker.ident and step == 3
        hold.stepped.clear()
        again = trainer.control.submit(lambda: trainer.step)
        assert again.result(timeout=5) == 3  # still paused: requests answered, no step taken
        assert trainer.step == 3 and not hold.stepped.is_set()
        trainer.control.resume()
        assert hold.stepped.wait(timeout=5)
        assert trainer.step > 3
        assert recorder.of(RunPaused) == [RunPaused(3, True), RunPaused(3, False)]  # the pause told as it held
    finally:
        hold.release.set()
        trainer.control.stop()
        worker.join(timeout=10)
    assert not worker.is_alive()


def test_a_nan_loss_stops_the_run_and_keeps_the_last_good_weights(text_corpus):
    recorder = Recorder()
    trainer = make_project(text_corpus).trainer(recorder)
    trainer.run(4)
    good = {name: value.clone() for name, value in trainer.model.state_dict().items()}
    honest_loss = trainer.model.head.loss
    trainer.model.head.loss = lambda prediction, target: honest_loss(prediction, target) * float("nan")
    outcome = trainer.run(10)
    assert outcome.reason == "failed" and outcome.step == 4
    assert "the loss became nan at step 5" in outcome.message
    assert "weights are those after step 4" in outcome.message
    assert isinstance(recorder.events[-1], RunFailed)
    for name, value in trainer.model.state_dict().items():
        torch.testing.assert_close(value, good[name], rtol=0, atol=0)


def test_gradient_clipping_bounds_the_update(text_corpus):
    trainer = make_project(text_corpus, optimizer="sgd", learning_rate=1.0, momentum=0.0, grad_clip=1e-3).trainer()
    before = torch.cat([p.detach().flatten().clone() for p in trainer.model.parameters()])
    trainer.run(1)
    after = torch.cat([p.detach().flatten() for p in trainer.model.parameters()])
    assert (after - before).norm().item() == pytest.approx(1e-3, rel=1e-3)
    assert TrainConfig().grad_clip > 0  # on by default, as the course teaches


def test_learning_rate_schedules():
    warm = TrainConfig(learning_rate=1.0, warmup_steps=4)
    assert [learning_rate_at(s, warm) for s in range(5)] == [0.25, 0.5, 0.75, 1.0, 1.0]
    cosine = TrainConfig(learning_rate=1.0, schedule="cosine", decay_steps=100, min_lr_ratio=0.1)
    assert learning_rate_at(0, cosine) == 1.0
    assert learning_rate_at(50, cosine) == pytest.approx(0.55)
    assert learning_rate_at(500, cosine) == pytest.approx(0.1)
    step = TrainConfig(learning_rate=1.0, schedule="step", decay_steps=10, decay_factor=0.5)
    assert [learning_rate_at(s, step) for s in (9, 10, 25)] == [1.0, 0.5, 0.25]


def test_bad_settings_are_refused_in_words():
    with pytest.raises(WorkbenchError, match="the optimizer must be one of adam, rmsprop, sgd, not 'adamw'"):
        TrainConfig(optimizer="adamw").check()
    with pytest.raises(WorkbenchError, match="learning rate must be positive"):
        TrainConfig(learning_rate=0).check()


@pytest.mark.parametrize(
    "corpus_name,cell,layers,dropout",
    [
        ("text_corpus", "lstm", 2, 0.3),  # hidden state carried across batches, dropout RNG
        ("text_corpus", "gru", 1, 0.0),
        ("lines_corpus", "rnn", 1, 0.0),
    ],
)
def test_exact_resume_matches_an_uninterrupted_run(request, tmp_path, corpus_name, cell, layers, dropout):
    corpus = request.getfixturevalue(corpus_name)
    settings = dict(cell=cell, layers=layers, dropout=dropout, schedule="cosine", decay_steps=40, warmup_steps=3)
    straight = make_project(corpus, **settings).trainer()
    straight.run(40)

    first = make_project(corpus, **settings)
    first.trainer().run(20)
    first.save(tmp_path / "half.h5")
    torch.manual_seed(999)  # whatever happens in between must not matter
    resumed = Project.open(tmp_path / "half.h5")
    assert resumed.step == 20
    resumed.trainer().run(20)

    assert resumed.history.steps == list(range(1, 41))
    np.testing.assert_allclose(resumed.history.losses[20:], straight.history.losses[20:], rtol=0, atol=1e-6)
    for name, value in straight.model.state_dict().items():
        torch.testing.assert_close(resumed.model.state_dict()[name], value, rtol=0, atol=1e-6)


def test_sampling_during_training_does_not_disturb_the_run(text_corpus):
    quiet = make_project(text_corpus, dropout=0.2, layers=2).trainer()
    quiet.run(12)
    chatty = make_project(text_corpus, dropout=0.2, layers=2, sample_every=3, probe_every=4, val_every=5).trainer()
    chatty.run(12)
    assert chatty.history.losses == quiet.history.losses

"""The long-range lab's data: the adding problem's sums, the copy task's recall, seeds, storage."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import h5py
import numpy as np
import pytest
from tiny import TINY_CONFIG, Recorder

from workbench.engine.common.errors import DataError
from workbench.engine.data.batching import IGNORE_INDEX
from workbench.engine.data.memory_tasks import AddingProblem, CopyTask
from workbench.engine.events import ProbeSnapshot
from workbench.engine.model.templates import from_template
from workbench.engine.project.project import Project
from workbench.engine.spec import RecurrentSpec


def same_batches(first, second) -> bool:
    first, second = list(first), list(second)
    return len(first) == len(second) > 0 and all(
        np.array_equal(a.inputs, b.inputs) and np.array_equal(a.targets, b.targets, equal_nan=True)
        for a, b in zip(first, second)
    )


def through_a_project_file(task, tmp_path):
    """``task`` as a project file would give it back: JSON description and vocabulary, HDF5 arrays."""
    with h5py.File(tmp_path / "task.h5", "w") as file:
        for name, array in task.arrays().items():
            file[name] = array
    with h5py.File(tmp_path / "task.h5", "r") as file:
        arrays = {name: file[name][()] for name in file}
    description, vocabulary = (json.loads(json.dumps(part)) for part in (task.description, task.vocab.to_json()))
    return type(task).from_arrays(description, vocabulary, arrays)


# The adding problem


def test_adding_targets_are_the_sum_of_the_two_marked_values():
    batch = AddingProblem.generate(lag=40).batcher("train", 64, 1, seed=3).next_batch()
    assert batch.inputs.shape == (64, 40, 2) and batch.targets.shape == (64, 40, 1)
    assert batch.inputs.dtype == batch.targets.dtype == np.float32
    values, markers = batch.inputs[..., 0], batch.inputs[..., 1]
    assert ((values >= 0) & (values < 1)).all()
    assert set(np.unique(markers)) == {0.0, 1.0} and (markers.sum(1) == 2).all()
    assert (markers[:, :20].sum(1) == 1).all() and (markers[:, 20:].sum(1) == 1).all()  # one in each half
    np.testing.assert_allclose(batch.targets[:, -1, 0], (values * markers).sum(1), rtol=1e-6)
    assert np.isnan(batch.targets[:, :-1]).all()
    assert batch.tokens == 64 and not batch.continues


def test_adding_baseline_is_the_variance_of_the_sum():
    stats = AddingProblem.generate(lag=10, val_sequences=2000).stats()
    assert stats["baseline_loss"] == pytest.approx(1 / 6, abs=0.015)
    assert stats["lag"] == stats["sequence_length"] == 10


def test_adding_needs_two_halves():
    AddingProblem.generate(lag=2)
    with pytest.raises(DataError, match="adding problem needs a lag T of at least 2"):
        AddingProblem.generate(lag=1)
    with pytest.raises(DataError, match="val sequences must be at least 1"):
        AddingProblem.generate(lag=5, val_sequences=0)


# The copy task


def test_copy_targets_are_the_shown_symbols_during_recall_only():
    task = CopyTask.generate(lag=30, symbols=5, alphabet=8)
    batch = task.batcher("train", 16, 1, seed=0).next_batch()
    assert batch.inputs.shape == batch.targets.shape == (16, 30 + 10)
    assert batch.inputs.dtype == batch.targets.dtype == np.int64
    shown = batch.inputs[:, :5]
    assert ((shown >= 1) & (shown <= 8)).all()
    np.testing.assert_array_equal(batch.targets[:, -5:], shown)
    assert (batch.targets[:, :-5] == IGNORE_INDEX).all()
    delimiter = 5 + 30 - 1  # T steps from the last symbol shown to the first written
    assert (batch.inputs[:, delimiter] == 9).all()
    blanks = np.delete(batch.inputs[:, 5:], delimiter - 5, axis=1)
    assert (blanks == 0).all()
    assert batch.tokens == 16 * 5
    assert task.vocab.tokens == ("_", "A", "B", "C", "D", "E", "F", "G", "H", ":")


def test_copy_task_reads_tokens_and_tags_every_step():
    task = CopyTask.generate(lag=5, alphabet=4).task(embedding_dim=12)
    assert (task.inputs.kind, task.inputs.vocab_size, task.inputs.embedding_dim) == ("tokens", 6, 12)
    assert (task.head.kind, task.head.num_outputs) == ("tagging", 6)
    assert CopyTask.generate(lag=5, alphabet=4).stats()["baseline_loss"] == pytest.approx(math.log(4))


def test_copy_task_settings_are_checked():
    with pytest.raises(DataError, match="alphabet"):
        CopyTask.generate(lag=5, alphabet=1)
    with pytest.raises(DataError, match="remembers from 1 to 100 symbols"):
        CopyTask.generate(lag=5, symbols=0)


def test_the_preview_shortens_the_lag():
    preview = CopyTask.generate(lag=200, symbols=3).preview()
    assert "(×199)" in preview and preview.count("\n") == 1 and len(preview) < 80


# Seeds, positions, storage


@pytest.mark.parametrize("make", [lambda: AddingProblem.generate(lag=12), lambda: CopyTask.generate(lag=12)])
def test_batches_follow_the_seed_and_the_position(make):
    task = make()
    batcher = task.batcher("train", 8, 1, seed=5)
    taken = [batcher.next_batch() for _ in range(task.description["batches_per_epoch"] + 2)]
    again = make().batcher("train", 8, 1, seed=5)
    assert same_batches(taken, [again.next_batch() for _ in taken])
    restored = task.batcher("train", 8, 1, seed=5)
    restored.restore({"epoch": 1, "cursor": 1})
    assert same_batches([restored.next_batch()], taken[-1:])
    assert not same_batches(taken[:1], [task.batcher("train", 8, 1, seed=6).next_batch()])


def test_the_validation_set_is_fixed_by_the_task_seed_alone():
    task = AddingProblem.generate(lag=12, seed=4, val_sequences=50)
    first = list(task.batcher("val", 16, 1, seed=1).epoch_batches())
    same_task = AddingProblem.generate(lag=12, seed=4, val_sequences=50)
    second = list(same_task.batcher("val", 16, 99, seed=2).epoch_batches())
    assert [batch.tokens for batch in first] == [16, 16, 16, 2] and same_batches(first, second)
    other = list(AddingProblem.generate(lag=12, seed=5, val_sequences=50).batcher("val", 16, 1, seed=1).epoch_batches())
    assert not same_batches(first, other)
    training = task.batcher("train", 50, 1, seed=4).next_batch()
    assert not np.array_equal(training.inputs, task.validation_set()[0])


@pytest.mark.parametrize("make", [lambda: AddingProblem.generate(lag=15), lambda: CopyTask.generate(lag=15)])
def test_tasks_round_trip_through_a_project_file(make, tmp_path):
    task = make()
    again = through_a_project_file(task, tmp_path)
    assert again.description == task.description and again.stats() == task.stats()
    assert same_batches(task.batcher("val", 32, 1, 0).epoch_batches(), again.batcher("val", 32, 1, 0).epoch_batches())
    assert same_batches([task.batcher("train", 4, 1, 9).next_batch()], [again.batcher("train", 4, 1, 9).next_batch()])
    assert again.vocab == task.vocab


def test_a_missing_validation_set_is_named():
    task = CopyTask.generate(lag=5)
    with pytest.raises(DataError, match="generated:copy.*'val_targets'"):
        CopyTask.from_arrays(task.description, task.vocab.to_json(), {"val_inputs": task.arrays()["val_inputs"]})
    longer = {**task.description, "lag": 6}
    with pytest.raises(DataError, match="generated:copy: the stored validation sequences do not fit"):
        CopyTask.from_arrays(longer, task.vocab.to_json(), task.arrays())


# Training on them


@pytest.mark.parametrize("make", [lambda: AddingProblem.generate(lag=10), lambda: CopyTask.generate(lag=4, symbols=3)])
def test_the_trainer_trains_and_validates_on_them(make):
    task = make()
    spec = from_template("stacked", task.task(), RecurrentSpec("gru", 16, 1))
    project = Project.create(spec, task, replace(TINY_CONFIG, batch_size=16, seq_len=1, val_every=5))
    outcome = project.trainer().run(10)
    assert outcome.reason == "completed" and len(project.history.val_losses) == 2
    first, second = project.history.val_losses
    assert math.isfinite(first) and second < first


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_the_lab_looks_inside_the_adding_problem_with_the_gradient_through_time(cell):
    task = AddingProblem.generate(30, val_sequences=4)
    spec = from_template("stacked", task.task(), RecurrentSpec(cell, 16, 1))
    project = Project.create(spec, task, TINY_CONFIG)
    recorder = Recorder()
    trainer = project.trainer(recorder)
    trainer.run(2)
    snapshot = trainer.probe()
    assert recorder.of(ProbeSnapshot)[-1] is snapshot
    inputs = task.validation_set()[0][0]
    assert len(snapshot.tokens) == 30 and sum(label.startswith("[") for label in snapshot.tokens) == 2
    assert snapshot.tokens[int(np.flatnonzero(inputs[:, 1])[0])].startswith("[")
    norms = snapshot.layers[0].grad_through_time
    assert norms.shape == (30,) and norms[-1] > 0 and np.isfinite(norms).all()

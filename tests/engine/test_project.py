"""A live project survives saving and opening whole; bad files give one clear error."""

import shutil
from dataclasses import replace

import h5py
import numpy as np
import pytest
import torch
from tiny import make_project

from workbench.engine.common.errors import ProjectError, WorkbenchError
from workbench.engine.project.project import Project


def test_everything_comes_back(tmp_path, text_corpus):
    project = make_project(text_corpus, layers=2, val_every=5, probe_every=5, sample_every=5)
    project.trainer().run(10)
    path = project.save(tmp_path / "p.h5")
    again = Project.open(path)
    assert again.spec == project.spec and again.config == project.config and again.step == 10
    for name, value in project.model.state_dict().items():
        torch.testing.assert_close(again.model.state_dict()[name], value, rtol=0, atol=0)
    assert again.history.losses == pytest.approx(project.history.losses)
    assert again.history.val_steps == [5, 10]
    assert again.history.layer_grad_norms.keys() == project.history.layer_grad_norms.keys()
    assert [s.text for s in again.samples] == [s.text for s in project.samples]
    probe, kept = again.latest_probe, project.latest_probe
    assert probe.step == 10 and probe.tokens == kept.tokens
    np.testing.assert_array_equal(probe.layers[1].gates, kept.layers[1].gates)
    assert again.corpus.vocab == project.corpus.vocab
    assert again.summary()["step"] == 10


def test_an_untrained_project_opens_and_trains(tmp_path, lines_corpus):
    path = make_project(lines_corpus).save(tmp_path / "fresh.h5")
    project = Project.open(path)
    assert project.step == 0
    assert project.trainer().run(3).step == 3


def test_a_spec_from_a_newer_workbench_is_named(tmp_path, text_corpus):
    path = shutil.copy(make_project(text_corpus).save(tmp_path / "saved.h5"), tmp_path / "p.h5")  # saved.h5 is read
    with h5py.File(path, "a") as f:
        name = next(iter(f["model"]))
        text = f["model"][name][0].decode().replace('"version": 1', '"version": 7')
        del f["model"][name]
        f["model"].create_dataset(name, data=np.array([text.encode()]), fletcher32=True, chunks=True)
    with pytest.raises(ProjectError, match=r"p\.h5.*version 7.*update the workbench"):
        Project.open(path)


def test_a_text_file_is_not_a_project(tmp_path):
    path = tmp_path / "notes.h5"
    path.write_text("hello")
    with pytest.raises(ProjectError, match="notes.h5"):
        Project.open(path)


def test_rebuild_starts_a_new_run_and_keeps_the_old_one(text_corpus):
    project = make_project(text_corpus)
    project.trainer().run(5)
    gru = replace(project.spec, encoder=replace(project.spec.encoder, cell="gru"))
    project.rebuild(gru)
    assert [run.name for run in project.runs] == ["run-001", "run-002"]
    assert project.step == 0 and isinstance(project.model.encoder, torch.nn.GRU)
    project.rebuild()  # new weights for a run that never trained: replaces it
    assert [run.name for run in project.runs] == ["run-001", "run-002"]
    project.trainer().run(3)
    assert project.history.steps == [1, 2, 3] and project.runs[0].steps == [1, 2, 3, 4, 5]
    snapshot = project.snapshot()
    snapshot.runs[0].steps.append(99)  # a copy: the window cannot disturb the engine
    assert project.runs[0].steps == [1, 2, 3, 4, 5]
    assert snapshot.data_stats["vocab_size"] == len(text_corpus.vocab)


def test_rebuild_refuses_a_spec_for_other_data(text_corpus):
    project = make_project(text_corpus)
    spec = project.spec
    other = replace(spec, inputs=replace(spec.inputs, vocab_size=3), head=replace(spec.head, num_outputs=3))
    with pytest.raises(WorkbenchError, match="vocabulary or outputs do not match"):
        project.rebuild(other)


def test_new_settings_reach_a_trainer_between_runs(text_corpus):
    project = make_project(text_corpus)
    trainer = project.trainer()
    trainer.run(3)
    adam = trainer.optimizer
    project.set_config(replace(project.config, learning_rate=0.5, grad_clip=0.0))
    assert trainer.optimizer is adam  # Adam's moments are kept for a new learning rate
    trainer.run(1)
    assert trainer.history.learning_rates[-1] == 0.5
    project.set_config(replace(project.config, optimizer="sgd", batch_size=2))
    assert isinstance(trainer.optimizer, torch.optim.SGD)
    trainer.run(1)
    assert trainer.train_batches.state() == {"epoch": 1, "cursor": 1}  # the new shape starts the next epoch
    with pytest.raises(WorkbenchError, match="learning rate must be positive"):
        project.set_config(replace(project.config, learning_rate=0))
    assert project.config.optimizer == "sgd"


def test_new_settings_for_a_reopened_project_reach_its_restored_run(text_corpus, tmp_path):
    project = make_project(text_corpus)
    project.trainer().run(3)
    project.save(tmp_path / "p.h5")
    reopened = Project.open(tmp_path / "p.h5")
    reopened.set_config(replace(reopened.config, batch_size=8, optimizer="sgd", weight_decay=0.1))
    trainer = reopened.trainer()
    assert isinstance(trainer.optimizer, torch.optim.SGD) and trainer.optimizer.defaults["weight_decay"] == 0.1
    assert trainer.run(2).reason == "completed"  # the carried state of batch size 4 was dropped
    assert trainer.train_batches.state()["epoch"] >= 1


def test_asking_for_the_trainer_keeps_its_sink_unless_given_another(text_corpus):
    project = make_project(text_corpus)
    heard = []
    trainer = project.trainer(heard.append)
    assert project.trainer() is trainer and trainer.sink == heard.append
    trainer.evaluate()
    assert not heard  # an evaluation is not an event of the run
    trainer.validate()
    assert len(heard) == 1 and len(trainer.history.val_steps) == 1

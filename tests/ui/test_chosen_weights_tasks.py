"""The window's requests use the weights it chose, best or latest, on the worker's side: the best
weights' model is copied once per best, and a new best, a rebuilt model or another project
never gets an old copy."""

import pytest
import torch
from tiny import make_project, write_text_corpus

from workbench.engine.common.errors import WorkbenchError
from workbench.engine.inference.sampling import sample_text
from workbench.engine.inference.sampling_options import SamplingOptions
from workbench.engine.training.worker import EngineWorker
from workbench.ui import tasks

OPTIONS = SamplingOptions(length=40, temperature=1.0, seed=3)


def trained_with_best(tmp_path, name="a"):
    """A project with kept best weights, whose latest weights then move away from them."""
    (tmp_path / name).mkdir()
    project = make_project(write_text_corpus(tmp_path / name), val_every=2, val_batches=1)
    project.trainer().run(6)
    with torch.no_grad():
        for parameter in project.model.parameters():
            parameter.mul_(-3.0)  # far from the best: the samples differ
    return project


@pytest.fixture
def worker(tmp_path):
    worker = EngineWorker(lambda event: None)
    worker.project = trained_with_best(tmp_path)
    return worker


def same_weights(model, weights) -> bool:
    return all(torch.equal(value.cpu(), weights[name].cpu()) for name, value in model.state_dict().items())


def test_sampling_with_best_and_latest_uses_different_weights(worker):
    project = worker.project
    best = sample_text(project.model_with("best"), project.corpus.vocab, OPTIONS)
    latest = sample_text(project.model, project.corpus.vocab, OPTIONS)
    assert best != latest
    assert tasks.sample(worker, OPTIONS, "best") == best
    assert tasks.sample(worker, OPTIONS, "latest") == latest
    assert tasks.kept_best(worker) == (project.best.step, project.best.val_loss)


def test_the_best_model_is_copied_once_per_best(worker):
    project = worker.project
    first = tasks.chosen_model(project, "best")
    assert first is not project.model and same_weights(first, project.best.weights)
    assert tasks.chosen_model(project, "best") is first  # no copy per request
    assert tasks.chosen_model(project, "latest") is project.model
    with pytest.raises(WorkbenchError, match="'best' or 'latest'"):
        tasks.chosen_model(project, "newest")

    project.rebuild()  # a new run: no best, so best means the latest
    assert tasks.kept_best(worker) is None
    assert tasks.chosen_model(project, "best") is project.model
    project.trainer().run(2)  # its first validation keeps a new best
    renewed = tasks.chosen_model(project, "best")
    assert renewed is not first and same_weights(renewed, project.best.weights)


def test_another_project_gets_its_own_best(worker, tmp_path):
    first = tasks.chosen_model(worker.project, "best")
    other = trained_with_best(tmp_path, "b")
    worker.project = other
    theirs = tasks.chosen_model(other, "best")
    assert theirs is not first and same_weights(theirs, other.best.weights)

"""A seed makes a run repeatable: the same seed on the same project gives the same losses, bit for
bit on the CPU, and another seed another run."""

from __future__ import annotations

import torch
from tiny import make_project

from workbench.engine.project.project import Project


def trained_with(path, seed: int, steps: int = 12) -> Project:
    torch.manual_seed(999)  # what the process drew before must not matter
    project = Project.open(path)
    project.reseed(seed)
    project.trainer().run(steps)
    return project


def test_a_fresh_project_draws_its_weights_and_its_run_from_the_seed(text_corpus, tmp_path):
    make_project(text_corpus, layers=2, dropout=0.3).save(tmp_path / "p.h5")
    first, again, other = (trained_with(tmp_path / "p.h5", seed) for seed in (5, 5, 6))
    assert first.history.losses == again.history.losses  # bit for bit
    assert first.history.losses[0] != other.history.losses[0]  # new weights: the first loss differs
    assert first.config.seed == 5 and len(first.runs) == 1  # the untrained run is replaced, not kept


def test_a_trained_project_keeps_its_weights_and_takes_its_dropout_from_the_seed(text_corpus, tmp_path):
    project = make_project(text_corpus, layers=2, dropout=0.3)
    project.trainer().run(10)
    project.save(tmp_path / "p.h5")
    weights = {name: value.clone() for name, value in project.model.state_dict().items()}
    first, again, other = (trained_with(tmp_path / "p.h5", seed) for seed in (7, 7, 8))
    assert first.step == 22 and first.history.steps == list(range(1, 23))
    assert first.history.losses == again.history.losses
    assert first.history.losses[10:] != other.history.losses[10:]  # dropout drew differently
    opened = Project.open(tmp_path / "p.h5")
    for name, value in weights.items():
        assert torch.equal(opened.model.state_dict()[name], value)  # reseeding changed no weight

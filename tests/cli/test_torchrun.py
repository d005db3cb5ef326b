"""``workbench train`` under torchrun: two CPU processes (gloo) train one run, the run one process
trains on the same global batch, and rank 0 alone writes it."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
from tiny import TINY_CONFIG, make_project, write_lines_corpus, write_text_corpus

from workbench.cli import main
from workbench.engine.data.pairs import pairs_from_items
from workbench.engine.model.templates import from_template
from workbench.engine.project.project import Project
from workbench.engine.spec import RecurrentSpec

STEPS = 12
LAUNCH_TIMEOUT_S = 120  # two processes importing torch on two busy cores, a rendezvous, a few steps


def torchrun(*argv, **popen):
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", "-m"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    if popen:
        return subprocess.Popen([*command, "workbench", *map(str, argv)], env=env, text=True, **popen)
    return subprocess.run(
        [*command, "workbench", *map(str, argv)], env=env, capture_output=True, text=True, timeout=LAUNCH_TIMEOUT_S
    )


@pytest.fixture(params=["stream", "lines"])
def language_model(request, tmp_path):
    corpus = write_text_corpus(tmp_path) if request.param == "stream" else write_lines_corpus(tmp_path)
    path = tmp_path / "p.h5"
    make_project(corpus, batch_size=4).save(path)
    return path


def test_two_processes_train_the_run_one_process_trains_on_their_global_batch(language_model, tmp_path, capsys):
    alone = tmp_path / "alone.h5"
    shutil.copy(language_model, alone)
    done = torchrun("train", language_model, "--steps", STEPS)
    assert done.returncode == 0, done.stderr
    assert "Training on 2 processes: each trains 2 rows of every batch of 4" in done.stderr
    assert done.stderr.count(f"Saved {language_model} at step {STEPS}.") == 1  # rank 0 alone speaks and saves

    one = Project.open(alone)
    one.trainer().run(STEPS)
    both = Project.open(language_model)
    assert both.step == STEPS and len(both.runs) == 1
    run = both.history
    assert run.steps == list(range(1, STEPS + 1))
    np.testing.assert_allclose(run.losses, one.history.losses, rtol=1e-4)
    np.testing.assert_allclose(run.val_losses, one.history.val_losses, rtol=1e-4)  # the run-end validation
    assert run.meta["processes"] == 2 and run.meta["device"] == "cpu"
    assert one.history.meta["processes"] == 1

    for name, weights in one.model.state_dict().items():
        np.testing.assert_allclose(both.model.state_dict()[name].numpy(), weights.numpy(), rtol=1e-4, atol=1e-6)
    assert main(["sample", str(language_model), "--length", "20", "--seed", "1"]) == 0
    capsys.readouterr()
    assert main(["info", str(language_model), "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)["runs"]
    assert entry["steps"] == STEPS and entry["processes"] == 2 and entry["device"] == "cpu"


def test_a_batch_size_two_processes_do_not_divide_is_refused_before_training(tmp_path, monkeypatch, capsys):
    """As rank 0 of two torchrun started (its environment): refused before the processes meet."""
    path = tmp_path / "odd.h5"
    make_project(write_text_corpus(tmp_path), batch_size=5).save(path)
    for name, value in {"WORLD_SIZE": "2", "RANK": "0", "LOCAL_RANK": "0"}.items():
        monkeypatch.setenv(name, value)
    assert main(["train", str(path), "--steps", str(STEPS)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("workbench: the batch size 5 does not split over 2 processes: choose a batch size that 2")
    assert "Training" not in err and Project.open(path).step == 0


def test_rank_0s_time_limit_stops_every_process_at_the_same_step(tmp_path):
    """Rank 0 alone decides (its clock); a rank that went on would wait for the others' next
    step, which never comes, and the launch would fail."""
    path = tmp_path / "p.h5"
    make_project(write_text_corpus(tmp_path), batch_size=4).save(path)
    done = torchrun("train", path, "--steps", 1000, "--minutes", 1e-6)
    assert done.returncode == 0, done.stderr
    assert "Stopped at step 1: the 1e-06-minute time limit was reached" in done.stderr
    assert Project.open(path).step == 1


def test_ctrl_c_stops_every_process_and_rank_0_saves(tmp_path):
    path = tmp_path / "p.h5"
    make_project(write_text_corpus(tmp_path), batch_size=4).save(path)
    launch = torchrun("train", path, "--steps", 1_000_000, "--save-every", 1_000_000, stderr=subprocess.PIPE)
    try:
        for line in launch.stderr:  # the progress bar's lines: the run is under way
            if "| step 1/" in line:  # both processes have trained a step: their handlers are in place
                break
        launch.send_signal(signal.SIGINT)  # torchrun passes it on to both processes
        _, err = launch.communicate(timeout=LAUNCH_TIMEOUT_S)
    finally:
        launch.kill()
    stopped = re.search(r"Interrupted at step ([\d,]+); saved", err)
    assert stopped, err
    project = Project.open(path)
    assert project.step == int(stopped.group(1).replace(",", "")) >= 1
    assert len(project.history.losses) == project.step


def test_two_processes_train_a_translator_as_one_process_does(tmp_path, capsys):
    """Seq2seq under torchrun: an attention encoder–decoder's rows split over two processes
    (source and target of each pair kept together) give one process's curve and weights."""
    numbers = [("one", "1"), ("two", "2"), ("three", "3"), ("four", "4"), ("five", "5"), ("six", "6")] * 4
    corpus = pairs_from_items(numbers, "test:numbers", "Numbers", val_fraction=0.25, seed=1)
    spec = from_template("attention", corpus.task(8), RecurrentSpec("lstm", 12))
    path, alone = tmp_path / "t.h5", tmp_path / "alone.h5"
    Project.create(spec, corpus, replace(TINY_CONFIG, batch_size=4, seq_len=9)).save(path)
    shutil.copy(path, alone)
    done = torchrun("train", path, "--steps", STEPS)
    assert done.returncode == 0, done.stderr
    one, both = Project.open(alone), Project.open(path)
    one.trainer().run(STEPS)
    assert both.step == STEPS and both.history.meta["processes"] == 2
    np.testing.assert_allclose(both.history.losses, one.history.losses, rtol=1e-4)
    for name, weights in one.model.state_dict().items():
        np.testing.assert_allclose(both.model.state_dict()[name].numpy(), weights.numpy(), rtol=1e-4, atol=1e-6)
    capsys.readouterr()
    assert main(["evaluate", str(path)]) == 0  # the saved weights load and translate
    assert "Translation, step 12" in capsys.readouterr().out

"""``workbench train --processes K``: torchrun started for the user, the same run as under it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest
from tiny import make_project, write_text_corpus

from workbench.cli import main
from workbench.cli.training import without_option
from workbench.engine.project.project import Project


def test_the_option_is_handed_on_without_itself_in_every_spelling():
    argv = ["train", "p.h5", "--processes", "2", "--steps", "5", "--proc=2", "--pro", "3", "--patience", "1"]
    assert without_option(argv, "--processes") == ["train", "p.h5", "--steps", "5", "--patience", "1"]


def test_a_batch_that_does_not_split_is_refused_before_any_process_starts(tmp_path, capsys):
    path = tmp_path / "p.h5"
    make_project(write_text_corpus(tmp_path), batch_size=5).save(path)
    assert main(["train", str(path), "--steps", "3", "--processes", "2"]) == 2
    error = capsys.readouterr().err
    assert "the batch size 5 does not split over 2 processes" in error and "Traceback" not in error
    assert Project.open(path).step == 0


def test_an_out_of_range_count_is_refused_by_the_parser(tmp_path, capsys):
    assert main(["train", str(tmp_path / "p.h5"), "--processes", "0"]) == 2
    assert "--processes" in capsys.readouterr().err


def test_under_torchrun_the_option_is_refused(tmp_path, monkeypatch, capsys):
    path = tmp_path / "p.h5"
    make_project(write_text_corpus(tmp_path), batch_size=4).save(path)
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "0")
    monkeypatch.setenv("LOCAL_RANK", "0")
    assert main(["train", str(path), "--processes", "2"]) == 2
    assert "under torchrun, leave it out" in capsys.readouterr().err


@pytest.mark.slow
def test_two_processes_started_by_train_itself_train_one_run(tmp_path, capfd):
    path = tmp_path / "p.h5"
    make_project(write_text_corpus(tmp_path), batch_size=4).save(path)
    assert main(["train", str(path), "--steps", "6", "--processes", "2"]) == 0
    err = capfd.readouterr().err
    assert "Training on 2 processes: each trains 2 rows of every batch of 4" in err
    assert err.count(f"Saved {path} at step 6.") == 1
    project = Project.open(path)
    assert project.step == 6 and project.history.meta["processes"] == 2


@pytest.mark.slow
def test_sigterm_to_train_processes_reaches_every_process_and_leaves_none(tmp_path):
    """What the window's last resort (QProcess.terminate) and a job scheduler send: passed on to
    torchrun, which stops every process; none is left training on its own."""
    path = tmp_path / "p.h5"
    make_project(write_text_corpus(tmp_path), batch_size=4).save(path)
    made = path.stat().st_mtime_ns
    command = [sys.executable, "-m", "workbench", "train", str(path), "--steps", "1000000", "--save-every", "10"]
    command += ["--processes", "2"]
    outer = subprocess.Popen(command, env={**os.environ, "OMP_NUM_THREADS": "1"}, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)  # fmt: skip
    ranks: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 120
        while path.stat().st_mtime_ns == made:  # rank 0 has saved
            assert outer.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        children = psutil.Process(outer.pid).children(recursive=True)
        ranks = [child for child in children if "workbench" in child.cmdline()]
        outer.send_signal(signal.SIGTERM)
        outer.wait(timeout=60)
        gone, alive = psutil.wait_procs(ranks, timeout=60)
    finally:
        for process in [outer, *ranks]:  # none left training after a failure
            with contextlib.suppress(psutil.NoSuchProcess, ProcessLookupError):
                process.kill()
    assert ranks and not alive  # every process of the run ended with the command
    assert Project.open(path).step > 0

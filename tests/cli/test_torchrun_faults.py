"""A rank killed mid-run (kill -9): the others stop at once with one clear line, the project
holds rank 0's last save, and ``train`` resumes from it."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psutil
import pytest
import torch.distributed
from tiny import make_project, write_text_corpus

from workbench.cli import main
from workbench.cli.training import broke_the_group
from workbench.engine.project.project import Project

SAVE_EVERY = 10
SURVIVORS_EXIT_S = 60  # the bound on how long the others may take to end


def start_long_run(path):
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", "-m"]
    command += ["workbench", "train", str(path), "--steps", "1000000", "--save-every", str(SAVE_EVERY)]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def end_all(launcher: subprocess.Popen) -> None:
    """Kill torchrun and every process it started (killed alone, it would leave them training)."""
    try:
        children = psutil.Process(launcher.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    for process in [*children, launcher]:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            continue
    launcher.wait(timeout=30)


def rank_process(launcher: subprocess.Popen, rank: int) -> psutil.Process:
    for child in psutil.Process(launcher.pid).children(recursive=True):
        try:
            if child.environ().get("RANK") == str(rank) and "workbench" in child.cmdline():
                return child
        except psutil.NoSuchProcess:
            continue
    raise AssertionError(f"no process of rank {rank} under torchrun")


@pytest.mark.slow
@pytest.mark.parametrize("victim", [1, 0])
def test_killing_one_rank_ends_the_run_clearly_and_keeps_the_last_save(tmp_path, victim):
    path = tmp_path / "p.h5"
    make_project(write_text_corpus(tmp_path), batch_size=4).save(path)
    made = path.stat().st_mtime_ns
    launcher = start_long_run(path)
    try:
        deadline = time.monotonic() + 120  # two processes starting on two busy cores
        while path.stat().st_mtime_ns == made:  # rank 0 has saved at least once
            assert launcher.poll() is None and time.monotonic() < deadline, launcher.stdout.read()
            time.sleep(0.1)
        rank_process(launcher, victim).kill()
        output, _ = launcher.communicate(timeout=SURVIVORS_EXIT_S)
    finally:
        if launcher.poll() is None:
            end_all(launcher)
    assert launcher.returncode != 0
    survivor = 1 - victim
    said = [line for line in output.splitlines() if line.startswith(f"workbench: process {survivor} of 2")]
    assert len(said) == 1, output
    assert "another process of this run ended or lost its connection" in said[0]
    assert f"`workbench train {path}` resumes from it" in said[0]
    kept = Project.open(path)
    assert kept.step > 0 and kept.step % SAVE_EVERY == 0
    if victim == 1:  # rank 0 survived and knows what it saved
        assert f"{path} holds the save of step " in said[0]
    assert main(["train", str(path), "--steps", "3"]) == 0  # resumes in one process
    assert Project.open(path).step == kept.step + 3


def test_only_a_failing_collective_is_taken_for_a_lost_process():
    gloo = RuntimeError("[/pytorch/third_party/gloo/gloo/transport/tcp/pair.cc:537] Read error: Connection reset")
    assert broke_the_group(gloo) and broke_the_group(torch.distributed.DistBackendError("NCCL error"))
    assert not broke_the_group(RuntimeError("mat1 and mat2 shapes cannot be multiplied"))  # a bug says so itself

"""Two machines simulated on one: two torchrun launches (``--nnodes 2``, one process each) meet
at a c10d rendezvous on 127.0.0.1 and train one run, the run one process trains on the whole batch."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys

import numpy as np
import pytest
from tiny import make_project, write_text_corpus

from workbench.engine.project.project import Project

STEPS = 8
LAUNCH_TIMEOUT_S = 150  # two launchers and their processes importing torch on two busy cores


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_two_nodes_of_one_process_each_train_one_run(tmp_path):
    path, alone = tmp_path / "p.h5", tmp_path / "alone.h5"
    make_project(write_text_corpus(tmp_path), batch_size=4).save(path)
    shutil.copy(path, alone)
    rendezvous = ["--nnodes", "2", "--nproc-per-node", "1", "--rdzv-backend", "c10d"]
    rendezvous += ["--rdzv-endpoint", f"127.0.0.1:{free_port()}", "--rdzv-id", "two-nodes"]
    command = [sys.executable, "-m", "torch.distributed.run", *rendezvous, "-m", "workbench"]
    command += ["train", str(path), "--steps", str(STEPS)]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    nodes = [subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        said = [node.communicate(timeout=LAUNCH_TIMEOUT_S)[1] for node in nodes]
    finally:
        for node in nodes:
            if node.poll() is None:
                node.kill()
    assert [node.returncode for node in nodes] == [0, 0], said
    assert "".join(said).count(f"Saved {path} at step {STEPS}.") == 1  # the node of rank 0 alone writes
    both, one = Project.open(path), Project.open(alone)
    one.trainer().run(STEPS)
    assert both.step == STEPS and both.history.meta["processes"] == 2
    np.testing.assert_allclose(both.history.losses, one.history.losses, rtol=1e-4)

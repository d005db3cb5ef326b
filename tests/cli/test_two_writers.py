"""Two ``workbench train`` on one file: the second is refused by name, not left to save over the
first's steps; a first killed with SIGKILL holds nothing."""

import os
import signal
import subprocess
import sys

import pytest

from workbench.cli import main
from workbench.engine.project.project import Project
from workbench.engine.project.project_lock import ProjectLock

PROSE = "It was the best of times, it was the worst of times; it was the age of wisdom.\n" * 40


@pytest.fixture
def project(tmp_path, capsys):
    prose = tmp_path / "prose.txt"
    prose.write_text(PROSE, encoding="utf-8")
    path = tmp_path / "p.h5"
    assert (
        main(
            [
                "new",
                str(path),
                "--text",
                str(prose),
                "--hidden",
                "16",
                "--layers",
                "1",
                "--batch-size",
                "4",
                "--seq-len",
                "16",
            ]
        )
        == 0
    )
    capsys.readouterr()
    return path


def start_training(path) -> subprocess.Popen:
    """A ``workbench train`` in another process, returned once it trains (it holds the lock)."""
    child = subprocess.Popen(
        [sys.executable, "-m", "workbench", "train", str(path), "--steps", "1000000", "--save-every", "1000000"],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert "Training" in child.stderr.readline()
    return child


def run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_a_second_writer_exits_2_naming_the_first(project, capsys):
    child = start_training(project)
    holder = f"{project} is being written by process {child.pid} (workbench train {project} --steps 1000000"
    status, _, err = run(capsys, "train", project, "--steps", 5)
    assert status == 2 and holder in err
    assert err.count("\n") == 1 and "Traceback" not in err
    status, _, err = run(capsys, "new", project, "--demo", "names", "--force")
    assert status == 2 and holder in err
    status, out, _ = run(capsys, "info", project)  # readers still read
    assert status == 0 and "trained    0 steps" in out

    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130
    first = Project.open(project).step
    assert first > 0
    assert run(capsys, "train", project, "--steps", 5)[0] == 0  # the first has let go
    assert Project.open(project).step == first + 5
    assert sorted(p.name for p in project.parent.iterdir()) == ["p.h5", "prose.txt"]


def test_a_writer_killed_with_sigkill_leaves_no_lock(project, capsys):
    child = start_training(project)
    os.kill(child.pid, signal.SIGKILL)
    child.communicate(timeout=60)
    assert run(capsys, "train", project, "--steps", 5)[0] == 0
    assert Project.open(project).step == 5


def test_a_demo_is_refused_while_another_process_writes_its_file(tmp_path, project, capsys):
    for path in (project, tmp_path / "names.h5"):  # continuing it, and creating it
        with ProjectLock.acquire(path, holder="workbench train"):
            status, _, err = run(capsys, "demo", "names", "--project", path, "--steps", 2)
        assert status == 2 and f"{path} is being written by process {os.getpid()} (workbench train)" in err

"""One writer at a time for a project: a second is refused by name, readers are not, and a
writer killed with SIGKILL leaves neither a lock nor its half-written save behind."""

import os
import re
import signal
import subprocess
import sys
import textwrap

import pytest
from tiny import make_project

from workbench.cli import main
from workbench.engine.common.errors import ProjectError
from workbench.engine.project.project import Project
from workbench.engine.project.project_lock import ProjectLock, ProjectLocked, remove_stale_temporaries


@pytest.fixture
def saved(tmp_path, text_corpus):
    project = make_project(text_corpus)
    project.trainer().run(3)
    return project.save(tmp_path / "p.h5")


def test_a_second_writer_is_refused_naming_the_process_that_holds_it(saved, text_corpus):
    writer = Project.open(saved, lock=True)
    refusal = f"p.h5 is being written by process {os.getpid()} .*; wait for it to finish or stop it"
    with pytest.raises(ProjectLocked, match=refusal):
        Project.open(saved, lock=True)
    with pytest.raises(ProjectLocked, match=refusal):
        make_project(text_corpus).save(saved)  # a new project saved over it
    assert Project.open(saved).step == 3  # nothing was written
    writer.close()


def test_the_refusal_says_what_the_holder_is(saved):
    with ProjectLock.acquire(saved, holder="workbench train p.h5"):
        with pytest.raises(ProjectLocked, match=r"process \d+ \(workbench train p.h5\)"):
            ProjectLock.acquire(saved)


def test_readers_still_work_while_a_writer_holds_it(saved, capsys):
    writer = Project.open(saved, lock=True)
    assert Project.open(saved).step == 3
    assert main(["info", str(saved)]) == 0
    assert "trained    3 steps" in capsys.readouterr().out
    writer.close()


def test_closing_lets_the_next_writer_in_and_takes_the_side_file(saved):
    writer = Project.open(saved, lock=True)
    writer.trainer().run(2)
    writer.save()  # its own file: written at once
    writer.close()
    assert sorted(os.listdir(saved.parent)) == ["p.h5", "prose.txt"]
    again = Project.open(saved, lock=True)
    assert again.step == 5
    again.close()


def test_save_as_moves_the_lock_and_a_copy_keeps_it(saved, tmp_path):
    writer = Project.open(saved, lock=True)
    writer.save(tmp_path / "copy.h5", lock=False)
    ProjectLock.acquire(tmp_path / "copy.h5").release()  # a copy is not held
    with pytest.raises(ProjectLocked):
        ProjectLock.acquire(saved)
    writer.save(tmp_path / "moved.h5")
    ProjectLock.acquire(saved).release()  # the old file is let go
    with pytest.raises(ProjectLocked):
        ProjectLock.acquire(tmp_path / "moved.h5")
    writer.close()


def test_a_project_that_holds_no_lock_holds_none_after_saving(tmp_path, text_corpus):
    path = make_project(text_corpus).save(tmp_path / "new.h5")
    Project.open(path, lock=True).close()


def start(code: str, *args) -> subprocess.Popen:
    """A Python child that prints a line once it is where the test wants it, then waits."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *map(str, args)], stdout=subprocess.PIPE, text=True
    )


def kill(child: subprocess.Popen) -> None:
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=60)
    child.stdout.close()


def test_a_writer_killed_with_sigkill_leaves_no_lock(saved):
    child = start(
        """
        import sys, time
        from workbench.engine.project.project import Project
        project = Project.open(sys.argv[1], lock=True)
        print("locked", flush=True)
        time.sleep(600)
    """,
        saved,
    )
    assert child.stdout.readline() == "locked\n"
    with pytest.raises(ProjectLocked, match=re.escape(f"process {child.pid} (python -c {saved})")):
        Project.open(saved, lock=True)
    kill(child)
    writer = Project.open(saved, lock=True)  # at once: the OS let the dead holder's lock go
    assert writer.step == 3
    writer.close()


def test_a_save_killed_midway_leaves_a_temporary_the_next_writer_removes(saved):
    child = start(
        """
        import os, sys, time
        from workbench.engine.project.project import Project

        def hang(temporary, path):  # the temporary is written, the kill comes before it replaces the project
            print("writing", flush=True)
            time.sleep(600)

        project = Project.open(sys.argv[1], lock=True)
        project.trainer().run(2)
        os.replace = hang
        project.save()
    """,
        saved,
    )
    assert child.stdout.readline() == "writing\n"
    kill(child)
    temporaries = list(saved.parent.glob(".p.h5.tmp-*"))
    assert len(temporaries) == 1 and temporaries[0].stat().st_size > 0
    writer = Project.open(saved, lock=True)
    assert not list(saved.parent.glob(".p.h5.tmp-*"))
    assert writer.step == 3  # the project as it was before the killed save
    writer.close()


def test_only_the_projects_own_temporaries_are_removed(saved):
    own = saved.with_name(".p.h5.tmp-0123abcd")
    others = [saved.with_name(".p.h5.tmp-notmine"), saved.with_name(".q.h5.tmp-0123abcd")]
    for path in [own, *others]:
        path.write_bytes(b"half a save")
    with ProjectLock.acquire(saved):
        assert remove_stale_temporaries(saved) == [own]
    assert all(path.exists() for path in others)


def test_a_lock_file_planted_as_a_link_is_never_written_through(tmp_path, text_corpus):
    """A shared folder holding `.p.h5.lock -> ~/.bashrc` must not have the holder's PID written there."""
    path = make_project(text_corpus).save(tmp_path / "p.h5")
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    (tmp_path / ".p.h5.lock").symlink_to(victim)
    with pytest.raises(ProjectError, match="cannot lock .*p.h5 for writing"):
        Project.open(path, lock=True)
    assert victim.read_text() == "precious\n"


def test_a_file_system_without_locks_is_refused_in_one_line(tmp_path, text_corpus, monkeypatch):
    import errno
    import fcntl

    path = make_project(text_corpus).save(tmp_path / "p.h5")

    def no_locks(descriptor, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    with pytest.raises(ProjectError, match="No locks available") as caught:
        Project.open(path, lock=True)
    assert "\n" not in str(caught.value)

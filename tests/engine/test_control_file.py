"""The control file a window writes and a run's rank 0 follows: each change applied once, a stop
for good, a file that is not one told once and never fatal."""

from __future__ import annotations

import os
import threading

import pytest

from workbench.engine.common.errors import WorkbenchError
from workbench.engine.live.control_file import ControlFile, ControlFollower, RunControl
from workbench.engine.training.control import TrainerControl


class CallsKept:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def pause(self) -> None:
        self.calls.append("pause")

    def resume(self) -> None:
        self.calls.append("resume")

    def stop(self) -> None:
        self.calls.append("stop")


def test_what_is_written_is_read_and_nothing_is_none(tmp_path):
    file = ControlFile(tmp_path / ".p.h5.control")
    assert file.read() is None
    file.write(RunControl(paused=True))
    assert file.read() == RunControl(paused=True, stop=False)
    file.remove()
    file.remove()
    assert file.read() is None


@pytest.mark.parametrize(
    "text", ["", "{", '{"paused": 1, "stop": false}', '{"paused": true}', "[]", "x" * 5000, "[" * 4000]
)
def test_a_file_that_is_no_control_is_refused_naming_it(tmp_path, text):
    path = tmp_path / ".p.h5.control"
    path.write_text(text)
    with pytest.raises(WorkbenchError, match="p.h5.control"):
        ControlFile(path).read()


def test_the_follower_applies_each_change_once_and_a_stop_for_good(tmp_path):
    file, control = ControlFile(tmp_path / "control"), CallsKept()
    follower = ControlFollower(file, control)
    follower.poll_once()
    assert control.calls == []
    file.write(RunControl(paused=True))
    follower.poll_once()
    follower.poll_once()
    file.write(RunControl(paused=False))
    follower.poll_once()
    file.write(RunControl(paused=True, stop=True))
    follower.poll_once()
    file.write(RunControl(paused=True))
    follower.poll_once()
    assert control.calls == ["pause", "resume", "stop"]


def test_a_broken_control_file_is_told_once_and_the_run_goes_on(tmp_path):
    path, told, control = tmp_path / "control", [], CallsKept()
    path.write_text("{broken")
    follower = ControlFollower(ControlFile(path), control, warn=told.append)
    follower.poll_once()
    follower.poll_once()
    assert len(told) == 1 and "control" in told[0] and "ignored" in told[0]
    ControlFile(path).write(RunControl(stop=True))
    follower.poll_once()
    assert control.calls == ["stop"]


def test_the_following_thread_pauses_a_trainer_control_and_ends_when_closed(tmp_path):
    file, control = ControlFile(tmp_path / "control"), TrainerControl()
    file.write(RunControl(paused=True))  # asked before the run follows: applied when it does
    paused = threading.Event()
    original_pause = control.pause

    def pause() -> None:
        original_pause()
        paused.set()

    control.pause = pause
    follower = ControlFollower(file, control, poll_s=0.01)
    follower.start()
    try:
        assert paused.wait(timeout=10) and control.paused
    finally:
        follower.close()
    assert follower._thread is None


def test_a_link_or_a_fifo_is_refused_not_followed_nor_waited_on(tmp_path):
    target, link, fifo = tmp_path / "elsewhere", tmp_path / ".p.h5.control", tmp_path / ".q.h5.control"
    ControlFile(target).write(RunControl(stop=True))
    link.symlink_to(target)
    os.mkfifo(fifo)
    with pytest.raises(WorkbenchError, match="p.h5.control: cannot be read: it is a link"):
        ControlFile(link).read()
    with pytest.raises(WorkbenchError, match="q.h5.control: cannot be read: it is not a plain file"):
        ControlFile(fifo).read()


def test_a_stop_asked_before_the_run_follows_is_applied_and_close_wakes_the_thread(tmp_path):
    file, control = ControlFile(tmp_path / "control"), TrainerControl()
    file.write(RunControl(stop=True))
    follower = ControlFollower(file, control, poll_s=3600)  # close must not wait out the poll
    follower.start()
    thread = follower._thread
    try:
        for _ in range(1000):
            if control.stop_requested:
                break
            threading.Event().wait(0.01)
        assert control.stop_requested
    finally:
        follower.close()
    assert not thread.is_alive()

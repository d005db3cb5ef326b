"""A torchrun run watched and steered through its live files, as the window does: rank 0's
events arrive in the event file, a pause written to the control file holds every process at
one step (no rank trains on alone into a collective), and a stop from the pause ends them all
there, saved; the live files go with the run."""

from __future__ import annotations

import time

import pytest
from test_torchrun_faults import end_all, start_long_run
from tiny import make_project, write_text_corpus

from workbench.engine.events import RunFinished, RunPaused, StepMetrics
from workbench.engine.live.control_file import ControlFile, RunControl
from workbench.engine.live.event_log import EventReader
from workbench.engine.live.paths import LivePaths
from workbench.engine.project.project import Project
from workbench.engine.project.project_lock import held_by_a_writer


def events_until(reader: EventReader, wanted, launcher, seen: list, timeout_s: float = 60.0):
    """Read events into ``seen`` until one satisfies ``wanted``; that one."""
    deadline = time.monotonic() + timeout_s
    while True:
        for event in reader.read():
            seen.append(event)
            if wanted(event):
                return event
        if launcher.poll() is not None:
            raise AssertionError(launcher.stdout.read())
        assert time.monotonic() < deadline, f"no such event in {timeout_s:.0f} s; seen {seen[-3:]}"
        time.sleep(0.05)


@pytest.mark.slow
def test_a_pause_holds_every_process_and_a_stop_ends_them_at_the_paused_step(tmp_path):
    path = tmp_path / "p.h5"
    make_project(write_text_corpus(tmp_path), batch_size=4).save(path)
    live = LivePaths.of(path)
    launcher = start_long_run(path)
    seen: list = []
    try:
        reader = EventReader(live.events)
        events_until(reader, lambda event: isinstance(event, StepMetrics), launcher, seen)
        assert held_by_a_writer(path)  # what tells a window the events are a live run's
        ControlFile(live.control).write(RunControl(paused=True))
        paused = events_until(reader, lambda event: isinstance(event, RunPaused), launcher, seen)
        assert paused.paused
        ControlFile(live.control).write(RunControl(paused=True, stop=True))
        output, _ = launcher.communicate(timeout=60)
    finally:
        if launcher.poll() is None:
            end_all(launcher)
    seen += reader.read()  # what rank 0 told as it ended, from the file it had open
    reader.close()
    assert launcher.returncode == 0, output  # a stop asked for is a clean end of the group
    assert f"Interrupted at step {paused.step:,}; saved {path}." in output
    assert f"Paused at step {paused.step:,}" in output  # the terminal says so too
    assert seen[-2:] == [RunPaused(paused.step, False), RunFinished(paused.step, "stopped", seen[-1].elapsed_s)]
    assert Project.open(path).step == paused.step  # rank 1 took no step past rank 0's pause
    assert not live.events.exists() and not live.control.exists() and not held_by_a_writer(path)

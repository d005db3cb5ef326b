"""The terminal progress bar: what it shows of a run, redrawn in place on a terminal, in lines in a log."""

import io

import numpy as np
from tiny import FakeClock

from workbench.cli.progress import ProgressBar
from workbench.engine.events import (
    RunFailed,
    RunFinished,
    RunStarted,
    SampleGenerated,
    StepMetrics,
    TaskProgress,
    ValidationResult,
)


def metrics(step: int, loss: float = 1.5, rate: float = 12_345.0) -> StepMetrics:
    return StepMetrics(step, loss, 0.002, rate, 1.0, ("head",), np.zeros(1))


def started(step: int = 0, target: int = 30, counts: str = "tokens") -> RunStarted:
    return RunStarted("run-001", step, target, "cpu", "CPU (1 thread)", 1_234, "LSTM 1×16", counts)


def train(bar: ProgressBar, clock: FakeClock, start: int = 0, target: int = 30) -> None:
    """A run of one step a third of a second, validated at its end."""
    bar(started(start, target))
    for step in range(start + 1, target + 1):
        clock.now += 1 / 3
        bar(metrics(step, loss=2.0 - step / 100))
        if step == start + 15:
            bar(SampleGenerated(step, "  It was the best of times  ", 0.8, ""))
    for done in (2, 4):
        bar(TaskProgress("Validating on the whole validation split", done, 4, unit="batches"))
    bar(ValidationResult(target, 1.111, 1.603))
    bar(RunFinished(target, "completed", 10.0))


def test_a_log_gets_a_line_each_tenth_of_the_run_with_its_figures_and_times():
    stream, clock = io.StringIO(), FakeClock(1000.0)
    train(ProgressBar(stream, clock=clock), clock)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "Training LSTM 1×16 (1,234 parameters) on CPU (1 thread)"
    bars = [line for line in lines if "% |" in line]
    assert len(bars) == 12  # step 1, each tenth after it, and the run's end with its validation
    assert " 50% |█████     | step 15/30 loss 1.850 12.3k tok/s 00:05<00:05" in lines
    assert lines[-1] == "100% |██████████| step 30/30 loss 1.700 val 1.111 12.3k tok/s 00:10<00:00"
    assert "— sample at step 15 (temperature 0.8):" in lines and "It was the best of times" in lines
    assert "Validating on the whole validation split: 4/4 batches" in lines  # once, when done
    assert not any("2/4" in line for line in lines) and "\r" not in stream.getvalue()


def test_a_resumed_run_counts_its_share_from_where_it_started():
    stream, clock = io.StringIO(), FakeClock(1000.0)
    bar = ProgressBar(stream, clock=clock)
    bar(started(1_000, 3_000, counts="items"))
    clock.now += 100
    bar(metrics(2_000, loss=0.25, rate=850))
    assert " 50% |█████     | step 2,000/3,000 loss 0.250 850 items/s 01:40<01:40" in stream.getvalue()


def test_a_terminal_gets_one_bar_redrawn_in_place_with_lines_printed_above_it():
    stream, clock = io.StringIO(), FakeClock(1000.0)
    train(ProgressBar(stream, interactive=True, clock=clock), clock)
    text = stream.getvalue()
    before_sample, sample_and_after = text.split("— sample at step 15 (temperature 0.8):\nIt was the best of times\n")
    assert "\n" not in before_sample.split("on CPU (1 thread)\n")[1]  # the bar redrew one line
    assert "\r 50% |#####     | step 15/30 loss 1.850 12.3k tok/s 00:05<00:05" in before_sample
    assert before_sample.endswith("\r")  # cleared for the sample, then drawn again under it
    assert sample_and_after.startswith("\n\r 50% |#####     | step 15/30")
    assert "Validating on the whole validation split: 100%|##########| 4/4" in sample_and_after
    final = "\r100% |##########| step 30/30 loss 1.700 val 1.111 12.3k tok/s 00:10<00:00\n"
    assert text.endswith(final)  # the bar is left on the screen when the run ends


def test_a_failed_run_clears_the_bar_and_says_why():
    stream, clock = io.StringIO(), FakeClock(1000.0)
    bar = ProgressBar(stream, interactive=True, clock=clock)
    bar(started())
    bar(metrics(3))
    bar(RunFailed(3, "the loss became nan at step 4"))
    drawn, failure = stream.getvalue().rsplit("\r", 1)
    assert "step 3/30" in drawn
    assert failure == "Training failed: the loss became nan at step 4\n"


def test_samples_can_be_left_out():
    stream = io.StringIO()
    bar = ProgressBar(stream, show_samples=False, clock=FakeClock(1000.0))
    bar(started())
    bar(SampleGenerated(1, "hello", 0.8, ""))
    assert "hello" not in stream.getvalue()

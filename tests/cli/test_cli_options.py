"""Every numeric option has a range, checked before any work starts; a closed pipe ends quietly."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tiny import make_project, write_lines_corpus

from workbench.cli import main


@pytest.fixture
def project(tmp_path):
    path = tmp_path / "p.h5"
    make_project(write_lines_corpus(tmp_path)).save(path)
    return path


def run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize(
    "argv, problem",
    [
        (["train", "{p}", "--steps", "-5"], "--steps: must be a whole number from 1 to 10,000,000, not '-5'"),
        (["train", "{p}", "--steps", "0"], "--steps: must be a whole number from 1 to"),
        (["train", "{p}", "--steps", "many"], "--steps: must be a whole number from 1 to"),
        (["train", "{p}", "--save-every", "0"], "--save-every: must be a whole number from 1 up, not '0'"),
        (["train", "{p}", "--save-every", "-1"], "--save-every: must be a whole number from 1 up"),
        (["demo", "names", "--project", "{p}", "--steps", "0"], "--steps: must be a whole number from 1 to"),
        (["sample", "{p}", "--count", "0"], "--count: must be a whole number from 1 to 1,000, not '0'"),
        (["sample", "{p}", "--count", "-3"], "--count: must be a whole number from 1 to 1,000"),
        (["sample", "{p}", "--count", "100000"], "--count: must be a whole number from 1 to 1,000"),
        (["sample", "{p}", "--length", "0"], "--length: must be a whole number from 1 to 100,000"),
        (["sample", "{p}", "--length", "100001"], "--length: must be a whole number from 1 to 100,000"),
        (["sample", "{p}", "--top-k", "-1"], "--top-k: must be a whole number from 0 up"),
        (["sample", "{p}", "--temperature", "inf"], "--temperature: must be 0 (greedy) or a number from 0.01 to 100"),
        (["sample", "{p}", "--temperature", "nan"], "--temperature: must be 0 (greedy) or a number from 0.01 to 100"),
        (["sample", "{p}", "--temperature", "-1"], "--temperature: must be 0 (greedy)"),
        (["sample", "{p}", "--temperature", "0.001"], "--temperature: must be 0 (greedy)"),
        (["sample", "{p}", "--seed", str(10**30)], "--seed: must be a whole number from 0 to 4,294,967,295"),
        (["sample", "{p}", "--seed", "-1"], "--seed: must be a whole number from 0 to 4,294,967,295"),
        (["write", "{p}", "hi", "--out", "{tmp}/x.svg", "--bias", "nan"], "--bias: must be a number from 0 to 10"),
        (["write", "{p}", "hi", "--out", "{tmp}/x.svg", "--bias", "11"], "--bias: must be a number from 0 to 10"),
        (["write", "{p}", "hi", "--out", "{tmp}/x.svg", "--prime-line", "-1"], "--prime-line: must be a whole number"),
        (["write", "{p}", "hi", "--out", "{tmp}/x.svg", "--seed", "-1"], "--seed: must be a whole number from 0"),
        (["new", "{tmp}/n.h5", "--demo", "names", "--seed", str(10**30)], "--seed: must be a whole number from 0"),
        (["new", "{tmp}/n.h5", "--demo", "names", "--hidden", "0"], "--hidden: must be a whole number from 1 to 8,192"),
        (["new", "{tmp}/n.h5", "--demo", "names", "--layers", "17"], "--layers: must be a whole number from 1 to 16"),
        (["new", "{tmp}/n.h5", "--demo", "names", "--embedding", "0"], "--embedding: must be a whole number from 1"),
        (
            ["new", "{tmp}/n.h5", "--demo", "names", "--dropout", "1"],
            "--dropout: must be a number at least 0 and below 1",
        ),
        (["new", "{tmp}/n.h5", "--demo", "names", "--batch-size", "0"], "--batch-size: must be a whole number from 1"),
        (["new", "{tmp}/n.h5", "--demo", "names", "--seq-len", "0"], "--seq-len: must be a whole number from 1"),
        (["new", "{tmp}/n.h5", "--demo", "names", "--lr", "0"], "--lr: must be a number above 0 and at most 100"),
        (["new", "{tmp}/n.h5", "--demo", "names", "--lr", "inf"], "--lr: must be a number above 0 and at most 100"),
        (["new", "{tmp}/n.h5", "--adding", "1"], "--adding: must be a whole number from 2 to 100,000"),
        (["new", "{tmp}/n.h5", "--copy", "0"], "--copy: must be a whole number from 1 to 100,000"),
        (["new", "{tmp}/n.h5", "--copy", "10", "--symbols", "0"], "--symbols: must be a whole number from 1 to 100"),
        (["export", "{p}"], "the following arguments are required: -o/--out"),
    ],
)
def test_a_value_out_of_range_is_refused_in_one_line_before_any_work(tmp_path, project, capsys, argv, problem):
    before = project.read_bytes()
    status, out, err = run(capsys, *(a.format(p=project, tmp=tmp_path) for a in argv))
    assert (status, out) == (2, "")
    assert err.startswith(f"workbench: {problem}") and err.count("\n") == 1
    assert project.read_bytes() == before and not (tmp_path / "n.h5").exists()


def test_the_ends_of_each_range_are_accepted(project, capsys):
    status, out, _ = run(
        capsys, "sample", project, "--seed", 2**32 - 1, "--count", 3, "--length", 5, "--temperature", 0.01, "--top-k", 0
    )
    assert status == 0 and len(out.splitlines()) == 3  # seeds 2**32 - 1 and the two after it
    assert run(capsys, "sample", project, "--temperature", 0, "--length", 1)[0] == 0
    assert run(capsys, "train", project, "--steps", 1, "--save-every", 1, "--device", "cpu")[0] == 0


def test_one_column_cannot_be_both_text_and_label(tmp_path, capsys):
    table = tmp_path / "words.csv"
    table.write_text("text,kind\n" + "".join(f"word{i},k{i % 2}\n" for i in range(20)))
    status, _, err = run(
        capsys, "new", tmp_path / "n.h5", "--table", table, "--text-column", "text", "--label-column", "text"
    )
    assert status == 2
    assert f"{table}: the column 'text' cannot be both the texts and their labels" in err


@pytest.mark.skipif(sys.platform != "linux", reason="needs /proc, where no new file can be made")
def test_an_export_that_cannot_be_written_names_the_target_not_a_temporary(project, capsys):
    status, _, err = run(capsys, "export", project, "-o", "/proc/m.safetensors")
    assert status == 2 and err.startswith("workbench: cannot write /proc/m.safetensors: ")
    assert ".tmp-" not in err


def test_a_closed_pipe_ends_the_command_quietly(project):
    """`workbench info p.h5 --json | head -1`: here the reader closes before the first line, so
    the write meets the closed pipe every time, not only when the output outgrows the pipe."""
    reading, writing = os.pipe()
    os.close(reading)
    try:
        child = subprocess.run(
            [sys.executable, "-m", "workbench", "info", str(project), "--json"],
            stdout=writing,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            cwd=Path(__file__).parents[2],
        )
    finally:
        os.close(writing)
    assert child.stderr == ""  # no BrokenPipeError traceback, nor the interpreter's complaint at exit
    assert child.returncode == 141  # 128 + SIGPIPE, as a shell reports a command the pipe ended

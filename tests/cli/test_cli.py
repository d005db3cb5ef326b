"""The ``workbench`` command: the whole path a newcomer takes, and one-line errors."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.cli.using import SAMPLE_SEPARATOR
from workbench.engine.project.project import Project

PROSE = "It was the best of times, it was the worst of times; it was the age of wisdom.\n" * 40


@pytest.fixture
def prose(tmp_path):
    path = tmp_path / "prose.txt"
    path.write_text(PROSE, encoding="utf-8")
    return path


def run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_new_train_sample_info(tmp_path, prose, capsys):
    project = tmp_path / "p.h5"
    status, out, _ = run(
        capsys,
        "new",
        project,
        "--text",
        prose,
        "--hidden",
        32,
        "--layers",
        1,
        "--batch-size",
        4,
        "--seq-len",
        16,
        "--cell",
        "gru",
    )
    assert status == 0 and "Created" in out and "GRU 32" in out
    status, _, err = run(capsys, "train", project, "--steps", 30, "--device", "cpu", "--save-every", 10)
    assert status == 0 and "Saved" in err and "step 30" in err
    assert Project.open(project).step == 30
    status, out, _ = run(capsys, "sample", project, "--prime", "It was", "--length", 40, "--seed", 3, "--count", 2)
    first, second = out.split(f"\n{SAMPLE_SEPARATOR}\n")
    assert status == 0 and first.startswith("It was") and second.startswith("It was")
    status, again, _ = run(capsys, "sample", project, "--prime", "It was", "--length", 40, "--seed", 3, "--count", 2)
    assert again == out  # seeded samples repeat
    unseeded = [run(capsys, "sample", project, "--length", 60, "--count", 3)[1] for _ in range(2)]
    samples = [text for out in unseeded for text in out.split(f"\n{SAMPLE_SEPARATOR}\n")]
    assert len(samples) == 6 and len(set(samples)) == 6  # fresh randomness for each sample and each call
    status, out, _ = run(capsys, "info", project, "--json")
    summary = json.loads(out)
    assert status == 0 and summary["step"] == 30 and summary["data"]["vocab_size"] == len(set(PROSE))
    status, out, _ = run(capsys, "info", project)
    assert "trained    30 steps" in out


def test_training_continues_where_it_stopped(tmp_path, prose, capsys):
    project = tmp_path / "p.h5"
    run(capsys, "new", project, "--text", prose, "--hidden", 16, "--layers", 1, "--batch-size", 4, "--seq-len", 16)
    run(capsys, "train", project, "--steps", 5)
    run(capsys, "train", project, "--steps", 7)
    assert Project.open(project).history.steps == list(range(1, 13))


@pytest.mark.parametrize(
    "argv,expected",
    [
        (["new", "{tmp}/p.h5", "--text", "{tmp}/missing.txt"], "missing.txt"),
        (
            ["new", "{tmp}/p.h5", "--text", "{prose}", "--template", "bidirectional"],
            "a bidirectional encoder cannot generate text left to right",
        ),
        (["new", "{tmp}/p.h5", "--text", "{prose}", "--template", "encoder-decoder"], "use the stacked template"),
        (
            ["new", "{tmp}/p.h5", "--text", "{prose}", "--hidden", "0"],
            "--hidden: must be a whole number from 1 to 8,192",
        ),
        (
            ["new", "{tmp}/p.h5", "--text", "{prose}", "--batch-size", "64", "--seq-len", "200"],
            "too short for one batch",
        ),
        (["new", "{prose}", "--demo", "names"], "already exists; add --force"),
        (["train", "{prose}"], "prose.txt"),
        (["info", "{tmp}/nowhere.h5"], "nowhere.h5"),
    ],
)
def test_user_errors_exit_2_with_one_line(tmp_path, prose, capsys, argv, expected):
    argv = [a.format(tmp=tmp_path, prose=prose) for a in argv]
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert expected in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "p.h5").exists()  # nothing half-made


def test_a_gpu_that_is_not_there_is_a_user_error(tmp_path, prose, capsys):
    project = tmp_path / "p.h5"
    run(capsys, "new", project, "--text", prose, "--hidden", 16, "--layers", 1, "--batch-size", 4, "--seq-len", 16)
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    status, _, err = run(capsys, "train", project, "--device", "cuda")
    assert status == 2 and "no CUDA GPU" in err


def test_ctrl_c_saves_and_exits_cleanly(tmp_path, prose):
    project = tmp_path / "p.h5"
    workbench = [sys.executable, "-m", "workbench"]
    project, prose = str(project), str(prose)
    subprocess.run(
        [
            *workbench,
            "new",
            project,
            "--text",
            prose,
            "--hidden",
            "16",
            "--layers",
            "1",
            "--batch-size",
            "4",
            "--seq-len",
            "16",
        ],
        check=True,
        capture_output=True,
    )
    child = subprocess.Popen(
        [*workbench, "train", project, "--steps", "1000000", "--save-every", "1000000"],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert "Training" in child.stderr.readline()  # the run has started
    time.sleep(1.0)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130
    assert "Interrupted at step" in err and "Traceback" not in err
    assert Project.open(project).step > 0
    assert not [p for p in Path(tmp_path).iterdir() if ".tmp-" in p.name]


def test_a_handwriting_project_is_described_in_lines_and_is_not_sampled_as_text(tmp_path, capsys):
    from workbench.engine.data.handwriting.corpus import StrokeCorpus
    from workbench.engine.data.handwriting.synthetic import synthesize_corpus
    from workbench.engine.project.starters import new_project

    corpus = StrokeCorpus.from_samples(synthesize_corpus(10, seed=2, writers=5), "test:pen", "Pen lines")
    path = tmp_path / "hand.h5"
    new_project(corpus, hidden=8, layers=1, batch_size=2, seq_len=30).save(path)
    status, out, _ = run(capsys, "info", path)
    assert status == 0 and "handwriting synthesis: LSTM 8" in out
    assert "Pen lines: 9 training / 1 validation handwriting lines by 5 writers" in out
    status, _, err = run(capsys, "sample", path)
    assert status == 2 and "holds a handwriting synthesis model, which does not write text" in err


def test_write_puts_a_handwritten_line_in_an_svg(tmp_path, capsys, prose):
    import re

    from workbench.engine.data.handwriting.corpus import StrokeCorpus
    from workbench.engine.data.handwriting.synthetic import synthesize_corpus
    from workbench.engine.project.starters import new_project

    corpus = StrokeCorpus.from_samples(synthesize_corpus(10, seed=2, writers=5), "test:pen", "Pen lines")
    path = tmp_path / "hand.h5"
    new_project(corpus, hidden=8, layers=1, batch_size=2, seq_len=30).save(path)
    svg = tmp_path / "hello.svg"
    status, out, _ = run(capsys, "write", path, "hello", "--out", svg, "--seed", 3, "--prime-line", 0)
    assert status == 0 and f"Wrote {svg}" in out
    text = svg.read_text()
    paths = re.findall(r'<path d="M ([^"]+)"/>', text)
    parts = [d.split(" L ") for d in paths]
    points = sum(1 if len(p) == 2 and p[0] == p[1] else len(p) for p in parts)  # a dot is drawn as a 0-length line
    assert paths and f"{points:,} pen points" in out  # every written point is in the file
    again = tmp_path / "again.svg"
    run(capsys, "write", path, "hello", "--out", again, "--seed", 3, "--prime-line", 0)
    assert again.read_text() == text  # the seed repeats it
    for bias in ("nan", "inf", "-1"):
        status, _, err = run(capsys, "write", path, "hello", "--out", svg, "--bias", bias)
        assert status == 2 and "--bias: must be a number from 0 to 10" in err
    status, _, err = run(capsys, "write", path, "hello", "--out", svg, "--prime-line", 99)
    assert status == 2 and "has no training line 99: its lines are 0 to 8" in err
    status, _, err = run(capsys, "write", path, "hello", "--out", tmp_path / "missing" / "x.svg")
    assert status == 2 and "cannot write" in err and "Traceback" not in err
    text_project = tmp_path / "text.h5"
    assert (
        run(
            capsys,
            "new",
            text_project,
            "--text",
            prose,
            "--hidden",
            8,
            "--layers",
            1,
            "--batch-size",
            4,
            "--seq-len",
            16,
        )[0]
        == 0
    )
    status, _, err = run(capsys, "write", text_project, "hello", "--out", svg)
    assert status == 2 and "does not write with a pen" in err


def test_own_data_of_each_kind_makes_the_model_its_task_needs(tmp_path, capsys):
    pairs = tmp_path / "numbers.tsv"
    pairs.write_text("".join(f"{word}\t{i}\n" for i, word in enumerate("zero one two three four five six".split())))
    table = tmp_path / "words.csv"
    words = "a ab abc abcd abcde".split()
    table.write_text("word,kind\n" + "".join(f"{w},{'short' if len(w) < 4 else 'long'}\n" for w in words))
    conll = tmp_path / "tags.conll"
    conll.write_text("the\tDET\ncat\tNOUN\n\na\tDET\ndog\tNOUN\n\nthe\tDET\nfox\tNOUN\n")
    made = {}
    for name, options in (
        ("pairs", ["--pairs", str(pairs)]),
        ("conll", ["--conll", str(conll)]),
        ("table", ["--table", str(table), "--text-column", "word", "--label-column", "kind"]),
    ):
        assert main(["new", str(tmp_path / f"{name}.h5"), *options, "--hidden", "8"]) == 0
        made[name] = Project.open(tmp_path / f"{name}.h5").spec
    assert made["pairs"].template == "attention" and made["pairs"].is_seq2seq
    assert made["conll"].template == "bidirectional" and made["conll"].head.kind == "tagging"
    assert made["table"].head.kind == "classification" and made["table"].head.num_outputs == 2
    series = tmp_path / "weather.csv"
    series.write_text("day,temp,rain\n" + "".join(f"d{i},{i % 7},{i % 3}\n" for i in range(400)))
    assert (
        main(
            [
                "new",
                str(tmp_path / "s.h5"),
                "--series",
                str(series),
                "--columns",
                "temp",
                "--hidden",
                "8",
                "--seq-len",
                "20",
            ]
        )
        == 0
    )
    opened = Project.open(tmp_path / "s.h5")
    assert opened.spec.head.kind == "regression" and opened.corpus.columns == ("temp",)
    assert main(["new", str(tmp_path / "lab.h5"), "--copy", "15", "--symbols", "2", "--cell", "gru"]) == 0
    lab = Project.open(tmp_path / "lab.h5")
    assert (lab.corpus.lag, lab.corpus.description["symbols"], lab.spec.encoder.cell) == (15, 2, "gru")
    assert main(["new", str(tmp_path / "bad.h5"), "--table", str(table), "--text-column", "word"]) == 2
    assert "choose the table's text column and its label column" in capsys.readouterr().err


def test_a_lab_demo_reports_its_loss_against_the_baseline(tmp_path, capsys):
    assert main(["demo", "copy", "--project", str(tmp_path / "copy.h5"), "--steps", "3"]) == 0
    out = capsys.readouterr().out
    assert "guessing one of the 8 symbols  2.079 nats/symbol" in out and "Baselines, in the first score's unit:" in out


@pytest.mark.parametrize(
    "options, message",
    [
        (["--copy", "0"], "must be a whole number from"),
        (["--adding", "0"], "must be a whole number from"),
        (["--copy", "10", "--symbols", "500"], "--symbols: must be a whole number from 1 to 100"),
    ],
)
def test_a_lab_task_out_of_range_is_refused_in_words(tmp_path, capsys, options, message):
    assert main(["new", str(tmp_path / "lab.h5"), *options]) == 2
    assert message in capsys.readouterr().err


def test_train_with_a_seed_repeats_the_run_bit_for_bit(tmp_path, prose, capsys):
    made = tmp_path / "p.h5"
    options = ("--hidden", 16, "--layers", 2, "--dropout", 0.2, "--batch-size", 4, "--seq-len", 16)
    assert run(capsys, "new", made, "--text", prose, *options)[0] == 0
    losses = {}
    for name, seed in (("a", 11), ("b", 11), ("c", 12)):
        copy = tmp_path / f"{name}.h5"
        copy.write_bytes(made.read_bytes())
        status, _, err = run(capsys, "train", copy, "--steps", 8, "--seed", seed, "--device", "cpu")
        assert status == 0 and "Saved" in err
        losses[name] = Project.open(copy).history.losses
    assert len(losses["a"]) == 8 and losses["a"] == losses["b"]
    assert losses["a"] != losses["c"]

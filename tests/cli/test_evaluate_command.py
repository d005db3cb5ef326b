"""``workbench evaluate``: the task's scores on the whole validation split beside its baselines,
and the terminal's smaller promises (an export named for its format, each sample printed once)."""

import json
import math

import pytest

from workbench.cli import main
from workbench.engine.data.labelled import labelled_corpus
from workbench.engine.project.starters import new_project

PROSE = "It was the best of times, it was the worst of times; it was the age of wisdom.\n" * 60


def run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def text_project(tmp_path, capsys):
    prose = tmp_path / "prose.txt"
    prose.write_text(PROSE, encoding="utf-8")
    path = tmp_path / "p.h5"
    run(capsys, "new", path, "--text", prose, "--hidden", 16, "--layers", 1, "--batch-size", 4, "--seq-len", 16)
    run(capsys, "train", path, "--steps", 5)
    return path


def test_evaluate_prints_the_score_the_baseline_and_where_the_model_stands(text_project, capsys):
    status, out, _ = run(capsys, "evaluate", text_project)
    assert status == 0
    assert "Language model, step 5:" in out and "of the whole validation split" in out
    assert "bits/char" in out and "Baselines, in the first score's unit:" in out and "6-gram model" in out
    # five steps of a 16-unit LSTM are far from a 6-gram model of a repeated sentence
    assert "The model is worse than the best baseline, 6-gram model" in out


def test_evaluate_json_is_machine_readable_with_no_nan(text_project, capsys):
    status, out, _ = run(capsys, "evaluate", text_project, "--json")
    report = json.loads(out)
    assert status == 0 and report["whole"] is True and report["step"] == 5
    assert report["headline"]["unit"] == "bits/char" and report["baselines"]
    assert report["verdict"].startswith("worse than")
    assert all(isinstance(b["value"], float) and math.isfinite(b["value"]) for b in report["baselines"])


def test_a_label_never_predicted_says_so_instead_of_nan(tmp_path, capsys):
    texts = ["ab", "ba", "aab", "bba", "abab", "baba", "aaab", "bbba"] * 6
    labels = ["x"] * 40 + ["y"] * 8  # an untrained model says x, the commonest, for everything
    corpus = labelled_corpus(texts, labels, "class", "test:xy", "XY", val_fraction=0.5, seed=3)
    path = tmp_path / "c.h5"
    new_project(corpus, hidden=4, layers=1, batch_size=4, seq_len=8).save(path)
    status, out, _ = run(capsys, "evaluate", path)
    assert status == 0 and "nan" not in out.lower()
    assert "never predicted" in out  # y, which the untrained model never chooses
    report = json.loads(run(capsys, "evaluate", path, "--json")[1])
    assert report["task"] == "sequence classification"
    assert {b["name"] for b in report["baselines"]} == {"commonest class", "bag-of-tokens logistic regression"}
    never = [label["name"] for label in report["labels"] if label["precision"] is None]
    assert never == ["y"]


def test_an_export_without_a_suffix_gets_its_formats(text_project, tmp_path, capsys):
    status, out, _ = run(capsys, "export", text_project, "--format", "torchscript", "-o", tmp_path / "model")
    assert status == 0
    assert (tmp_path / "model.pt").exists() and not (tmp_path / "model").exists()


def test_the_demo_prints_each_final_sample_once(tmp_path, capfd):
    assert main(["demo", "names", "--project", str(tmp_path / "names.h5"), "--steps", "2"]) == 0
    out, err = capfd.readouterr()
    assert "Samples at temperature 0.8, by the best weights:" in out
    assert "— sample at step" not in err  # the progress bar printed each one again


def test_the_repetition_penalty_is_offered_and_checked(text_project, capsys):
    status, _, err = run(capsys, "sample", text_project, "--repetition-penalty", "0.5")
    assert status == 2 and "--repetition-penalty" in err and "from 1 to 10" in err
    status, greedy, _ = run(capsys, "sample", text_project, "--temperature", "0", "--length", 60)
    status, guarded, _ = run(
        capsys, "sample", text_project, "--temperature", "0", "--length", 60, "--repetition-penalty", "3"
    )
    assert status == 0 and guarded != greedy


@pytest.mark.parametrize("encoding", ["punycode", "no-such-codec"])
def test_an_encoding_that_cannot_read_text_is_one_line(tmp_path, capsys, encoding):
    table = tmp_path / "t.csv"
    table.write_text("text,label\nhello there,x\nbye now,y\n", encoding="utf-8")
    status, _, err = run(
        capsys,
        "new",
        tmp_path / "t.h5",
        "--table",
        table,
        "--encoding",
        encoding,
        "--text-column",
        "text",
        "--label-column",
        "label",
    )
    assert status == 2 and "is not a text encoding Python knows" in err and "Traceback" not in err
    assert not (tmp_path / "t.h5").exists()

"""``workbench info`` and ``runs`` list what counting alone scores, from the record stored with the corpus."""

import json

import pytest

from workbench.cli import main
from workbench.engine.project.project import Project

PROSE = "It was the best of times, it was the worst of times; it was the age of wisdom.\n" * 40
RECORD = {
    "token": "char",
    "unigram": {"nats": 3.125, "smoothing": "add-one"},
    "ngram": {
        "smoothing": "interpolated modified Kneser–Ney",
        "orders": [{"n": 2, "nats": 2.5}, {"n": 3, "nats": 2.25}, {"n": 4, "nats": 2.0625}],
        "best_n": 4,
        "nats": 2.0625,
    },
    "train_tokens": 95_000_000,
    "counted_train_tokens": 8_000_000,
    "val_tokens": 5_000_000,
    "scored_val_tokens": 1_000_000,
    "sampled": True,
}


def run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, _ = capsys.readouterr()
    return status, out


@pytest.fixture
def project_path(tmp_path, capsys):
    prose, path = tmp_path / "prose.txt", tmp_path / "p.h5"
    prose.write_text(PROSE, encoding="utf-8")
    run(capsys, "new", path, "--text", prose, "--hidden", 16, "--layers", 1, "--batch-size", 4, "--seq-len", 16)
    project = Project.open(path, lock=True)
    project.corpus.description["counted_baselines"] = RECORD
    project.save()
    project.close()
    return path


def test_info_lists_the_stored_baselines_in_nats(project_path, capsys):
    status, out = run(capsys, "info", project_path)
    assert status == 0
    assert "  counting   unigram 3.125, 4-gram model 2.062 nats/char on the validation split\n" in out
    assert (
        "             (counted on 8,000,000 of the 95,000,000 training characters, "
        "scored on 1,000,000 of the 5,000,000 validation characters)\n" in out
    )


def test_info_json_holds_the_stored_record(project_path, capsys):
    status, out = run(capsys, "info", project_path, "--json")
    assert status == 0 and json.loads(out)["data"]["counted_baselines"] == RECORD


def test_runs_lists_the_stored_baselines_under_the_table(project_path, capsys):
    status, out = run(capsys, "runs", project_path)
    assert status == 0
    table, counting = out.split("Counting alone: ")
    assert table.splitlines()[0].startswith("run") and "best val loss" in table
    assert counting.startswith("unigram 3.125, 4-gram model 2.062 nats/char on the validation split\n  (counted on")

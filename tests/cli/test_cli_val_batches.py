"""``train --val-batches N|all``: how much of the held-out split each validation scores, kept with
the project, checked before any work; and a line before a run when that is a small share of it."""

from tiny import make_project, write_text_corpus

from workbench.cli import main
from workbench.cli.training import validation_share
from workbench.engine.project.project import Project
from workbench.engine.training.config import TrainConfig
from workbench.engine.training.validation import split_batches

HINT_END = "--val-batches all scores all of it."


def run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_all_validates_on_the_whole_split_and_is_kept_with_the_project(tmp_path, capsys):
    project = make_project(write_text_corpus(tmp_path), val_every=2, val_batches=1)
    whole = split_batches(project.corpus, project.config)
    path = project.save(tmp_path / "p.h5")
    status, _, err = run(capsys, "train", path, "--steps", 4)
    assert status == 0 and Project.open(path).history.val_whole == [False, True]  # quick at 2, whole at the end
    status, _, err = run(capsys, "train", path, "--steps", 4, "--val-batches", "all")
    reopened = Project.open(path)
    assert status == 0 and reopened.config.val_batches == 0
    assert reopened.history.val_steps[2:] == [6, 8] and reopened.history.val_whole[2:] == [True, True]
    assert HINT_END not in err
    status, _, err = run(capsys, "train", path, "--steps", 2, "--val-batches", 3)
    assert status == 0 and Project.open(path).config.val_batches == 3
    assert whole == 7 and HINT_END not in err  # 3 of 7 batches: no hint


def test_a_bad_value_stops_before_any_work(tmp_path, capsys):
    path = make_project(write_text_corpus(tmp_path), val_every=2).save(tmp_path / "p.h5")
    before = path.read_bytes()
    for bad in ("some", "-1", "0", "1.5"):
        status, out, err = run(capsys, "train", path, "--val-batches", bad)
        assert status == 2 and out == ""
        assert (
            err.strip()
            == f"workbench: --val-batches: must be all or a whole number from 1 to 2,147,483,647, not {bad!r}"
        )
    assert path.read_bytes() == before and Project.open(path).step == 0


def test_a_small_share_is_said_in_one_line_before_the_run(tmp_path, capsys):
    path = make_project(write_text_corpus(tmp_path), val_every=2, val_batches=1).save(tmp_path / "p.h5")
    status, _, err = run(capsys, "train", path, "--steps", 2)
    hints = [line for line in err.splitlines() if HINT_END in line]
    assert status == 0
    assert hints == [f"Each validation scores 1 of the 7 batches of the held-out split (14%); {HINT_END}"]
    assert err.index(hints[0]) < err.index("Training")


def test_the_share_line_only_when_validations_score_under_a_quarter():
    assert validation_share(TrainConfig(val_batches=20), 400) == [
        f"Each validation scores 20 of the 400 batches of the held-out split (5%); {HINT_END}"
    ]
    assert validation_share(TrainConfig(val_batches=20), 5_000)[0].startswith(
        "Each validation scores 20 of the 5,000 batches of the held-out split (under 1%)"
    )
    assert validation_share(TrainConfig(val_batches=20), 80) == []  # a quarter
    assert validation_share(TrainConfig(val_batches=0), 400) == []  # the whole split
    assert validation_share(TrainConfig(val_batches=20, val_every=0), 400) == []  # no validations

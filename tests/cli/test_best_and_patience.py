"""The command line uses the best weights unless told otherwise, says when there are none, and
``train`` stops early on patience or a time limit, saying why and which weights are kept."""

import json

import pytest
import torch
from safetensors.torch import load_file
from tiny import make_project, write_text_corpus

from workbench.cli import main
from workbench.cli.training import kept_best
from workbench.engine.events import RunFinished
from workbench.engine.inference.sampling import sample_text
from workbench.engine.inference.sampling_options import SamplingOptions
from workbench.engine.project.project import Project
from workbench.engine.project.project_file_reader import read_project_file
from workbench.engine.project.project_file_writer import write_project_file
from workbench.engine.training.run_end import PATIENCE, TIME_LIMIT


def run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def with_best(tmp_path):
    """A trained project whose best weights differ from its latest ones (halved in the file)."""
    project = make_project(write_text_corpus(tmp_path), val_every=2, val_batches=1)
    project.trainer().run(6)
    path = project.save(tmp_path / "p.h5")
    stored = read_project_file(path)
    stored.best_weights = {name: value * 0.5 for name, value in stored.best_weights.items()}
    write_project_file(path, stored)
    return path


def sampled(model, project, seed=3) -> str:
    return sample_text(model, project.corpus.vocab, SamplingOptions(length=40, temperature=1.0, seed=seed))


def test_sample_uses_the_best_weights_unless_told_the_latest(with_best, capsys):
    project = Project.open(with_best)
    best, latest = sampled(project.model_with("best"), project), sampled(project.model, project)
    assert best != latest
    status, out, err = run(capsys, "sample", with_best, "--length", 40, "--temperature", 1, "--seed", 3)
    assert status == 0 and out == best + "\n" and err == ""
    status, out, _ = run(
        capsys, "sample", with_best, "--length", 40, "--temperature", 1, "--seed", 3, "--weights", "latest"
    )
    assert status == 0 and out == latest + "\n"


def test_the_best_model_is_a_copy_the_latest_is_the_project_s_own(with_best):
    project = Project.open(with_best)
    assert project.model_with("latest") is project.model
    best = project.model_with()
    assert best is not project.model
    for name, value in best.state_dict().items():
        assert torch.equal(value, project.best.weights[name])
        assert not torch.equal(value, project.model.state_dict()[name]) or not value.any()
    with pytest.raises(Exception, match="'best' or 'latest'"):
        project.model_with("newest")


def test_export_writes_the_chosen_weights(with_best, tmp_path, capsys):
    project = Project.open(with_best)
    for weights, expected in (("best", project.best.weights), ("latest", project.model.state_dict())):
        out = tmp_path / f"{weights}.safetensors"
        status, _, err = run(capsys, "export", with_best, "-o", out, "--weights", weights)
        assert status == 0 and err == "", err
        written = load_file(out)
        assert all(torch.equal(written[name], value) for name, value in expected.items())


def test_without_a_best_the_latest_are_used_saying_so_once(tmp_path, capsys):
    path = make_project(write_text_corpus(tmp_path)).save(tmp_path / "p.h5")
    status, out, err = run(capsys, "sample", path, "--length", 10, "--count", 3)
    assert status == 0 and len(out.strip()) > 0
    assert err.count("no best weights yet") == 1 and "used the latest, after step 0" in err
    status, _, err = run(capsys, "sample", path, "--length", 10, "--weights", "latest")
    assert status == 0 and err == ""


def test_info_tells_the_best(with_best, tmp_path, capsys):
    best = Project.open(with_best).best
    status, out, _ = run(capsys, "info", with_best, "--json")
    assert status == 0 and json.loads(out)["best"] == {"step": best.step, "val_loss": best.val_loss}
    status, out, _ = run(capsys, "info", with_best)
    lines = [line for line in out.splitlines() if line.strip().startswith("best")]
    assert lines == [
        f"  best       val loss {best.val_loss:.3f} at step {best.step:,}: what sample, write and export use"
    ]
    bare = make_project(write_text_corpus(tmp_path)).save(tmp_path / "bare.h5")
    status, out, _ = run(capsys, "info", bare, "--json")
    assert json.loads(out)["best"] is None
    status, out, _ = run(capsys, "info", bare)
    assert sum(line.strip().startswith("best") for line in out.splitlines()) == 1 and "none kept yet" in out


def test_the_weights_option_takes_only_best_or_latest(with_best, capsys):
    status, _, err = run(capsys, "sample", with_best, "--weights", "newest")
    assert status == 2 and "newest" in err


def test_train_with_patience_says_why_it_stopped_and_which_weights_are_best(tmp_path, capsys):
    """Weights that do not move (a learning rate far below float32's resolution): every
    validation ties the first, so two in a row are no better."""
    project = make_project(write_text_corpus(tmp_path), learning_rate=1e-30, grad_clip=0.0, val_every=1, val_batches=1)
    path = project.save(tmp_path / "p.h5")
    status, _, err = run(capsys, "train", path, "--steps", 50, "--patience", 2, "--save-every", 100)
    reopened = Project.open(path)
    best = reopened.best
    assert status == 0 and best.step == 1 and reopened.step == 3
    assert (
        f"Stopped at step 3: no better validation loss for 2 validations; the best, step 1 "
        f"(val {best.val_loss:.3f}), is kept as best." in err
    )
    assert reopened.config.patience == 2  # kept with the project
    status, _, err = run(capsys, "train", path, "--steps", 2, "--patience", 0)
    assert status == 0 and "Stopped" not in err and Project.open(path).config.patience == 0


def test_train_keeps_the_time_limit_with_the_project(tmp_path, capsys):
    path = make_project(write_text_corpus(tmp_path)).save(tmp_path / "p.h5")
    status, _, err = run(capsys, "train", path, "--steps", 2, "--minutes", 100000)
    assert status == 0 and "Saved" in err and Project.open(path).config.max_minutes == 100000
    status, _, err = run(capsys, "train", path, "--minutes", -1)
    assert status == 2 and "--minutes" in err


def test_the_early_stop_line_names_the_best_or_its_absence(with_best):
    best = Project.open(with_best).best
    assert kept_best(best) == f"the best, step {best.step:,} (val {best.val_loss:.3f}), is kept as best."
    assert kept_best(None) == "no validation has kept best weights."


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        ("completed", "Finished at step 12"),
        ("stopped", "Stopped at step 12"),
        (PATIENCE, "Stopped early (no better validation loss) at step 12"),
        (TIME_LIMIT, "Stopped at its time limit at step 12"),
    ],
)
def test_the_window_s_status_bar_tells_every_way_a_run_ends(qtbot, tmp_path, reason, words):
    from PySide6.QtCore import QSettings

    from workbench.ui.main_window import MainWindow

    window = MainWindow(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat), tmp_path / "autosave")
    qtbot.addWidget(window)
    window.bridge.run_finished.emit(RunFinished(12, reason, 3.0))
    assert window.statusBar().currentMessage() == f"{words} after 3 s"
    window.close()


def test_the_limits_in_force_are_said_before_a_run_and_a_patience_no_validation_can_meet():
    from workbench.cli.training import limits_in_force
    from workbench.engine.training.config import TrainConfig

    assert limits_in_force(TrainConfig(), 100) == []
    lines = limits_in_force(TrainConfig(patience=3, val_every=200, max_minutes=1.5), 100)
    assert lines[0] == "Early stopping: after 3 validations without a better loss (--patience 0 turns it off)."
    assert "cannot stop this run" in lines[1]
    assert lines[2] == "Time limit: 1.5 minutes of training (--minutes 0 turns it off)."
    assert len(limits_in_force(TrainConfig(patience=3, val_every=50), 100)) == 1

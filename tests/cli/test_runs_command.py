"""``workbench runs``: a project's runs as a table, their metrics as a tidy CSV or TensorBoard events."""

import csv
import importlib.util
import json
import os
import re
import statistics
import textwrap
from dataclasses import replace

import numpy as np
import pytest

from workbench.cli import main
from workbench.engine.common.errors import WorkbenchError
from workbench.engine.common.write_targets import check_new_folder_target
from workbench.engine.model.builder import build_model
from workbench.engine.project.project import Project
from workbench.engine.project.run_table import wall_time_text
from workbench.engine.training.run_tensorboard import summary_writer_class, write_runs_tensorboard

PROSE = "It was the best of times, it was the worst of times; it was the age of wisdom.\n" * 40
TENSORBOARD_INSTALLED = importlib.util.find_spec("tensorboard") is not None


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """A project trained 8 steps as a 1-layer LSTM 32, then rebuilt as a 2-layer GRU 48 and
    trained 12 more, validating every 4 steps."""
    folder = tmp_path_factory.mktemp("runs")
    prose, path = folder / "prose.txt", folder / "p.h5"
    prose.write_text(PROSE, encoding="utf-8")
    small = ["--hidden", "32", "--layers", "1", "--batch-size", "4", "--seq-len", "16"]
    assert main(["new", str(path), "--text", str(prose), *small]) == 0
    project = Project.open(path, lock=True)
    project.set_config(replace(project.config, val_every=4, val_batches=2))
    project.save()
    project.close()
    assert main(["train", str(path), "--steps", "8", "--save-every", "4", "--device", "cpu"]) == 0
    project = Project.open(path, lock=True)
    project.rebuild(
        replace(project.spec, encoder=replace(project.spec.encoder, cell="gru", hidden_size=48, num_layers=2))
    )
    project.save()
    project.close()
    assert main(["train", str(path), "--steps", "12", "--save-every", "6", "--device", "cpu"]) == 0
    return path


def run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def table_rows(out: str) -> list[list[str]]:
    return [re.split(r"\s{2,}", line.strip()) for line in out.splitlines() if line.startswith(("run", "run-"))]


def rate_text(rates: list[float]) -> str:
    rate = statistics.median(rates)
    return f"{rate / 1000:.1f}k" if rate >= 1000 else f"{rate:.0f}"


def test_the_table_shows_each_runs_facts(two_runs, capsys):
    first, second = Project.open(two_runs).runs
    assert first.val_steps[:2] == [4, 8] and second.val_steps[:3] == [4, 8, 12]  # validated every 4 steps
    status, out, err = run(capsys, "runs", two_runs)
    assert status == 0 and err == ""
    header, *rows = table_rows(out)
    assert header == [
        "run", "cell", "size", "parameters", "steps", "best val loss", "at step", "tokens/s", "wall time", "created"
    ]  # fmt: skip
    project = Project.open(two_runs)
    parameters = sum(p.numel() for p in project.model.parameters())
    first_spec = replace(project.spec, encoder=replace(project.spec.encoder, cell="lstm", hidden_size=32, num_layers=1))
    first_parameters = sum(p.numel() for p in build_model(first_spec).parameters())
    # an earlier run: its lowest quick validation (one scope); the current run: the best the project keeps
    quick = [i for i, whole in enumerate(first.val_whole) if not whole]
    lowest = min(quick, key=lambda i: first.val_losses[i])
    bests = {
        first.name: (first.val_losses[lowest], first.val_steps[lowest]),
        second.name: (project.best.val_loss, project.best.step),
    }
    expected = ((rows[0], first, "32 × 1", f"{first_parameters:,}"), (rows[1], second, "48 × 2", f"{parameters:,}"))
    for row, run_history, size, params in expected:
        loss, step = bests[run_history.name]
        assert row[:8] == [
            run_history.name,
            "LSTM" if run_history is first else "GRU",
            size,  # the first run's, as it recorded them when it was made
            params,
            f"{len(run_history.steps)}",
            f"{loss:.3f}",
            f"{step}",
            rate_text(run_history.tokens_per_s),
        ]
        assert run_history.wall_s is not None and row[8] == wall_time_text(run_history.wall_s)  # recorded as it trained
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", row[9])
    assert [row[4] for row in rows] == ["8", "12"]


def test_a_run_that_never_trained_shows_dashes(tmp_path, capsys):
    prose, path = tmp_path / "prose.txt", tmp_path / "p.h5"
    prose.write_text(PROSE, encoding="utf-8")
    run(capsys, "new", path, "--text", prose, "--hidden", 16, "--layers", 3, "--batch-size", 4, "--seq-len", 16)
    status, out, _ = run(capsys, "runs", path)
    (row,) = table_rows(out)[1:]
    assert status == 0 and row[:9] == ["run-001", "LSTM", "16 × 3", row[3], "0", "—", "—", "—", "—"]
    assert int(row[3].replace(",", "")) == sum(p.numel() for p in Project.open(path).model.parameters())


def test_the_csv_holds_every_logged_metric_a_row_each(two_runs, tmp_path, capsys):
    target = tmp_path / "metrics.csv"
    status, out, _ = run(capsys, "runs", two_runs, "--csv", target)
    with target.open(newline="", encoding="utf-8") as stream:
        reader = csv.DictReader(stream)
        rows = list(reader)
    assert status == 0 and reader.fieldnames == ["run", "step", "metric", "value"]
    assert f"Wrote {target}: {len(rows):,} values of 2 runs" in out
    assert [path.name for path in tmp_path.iterdir()] == ["metrics.csv"]  # no temporary left beside it

    def series(run_name: str, metric: str) -> list[tuple[int, np.float32]]:
        return [
            (int(row["step"]), np.float32(row["value"]))
            for row in rows
            if (row["run"], row["metric"]) == (run_name, metric)
        ]

    for history in Project.open(two_runs).runs:
        name = history.name
        assert series(name, "train_loss") == list(zip(history.steps, np.float32(history.losses)))
        assert series(name, "learning_rate") == list(zip(history.steps, np.float32(history.learning_rates)))
        assert series(name, "tokens_per_s") == list(zip(history.metric_steps, np.float32(history.tokens_per_s)))
        assert series(name, "grad_norm") == list(zip(history.metric_steps, np.float32(history.grad_norms)))
        assert series(name, "val_loss") == list(zip(history.val_steps, np.float32(history.val_losses)))
        assert series(name, "val_whole") == list(zip(history.val_steps, np.float32(history.val_whole)))
        for layer, norms in history.layer_grad_norms.items():
            assert series(name, f"grad_norm/{layer}") == list(zip(history.metric_steps, np.float32(norms)))
        assert series(name, "val_accuracy") == []  # a language model counts no accuracy: NaN is no row
    layers = {
        run_name: {row["metric"] for row in rows if row["run"] == run_name} for run_name in ("run-001", "run-002")
    }
    assert "grad_norm/encoder.l1" in layers["run-002"] and "grad_norm/encoder.l1" not in layers["run-001"]
    assert len(rows) == sum(1 for row in rows if row["value"] not in ("", "nan"))


@pytest.mark.parametrize(
    "target,expected",
    [
        ("{tmp}", "cannot write {tmp}: it is a folder; name a file"),
        ("{tmp}/missing/m.csv", "cannot write {tmp}/missing/m.csv: the folder {tmp}/missing does not exist"),
        ("{tmp}/notes.txt/m.csv", "cannot write {tmp}/notes.txt/m.csv: {tmp}/notes.txt is a file, not a folder"),
        ("{tmp}/nowhere.h5", "{tmp}/nowhere.h5 is the project file itself: choose another name"),
    ],
)
def test_a_csv_that_cannot_be_written_is_refused_before_the_project_is_read(tmp_path, capsys, target, expected):
    (tmp_path / "notes.txt").write_text("not a folder")
    target, expected = target.format(tmp=tmp_path), expected.format(tmp=tmp_path)
    status, out, err = run(capsys, "runs", tmp_path / "nowhere.h5", "--csv", target)  # a project never read
    assert status == 2 and out == "" and err == f"workbench: {expected}\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt"]


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes into any folder")
def test_a_csv_in_a_folder_that_is_not_writable_is_refused(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        status, _, err = run(capsys, "runs", tmp_path / "nowhere.h5", "--csv", locked / "m.csv")
    finally:
        locked.chmod(0o700)
    assert status == 2 and err == f"workbench: cannot write {locked / 'm.csv'}: the folder {locked} is not writable\n"


@pytest.mark.skipif(TENSORBOARD_INSTALLED, reason="the tensorboard package is installed")
def test_tensorboard_without_its_package_says_how_to_install_it(tmp_path, capsys):
    with pytest.raises(WorkbenchError, match="pip install tensorboard"):
        summary_writer_class()  # torch.utils.tensorboard itself fails to import without the package
    status, out, err = run(capsys, "runs", tmp_path / "nowhere.h5", "--tensorboard", tmp_path / "tb")
    assert status == 2 and out == ""
    assert (
        err == "workbench: TensorBoard files need the tensorboard package: install it with `pip install tensorboard`\n"
    )
    assert not (tmp_path / "tb").exists()


def test_a_tensorboard_folder_must_be_new_or_empty(tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "events.out.tfevents.1").write_bytes(b"")
    (tmp_path / "file").write_text("")
    with pytest.raises(WorkbenchError, match="the folder is not empty; name a new one"):
        check_new_folder_target(tmp_path / "old")
    with pytest.raises(WorkbenchError, match="it is a file; name a folder"):
        check_new_folder_target(tmp_path / "file")
    with pytest.raises(WorkbenchError, match="file is a file, not a folder"):
        check_new_folder_target(tmp_path / "file" / "tb")
    (tmp_path / "empty").mkdir()
    check_new_folder_target(tmp_path / "empty")
    check_new_folder_target(tmp_path / "new" / "nested")  # SummaryWriter makes the folders


class RecordingWriter:
    """A stand-in for SummaryWriter: what was written to it, and whether it was closed."""

    made: list = []

    def __init__(self, log_dir: str) -> None:
        self.log_dir, self.scalars, self.texts, self.closed = log_dir, {}, {}, False
        RecordingWriter.made.append(self)

    def add_scalar(self, tag, value, step):
        self.scalars.setdefault(tag, []).append((step, value))

    def add_text(self, tag, text):
        self.texts[tag] = text

    def close(self):
        self.closed = True


def test_tensorboard_gets_every_curve_of_every_run_and_the_spec(two_runs, tmp_path):
    RecordingWriter.made = []
    project = Project.open(two_runs)
    folders = write_runs_tensorboard(
        project.runs, tmp_path / "tb", RecordingWriter, counts="tokens", spec=project.spec.to_dict()
    )
    assert folders == [tmp_path / "tb" / "run-001", tmp_path / "tb" / "run-002"]
    assert [writer.log_dir for writer in RecordingWriter.made] == [str(folder) for folder in folders]
    for writer, history in zip(RecordingWriter.made, project.runs):
        scalars = writer.scalars
        assert writer.closed
        assert scalars["train_loss"] == list(zip(history.steps, history.losses))
        assert scalars["learning_rate"] == list(zip(history.steps, history.learning_rates))
        assert scalars["val_loss"] == list(zip(history.val_steps, history.val_losses))
        assert scalars["tokens_per_s"] == list(zip(history.metric_steps, history.tokens_per_s))
        assert scalars["grad_norm"] == list(zip(history.metric_steps, history.grad_norms))
        layers = {tag.removeprefix("grad_norm/") for tag in scalars if tag.startswith("grad_norm/")}
        assert layers == set(history.layer_grad_norms) and "head" in layers
        assert "val_whole" not in scalars and "val_accuracy" not in scalars
        assert writer.texts["model"] == history.meta["model"]
    first, second = RecordingWriter.made
    assert "spec" not in first.texts  # an earlier run's spec is not stored
    assert json.loads(textwrap.dedent(second.texts["spec"])) == project.spec.to_dict()
    assert "grad_norm/encoder.l1" in second.scalars and "grad_norm/encoder.l1" not in first.scalars

"""Project files: exact round trips, checksums, atomic saves and clear errors for bad files."""

import errno
import os

import h5py
import numpy as np
import pytest

from workbench.engine.common.errors import ProjectError
from workbench.engine.project.project_file import FORMAT_NAME, FORMAT_VERSION, ProjectFile, Run
from workbench.engine.project.project_file_reader import read_project_file
from workbench.engine.project.project_file_writer import write_project_file


def make_project() -> ProjectFile:
    rng = np.random.default_rng(0)
    return ProjectFile(
        spec={"version": 1, "encoder": {"cell": "lstm", "hidden_size": 8}},
        data_description={"kind": "text", "source": "names.txt", "tokens": 5000},
        vocabulary={"tokens": ["<pad>", "a", "é", "名"], "unknown": None},
        data_arrays={
            "train": rng.integers(0, 4, 5000, dtype=np.uint16),
            "validation": np.arange(300, dtype=np.uint8),
            "offsets": np.array([0, 10, 20], dtype=np.int64),
            "empty": np.zeros(0, dtype=np.int32),
        },
        train_config={"lr": 0.003, "batch_size": 16, "clip": None},
        weights={
            "encoder.weight_ih_l0": rng.standard_normal((32, 4)).astype(np.float32),
            "encoder.bias_ih_l0": rng.standard_normal(32).astype(np.float32),
            "head.scale": np.array(1.5, dtype=np.float32),
            "head.unused": np.zeros((0, 8), dtype=np.float32),
        },
        optimizer={
            "param_groups": [{"lr": 0.003, "betas": [0.9, 0.999], "params": [0, 1, 2, 3]}],
            "state": {
                "0": {
                    "exp_avg": rng.standard_normal((32, 4)).astype(np.float32),
                    "step": np.array(12.0, dtype=np.float32),
                },
            },
        },
        trainer_state={"step": 12, "python_rng": [3, [1, 2, 3], None], "position": 480},
        trainer_arrays={
            "torch_rng": rng.integers(0, 256, 5056, dtype=np.uint8),
            "hidden/0": rng.standard_normal((1, 16, 8)).astype(np.float32),
        },
        runs=[
            Run(
                name="run-002",
                meta={"cell": "gru", "started": "2025-01-01T10:00:00"},
                series={"step": np.arange(5, dtype=np.int64), "loss": np.ones(5)},
            ),
            Run(
                name="run-001",
                meta={"cell": "rnn"},
                series={
                    "step": np.arange(3, dtype=np.int64),
                    "val_loss": np.zeros(0, dtype=np.float32),
                    "grad_norm/encoder.l0": np.array([0.5, 0.25, 0.125], dtype=np.float32),
                    "odd%2Fname/100%": np.ones(2, dtype=np.float32),
                },
            ),
        ],
        samples=[{"step": 10, "text": "Zoë «naïve» 名前 🙂\n\u0000", "temperature": 0.8}],
        probe_meta={"step": 12, "input": "anna"},
        probe_arrays={"encoder.l0/gates/forget": rng.random((4, 8), dtype=np.float32)},
        created_with="0.1.0",
    )


def assert_arrays_equal(actual: dict, expected: dict) -> None:
    assert list(actual) == list(expected)
    for name, array in expected.items():
        assert actual[name].dtype == array.dtype, name
        assert actual[name].shape == array.shape, name
        np.testing.assert_array_equal(actual[name], array)


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "project.h5"
    write_project_file(path, make_project())
    return path


def test_round_trip_keeps_every_field_exactly(saved):
    expected = make_project()
    loaded = read_project_file(saved)

    for field in ("spec", "data_description", "vocabulary", "train_config", "trainer_state"):
        assert getattr(loaded, field) == getattr(expected, field), field
    assert loaded.samples == expected.samples
    assert loaded.probe_meta == expected.probe_meta
    assert loaded.created_with == "0.1.0"
    for field in ("data_arrays", "weights", "trainer_arrays", "probe_arrays"):
        assert_arrays_equal(getattr(loaded, field), getattr(expected, field))
    assert loaded.optimizer["param_groups"] == expected.optimizer["param_groups"]
    assert list(loaded.optimizer["state"]) == ["0"]
    assert_arrays_equal(loaded.optimizer["state"]["0"], expected.optimizer["state"]["0"])
    assert [run.name for run in loaded.runs] == ["run-002", "run-001"]
    for run, expected_run in zip(loaded.runs, expected.runs):
        assert run.meta == expected_run.meta
        assert_arrays_equal(run.series, expected_run.series)


def test_absent_optimizer_and_probe_round_trip(tmp_path):
    path = tmp_path / "fresh.h5"
    project = make_project()
    project.optimizer, project.probe_meta, project.probe_arrays = None, None, {}
    project.runs, project.samples = [], []
    write_project_file(path, project)

    loaded = read_project_file(path)

    assert loaded.optimizer is None and loaded.probe_meta is None
    assert loaded.probe_arrays == {} and loaded.runs == [] and loaded.samples == []


def test_file_names_its_format_and_checksums_every_dataset(saved):
    datasets = []

    def collect_dataset(name, node):
        if isinstance(node, h5py.Dataset):
            datasets.append(node)

    with h5py.File(saved, "r") as file:
        assert file.attrs["format"].decode() == FORMAT_NAME
        assert file.attrs["format_version"] == FORMAT_VERSION
        assert file.attrs["saved_at"]
        file.visititems(collect_dataset)
        assert [dataset.name for dataset in datasets if not dataset.fletcher32] == []
        assert len(datasets) > 20
        assert file["data/arrays/train"].compression == "gzip"
        assert file["runs/run-001/series/grad_norm%2Fencoder.l0"].maxshape == (None,)


def test_failed_save_keeps_previous_file_and_removes_temporary(saved, monkeypatch):
    before = saved.read_bytes()
    written = []
    create_dataset = h5py.Group.create_dataset

    def write_then_fill_disk(group, name, *args, **options):
        if len(written) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(name)
        return create_dataset(group, name, *args, **options)

    monkeypatch.setattr(h5py.Group, "create_dataset", write_then_fill_disk)

    with pytest.raises(ProjectError, match="cannot save .*project.h5: No space left"):
        write_project_file(saved, make_project())

    assert saved.read_bytes() == before
    assert os.listdir(saved.parent) == ["project.h5"]


def test_value_that_is_not_json_is_reported_and_nothing_is_written(saved):
    before = saved.read_bytes()
    project = make_project()
    project.train_config = {"schedule": {1, 2}}

    with pytest.raises(ProjectError, match="project.h5: /trainer/config is not JSON"):
        write_project_file(saved, project)

    assert saved.read_bytes() == before
    assert os.listdir(saved.parent) == ["project.h5"]


def test_save_into_missing_folder_is_a_project_error(tmp_path):
    with pytest.raises(ProjectError, match="cannot save .*nowhere.*No such file"):
        write_project_file(tmp_path / "nowhere" / "project.h5", make_project())


def flip_byte(path, offset):
    raw = bytearray(path.read_bytes())
    raw[offset] ^= 0xFF
    path.write_bytes(bytes(raw))


def test_flipped_byte_in_weights_is_reported_as_damage(saved):
    with h5py.File(saved, "r") as file:
        chunk = file["weights/encoder.weight_ih_l0"].id.get_chunk_info(0)
    flip_byte(saved, chunk.byte_offset + chunk.size // 2)

    with pytest.raises(ProjectError) as caught:
        read_project_file(saved)

    message = str(caught.value)
    assert message.startswith(str(saved))
    assert "is damaged: the checksum of /weights/encoder.weight_ih_l0 does not match" in message


def test_flipped_byte_in_metadata_is_reported_as_damage(saved):
    flip_byte(saved, saved.read_bytes().index(FORMAT_NAME.encode()) + 3)

    with pytest.raises(ProjectError, match=r"project\.h5 is damaged"):
        read_project_file(saved)


def test_truncated_file_is_reported(saved):
    raw = saved.read_bytes()
    saved.write_bytes(raw[: len(raw) // 2])

    with pytest.raises(ProjectError, match=r"project\.h5 is truncated"):
        read_project_file(saved)


@pytest.mark.parametrize(
    "content",
    [b"just some notes\n", b"\x89PNG\r\n\x1a\n" + bytes(100), b""],
    ids=["text", "png", "empty"],
)
def test_file_that_is_not_hdf5_is_reported(tmp_path, content):
    path = tmp_path / "notes.h5"
    path.write_bytes(content)

    with pytest.raises(ProjectError, match=r"notes\.h5 is not a Sequence Workbench project"):
        read_project_file(path)


def test_foreign_hdf5_file_is_reported(tmp_path):
    path = tmp_path / "other.h5"
    with h5py.File(path, "w") as file:
        file["x"] = np.arange(3)

    with pytest.raises(ProjectError, match=r"other\.h5 is an HDF5 file but not a Sequence"):
        read_project_file(path)


def test_newer_format_version_is_refused(saved):
    with h5py.File(saved, "r+") as file:
        file.attrs["format_version"] = FORMAT_VERSION + 1

    with pytest.raises(ProjectError) as caught:
        read_project_file(saved)

    assert str(caught.value) == (
        f"{saved} was saved by a newer Sequence Workbench "
        f"(format version {FORMAT_VERSION + 1}; this one reads up to {FORMAT_VERSION})"
    )


def test_missing_section_is_reported(saved):
    with h5py.File(saved, "r+") as file:
        del file["weights"]

    with pytest.raises(ProjectError, match=r"project\.h5 is incomplete: it has no /weights"):
        read_project_file(saved)


def test_invalid_json_is_reported(saved):
    with h5py.File(saved, "r+") as file:
        del file["model/spec"]
        text = np.array([b"{not json"], dtype=h5py.string_dtype("utf-8", 9))
        file["model"].create_dataset("spec", data=text, fletcher32=True)

    with pytest.raises(ProjectError, match=r"project\.h5 is damaged: /model/spec is not valid JSON"):
        read_project_file(saved)


def test_missing_file_and_folder_are_reported(tmp_path):
    with pytest.raises(ProjectError, match=r"absent\.h5 does not exist"):
        read_project_file(tmp_path / "absent.h5")
    with pytest.raises(ProjectError, match="is a folder"):
        read_project_file(tmp_path)

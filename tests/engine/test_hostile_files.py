"""Files that cannot hurt: what a crafted or damaged project file gets is one line, never more.

Issue 18's cases, each made here by the test (nothing binary is committed): HDF5 objects that
reach outside the file, sizes that would eat the memory, fields of the wrong type or range, and
a seeded fuzz of byte-level and field-level mutations. Every mutant either opens identical to
the original or is refused with one ProjectError line.
"""

import copy
import zlib
from dataclasses import replace
from pathlib import Path

import h5py
import numpy as np
import pytest
from tiny import make_project

from workbench.cli import main
from workbench.engine.common.errors import ProjectError, WorkbenchError
from workbench.engine.data.text import stream_from_text
from workbench.engine.inference.sampling_options import SamplingOptions
from workbench.engine.project import project_file_reader
from workbench.engine.project.project import Project
from workbench.engine.project.project_file_reader import read_project_file
from workbench.engine.project.project_file_writer import write_project_file


@pytest.fixture(scope="module")
def original(tmp_path_factory):
    """A small project that holds every section: runs, validations, samples, a probe, Adam. Its
    corpus is made in memory, so its ids are stored and read whole like every other array here
    (a streamed corpus's hostile cases are in test_streamed_corpus.py)."""
    from tiny import PROSE

    folder = tmp_path_factory.mktemp("original")
    project = make_project(
        stream_from_text(PROSE * 30, str(folder / "prose.txt"), "prose.txt"),
        hidden=8,
        val_every=4,
        probe_every=4,
        sample_every=4,
        probe_length=12,
        sample_length=8,
    )
    project.trainer().run(8)
    return project.save(folder / "p.h5")


def refused(path, match: str = "") -> str:
    """The one line that refuses ``path``; it names the file."""
    with pytest.raises(ProjectError) as caught:
        Project.open(path)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message, message
    assert match in message, message
    return message


def rewritten(original, tmp_path, change, name="mutant.h5"):
    """A copy of the original project file with ``change(stored)`` applied to its sections and
    saved as the workbench saves (so its checksums and digest are right: only what it says is
    wrong)."""
    stored = read_project_file(original)
    change(stored)
    path = tmp_path / name
    write_project_file(path, stored)
    return path


def tampered(original, tmp_path, change, name="crafted.h5"):
    """A copy of the original file changed with h5py directly."""
    path = tmp_path / name
    path.write_bytes(original.read_bytes())
    with h5py.File(path, "a") as file:
        change(file)
    return path


# -- 1. nothing outside the file ------------------------------------------------------------


def test_external_raw_storage_is_refused_and_names_the_dataset(original, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"root:x:0:0:root:/root:/bin/bash\n" * 40)

    def point_outside(file):
        train = file["data/arrays/train"]
        length, dtype = len(train), train.dtype
        del file["data/arrays/train"]
        file["data/arrays"].create_dataset("train", shape=(length,), dtype=dtype, external=[(str(secret), 0, length)])

    message = refused(tampered(original, tmp_path, point_outside), "/data/arrays/train")
    assert "another file" in message and "secret.txt" in message


def test_an_external_link_is_refused(original, tmp_path):
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as file:
        file.create_dataset("w", data=np.ones(3, np.float32))

    def link_out(file):
        name = next(iter(file["weights"]))
        del file["weights"][name]
        file["weights"][name] = h5py.ExternalLink(str(other), "/w")

    assert "another file" in refused(tampered(original, tmp_path, link_out), "/weights/")


def test_soft_links_virtual_datasets_and_foreign_filters_are_refused(original, tmp_path):
    def soft(file):
        del file["samples"]
        file["samples"] = h5py.SoftLink("/trainer/state")

    def virtual(file):
        layout = h5py.VirtualLayout(shape=(1,), dtype=file["samples"].dtype)
        layout[0] = h5py.VirtualSource(str(original), "samples", shape=(1,))[0]
        del file["samples"]
        file.create_virtual_dataset("samples", layout)

    def foreign_filter(file):
        values = file["data/arrays/val"][()]
        del file["data/arrays/val"]
        file["data/arrays"].create_dataset("val", data=values, compression="lzf")

    def loop(file):
        file["probe/arrays/again"] = file["probe"]

    assert "soft link" in refused(tampered(original, tmp_path, soft, "soft.h5"), "/samples")
    assert "virtual" in refused(tampered(original, tmp_path, virtual, "virtual.h5"), "/samples")
    assert "filter 'lzf'" in refused(tampered(original, tmp_path, foreign_filter, "lzf.h5"), "/data/arrays/val")
    assert "linked twice" in refused(tampered(original, tmp_path, loop, "loop.h5"), "/probe")


# -- 2. sizes before memory ------------------------------------------------------------------


def test_an_array_declared_far_beyond_what_the_file_stores_is_refused_unread(original, tmp_path):
    def declare_16_gb(file):
        del file["data/arrays/train"]
        file["data/arrays"].create_dataset("train", shape=(16 * 10**9,), dtype=np.uint8, chunks=(1 << 20,))

    path = tampered(original, tmp_path, declare_16_gb)
    assert path.stat().st_size < 2 * 10**6
    assert "declares 16.0 GB but stores only" in refused(path, "/data/arrays/train")


def test_a_gzip_bomb_is_refused_unread(original, tmp_path):
    chunk = 1 << 20
    bomb = zlib.compress(bytes(chunk), 9)  # a MiB of zeros in about a kilobyte

    def plant(file):
        del file["data/arrays/train"]
        dataset = file["data/arrays"].create_dataset(
            "train", shape=(256 * chunk,), dtype=np.uint8, chunks=(chunk,), compression="gzip"
        )
        for index in range(256):
            dataset.id.write_direct_chunk((index * chunk,), bomb)

    assert "compression bomb" in refused(tampered(original, tmp_path, plant), "/data/arrays/train")


def test_many_small_bombs_are_refused_by_what_the_whole_file_holds(original, tmp_path):
    """Each dataset below the size that is looked at alone, together a thousand times the file."""
    chunk = 1 << 20
    bomb = zlib.compress(bytes(chunk), 9)

    def plant(file):
        for index in range(24):
            dataset = file["probe/arrays"].create_dataset(
                f"junk{index}", shape=(32 * chunk,), dtype=np.uint8, chunks=(chunk,), compression="gzip"
            )
            for offset in range(32):
                dataset.id.write_direct_chunk((offset * chunk,), bomb)

    assert "(a compression bomb or unwritten data)" in refused(tampered(original, tmp_path, plant), "but the file is")


def test_another_writers_big_endian_numbers_open_and_train(original, tmp_path):
    def big_endian(stored):
        state = stored.optimizer["state"]["0"]
        state["exp_avg"] = state["exp_avg"].astype(">f4")
        name = next(iter(stored.weights))
        stored.weights[name] = stored.weights[name].astype(">f4")

    project = Project.open(rewritten(original, tmp_path, big_endian))
    assert project.trainer().run(2).reason == "completed"


def test_arrays_larger_than_the_memory_free_are_refused(original, tmp_path):
    with pytest.raises(ProjectError, match=r"its arrays take .* more than the .* of the 10\.0 kB of memory free"):
        read_project_file(original, available_memory=10_000)
    assert read_project_file(original, available_memory=10**9).spec  # the same file, with room


def test_a_json_section_may_not_be_enormous(original, tmp_path, monkeypatch):
    monkeypatch.setattr(project_file_reader, "JSON_LIMIT", 100)
    assert "of JSON, more than" in refused(original, "/")


# -- 3. every field checked, one line each ---------------------------------------------------


def set_state(**fields):
    return lambda stored: stored.trainer_state.update(fields)


CRAFTED = {
    "trainer step 'lots'": (set_state(step="lots"), "step 'lots' is not a whole number"),
    "negative step": (set_state(step=-3), "is not a whole number"),
    "hidden parts 10**9": (set_state(hidden_parts=10**9), "hidden parts 1000000000"),
    "3-byte RNG state": (
        lambda s: s.trainer_arrays.update(torch_rng=np.arange(3, dtype=np.uint8)),
        "torch_rng is not a random generator's state",
    ),
    "RNG state of the wrong kind": (
        lambda s: s.trainer_arrays.update(torch_rng=np.zeros(5056, np.uint8)),
        "torch_rng is not a random generator's state",
    ),
    "optimizer groups altered": (
        lambda s: s.optimizer["param_groups"][0].update(params=[0]),
        "param_groups does not name the model's",
    ),
    "an optimizer group's beta is text": (
        lambda s: s.optimizer["param_groups"][0].update(betas=["a", 1]),
        "betas is ['a', 1]",
    ),
    "rmsprop over Adam's state": (
        lambda s: s.train_config.update(optimizer="rmsprop"),
        "does not hold rmsprop's settings",
    ),
    "token id out of range": (lambda s: s.data_arrays["train"].__setitem__(5, 250), "holds the id 250"),
    "negative token id": (
        lambda s: s.data_arrays.update(train=s.data_arrays["train"].astype(np.int16) - 1),
        "holds the id -1",
    ),
    "NaN weights": (lambda s: next(iter(s.weights.values())).__setitem__((0,) * 2, np.nan), "NaN or infinite"),
    "a weight of the wrong shape": (
        lambda s: s.weights.update({next(iter(s.weights)): np.zeros((2, 2), np.float32)}),
        "has shape (2, 2)",
    ),
    "a weight missing": (lambda s: s.weights.pop(next(iter(s.weights))), "has no"),
    "hidden size 10**9": (lambda s: s.spec["encoder"].update(hidden_size=10**9), "hidden size"),
    "a sample's text is a number": (lambda s: s.samples[0].update(text=5), "a stored sample is damaged"),
    "a probe layer the model lacks": (
        lambda s: s.probe_meta["layers"][0].update(name="encoder.l7"),
        "names a layer its model does not have",
    ),
    "a run's columns differ": (
        lambda s: s.runs[0].series.update(loss=s.runs[0].series["loss"][:-2]),
        "differ in length",
    ),
    "a data position past the data": (set_state(data_position={"epoch": 0, "cursor": 10**6}), "does not fit"),
    "the data's source is a number": (lambda s: s.data_description.update(source=5), "'source' is not text"),
    "the data's notes are a number": (lambda s: s.data_description.update(notes=5), "notes are not a table"),
}


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_a_crafted_field_is_refused_in_one_line(original, tmp_path, case):
    change, words = CRAFTED[case]
    refused(rewritten(original, tmp_path, change), words)


def test_the_command_line_says_it_in_one_line_and_exits_2(original, tmp_path, capsys):
    path = rewritten(original, tmp_path, set_state(step="lots"))
    for command in (["info", str(path)], ["train", str(path), "--steps", "2"], ["sample", str(path)]):
        assert main(command) == 2
        error = capsys.readouterr().err
        assert error.count("\n") == 1 and error.startswith("workbench: ") and str(path) in error


def test_a_group_where_a_dataset_belongs_and_the_reverse_are_refused(original, tmp_path):
    def weights_as_dataset(file):
        del file["weights"]
        file.create_dataset("weights", data=np.zeros(3, np.float32))

    def samples_as_group(file):
        del file["samples"]
        file.create_group("samples")

    assert "/weights is not a group" in refused(tampered(original, tmp_path, weights_as_dataset, "a.h5"))
    assert "/samples is not a dataset" in refused(tampered(original, tmp_path, samples_as_group, "b.h5"))


# -- the fuzz ---------------------------------------------------------------------------------


def contents(project: Project, folder: Path) -> dict:
    """Everything an opened project holds, in comparable form; its trainer state as it saves it
    again (into ``folder``), the state being what it read."""
    return {
        "spec": project.spec,
        "config": project.config,
        "step": project.step,
        "weights": {name: value.numpy().tobytes() for name, value in project.model.state_dict().items()},
        "data": {name: (array.dtype.str, array.tobytes()) for name, array in project.corpus.arrays().items()},
        "runs": [(run.name, run.meta, run.steps, run.losses, run.val_losses) for run in project.runs],
        "samples": project.samples,
        "probe": None
        if project.latest_probe is None
        else (
            project.latest_probe.step,
            project.latest_probe.tokens,
            [layer.gates.tobytes() for layer in project.latest_probe.layers],
        ),
        "checkpoint": repr(read_project_file(project.save(folder / "saved-again.h5")).trainer_state),
    }


def byte_mutant(data: bytes, rng: np.random.Generator) -> bytes:
    """A few bytes changed, a stretch zeroed or copied from elsewhere, or the end cut off."""
    mutant = bytearray(data)
    kind = rng.integers(4)
    if kind == 0:
        for position in rng.integers(0, len(mutant), rng.integers(1, 9)):
            mutant[position] ^= 1 << rng.integers(8)
    elif kind == 1:
        start = rng.integers(0, len(mutant))
        mutant[start : start + rng.integers(1, 64)] = bytes(min(64, len(mutant) - start))[: rng.integers(1, 64)]
    elif kind == 2:
        source, target, length = rng.integers(0, len(mutant), 2).tolist() + [int(rng.integers(4, 256))]
        mutant[target : target + length] = mutant[source : source + length]
    else:
        del mutant[rng.integers(1, len(mutant)) :]
    return bytes(mutant)


def test_fuzzed_bytes_open_identical_or_are_refused_in_one_line(original, tmp_path):
    expected = contents(Project.open(original), tmp_path)
    data = original.read_bytes()
    rng = np.random.default_rng(18)
    outcomes = {"refused": 0, "identical": 0}
    for index in range(150):
        path = tmp_path / f"bytes-{index}.h5"
        path.write_bytes(byte_mutant(data, rng))
        try:
            project = Project.open(path)
        except ProjectError as error:
            assert "\n" not in str(error) and str(path) in str(error)
            outcomes["refused"] += 1
            continue
        assert contents(project, tmp_path) == expected, f"mutant {index} opened with different contents"
        outcomes["identical"] += 1
    assert outcomes["refused"] > 50  # the mutants did hit what matters


HOSTILE_VALUES = (None, -1, 0, 10**30, -(10**30), "lots", float("nan"), float("inf"), [], {}, True, [[[]]], "x" * 300)


def json_paths(value, path=()):
    """Every (container, key) inside a JSON value, for replacing one of them."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield value, key
            yield from json_paths(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield value, index
            yield from json_paths(item, path + (index,))


def field_mutant(stored, rng: np.random.Generator) -> None:
    """One JSON field given a hostile value, or one array given a hostile dtype, shape or values."""
    sections = [
        stored.spec,
        stored.train_config,
        stored.trainer_state,
        stored.data_description,
        stored.vocabulary,
        stored.samples,
        stored.probe_meta,
        stored.optimizer["param_groups"],
        stored.runs[0].meta,
    ]
    arrays = [
        stored.weights,
        stored.data_arrays,
        stored.trainer_arrays,
        stored.probe_arrays,
        stored.runs[0].series,
        *stored.optimizer["state"].values(),
    ]
    if rng.random() < 0.6:
        places = list(json_paths(sections[rng.integers(len(sections))]))
        container, key = places[rng.integers(len(places))]
        container[key] = copy.deepcopy(HOSTILE_VALUES[rng.integers(len(HOSTILE_VALUES))])
        return
    group = arrays[rng.integers(len(arrays))]
    name = list(group)[rng.integers(len(group))]
    array = group[name]
    group[name] = [
        lambda: array.astype(np.float64) * np.nan if array.size else array,
        lambda: array.reshape(-1)[: max(0, array.size - 1)],
        lambda: np.concatenate([array.reshape(-1), array.reshape(-1)]),
        lambda: (array.astype(np.int64) + 10**6) if array.dtype.kind in "iu" else -array,
        lambda: np.zeros((2, 3, 4, 5), np.float32),
        lambda: array.astype(np.uint64) if array.dtype.kind != "f" else array.astype(np.float16),
    ][rng.integers(6)]()


def test_fuzzed_fields_are_refused_in_one_line_or_work(original, tmp_path):
    """A mutant that opens (a learning rate changed, a sample's text) must then train, sample and
    summarise, or refuse with a WorkbenchError: never another exception."""
    rng = np.random.default_rng(1818)
    opened = 0
    for index in range(150):
        try:
            path = rewritten(original, tmp_path, lambda stored: field_mutant(stored, rng), f"fields-{index}.h5")
        except (ProjectError, ValueError):  # not a file the workbench would write (a 4-D series)
            continue
        try:
            project = Project.open(path)
        except ProjectError as error:
            assert "\n" not in str(error) and str(path) in str(error), str(error)
            continue
        opened += 1
        try:
            project.summary()
            project.set_config(replace(project.config, val_every=1, val_batches=1, probe_every=1, probe_budget=0.0))
            project.trainer().run(1)
            project.trainer().sample(SamplingOptions(length=4))
            project.save(path)
        except WorkbenchError as error:
            assert "\n" not in str(error), str(error)
    assert opened  # some mutants were harmless, and worked

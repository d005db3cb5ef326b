"""safetensors export: the weights and spec rebuild the model with the workbench alone, checked
before the file is written; files that are not exports are refused in words."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch
from safetensors.torch import save_file
from tiny import TINY_CONFIG, make_project, write_lines_corpus, write_text_corpus

from workbench.cli import main
from workbench.engine.common.errors import WorkbenchError
from workbench.engine.data.labelled import labelled_corpus
from workbench.engine.data.pairs import pairs_from_items
from workbench.engine.data.scene_drawing import generate_scenes
from workbench.engine.data.scenes import scenes_from_items
from workbench.engine.export.safetensors_file import export_safetensors, load_safetensors_model
from workbench.engine.model.templates import from_template
from workbench.engine.project.project import Project
from workbench.engine.spec import RecurrentSpec


def project_of(corpus, template, **config):
    spec = from_template(template, corpus.task(8), RecurrentSpec("gru", 12, 2))
    return Project.create(spec, corpus, replace(TINY_CONFIG, **config))


def projects(folder):
    words = ["ab", "abc", "ba", "cab", "bca", "acb", "bb", "aa"]
    yield make_project(write_text_corpus(folder))
    yield make_project(write_lines_corpus(folder), cell="rnn")
    yield project_of(labelled_corpus(words, ["x", "y"] * 4, "class", "t", "t"), "attention")
    yield project_of(pairs_from_items([(w, w[::-1]) for w in words], "t", "t"), "attention", seq_len=8)
    images, captions = generate_scenes(12, seed=0, size=24)
    yield project_of(scenes_from_items(images, captions, "t", "t"), "captioning", seq_len=10)


def test_every_kind_of_model_rebuilds_from_its_export(tmp_path):
    for index, project in enumerate(projects(tmp_path)):
        project.trainer().run(3)
        path = tmp_path / f"model{index}.safetensors"
        check = export_safetensors(project, path)
        assert check.max_difference == 0.0 and check.files == (path, path.with_suffix(".json"))
        assert f"{len(project.model.state_dict())} tensors read back identical" in check.describe()
        spec, model, vocabulary = load_safetensors_model(path)
        assert spec == project.spec and vocabulary == project.corpus.vocab.to_json()
        for name, value in model.state_dict().items():
            assert torch.equal(value, project.model.state_dict()[name]), name
        assert (tmp_path / f"model{index}.json").read_text().strip() == spec.to_json()


def test_files_that_are_not_exports_are_refused_in_words(tmp_path):
    text = tmp_path / "notes.safetensors"
    text.write_text("hello")
    with pytest.raises(WorkbenchError, match="notes.safetensors: not a safetensors file"):
        load_safetensors_model(text)
    foreign = tmp_path / "foreign.safetensors"
    save_file({"w": torch.zeros(2)}, str(foreign))
    with pytest.raises(WorkbenchError, match="not one exported by Sequence Workbench"):
        load_safetensors_model(foreign)
    with pytest.raises(WorkbenchError, match="missing.safetensors: cannot be read"):
        load_safetensors_model(tmp_path / "missing.safetensors")


def test_weights_that_do_not_fit_their_spec_are_refused(tmp_path):
    project = make_project(write_text_corpus(tmp_path))
    path = tmp_path / "m.safetensors"
    export_safetensors(project, path)
    data = bytearray(path.read_bytes())
    stored = b'\\"num_layers\\": 1'  # the spec is JSON inside the header's JSON: its quotes escaped
    start = data.index(stored)
    data[start : start + len(stored)] = stored[:-1] + b"2"
    path.write_bytes(bytes(data))
    with pytest.raises(WorkbenchError, match="the weights do not fit the model's spec"):
        load_safetensors_model(path)


def test_the_command_line_exports_and_reports_its_check(tmp_path, capsys):
    project = make_project(write_text_corpus(tmp_path))
    project.save(tmp_path / "p.h5")
    out_path = tmp_path / "p.safetensors"
    assert main(["export", str(tmp_path / "p.h5"), "--format", "safetensors", "-o", str(out_path)]) == 0
    out = capsys.readouterr().out
    assert "read back identical" in out and "Largest difference 0.0e+00" in out
    assert load_safetensors_model(out_path)[0] == project.spec

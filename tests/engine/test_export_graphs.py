"""ONNX and TorchScript exports of every kind of model: state as inputs and outputs, dynamic batch
and length (proved by running other sizes than the traced ones), and refused in words when a file
does not compute what the model computes."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import onnx
import onnxruntime
import pytest
import torch
from tiny import TINY_CONFIG, make_project, write_lines_corpus, write_text_corpus
from torch import nn

from workbench.cli import main
from workbench.engine.common.errors import WorkbenchError
from workbench.engine.data.base import handwriting_task
from workbench.engine.data.handwriting.corpus import StrokeCorpus
from workbench.engine.data.handwriting.synthetic import synthesize_corpus
from workbench.engine.data.labelled import labelled_corpus
from workbench.engine.data.memory_tasks import AddingProblem, CopyTask
from workbench.engine.data.pairs import pairs_from_items
from workbench.engine.data.scene_drawing import generate_scenes
from workbench.engine.data.scenes import scenes_from_items
from workbench.engine.data.series import SeriesCorpus
from workbench.engine.export import export_model, graph_check, onnx_file, torchscript_file
from workbench.engine.export.graphs import Graph, model_graphs
from workbench.engine.model.templates import from_template
from workbench.engine.project.project import Project
from workbench.engine.spec import RecurrentSpec

graph_check_torch_run = graph_check.torch_run  # the real one, for a test that swaps the reference

WORDS = ["ab", "abc", "ba", "cab", "bca", "acb", "bb", "aa", "cc", "bac"]


GRU_STACK = RecurrentSpec("gru", 12, 2)


def project_of(corpus, template, stack=GRU_STACK, task=None, **config):
    spec = from_template(template, task or corpus.task(8), stack)
    return Project.create(spec, corpus, replace(TINY_CONFIG, **config))


def series_corpus():
    steps = np.arange(400, dtype=np.float64)
    values = np.stack([np.sin(steps / 7), np.cos(steps / 11) * 3 + 10], axis=1)
    return SeriesCorpus.from_values(values, ("wave", "level"), "test:waves", "Waves")


def stroke_corpus():
    return StrokeCorpus.from_samples(synthesize_corpus(12, seed=3, writers=4), "test:lines", "Lines", 0.25, seed=1)


def every_kind(folder):
    """(name, trained project) for every template and head."""
    images, captions = generate_scenes(12, seed=0, size=24)
    strokes = stroke_corpus()
    pen = handwriting_task(len(strokes.vocab), components=3)
    yield "prose lstm", make_project(write_text_corpus(folder), layers=2)
    yield "names rnn", make_project(write_lines_corpus(folder), cell="rnn")
    yield (
        "classifier",
        project_of(
            labelled_corpus(WORDS, ["x", "y"] * 5, "class", "t", "t"),
            "bidirectional",
            RecurrentSpec("lstm", 12, 2, bidirectional=True),
        ),
    )
    yield (
        "tagger",
        project_of(
            labelled_corpus(WORDS, [["v" if c == "a" else "c" for c in w] for w in WORDS], "tags", "t", "t"),
            "bidirectional",
            RecurrentSpec("gru", 12, 1),
        ),
    )
    yield "forecaster", project_of(series_corpus(), "stacked", RecurrentSpec("lstm", 12, 1))
    yield (
        "translator",
        project_of(
            pairs_from_items([(w, w[::-1]) for w in WORDS], "t", "t"),
            "encoder-decoder",
            RecurrentSpec("lstm", 12, 2),
            seq_len=8,
        ),
    )
    yield (
        "attention",
        project_of(
            pairs_from_items([(w, w[::-1]) for w in WORDS], "t", "t"),
            "attention",
            RecurrentSpec("gru", 12, 1, bidirectional=True),
            seq_len=8,
        ),
    )
    yield "captioner", project_of(scenes_from_items(images, captions, "t", "t"), "captioning", seq_len=10)
    yield "handwriting", project_of(strokes, "handwriting", RecurrentSpec("lstm", 12, 2), pen, seq_len=40)
    yield "synthesis", project_of(strokes, "handwriting synthesis", RecurrentSpec("lstm", 12, 2), pen, seq_len=40)
    yield "dropout", make_project(write_text_corpus(folder), cell="gru", layers=3, dropout=0.3)
    yield "adding", project_of(AddingProblem.generate(10, val_sequences=16), "stacked", RecurrentSpec("rnn", 8, 1))
    yield "copy", project_of(CopyTask.generate(5, symbols=3, val_sequences=16), "stacked", RecurrentSpec("lstm", 8, 1))


@pytest.fixture(scope="module")
def projects(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kinds")
    made = dict(every_kind(folder))
    for project in made.values():
        project.trainer().run(3)
    return made


def declared_axes(path):
    """name -> the file's declared shape of each input and output (numbers, or the axis's name)."""
    graph = onnx.load(str(path)).graph
    return {
        value.name: [dim.dim_param or dim.dim_value for dim in value.type.tensor_type.shape.dim]
        for value in (*graph.input, *graph.output)
    }


@pytest.mark.parametrize(
    "kind",
    [
        "prose lstm",
        "names rnn",
        "classifier",
        "tagger",
        "forecaster",
        "translator",
        "attention",
        "captioner",
        "handwriting",
        "synthesis",
        "dropout",
        "adding",
        "copy",
    ],
)
def test_every_kind_of_model_exports_to_onnx_and_torchscript_checked_at_other_sizes(projects, kind, tmp_path):
    project = projects[kind]
    onnx_report = export_model(project, "onnx", tmp_path / "model.onnx")
    script_report = export_model(project, "torchscript", tmp_path / "model.pt")
    for report in (onnx_report, script_report):
        assert report.max_difference <= report.tolerance and all(file.exists() for file in report.files)
    has_script = kind not in ("adding", "copy")
    assert ("No standalone script" not in onnx_report.describe()) == has_script
    assert onnx_report.files[-1].name == "run_model.py" if has_script else onnx_report.files[-1].suffix == ".onnx"
    graphs = model_graphs(project.model)
    onnx_files = [file for file in onnx_report.files if file.suffix == ".onnx"]
    assert len(onnx_files) == len(graphs) == len(script_report.files)
    for graph, path in zip(graphs, onnx_files):
        axes = declared_axes(path)
        assert list(axes) == graph.input_names + graph.output_names
        assert all(
            axes[port.name][axis] == name
            for port in (*graph.inputs, *graph.outputs)
            for axis, name in port.dynamic_axes().items()
        )
        metadata = {prop.key: prop.value for prop in onnx.load(str(path)).metadata_props}
        assert metadata["workbench.role"] == graph.role and metadata["workbench.spec"] == project.spec.to_json()


def test_an_exported_language_model_carries_its_state_like_the_model(projects, tmp_path):
    """Two calls of the ONNX file, the state handed from the first to the second, equal one call of
    the project's model over both chunks: at a batch and length other than the traced ones."""
    project = projects["prose lstm"]
    report = export_model(project, "onnx", tmp_path / "prose.onnx")
    session = onnxruntime.InferenceSession(str(report.path))
    ids = torch.randint(0, len(project.corpus.vocab), (4, 23), generator=torch.Generator().manual_seed(0))
    zeros = np.zeros((2, 4, 24), np.float32)
    first = session.run(None, {"inputs": ids[:, :15].numpy(), "h0": zeros, "c0": zeros})
    second = session.run(None, {"inputs": ids[:, 15:].numpy(), "h0": first[1], "c0": first[2]})
    with torch.no_grad():
        logits, (h, c) = project.model.eval()(ids)
    np.testing.assert_allclose(np.concatenate([first[0], second[0]], 1), logits.numpy(), atol=1e-5)
    np.testing.assert_allclose(second[1], h.numpy(), atol=1e-5)
    np.testing.assert_allclose(second[2], c.numpy(), atol=1e-5)


def test_a_padded_bidirectional_tagger_reads_only_each_rows_real_steps(projects, tmp_path):
    project = projects["tagger"]
    report = export_model(project, "onnx", tmp_path / "tagger.onnx")
    session = onnxruntime.InferenceSession(str(report.path))
    ids = np.array([[1, 2, 3, 1, 2, 2], [3, 1, 2, 0, 0, 0]], np.int64)
    mask = np.array([[True] * 6, [True] * 3 + [False] * 3])
    padded = session.run(None, {"inputs": ids, "mask": mask})[0]
    alone = session.run(None, {"inputs": ids[1:, :3], "mask": mask[1:, :3]})[0]
    np.testing.assert_allclose(padded[1, :3], alone[0], atol=1e-6)
    with torch.no_grad():
        expected, _ = project.model.eval()(torch.from_numpy(ids), None, torch.from_numpy(mask))
    np.testing.assert_allclose(padded, expected.numpy(), atol=1e-5)


class _PinsTheLength(nn.Module):
    """A language model graph whose output keeps only the traced number of steps: what a tracer
    does with a size read as a Python int."""

    def __init__(self, graph: Graph) -> None:
        super().__init__()
        self.inner = graph.module

    def forward(self, inputs, h0, c0):
        logits, h, c = self.inner(inputs, h0, c0)
        return logits[:, : int(inputs.shape[1])], h, c


def test_a_graph_that_keeps_a_traced_size_is_refused_and_nothing_is_written(projects, tmp_path, monkeypatch):
    project = projects["prose lstm"]
    graph = model_graphs(project.model)[0]
    pinned = replace(graph, module=_PinsTheLength(graph))
    monkeypatch.setattr(onnx_file, "model_graphs", lambda model: [pinned])
    with pytest.raises(WorkbenchError, match=r"model\.onnx: onnxruntime gave a wrong output logits has shape"):
        export_model(project, "onnx", tmp_path / "model.onnx")
    assert list(tmp_path.iterdir()) == []


class _ReshapesToTheTracedSize(_PinsTheLength):
    """A graph that flattens its steps with the traced sizes written in: onnxruntime fails elsewhere."""

    def forward(self, inputs, h0, c0):
        logits, h, c = self.inner(inputs, h0, c0)
        flat = logits.reshape(int(inputs.shape[0]) * int(inputs.shape[1]), -1)
        return flat.reshape(inputs.shape[0], inputs.shape[1], -1), h, c


@pytest.mark.parametrize(
    "fmt, module, refusal",
    [
        ("onnx", onnx_file, r"model\.onnx: onnxruntime could not run the file \(.*Reshape"),
        ("torchscript", torchscript_file, r"model\.torchscript: the loaded module could not run the file \(.*shape"),
    ],
)
def test_a_graph_that_fails_at_other_sizes_is_refused_in_words(projects, tmp_path, monkeypatch, fmt, module, refusal):
    graph = model_graphs(projects["prose lstm"].model)[0]
    monkeypatch.setattr(module, "model_graphs", lambda model: [replace(graph, module=_ReshapesToTheTracedSize(graph))])
    with pytest.raises(WorkbenchError, match=refusal):
        export_model(projects["prose lstm"], fmt, tmp_path / f"model.{fmt}")
    assert list(tmp_path.iterdir()) == []


def test_an_exporter_that_fixes_an_axis_is_refused_before_the_file_is_run(projects, tmp_path, monkeypatch):
    """torch's dynamo exporter declared the traced length on a language model's outputs: a file
    that declares any batch or length axis as a number is refused."""
    export = torch.onnx.export

    def pinning_export(*args, dynamic_axes=None, **kwargs):
        return export(*args, dynamic_axes={"inputs": {0: "batch"}}, **kwargs)

    monkeypatch.setattr(onnx_file.torch.onnx, "export", pinning_export)
    with pytest.raises(WorkbenchError, match="names.onnx: the exporter fixed the time axis of inputs"):
        export_model(projects["names rnn"], "onnx", tmp_path / "names.onnx")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:DeprecationWarning")
def test_the_torchscript_file_runs_without_the_workbench_and_says_what_it_holds(projects, tmp_path):
    project = projects["attention"]
    report = export_model(project, "torchscript", tmp_path / "dates.pt")
    assert [file.name for file in report.files] == ["dates.encoder.pt", "dates.decoder.pt"]
    extra = {"workbench.json": ""}
    decoder = torch.jit.load(str(report.files[1]), _extra_files=extra)
    about = json.loads(extra["workbench.json"])
    assert about["role"] == "decoder" and about["inputs"] == ["target", "h0", "memory", "memory_mask"]
    assert about["outputs"] == ["logits", "h", "attention"] and about["carried"] == {"h": "h0"}
    encoder = torch.jit.load(str(report.files[0]))
    source = torch.from_numpy(project.corpus.encode_source("abcbaca"))[None]  # (1, 7)
    mask = torch.ones_like(source, dtype=torch.bool)
    memory, h0 = encoder(source, mask)
    target = torch.tensor([[0, 2, 1]])
    logits, h, attention = decoder(target, h0, memory, mask)
    with torch.no_grad():
        expected = project.model.eval()(source, target, mask)
    torch.testing.assert_close(logits, expected, atol=1e-5, rtol=1e-5)
    assert attention.shape == (1, 3, 7) and torch.allclose(attention.sum(-1), torch.ones(1, 3))


def test_the_command_line_picks_the_format_from_the_suffix(tmp_path, capsys):
    project = make_project(write_text_corpus(tmp_path))
    project.save(tmp_path / "p.h5")
    assert main(["export", str(tmp_path / "p.h5"), "-o", str(tmp_path / "p.onnx")]) == 0
    out = capsys.readouterr().out
    assert "Wrote p.onnx, run_p.py." in out and "onnxruntime equals torch" in out
    refusals = {
        ("-o", "p.model"): "cannot tell the format from p.model: add --format",
        ("-o", "p.pt", "--format", "onnx"): "p.pt has the suffix of a TorchScript file, but the format is ONNX: "
        "name it p.onnx",
        ("-o", "p.pt", "--text-file", "p.h5"): "--text-file is for LSTMVis exports; TorchScript reads no text",
        ("-o", "p.json", "--format", "safetensors"): "p.json: the spec goes in NAME.json beside NAME.safetensors",
    }
    for args, refusal in refusals.items():
        args = [str(tmp_path / arg) if arg.startswith("p.") else arg for arg in args]
        assert main(["export", str(tmp_path / "p.h5"), *args]) == 2
        assert refusal in capsys.readouterr().err
    assert not (tmp_path / "p.pt").exists() and not (tmp_path / "p.json").exists()


def test_the_command_line_runs_lstmvis_over_a_text_file(tmp_path, capsys):
    project = make_project(write_text_corpus(tmp_path))
    project.save(tmp_path / "p.h5")
    (tmp_path / "text.txt").write_text("the quick brown fox", encoding="utf-8")
    (tmp_path / "states").mkdir()
    args = ["export", str(tmp_path / "p.h5"), "--format", "lstmvis", "-o", str(tmp_path / "states" / "fox.h5")]
    assert main([*args, "--text-file", str(tmp_path / "text.txt")]) == 0
    assert "19 tokens" in capsys.readouterr().out
    assert main([*args, "--text-file", str(tmp_path / "absent.txt")]) == 2
    assert f"cannot read {tmp_path / 'absent.txt'}: No such file" in capsys.readouterr().err


def test_an_export_refuses_a_missing_folder_the_project_file_and_a_place_taken_by_a_folder(tmp_path):
    project = make_project(write_text_corpus(tmp_path))
    project.save(tmp_path / "p.h5")
    with pytest.raises(WorkbenchError, match="the folder .*absent does not exist"):
        export_model(project, "onnx", tmp_path / "absent" / "p.onnx")
    saved = (tmp_path / "p.h5").read_bytes()
    with pytest.raises(WorkbenchError, match="p.h5 is the project file itself"):
        export_model(project, "lstmvis", tmp_path / "p.h5")
    assert (tmp_path / "p.h5").read_bytes() == saved
    (tmp_path / "taken.pt").mkdir()  # a folder where the file would go
    with pytest.raises(WorkbenchError, match="cannot write .*taken.pt: Is a directory"):
        export_model(project, "torchscript", tmp_path / "taken.pt")
    assert [path.name for path in (tmp_path / "taken.pt").iterdir()] == []


def test_a_file_whose_outputs_are_not_numbers_is_refused(projects, tmp_path, monkeypatch):
    """max() passes NaN over: the check compares where each side is finite first."""
    graph = model_graphs(projects["names rnn"].model)[0]

    class NotANumber(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = graph.module

        def forward(self, inputs, h0):
            logits, h = self.inner(inputs, h0)
            return logits + torch.nan, h

    monkeypatch.setattr(onnx_file, "model_graphs", lambda model: [replace(graph, module=NotANumber())])
    monkeypatch.setattr(graph_check, "torch_run", lambda module: graph_check_torch_run(graph.module))
    with pytest.raises(WorkbenchError, match="gave a wrong output logits is not a finite number where torch's is"):
        export_model(projects["names rnn"], "onnx", tmp_path / "nan.onnx")
    assert list(tmp_path.iterdir()) == []

"""LSTMVis export: the files load as LSTMVis reads them, and hold the model's own states over the
text, under the vocabulary's own ids; texts the model cannot read are refused, leaving no file."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest
import torch
from tiny import TINY_CONFIG, make_project, write_lines_corpus, write_text_corpus

from workbench.engine.common.errors import WorkbenchError
from workbench.engine.data import load_text_file
from workbench.engine.data.labelled import labelled_corpus
from workbench.engine.export import export_model, lstmvis
from workbench.engine.export.lstmvis import DEFAULT_TOKENS, dictionary_names, export_lstmvis
from workbench.engine.inside.probes import trace_stack
from workbench.engine.model.templates import from_template
from workbench.engine.project.project import Project
from workbench.engine.spec import RecurrentSpec

TEXT = 'the lazy dog said "hello" (to the fox).\nThen the fox jumped.'


def read_yml(text):
    """The YAML that lstm.yml is written in: block mappings and lists whose values are JSON."""
    root, open_blocks = {}, [(-1, None)]
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    for index, line in enumerate(lines):
        indent, body = len(line) - len(line.lstrip()), line.strip()
        while open_blocks[-1][0] >= indent:
            open_blocks.pop()
        parent = open_blocks[-1][1] if open_blocks[-1][1] is not None else root
        if body.startswith("- "):
            parent.append(json.loads(body[2:]))
            continue
        key, _, value = body.partition(":")
        if value.strip():
            parent[key] = json.loads(value)
        else:
            parent[key] = [] if lines[index + 1].strip().startswith("- ") else {}
            open_blocks.append((indent, parent[key]))
    return root


def read_as_lstmvis(folder):
    """What LSTMVis's data handler makes of a folder: its config, each state matrix by path, the
    word ids and the words they name (the dictionary split at whitespace into word and id)."""
    config = read_yml((folder / "lstm.yml").read_text(encoding="utf-8"))
    files = config["files"]
    assert all(name.endswith((".h5", ".hdf5", ".dict")) for name in files.values())
    words = {}
    for line in (folder / files[config["word_sequence"]["dict_file"]]).read_text(encoding="utf-8").splitlines():
        word, word_id = line.split()
        words[int(word_id)] = word
    with h5py.File(folder / files[config["word_sequence"]["file"]], "r") as file:
        ids = file[config["word_sequence"]["path"]][()]
    states = {}
    for entry in config["states"]["types"]:
        with h5py.File(folder / files[entry.get("file", config["states"]["file"])], "r") as file:
            states[entry["path"]] = file[entry["path"]][()]
        assert states[entry["path"]].dtype == np.float32 and states[entry["path"]].shape[0] == len(ids)
    return config, states, ids, [words[i] for i in ids.tolist()]


def traced(project, ids):
    """Step-by-step traces and the fused encoder's output over ``ids`` from the zero state."""
    model = project.model.eval()
    with torch.no_grad():
        embedded = model.inputs(torch.as_tensor(ids, dtype=torch.int64)[None])
        _, _, traces = trace_stack(model.encoder, embedded)
        fused, _ = model.encoder(embedded)
    return traces, fused[0]


def tagger():
    words = ["banana", "apple", "kiwi", "cherry", "melon", "grape", "lime", "peach"] * 3
    tags = [["v" if c in "aeiou" else "c" for c in word] for word in words]
    corpus = labelled_corpus(words, tags, "tags", "test:vowels", "Vowels", val_fraction=0.2)
    return Project.create(
        from_template("bidirectional", corpus.task(8), RecurrentSpec("lstm", 6, 2)), corpus, TINY_CONFIG
    )


def test_char_lstm_states_load_as_lstmvis_reads_them(tmp_path):
    project = make_project(write_text_corpus(tmp_path), hidden=8, layers=2)
    folder = tmp_path / "prose"
    folder.mkdir()
    report = export_model(project, "lstmvis", folder / "prose.h5", text=TEXT)
    assert report.files == (folder / "prose.h5", folder / "prose.dict", folder / "lstm.yml")
    assert sorted(p.name for p in folder.iterdir()) == ["lstm.yml", "prose.dict", "prose.h5"]
    config, states, ids, words = read_as_lstmvis(folder)
    assert config["name"] == "prose" and "cell state" in config["description"]
    assert [(t["type"], t["layer"], t["path"]) for t in config["states"]["types"]] == [
        ("state", 1, "cell1"),
        ("output", 1, "hidden1"),
        ("state", 2, "cell2"),
        ("output", 2, "hidden2"),
    ]
    assert "".join(words) == TEXT.replace(" ", "␣").replace("\n", "↵")
    traces, fused = traced(project, ids)
    for layer, trace in enumerate(traces, start=1):
        assert states[f"cell{layer}"].shape == (len(TEXT), 8)
        np.testing.assert_allclose(states[f"cell{layer}"], trace.cell_state[0].numpy(), atol=1e-6, rtol=0)
        np.testing.assert_allclose(states[f"hidden{layer}"], trace.hidden[0].numpy(), atol=1e-6, rtol=0)
    np.testing.assert_allclose(states["hidden2"], fused.numpy(), atol=1e-5, rtol=0)
    assert report.max_difference <= report.tolerance == 1e-4
    text = report.describe()
    assert f"{len(TEXT)} tokens, 2 layers of cell and hidden states" in text and "equal the fused LSTM" in text


def test_ids_are_the_vocabularys_own_not_shifted(tmp_path):
    project = make_project(write_text_corpus(tmp_path), hidden=8)
    vocab = project.corpus.vocab
    export_lstmvis(project, tmp_path / "s.h5", "fox")
    _, states, ids, words = read_as_lstmvis(tmp_path)
    assert ids.tolist() == vocab.encode("fox").tolist() and words == ["f", "o", "x"]
    # The first row is the state after reading the first token alone: shifted ids would change it.
    _, first = traced(project, [vocab.id_of("f")])
    np.testing.assert_allclose(states["hidden1"][0], first[0].numpy(), atol=1e-6, rtol=0)
    _, shifted = traced(project, [vocab.id_of("f") + 1])
    assert np.abs(states["hidden1"][0] - shifted[0].numpy()).max() > 1e-3


def test_gru_has_hidden_states_only(tmp_path):
    project = make_project(write_text_corpus(tmp_path), cell="gru", hidden=8, layers=2)
    report = export_lstmvis(project, tmp_path / "gru.h5", TEXT)
    config, states, _, _ = read_as_lstmvis(tmp_path)
    assert sorted(states) == ["hidden1", "hidden2"]
    assert all(t["type"] == "output" and t["transform"] == "none" for t in config["states"]["types"])
    assert "a GRU has no cell state" in config["description"] and "a GRU has no cell state" in report.describe()
    with h5py.File(tmp_path / "gru.h5", "r") as file:
        assert sorted(file) == ["hidden1", "hidden2", "word_ids"]
    np.testing.assert_allclose(
        states["hidden2"], traced(project, project.corpus.vocab.encode(TEXT))[1].numpy(), atol=1e-5, rtol=0
    )


def test_a_bidirectional_tagger_holds_both_directions_side_by_side(tmp_path):
    project = tagger()
    report = export_lstmvis(project, tmp_path / "tags.h5", "bananakiwi")
    config, states, ids, words = read_as_lstmvis(tmp_path)
    assert words == list("bananakiwi") and project.corpus.vocab.boundary not in ids.tolist()
    traces, fused = traced(project, ids)
    for layer in (1, 2):
        forward, backward = traces[2 * layer - 2], traces[2 * layer - 1]
        assert states[f"hidden{layer}"].shape == (10, 12)
        np.testing.assert_allclose(states[f"hidden{layer}"][:, :6], forward.hidden[0].numpy(), atol=1e-6, rtol=0)
        np.testing.assert_allclose(states[f"hidden{layer}"][:, 6:], backward.hidden[0].numpy(), atol=1e-6, rtol=0)
        np.testing.assert_allclose(states[f"cell{layer}"][:, 6:], backward.cell_state[0].numpy(), atol=1e-6, rtol=0)
    np.testing.assert_allclose(states["hidden2"], fused.numpy(), atol=1e-5, rtol=0)
    assert "Units 0-5 read left to right, 6-11 right to left" in config["description"]
    assert "both directions side by side" in report.describe()


def test_unknown_characters_and_empty_text_are_refused_leaving_no_file(tmp_path):
    project = make_project(write_text_corpus(tmp_path), hidden=8)
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(WorkbenchError, match="the training data never had the characters '#' '☃'"):
        export_lstmvis(project, folder / "s.h5", "the fox ☃ # dog")
    with pytest.raises(WorkbenchError, match="the text to run the model over is empty"):
        export_lstmvis(project, folder / "s.h5", " \n ")
    with pytest.raises(WorkbenchError, match="LSTMVis opens only states files ending .h5 or .hdf5"):
        export_lstmvis(project, folder / "s.hdf", "fox")
    assert list(folder.iterdir()) == []


def test_a_mismatch_with_the_fused_model_leaves_no_file(tmp_path, monkeypatch):
    project = make_project(write_text_corpus(tmp_path), hidden=8)
    folder = tmp_path / "out"
    folder.mkdir()

    def off_by_a_little(stack, x, state=None, name="encoder"):
        output, final, traces = trace_stack(stack, x, state, name)
        traces[0].hidden = traces[0].hidden + 1e-3
        return output, final, traces

    monkeypatch.setattr(lstmvis, "trace_stack", off_by_a_little)
    with pytest.raises(WorkbenchError, match="differ from the fused model's by 0.001; nothing was saved"):
        export_lstmvis(project, folder / "s.h5", TEXT)
    assert list(folder.iterdir()) == []


def test_no_text_means_validation_data_and_a_long_text_is_cut(tmp_path, monkeypatch):
    project = make_project(write_text_corpus(tmp_path), hidden=8, layers=2)
    report = export_lstmvis(project, tmp_path / "val.h5", None)
    _, _, ids, _ = read_as_lstmvis(tmp_path)
    assert ids.tolist() == project.corpus.probe_example(DEFAULT_TOKENS).inputs.tolist()
    assert f"over {len(ids)} tokens of the validation data" in report.describe()
    # Cut to 50 tokens, traced 7 steps at a time with the state carried: still the fused model's states.
    monkeypatch.setattr(lstmvis, "MAX_TOKENS", 50)
    monkeypatch.setattr(lstmvis, "CHUNK_STEPS", 7)
    report = export_lstmvis(project, tmp_path / "val.h5", TEXT * 2)
    _, states, ids, _ = read_as_lstmvis(tmp_path)
    assert len(ids) == 50 and f"The text was cut to its first 50 tokens (it has {2 * len(TEXT)})." in report.checks
    traces, fused = traced(project, ids)
    np.testing.assert_allclose(states["hidden2"], fused.numpy(), atol=1e-5, rtol=0)
    np.testing.assert_allclose(states["cell1"], traces[0].cell_state[0].numpy(), atol=1e-5, rtol=0)


def test_words_out_of_the_vocabulary_read_as_unk_and_line_corpora_read_lines_as_items(tmp_path):
    (tmp_path / "words.txt").write_text("the fox saw the dog . the dog saw the fox .\n" * 120, encoding="utf-8")
    project = make_project(load_text_file(tmp_path / "words.txt", level="word"), hidden=8)
    report = export_lstmvis(project, tmp_path / "words.h5", "the zebra saw the yak .")
    _, _, ids, words = read_as_lstmvis(tmp_path)
    assert words == ["the", "<unk>", "saw", "the", "<unk>", "."]
    assert "2 words not in the vocabulary read as <unk>: 'yak' 'zebra'." in report.checks
    lines = make_project(write_lines_corpus(tmp_path), hidden=8)
    export_lstmvis(lines, tmp_path / "names.h5", "Anna\nBob\n")
    _, _, ids, words = read_as_lstmvis(tmp_path)
    assert words == ["<s>", "A", "n", "n", "a", "<s>", "B", "o", "b", "<s>"]


def test_a_second_export_into_a_folder_replaces_its_lstm_yml_and_says_so(tmp_path):
    project = make_project(write_text_corpus(tmp_path), hidden=8)
    first = export_lstmvis(project, tmp_path / "a.h5", "fox")
    assert not any("lstm.yml" in line for line in first.checks)
    again = export_lstmvis(project, tmp_path / "a.h5", "dog")
    assert not any("lstm.yml" in line for line in again.checks)
    other = export_lstmvis(project, tmp_path / "b.h5", "dog")
    assert "The folder's lstm.yml described other files and now describes these" in other.describe()
    assert read_yml((tmp_path / "lstm.yml").read_text(encoding="utf-8"))["files"]["states"] == "b.h5"


def test_dictionary_names_split_into_one_word_and_its_id():
    tokens = [" ", "\n", "\t", "␣", "a", "\x0b", "\u00a0", "", "<s>"]
    names = dictionary_names(tokens)
    assert names == ["<U+0020>", "↵", "⇥", "␣", "a", "<U+000B>", "<U+00A0>", "<empty>", "<s>"]
    assert len(set(names)) == len(names)
    for i, name in enumerate(names):
        assert f"{name} {i}".split() == [name, str(i)]
    assert dictionary_names([" ", "a"]) == ["␣", "a"]


def test_a_classifier_over_text_exports_its_encoder_states(tmp_path):
    words = ["banana", "apple", "kiwi", "cherry", "melon", "grape", "lime", "peach"] * 3
    corpus = labelled_corpus(words, ["long" if len(w) > 5 else "short" for w in words], "class", "t", "Lengths")
    project = Project.create(from_template("stacked", corpus.task(8), RecurrentSpec("rnn", 6, 2)), corpus, TINY_CONFIG)
    export_lstmvis(project, tmp_path / "rnn.h5", "kiwi")
    config, states, ids, words = read_as_lstmvis(tmp_path)
    assert words == list("kiwi") and sorted(states) == ["hidden1", "hidden2"]
    np.testing.assert_allclose(states["hidden2"], traced(project, ids)[1].numpy(), atol=1e-5, rtol=0)

"""The script written next to an ONNX export runs in a fresh virtual environment that has numpy
and onnxruntime but neither torch nor the workbench, and gives the workbench's own answers."""

from __future__ import annotations

import importlib.util
import subprocess
import venv
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from tiny import PROSE, TINY_CONFIG, make_project, write_lines_corpus, write_text_corpus

from workbench.engine.data import load_text_file
from workbench.engine.data.labelled import labelled_corpus
from workbench.engine.data.pairs import pairs_from_items
from workbench.engine.data.scene_drawing import generate_scenes
from workbench.engine.data.scenes import scenes_from_items
from workbench.engine.data.series import SeriesCorpus
from workbench.engine.export import export_model
from workbench.engine.inference.captions import caption
from workbench.engine.inference.forecasting import forecast
from workbench.engine.inference.predict import classify, tag
from workbench.engine.inference.sampling import sample_text
from workbench.engine.inference.sampling_options import SamplingOptions
from workbench.engine.inference.translation import translate
from workbench.engine.model.templates import from_template
from workbench.engine.project.project import Project
from workbench.engine.spec import RecurrentSpec

WORDS = ["ab", "abc", "ba", "cab", "bca", "acb", "bb", "aa", "cc", "bac", "cabba", "acca"]
LENT = ("numpy", "onnxruntime")  # all the script may import besides the standard library


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory) -> Path:
    """A new virtual environment that sees only numpy and onnxruntime (linked from this one)."""
    folder = tmp_path_factory.mktemp("bare")
    venv.create(folder / "env", with_pip=False)
    python = folder / "env" / "bin" / "python"
    lent = folder / "lent"
    lent.mkdir()
    for name in LENT:
        package = Path(importlib.util.find_spec(name).origin).parent
        for entry in (package, package.with_name(f"{name}.libs")):  # wheels keep their shared libraries beside
            if entry.exists():
                (lent / entry.name).symlink_to(entry)
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(purelib) / "lent.pth").write_text(f"{lent}\n")
    missing = subprocess.run([python, "-I", "-c", "import torch"], capture_output=True, text=True, cwd=folder)
    assert "No module named 'torch'" in missing.stderr
    missing = subprocess.run([python, "-I", "-c", "import workbench"], capture_output=True, text=True, cwd=folder)
    assert "No module named 'workbench'" in missing.stderr
    return python


def run_script(python: Path, script: Path, *args: str) -> str:
    done = subprocess.run([python, "-I", script, *args], capture_output=True, text=True, cwd=script.parent, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout[:-1]  # print's newline


def word_corpus(folder):
    path = folder / "words.txt"
    path.write_text(PROSE * 30, encoding="utf-8")
    return load_text_file(path, level="word")


def trained(project, steps=40):
    project.trainer().run(steps)
    return project


def project_of(corpus, template, stack, **config):
    spec = from_template(template, corpus.task(8), stack)
    return trained(Project.create(spec, corpus, replace(TINY_CONFIG, **config)))


@pytest.mark.parametrize(
    "make, prime",
    [
        (lambda folder: make_project(write_text_corpus(folder), layers=2), "The fox "),
        (lambda folder: make_project(write_lines_corpus(folder), cell="gru"), ""),
        (lambda folder: make_project(word_corpus(folder)), "the dog ( said"),  # words re-spaced as the workbench does
    ],
)
def test_the_script_writes_the_workbenchs_greedy_sample(bare_python, tmp_path, make, prime):
    project = trained(make(tmp_path), steps=150)
    report = export_model(project, "onnx", tmp_path / "lm.onnx")
    script = tmp_path / "run_lm.py"
    assert script in report.files
    expected = sample_text(project.model, project.corpus.vocab, SamplingOptions(length=120, temperature=0, prime=prime))
    assert len(expected) > len(prime) + 1  # it wrote more than one character
    written = run_script(bare_python, script, "--prime", prime, "--length", "120", "--temperature", "0")
    assert written == expected


def test_the_script_samples_with_temperature_and_top_k_from_the_vocabulary(bare_python, tmp_path):
    project = trained(make_project(write_text_corpus(tmp_path)))
    export_model(project, "onnx", tmp_path / "prose.onnx")
    written = [
        run_script(bare_python, tmp_path / "run_prose.py", "--length", "60", "--seed", str(seed), "--top-k", "5")
        for seed in (1, 2)
    ]
    assert written[0] != written[1] and all(set(text) <= set(project.corpus.vocab.tokens) for text in written)
    done = subprocess.run(
        [bare_python, "-I", tmp_path / "run_prose.py", "--prime", "fox€"], capture_output=True, text=True
    )
    assert done.returncode == 2 and "the character '€' never appeared in the training data" in done.stderr


def test_the_script_classifies_and_tags_like_the_workbench(bare_python, tmp_path):
    classifier = project_of(
        labelled_corpus(WORDS, ["x", "y"] * 6, "class", "t", "t"),
        "bidirectional",
        RecurrentSpec("lstm", 12, 1, bidirectional=True),
    )
    export_model(classifier, "onnx", tmp_path / "kinds.onnx")
    lines = run_script(bare_python, tmp_path / "run_kinds.py", "--text", "cabab").splitlines()
    expected = classify(classifier.model, classifier.corpus, "cabab")
    assert lines[0].split("\t")[0] == expected.label
    shown = {label: float(p) for label, p in (line.split("\t") for line in lines)}
    assert shown == pytest.approx(dict(zip(expected.label_names, expected.probabilities.tolist())), abs=1e-3)

    tags = [["v" if c == "a" else "c" for c in w] for w in WORDS]
    tagger = project_of(labelled_corpus(WORDS, tags, "tags", "t", "t"), "stacked", RecurrentSpec("gru", 12, 1))
    export_model(tagger, "onnx", tmp_path / "vowels.onnx")
    lines = run_script(bare_python, tmp_path / "run_vowels.py", "--text", "abcab").splitlines()
    expected = tag(tagger.model, tagger.corpus, "abcab")
    assert [line.split("\t")[1] for line in lines] == [expected.label_names[i] for i in expected.tags]


def test_the_script_translates_and_captions_greedily_like_the_workbench(bare_python, tmp_path):
    translator = project_of(
        pairs_from_items([(w, w[::-1]) for w in WORDS * 3], "t", "t"),
        "attention",
        RecurrentSpec("gru", 16, 1, bidirectional=True),
        seq_len=8,
    )
    export_model(translator, "onnx", tmp_path / "reverse.onnx")
    for text in ("abcc", "cab"):
        expected = translate(translator.model, translator.corpus, text).output
        assert run_script(bare_python, tmp_path / "run_reverse.py", "--text", text) == expected

    images, captions = generate_scenes(16, seed=0, size=24)
    captioner = project_of(
        scenes_from_items(images, captions, "t", "t"), "captioning", RecurrentSpec("lstm", 16, 1), seq_len=10
    )
    export_model(captioner, "onnx", tmp_path / "scenes.onnx")
    picture = tmp_path / "picture.npy"
    np.save(picture, images[3])
    expected = caption(captioner.model, captioner.corpus, images[3])
    assert run_script(bare_python, tmp_path / "run_scenes.py", "--image", str(picture)) == expected.text


def test_the_script_forecasts_from_a_csv_like_the_workbench(bare_python, tmp_path):
    steps = np.arange(400, dtype=np.float64)
    values = np.stack([np.sin(steps / 7), np.cos(steps / 11) * 3 + 10], axis=1)
    corpus = SeriesCorpus.from_values(values, ("wave", "level"), "test:waves", "Waves")
    forecaster = project_of(corpus, "stacked", RecurrentSpec("lstm", 12, 1))
    export_model(forecaster, "onnx", tmp_path / "waves.onnx")
    history = tmp_path / "history.csv"
    history.write_text("level,wave\n" + "".join(f"{b},{a}\n" for a, b in values[300:340]))
    lines = run_script(bare_python, tmp_path / "run_waves.py", "--csv", str(history), "--steps", "6").splitlines()
    assert lines[0] == "wave,level"
    shown = np.array([[float(v) for v in line.split(",")] for line in lines[1:]])
    np.testing.assert_allclose(shown, forecast(forecaster.model, corpus, values[300:340], 6), rtol=1e-4, atol=1e-4)
    european = tmp_path / "semicolons.csv"  # as a spreadsheet in many countries saves it, with a byte-order mark
    rows = "".join(f"{a:.9f};{b:.9f}\n".replace(".", ",") for a, b in values[300:340])
    european.write_text("\ufeffwave;level\n" + rows)
    again = run_script(bare_python, tmp_path / "run_waves.py", "--csv", str(european), "--steps", "6")
    assert again == "\n".join(lines)
    for args, refusal in {
        ("--csv", str(tmp_path / "absent.csv")): f"error: cannot read {tmp_path / 'absent.csv'}: No such file",
        ("--csv", str(tmp_path / "run_waves.py")): "no column wave, level (the model reads wave, level)",
    }.items():
        done = subprocess.run([bare_python, "-I", tmp_path / "run_waves.py", *args], capture_output=True, text=True)
        assert done.returncode == 2 and refusal in done.stderr, done.stderr


def test_the_script_adds_up_a_differenced_series_changes_like_the_workbench(bare_python, tmp_path):
    steps = np.arange(400, dtype=np.float64)
    values = np.stack([100 + 0.5 * steps + np.sin(steps / 5), 20 - 0.1 * steps], axis=1)  # trends
    corpus = SeriesCorpus.from_values(values, ("rising", "falling"), "test:trends", "Trends", differencing=1)
    forecaster = project_of(corpus, "stacked", RecurrentSpec("lstm", 12, 1))
    export_model(forecaster, "onnx", tmp_path / "trends.onnx")
    history = tmp_path / "history.csv"
    history.write_text("rising,falling\n" + "".join(f"{a},{b}\n" for a, b in values[300:340]))
    lines = run_script(bare_python, tmp_path / "run_trends.py", "--csv", str(history), "--steps", "6").splitlines()
    shown = np.array([[float(v) for v in line.split(",")] for line in lines[1:]])
    expected = forecast(forecaster.model, corpus, values[300:340], 6)  # (6, 2) near 270 and -14
    np.testing.assert_allclose(shown, expected, rtol=1e-4, atol=1e-3)
    one_row = tmp_path / "one_row.csv"
    one_row.write_text("rising,falling\n1,2\n")
    done = subprocess.run(
        [bare_python, "-I", tmp_path / "run_trends.py", "--csv", str(one_row)], capture_output=True, text=True
    )
    assert done.returncode == 2 and "reads the change from one row to the next, so it needs two rows" in done.stderr


def test_the_script_says_when_its_model_or_its_picture_is_missing_or_wrong(bare_python, tmp_path):
    project = trained(make_project(write_text_corpus(tmp_path)), steps=2)
    export_model(project, "onnx", tmp_path / "prose.onnx")
    alone = tmp_path / "elsewhere"
    alone.mkdir()
    (alone / "run_prose.py").write_text((tmp_path / "run_prose.py").read_text())
    done = subprocess.run([bare_python, "-I", alone / "run_prose.py"], capture_output=True, text=True)
    assert done.returncode == 2 and f"{alone / 'prose.onnx'}: the exported model is missing" in done.stderr

    images, captions = generate_scenes(8, seed=0, size=24)
    captioner = project_of(
        scenes_from_items(images, captions, "t", "t"), "captioning", RecurrentSpec("lstm", 8, 1), seq_len=10
    )
    export_model(captioner, "onnx", tmp_path / "scenes.onnx")
    np.save(tmp_path / "small.npy", images[0][:10])
    (tmp_path / "text.npy").write_text("not a picture")
    for picture, refusal in {
        "small.npy": "the model reads (24, 24, 3) uint8 pictures, not uint8 (10, 24, 3)",
        "text.npy": "not a .npy file of numbers",
    }.items():
        done = subprocess.run(
            [bare_python, "-I", tmp_path / "run_scenes.py", "--image", tmp_path / picture],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 2 and refusal in done.stderr, done.stderr


@pytest.mark.parametrize("template", ["handwriting", "handwriting synthesis"])
def test_the_script_writes_ink_by_the_networks_own_mixture(bare_python, tmp_path, template):
    """At a high bias each move is, to float precision, the mean of a component the model gives
    real weight: replaying the script's moves through the project's model finds that component at
    every step, and a synthesis network's window passes the last letter exactly where it stopped."""
    import torch

    from workbench.engine.data.base import handwriting_task
    from workbench.engine.data.handwriting.corpus import StrokeCorpus
    from workbench.engine.data.handwriting.stroke_batches import START_POINT
    from workbench.engine.data.handwriting.synthetic import synthesize_corpus
    from workbench.engine.inference.writing import DEFAULT_LINE_HEIGHT, MAX_POINTS, MAX_POINTS_PER_CHARACTER
    from workbench.engine.model.handwriting.mixture import apply_bias

    strokes = StrokeCorpus.from_samples(synthesize_corpus(12, seed=3, writers=3), "t", "t", 0.25, seed=1)
    spec = from_template(template, handwriting_task(len(strokes.vocab), 3), RecurrentSpec("lstm", 16, 2))
    project = trained(Project.create(spec, strokes, replace(TINY_CONFIG, seq_len=60)), steps=30)
    report = export_model(project, "onnx", tmp_path / "hand.onnx")
    assert report.files[-1].name == "run_hand.py"
    text = "an"
    args = ["--bias", "30", "--seed", "4", "--out", str(tmp_path / "ink.csv")]
    shown = run_script(bare_python, tmp_path / "run_hand.py", *args, *(["--text", text] if spec.window else []))
    offsets = np.loadtxt(tmp_path / "ink.csv", delimiter=",", skiprows=1, ndmin=2)
    assert shown == f"Wrote {tmp_path / 'ink.csv'}: {len(offsets)} pen points." and len(offsets) > 0
    scale = DEFAULT_LINE_HEIGHT / strokes.geometry.line_height
    moves = offsets.copy()
    moves[:, :2] = (moves[:, :2] / scale - strokes.normalisation.mean) / strokes.normalisation.std
    read = torch.tensor(np.concatenate([[START_POINT], moves]), dtype=torch.float32)[None]  # (1, 1 + N, 3)
    with torch.no_grad():
        if spec.window:
            ids = torch.from_numpy(strokes.vocab.encode(text))[None]
            params, _, trace = project.model.eval()(read, ids, torch.ones_like(ids, dtype=torch.bool))
        else:
            params, _ = project.model.eval()(read)
    biased = apply_bias(params, 30.0)
    for t, (dx, dy, _) in enumerate(moves):
        distance = (biased.mu[0, t] - torch.tensor([dx, dy])).norm(dim=-1)  # (M,) to each component's mean
        nearest = int(distance.argmin())
        assert distance[nearest] < 1e-3 and biased.log_pi[0, t, nearest].exp() > 1e-6, t
    if spec.window:
        ended = trace.passed_end[0].tolist()  # after the start point and after each move
        assert not any(ended[:-1]) and (ended[-1] or len(moves) == MAX_POINTS_PER_CHARACTER * len(text))
    else:
        assert len(moves) == MAX_POINTS
    run_script(
        bare_python,
        tmp_path / "run_hand.py",
        "--seed",
        "4",
        "--out",
        str(tmp_path / "ink.svg"),
        *(["--text", text] if spec.window else []),
    )
    assert (tmp_path / "ink.svg").read_text().count("<path ") >= 1

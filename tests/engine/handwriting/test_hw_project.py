"""Handwriting inside a project: specs and templates, the stroke corpus in the file, training."""

from dataclasses import replace

import numpy as np
import pytest
import torch
from tiny import TINY_CONFIG, Recorder

from workbench.engine.common.errors import DataError, SpecError, WorkbenchError
from workbench.engine.data.base import handwriting_task, language_model_task
from workbench.engine.data.handwriting.corpus import StrokeCorpus
from workbench.engine.data.handwriting.strokes import pen_step
from workbench.engine.data.handwriting.synthetic import synthesize_corpus
from workbench.engine.events import ProbeSnapshot, SampleGenerated, StepMetrics, ValidationResult
from workbench.engine.inference.writing import Primer, primer_offsets, resample, write
from workbench.engine.model.builder import build_model
from workbench.engine.model.handwriting.model import HandwritingPrediction, HandwritingSynthesis
from workbench.engine.model.parameter_count import spec_parameters
from workbench.engine.model.sequence_models import count_parameters
from workbench.engine.model.templates import from_template
from workbench.engine.project.project import Project
from workbench.engine.project.starters import new_project
from workbench.engine.spec import ModelSpec, RecurrentSpec


@pytest.fixture(scope="module")
def lines():
    return synthesize_corpus(24, seed=3, writers=6)


@pytest.fixture
def corpus(lines):
    return StrokeCorpus.from_samples(lines, "test:lines", "Test lines", val_fraction=0.25, seed=1)


def project(corpus, template="handwriting synthesis", hidden=12, layers=2, **config):
    task = handwriting_task(len(corpus.vocab), components=3)
    spec = from_template(template, task, RecurrentSpec("lstm", hidden, layers))
    settings = dict(batch_size=4, seq_len=60, val_every=0)
    settings.update(config)
    return Project.create(spec, corpus, replace(TINY_CONFIG, **settings))


def test_the_two_handwriting_templates_and_what_they_refuse():
    task = handwriting_task(alphabet_size=30)
    prediction = from_template("handwriting", task, RecurrentSpec("gru", 64, 3, bidirectional=True))
    assert prediction.template == "handwriting" and prediction.encoder.cell == "lstm"  # Graves' cells
    assert not prediction.encoder.bidirectional and prediction.window is None
    synthesis = from_template("handwriting synthesis", task, RecurrentSpec("lstm", 64, 3))
    assert synthesis.template == "handwriting synthesis"
    assert synthesis.window.alphabet_size == 30 and synthesis.window.components == 10
    assert synthesis.describe() == "handwriting synthesis: 3 × LSTM 64, window of 10, 20 mixture components"
    assert ModelSpec.from_json(synthesis.to_json()) == synthesis
    with pytest.raises(SpecError, match="writes with a pen, but this is language model data"):
        from_template("handwriting", language_model_task(40), RecurrentSpec())
    messages = [p.message for p in replace(synthesis, encoder=RecurrentSpec("gru", 64, 1)).problems()]
    assert messages == ["the handwriting networks are made of LSTM layers (Graves 2013)"]
    language_model = from_template("stacked", language_model_task(40), RecurrentSpec())
    assert "a window over text belongs to a handwriting model" in [
        p.message for p in replace(language_model, window=synthesis.window).problems()
    ]


@pytest.mark.parametrize(
    "template,hidden,layers",
    [
        ("handwriting", 16, 1),
        ("handwriting", 24, 3),
        ("handwriting synthesis", 16, 1),
        ("handwriting synthesis", 20, 3),
    ],
)
def test_the_parameter_count_from_the_spec_matches_the_module(template, hidden, layers):
    spec = from_template(template, handwriting_task(33, components=7), RecurrentSpec("lstm", hidden, layers))
    model = build_model(spec)
    assert isinstance(model, HandwritingSynthesis if "synthesis" in template else HandwritingPrediction)
    assert spec_parameters(spec) == count_parameters(model)


def test_the_corpus_splits_normalises_and_survives_its_arrays(lines, corpus):
    assert len(corpus.lines("train")) == 18 and len(corpus.lines("val")) == 6
    train_offsets = np.concatenate([line.points[:, :2] for line in corpus.lines("train")])
    np.testing.assert_allclose(corpus.normalisation.mean, train_offsets.mean(0), rtol=1e-4)
    assert corpus.stats()["writers"] == 6 and corpus.stats()["lines"] == 24
    again = StrokeCorpus.from_arrays(corpus.description, corpus.vocab.to_json(), corpus.arrays())
    for split in ("train", "val"):
        for old, new in zip(corpus.lines(split), again.lines(split), strict=True):
            np.testing.assert_array_equal(old.points, new.points)
            assert (old.text, old.writer) == (new.text, new.writer)
    batch = again.batcher("train", 4, 60, seed=0).next_batch()
    assert batch.points.shape[0] == 4 and batch.points.shape[1] <= 60
    assert abs(float(batch.targets[batch.mask][:, :2].std()) - 1.0) < 0.5  # normalised offsets


def test_damaged_stroke_arrays_are_refused_in_words(corpus):
    arrays = corpus.arrays()
    arrays["val_offsets"] = arrays["val_offsets"][:-1]  # the last line's end is gone
    with pytest.raises(DataError, match="test:lines: the stored validation handwriting lines do not fit together"):
        StrokeCorpus.from_arrays(corpus.description, corpus.vocab.to_json(), arrays)
    description = {key: value for key, value in corpus.description.items() if key != "normalisation"}
    with pytest.raises(DataError, match="no normalisation statistics"):
        StrokeCorpus.from_arrays(description, corpus.vocab.to_json(), corpus.arrays())


def test_a_synthesis_network_trains_validates_and_reports_its_layers(corpus):
    recorder = Recorder()
    trainer = project(corpus, learning_rate=1e-2, val_every=20, probe_every=5, sample_every=5).trainer(recorder)
    before = trainer.validate().loss
    trainer.run(40)
    after = recorder.of(ValidationResult)[-1].loss
    assert after < before - 5  # nats per line (60 points each), on lines it never trained on
    losses = trainer.history.losses
    assert np.mean(losses[-10:]) < np.mean(losses[:10])
    assert recorder.of(StepMetrics)[0].layer_names == ("lstm.l0", "window", "lstm.l1", "head")
    assert not recorder.of(ProbeSnapshot) and not recorder.of(SampleGenerated)  # token views: not for pens


def test_validation_is_the_mean_loss_per_line(corpus):
    trainer = project(corpus, val_batches=0).trainer()
    model, device = trainer.model, trainer.device
    batches = corpus.batcher("val", 4, 60, seed=TINY_CONFIG.seed)
    total, lines = 0.0, 0
    with torch.no_grad():
        for batch in batches.epoch_batches():
            total += float(model.batch_loss(batch, None, device)[0]) * len(batch.points)
            lines += len(batch.points)
    assert trainer.validate().loss == pytest.approx(total / lines, rel=1e-6)


def test_save_open_and_resume_exactly(corpus, tmp_path):
    straight = project(corpus).trainer()
    straight.run(16)
    first = project(corpus)
    first.trainer().run(8)
    first.save(tmp_path / "hand.h5")
    torch.manual_seed(5)
    resumed = Project.open(tmp_path / "hand.h5")
    assert resumed.spec == first.spec and resumed.corpus.normalisation == corpus.normalisation
    resumed.trainer().run(8)
    np.testing.assert_allclose(resumed.history.losses[8:], straight.history.losses[8:], rtol=0, atol=1e-4)
    for name, value in straight.model.state_dict().items():
        torch.testing.assert_close(resumed.model.state_dict()[name], value, rtol=0, atol=1e-5)


def test_a_new_project_on_pen_data_is_a_synthesis_network(corpus):
    made = new_project(corpus, hidden=16, layers=2, batch_size=4, seq_len=50)
    assert made.spec.template == "handwriting synthesis"
    assert made.spec.window.alphabet_size == len(corpus.vocab)


# -- writing, in pad ink units ----------------------------------------------------------------


def test_resampling_spaces_points_evenly_whatever_the_pen_speed():
    fast_then_slow = np.array([[0.0, 0.0], [7.0, 0.0], [7.5, 0.0], [8.0, 0.0], [10.0, 0.0]])
    points = resample(fast_then_slow, 1.0)
    np.testing.assert_allclose(points[:, 0], np.arange(11.0))
    np.testing.assert_allclose(points[:, 1], 0.0)


def test_a_primer_twice_as_big_is_read_the_same_and_answered_twice_as_big(corpus):
    model = project(corpus).model
    geometry = corpus.geometry
    wave = np.column_stack([np.linspace(0, 200, 120), 150 + 30 * np.sin(np.linspace(0, 12, 120))])
    small = Primer((wave, wave[:20] + [230, 0]), "hi there")
    big = Primer(tuple(stroke * 2 for stroke in small.strokes), "hi there")
    read_small, scale_small = primer_offsets(small, geometry)
    read_big, scale_big = primer_offsets(big, geometry)
    assert scale_big == pytest.approx(2 * scale_small)
    np.testing.assert_allclose(read_big, read_small, atol=1e-4)
    assert pen_step(read_small) == pytest.approx(geometry.pen_step, rel=0.15)  # the training spacing
    one = write(model, corpus, "go on", bias=1.0, primer=small, seed=7)
    two = write(model, corpus, "go on", bias=1.0, primer=big, seed=7)
    assert one.primed and len(one.points) == len(two.points) > 0
    np.testing.assert_allclose(two.points[:, :2], 2 * one.points[:, :2], rtol=1e-3, atol=1e-3)
    np.testing.assert_array_equal(two.points[:, 2], one.points[:, 2])


def test_what_a_synthesis_network_writes_comes_with_its_window_and_mixtures(corpus):
    model = project(corpus).model
    training_rng = torch.get_rng_state()
    written = write(model, corpus, "abc", bias=0.5)  # unseeded, between training steps
    assert torch.equal(torch.get_rng_state(), training_rng)  # what training draws next is untouched
    steps = len(written.points)
    assert written.text == "abc" and not written.primed and steps > 0
    assert written.phi.shape == (steps, 3) and written.mixture_weights.shape == (steps, 3)
    np.testing.assert_allclose(written.mixture_weights.sum(1), 1.0, rtol=1e-5)
    assert steps <= 3 * 40 and (written.stopped or steps == 3 * 40)
    with pytest.raises(WorkbenchError, match="type the text to write"):
        write(model, corpus, "  ")
    with pytest.raises(WorkbenchError, match="what your ink says"):
        write(model, corpus, "abc", primer=Primer((np.array([[0.0, 0.0], [5.0, 9.0]]),)))


def test_a_prediction_network_writes_on_without_text(corpus):
    model = project(corpus, template="handwriting").model
    written = write(model, corpus, bias=2.0, seed=3)
    assert written.text == "" and written.phi is None and 0 < len(written.points) <= 1500

"""What the pad asks of a handwriting model: the density of the next point, and new training lines."""

from dataclasses import replace

import numpy as np
import pytest
import torch
from tiny import TINY_CONFIG

from workbench.engine.common.errors import WorkbenchError
from workbench.engine.data.base import handwriting_task
from workbench.engine.data.handwriting.corpus import StrokeCorpus
from workbench.engine.data.handwriting.stroke_batches import START_POINT
from workbench.engine.data.handwriting.strokes import line_height, pen_step
from workbench.engine.data.handwriting.synthetic import synthesize_corpus
from workbench.engine.inference.writing import USER_WRITER, Primer, next_point_density, primer_offsets, user_line
from workbench.engine.model.templates import from_template
from workbench.engine.project.project import Project
from workbench.engine.spec import RecurrentSpec


@pytest.fixture(scope="module")
def corpus():
    return StrokeCorpus.from_samples(synthesize_corpus(16, seed=5, writers=4), "test:lines", "Test", val_fraction=0.25)


def model(corpus, template):
    spec = from_template(template, handwriting_task(len(corpus.vocab), components=3), RecurrentSpec("lstm", 12, 2))
    torch.manual_seed(0)
    return Project.create(spec, corpus, replace(TINY_CONFIG, batch_size=4, seq_len=60, val_every=0)).model


WAVE = np.column_stack([np.linspace(0, 200, 90), 150 + 30 * np.sin(np.linspace(0, 9, 90))]).astype(np.float32)
INK = (WAVE, WAVE[:15] + np.float32([230, 0]))  # a long stroke and one being drawn


@pytest.mark.parametrize("template", ["handwriting", "handwriting synthesis"])
def test_the_density_is_per_square_ink_unit_around_the_last_point(corpus, template):
    density = next_point_density(model(corpus, template), corpus, INK, text="hi there")
    x0, y0, width, height = density.rect
    assert density.image.shape == (48, 48)
    cell_area = (width / 48) * (height / 48)
    mass = float(density.image.sum()) * cell_area
    assert 0.9 < mass < 1.05  # the frame spans the heavy components' ±3σ
    assert 0.0 < density.end_of_stroke < 1.0


def test_the_density_is_the_models_own_distribution(corpus):
    network = model(corpus, "handwriting").eval()
    density = next_point_density(network, corpus, INK)
    points, scale = primer_offsets(Primer(INK), corpus.geometry)
    inputs = np.concatenate([[START_POINT], corpus.normalisation.normalise(points)]).astype(np.float32)
    with torch.no_grad():
        params = network(torch.from_numpy(inputs)[None])[0]
    assert density.end_of_stroke == pytest.approx(float(torch.sigmoid(params.eos_logit[0, -1])), rel=1e-5)
    # the densest cell lies where the heaviest component's mean puts the pen, in ink units
    heaviest = int(params.log_pi[0, -1].argmax())
    mean_offset = (params.mu[0, -1, heaviest].numpy() * corpus.normalisation.std + corpus.normalisation.mean) * scale
    x0, y0, width, height = density.rect
    row, column = np.unravel_index(int(density.image.argmax()), density.image.shape)
    peak = np.array([x0 + (column + 0.5) * width / 48, y0 + (row + 0.5) * height / 48])
    spread = np.exp(params.log_sigma[0, -1, heaviest].numpy()) * corpus.normalisation.std * scale
    expected = INK[-1][-1] + mean_offset
    assert x0 <= expected[0] <= x0 + width and y0 <= expected[1] <= y0 + height  # the frame holds it
    assert np.all(np.abs(peak - expected) <= spread + np.array([width, height]) / 48)


def test_while_the_pen_is_down_the_model_does_not_read_a_lift(corpus):
    network = model(corpus, "handwriting").eval()
    read = []
    hook = network.first.register_forward_hook(lambda module, inputs, output: read.append(inputs[0][0, -1].clone()))
    lifted = next_point_density(network, corpus, INK)
    drawing = next_point_density(network, corpus, INK, pen_down=True)
    hook.remove()
    assert float(read[0][2]) == 1.0 and float(read[1][2]) == 0.0  # the last point's end-of-stroke bit
    assert drawing.end_of_stroke != pytest.approx(lifted.end_of_stroke, abs=1e-6)


def test_ink_twice_as_big_gets_a_frame_twice_as_big(corpus):
    network = model(corpus, "handwriting")
    one = next_point_density(network, corpus, INK)
    two = next_point_density(network, corpus, tuple(stroke * 2 for stroke in INK))
    np.testing.assert_allclose(np.array(two.rect)[2:], 2 * np.array(one.rect)[2:], rtol=1e-3)
    np.testing.assert_allclose(two.image, one.image / 4, rtol=1e-3, atol=1e-9)  # per square unit
    assert two.end_of_stroke == pytest.approx(one.end_of_stroke, abs=1e-5)


def test_a_first_dot_or_a_flat_dash_is_read_at_the_default_size(corpus):
    network = model(corpus, "handwriting")
    density = next_point_density(network, corpus, (np.float32([[40, 40]]),))
    assert density.image.shape == (48, 48) and np.isfinite(density.image).all()
    dash = (np.column_stack([np.linspace(0, 400, 50), np.full(50, 100.0)]).astype(np.float32) + [0, 0.01],)
    flat = next_point_density(network, corpus, dash)  # scaled by its height it would be 100,000s of points
    assert flat.rect[2] < 400  # a frame for a pen step, at the default size
    with pytest.raises(WorkbenchError, match="too flat"):
        user_line(corpus, (np.column_stack([np.linspace(0, 400, 50), np.linspace(0, 0.05, 50)]),), "flat")
    with pytest.raises(WorkbenchError, match="no ink"):
        next_point_density(model(corpus, "handwriting"), corpus, ())


def test_a_line_from_the_pad_joins_the_training_data_at_the_training_size(corpus):
    corpus = StrokeCorpus.from_arrays(corpus.description, corpus.vocab.to_json(), corpus.arrays())  # a copy
    before = len(corpus.lines("train"))
    big = tuple(stroke * 3 for stroke in INK)
    line = user_line(corpus, big, "  hi there ")
    assert line.text == "hi there" and line.writer == USER_WRITER
    assert line_height(line.points) == pytest.approx(corpus.geometry.line_height, rel=1e-3)
    assert pen_step(line.points) == pytest.approx(corpus.geometry.pen_step, rel=0.15)
    corpus.add_line(line)
    assert len(corpus.lines("train")) == before + 1 and corpus.lines("train")[-1] is line
    batch = corpus.batcher("train", batch_size=64, seq_len=2000, seed=0).next_batch()  # all lines in one
    assert len(batch.points) == before + 1  # it is trained on
    again = StrokeCorpus.from_arrays(corpus.description, corpus.vocab.to_json(), corpus.arrays())
    assert again.lines("train")[-1].text == "hi there" and again.lines("train")[-1].writer == USER_WRITER
    with pytest.raises(WorkbenchError, match="what your ink says"):
        user_line(corpus, big, " ")


def test_a_line_added_during_training_is_read_from_the_next_epoch(corpus):
    corpus = StrokeCorpus.from_arrays(corpus.description, corpus.vocab.to_json(), corpus.arrays())  # a copy
    spec = from_template(
        "handwriting synthesis", handwriting_task(len(corpus.vocab), components=3), RecurrentSpec("lstm", 8, 1)
    )
    before = len(corpus.lines("train"))
    project = Project.create(spec, corpus, replace(TINY_CONFIG, batch_size=64, seq_len=60, val_every=0))
    trainer = project.trainer()
    trainer.run(2)
    assert trainer.train_batches.next_batch().points.shape[0] == before  # a batch holds every line
    epoch = trainer.train_batches.state()["epoch"]
    project.add_training_line(user_line(corpus, tuple(stroke * 2 for stroke in INK), "hi there"))
    assert project.trainer() is trainer and trainer.train_batches.state() == {"epoch": epoch + 1, "cursor": 0}
    assert trainer.train_batches.next_batch().points.shape[0] == before + 1
    trainer.run(1)  # and trains on

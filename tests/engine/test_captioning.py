"""Captioning: the spec and template, the CNN + attending LSTM model, decoding and learning."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
import torch

from workbench.engine.common.errors import DataError, SpecError, WorkbenchError
from workbench.engine.data import corpus as corpus_module
from workbench.engine.data.base import Task
from workbench.engine.data.scene_drawing import generate_scenes
from workbench.engine.data.scenes import SceneCorpus, scenes_from_items
from workbench.engine.inference.captions import caption, decode_pictures, default_max_len
from workbench.engine.inference.decoding import beam_steps
from workbench.engine.model.builder import build_model
from workbench.engine.model.captioning import CaptioningModel
from workbench.engine.model.inference_mode import inference
from workbench.engine.model.parameter_count import spec_parameters
from workbench.engine.model.sequence_models import count_parameters, parameter_group
from workbench.engine.model.templates import captioning, fit_to_task, from_template
from workbench.engine.project.project import Project
from workbench.engine.scoring.decoded_outputs import evaluate_captions
from workbench.engine.spec import AttentionSpec, HeadSpec, ImageEncoderSpec, InputSpec, ModelSpec, RecurrentSpec
from workbench.engine.training.config import TrainConfig

STACK = RecurrentSpec("lstm", 16)
SMALL_CNN = ImageEncoderSpec(channels=(4, 8))
TRANSLATION = Task("translation", InputSpec(vocab_size=30), HeadSpec("next_token", 12), InputSpec(vocab_size=12))
CONFIG = TrainConfig(
    batch_size=8,
    seq_len=9,
    learning_rate=0.01,
    val_every=0,
    probe_every=0,
    sample_every=0,
    metrics_interval_s=0.0,
    device="cpu",
    seed=0,
)


def scenes(count: int = 20, size: int = 24, seed: int = 0) -> SceneCorpus:
    return scenes_from_items(*generate_scenes(count, seed, size), "test:scenes", "Scenes", val_fraction=0.25)


@pytest.fixture(scope="module")
def corpus() -> SceneCorpus:
    return scenes()


def make_model(corpus: SceneCorpus, spec: ModelSpec | None = None, seed: int = 0) -> CaptioningModel:
    torch.manual_seed(seed)
    return build_model(spec or captioning(corpus.task(8), STACK, SMALL_CNN))


# -- the spec ---------------------------------------------------------------------------


def test_the_captioning_template_reads_pictures_and_writes_with_attention(corpus):
    spec = from_template("captioning", corpus.task(8), STACK)
    assert spec.template == "captioning" and spec.image_encoder == ImageEncoderSpec()
    assert spec.inputs == InputSpec(kind="image", image_size=24, channels=3)
    assert spec.decoder == STACK and spec.attention == AttentionSpec("additive")
    assert spec.is_seq2seq and not spec.generates_text and not spec.writes_with_pen and spec.loss_per == "token"
    described = "captioning: CNN 16-32-64 (3×3 grid) → LSTM 16 with additive attention, next-token over 15"
    assert spec.describe() == described


def test_spec_round_trips_through_json(corpus):
    spec = captioning(corpus.task(8), STACK, ImageEncoderSpec((4, 8, 16), coordinates=False))
    data = json.loads(spec.to_json())
    assert data["image_encoder"] == {"channels": [4, 8, 16], "coordinates": False}
    assert ModelSpec.from_json(spec.to_json()) == spec


def test_other_templates_refuse_pictures_and_captioning_refuses_other_data(corpus):
    for template in ("attention", "encoder-decoder"):
        with pytest.raises(SpecError, match="cannot read pictures: use the captioning template"):
            from_template(template, corpus.task(8), STACK)
    with pytest.raises(SpecError, match="needs an image encoder"):
        from_template("stacked", corpus.task(8), STACK)
    with pytest.raises(SpecError, match="captioning template writes about pictures, but this is translation data"):
        from_template("captioning", TRANSLATION, STACK)


@pytest.mark.parametrize(
    "edit, problem",
    [
        (lambda spec: replace(spec, image_encoder=ImageEncoderSpec(channels=())), "at least one block"),
        (lambda spec: replace(spec, image_encoder=ImageEncoderSpec(channels=(8, 0))), "between 1 and 4096 channels"),
        (
            lambda spec: replace(spec, image_encoder=ImageEncoderSpec(channels=(4,) * 5)),
            "24 pixels a side are too small",
        ),
        (lambda spec: replace(spec, decoder=None, target_inputs=None, attention=None), "it needs a decoder"),
        (lambda spec: replace(spec, reverse_source=True), "a picture has no order to reverse"),
        (lambda spec: replace(spec, inputs=replace(spec.inputs, image_size=0)), "picture size is unknown"),
        (lambda spec: replace(spec, inputs=replace(spec.inputs, channels=0)), "at least one colour channel"),
        (
            lambda spec: replace(spec, inputs=InputSpec(vocab_size=9)),
            "image encoder reads pictures, but this model reads",
        ),
    ],
)
def test_validation_names_what_is_wrong(corpus, edit, problem):
    spec = edit(captioning(corpus.task(8), STACK, SMALL_CNN))
    assert any(problem in found.message for found in spec.problems()), [found.message for found in spec.problems()]


def test_fit_to_task_sizes_the_pictures_and_keeps_the_cnn(corpus):
    spec = captioning(corpus.task(8), STACK, SMALL_CNN)
    bigger = scenes(count=6, size=32)
    fitted = fit_to_task(spec, bigger.task(8))
    assert fitted.inputs.image_size == 32 and fitted.image_encoder == SMALL_CNN
    with pytest.raises(SpecError, match="reads image but the translation data holds tokens"):
        fit_to_task(spec, TRANSLATION)


SPECS = [
    lambda task: captioning(task, STACK, SMALL_CNN),
    lambda task: captioning(task, RecurrentSpec("lstm", 12, 2, dropout=0.1), ImageEncoderSpec((3, 5, 7), False)),
    lambda task: captioning(task, RecurrentSpec("gru", 10), SMALL_CNN),
    lambda task: replace(captioning(task, STACK, SMALL_CNN), attention=AttentionSpec("multiplicative")),
    lambda task: replace(captioning(task, STACK, SMALL_CNN), attention=AttentionSpec("additive", size=5)),
    lambda task: replace(captioning(task, STACK, SMALL_CNN), attention=None),  # Show and Tell
]


@pytest.mark.parametrize("make", SPECS)
def test_parameter_count_from_the_spec_alone_equals_the_built_module(corpus, make):
    spec = make(corpus.task(8)).check()
    assert spec_parameters(spec) == count_parameters(build_model(spec))


def test_parameter_groups_name_the_cnn_blocks(corpus):
    model = make_model(corpus)
    groups = {parameter_group(name) for name, _ in model.named_parameters()}
    assert groups == {
        "image_encoder.l0",
        "image_encoder.l1",
        "initial_state",
        "target_inputs",
        "decoder.l0",
        "attention",
        "combine",
        "head",
    }


# -- the model --------------------------------------------------------------------------


def test_the_grid_and_attention_over_it(corpus):
    model = make_model(corpus)
    images = torch.from_numpy(corpus.images("train")[:3])
    memory, (h0, c0) = model.encode(images)
    assert memory.shape == (3, 36, 8) and model.grid_side == 6  # 24 pixels, two halvings
    assert h0.shape == c0.shape == (1, 3, 16)
    batch = next(corpus.batcher("train", 3, 9, 0).epoch_batches())
    logits, _, weights = model.decode(torch.from_numpy(batch.target_in), (h0, c0), memory)
    assert logits.shape == (*batch.target_in.shape, 15) and weights.shape == (*batch.target_in.shape, 36)
    assert torch.allclose(weights.sum(-1), torch.ones(weights.shape[:2]))
    result = caption(model, corpus, 0, split="train")
    assert result.attention.shape == (len(result.words), 6, 6) and result.attention.dtype == np.float32
    assert np.allclose(result.attention.sum((1, 2)), 1.0, atol=1e-5)


def test_step_by_step_decoding_equals_teacher_forcing(corpus):
    model = make_model(corpus).eval()
    batch = next(corpus.batcher("train", 4, 9, 0).epoch_batches())
    images, target = torch.from_numpy(batch.images), torch.from_numpy(batch.target_in)
    with torch.no_grad():
        memory, state = model.encode(images)
        whole, _, whole_weights = model.decode(target, state, memory)
        steps, step_weights = [], []
        for t in range(target.shape[1]):
            logits, state, weights = model.decode(target[:, t : t + 1], state, memory)
            steps.append(logits)
            step_weights.append(weights)
    assert torch.allclose(torch.cat(steps, 1), whole, atol=1e-5)
    assert torch.allclose(torch.cat(step_weights, 1), whole_weights, atol=1e-6)


def test_greedy_is_beam_search_of_width_one(corpus):
    model = make_model(corpus, seed=3)
    images = corpus.images("train")[:5]
    longest = default_max_len(corpus)
    together = decode_pictures(model, images, 1, longest, 0)  # greedy, all five in one batch
    for index, greedy in enumerate(together):
        picture = images[index : index + 1]
        assert np.array_equal(decode_pictures(model, picture, 1, longest, 0)[0].ids, greedy.ids)
        with inference(model):
            memory, state = model.encode(torch.from_numpy(picture))
            winner = beam_steps(model, memory, state, None, 1, longest, 0.0, 0)
        assert np.array_equal(np.array(winner.ids, np.int64), greedy.ids) and winner.ended == greedy.ended
        assert winner.log_prob == pytest.approx(greedy.log_prob, abs=1e-5)
        assert np.allclose(torch.stack(winner.rows).numpy(), greedy.weights, atol=1e-6)
        assert caption(model, corpus, index, split="train").words == tuple(corpus.vocab.tokens[i] for i in greedy.ids)


def test_caption_checks_what_it_is_given(corpus):
    model = make_model(corpus)
    given = caption(model, corpus, corpus.images("val")[1])
    assert given.words == caption(model, corpus, 1).words
    assert given.image is not corpus.images("val")[1] and np.array_equal(given.image, corpus.images("val")[1])
    with pytest.raises(DataError, match="no scene 99: the validation pictures are numbered 0 to 4"):
        caption(model, corpus, 99)
    with pytest.raises(DataError, match="24×24 pictures with 3 channels .* this one is 24×24×3 of float64"):
        caption(model, corpus, np.zeros((24, 24, 3)))
    with pytest.raises(WorkbenchError, match="beam width must be at least 1"):
        caption(model, corpus, 0, beam_width=0)


# -- training ---------------------------------------------------------------------------


def test_a_small_model_learns_a_few_scenes_by_heart():
    few = scenes(count=10, size=24, seed=1)
    spec = captioning(few.task(16), RecurrentSpec("lstm", 48), ImageEncoderSpec((8, 16)))
    project = Project.create(spec, few, CONFIG)
    trainer = project.trainer()
    assert not trainer.looks_inside  # probes look inside single recurrent stacks only
    assert trainer.run(100).reason == "completed"  # about 60 are enough
    scores = evaluate_captions(project.model, few, "train")
    assert (scores.count, scores.exact_match, scores.word_bleu) == (len(few.images("train")), 1.0, 1.0)
    assert evaluate_captions(project.model, few, "train", beam_width=3).exact_match == 1.0


def test_a_project_saves_and_opens_with_its_pictures(tmp_path, monkeypatch, corpus):
    kinds = corpus_module.corpus_kinds()
    monkeypatch.setattr(corpus_module, "corpus_kinds", lambda: {**kinds, SceneCorpus.kind: SceneCorpus})
    project = Project.create(captioning(corpus.task(8), STACK, SMALL_CNN), corpus, CONFIG)
    project.trainer().run(3)
    path = project.save(tmp_path / "scenes.swb")
    opened = Project.open(path)
    assert opened.spec == project.spec and opened.step == 3
    for split in ("train", "val"):
        assert np.array_equal(opened.corpus.images(split), corpus.images(split))
        assert opened.corpus.caption_texts(split) == corpus.caption_texts(split)
    assert caption(opened.model, opened.corpus, 2).words == caption(project.model, corpus, 2).words
    opened.trainer().run(1)  # the optimizer's state fits the rebuilt model

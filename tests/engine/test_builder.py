"""The builder: every template and cell becomes fused torch modules of the right shapes."""

from dataclasses import replace

import pytest
import torch
from torch import nn

from workbench.engine.common.errors import SpecError
from workbench.engine.data.base import Task, language_model_task
from workbench.engine.model.builder import build_model
from workbench.engine.model.parameter_count import spec_parameters
from workbench.engine.model.sequence_models import Seq2SeqModel, SequenceModel, count_parameters, parameter_group
from workbench.engine.model.templates import from_template
from workbench.engine.spec import AttentionSpec, HeadSpec, InputSpec, ModelSpec, RecurrentSpec

TRANSLATION = Task(
    "translation",
    InputSpec(vocab_size=30, embedding_dim=16),
    HeadSpec("next_token", 12),
    target_inputs=InputSpec(vocab_size=12, embedding_dim=8),
)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_language_model_uses_the_fused_module_and_predicts_every_step(cell):
    spec = from_template("stacked", language_model_task(40, 16), RecurrentSpec(cell, 32, 2))
    model = build_model(spec)
    assert type(model.encoder) is {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell]
    logits, state = model(torch.randint(0, 40, (3, 7)))
    assert logits.shape == (3, 7, 40)
    h = state[0] if cell == "lstm" else state
    assert h.shape == (2, 3, 32)


def test_parameter_count_matches_the_lstm_formula():
    # embedding V·E, LSTM layer l: 4H(in_l + H) + 8H, head H·V + V
    V, E, H = 40, 16, 32
    model = build_model(from_template("stacked", language_model_task(V, E), RecurrentSpec("lstm", H, 2)))
    expected = V * E + (4 * H * (E + H) + 8 * H) + (4 * H * (H + H) + 8 * H) + (H * V + V)
    assert count_parameters(model) == expected


@pytest.mark.parametrize("pooling", ["last", "mean", "max", "attention"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_classification_ignores_padding(pooling, bidirectional):
    task = Task("classification", InputSpec(vocab_size=20, embedding_dim=8), HeadSpec("classification", 3, pooling))
    spec = from_template("bidirectional" if bidirectional else "stacked", task, RecurrentSpec("gru", 16))
    model = build_model(spec).eval()
    x = torch.randint(1, 20, (2, 6))
    mask = torch.tensor([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1]], dtype=torch.bool)
    noisy = x.clone()
    noisy[0, 4:] = torch.randint(1, 20, (2,))
    out, _ = model(x, mask=mask)
    out_noisy, _ = model(noisy, mask=mask)
    assert out.shape == (2, 3)
    torch.testing.assert_close(out, out_noisy)
    # And the short row equals the same row given alone without padding.
    alone, _ = model(x[:1, :4])
    torch.testing.assert_close(out[:1], alone, atol=1e-5, rtol=1e-5)


def test_tagging_and_regression_heads():
    tagger = build_model(
        from_template(
            "bidirectional", Task("tagging", InputSpec(vocab_size=20), HeadSpec("tagging", 9)), RecurrentSpec("lstm", 8)
        )
    )
    assert tagger(torch.randint(0, 20, (2, 5)))[0].shape == (2, 5, 9)
    forecaster = build_model(
        from_template(
            "stacked",
            Task("forecast", InputSpec("features", feature_dim=3, projection_dim=4), HeadSpec("regression", 2)),
            RecurrentSpec("gru", 8),
        )
    )
    prediction, _ = forecaster(torch.randn(2, 5, 3))
    assert prediction.shape == (2, 5, 2)
    target = torch.full((2, 5, 2), float("nan"))
    target[:, :2] = prediction[:, :2].detach() + 1.0
    assert forecaster.head.loss(prediction, target).item() == pytest.approx(1.0)


@pytest.mark.parametrize("template", ["encoder-decoder", "attention"])
@pytest.mark.parametrize("cells", [("lstm", "lstm"), ("gru", "lstm")])
def test_seq2seq_step_by_step_decoding_equals_teacher_forcing(template, cells):
    spec = from_template(template, TRANSLATION, RecurrentSpec(cells[0], 16, 2))
    spec = replace(spec, decoder=RecurrentSpec(cells[1], 24, 1))
    model = build_model(spec).eval()
    assert isinstance(model, Seq2SeqModel)
    source = torch.randint(0, 30, (2, 7))
    mask = torch.ones(2, 7, dtype=torch.bool)
    mask[0, 5:] = False
    target = torch.randint(0, 12, (2, 4))
    full = model(source, target, mask)
    memory, state = model.encode(source, mask)
    steps = []
    for t in range(4):
        logits, state, weights = model.decode(target[:, t : t + 1], state, memory, mask)
        steps.append(logits)
        if weights is not None:
            assert torch.allclose(weights.sum(-1), torch.ones(2, 1))
            assert weights[0, 0, 5:].abs().max() == 0  # padded source steps get no attention
    torch.testing.assert_close(torch.cat(steps, 1), full, atol=1e-5, rtol=1e-5)


def test_multiplicative_attention_builds():
    spec = from_template("attention", TRANSLATION, RecurrentSpec("gru", 16))
    spec = replace(spec, attention=AttentionSpec("multiplicative"))
    logits = build_model(spec)(torch.randint(0, 30, (2, 5)), torch.randint(0, 12, (2, 3)))
    assert logits.shape == (2, 3, 12)


def test_invalid_spec_is_not_built():
    with pytest.raises(SpecError, match="vocabulary is empty"):
        build_model(ModelSpec())


def test_parameter_groups_name_layers():
    assert parameter_group("encoder.weight_hh_l1_reverse") == "encoder.l1"
    assert parameter_group("encoder.bias_ih_l0") == "encoder.l0"
    assert parameter_group("head.proj.weight") == "head"
    assert parameter_group("inputs.weight") == "inputs"
    model = build_model(from_template("stacked", language_model_task(10), RecurrentSpec("rnn", 4, 3)))
    assert isinstance(model, SequenceModel)
    groups = {parameter_group(name) for name, _ in model.named_parameters()}
    assert groups == {"inputs", "encoder.l0", "encoder.l1", "encoder.l2", "head"}


SPECS_OF_EVERY_KIND = [
    from_template("stacked", language_model_task(40, 16), RecurrentSpec("lstm", 32, 2)),
    from_template("stacked", language_model_task(40, 16), RecurrentSpec("rnn", 8, 3)),
    from_template(
        "bidirectional", Task("tagging", InputSpec(vocab_size=20), HeadSpec("tagging", 9)), RecurrentSpec("gru", 12, 2)
    ),
    from_template(
        "attention",
        Task("classification", InputSpec(vocab_size=20), HeadSpec("classification", 3)),
        RecurrentSpec("lstm", 10),
    ),
    from_template(
        "stacked",
        Task("forecast", InputSpec("features", feature_dim=3, projection_dim=4), HeadSpec("regression", 2)),
        RecurrentSpec("gru", 8),
    ),
    from_template(
        "stacked",
        Task("forecast", InputSpec("features", feature_dim=3), HeadSpec("regression", 1)),
        RecurrentSpec("rnn", 5),
    ),
    from_template("encoder-decoder", TRANSLATION, RecurrentSpec("gru", 16, 2)),
    from_template("attention", TRANSLATION, RecurrentSpec("lstm", 16, 2)),
]


@pytest.mark.parametrize("spec", SPECS_OF_EVERY_KIND, ids=lambda spec: spec.describe())
def test_parameter_count_from_the_spec_alone_equals_the_built_module(spec):
    assert spec_parameters(spec) == count_parameters(build_model(spec))


def test_parameter_count_of_multiplicative_attention_and_mixed_cells():
    spec = from_template("attention", TRANSLATION, RecurrentSpec("gru", 16))
    spec = replace(spec, attention=AttentionSpec("multiplicative"), decoder=RecurrentSpec("lstm", 20, 2))
    assert spec_parameters(spec) == count_parameters(build_model(spec))

"""The model spec: JSON round trips, templates, and validation in words a user understands."""

import json
from dataclasses import replace

import pytest

from workbench.engine.common.errors import SpecError
from workbench.engine.data.base import Task, language_model_task
from workbench.engine.model.templates import fit_to_task, from_template
from workbench.engine.spec import SPEC_VERSION, AttentionSpec, HeadSpec, InputSpec, ModelSpec, RecurrentSpec

LM = language_model_task(40)
STACK = RecurrentSpec("gru", 32, 2, dropout=0.1)
TRANSLATION = Task(
    "translation",
    InputSpec(vocab_size=30, embedding_dim=16),
    HeadSpec("next_token", 12),
    target_inputs=InputSpec(vocab_size=12, embedding_dim=8),
)
CLASSIFICATION = Task("classification", InputSpec(vocab_size=30), HeadSpec("classification", 2))


def messages(spec):
    return [problem.message for problem in spec.problems()]


@pytest.mark.parametrize(
    "template,task",
    [
        ("stacked", LM),
        ("bidirectional", CLASSIFICATION),
        ("encoder-decoder", TRANSLATION),
        ("attention", TRANSLATION),
        ("attention", CLASSIFICATION),
    ],
)
def test_every_template_round_trips_through_json(template, task):
    spec = from_template(template, task, STACK)
    assert spec.template == template
    text = spec.to_json()
    assert json.loads(text)["version"] == SPEC_VERSION
    assert ModelSpec.from_json(text) == spec


def test_templates_shape_the_network():
    assert from_template("bidirectional", CLASSIFICATION, STACK).encoder.bidirectional
    seq2seq = from_template("attention", TRANSLATION, STACK)
    assert seq2seq.decoder is not None and not seq2seq.decoder.bidirectional
    assert seq2seq.attention == AttentionSpec("additive")
    pooled = from_template("attention", CLASSIFICATION, STACK)
    assert pooled.decoder is None and pooled.head.pooling == "attention"


def test_bidirectional_language_model_is_refused_with_the_reason():
    with pytest.raises(SpecError, match="a bidirectional encoder cannot generate text left to right"):
        from_template("bidirectional", LM, STACK)


def test_translation_templates_refuse_language_model_data():
    with pytest.raises(SpecError, match="encoder–decoder template translates"):
        from_template("encoder-decoder", LM, STACK)
    with pytest.raises(SpecError, match="attention template needs a sequence"):
        from_template("attention", LM, STACK)


@pytest.mark.parametrize(
    "edit,expected",
    [
        (lambda s: replace(s, encoder=replace(s.encoder, cell="lstmx")), "unknown cell 'lstmx'"),
        (lambda s: replace(s, encoder=replace(s.encoder, hidden_size=0)), "hidden size must be between"),
        (lambda s: replace(s, encoder=replace(s.encoder, num_layers=1, dropout=0.3)), "needs at least two layers"),
        (lambda s: replace(s, encoder=replace(s.encoder, dropout=1.0)), "dropout is a probability"),
        (lambda s: replace(s, inputs=replace(s.inputs, vocab_size=0)), "vocabulary is empty"),
        (lambda s: replace(s, head=HeadSpec("next_token", 39)), "predict over the input vocabulary"),
        (lambda s: replace(s, head=HeadSpec("mystery", 3)), "unknown head 'mystery'"),
        (lambda s: replace(s, attention=AttentionSpec()), "attention needs a decoder"),
        (lambda s: replace(s, reverse_source=True), "reversing the source needs an encoder–decoder"),
        (lambda s: replace(s, head=HeadSpec("classification", 1)), "at least two classes"),
        (lambda s: replace(s, head=HeadSpec("classification", 3, pooling="median")), "unknown pooling 'median'"),
        (
            lambda s: replace(s, head=HeadSpec("regression", 1), encoder=replace(s.encoder, bidirectional=True)),
            "a forecaster cannot read the future",
        ),
    ],
)
def test_validation_names_the_problem(edit, expected):
    spec = from_template("stacked", LM, STACK)
    assert messages(spec) == []
    found = messages(edit(spec))
    assert any(expected in message for message in found), found


def test_decoder_rules():
    spec = from_template("encoder-decoder", TRANSLATION, STACK)
    assert messages(spec) == []
    both_ways = replace(spec, decoder=replace(spec.decoder, bidirectional=True))
    assert "cannot be bidirectional" in " ".join(messages(both_ways))
    assert "remove the decoder" in " ".join(messages(replace(spec, head=HeadSpec("tagging", 5))))
    assert "unknown attention" in " ".join(messages(replace(spec, attention=AttentionSpec("psychic"))))


@pytest.mark.parametrize(
    "text,expected",
    [
        ("{", "not valid JSON"),
        ("[]", "not a JSON object"),
        ('{"inputs": {}}', "no version"),
        ('{"version": 99}', "version 99"),
        ('{"version": 1, "colour": "red"}', "unknown field 'colour'"),
        ('{"version": 1, "encoder": {"cell": "gru", "size": 3}}', "'encoder' has an unknown field 'size'"),
    ],
)
def test_bad_json_gives_a_clear_error(text, expected):
    with pytest.raises(SpecError, match=expected):
        ModelSpec.from_json(text)


def test_fit_to_task_sizes_inputs_and_head_and_keeps_the_shape():
    spec = fit_to_task(from_template("stacked", LM, RecurrentSpec("gru", 48, 3)), language_model_task(77))
    assert spec.inputs.vocab_size == 77 and spec.head.num_outputs == 77
    assert (spec.encoder.cell, spec.encoder.hidden_size, spec.encoder.num_layers) == ("gru", 48, 3)
    assert spec.check() is spec


def test_fit_to_task_refuses_a_model_for_other_data():
    classifier = from_template("stacked", LM, STACK)
    with pytest.raises(SpecError, match="asks for classification"):
        fit_to_task(classifier, replace(LM, title="sex", head=HeadSpec("classification", 2)))
    with pytest.raises(SpecError, match="needs an encoder–decoder"):
        fit_to_task(classifier, TRANSLATION)


def test_describe_reads_like_the_diagram():
    spec = from_template("attention", TRANSLATION, RecurrentSpec("lstm", 64, 2))
    assert spec.describe() == (
        "attention: 2 × bidirectional LSTM 64 → 2 × LSTM 64 with additive attention, next-token over 12"
    )


def test_a_model_without_pictures_stores_no_picture_fields():
    spec = from_template("attention", TRANSLATION, STACK)
    data = spec.to_dict()
    assert "image_encoder" not in data
    assert "channels" not in data["inputs"] and "image_size" not in data["target_inputs"]
    assert ModelSpec.from_dict(data) == spec  # readable by workbenches from before captioning, and by this one


def spec_json_with(**changes) -> dict:
    data = from_template("stacked", LM, STACK).to_dict()
    for path, value in changes.items():
        *parents, key = path.split("__")
        target = data
        for parent in parents:
            target = target[parent]
        target[key] = value
    return data


@pytest.mark.parametrize(
    "path,value,expected",
    [
        ("encoder__hidden_size", "lots", "'encoder.hidden_size' is 'lots', not a whole number"),
        ("encoder__hidden_size", 12.5, "not a whole number"),
        ("encoder__num_layers", True, "not a whole number"),
        ("encoder__dropout", float("nan"), "'encoder.dropout' is 'nan', not a number"),
        ("encoder__bidirectional", 1, "not true or false"),
        ("encoder__cell", 3, "not text"),
        ("head", None, "has no 'head'"),
        ("inputs", None, "has no 'inputs'"),
        ("reverse_source", "yes", "'reverse_source' is not true or false"),
        ("version", True, "no version number"),
    ],
)
def test_a_stored_field_of_the_wrong_type_is_refused_in_one_line(path, value, expected):
    """Issue 18: a spec from a file is checked for types before its ranges are compared."""
    with pytest.raises(SpecError, match=expected.replace("(", r"\(").replace(")", r"\)")) as caught:
        ModelSpec.from_dict(spec_json_with(**{path: value}))
    assert "\n" not in str(caught.value)


def test_sizes_without_a_natural_bound_have_one():
    spec = from_template("stacked", LM, STACK)
    assert "embedding width" in messages(replace(spec, inputs=replace(spec.inputs, embedding_dim=10**9)))[0]

"""Sampling: temperature, top-k, greedy, priming, and the boundary token of line corpora."""

import pytest
import torch
from tiny import make_project

from workbench.engine.common.errors import WorkbenchError
from workbench.engine.inference.sampling import next_token_distribution, sample_text
from workbench.engine.inference.sampling_options import SamplingOptions


def test_temperature_sharpens_and_top_k_truncates():
    logits = torch.tensor([2.0, 1.0, 0.0, -1.0])
    cold = next_token_distribution(logits, 0.5, 0)
    hot = next_token_distribution(logits, 2.0, 0)
    assert cold[0] > torch.softmax(logits, 0)[0] > hot[0]
    top2 = next_token_distribution(logits, 1.0, 2)
    assert top2[2:].sum() == 0 and top2.sum().item() == pytest.approx(1.0)
    torch.testing.assert_close(top2[:2], torch.softmax(logits[:2], 0))


def test_greedy_is_deterministic_and_equals_top_1(text_corpus):
    trainer = make_project(text_corpus, learning_rate=1e-2).trainer()
    trainer.run(80)
    model, vocab = trainer.model, text_corpus.vocab
    greedy = sample_text(model, vocab, SamplingOptions(length=60, temperature=0, prime="the "))
    assert greedy == sample_text(model, vocab, SamplingOptions(length=60, temperature=0, prime="the "))
    top1 = sample_text(model, vocab, SamplingOptions(length=60, temperature=1.0, top_k=1, prime="the ", seed=5))
    assert top1 == greedy
    assert greedy.startswith("the ") and len(greedy) == 64


def test_seeded_samples_repeat_and_seeds_differ(text_corpus):
    model, vocab = make_project(text_corpus).model, text_corpus.vocab
    a = sample_text(model, vocab, SamplingOptions(length=80, temperature=1.5, seed=1))
    assert a == sample_text(model, vocab, SamplingOptions(length=80, temperature=1.5, seed=1))
    assert a != sample_text(model, vocab, SamplingOptions(length=80, temperature=1.5, seed=2))


def test_the_hidden_state_is_carried_through_the_prime(text_corpus):
    # Sampling step by step must equal reading the whole text at once.
    trainer = make_project(text_corpus, learning_rate=1e-2).trainer()
    trainer.run(60)
    model, vocab = trainer.model.eval(), text_corpus.vocab
    text = sample_text(model, vocab, SamplingOptions(length=20, temperature=0, prime="the quick"))
    ids = torch.from_numpy(vocab.encode(text))[None]
    logits, _ = model(ids)
    assert vocab.decode(logits[0, 8:-1].argmax(-1)) == text[9:]


def test_names_stop_at_the_boundary_token(lines_corpus):
    trainer = make_project(lines_corpus, learning_rate=2e-2).trainer()
    trainer.run(150)
    names = {trainer.sample(SamplingOptions(length=50, temperature=0.5, seed=s)).text for s in range(8)}
    assert all(0 < len(name) < 15 and "\n" not in name for name in names)
    assert names & {"Anna", "Bob", "Clara", "Dmitri", "Eve", "Frida", "Gus", "Hana"}


@pytest.mark.parametrize(
    "options,message",
    [
        (SamplingOptions(length=0), "at least 1 token"),
        (SamplingOptions(temperature=-1), "temperature cannot be negative"),
        (SamplingOptions(top_k=-2), "top-k cannot be negative"),
    ],
)
def test_bad_options_are_refused(text_corpus, options, message):
    with pytest.raises(WorkbenchError, match=message):
        sample_text(make_project(text_corpus).model, text_corpus.vocab, options)


def test_a_prime_with_unknown_characters_is_a_clear_error(text_corpus):
    with pytest.raises(WorkbenchError, match="ж"):
        sample_text(make_project(text_corpus).model, text_corpus.vocab, SamplingOptions(prime="жук"))

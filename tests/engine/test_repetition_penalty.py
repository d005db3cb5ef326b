"""The repetition guard: CTRL's penalised sampling over the tokens written lately."""

from dataclasses import replace

import pytest
import torch
from tiny import make_project
from torch import nn

from workbench.engine.data.vocab import Vocabulary
from workbench.engine.inference.sampling import penalise_repeats, sample_text
from workbench.engine.inference.sampling_options import REPETITION_WINDOW, SamplingOptions

CODE_CHARACTERS = "def x(y):\n"


class EchoModel(nn.Module):
    """A language model whose likeliest next token is always the one it just read.

    Every logit is 1 but the last token's, which is 2: greedy decoding repeats that token for
    ever, as a code model writes space after space after ``def ``.
    """

    def __init__(self, vocab_size: int) -> None:
        super().__init__()
        self.vocab_size = vocab_size
        self.lead = nn.Parameter(torch.tensor(1.0))

    def forward(self, ids: torch.Tensor, state=None):
        logits = 1.0 + self.lead * nn.functional.one_hot(ids, self.vocab_size).float()  # (1, P, V)
        return logits, state


@pytest.fixture
def echo():
    vocab = Vocabulary.of_characters(CODE_CHARACTERS)
    return EchoModel(len(vocab.tokens)), vocab


def test_greedy_sampling_repeats_without_the_penalty(echo):
    model, vocab = echo
    text = sample_text(model, vocab, SamplingOptions(length=30, temperature=0, prime="def "))
    assert text == "def " + " " * 30  # the default is off


def test_the_penalty_breaks_the_repeat(echo):
    model, vocab = echo
    text = sample_text(model, vocab, SamplingOptions(length=30, temperature=0, prime="def ", repetition_penalty=3.0))
    written = text[len("def ") :]
    assert written[0] == " "  # nothing written yet: nothing to penalise
    assert written[1] != " " and len(set(written)) == len(vocab.tokens)  # 2 / 3 < 1: every other token first


def test_a_token_comes_back_once_it_has_left_the_window(echo):
    model, vocab = echo
    options = SamplingOptions(length=REPETITION_WINDOW + 10, temperature=0, prime="d", repetition_penalty=3.0)
    written = sample_text(model, vocab, options)[1:]
    assert written[0] == "d"  # the prime is not penalised: only what the model writes
    assert written.index("d", 1) == REPETITION_WINDOW + 1  # penalised while among the last 64 written


def test_the_penalty_changes_what_is_drawn_at_a_temperature(echo):
    model, vocab = echo
    plain = sample_text(model, vocab, SamplingOptions(length=200, temperature=0.05, prime="def ", seed=4))
    guarded = sample_text(
        model, vocab, SamplingOptions(length=200, temperature=0.05, prime="def ", seed=4, repetition_penalty=2.0)
    )
    assert plain == "def " + " " * 200
    assert set(guarded) == set(CODE_CHARACTERS)


def test_positive_logits_are_divided_and_negative_ones_multiplied():
    logits = torch.tensor([2.0, -1.0, 0.5, -3.0])
    penalised = penalise_repeats(logits, [0, 1, 1], 2.0)
    torch.testing.assert_close(penalised, torch.tensor([1.0, -2.0, 0.5, -3.0]))  # token 1 penalised once
    assert torch.equal(logits, torch.tensor([2.0, -1.0, 0.5, -3.0]))  # the model's logits are left alone


def test_a_penalty_of_one_leaves_samples_unchanged_bit_for_bit(text_corpus):
    trainer = make_project(text_corpus, learning_rate=1e-2).trainer()
    trainer.run(40)
    model, vocab = trainer.model, text_corpus.vocab
    for options in (SamplingOptions(length=80, temperature=1.3, seed=7), SamplingOptions(length=80, temperature=0)):
        explicit = replace(options, repetition_penalty=1.0)
        assert sample_text(model, vocab, explicit) == sample_text(model, vocab, options)
    logits = torch.randn(30)
    assert torch.equal(penalise_repeats(logits, [1, 2, 3], 1.0), logits)

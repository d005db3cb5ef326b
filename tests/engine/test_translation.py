"""Translation: greedy and beam-search decoding, attention in typed order, BLEU, and learning."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from workbench.engine.common.errors import DataError, WorkbenchError
from workbench.engine.data.pairs import PairCorpus, pairs_from_items
from workbench.engine.inference.translation import beam_search, greedy_decode, greedy_decode_batch, translate
from workbench.engine.model.builder import build_model
from workbench.engine.model.templates import from_template
from workbench.engine.project.project import Project
from workbench.engine.scoring.decoded_outputs import evaluate_translation
from workbench.engine.scoring.output_scores import corpus_bleu, score_texts
from workbench.engine.spec import RecurrentSpec
from workbench.engine.training.config import TrainConfig

NUMBERS = [
    ("one", "1"),
    ("two", "2"),
    ("three", "3"),
    ("four", "4"),
    ("five", "5"),
    ("six", "6"),
    ("seven", "7"),
    ("eight", "8"),
    ("nine", "9"),
    ("ten", "10"),
    ("eleven", "11"),
    ("twelve", "12"),
]
TEMPLATES = ["attention", "encoder-decoder"]


@pytest.fixture(scope="module")
def numbers() -> PairCorpus:
    return pairs_from_items(NUMBERS, "test:numbers", "Numbers", val_fraction=0.1, seed=0)


def make_model(corpus: PairCorpus, template: str, cell: str = "lstm", reverse: bool | None = None, seed: int = 0):
    spec = from_template(template, corpus.task(8), RecurrentSpec(cell, 16))
    if reverse is not None:
        spec = replace(spec, reverse_source=reverse)
    torch.manual_seed(seed)
    return build_model(spec)


def assert_same_decoding(first, second):
    assert first.ids.tolist() == second.ids.tolist()
    assert first.ended == second.ended
    assert first.log_prob == pytest.approx(second.log_prob, abs=1e-4)
    assert (first.weights is None) == (second.weights is None)
    if first.weights is not None:
        np.testing.assert_allclose(first.weights, second.weights, atol=1e-5)


# -- decoding ---------------------------------------------------------------------------


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("reverse", [False, True])
def test_beam_of_width_one_is_greedy(numbers, template, reverse):
    model = make_model(numbers, template, reverse=reverse)
    for source in numbers.ids("train")[0][:5]:
        assert_same_decoding(greedy_decode(model, source, 8), beam_search(model, source, 1, 8))


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_batched_greedy_equals_one_source_at_a_time(numbers, template, cell):
    # Padding must change nothing: the encoder's final state is that of each source's last step.
    model = make_model(numbers, template, cell, reverse=True)
    sources = numbers.ids("train")[0][:6]
    assert len({len(source) for source in sources}) > 1
    for together, source in zip(greedy_decode_batch(model, sources, 8), sources):
        assert_same_decoding(together, greedy_decode(model, source, 8))


def sequence_log_prob(model, source: np.ndarray, output: tuple[int, ...], ended: bool) -> float:
    """log p(output [, end] | source) by one teacher-forced pass."""
    written = list(output) + ([0] if ended else [])
    with torch.no_grad():
        logits = model(torch.tensor([source.tolist()]), torch.tensor([[0, *written[:-1]]]))
    log_probs = logits[0].log_softmax(-1)
    return float(sum(log_probs[t, token] for t, token in enumerate(written)))


@pytest.mark.parametrize("length_penalty", [0.0, 1.0])
def test_a_beam_that_holds_everything_finds_the_best_output(length_penalty):
    corpus = pairs_from_items([("ab", "xy"), ("ba", "yx"), ("aab", "xxy")], "test:xy", "xy", val_fraction=0.3)
    model = make_model(corpus, "attention", seed=3).eval()
    max_len, letters = 3, range(1, len(corpus.vocab.target))
    candidates = [(output, True) for n in range(max_len) for output in itertools.product(letters, repeat=n)]
    candidates += [(output, False) for output in itertools.product(letters, repeat=max_len)]
    source = corpus.ids("train")[0][0]

    def score(output, ended):
        length = len(output) + ended
        return sequence_log_prob(model, source, output, ended) / ((5 + length) / 6) ** length_penalty

    best = max(candidates, key=lambda candidate: score(*candidate))
    found = beam_search(model, source, beam_width=len(candidates), max_len=max_len, length_penalty=length_penalty)
    assert (tuple(found.ids.tolist()), found.ended) == best
    assert found.log_prob == pytest.approx(sequence_log_prob(model, source, *best), abs=1e-4)


def test_attention_comes_back_in_typed_order_when_the_source_is_reversed(numbers):
    reversed_reader = make_model(numbers, "attention", reverse=True)
    forward_reader = make_model(numbers, "attention", reverse=False)
    forward_reader.load_state_dict(reversed_reader.state_dict())
    ids = numbers.encode_source("seven")
    for beam_width in (1, 3):
        typed = translate(reversed_reader, numbers, "seven", beam_width=beam_width, max_len=6)
        if beam_width == 1:
            flipped = greedy_decode(forward_reader, ids[::-1], 6)
        else:
            flipped = beam_search(forward_reader, ids[::-1], beam_width, 6)
        assert typed.output_tokens == tuple(numbers.vocab.target.tokens[i] for i in flipped.ids)
        np.testing.assert_allclose(typed.attention, flipped.weights[:, ::-1], atol=1e-6)


def test_translation_shows_tokens_and_the_alignment_matrix(numbers):
    model = make_model(numbers, "attention").train()
    result = translate(model, numbers, " twelve ", max_len=5)
    assert model.training  # the mode it was in
    assert result.source == "twelve" and result.source_tokens == tuple("twelve")
    assert result.output == "".join(result.output_tokens) and len(result.output_tokens) <= 5
    assert result.attention.shape == (len(result.output_tokens), 6)
    np.testing.assert_allclose(result.attention.sum(1), 1.0, atol=1e-5)
    assert result.log_prob < 0
    plain = make_model(numbers, "encoder-decoder").eval()
    assert translate(plain, numbers, "two", beam_width=2).attention is None and not plain.training
    with pytest.raises(DataError, match="'X' never appears"):
        translate(model, numbers, "tXo")
    with pytest.raises(WorkbenchError, match="beam width"):
        translate(model, numbers, "two", beam_width=0)


# -- scores -----------------------------------------------------------------------------


def test_exact_match():
    assert score_texts("val", 1, ["2026-11-22", "2001-01-01"], ["2026-11-22", "2001-01-02"]).exact_match == 0.5
    assert score_texts("val", 1, ["a  b"], ["a b"]).exact_match == 1.0  # words match: spacing aside
    with pytest.raises(WorkbenchError):
        score_texts("val", 1, ["a"], [])


def test_bleu_of_a_perfect_output_is_one():
    assert corpus_bleu(["2026-11-22", "1999-01-31"], ["2026-11-22", "1999-01-31"]) == pytest.approx(1.0)


def test_bleu_leaves_out_orders_longer_than_every_output():
    assert corpus_bleu(["1", "12"], ["1", "12"]) == pytest.approx(1.0)
    # Unigrams only (p1 = 1) and bigrams (p2 = 0/1 from "21"): zero.
    assert corpus_bleu(["1", "21"], ["1", "12"]) == 0.0
    # p1 = 2/2, no bigram: BP = exp(1 - 3/2) alone.
    assert corpus_bleu(["1", "2"], ["1", "12"]) == pytest.approx(math.exp(-0.5))


def test_bleu_with_no_shared_tokens_is_zero():
    assert corpus_bleu(["abcd"], ["wxyz"]) == 0.0
    assert corpus_bleu(["abcd"], ["abdc"]) == 0.0  # no shared 4-gram, and no smoothing


def test_bleu_brevity_penalty():
    # Every n-gram of "abcd" is in "abcdef": p_n = 1; c = 4, r = 6, so BP = exp(1 - 6/4).
    assert corpus_bleu(["abcd"], ["abcdef"]) == pytest.approx(math.exp(-0.5))
    # Longer than the reference: no penalty, but the extra n-grams lower precision.
    # p1 = 4/5, p2 = 3/4: BLEU-2 = sqrt(0.8 * 0.75)
    assert corpus_bleu(["abcdz"], ["abcd"], max_n=2) == pytest.approx(math.sqrt(0.8 * 0.75))


def test_bleu_clips_repeated_words():
    # Papineni et al. (2002), section 2.1: modified unigram precision 2/7; c = 7 > r = 6.
    candidate = "the the the the the the the".split()
    reference = "the cat is on the mat".split()
    assert corpus_bleu([candidate], [reference], max_n=1) == pytest.approx(2 / 7)


def test_bleu_pools_counts_over_the_corpus():
    # Bigrams: "abdc" shares 1 of 3 with "abcd", "xyz" shares 2 of 2: p2 = 3/5, p1 = 7/7,
    # c = r = 7: BLEU-2 = sqrt(3/5) (the mean of sentence scores would differ).
    assert corpus_bleu(["abdc", "xyz"], ["abcd", "xyz"], max_n=2) == pytest.approx(math.sqrt(3 / 5))


# -- learning ---------------------------------------------------------------------------


@pytest.mark.parametrize("template", TEMPLATES)
def test_a_small_model_learns_a_few_pairs_by_heart(numbers, template):
    spec = from_template(template, numbers.task(16), RecurrentSpec("lstm", 32))
    config = TrainConfig(
        batch_size=16,
        seq_len=8,
        learning_rate=0.01,
        val_every=0,
        probe_every=0,
        sample_every=0,
        metrics_interval_s=0.0,
        device="cpu",
        seed=0,
    )
    project = Project.create(spec, numbers, config)
    trainer = project.trainer()
    assert trainer.run(80).reason == "completed"  # about 40 are enough
    model = project.model
    scores = evaluate_translation(model, numbers, "train")
    assert (scores.count, scores.exact_match, scores.word_bleu) == (11, 1.0, pytest.approx(1.0))
    assert evaluate_translation(model, numbers, "train", beam_width=3).exact_match == 1.0
    for source in numbers.ids("train")[0]:
        greedy, beam = greedy_decode(model, source, 6), beam_search(model, source, 4, 6)
        assert beam.log_prob >= greedy.log_prob - 1e-5  # usual, though beam search does not promise it
    assert model.training

"""Output scores: word and character BLEU of texts, BLEU of token ids, against a plain count of n-grams."""

from __future__ import annotations

import math
import random
from collections import Counter

import pytest

from workbench.engine.common.errors import WorkbenchError
from workbench.engine.scoring.output_scores import corpus_bleu, score_texts


def counted_bleu(hypotheses, references, max_n=4):
    """Corpus BLEU straight from Papineni et al. with Counter: the reference the vectorised counting must equal."""
    matches, totals = [0] * max_n, [0] * max_n
    for hypothesis, reference in zip(hypotheses, references):
        for n in range(1, max_n + 1):
            ours = Counter(tuple(hypothesis[i : i + n]) for i in range(len(hypothesis) - n + 1))
            theirs = Counter(tuple(reference[i : i + n]) for i in range(len(reference) - n + 1))
            matches[n - 1] += sum(min(count, theirs[gram]) for gram, count in ours.items())
            totals[n - 1] += sum(ours.values())
    c, r = sum(map(len, hypotheses)), sum(map(len, references))
    orders = [(m, t) for m, t in zip(matches, totals) if t]
    if c == 0 or min(m for m, _ in orders) == 0:
        return 0.0
    return (1.0 if c > r else math.exp(1 - r / c)) * math.exp(sum(math.log(m / t) for m, t in orders) / len(orders))


def random_texts(rng: random.Random, count: int) -> list[str]:
    words = ["der", "die", "das", "Haus", "ist", "klein", "groß", "ein", "öffnen", "Datei"]
    return [" ".join(rng.choice(words) for _ in range(rng.randint(0, 9))) for _ in range(count)]


def test_word_bleu_counts_whitespace_separated_words():
    scores = score_texts("val", 1, ["the cat sat on the mat"], ["the cat sat on a mat"])
    # 5 of 6 words, 3 of 5 pairs, 2 of 4 triples, 1 of 3 fours match; equal lengths: no brevity penalty
    assert scores.word_bleu == pytest.approx((5 / 6 * 3 / 5 * 2 / 4 * 1 / 3) ** 0.25)
    assert (scores.split, scores.beam_width, scores.count) == ("val", 1, 1)


def test_character_bleu_leaves_whitespace_out():
    scores = score_texts("val", 1, ["ab cd", "x"], ["abcd", "y  z"])
    assert scores.char_bleu == pytest.approx(corpus_bleu(["abcd", "x"], ["abcd", "yz"]))
    assert scores.char_bleu > scores.word_bleu == 0.0  # "ab cd" shares no word with "abcd"


def test_an_exact_match_is_the_same_words_whatever_the_spacing():
    scores = score_texts("val", 1, ["ein  kleines Haus ", "das Haus"], ["ein kleines Haus", "das haus"])
    assert scores.exact_match == 0.5


def test_vectorised_counting_equals_a_plain_count_on_random_texts():
    rng = random.Random(7)
    for _ in range(30):
        count = rng.randint(1, 12)
        outputs, references = random_texts(rng, count), random_texts(rng, count)
        scores = score_texts("val", 1, outputs, references)
        words = ([text.split() for text in outputs], [text.split() for text in references])
        assert scores.word_bleu == pytest.approx(counted_bleu(*words), abs=1e-12)
        characters = [["".join(text.split()) for text in side] for side in (outputs, references)]
        assert scores.char_bleu == pytest.approx(counted_bleu(*characters), abs=1e-12)


def test_characters_beyond_the_basic_plane_are_counted_one_each():
    expected = counted_bleu([list("😀a😀b😀c")], [list("😀a😀b😀d")])  # one token per code point
    assert 0 < score_texts("val", 1, ["😀 a😀b😀c"], ["😀a😀b😀d"]).char_bleu == pytest.approx(expected)


def test_nothing_to_score_scores_zero_and_unequal_counts_are_refused():
    assert score_texts("val", 1, [], []).word_bleu == 0.0
    assert score_texts("val", 1, [""], ["a"]).char_bleu == 0.0
    with pytest.raises(WorkbenchError, match="2 outputs cannot be scored against 1 references"):
        score_texts("val", 1, ["a", "b"], ["a"])

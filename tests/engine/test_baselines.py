"""Baselines: the commonest class and tag, a bag-of-tokens classifier, translation by copying or the
commonest target, and a Kneser–Ney n-gram model checked against a plain-Python one."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import numpy as np
import pytest

from workbench.engine.common.errors import DataError
from workbench.engine.scoring.baselines import (
    TokenFeatures,
    bag_of_tokens,
    copy_source,
    fit_logistic_regression,
    majority_class,
    majority_tags,
    majority_target,
    ngram_language_model,
)
from workbench.engine.scoring.ngram import KneserNey, cross_entropy


def test_the_commonest_class_is_the_training_splits():
    baseline = majority_class(np.array([0, 1, 1, 2]), np.array([1, 0, 0]))
    assert baseline.value == pytest.approx(1 / 3) and baseline.name == "commonest class"
    with pytest.raises(DataError, match="at least one training item"):
        majority_class(np.array([], np.int64), np.array([1]))


def test_tf_idf_rows_have_length_one_and_a_bias():
    items = [np.array([1, 1, 2]), np.array([2]), np.array([], np.int64)]
    features = TokenFeatures.fit(items, vocab_size=3, pairs=False)
    dense = features.matrix(items).times(np.eye(4))  # (3 items, 3 tokens + bias)
    one, two = (1 + math.log(2)) * (math.log(4 / 2) + 1), 1.0 * (math.log(4 / 3) + 1)  # tf · idf over 3 items
    np.testing.assert_allclose(dense[0], [0, one / math.hypot(one, two), two / math.hypot(one, two), 1])
    np.testing.assert_allclose(dense[1], [0, 0, 1, 1])
    np.testing.assert_allclose(dense[2], [0, 0, 0, 1])  # an empty item: the bias alone
    unseen = features.matrix([np.array([0, 2])]).times(np.eye(4))  # token 0 is in no training item: left out
    np.testing.assert_allclose(unseen[0], [0, 0, 1, 1])


def test_the_classifier_reaches_the_minimum_of_its_objective():
    rng = np.random.default_rng(0)
    items = [rng.integers(0, 12, rng.integers(1, 8)) for _ in range(60)]
    labels = np.array([int(item.sum() % 3) for item in items])
    features = TokenFeatures.fit(items, 12, pairs=False)
    matrix = features.matrix(items)
    weights = fit_logistic_regression(matrix, labels, 3)
    dense = matrix.times(np.eye(matrix.width))  # (60, 13)
    logits = dense @ weights
    probabilities = np.exp(logits - logits.max(1, keepdims=True))
    probabilities /= probabilities.sum(1, keepdims=True)
    penalised = np.vstack([weights[:-1], np.zeros((1, 3))])
    gradient = (dense.T @ (probabilities - np.eye(3)[labels]) + penalised) / len(items)
    assert np.abs(gradient).max() < 1e-4


def test_a_token_that_decides_the_class_is_learnt():
    rng = np.random.default_rng(1)

    def items(count):
        labels = rng.integers(0, 2, count)
        return [np.append(rng.integers(2, 30, 6), label) for label in labels], labels  # token 0 or 1 decides

    train, train_labels = items(300)
    val, val_labels = items(100)
    baseline = bag_of_tokens(train, train_labels, val, val_labels, vocab_size=30, class_count=2)
    assert baseline.value == 1.0 and "logistic regression" in baseline.explanation
    assert bag_of_tokens(train, train_labels, val, val_labels, 30, 2).value == baseline.value  # no randomness


def test_token_pairs_see_the_order_of_adjacent_tokens():
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 2, 400)
    items = [np.array([3, 4] if label else [4, 3]) for label in labels]  # same tokens, the order decides
    unigrams = bag_of_tokens(items[:300], labels[:300], items[300:], labels[300:], 5, 2, pairs=False)
    pairs = bag_of_tokens(items[:300], labels[:300], items[300:], labels[300:], 5, 2, pairs=True)
    assert unigrams.value < 0.7 and pairs.value == 1.0


def test_labels_and_tokens_out_of_range_are_refused():
    with pytest.raises(DataError, match="class ids 0 to 1"):
        bag_of_tokens([np.array([1])], np.array([2]), [], np.array([], np.int64), 3, 2)
    with pytest.raises(DataError, match="token ids outside 0 to 2"):
        bag_of_tokens([np.array([3])], np.array([0]), [], np.array([], np.int64), 3, 2)


def test_each_token_gets_its_commonest_training_tag():
    train_tokens = [np.array([1, 2, 1]), np.array([3, 1]), np.array([5, 5, 6, 6, 6])]
    train_tags = [np.array([0, 1, 0]), np.array([2, 1]), np.array([1, 2, 2, 2, 2])]
    # tag totals: 0 ×2, 1 ×3, 2 ×5; token 5 is tagged 1 once and 2 once: the tie goes to 2, commoner overall
    per_token, everywhere = majority_tags(
        train_tokens,
        train_tags,
        [np.array([1, 2, 4, 5]), np.array([3])],
        [np.array([0, 1, 2, 2]), np.array([0])],
        tag_count=3,
    )
    # guesses: 1 → 0, 2 → 1, 4 (unseen) → 2, 5 → 2, 3 → 2
    assert per_token.value == pytest.approx(4 / 5) and per_token.name == "commonest tag per token"
    assert everywhere.value == pytest.approx(2 / 5)  # tag 2 everywhere


def test_tags_must_match_their_tokens():
    with pytest.raises(DataError, match="every training item needs one tag per token"):
        majority_tags([np.array([1, 2])], [np.array([0])], [], [], 2)
    with pytest.raises(DataError, match="tag ids 0 to 1"):
        majority_tags([np.array([1])], [np.array([0])], [np.array([1])], [np.array([2])], 2)


def test_copying_the_source_and_the_commonest_target_are_scored_as_text():
    copied = copy_source(["Datei öffnen", "Hilfe"], ["Datei öffnen", "Hilfe anzeigen"])
    assert copied.scores.exact_match == 0.5 and copied.scores.word_bleu > 0.5
    commonest = majority_target(["ja", "nein", "ja"], ["ja", "vielleicht"])
    assert commonest.scores.exact_match == 0.5
    assert commonest.scores.word_bleu == pytest.approx(0.5)  # one of two words; only unigrams exist
    with pytest.raises(DataError, match="at least one training pair"):
        majority_target([], ["ja"])


def plain_kneser_ney(train: list[int], vocab_size: int, order: int):
    """p(w | h) from Chen & Goodman's equations with dictionaries: no codes, ranks or arrays."""
    counts = Counter(tuple(train[i : i + k]) for k in range(1, order + 1) for i in range(len(train) - k + 1))
    preceding = defaultdict(set)
    for gram in counts:
        if len(gram) > 1:
            preceding[gram[1:]].add(gram[0])

    def adjusted(gram):
        return counts[gram] if len(gram) == order else len(preceding[gram])

    discounts = {}
    for k in range(1, order + 1):
        of_order = Counter(adjusted(gram) for gram in counts if len(gram) == k)
        n1, n2, n3, n4 = (of_order[j] for j in (1, 2, 3, 4))
        single = n1 / (n1 + 2 * n2) if n1 else 0.5
        chosen = [single] * 3
        if n1 and n2 and n3:
            y = n1 / (n1 + 2 * n2)
            modified = [1 - 2 * y * n2 / n1, 2 - 3 * y * n3 / n2, 3 - 4 * y * n4 / n3]
            if all(0 < d <= j for d, j in zip(modified, (1, 2, 3))):
                chosen = modified
        discounts[k] = chosen

    def discount(k, a):
        return 0.0 if a == 0 else discounts[k][min(a, 3) - 1]

    def probability(word, history):
        lower = probability(word, history[1:]) if history else 1 / vocab_size
        k = len(history) + 1
        seen = {gram[-1]: adjusted(gram) for gram in counts if len(gram) == k and gram[:-1] == history}
        total = sum(seen.values())
        if total == 0:
            return lower
        gamma = sum(discount(k, a) for a in seen.values())
        a = seen.get(word, 0)
        return (max(a - discount(k, a), 0) + gamma * lower) / total

    return probability


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_kneser_ney_equals_the_equations_computed_plainly(order):
    rng = np.random.default_rng(order)
    train = rng.choice(4, 160, p=[0.5, 0.3, 0.15, 0.05]).tolist() + [0, 1, 2, 0, 1, 2, 0, 1]
    val = [0, 1, 2, 5, 3, 3, 0, 6, 1, 1, 2, 0]  # 5 and 6 never seen in training
    plain = plain_kneser_ney(train, 7, order)
    expected = [math.log(plain(w, tuple(val[max(0, i - order + 1) : i]))) for i, w in enumerate(val)]
    np.testing.assert_allclose(KneserNey(np.array(train), 7, order).log_probs(np.array(val)), expected, rtol=1e-12)


def test_probabilities_over_the_vocabulary_sum_to_one():
    rng = np.random.default_rng(3)
    model = KneserNey(rng.choice(6, 500, p=[0.4, 0.2, 0.2, 0.1, 0.05, 0.05]), 8, order=3)
    for context in ([0, 1], [5, 5], [7, 7], [-1, 2], [-1, -1], [2, 7]):
        windows = np.array([context + [word] for word in range(8)])  # −1: before the stream began
        assert np.exp(model.window_log_probs(windows)).sum() == pytest.approx(1.0, abs=1e-12)


def unigram_probabilities(counts: list[int], vocab_size: int, discounts: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """(the 1-gram model's p(w) for every id, what the discounts D(0), D₁, D₂, D₃₊ give) when id i
    occurs counts[i] times: p(w) = (c(w) − D(c(w)) + γ / V) / N with γ = Σ_w D(c(w)). With more ids
    than are seen, every other set of discounts gives other probabilities."""
    train = np.repeat(np.arange(len(counts)), counts)
    seen = np.zeros(vocab_size)
    seen[: len(counts)] = counts
    discount = np.array(discounts)[np.minimum(seen, 3).astype(np.int64)]
    expected = (seen - discount + discount.sum() / vocab_size) / seen.sum()
    return np.exp(KneserNey(train, vocab_size, order=1).log_probs(np.arange(vocab_size))), expected


def test_discounts_come_from_the_counts_of_counts():
    # n1 = 4, n2 = 2, n3 = 1, n4 = 1: Y = 1/2, D1 = 1/2, D2 = 5/4, D3+ = 1
    np.testing.assert_allclose(*unigram_probabilities([1, 1, 1, 1, 2, 2, 3, 4], 10, [0, 0.5, 1.25, 1.0]), rtol=1e-12)
    # no 3s: one discount
    np.testing.assert_allclose(*unigram_probabilities([1, 1, 2, 5], 6, [0, 0.5, 0.5, 0.5]), rtol=1e-12)


def test_a_longer_context_predicts_a_repeating_text_better():
    text = np.array([0, 1, 2, 3] * 200)
    assert cross_entropy(text, text[:40], 5, order=1) == pytest.approx(math.log(4), abs=0.01)
    assert cross_entropy(text, text[:40], 5, order=3) < 0.1 * math.log(4)


def test_the_language_model_baseline_names_its_context():
    ids = np.array([0, 1, 2, 1, 0, 2, 2, 1])
    baseline = ngram_language_model(ids, ids[:4], 3, order=5)
    assert baseline.value == pytest.approx(KneserNey(ids, 3, 5).cross_entropy(ids[:4]))
    assert "the 4 characters before it" in baseline.explanation
    assert "the word before it" in ngram_language_model(ids, ids, 3, order=2, unit="word").explanation


def test_ids_outside_the_vocabulary_or_too_little_text_are_refused():
    with pytest.raises(DataError, match="validation tokens hold ids outside 0 to 2"):
        cross_entropy(np.array([0, 1]), np.array([3]), 3, order=2)
    with pytest.raises(DataError, match="needs at least 3 training tokens, not 2"):
        KneserNey(np.array([0, 1]), 3, order=3)
    with pytest.raises(DataError, match="order of at least 1"):
        KneserNey(np.array([0, 1]), 3, order=0)

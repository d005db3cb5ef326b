"""What counting alone achieves on a language model's data: exact on a small corpus, sampled
across the whole of a large one, within budgets, and shown as the corpus's baselines."""

import json
import math

import h5py
import numpy as np
import pytest

from workbench.engine.data.lines import LineCorpus, LineItems
from workbench.engine.data.text import TextStream
from workbench.engine.data.vocab import Vocabulary
from workbench.engine.scoring.counted_baselines import as_baselines, counted_baselines, summary_lines
from workbench.engine.scoring.evaluation import corpus_baselines
from workbench.engine.scoring.ngram import KneserNey

ABCD = Vocabulary.of_characters("abcd")  # ids a 0, b 1, c 2, d 3


def stream(train: str, val: str, vocab: Vocabulary = ABCD) -> TextStream:
    description = {"kind": "stream", "source": "test", "title": "test", "level": "char"}
    return TextStream(description, vocab, vocab.encode(train).astype(np.uint8), vocab.encode(val).astype(np.uint8))


def lines(train: list[str], val: list[str]) -> LineCorpus:
    vocab = Vocabulary.of_characters("".join(train + val), with_boundary=True)
    description = {"kind": "lines", "source": "test", "title": "test", "level": "char"}
    train_items, val_items = (LineItems.of([vocab.encode(s) for s in split]) for split in (train, val))
    return LineCorpus(description, vocab, train_items, val_items)


def test_a_small_stream_is_counted_and_scored_exactly():
    record = counted_baselines(stream("aaab", "ab"))
    # add-one: p(a) = (3 + 1) / (4 + 4), p(b) = (1 + 1) / (4 + 4), over the 4 characters a to d
    assert record["unigram"] == {
        "nats": pytest.approx(-(math.log(4 / 8) + math.log(2 / 8)) / 2),
        "smoothing": "add-one",
    }
    assert [order["n"] for order in record["ngram"]["orders"]] == [2, 3, 4]  # 4 training tokens: at most order 4
    assert (record["train_tokens"], record["counted_train_tokens"]) == (4, 4)
    assert (record["val_tokens"], record["scored_val_tokens"], record["sampled"]) == (2, 2, False)


def test_every_order_is_the_kneser_ney_model_of_that_order_and_the_best_is_the_lowest():
    rng = np.random.default_rng(0)
    text = "".join(rng.choice(list("abcd"), 3000, p=[0.5, 0.3, 0.15, 0.05]))
    text = text.replace("ab", "abcab")  # something for the higher orders to find
    corpus = stream(text[:-400], text[-400:])
    record = counted_baselines(corpus)
    train, val = corpus.arrays()["train"], corpus.arrays()["val"]
    for order in record["ngram"]["orders"]:
        assert order["nats"] == pytest.approx(KneserNey(train, 4, order["n"]).cross_entropy(val), rel=1e-12)
    orders = record["ngram"]["orders"]
    assert [o["n"] for o in orders] == [2, 3, 4, 5, 6]
    best = min(orders, key=lambda o: o["nats"])
    assert record["ngram"]["best_n"] == best["n"] and record["ngram"]["nats"] == best["nats"]
    assert json.loads(json.dumps(record)) == record  # storable as it is


def test_a_training_split_over_the_budget_is_sampled_from_its_start_to_its_end():
    # the first 600 characters alternate a and b, the last 400 c and d: 3 blocks of 20 at 0, 490 and 980
    corpus = stream("ab" * 300 + "cd" * 200, "cdcd")
    record = counted_baselines(corpus, train_budget=60, blocks=3)
    assert (record["train_tokens"], record["counted_train_tokens"], record["sampled"]) == (1000, 60, True)
    # counted: 20 a, 20 b (blocks one and two), 10 c, 10 d (block three, from the end)
    assert record["unigram"]["nats"] == pytest.approx(-math.log((10 + 1) / (60 + 4)))


def test_a_validation_split_over_the_budget_is_scored_across_it_in_context():
    rng = np.random.default_rng(1)
    train = "".join(rng.choice(list("abcd"), 2000))
    corpus = stream(train, "a" * 500 + "".join(rng.choice(list("abcd"), 500)))
    record = counted_baselines(corpus, held_out_budget=100, blocks=2)  # val 0-49 and 950-999
    assert (record["scored_val_tokens"], record["sampled"]) == (100, True)
    val = corpus.arrays()["val"]
    scored = np.r_[0:50, 950:1000]
    unigram = np.log((np.bincount(corpus.arrays()["train"], minlength=4) + 1) / (2000 + 4))
    assert record["unigram"]["nats"] == pytest.approx(-unigram[val[scored]].mean())
    for order in record["ngram"]["orders"]:  # each token after the ones before it in the split
        whole = KneserNey(corpus.arrays()["train"], 4, order["n"]).log_probs(val)
        assert order["nats"] == pytest.approx(-whole[scored].mean(), rel=1e-12)


def test_splits_stored_as_datasets_are_read_by_slices_to_the_same_record(tmp_path):
    rng = np.random.default_rng(2)
    corpus = stream("".join(rng.choice(list("abcd"), 5000)), "".join(rng.choice(list("abcd"), 900)))
    with h5py.File(tmp_path / "splits.h5", "w") as file:
        stored = TextStream(
            corpus.description,
            ABCD,
            file.create_dataset("train", data=corpus.arrays()["train"]),
            file.create_dataset("val", data=corpus.arrays()["val"]),
        )
        from_datasets = counted_baselines(stored, train_budget=1000, held_out_budget=300, blocks=4)
    assert from_datasets == counted_baselines(corpus, train_budget=1000, held_out_budget=300, blocks=4)


def line_windows(items: list[np.ndarray], boundary: int, order: int) -> np.ndarray:
    """Each validation item from its start mark, on no other item's tokens (written plainly)."""
    windows = []
    for item in items:
        framed = [-1] * (order - 1) + [boundary] + list(item) + [boundary]
        windows += [framed[t - order + 1 : t + 1] for t in range(order, len(framed))]
    return np.array(windows)


def test_a_line_corpus_is_scored_item_by_item_as_its_model_reads_it():
    names = ["anna", "bob", "clara", "dmitri", "eve", "frida", "gus", "hana", "ida", "jon"]
    corpus = lines(names * 3, ["anna", "bo", "ivan"])
    record = counted_baselines(corpus)
    arrays, boundary = corpus.arrays(), corpus.vocab.boundary
    train_stream = np.append(np.insert(arrays["train_ids"], arrays["train_offsets"][:-1], boundary), boundary)
    val_items = [corpus.vocab.encode(s) for s in ["anna", "bo", "ivan"]]
    assert record["val_tokens"] == record["scored_val_tokens"] == 4 + 1 + 2 + 1 + 4 + 1  # each item and its end
    assert record["counted_train_tokens"] == len(train_stream)
    for order in record["ngram"]["orders"]:
        model = KneserNey(train_stream, len(corpus.vocab), order["n"])
        expected = -model.window_log_probs(line_windows(val_items, boundary, order["n"])).mean()
        assert order["nats"] == pytest.approx(expected, rel=1e-12)


def test_a_line_corpus_over_the_budget_is_sampled_from_its_first_items_to_its_last():
    corpus = lines(["aa"] * 300 + ["bb"] * 100, ["bb"])
    record = counted_baselines(corpus, train_budget=60, blocks=2)  # 10 items of 3 tokens from each end
    counts = {"a": 20, "b": 20, "<s>": 20 + 1}  # the first block opens with <s>
    assert record["counted_train_tokens"] == sum(counts.values()) and record["sampled"]
    vocab_size, counted = len(corpus.vocab), sum(counts.values())

    def log_p(token):
        return math.log((counts[token] + 1) / (counted + vocab_size))

    assert record["unigram"]["nats"] == pytest.approx(-(2 * log_p("b") + log_p("<s>")) / 3)


def test_the_corpus_baselines_are_the_stored_records_best_ngram_then_unigram():
    corpus = stream("abcabcabd" * 20, "abcabd")
    corpus.description["counted_baselines"] = record = counted_baselines(corpus)
    record["ngram"]["nats"], record["unigram"]["nats"] = 0.5, 1.25  # what the stored record says is shown
    ngram, unigram = corpus_baselines(corpus, 16)
    assert (ngram.name, ngram.value) == (f"{record['ngram']['best_n']}-gram model", 0.5)
    assert (unigram.name, unigram.value) == ("unigram model", 1.25)
    assert "Kneser–Ney" in ngram.explanation and "add-one" in unigram.explanation


def test_a_corpus_with_no_stored_record_gets_one_made_now():
    corpus = stream("abcabcabd" * 20, "abcabd")
    assert corpus_baselines(corpus, 16) == as_baselines(counted_baselines(corpus))


def test_a_sampled_record_says_so_in_words():
    record = counted_baselines(stream("ab" * 300 + "cd" * 200, "cdcd"), train_budget=60, blocks=3)
    (first, note) = summary_lines(record)
    assert (
        first.startswith("unigram ") and "-gram model" in first and first.endswith(" nats/char on the validation split")
    )
    assert note == "(counted on 60 of the 1,000 training characters, scored on 4 of the 4 validation characters)"
    assert "counted on 60 of the 1,000 training characters" in as_baselines(record)[0].explanation


def test_every_order_of_one_count_equals_a_model_of_that_order():
    rng = np.random.default_rng(4)
    train, val = rng.choice(5, 800, p=[0.4, 0.3, 0.2, 0.05, 0.05]), rng.choice(6, 60)
    windows = np.lib.stride_tricks.sliding_window_view(np.concatenate([[-1] * 4, val]), 5)
    every = KneserNey(train, 6, 5).every_order_log_probs(windows)
    for k in range(1, 6):
        np.testing.assert_allclose(every[k - 1], KneserNey(train, 6, k).window_log_probs(windows[:, -k:]), rtol=1e-12)


def test_counting_stops_before_an_order_that_would_keep_too_many_ngrams():
    rng = np.random.default_rng(5)
    train = rng.choice(8, 2000)
    distinct = [len(np.unique(np.lib.stride_tricks.sliding_window_view(train, k), axis=0)) for k in (1, 2, 3, 4)]
    capped = KneserNey(train, 8, 6, max_grams=sum(distinct) - 1)  # order 4 would take one n-gram too many
    assert capped.order == 3
    np.testing.assert_allclose(capped.log_probs(train[:50]), KneserNey(train, 8, 3).log_probs(train[:50]), rtol=1e-12)

"""A model scored on the whole validation split beside its task's baselines, and the verdict in words."""

import json
import math

import numpy as np
import pytest
from tiny import make_project, write_lines_corpus

from workbench.engine.data.labelled import labelled_corpus
from workbench.engine.data.pairs import pairs_from_items
from workbench.engine.project.starters import new_project
from workbench.engine.scoring.evaluation import corpus_baselines, evaluate
from workbench.engine.scoring.label_scores import LabelScores
from workbench.engine.scoring.scores import Baseline, Evaluation, Score

WORDS = ["the", "cat", "sat", "on", "a", "mat", "dog", "ran"]
TAG_OF = {
    "the": "DET",
    "a": "DET",
    "cat": "NOUN",
    "mat": "NOUN",
    "dog": "NOUN",
    "sat": "VERB",
    "ran": "VERB",
    "on": "ADP",
}


def tagging_project():
    rng = np.random.default_rng(0)
    sentences = [list(rng.choice(WORDS, 6)) for _ in range(60)]
    corpus = labelled_corpus(
        sentences,
        [[TAG_OF[w] for w in s] for s in sentences],
        "tags",
        "test:tags",
        "Tags",
        level="word",
        val_fraction=0.25,
        seed=0,
    )
    return new_project(corpus, hidden=8, layers=1, batch_size=8, seq_len=8)


def test_a_tagger_is_shown_beside_the_commonest_tag_of_each_word():
    project = tagging_project()
    evaluation = evaluate(project.trainer())
    assert evaluation.task == "tagging" and evaluation.whole and evaluation.counted == "tokens"
    assert evaluation.count == sum(len(ids) for ids, _ in project.corpus.items("val"))
    names = [b.name for b in evaluation.baselines]
    assert names == ["commonest tag per token", "commonest tag"]
    per_word = evaluation.baselines[0].value
    assert per_word == pytest.approx(1.0)  # every word has one tag here: the lookup is perfect
    assert evaluation.verdict().startswith("worse than the best baseline, commonest tag per token (100.0 %)")
    assert evaluation.labels is not None and evaluation.labels.total == evaluation.count


def test_baselines_are_made_once_per_corpus():
    project = tagging_project()
    assert corpus_baselines(project.corpus, 8) is corpus_baselines(project.corpus, 8)


def test_a_translator_is_scored_in_word_bleu_beside_copying_the_source():
    items = [(f"{w} {v}", f"{w} {v}") for w in WORDS for v in WORDS]  # copying is the perfect answer
    corpus = pairs_from_items(items, "test:copy", "Copy", val_fraction=0.2, seed=1, level="word")
    project = new_project(corpus, hidden=8, layers=1, batch_size=8)
    evaluation = evaluate(project.trainer())
    assert evaluation.task == "translation" and evaluation.headline.name == "word BLEU"
    assert [s.name for s in evaluation.others] == ["exact match", "char-BLEU"]
    copy, commonest = evaluation.baselines
    assert (copy.name, copy.value) == ("copy the source", pytest.approx(1.0))
    assert commonest.name == "commonest target" and commonest.value < 0.5
    assert evaluation.count == len(corpus.pairs("val")) and evaluation.counted == "pairs"


def test_a_cancelled_evaluation_says_it_is_part_of_the_split():
    items = [(f"{w} {v}", f"{v} {w}") for w in WORDS for v in WORDS] * 12
    corpus = pairs_from_items(items, "test:swap", "Swap", val_fraction=0.5, seed=1, level="word")
    project = new_project(corpus, hidden=8, layers=1, batch_size=8)
    told = []
    evaluation = evaluate(project.trainer(), lambda done, total: told.append((done, total)), lambda: bool(told))
    assert not evaluation.whole and evaluation.count == told[0][0] < told[0][1]
    assert "part of the validation split (cancelled)" in evaluation.lines()[0]


def test_a_language_model_stands_beside_an_ngram_model_in_bits(tmp_path):
    project = make_project(write_lines_corpus(tmp_path))
    evaluation = evaluate(project.trainer())
    assert evaluation.headline.unit == "bits/char" and evaluation.counted == "chars"
    ngram, unigram = evaluation.baselines
    assert ngram.name.endswith("-gram model") and unigram.name == "unigram model"
    nats = corpus_baselines(project.corpus, project.config.seq_len)[0].value
    assert ngram.value == pytest.approx(nats / math.log(2))  # shown in the headline's bits
    assert evaluation.others[0].value == pytest.approx(evaluation.headline.value * math.log(2))


def test_the_verdict_reads_better_level_or_worse():
    def verdict(value, baseline, higher=True):
        return Evaluation(
            "t",
            1,
            10,
            "items",
            True,
            Score("accuracy", value, "share", higher),
            baselines=(Baseline("lookup", "looks it up", baseline),),
        ).verdict()

    assert verdict(0.90, 0.80).startswith("better than the best baseline, lookup (80.0 %)")
    assert verdict(0.855, 0.856).startswith("level with")  # a tenth of a point is no difference
    assert verdict(0.70, 0.80).startswith("worse than")
    assert verdict(1.2, 1.5, higher=False).startswith("better than")  # a lower loss is better


def test_json_has_no_nan_and_a_never_predicted_label_has_no_precision():
    labels = LabelScores(("x", "y"), np.array([[8, 0], [2, 0]], np.int64))
    evaluation = Evaluation(
        "sequence classification",
        5,
        10,
        "items",
        True,
        Score("accuracy", 0.8, "share"),
        baselines=(Baseline("commonest class", "always x", 0.8),),
        labels=labels,
    )
    text = json.dumps(evaluation.to_json(), allow_nan=False)
    report = json.loads(text)
    assert report["labels"][1] == {"name": "y", "precision": None, "recall": 0.0, "support": 2}
    assert any("never predicted" in line for line in evaluation.lines())
    assert not any("nan" in line.lower() for line in evaluation.lines())


def test_a_word_tagger_says_what_unknown_words_cost():
    rng = np.random.default_rng(1)
    sentences = [list(rng.choice(WORDS, 5)) + [f"name{i}"] for i in range(80)]  # each with a word of its own
    tags = [[TAG_OF.get(w, "NOUN") for w in s] for s in sentences]
    corpus = labelled_corpus(sentences, tags, "tags", "test:tags", "Tags", level="word", val_fraction=0.25, seed=0)
    project = new_project(corpus, hidden=8, layers=1, batch_size=8, seq_len=8)
    evaluation = evaluate(project.trainer())
    unknown_ids = corpus.vocab.unknown
    read_unknown = sum(int(np.count_nonzero(ids[:8] == unknown_ids)) for ids, _ in corpus.items("val"))
    assert read_unknown > 0
    cost = [note for note in evaluation.notes if "read as <unk>" in note]
    assert len(cost) == 1 and cost[0].startswith(f"of the {read_unknown:,} validation tokens read as <unk>")
    assert any("are not in the vocabulary" in note for note in evaluation.notes)

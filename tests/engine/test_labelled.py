"""Labelled data (a class per item, a tag per token): corpora, batches, files, the names demo,
and validation that counts right and wrong labels."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from tiny import TINY_CONFIG, Recorder

from workbench.engine.common.errors import DataError
from workbench.engine.data import IGNORE_INDEX, corpus_from_arrays, load_demo
from workbench.engine.data.labelled import labelled_corpus
from workbench.engine.data.labelled_files import load_classification_table, table_columns
from workbench.engine.events import ValidationResult
from workbench.engine.inference.predict import classify, tag
from workbench.engine.model.templates import from_template
from workbench.engine.project.project import Project
from workbench.engine.scoring.label_scores import LabelScores
from workbench.engine.spec import RecurrentSpec
from workbench.engine.training.validation import count_confusion

WORDS = ["apple", "pear", "fig", "kiwi", "plum", "lime", "date", "yam", "leek", "kale", "bean", "corn"]
KINDS = ["fruit"] * 7 + ["veg"] * 5


def fruit_corpus():
    return labelled_corpus(WORDS, KINDS, "class", "test:fruit", "Fruit or veg", val_fraction=0.25)


def ending_corpus():
    """Random words labelled by their last letter: a rule a classifier must read to the end for."""
    rng = np.random.default_rng(0)
    words = ["".join(rng.choice(list("abcdefghik"), rng.integers(3, 8))) for _ in range(100)]
    ends = ["vowel" if word[-1] in "aeiou" else "consonant" for word in words]
    return labelled_corpus(words, ends, "class", "test:endings", "Endings", val_fraction=0.2)


def vowel_corpus():
    """Each character tagged vowel or consonant: a tagging task any model can learn."""
    tags = [["v" if c in "aeiou" else "c" for c in word] for word in WORDS * 3]
    return labelled_corpus(WORDS * 3, tags, "tags", "test:vowels", "Vowels", val_fraction=0.2)


def test_class_batches_pad_mask_and_label_each_item():
    corpus = fruit_corpus()
    batch = corpus.batcher("train", 4, 10, seed=0).next_batch()
    assert batch.inputs.shape == batch.mask.shape and batch.targets.shape == (4,)
    items = dict((corpus.vocab.decode(ids), label) for ids, label in corpus.items("train"))
    for row in range(4):
        length = int(batch.mask[row].sum())
        assert not batch.mask[row, length:].any()  # the real steps come first
        word = corpus.vocab.decode(batch.inputs[row, :length])
        assert items[word] == batch.targets[row]
        assert corpus.label_names[batch.targets[row]] == KINDS[WORDS.index(word)]
    assert batch.tokens == 4 and batch.loss_weight == 4


def test_tag_batches_align_tags_with_characters_and_ignore_padding():
    corpus = vowel_corpus()
    batch = corpus.batcher("train", 6, 4, seed=1).next_batch()
    assert batch.inputs.shape[1] <= 4  # cut at seq_len
    for row in range(6):
        for step in range(batch.inputs.shape[1]):
            if not batch.mask[row, step]:
                assert batch.targets[row, step] == IGNORE_INDEX
                continue
            char = corpus.vocab.tokens[batch.inputs[row, step]]
            assert corpus.label_names[batch.targets[row, step]] == ("v" if char in "aeiou" else "c")
    assert batch.tokens == int(batch.mask.sum())


@pytest.mark.parametrize("make", [fruit_corpus, vowel_corpus])
def test_a_labelled_corpus_round_trips_through_its_arrays(make):
    corpus = make()
    again = corpus_from_arrays(corpus.description, corpus.vocab.to_json(), corpus.arrays())
    assert again.label_names == corpus.label_names and again.stats() == corpus.stats()
    for split in ("train", "val"):
        for (ids, label), (ids2, label2) in zip(corpus.items(split), again.items(split)):
            np.testing.assert_array_equal(ids, ids2)
            np.testing.assert_array_equal(label, label2)


def test_stats_report_the_majority_share_a_classifier_must_beat():
    stats = fruit_corpus().stats()
    counts = stats["train_label_counts"]
    assert sum(counts.values()) == stats["train_items"] == 9
    assert stats["majority_share"] == round(max(counts.values()) / 9, 4)


def test_mismatched_or_single_class_data_is_refused_in_words():
    with pytest.raises(DataError, match="item 2 has 4 tokens but 3 tags"):
        labelled_corpus(["abc", "abcd"], [["x"] * 3, ["x"] * 3], "tags", "t", "t")
    with pytest.raises(DataError, match="every item has the label 'x'"):
        labelled_corpus(["abc", "abd"], ["x", "x"], "class", "t", "t")


def test_confusion_counts_rows_true_columns_predicted_and_skips_padding():
    scores = torch.tensor([[[2.0, 0.0], [0.0, 1.0], [5.0, 0.0]]])  # predicts 0, 1, 0
    targets = torch.tensor([[0, 0, IGNORE_INDEX]])
    confusion = count_confusion(scores, targets, 2)
    np.testing.assert_array_equal(confusion, [[1, 1], [0, 0]])
    scores = LabelScores(("a", "b"), np.array([[8, 2], [1, 4]]))
    assert scores.accuracy == pytest.approx(12 / 15)
    np.testing.assert_allclose(scores.recall, [0.8, 0.8])
    np.testing.assert_allclose(scores.precision, [8 / 9, 4 / 6])
    assert scores.balanced_accuracy == pytest.approx(0.8)


@pytest.mark.parametrize("template", ["stacked", "bidirectional", "attention"])
def test_a_classifier_learns_and_validation_reports_its_confusion(template):
    corpus = ending_corpus()
    spec = from_template(template, corpus.task(8), RecurrentSpec("gru", 16, 1))
    project = Project.create(spec, corpus, replace(TINY_CONFIG, batch_size=16, learning_rate=1e-2))
    recorder = Recorder()
    trainer = project.trainer(recorder)
    before = trainer.validate()
    trainer.run(150)
    after = trainer.validate()
    assert before.confusion.sum() == after.confusion.sum() == 20  # every validation item, once
    assert after.accuracy >= 0.9 and after.loss < before.loss
    assert recorder.of(ValidationResult)[-1].accuracy == after.accuracy


def test_a_tagger_learns_vowels_and_its_accuracy_is_kept_with_the_project(tmp_path):
    corpus = vowel_corpus()
    spec = from_template("bidirectional", corpus.task(8), RecurrentSpec("lstm", 16, 1))
    project = Project.create(spec, corpus, TINY_CONFIG)
    trainer = project.trainer()
    trainer.run(200)
    result = trainer.validate()
    assert result.accuracy > 0.9  # vowels are a function of the character itself
    assert result.confusion.sum() == sum(len(ids) for ids, _ in corpus.items("val"))
    project.save(tmp_path / "tags.h5")
    again = Project.open(tmp_path / "tags.h5")
    assert again.history.val_accuracies[-1] == pytest.approx(result.accuracy)
    assert again.corpus.label_names == ("c", "v")


def test_the_names_demo_labels_names_on_both_lists_by_their_commoner_use():
    corpus = load_demo("names-sex")
    labels = {
        corpus.vocab.decode(ids): corpus.label_names[label]
        for split in ("train", "val")
        for ids, label in corpus.items(split)
    }
    assert labels["Mary"] == "female" and labels["James"] == "male"
    assert labels["Ashley"] == "female" and labels["Aaron"] == "male"  # both on both lists
    stats = corpus.stats()
    assert stats["names_on_both_lists"] == 331 and 0 < stats["close_calls"] < 331
    assert stats["items"] == len(labels) and 0.7 < stats["majority_share"] < 0.85


def test_a_table_names_its_columns_and_bad_rows_name_their_line(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text('id,text,stars\n1,good film,pos\n2,"bad, slow",neg\n3,fine,pos\n4,awful,neg\n')
    assert table_columns(path) == ["id", "text", "stars"]
    corpus = load_classification_table(path, "text", "stars", level="word", val_fraction=0.25)
    assert corpus.label_names == ("neg", "pos") and corpus.stats()["items"] == 4
    assert corpus.vocab.level == "word"
    with pytest.raises(DataError, match="no label column 'label'; the columns are id, text, stars"):
        load_classification_table(path, "text", "label")
    path.write_text("text\tlabel\nok\tpos\n\tneg\n")
    tsv = path.rename(tmp_path / "bad.tsv")
    with pytest.raises(DataError, match=r"bad.tsv, line 3: the text is empty"):
        load_classification_table(tsv, "text", "label")


def test_classify_gives_probabilities_and_the_attention_over_the_typed_letters():
    corpus = ending_corpus()
    spec = from_template("attention", corpus.task(8), RecurrentSpec("gru", 16, 1))
    project = Project.create(spec, corpus, replace(TINY_CONFIG, batch_size=16, learning_rate=1e-2))
    project.trainer().run(150)
    answer = classify(project.model, corpus, "bedica")
    assert answer.tokens == tuple("bedica") and answer.label == "vowel"
    assert answer.probabilities.sum() == pytest.approx(1, abs=1e-5)
    assert answer.attention.shape == (6,) and answer.attention.sum() == pytest.approx(1, abs=1e-5)
    assert project.model.training  # the mode it was in comes back
    with pytest.raises(DataError, match="never had the characters 'x' 'z'"):
        classify(project.model, corpus, "zax")


def test_tag_gives_one_tag_per_typed_character():
    corpus = vowel_corpus()
    spec = from_template("bidirectional", corpus.task(8), RecurrentSpec("lstm", 16, 1))
    project = Project.create(spec, corpus, TINY_CONFIG)
    project.trainer().run(200)
    answer = tag(project.model, corpus, "kiwiplum")
    assert "".join(corpus.label_names[i] for i in answer.tags) == "cvcvccvc"
    assert answer.confidence.shape == (8,) and (answer.confidence > 0.5).all()


def test_a_word_met_only_in_validation_reads_as_unknown():
    sentences = [["the", "cat"], ["a", "dog"], ["the", "dog"], ["a", "cat"], ["one", "zebra"]]
    tags = [["D", "N"]] * 5
    corpus = labelled_corpus(sentences, tags, "tags", "t", "t", level="word", val_fraction=0.2, seed=3)
    ((val_ids, _),) = corpus.items("val")  # seed 3 holds out "one zebra"
    assert val_ids.tolist() == [corpus.vocab.unknown] * 2
    assert set(corpus.vocab.tokens) == {"<unk>", "the", "a", "cat", "dog"}

"""Translation pairs: TSV files, vocabularies, stored arrays and the batches a decoder learns from."""

from __future__ import annotations

import json
import re

import h5py
import numpy as np
import pytest

from workbench.engine.common.errors import DataError
from workbench.engine.data.batching import IGNORE_INDEX
from workbench.engine.data.pairs import PairCorpus, PairVocabulary, load_dates_demo, load_pairs_file, pairs_from_items

PAIRS = [
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


@pytest.fixture
def corpus() -> PairCorpus:
    return pairs_from_items(PAIRS, "test:numbers", "Numbers", val_fraction=0.25, seed=1)


def write_tsv(tmp_path, text: str, name: str = "pairs.tsv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_tsv_file_gives_its_pairs_split_in_two(tmp_path):
    text = (
        "".join(f"{s}\t{t}\n" for s, t in PAIRS[:6])
        + "\n  \n"
        + "".join(f" {s} \t {t}\tattribution #{i}\n" for i, (s, t) in enumerate(PAIRS[6:]))
    )
    corpus = load_pairs_file(write_tsv(tmp_path, text), val_fraction=0.25)
    assert sorted(corpus.pairs("train") + corpus.pairs("val")) == sorted(PAIRS)
    assert len(corpus.pairs("val")) == 3
    assert corpus.description["title"] == "pairs.tsv" and corpus.kind == "pairs"
    stats = corpus.stats()
    assert (stats["pairs"], stats["train_pairs"], stats["val_pairs"]) == (12, 9, 3)
    assert (stats["longest_source"], stats["longest_target"]) == (6, 2)
    assert stats["target_vocab_size"] == 1 + len(set("0123456789"))  # with the start/end mark
    json.dumps(stats), json.dumps(corpus.description), json.dumps(corpus.vocab.to_json())


@pytest.mark.parametrize(
    "text, problem",
    [
        ("one\t1\n\ntwo 2\nthree\t3\n", "line 3: no tab between the source and the target"),
        ("one\t1\n\t2\n", "line 2: the source (before the tab) is empty"),
        ("one\t1\ntwo\t  \n", "line 2: the target (after the tab) is empty"),
        ("one\t1\n", "needs at least 2 pairs"),
    ],
)
def test_bad_tsv_lines_are_named_by_file_and_line(tmp_path, text, problem):
    path = write_tsv(tmp_path, text, "mine.tsv")
    with pytest.raises(DataError, match=re.escape(problem)) as caught:
        load_pairs_file(path)
    assert "mine.tsv" in str(caught.value)


def test_arrays_round_trip_through_hdf5(tmp_path, corpus):
    arrays = corpus.arrays()
    assert all(array.dtype.kind in "ui" for array in arrays.values())
    with h5py.File(tmp_path / "data.h5", "w") as file:
        for name, array in arrays.items():
            file[name] = array
    with h5py.File(tmp_path / "data.h5", "r") as file:
        stored = {name: file[name][()] for name in file}
    vocabulary = json.loads(json.dumps(corpus.vocab.to_json()))
    again = PairCorpus.from_arrays(json.loads(json.dumps(corpus.description)), vocabulary, stored)
    assert again.vocab == corpus.vocab
    for split in ("train", "val"):
        assert again.pairs(split) == corpus.pairs(split)
    assert again.stats() == corpus.stats()


def test_damaged_stored_data_is_refused(corpus):
    arrays = corpus.arrays()
    del arrays["val_target_offsets"]
    with pytest.raises(DataError, match="val_target_offsets"):
        PairCorpus.from_arrays(corpus.description, corpus.vocab.to_json(), arrays)
    with pytest.raises(DataError, match="no source or target"):
        PairVocabulary.from_json({"source": corpus.vocab.source.to_json()})


def test_batches_frame_the_target_with_start_and_end_marks(corpus):
    sources, targets = corpus.ids("train")
    batch = next(corpus.batcher("train", 4, 16, seed=0).epoch_batches())
    assert batch.continues is False and batch.loss_weight == batch.tokens
    assert batch.source.dtype == np.int64 and batch.source_mask.dtype == bool
    start = end = corpus.vocab.target.boundary
    for row in range(4):
        source, target = sources[row], targets[row]
        assert batch.source[row, batch.source_mask[row]].tolist() == source.tolist()
        assert batch.source_mask[row].tolist() == [i < len(source) for i in range(batch.source.shape[1])]
        n = len(target)
        assert batch.target_in[row, : n + 1].tolist() == [start, *target.tolist()]
        assert batch.target_out[row, : n + 1].tolist() == [*target.tolist(), end]
        assert (batch.target_out[row, n + 1 :] == IGNORE_INDEX).all()
        assert (batch.target_in[row, n + 1 :] == start).all()
    assert batch.tokens == sum(len(t) + 1 for t in targets[:4]) == (batch.target_out != IGNORE_INDEX).sum()
    assert batch.source.shape[1] == max(len(s) for s in sources[:4])


def test_an_epoch_shows_every_pair_once_and_restores_exactly(corpus):
    batcher = corpus.batcher("train", 3, 16, seed=5)
    assert batcher.batches_per_epoch == 3
    seen = [
        tuple(row[:n].tolist())
        for batch in (batcher.next_batch() for _ in range(3))
        for row, n in zip(batch.target_out, (batch.target_out != IGNORE_INDEX).sum(1) - 1)
    ]
    assert sorted(seen) == sorted(tuple(t.tolist()) for t in corpus.ids("train")[1])
    batcher.next_batch()
    state = batcher.state()
    expected = [batcher.next_batch() for _ in range(4)]
    restored = corpus.batcher("train", 3, 16, seed=5)
    restored.restore(state)
    for a, b in zip(expected, (restored.next_batch() for _ in range(4))):
        np.testing.assert_array_equal(a.source, b.source)
        np.testing.assert_array_equal(a.target_out, b.target_out)


def test_pairs_are_never_cut(corpus):
    corpus.check_fits(2, 6)  # "eleven" and "twelve"; "12" and its end mark need only 3
    with pytest.raises(DataError, match="longest source has 6 tokens.*set it to at least 6"):
        corpus.check_fits(2, 5)


def test_task_sizes_both_sides(corpus):
    task = corpus.task(embedding_dim=8)
    assert task.inputs.vocab_size == len(corpus.vocab.source) == len(corpus.vocab)
    assert task.head.num_outputs == task.target_inputs.vocab_size == len(corpus.vocab.target)
    assert (task.head.kind, task.inputs.embedding_dim) == ("next_token", 8)


def test_typed_sources_name_unseen_characters(corpus):
    assert corpus.vocab.source.decode(corpus.encode_source("  nine ")) == "nine"
    with pytest.raises(DataError, match=r"'#', 'é' never appear in the sources of Numbers"):
        corpus.encode_source("né#")
    with pytest.raises(DataError, match="nothing to translate"):
        corpus.encode_source("   ")


def test_word_level_pairs(tmp_path):
    text = "the cat sleeps\tle chat dort\nthe dog sleeps\tle chien dort\nthe cat eats\tle chat mange\n"
    corpus = load_pairs_file(write_tsv(tmp_path, text), val_fraction=0.34, level="word")
    assert corpus.description["level"] == "word" == corpus.vocab.level
    assert corpus.vocab.target.tokens[:2] == ("<s>", "<unk>") and corpus.vocab.target.boundary == 0
    assert corpus.stats()["longest_source"] == 3
    assert sorted(corpus.pairs("train") + corpus.pairs("val"))[0] == ("the cat eats", "le chat mange")
    assert corpus.vocab.source.decode(corpus.encode_source("the bird sleeps")) == "the <unk> sleeps"


def test_dates_demo():
    corpus = load_dates_demo(300)
    stats = corpus.stats()
    assert (stats["pairs"], stats["val_pairs"], stats["longest_target"]) == (300, 30, 10)
    assert corpus.source == "demo:dates" and corpus.description["title"] == "Dates to ISO"
    assert " → " in corpus.preview()
    assert all(len(target) == 10 and target[4] == "-" for _, target in corpus.pairs("val"))

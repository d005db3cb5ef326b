"""Training data: vocabularies, corpora, batching, restoring positions, bad files and demos."""

from __future__ import annotations

import json

import numpy as np
import pytest

from workbench.engine.common.errors import DataError
from workbench.engine.data import (
    DEMOS,
    IGNORE_INDEX,
    LineCorpus,
    TextStream,
    Vocabulary,
    corpus_from_arrays,
    load_demo,
    load_lines_file,
    load_text_file,
)
from workbench.engine.data.batching import LineBatcher

NAMES = ["ann", "bob", "carla", "dave", "eve", "francesca", "gus", "hal", "ida", "jo", "kim"]


@pytest.fixture
def stream_text() -> str:
    lines = [f"line {i}: value = {i * 7 % 13}" + (" (odd)" if i % 2 else "") for i in range(300)]
    return "\n".join(lines) + "\n"


@pytest.fixture
def stream(tmp_path, stream_text) -> TextStream:
    path = tmp_path / "numbers.txt"
    path.write_text(stream_text, encoding="utf-8")
    return load_text_file(path)


@pytest.fixture
def lines(tmp_path) -> LineCorpus:
    path = tmp_path / "names.txt"
    path.write_text("\n".join(NAMES[:5]) + "\n\n   " + "\n  ".join(NAMES[5:]) + "  \n")
    return load_lines_file(path, val_fraction=0.2)


def take(batcher, count):
    return [batcher.next_batch() for _ in range(count)]


def assert_same_batches(first, second):
    assert len(first) == len(second)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a.inputs, b.inputs)
        np.testing.assert_array_equal(a.targets, b.targets)
        assert (a.continues, a.tokens) == (b.continues, b.tokens)


# Vocabularies


def test_characters_round_trip_and_unknown_character_is_named():
    vocab = Vocabulary.of_characters("hello, world\n")
    ids = vocab.encode("low\nhello")
    assert ids.dtype == np.int64
    assert vocab.decode(ids) == "low\nhello"
    with pytest.raises(DataError, match="'é'"):
        vocab.encode("hé")


def test_words_round_trip_with_prose_spacing():
    text = "Hello, world! (This is it.)\nWe don't stop; go: [now]?\nIt's {ok}.\n"
    vocab = Vocabulary.of_words(text)
    assert vocab.decode(vocab.encode(text)) == text


def test_rare_words_become_unknown():
    vocab = Vocabulary.of_words("a a a b b c", max_words=2)
    assert vocab.tokens == ("<unk>", "a", "b")
    assert vocab.encode("a c d").tolist() == [1, 0, 0]
    assert vocab.decode([1, 0, 2]) == "a <unk> b"


def test_decode_skips_boundary_and_rejects_foreign_ids():
    vocab = Vocabulary.of_characters("ab", with_boundary=True)
    assert vocab.tokens == ("<s>", "a", "b")
    assert vocab.decode([0, 1, 2, 0]) == "ab"
    with pytest.raises(DataError, match="-100"):
        vocab.decode([1, IGNORE_INDEX])


@pytest.mark.parametrize(
    "vocab",
    [Vocabulary.of_characters("xyz", with_boundary=True), Vocabulary.of_words("to be or not", 3)],
)
def test_vocabulary_json_round_trip(vocab):
    copy = Vocabulary.from_json(json.loads(json.dumps(vocab.to_json())))
    assert copy == vocab
    assert copy.decode(copy.encode("z")) == vocab.decode(vocab.encode("z"))


def test_damaged_vocabulary_json_is_a_data_error():
    with pytest.raises(DataError, match="damaged"):
        Vocabulary.from_json({"level": "char"})


# Stream corpora


def test_stream_split_and_stats(stream, stream_text):
    stats = stream.stats()
    assert stats["characters"] == len(stream_text)
    assert stats["train_tokens"] + stats["val_tokens"] == len(stream_text)
    assert stats["val_tokens"] == round(len(stream_text) * 0.1)
    assert stream.description["source"].endswith("numbers.txt")
    assert stream.preview(30) == stream_text[:30]


def test_stream_batches_walk_contiguous_rows(stream):
    batch_size, seq_len = 4, 8
    batcher = stream.batcher("train", batch_size, seq_len, seed=3)
    epoch = take(batcher, batcher.batches_per_epoch)
    assert [batch.continues for batch in epoch] == [False] + [True] * (len(epoch) - 1)
    for batch in epoch:
        assert batch.inputs.shape == (batch_size, seq_len) and batch.inputs.dtype == np.int64
        np.testing.assert_array_equal(batch.targets[:, :-1], batch.inputs[:, 1:])
        assert batch.tokens == batch_size * seq_len
    for before, after in zip(epoch, epoch[1:]):
        np.testing.assert_array_equal(after.inputs[:, 0], before.targets[:, -1])
    rows = np.concatenate([batch.inputs for batch in epoch], axis=1)
    train = stream.arrays()["train"].astype(np.int64)
    offsets = [o for o in range(seq_len) if np.array_equal(rows[0], train[o : o + rows.shape[1]])]
    assert len(offsets) == 1
    start = offsets[0] + rows.shape[1]
    np.testing.assert_array_equal(rows[1], train[start : start + rows.shape[1]])
    assert batcher.epoch == 1
    assert batcher.next_batch().continues is False


def test_stream_validation_pass_starts_at_zero_and_keeps_position(stream):
    batcher = stream.batcher("val", 2, 5, seed=0)
    batcher.next_batch()
    state = batcher.state()
    batches = list(batcher.epoch_batches())
    assert len(batches) == batcher.batches_per_epoch
    np.testing.assert_array_equal(batches[0].inputs[0], stream.arrays()["val"][:5])
    assert batcher.state() == state


def test_stream_probe_starts_at_a_line_with_a_bracket(stream):
    probe = stream.vocab.decode(stream.probe_tokens(40))
    assert len(probe) == 40
    assert probe.startswith("line ")
    assert "(" in probe.split("\n")[0]
    val = stream.vocab.decode(stream.arrays()["val"])
    assert "\n" + probe in val


def test_word_level_stream(tmp_path, stream_text):
    path = tmp_path / "words.txt"
    path.write_text(stream_text)
    corpus = load_text_file(path, level="word", max_words=20)
    assert corpus.vocab.level == "word" and len(corpus.vocab) == 21
    assert corpus.stats()["vocab_size"] == 21
    corpus.check_fits(2, 10)


# Line corpora


def test_lines_are_stripped_split_and_framed(lines):
    items = sorted(
        lines.vocab.decode(ids)
        for split in ("train", "val")
        for batch in lines.batcher(split, 1, 50, seed=0).epoch_batches()
        for ids in batch.inputs
    )
    assert items == sorted(NAMES)
    stats = lines.stats()
    assert (stats["items"], stats["train_items"], stats["val_items"]) == (11, 9, 2)
    assert stats["train_tokens"] + stats["val_tokens"] == sum(len(name) + 1 for name in NAMES)


def test_line_batches_pad_and_truncate(lines):
    boundary, seq_len = lines.vocab.boundary, 6
    batcher = lines.batcher("train", 3, seq_len, seed=1)
    assert batcher.batches_per_epoch == 3
    predicted_items = set()
    for batch in take(batcher, 6):
        assert batch.continues is False
        assert batch.tokens == int((batch.targets != IGNORE_INDEX).sum())
        for inputs, targets in zip(batch.inputs, batch.targets):
            real = targets != IGNORE_INDEX
            predicted = lines.vocab.decode(targets[real])
            predicted_items.add(predicted)
            assert inputs[0] == boundary
            assert lines.vocab.decode(inputs) == predicted[: seq_len - 1]
            assert np.all(inputs[~real] == boundary)
            if len(predicted) < seq_len:  # room for the closing boundary
                assert targets[real][-1] == boundary and real.sum() == len(predicted) + 1
            else:
                assert real.sum() == seq_len and targets[-1] != boundary
    assert len(predicted_items) == 9 and "france" in predicted_items  # "francesca", cut
    assert batcher.epoch == 2


def test_line_corpus_smaller_than_a_batch_is_one_batch(lines):
    batcher = lines.batcher("val", 8, 20, seed=0)
    assert batcher.batches_per_epoch == 1
    assert batcher.next_batch().inputs.shape[0] == 2


def test_line_probe_is_framed_by_boundaries(lines):
    probe = lines.probe_tokens(64)
    boundary = lines.vocab.boundary
    assert probe[0] == boundary and probe[-1] == boundary
    first_val = next(iter(lines.batcher("val", 1, 50, seed=0).epoch_batches())).inputs[0]
    assert lines.vocab.decode(probe).startswith(lines.vocab.decode(first_val))


# Positions and rebuilding


@pytest.mark.parametrize("kind", ["stream", "lines"])
def test_restore_continues_exactly(kind, stream, lines):
    corpus, shape = {"stream": (stream, (3, 7)), "lines": (lines, (2, 4))}[kind]
    original = corpus.batcher("train", *shape, seed=5)
    take(original, original.batches_per_epoch + 2)  # into the second epoch
    state = json.loads(json.dumps(original.state()))
    expected = take(original, 2 * original.batches_per_epoch)
    restored = corpus.batcher("train", *shape, seed=5)
    restored.restore(state)
    assert restored.epoch == 1
    assert_same_batches(take(restored, len(expected)), expected)


def test_restore_rejects_a_position_outside_the_epoch(stream):
    batcher = stream.batcher("train", 3, 7, seed=0)
    with pytest.raises(DataError, match="does not fit"):
        batcher.restore({"epoch": 0, "cursor": batcher.batches_per_epoch})


@pytest.mark.parametrize("kind", ["stream", "lines"])
def test_arrays_rebuild_an_equal_corpus(kind, stream, lines):
    corpus = {"stream": stream, "lines": lines}[kind]
    arrays = corpus.arrays()
    assert all(array.dtype.itemsize == 1 for name, array in arrays.items() if "offsets" not in name)
    description = json.loads(json.dumps(corpus.description))
    vocabulary = json.loads(json.dumps(corpus.vocab.to_json()))
    copy = corpus_from_arrays(description, vocabulary, arrays)
    assert type(copy) is type(corpus) and copy.vocab == corpus.vocab
    assert copy.stats() == corpus.stats() and copy.preview() == corpus.preview()
    np.testing.assert_array_equal(copy.probe_tokens(30), corpus.probe_tokens(30))
    for split in ("train", "val"):
        first, second = (c.batcher(split, 2, 5, seed=9) for c in (corpus, copy))
        assert_same_batches(take(first, 7), take(second, 7))


def test_rebuilding_with_missing_pieces_is_a_data_error(stream):
    with pytest.raises(DataError, match="unknown kind"):
        corpus_from_arrays({"kind": "video"}, stream.vocab.to_json(), stream.arrays())
    with pytest.raises(DataError, match="'val'"):
        corpus_from_arrays(stream.description, stream.vocab.to_json(), {"train": np.zeros(3, np.uint8)})


# Bad files

BAD_FILES = {
    "empty.txt": b"",
    "blank.txt": b"  \n\t\r\n  ",
    "binary.txt": b"PK\x03\x04\x00\x00hello",
    "controls.txt": bytes(range(1, 9)) * 100,
    "latin1.txt": "caf\u00e9 au lait".encode("latin-1"),
    "utf16.txt": "hello there".encode("utf-16"),
}


@pytest.mark.parametrize("file_name", sorted(BAD_FILES))
@pytest.mark.parametrize("load", [load_text_file, load_lines_file])
def test_unusable_file_is_a_data_error_naming_it(tmp_path, file_name, load):
    path = tmp_path / file_name
    path.write_bytes(BAD_FILES[file_name])
    with pytest.raises(DataError, match=file_name):
        load(path)


def test_not_utf8_gives_the_byte_offset(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"\xef\xbb\xbfcaf\xe9")  # BOM, then latin-1
    with pytest.raises(DataError, match=r"byte 6 .*save it as UTF-8"):
        load_text_file(path)


@pytest.mark.parametrize("load", [load_text_file, load_lines_file])
def test_missing_file_and_folder_are_data_errors(tmp_path, load):
    with pytest.raises(DataError, match="absent.txt: no such file"):
        load(tmp_path / "absent.txt")
    (tmp_path / "corpus").mkdir()
    with pytest.raises(DataError, match="corpus: this is a folder"):
        load(tmp_path / "corpus")


def test_bom_and_windows_line_ends_are_accepted(tmp_path):
    path = tmp_path / "windows.txt"
    path.write_bytes(b"\xef\xbb\xbfone\r\ntwo\r\n")
    corpus = load_text_file(path, val_fraction=0.5)
    assert corpus.vocab.tokens == ("\n", "e", "n", "o", "t", "w")
    assert corpus.preview() == "one\n"
    assert load_lines_file(path).stats()["items"] == 2


def test_too_short_text_says_what_one_batch_needs(tmp_path, stream_text):
    path = tmp_path / "short.txt"
    path.write_text(stream_text[:2000])
    corpus = load_text_file(path)
    corpus.check_fits(2, 10)
    message = r"short.txt: too short for one batch: 1800 tokens of training text, .* 32 × 100"
    with pytest.raises(DataError, match=message):
        corpus.check_fits(32, 100)
    with pytest.raises(DataError, match="200 tokens of validation text"):
        corpus.batcher("val", 4, 50, seed=0)


def test_lines_file_with_one_item_is_a_data_error(tmp_path):
    path = tmp_path / "one.txt"
    path.write_text("\n  solo  \n\n")
    with pytest.raises(DataError, match="one.txt: needs at least 2 items"):
        load_lines_file(path)


# Demos


def test_unknown_demo_lists_the_demos():
    with pytest.raises(DataError, match=", ".join(DEMOS)):
        load_demo("poems")


@pytest.mark.parametrize(
    ("name", "size_key", "minimum"),
    [
        ("names", "items", 4000),
        ("python-code", "characters", 500_000),
        ("english-prose", "characters", 300_000),
    ],
)
def test_demo_loads_and_fits_its_settings(name, size_key, minimum):
    demo = DEMOS[name]
    corpus = load_demo(name)
    assert corpus.description["source"] == f"demo:{name}"
    assert corpus.stats()[size_key] > minimum
    corpus.check_fits(demo.batch_size, demo.seq_len)
    assert corpus.batcher("val", demo.batch_size, demo.seq_len, seed=0).batches_per_epoch >= 1


def test_names_demo_is_title_cased_sorted_and_unique():
    preview = load_demo("names").preview(10_000).split("\n")
    assert preview[:3] == ["Aaron", "Abbey", "Abbie"]
    assert preview == sorted(set(preview))


def test_a_validation_pass_frames_every_item_a_training_epoch_full_batches():
    items = [np.array([i, i], np.int64) for i in range(1, 8)]
    batcher = LineBatcher(items, boundary=0, batch_size=3, seq_len=8, seed=0)
    seen = [int(row[1]) for batch in batcher.epoch_batches() for row in batch.inputs]
    assert sorted(seen) == list(range(1, 8))  # 3 + 3 + the 1 left over
    assert batcher.batches_per_epoch == 2 and len(batcher.next_batch().inputs) == 3

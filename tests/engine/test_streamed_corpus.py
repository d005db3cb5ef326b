"""A user's text of any size: read in pieces, encoded into a scratch file, stored in the project
as a streamed dataset, read window by window in training (issue 21, section 1)."""

from __future__ import annotations

import shutil
import sys
import tracemalloc
from pathlib import Path

import h5py
import numpy as np
import pytest

from workbench.engine.common.errors import DataError, ProjectError
from workbench.engine.data import batching
from workbench.engine.data.batching import StreamBatcher
from workbench.engine.data.stored_tokens import StoredTokens
from workbench.engine.data.text import stream_from_text
from workbench.engine.data.text_chunks import ReadingCancelled, text_chunks
from workbench.engine.data.text_streaming import stream_text_file
from workbench.engine.project.project import Project
from workbench.engine.project.project_file import ContentDigest

sys.path.insert(0, str(Path(__file__).parents[1]))
from tiny import PROSE, make_project  # noqa: E402

FIXTURES = Path(__file__).parents[1] / "fixtures"
# Every border case at once: multi-byte characters (2, 3 and 4 bytes), Windows and old Mac line
# ends, words, quotes; read in 7-byte pieces, every one of them falls on some border.
TRICKY = "Grüße, “Zitat” — 𝄞 clef.\r\nZweite Zeile\rdritte (x) " * 40


@pytest.mark.parametrize("level", ["char", "word"])
def test_a_file_read_in_pieces_makes_the_corpus_the_whole_text_makes(tmp_path, level):
    path = tmp_path / "tricky.txt"
    path.write_bytes(TRICKY.encode())
    streamed = stream_text_file(path, level, scratch_dir=tmp_path, chunk_bytes=7)
    whole = stream_from_text(TRICKY.replace("\r\n", "\n").replace("\r", "\n"), str(path), path.name, level)
    assert streamed.vocab == whole.vocab
    assert streamed.description == whole.description
    assert streamed.stats() == whole.stats()
    for split in ("train", "val"):
        assert np.array_equal(streamed.arrays()[split][:], whole.arrays()[split])
    assert streamed.preview() == whole.preview()
    assert np.array_equal(streamed.probe_tokens(30), whole.probe_tokens(30))


def test_word_level_keeps_the_most_frequent_words(tmp_path):
    path = tmp_path / "words.txt"
    path.write_text("a a a b b c\n" * 50)
    corpus = stream_text_file(path, "word", max_words=3, scratch_dir=tmp_path, chunk_bytes=5)
    assert corpus.vocab.tokens == ("<unk>", "a", "b", "\n")  # c as often as a newline, but after it
    assert corpus.vocab.decode(corpus.arrays()["train"][:8]) == "a a a b b <unk>\na"


def test_a_byte_that_is_not_utf8_is_found_in_a_later_piece(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes(b"first line\nsecond line\nthird caf\xe9\n")
    with pytest.raises(DataError, match=r"latin.txt, line 3: the file is not UTF-8 text \(byte 32 is 0xe9\)"):
        stream_text_file(path, scratch_dir=tmp_path, chunk_bytes=4)


def test_a_character_cut_off_by_the_end_is_named(tmp_path):
    path = tmp_path / "cut.txt"
    path.write_bytes("long enough text ü".encode()[:-1])
    with pytest.raises(DataError, match=r"cut.txt, line 1: the file is not UTF-8 text \(byte 17 is 0xc3\)"):
        stream_text_file(path, scratch_dir=tmp_path, chunk_bytes=4)


def test_whitespace_after_a_long_blank_start_is_not_empty(tmp_path):
    path = tmp_path / "late.txt"
    path.write_text("\n" * 20_000 + PROSE * 40)
    assert stream_text_file(path, scratch_dir=tmp_path).stats()["characters"] == 20_000 + 40 * len(PROSE)
    (tmp_path / "blank.txt").write_text("  \n" * 5000)
    with pytest.raises(DataError, match="empty or holds only whitespace"):
        stream_text_file(tmp_path / "blank.txt", scratch_dir=tmp_path)


def test_cancel_stops_between_pieces_and_leaves_nothing(tmp_path):
    path = tmp_path / "prose.txt"
    path.write_text(PROSE * 200)
    scratch = tmp_path / "scratch"
    told = []

    def progress(done, total):
        told.append((done, total))

    with pytest.raises(ReadingCancelled, match="prose.txt: reading was cancelled"):
        stream_text_file(
            path, scratch_dir=scratch, chunk_bytes=1000, progress=progress, should_stop=lambda: len(told) >= 40
        )
    assert list(scratch.iterdir()) == []  # the second pass had begun: its scratch file went with it
    size = path.stat().st_size
    assert told[0] == (1000, 2 * size) and all(total == 2 * size for _, total in told)
    assert [done for done, _ in told] == sorted(done for done, _ in told)  # the second pass goes on from the first


def test_progress_covers_both_passes(tmp_path):
    path = tmp_path / "prose.txt"
    path.write_text(PROSE * 20)
    told = []
    stream_text_file(path, scratch_dir=tmp_path, chunk_bytes=500, progress=lambda done, total: told.append(done))
    assert told[-1] == 2 * path.stat().st_size


def test_reading_a_large_text_holds_a_bounded_part_of_it(tmp_path):
    """The whole text in memory costs tens of bytes a character (the string, its UTF-32 copy,
    int64 ids); read in 1 MB pieces the peak stays a few pieces' worth."""
    path = tmp_path / "large.txt"
    with path.open("w") as file:
        for _ in range(8_000_000 // len(PROSE)):
            file.write(PROSE)
    size = path.stat().st_size
    tracemalloc.start()
    try:
        corpus = stream_text_file(path, scratch_dir=tmp_path, chunk_bytes=1 << 20)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert corpus.stats()["characters"] == size
    assert peak < 40 << 20, f"peak {peak / 1e6:.0f} MB for {size / 1e6:.0f} MB of text"


def stored_stream(tmp_path: Path, ids: np.ndarray, vocab_size: int) -> StoredTokens:
    file = h5py.File(tmp_path / "ids.h5", "w")
    dataset = file.create_dataset("ids", data=ids, chunks=(min(1000, len(ids)),), fletcher32=True)
    return StoredTokens(dataset, vocab_size, "ids.h5")


def test_batches_read_from_disk_in_blocks_are_the_batches_of_the_array(tmp_path, monkeypatch):
    monkeypatch.setattr(batching, "BLOCK_TOKENS", 64)  # four batches a block: many blocks per epoch
    ids = np.random.default_rng(0).integers(0, 50, 20_000).astype(np.uint8)
    on_disk = StreamBatcher(stored_stream(tmp_path, ids, 50), 5, 16, seed=3)
    in_memory = StreamBatcher(ids, 5, 16, seed=3)
    for _ in range(3 * in_memory.batches_per_epoch + 7):  # across epochs, and so offsets
        a, b = on_disk.next_batch(), in_memory.next_batch()
        assert np.array_equal(a.inputs, b.inputs) and np.array_equal(a.targets, b.targets)
        assert a.continues == b.continues and a.inputs.dtype == np.int64
    for a, b in zip(on_disk.epoch_batches(), in_memory.epoch_batches(), strict=True):
        assert np.array_equal(a.targets, b.targets)


def test_an_id_outside_the_vocabulary_is_refused_when_read(tmp_path):
    ids = np.zeros(100, np.uint8)
    ids[70] = 9
    stream = stored_stream(tmp_path, ids, vocab_size=9)
    assert not stream[:50].any()
    with pytest.raises(DataError, match="ids.h5: the saved '/ids' holds the id 9, outside the vocabulary of 9"):
        stream[60:80]


@pytest.fixture
def streamed_project(tmp_path):
    path = tmp_path / "prose.txt"
    path.write_text(PROSE * 30)
    corpus = stream_text_file(path, scratch_dir=tmp_path / "scratch")
    return make_project(corpus, batch_size=4, seq_len=16, val_every=4), path


def test_a_streamed_corpus_is_stored_streamed_and_opened_unread(tmp_path, streamed_project):
    project, _ = streamed_project
    saved = project.save(tmp_path / "p.h5")
    with h5py.File(saved) as file:
        train = file["data/arrays/train"]
        assert train.attrs["streamed"] and train.fletcher32 and train.compression is None
    assert project.corpus.arrays()["train"].file.filename == str(saved)  # the scratch file is let go
    opened = Project.open(saved)
    assert isinstance(opened.corpus.arrays()["train"], h5py.Dataset)
    assert opened.corpus.stats() == project.corpus.stats()
    assert np.array_equal(opened.corpus.arrays()["val"][:], project.corpus.arrays()["val"][:])


def test_a_streamed_project_trains_resumes_and_saves_again_like_one_in_memory(tmp_path, streamed_project):
    project, text = streamed_project
    in_memory = make_project(
        stream_from_text(text.read_text(), str(text), text.name), batch_size=4, seq_len=16, val_every=4
    )
    in_memory.trainer().run(12)
    project.trainer().run(6)
    saved = project.save(tmp_path / "p.h5")
    reopened = Project.open(saved, lock=True)
    reopened.trainer().run(6)
    reopened.save()  # copies the streamed ids from the file it replaces
    reopened.close()
    again = Project.open(saved)
    assert again.step == in_memory.step == 12
    for name, value in in_memory.model.state_dict().items():
        assert again.model.state_dict()[name].equal(value), name
    # The stopped run validated at its end (step 6) too; a file keeps losses as float32.
    resumed = dict(zip(again.history.val_steps, again.history.val_losses))
    for step, loss in zip(in_memory.history.val_steps, in_memory.history.val_losses):
        assert np.float32(resumed[step]) == np.float32(loss), step


def test_damaged_streamed_ids_are_refused_in_words_when_read(tmp_path, streamed_project):
    project, _ = streamed_project
    saved = shutil.copy(project.save(tmp_path / "p.h5"), tmp_path / "damaged.h5")  # the project reads p.h5
    vocab_size = len(project.corpus.vocab)
    with h5py.File(saved, "r+") as file:
        file["data/arrays/val"][5] = vocab_size + 3  # HDF5 recomputes the checksum: only the id is wrong
    opened = Project.open(saved)  # nothing read yet
    with pytest.raises(DataError, match=f"outside the vocabulary of {vocab_size}"):
        opened.trainer().validate()


def test_a_streamed_dataset_without_its_digest_part_is_refused(tmp_path, streamed_project):
    project, _ = streamed_project
    saved = shutil.copy(project.save(tmp_path / "p.h5"), tmp_path / "damaged.h5")
    with h5py.File(saved, "r+") as file:
        del file["data/arrays/train"].attrs["content_part"]
    with pytest.raises(ProjectError, match="data/arrays/train has no digest part"):
        Project.open(saved)


def test_a_project_of_format_2_opens_and_trains(tmp_path):
    """tests/fixtures/format2_project.h5 was saved by the workbench before streamed corpora."""
    copy = tmp_path / "old.h5"
    shutil.copy(FIXTURES / "format2_project.h5", copy)
    project = Project.open(copy, lock=True)
    assert project.step == 8 and project.best is not None
    assert isinstance(project.corpus.arrays()["train"], np.ndarray)
    project.trainer().run(4)
    project.save()
    project.close()
    assert Project.open(copy).step == 12


def every_dataset(file: h5py.File) -> list[str]:
    names = []
    file.visititems(lambda name, node: names.append(name) if isinstance(node, h5py.Dataset) else None)
    return names


def test_a_reader_that_reads_streamed_datasets_whole_finds_the_digest_right(tmp_path, streamed_project):
    """A reader from before streaming hashes every dataset's bytes; the parts streamed datasets
    carry are those same hashes, so the file needs no new format version."""
    project, _ = streamed_project
    saved = project.save(tmp_path / "p.h5")
    project.save(tmp_path / "again.h5")  # a second save copies the part instead of hashing anew
    for path in (saved, tmp_path / "again.h5"):
        digest = ContentDigest()
        with h5py.File(path) as file:
            for name in every_dataset(file):
                digest.add(file[name], file[name][()])
            assert digest.hexdigest() == file.attrs["content_blake2b"].decode()


def test_a_lines_file_read_in_pieces_keeps_its_items_as_two_arrays(tmp_path):
    from workbench.engine.data.lines import LineCorpus, lines_from_items, load_lines_file

    text = "Anna\r\n  Bob  \n\n\nClära\nDmitri\n𝄞x\n" + "".join(f"name{i} ümlaut\n" for i in range(300))
    path = tmp_path / "names.txt"
    path.write_bytes(text.encode())
    read = load_lines_file(path, chunk_bytes=5)
    items = [line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]
    whole = lines_from_items(items, str(path), path.name)
    assert read.vocab == whole.vocab and read.stats() == whole.stats() and read.preview() == whole.preview()
    for name, array in whole.arrays().items():
        assert np.array_equal(read.arrays()[name], array) and read.arrays()[name].dtype == array.dtype, name
    assert read.arrays()["train_ids"].dtype == np.uint8 and isinstance(read, LineCorpus)
    batches = [batch.inputs.tolist() for batch in read.batcher("train", 4, 8, 0).epoch_batches()]
    assert batches == [batch.inputs.tolist() for batch in whole.batcher("train", 4, 8, 0).epoch_batches()]


@pytest.mark.parametrize("change", ["edited", "shrunk", "grown"])
def test_a_file_that_changes_between_the_two_reads_is_refused(tmp_path, monkeypatch, change):
    """A log still being written, or an editor saving during a long import."""
    from workbench.engine.data import text_streaming

    path = tmp_path / "log.txt"
    path.write_text("hello world\n" * 200)
    passes = []

    def changing_chunks(*args):
        passes.append(1)
        if len(passes) == 2:  # between counting and encoding
            text = {"edited": "hellq world\n" * 200, "shrunk": "hello\n" * 100, "grown": "hello world\n" * 300}
            path.write_text(text[change])
        yield from text_chunks(*args)

    monkeypatch.setattr(text_streaming, "text_chunks", changing_chunks)
    with pytest.raises(DataError, match="log.txt: the file changed while it was read"):
        stream_text_file(path, scratch_dir=tmp_path / "scratch")
    assert list((tmp_path / "scratch").iterdir()) == []


def test_a_word_is_never_cut_by_a_piece_border_even_without_spaces(tmp_path, monkeypatch):
    from workbench.engine.data import text_streaming

    monkeypatch.setattr(text_streaming, "LONGEST_WORD", 64)  # the one-word guard, scaled down
    text = ",".join(["alpha", "bravo", "charlie", "delta"] * 30)  # minified: no space, no newline
    path = tmp_path / "minified.txt"
    path.write_text(text)
    read = stream_text_file(path, "word", scratch_dir=tmp_path, chunk_bytes=16)
    assert read.vocab == stream_from_text(text, str(path), path.name, "word").vocab  # no "br" + "avo"


def test_a_damaged_chunk_is_blamed_on_the_project_file(tmp_path, streamed_project):
    project, text = streamed_project
    saved = shutil.copy(project.save(tmp_path / "p.h5"), tmp_path / "damaged.h5")
    with h5py.File(saved, "r") as file:
        chunk = file["data/arrays/val"].id.get_chunk_info(0)
    with open(saved, "r+b") as raw:  # a byte of val's first chunk flipped: its fletcher32 no longer agrees
        raw.seek(chunk.byte_offset)
        byte = raw.read(1)
        raw.seek(chunk.byte_offset)
        raw.write(bytes([byte[0] ^ 0xFF]))
    opened = Project.open(saved)  # nothing of val read yet
    with pytest.raises(DataError, match=r"damaged.h5: its '/data/arrays/val' cannot be read: it is damaged") as caught:
        opened.trainer().validate()
    assert str(text) not in str(caught.value)


def test_an_autosave_copy_leaves_the_corpus_reading_the_project_file(tmp_path, streamed_project):
    project, _ = streamed_project
    saved = project.save(tmp_path / "p.h5")
    copy = project.save_copy(tmp_path / "autosave.h5")
    assert project.path == saved and project.corpus.arrays()["train"].file.filename == str(saved)
    assert np.array_equal(Project.open(copy).corpus.arrays()["train"][:], project.corpus.arrays()["train"][:])

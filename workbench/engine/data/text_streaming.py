"""A text file of any size made into a stream corpus in bounded memory: two passes over it, piece
by piece, never the whole text as a string, a list or an int64 array.

The first pass counts what the vocabulary needs (each character, or each word) and the tokens;
the second encodes every piece into the narrowest unsigned type the vocabulary allows, written
straight into an HDF5 scratch file whose datasets the corpus then reads window by window. The
scratch file is unlinked as soon as it is made (on POSIX), so nothing is left behind by a cancel,
an error or a crash; a project's save copies its datasets into the project file.

For the same text and options the corpus is the one ``text.stream_from_text`` makes in memory:
the same vocabulary, the same ids, split at the same token.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path

import h5py
import numpy as np

from ..common.errors import DataError
from .checks import check_val_fraction
from .download import default_cache_dir
from .stored_tokens import StoredTokens
from .text import TextStream, stream_description
from .text_chunks import CHUNK_BYTES, CODE_POINTS, Progress, changed_while_read, code_points, text_chunks
from .vocab import UNKNOWN, Vocabulary, split_words

STORED_CHUNK = 1 << 16  # ids per HDF5 chunk: a window read inflates one or two of these
WORD_COUNT_LIMIT = 2_000_000  # distinct words counted exactly; beyond, the rarest are dropped
MAX_WORDS = WORD_COUNT_LIMIT // 2  # the largest word vocabulary: what the counts keep when they are pruned
LONGEST_WORD = 16 << 20  # characters of one word carried between pieces before it is cut


def stream_text_file(
    path: str | Path,
    level: str = "char",
    val_fraction: float = 0.1,
    max_words: int = 10_000,
    encoding: str | None = None,
    *,
    scratch_dir: str | Path | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    chunk_bytes: int = CHUNK_BYTES,
) -> TextStream:
    """A stream corpus of the text file ``path``, its last ``val_fraction`` held out, its ids on
    disk in a scratch file in ``scratch_dir`` (by default the workbench's cache folder, not the
    temporary folder: that is often memory).

    ``progress`` hears (bytes done, bytes in all) over both passes; ``should_stop`` is asked
    between pieces and raises ReadingCancelled, leaving nothing behind.
    """
    check_val_fraction(val_fraction)
    if level not in ("char", "word"):
        raise DataError(f"unknown text level {level!r}: use 'char' or 'word'.")
    if level == "word" and not 1 <= max_words <= MAX_WORDS:
        raise DataError(f"a word vocabulary keeps from 1 to {MAX_WORDS:,} words, not {max_words:,}.")
    path = Path(path).expanduser().absolute()
    before = _file_state(path)
    size = before[0]

    def passes(first: bool) -> Iterator[str]:
        told = None if progress is None else (lambda done, _: progress(done if first else size + done, 2 * size))
        return text_chunks(path, encoding, chunk_bytes, told, should_stop)

    counting = CharacterCount() if level == "char" else WordCount()
    for piece in counting.pieces(passes(True)):
        counting.add(piece)
    vocab = counting.vocabulary(max_words)
    tokens = counting.tokens
    val_tokens = round(tokens * val_fraction)
    description = stream_description(str(path), path.name, level, val_fraction, counting.characters, max_words)

    folder = Path(scratch_dir) if scratch_dir is not None else default_cache_dir()
    scratch = _scratch_file(folder)
    try:
        splits = {
            name: _stored_split(scratch, name, length, vocab.storage_dtype)
            for name, length in (("train", tokens - val_tokens), ("val", val_tokens))
        }
        written = _encode_into(splits["train"], splits["val"], counting, vocab, passes(False), path)
        scratch.flush()
    except BaseException as error:
        with suppress(OSError):
            scratch.close()
        if isinstance(error, OSError):  # the disk is full, or the folder went away
            raise DataError(f"{folder}: cannot write the encoded text there ({error.strerror or error}).") from None
        raise
    if written != tokens or _file_state(path) != before:
        scratch.close()
        raise changed_while_read(path)
    stored = {name: StoredTokens(dataset, len(vocab), str(path)) for name, dataset in splits.items()}
    return TextStream(description, vocab, stored["train"], stored["val"])


def _encode_into(train, val, counting, vocab: Vocabulary, pieces: Iterator[str], path: Path) -> int:
    """Encode every piece into ``train`` and then ``val``; the tokens encoded."""
    written = 0  # tokens encoded so far, train's first
    for piece in counting.pieces(pieces):
        ids = counting.encode(piece, vocab, path)
        if written + len(ids) > len(train) + len(val):
            return written + len(ids)  # grown since it was counted: said by the caller
        head = ids[: max(0, len(train) - written)]
        train[written : written + len(head)] = head
        tail = ids[len(head) :]
        at = written + len(head) - len(train)
        val[at : at + len(tail)] = tail
        written += len(ids)
    return written


def _file_state(path: Path) -> tuple[int, int]:
    """Size and modification time: a file written while it is read shows in either."""
    if not path.is_file():
        return (0, 0)  # text_chunks says what is wrong with it
    status = path.stat()
    return (status.st_size, status.st_mtime_ns)


class CharacterCount:
    """How often each code point occurs, in one array the size of Unicode (9 MB)."""

    def __init__(self) -> None:
        self.counts = np.zeros(CODE_POINTS, np.int64)
        self._ids: np.ndarray | None = None  # code point -> id, once the vocabulary is known
        self._present: np.ndarray | None = None  # code point -> whether the text holds it

    @staticmethod
    def pieces(chunks: Iterator[str]) -> Iterator[str]:
        return chunks

    def add(self, piece: str) -> None:
        self.counts += np.bincount(code_points(piece), minlength=CODE_POINTS)

    @property
    def characters(self) -> int:
        return int(self.counts.sum())

    tokens = characters

    def vocabulary(self, max_words: int) -> Vocabulary:
        self._present = self.counts > 0
        present = np.flatnonzero(self._present)
        vocab = Vocabulary("char", tuple(chr(code) for code in present))
        self._ids = np.zeros(CODE_POINTS, vocab.storage_dtype)
        self._ids[present] = np.arange(len(present))
        return vocab

    def encode(self, piece: str, vocab: Vocabulary, path: Path) -> np.ndarray:
        codes = code_points(piece)
        if not self._present[codes].all():  # a character the first pass never saw
            raise changed_while_read(path)
        return self._ids[codes]


class WordCount:
    """How often each word occurs (words as ``vocab.split_words`` cuts them), the tokens and
    the characters. Pieces are cut after their last space or newline, so no word is split."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.tokens = 0
        self.characters = 0
        self._ids: dict[str, int] = {}

    @staticmethod
    def pieces(chunks: Iterator[str]) -> Iterator[str]:
        carried = ""
        for chunk in chunks:
            text = carried + chunk
            cut = _after_last_break(text)
            if cut == 0 and len(text) < LONGEST_WORD:  # one word so far: it may go on
                carried = text
                continue
            cut = cut or len(text)  # a word longer than any: cut, rather than hold the whole file
            carried = text[cut:]
            yield text[:cut]
        if carried:
            yield carried

    def add(self, piece: str) -> None:
        words = split_words(piece)
        self.counts.update(words)
        self.tokens += len(words)
        self.characters += len(piece)
        if len(self.counts) > WORD_COUNT_LIMIT:
            # Lossy counting: a rare word's count may start late, which cannot change a
            # vocabulary of the few thousand most frequent words.
            self.counts = Counter(dict(self.counts.most_common(WORD_COUNT_LIMIT // 2)))

    def vocabulary(self, max_words: int) -> Vocabulary:
        kept = sorted(self.counts, key=lambda word: (-self.counts[word], word))[:max_words]
        vocab = Vocabulary("word", (UNKNOWN, *kept), None, 0)
        self._ids = {word: i for i, word in enumerate(vocab.tokens) if i != vocab.unknown}
        return vocab

    def encode(self, piece: str, vocab: Vocabulary, path: Path) -> np.ndarray:
        words = split_words(piece)
        ids, unknown = self._ids, vocab.unknown
        return np.fromiter((ids.get(word, unknown) for word in words), vocab.storage_dtype, count=len(words))


def _after_last_break(text: str) -> int:
    """Where the text's last word ends: after its last character that is not a word character
    (``\\w``: alphanumeric or "_"), which no token of ``split_words`` runs across; 0 if none."""
    end = len(text)
    while end and (text[end - 1].isalnum() or text[end - 1] == "_"):
        end -= 1
    return end


def _scratch_file(folder: Path) -> h5py.File:
    """An HDF5 file open for writing whose name is gone at once (POSIX): it lives as long as it
    is open, and a crash leaves nothing to clean up."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=".workbench-corpus-", suffix=".h5", dir=folder)
        os.close(handle)
        scratch = h5py.File(name, "w", libver=("v108", "v108"))
    except OSError as error:
        raise DataError(f"{folder}: cannot write the encoded text there ({error.strerror or error}).") from None
    if os.name == "posix":
        os.unlink(name)
    return scratch


def _stored_split(scratch: h5py.File, name: str, length: int, dtype) -> h5py.Dataset:
    return scratch.create_dataset(
        name, shape=(length,), maxshape=(None,), dtype=dtype, chunks=(STORED_CHUNK,), fletcher32=True
    )


def load_text_file(
    path: str | Path,
    level: str = "char",
    val_fraction: float = 0.1,
    max_words: int = 10_000,
    encoding: str | None = None,
    **streaming,
) -> TextStream:
    """A stream corpus of a text file (UTF-8 unless ``encoding`` says otherwise); its last
    ``val_fraction`` is for validation. ``streaming``: the keywords of ``stream_text_file``."""
    return stream_text_file(path, level, val_fraction, max_words, encoding, **streaming)

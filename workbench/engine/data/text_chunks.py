"""A user's text file read in fixed-size pieces, with the checks ``checks.read_text_file`` makes
on a whole text: a file of any size is read in bounded memory.

A piece ends on a whole character (an incremental decoder carries a character cut at a border to
the next piece) and never between the ``\\r`` and ``\\n`` of a Windows line end, so every piece
has its line ends made ``\\n`` exactly as the whole text would.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from ..common.errors import DataError
from .checks import MAX_CONTROL_SHARE, SNIFF_BYTES, check_encoding, is_control

CHUNK_BYTES = 4 << 20  # bytes read at a time
CODE_POINTS = 0x110000  # every Unicode code point: counts and id tables indexed by one

Progress = Callable[[int, int | None], None]  # (bytes so far, total bytes)


class ReadingCancelled(DataError):
    """The user stopped the reading of a file; nothing it would have made is kept."""


def changed_while_read(path: Path) -> DataError:
    """What a second pass says when it does not find what the first one counted."""
    return DataError(f"{path}: the file changed while it was read; read it again when nothing writes it.")


def code_points(text: str) -> np.ndarray:
    """(len(text),) uint32: each character's code point."""
    return np.frombuffer(text.encode("utf-32-le"), np.uint32)


def text_chunks(
    path: Path,
    encoding: str | None = None,
    chunk_bytes: int = CHUNK_BYTES,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Iterator[str]:
    """The text of ``path`` piece by piece, BOM removed and line ends made ``\\n``.

    ``encoding`` None reads UTF-8 and refuses anything else, naming the first byte that is not
    (and its line); a named encoding is used as is. ``progress`` hears the bytes read so far
    after each piece; ``should_stop`` is asked before each and raises ReadingCancelled.
    """
    total = _file_size(path)
    name = "utf-8" if encoding is None else encoding
    check_encoding(encoding, str(path))
    decoder = codecs.getincrementaldecoder(name)(errors="strict")
    done = lines_before = 0
    held_cr = False  # a piece ended in "\r": whether a "\n" follows is the next piece's to say
    at_start, seen_text = True, False  # at_start: no text decoded yet (a BOM may still come)
    try:
        file = path.open("rb")
    except OSError as error:
        raise DataError(f"{path}: the file cannot be read ({error.strerror}).") from None
    with file:
        head = file.read(SNIFF_BYTES)  # looked at whatever the pieces' size
        _check_head(path, head, encoding)
        _check_sample(path, codecs.getincrementaldecoder(name)(errors="replace").decode(head).removeprefix("\ufeff"))
        file.seek(0)
        while True:
            if should_stop is not None and should_stop():
                raise ReadingCancelled(f"{path}: reading was cancelled.")
            data = file.read(chunk_bytes)
            final = not data
            pending = decoder.getstate()[0]  # bytes of a character the last piece cut
            try:
                text = decoder.decode(data, final)
            except UnicodeDecodeError as error:
                raise _not_encoded(path, name, pending + data, error, done - len(pending), lines_before) from None
            except UnicodeError as error:  # a codec that fails without saying where
                raise DataError(
                    f"{path}: cannot be read as {name} text ({error}); give the encoding it was saved in."
                ) from None
            if at_start and text:
                text, at_start = text.removeprefix("\ufeff"), False
            if held_cr:
                text = "\r" + text
            held_cr = not final and text.endswith("\r")
            if held_cr:
                text = text[:-1]
            done += len(data)
            lines_before += data.count(b"\n")
            if text:
                seen_text = seen_text or not text.isspace()
                yield text.replace("\r\n", "\n").replace("\r", "\n")
            if progress is not None:
                progress(done, total)
            if final:
                if not seen_text:
                    raise DataError(f"{path}: the file is empty or holds only whitespace.")
                return


def _file_size(path: Path) -> int:
    if not path.exists():
        raise DataError(f"{path}: no such file.")
    if path.is_dir():
        raise DataError(f"{path}: this is a folder, not a text file.")
    return path.stat().st_size


def _check_head(path: Path, head: bytes, encoding: str | None) -> None:
    head = head[:SNIFF_BYTES]
    if encoding is None:
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise DataError(f"{path}: the file is UTF-16 text; give its encoding (utf-16) or save it as UTF-8.")
        if b"\0" in head:
            raise DataError(f"{path}: the file looks binary (it contains NUL bytes), not text.")


def _check_sample(path: Path, text: str) -> None:
    sample = text[:SNIFF_BYTES]
    if sum(1 for char in sample if is_control(char)) > MAX_CONTROL_SHARE * len(sample):
        raise DataError(f"{path}: the file looks binary (mostly control characters), not text.")


def _not_encoded(
    path: Path, name: str, data: bytes, error: UnicodeDecodeError, done: int, lines_before: int
) -> DataError:
    """Where the first byte that is not ``name`` text is, counted in the whole file: ``data``
    (what the decoder was given) starts at byte ``done``, after ``lines_before`` newlines."""
    place = max(0, error.start)
    offset = done + place
    line = lines_before + data.count(b"\n", 0, place) + 1
    byte = f" (byte {offset} is 0x{data[place]:02x})" if place < len(data) else " (it ends inside a character)"
    if name == "utf-8":
        advice = "give its encoding (--encoding latin-1, or cp1252 for Windows text) or save it as UTF-8 and try again."
        return DataError(f"{path}, line {line}: the file is not UTF-8 text{byte}; {advice}")
    return DataError(f"{path}, line {line}: the file is not {name} text{byte}; give the encoding it was saved in.")

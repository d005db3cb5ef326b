"""Reading a user's text file, with one clear sentence for every way it can be unusable."""

from __future__ import annotations

import codecs
from pathlib import Path

import numpy as np

from ..common.errors import DataError

SNIFF_BYTES = 8192  # how much of a file is inspected for signs of binary data
MAX_CONTROL_SHARE = 0.3  # more control characters than this and it is not text
TEXT_CONTROLS = frozenset("\n\r\t\f\v")


def read_text_file(path: Path, encoding: str | None = None) -> str:
    """The text of ``path`` with any BOM removed and line ends made ``\\n``.

    ``encoding`` None reads UTF-8 (a BOM accepted) and refuses anything else, naming the first
    byte that is not UTF-8; a named encoding (``latin-1``, ``cp1252``, ``utf-16``) is used as is.
    """
    data = _read_bytes(path)
    if encoding is None:
        head = data[:SNIFF_BYTES]
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise DataError(f"{path}: the file is UTF-16 text; give its encoding (utf-16) or save it as UTF-8.")
        if b"\0" in head:
            raise DataError(f"{path}: the file looks binary (it contains NUL bytes), not text.")
        text = _decode_utf8(path, data)
    else:
        text = _decode(path, data, encoding).removeprefix("\ufeff")
    if not text.strip():
        raise DataError(f"{path}: the file is empty or holds only whitespace.")
    sample = text[:SNIFF_BYTES]
    controls = sum(1 for char in sample if is_control(char))
    if controls > MAX_CONTROL_SHARE * len(sample):
        raise DataError(f"{path}: the file looks binary (mostly control characters), not text.")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def check_encoding(encoding: str | None, source: str = "") -> None:
    """A DataError unless ``encoding`` is None (UTF-8) or the name of a text encoding Python knows."""
    if encoding is None:
        return
    try:
        b"\n".decode(encoding)  # a LookupError for a name Python does not know, or a codec not of text
    except UnicodeDecodeError:
        pass  # a text codec, which wants more than one byte (UTF-16)
    except (LookupError, UnicodeError):  # unknown, or a codec of something else than text (punycode)
        where = f"{source}: " if source else ""
        raise DataError(
            f"{where}{encoding!r} is not a text encoding Python knows; for example utf-8, latin-1, cp1252 or utf-16."
        ) from None


def check_val_fraction(val_fraction: float) -> None:
    if not 0 < val_fraction < 1:
        raise DataError(f"the validation fraction must be between 0 and 1, not {val_fraction}.")


def validation_count(count: int, val_fraction: float) -> int:
    """Items held out of ``count``: the fraction, rounded, but at least one and never all."""
    return min(count - 1, max(1, round(count * val_fraction)))


def held_out(count: int, val_fraction: float, seed: int) -> np.ndarray:
    """(count,) bool, True on the items a seeded shuffle holds out for validation."""
    mask = np.zeros(count, bool)
    mask[np.random.default_rng(seed).permutation(count)[: validation_count(count, val_fraction)]] = True
    return mask


def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise DataError(f"{path}: no such file.")
    if path.is_dir():
        raise DataError(f"{path}: this is a folder, not a text file.")
    try:
        return path.read_bytes()
    except OSError as error:
        raise DataError(f"{path}: the file cannot be read ({error.strerror}).") from None


def _decode_utf8(path: Path, data: bytes) -> str:
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[start:].decode("utf-8")
    except UnicodeDecodeError as error:
        offset = start + error.start
        raise DataError(
            f"{path}, line {_line_of(data, offset)}: the file is not UTF-8 text (byte {offset} is "
            f"0x{data[offset]:02x}); give its encoding (--encoding latin-1, or cp1252 for Windows text) "
            "or save it as UTF-8 and try again."
        ) from None


def _decode(path: Path, data: bytes, encoding: str) -> str:
    check_encoding(encoding, str(path))
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        offset = error.start
        raise DataError(
            f"{path}, line {_line_of(data, offset)}: the file is not {encoding} text (byte {offset} is "
            f"0x{data[offset]:02x}); give the encoding it was saved in."
        ) from None
    except UnicodeError as error:  # a codec that fails without saying where (punycode, idna)
        raise DataError(
            f"{path}: cannot be read as {encoding} text ({error}); give the encoding it was saved in."
        ) from None


def _line_of(data: bytes, offset: int) -> int:
    """The line, counted from 1, that byte ``offset`` of ``data`` is on."""
    return data.count(b"\n", 0, offset) + 1


def is_control(char: str) -> bool:
    code = ord(char)
    return (code < 0x20 or 0x7F <= code < 0xA0) and char not in TEXT_CONTROLS


def stored_array(arrays: dict[str, np.ndarray], name: str, source: str) -> np.ndarray:
    """One of a corpus's saved arrays, or a DataError saying that it is missing."""
    if name not in arrays:
        raise DataError(f"{source}: the saved training data is incomplete (no {name!r} array).")
    return np.asarray(arrays[name])


def stored_ids(arrays: dict[str, np.ndarray], name: str, source: str, vocab_size: int) -> np.ndarray:
    """Saved token ids: a 1-D array of whole numbers, each an id of a ``vocab_size`` vocabulary.

    An id outside it would index past the embedding in the middle of training; a file is
    refused for it when it opens instead.
    """
    ids = stored_array(arrays, name, source)
    if ids.ndim != 1 or ids.dtype.kind not in "iu":
        raise DataError(f"{source}: the saved {name!r} is not a list of token ids.")
    if len(ids) and (int(ids.min()) < 0 or int(ids.max()) >= vocab_size):
        bad = int(ids.min()) if int(ids.min()) < 0 else int(ids.max())
        raise DataError(f"{source}: the saved {name!r} holds the id {bad}, outside the vocabulary of {vocab_size}.")
    return ids


def stored_offsets(arrays: dict[str, np.ndarray], name: str, source: str, length: int) -> np.ndarray:
    """Where each saved item starts in an array of ``length``, and where the last one ends:
    from 0, never decreasing, up to ``length``; so the items cover the array once, in order."""
    offsets = stored_array(arrays, name, source)
    if (
        offsets.ndim != 1
        or offsets.dtype.kind not in "iu"
        or len(offsets) < 1
        or offsets[0] != 0
        or offsets[-1] != length
        or (np.diff(offsets.astype(np.int64)) < 0).any()
    ):
        raise DataError(f"{source}: the saved {name!r} do not divide the items' {length} ids.")
    return offsets


def stored_items(arrays: dict[str, np.ndarray], name: str, source: str, vocab_size: int) -> list[np.ndarray]:
    """The items saved as ``{name}_ids`` end to end and ``{name}_offsets``, each checked."""
    ids = stored_ids(arrays, f"{name}_ids", source, vocab_size)
    offsets = stored_offsets(arrays, f"{name}_offsets", source, len(ids))
    return np.split(ids, offsets[1:-1]) if len(offsets) > 1 else []


def stored_finite(arrays: dict[str, np.ndarray], name: str, source: str, ndim: int) -> np.ndarray:
    """Saved real numbers (a series, pen points): ``ndim``-D floats, none NaN or infinite."""
    values = stored_array(arrays, name, source)
    if values.ndim != ndim or values.dtype.kind != "f" or not np.isfinite(values).all():
        raise DataError(f"{source}: the saved {name!r} is not a {ndim}-D array of finite numbers.")
    return values


DELIMITER_SPELLINGS = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": " "}
DELIMITER_NAMES = {character: name for name, character in DELIMITER_SPELLINGS.items() if name != "\\t"}


def given_delimiter(path: Path, delimiter: str | None) -> str | None:
    """The delimiter the user gave, as one character (tables and series alike): ``tab`` and
    ``\\t`` name a tab, ``comma``, ``semicolon``, ``pipe`` and ``space`` theirs."""
    if delimiter is None:
        return None
    character = DELIMITER_SPELLINGS.get(delimiter.lower(), delimiter)
    if len(character) != 1 or character in '"\r\n':
        raise DataError(f"{path}: the delimiter must be one character (or tab), not {delimiter!r}.")
    return character

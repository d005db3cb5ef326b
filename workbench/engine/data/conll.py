"""Reading a user's own tagged sentences from a CoNLL-style file.

One token per line, its columns separated by tabs; the first column is the token and the last
its tag, so a file with part-of-speech and chunk columns between them (CoNLL-2003) gives its
last column. A file without a single tab is read as space-separated, the layout of the original
CoNLL-2003 release. Every token line has the same columns, so lines of prose, whose first and
last words would pass for a token and its tag, are refused at the first line that differs. A
blank line ends a sentence; ``-DOCSTART-`` lines are skipped.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import DataError
from .checks import read_text_file

DOCUMENT_START = "-DOCSTART-"

Sentence = tuple[list[str], list[str]]  # (tokens, tags), the same length


def read_conll(path: str | Path) -> list[Sentence]:
    """The sentences of ``path`` as (tokens, tags); a DataError names the line of any problem."""
    path = Path(path).expanduser().absolute()
    text = read_text_file(path)
    separator = "\t" if "\t" in text else None  # None: str.split on any run of spaces
    sentences: list[Sentence] = []
    tokens: list[str] = []
    tags: list[str] = []
    first: tuple[int, int] | None = None  # (line number, columns) of the first token line
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip() or line.split(separator, 1)[0].strip() == DOCUMENT_START:
            if tokens:
                sentences.append((tokens, tags))
                tokens, tags = [], []
            continue
        where = f"{path}, line {number}"
        columns = _columns(line, separator, where)
        first = first or (number, len(columns))
        if len(columns) != first[1]:
            raise DataError(f"{where}: {len(columns)} columns where line {first[0]} has {first[1]}; every line "
                            f"holds the same columns, the token first and its tag last ({line.strip()[:40]!r}).")
        tokens.append(columns[0])
        tags.append(columns[-1])
    if tokens:
        sentences.append((tokens, tags))
    if not sentences:
        raise DataError(f"{path}: no sentences in the file (lines of a token, a tab and its tag).")
    return sentences


def _columns(line: str, separator: str | None, where: str) -> list[str]:
    """The columns of a token line: at least a token and a tag, neither empty."""
    columns = [column.strip() for column in line.split(separator)]
    if len(columns) < 2:
        gap = "a tab" if separator else "a space"
        raise DataError(f"{where}: no tag; a line holds a token, {gap} and its tag ({line.strip()[:40]!r}).")
    if not columns[0]:
        raise DataError(f"{where}: the token is empty ({line.strip()[:40]!r}).")
    if not columns[-1]:
        raise DataError(f"{where}: the tag is empty ({line.strip()[:40]!r}).")
    return columns

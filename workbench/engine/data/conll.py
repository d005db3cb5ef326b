"""Reading a user's own tagged sentences: CoNLL-U, or CoNLL-style token and tag columns.

Two layouts are told apart by the first line that is neither blank nor a ``#`` line:

- **CoNLL-U** (Universal Dependencies): 10 tab-separated columns, ID FORM LEMMA UPOS XPOS FEATS
  HEAD DEPREL DEPS MISC, the ID a whole number. ``#`` lines are comments (``# sent_id = …``);
  multiword-token lines (ID ``3-4``, the surface form "don't") and empty nodes (ID ``5.1``) are
  skipped, so the words tagged are the syntactic words (``do``, ``n't``). The token is read
  from the column ``token_column`` names (``form``, the default, or ``lemma``) and the tag from
  ``tag_column`` (``upos``, the default, ``xpos`` or ``deprel``), in either case. The older
  CoNLL-X files have the same 10 columns and read the same way (their CPOSTAG as ``upos``).
- **Token and tag columns**: the first column is the token and the last its tag, so a file with
  part-of-speech and chunk columns between them (CoNLL-2003) gives its last column. Columns are
  separated by tabs, or, in a file without a single tab, by spaces (the original CoNLL-2003
  release). ``-DOCSTART-`` lines are skipped and ``#`` is a token like any other. Only the
  default column names are accepted here: they stand for the first and the last column.

In both, a blank line ends a sentence and every token line has the same columns, so lines of
prose, whose first and last words would pass for a token and its tag, are refused at the
first line that differs. A file whose first column numbers the words of each sentence is
refused: that column is an ID, and taking it for the token would be a silent misreading.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..common.errors import DataError
from .checks import read_text_file

DOCUMENT_START = "-DOCSTART-"
CONLLU_COLUMNS = ("id", "form", "lemma", "upos", "xpos", "feats", "head", "deprel", "deps", "misc")
TOKEN_COLUMNS = ("form", "lemma")  # the columns of a CoNLL-U file a token can be read from
TAG_COLUMNS = ("upos", "xpos", "deprel")  # and those a tag can
DEFAULT_TOKEN_COLUMN, DEFAULT_TAG_COLUMN = "form", "upos"
CONLLU, PLAIN = "CoNLL-U", "token and tag columns"
NO_VALUE = "_"  # what CoNLL-U writes in a column that holds nothing
WORD_ID = re.compile(r"[1-9][0-9]*")
MULTIWORD_ID = re.compile(r"[1-9][0-9]*-[1-9][0-9]*")
EMPTY_NODE_ID = re.compile(r"[0-9]+\.[1-9][0-9]*")

Sentence = tuple[list[str], list[str]]  # (tokens, tags), the same length


@dataclass(frozen=True)
class TaggedFile:
    """The sentences of a file and what was recognised in it, for the data panel to show."""

    sentences: list[Sentence]
    layout: str  # CONLLU or PLAIN
    token_column: str  # "FORM", "LEMMA", or "column 1"
    tag_column: str  # "UPOS", "XPOS", "DEPREL", or "column N" (the last)
    skipped: dict[str, int] = field(default_factory=dict)  # comment lines, multiword tokens, empty nodes


def read_conll(
    path: str | Path,
    token_column: str = DEFAULT_TOKEN_COLUMN,
    tag_column: str = DEFAULT_TAG_COLUMN,
    encoding: str | None = None,
) -> list[Sentence]:
    """The sentences of ``path`` as (tokens, tags); a DataError names the line of any problem."""
    return read_tagged_file(path, token_column, tag_column, encoding).sentences


def read_tagged_file(
    path: str | Path,
    token_column: str = DEFAULT_TOKEN_COLUMN,
    tag_column: str = DEFAULT_TAG_COLUMN,
    encoding: str | None = None,
) -> TaggedFile:
    """The sentences of ``path``, read as its layout (see the module's docstring) says."""
    path = Path(path).expanduser().absolute()
    token_column, tag_column = token_column.strip().lower(), tag_column.strip().lower()
    for role, name, allowed in (("token", token_column, TOKEN_COLUMNS), ("tag", tag_column, TAG_COLUMNS)):
        if name not in allowed:
            raise DataError(
                f"{path}: there is no {role} column {name!r}; a CoNLL-U file gives its {role} from "
                f"{' or '.join(allowed)}."
            )
    lines = read_text_file(path, encoding).split("\n")
    first = _first_token_line(lines)
    if first is not None and _is_conllu_line(lines[first - 1]):
        reading = _read_conllu(path, lines, token_column, tag_column)
    elif (token_column, tag_column) != (DEFAULT_TOKEN_COLUMN, DEFAULT_TAG_COLUMN):
        raise DataError(
            f"{path}, line {first or 1}: not a CoNLL-U file (10 tab-separated columns, a word's ID first), so the "
            f"token is its first column and the tag its last; {token_column} and {tag_column} are CoNLL-U's "
            f"columns."
        )
    else:
        reading = _read_plain(path, lines)
    if not reading.sentences:
        raise DataError(f"{path}: no sentences in the file (lines of a token, a tab and its tag).")
    return reading


def _first_token_line(lines: list[str]) -> int | None:
    """The number of the first line that is not blank and not a ``#`` line, if any."""
    return next((number for number, line in enumerate(lines, 1) if line.strip() and not line.startswith("#")), None)


def _is_conllu_line(line: str) -> bool:
    """Whether ``line`` has CoNLL-U's columns, its ID a word's, a multiword token's or an empty node's."""
    columns = line.split("\t")
    word_id = columns[0].strip()
    return len(columns) == len(CONLLU_COLUMNS) and any(
        pattern.fullmatch(word_id) for pattern in (WORD_ID, MULTIWORD_ID, EMPTY_NODE_ID)
    )


def _read_conllu(path: Path, lines: list[str], token_column: str, tag_column: str) -> TaggedFile:
    """Words of a CoNLL-U file; comments, multiword-token lines and empty nodes are counted, not read."""
    token_at, tag_at = CONLLU_COLUMNS.index(token_column), CONLLU_COLUMNS.index(tag_column)
    sentences: list[Sentence] = []
    tokens: list[str] = []
    tags: list[str] = []
    skipped: Counter[str] = Counter()
    untagged: list[int] = []  # lines whose tag column is "_"
    tagged_line = 0  # a line whose tag column holds a tag, 0 while there is none
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            if tokens:
                sentences.append((tokens, tags))
                tokens, tags = [], []
            continue
        if line.startswith("#"):
            skipped["comment lines"] += 1
            continue
        where = f"{path}, line {number}"
        columns = [column.strip() for column in line.split("\t")]
        if len(columns) != len(CONLLU_COLUMNS):
            raise DataError(
                f"{where}: {len(columns)} columns where a CoNLL-U line has 10 separated by tabs "
                f"({' '.join(CONLLU_COLUMNS).upper()}): {line.strip()[:40]!r}."
            )
        word_id = columns[0]
        if MULTIWORD_ID.fullmatch(word_id):
            skipped["multiword tokens"] += 1
            continue
        if EMPTY_NODE_ID.fullmatch(word_id):
            skipped["empty nodes"] += 1
            continue
        if not WORD_ID.fullmatch(word_id):
            raise DataError(
                f"{where}: the ID {word_id!r} is not a word's number (1, 2, …), a multiword token's "
                f"range (1-2) or an empty node (1.1)."
            )
        token, tag = columns[token_at], columns[tag_at]
        for role, name, value in (("token", token_column, token), ("tag", tag_column, tag)):
            if not value:
                raise DataError(f"{where}: the {role} column {name.upper()} is empty.")
        if tag == NO_VALUE:
            untagged.append(number)
        else:
            tagged_line = tagged_line or number
        tokens.append(token)
        tags.append(tag)
    if tokens:
        sentences.append((tokens, tags))
    _refuse_unfilled_columns(path, sentences, token_column, tag_column, untagged, tagged_line)
    return TaggedFile(sentences, CONLLU, token_column.upper(), tag_column.upper(), dict(skipped))


def _refuse_unfilled_columns(
    path: Path, sentences: list[Sentence], token_column: str, tag_column: str, untagged: list[int], tagged_line: int
) -> None:
    """A DataError for a token column that is '_' on every word (LEMMA in some treebanks), a tag
    column that is '_' on every word (XPOS in many), or a tag column '_' on only some words."""
    words = sum(len(tokens) for tokens, _ in sentences)
    if sentences and all(token == NO_VALUE for tokens, _ in sentences for token in tokens):
        others = " or ".join(name for name in TOKEN_COLUMNS if name != token_column)
        raise DataError(
            f"{path}: the token column {token_column.upper()} is '_' (empty) on all {words:,} word "
            f"lines; choose the token column {others}."
        )
    if not untagged:
        return
    others = " or ".join(name for name in TAG_COLUMNS if name != tag_column)
    if not tagged_line:
        raise DataError(
            f"{path}: the tag column {tag_column.upper()} is '_' (no tag) on all {words:,} word "
            f"lines; choose another tag column ({others})."
        )
    raise DataError(
        f"{path}, line {untagged[0]}: the word has no {tag_column.upper()} tag ('_'), while line "
        f"{tagged_line} has one ({len(untagged):,} words have none); every word needs a tag: fill "
        f"them in, or choose another tag column ({others})."
    )


def _read_plain(path: Path, lines: list[str]) -> TaggedFile:
    """A token in the first column and its tag in the last, every line with the same columns."""
    separator = "\t" if any("\t" in line for line in lines) else None  # None: str.split on any run of spaces
    sentences: list[Sentence] = []
    starts: list[int] = []  # the line each sentence starts on
    tokens: list[str] = []
    tags: list[str] = []
    first: tuple[int, int] | None = None  # (line number, columns) of the first token line
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.split(separator, 1)[0].strip() == DOCUMENT_START:
            if tokens:
                sentences.append((tokens, tags))
                tokens, tags = [], []
            continue
        where = f"{path}, line {number}"
        columns = _columns(line, separator, where)
        first = first or (number, len(columns))
        if len(columns) != first[1]:
            raise DataError(
                f"{where}: {len(columns)} columns where line {first[0]} has {first[1]}; every line "
                f"holds the same columns, the token first and its tag last ({line.strip()[:40]!r})."
            )
        if not tokens:
            starts.append(number)
        tokens.append(columns[0])
        tags.append(columns[-1])
    if tokens:
        sentences.append((tokens, tags))
    if _numbers_its_words(sentences):
        raise DataError(
            f"{path}, line {starts[0]}: the first column numbers the words of every sentence "
            f"(1, 2, 3, …), so it is an ID, not the token; a CoNLL-U file has 10 tab-separated "
            f"columns, and this one has {first[1]}."
        )
    columns = first[1] if first else 2
    return TaggedFile(sentences, PLAIN, "column 1", f"column {columns}")


def _numbers_its_words(sentences: list[Sentence]) -> bool:
    """Whether the tokens read are 1, 2, 3, … in every sentence (and one has two or more)."""
    counting = all(tokens == [str(i) for i in range(1, len(tokens) + 1)] for tokens, _ in sentences)
    return bool(sentences) and counting and any(len(tokens) > 1 for tokens, _ in sentences)


def _columns(line: str, separator: str | None, where: str) -> list[str]:
    """The columns of a token line: at least a token and a tag, neither empty."""
    columns = [column.strip() for column in line.split(separator)]
    if len(columns) < 2:
        gap = "a tab" if separator else "a space"
        comment = (
            " (a '#' comment line belongs in a CoNLL-U file: 10 tab-separated columns, a word's ID first)"
            if line.startswith("#")
            else ""
        )
        raise DataError(f"{where}: no tag; a line holds a token, {gap} and its tag ({line.strip()[:40]!r}){comment}.")
    if not columns[0]:
        raise DataError(f"{where}: the token is empty ({line.strip()[:40]!r}).")
    if not columns[-1]:
        raise DataError(f"{where}: the tag is empty ({line.strip()[:40]!r}).")
    return columns

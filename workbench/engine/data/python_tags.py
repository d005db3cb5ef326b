"""The token class of every character of Python source, as the standard library's ``tokenize`` reads it.

A tagging corpus with real labels and no annotation work: the interpreter's own modules, each
character tagged by the tokenizer that Python itself trusts.

Decisions worth knowing:

* Keywords are ``keyword.kwlist`` (``True``, ``None`` and ``False`` among them). Soft keywords
  (``match``, ``case``, ``_``, ``type``) are tagged ``name``: the tokenizer reads them as names,
  and only the parser, from the code around them, can tell a keyword use from a variable.
* A string is a string from its prefix to its closing quote, across lines. On Python 3.11 an
  f-string is one STRING token; from 3.12 the tokenizer splits it, and the names and operators
  inside its braces are tagged as such.
* ``whitespace`` is layout: spaces, tabs, indentation, form feeds and the backslash that joins
  lines; ``newline`` is every line break that is not inside a string or comment.
"""

from __future__ import annotations

import io
import keyword
import tokenize

import numpy as np

from ..common.errors import DataError
from .stdlib import stdlib_modules

TAGS = ("whitespace", "newline", "keyword", "name", "number", "string", "comment", "operator")
TAG_IDS = {tag: index for index, tag in enumerate(TAGS)}
ITEM_CHARS = 256  # items are whole lines, packed up to about this many characters
TOKEN_TAGS = {
    "NEWLINE": "newline",
    "NL": "newline",
    "NUMBER": "number",
    "STRING": "string",
    "FSTRING_START": "string",  # Python 3.12 and later
    "FSTRING_MIDDLE": "string",
    "FSTRING_END": "string",
    "COMMENT": "comment",
    "OP": "operator",
}  # NAME is "keyword" or "name"; INDENT and anything else left untagged is "whitespace"
KEYWORDS = frozenset(keyword.kwlist)


def tag_python_source(source: str) -> np.ndarray:
    """The id in TAGS of each character of ``source`` (uint8, one per character)."""
    tags = np.full(len(source), TAG_IDS["whitespace"], dtype=np.uint8)
    codes = np.frombuffer(source.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    line_breaks = np.flatnonzero(codes == ord("\n"))
    tags[line_breaks] = TAG_IDS["newline"]  # joined lines' breaks too; tokens below overwrite the rest
    line_starts = [0, *(line_breaks + 1).tolist(), len(source)]  # the lines as readline splits them
    for token in _tokens(source):
        tag = _tag_of(token)
        if tag is not None and token.string:
            start = line_starts[token.start[0] - 1] + token.start[1]
            end = line_starts[token.end[0] - 1] + token.end[1]
            tags[start:end] = TAG_IDS[tag]
    return tags


def python_tagging_items(max_chars: int, item_chars: int = ITEM_CHARS) -> list[tuple[str, np.ndarray]]:
    """Standard-library source cut into (text, tags) items of whole lines, at most ``max_chars`` in all.

    Each pure-ASCII module is tagged whole, so a line inside a long string is tagged as string,
    then its lines are packed into items of up to ``item_chars`` characters (a longer line is an
    item on its own). Modules this Python cannot tokenize are left out. Deterministic for a given
    Python.
    """
    items, total = [], 0
    for path in stdlib_modules():
        data = path.read_bytes()
        if not data.isascii():
            continue
        source = data.decode("ascii").replace("\r\n", "\n")
        try:
            tags = tag_python_source(source)
        except DataError:
            continue
        for start, end in _line_packs(source, item_chars):
            if total + end - start > max_chars:
                return items
            items.append((source[start:end], tags[start:end]))
            total += end - start
    return items


def _tokens(source: str) -> list[tokenize.TokenInfo]:
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except tokenize.TokenError as error:  # ("EOF in multi-line string", (row, column))
        message, (row, _) = error.args
        raise DataError(f"the Python source cannot be read at line {row}: {message}.") from None
    except SyntaxError as error:  # IndentationError from inconsistent dedents
        raise DataError(f"the Python source cannot be read at line {error.lineno}: {error.msg}.") from None
    for token in tokens:
        if token.type == tokenize.ERRORTOKEN and not token.string.isspace():
            row, column = token.start
            raise DataError(f"the Python source cannot be read at line {row}, column {column + 1}: {token.string!r}.")
    return tokens


def _tag_of(token: tokenize.TokenInfo) -> str | None:
    if token.type == tokenize.NAME:
        return "keyword" if token.string in KEYWORDS else "name"
    return TOKEN_TAGS.get(tokenize.tok_name[token.type])


def _line_packs(source: str, item_chars: int) -> list[tuple[int, int]]:
    """(start, end) of runs of whole lines, each run up to ``item_chars`` long unless one line is longer."""
    packs, start, end = [], 0, 0
    while end < len(source):
        line_end = source.find("\n", end) + 1 or len(source)
        if line_end - start > item_chars and end > start:
            packs.append((start, end))
            start = end
        end = line_end
    if end > start:
        packs.append((start, end))
    return packs

"""Python source tagged character by character: a snippet with known tags, errors, stdlib items."""

from __future__ import annotations

import string

import numpy as np
import pytest

from workbench.engine.common.errors import DataError
from workbench.engine.data.python_tags import TAG_IDS, TAGS, python_tagging_items, tag_python_source
from workbench.engine.data.stdlib import stdlib_modules

# One letter per tag, to write the expected tags under the text.
CODES = {
    " ": "whitespace",
    "N": "newline",
    "K": "keyword",
    "a": "name",
    "9": "number",
    "s": "string",
    "#": "comment",
    "o": "operator",
}
CODE_OF_ID = {TAG_IDS[tag]: code for code, tag in CODES.items()}
SNIPPET = [  # (line, its tags)
    ("def area(r):\n", "KKK aaaaoaooN"),
    ('    """Circle.\n', "    sssssssssss"),  # the line break inside the string is string
    ('    Area."""\n', "ssssssssssssN"),  # so is the indentation inside it
    ("    return 3.14 * r ** 2  # pi r squared\n", "    KKKKKK 9999 o a oo 9  ##############N"),
    ("\n", "N"),
    (
        "match = None if True else f'{x}'\n",  # a soft keyword is a name
        "aaaaa o KKKK KK KKKK KKKK ssssssN",
    ),
    (
        "total = 1 + \\\n",  # the backslash that joins lines is layout; the joined break is a newline
        "aaaaa o 9 o  N",
    ),
    ("    0x1F\n", "    9999N"),
]


def test_every_character_of_a_snippet_has_its_known_tag():
    source = "".join(line for line, _ in SNIPPET)
    tags = tag_python_source(source)
    assert tags.dtype == np.uint8 and len(tags) == len(source)
    for number, (line, codes) in enumerate(SNIPPET):
        assert len(codes) == len(line), f"the expected tags of snippet line {number} are misaligned"
    got = "".join(CODE_OF_ID[tag] for tag in tags)
    start = 0
    for line, codes in SNIPPET:
        assert got[start : start + len(line)] == codes, line
        start += len(line)


def test_tags_are_the_documented_set():
    assert TAGS == tuple(TAG_IDS) and set(CODES.values()) == set(TAGS)
    assert tag_python_source("").shape == (0,)


def test_text_without_a_final_newline_and_beyond_ascii():
    source = 'café = "naïve"  # ü'
    tags = tag_python_source(source)
    assert [TAGS[i] for i in tags[[0, 5, 8, 18]]] == ["name", "operator", "string", "comment"]


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("s = '''never closed\n", "line 1: EOF in multi-line string"),
        ("x = $\n", "line 1, column 5: '$'"),
        ("if x:\n    y\n  z\n", "line 3: unindent does not match"),
    ],
)
def test_source_that_does_not_tokenize_is_a_data_error(source, problem):
    with pytest.raises(DataError, match="the Python source cannot be read") as caught:
        tag_python_source(source)
    assert problem in str(caught.value)


@pytest.fixture(scope="module")
def items() -> list[tuple[str, np.ndarray]]:
    return python_tagging_items(30_000, item_chars=200)


def test_items_are_whole_lines_in_module_order(items):
    first_module = next(path for path in stdlib_modules() if path.read_bytes().isascii()).read_text("ascii")
    texts = [text for text, _ in items]
    assert 25_000 < sum(map(len, texts)) <= 30_000
    assert all(text.endswith("\n") for text in texts)
    assert all(len(text) <= 200 or text.count("\n") == 1 for text in texts)
    opening = "".join(texts)[: len(first_module)]
    assert opening == first_module[: len(opening)]


def test_item_tags_are_aligned_with_their_text(items):
    for text, tags in items:
        assert tags.dtype == np.uint8 and len(tags) == len(text)
        chars = np.array(list(text))
        assert set(chars[tags == TAG_IDS["newline"]]) <= {"\n"}
        assert set(chars[tags == TAG_IDS["whitespace"]]) <= set(" \t\f\\")
        assert set(chars[tags == TAG_IDS["keyword"]]) <= set(string.ascii_letters)
        assert set(chars[tags == TAG_IDS["comment"]][:1]) <= {"#"}
    tagged = np.concatenate([tags for _, tags in items])
    assert all((tagged == TAG_IDS[tag]).any() for tag in TAGS)


def test_items_are_deterministic(items):
    again = python_tagging_items(30_000, item_chars=200)
    assert [text for text, _ in again] == [text for text, _ in items]
    assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(again, items))

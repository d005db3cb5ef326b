"""CoNLL-style tagged sentences: columns, sentence breaks, document marks and every bad line."""

from __future__ import annotations

import pytest

from workbench.engine.data.conll import read_conll
from workbench.engine.errors import DataError


def write(tmp_path, content: str | bytes, name: str = "tags.conll"):
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


def test_sentences_are_separated_by_blank_lines(tmp_path):
    path = write(tmp_path, "-DOCSTART-\tO\n\nThe\tDET\ncat\tNOUN\n\n\nsat\tVERB\n.\tPUNCT")
    assert read_conll(path) == [(["The", "cat"], ["DET", "NOUN"]), (["sat", "."], ["VERB", "PUNCT"])]


def test_extra_columns_give_the_first_as_token_and_the_last_as_tag(tmp_path):
    path = write(tmp_path, "EU\tNNP\tB-NP\tB-ORG\nrejects\tVBZ\tB-VP\tO\nNew York\tNNP\tI-NP\tB-LOC\n")
    assert read_conll(path) == [(["EU", "rejects", "New York"], ["B-ORG", "O", "B-LOC"])]


def test_a_file_without_tabs_is_read_as_space_separated(tmp_path):
    path = write(tmp_path, "-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects  VBZ B-VP O\n\nPeter NNP B-NP B-PER\n")
    assert read_conll(path) == [(["EU", "rejects"], ["B-ORG", "O"]), (["Peter"], ["B-PER"])]


def test_windows_line_ends_a_bom_and_text_beyond_ascii(tmp_path):
    path = write(tmp_path, "\ufeffZürich\tB-LOC\r\nliegt\tO\r\n\r\nÉté\tO\r\n")
    assert read_conll(path) == [(["Zürich", "liegt"], ["B-LOC", "O"]), (["Été"], ["O"])]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("The\tDET\ncat NOUN\n", "line 2: no tag; a line holds a token, a tab and its tag ('cat NOUN')"),
        ("The\tDET\n\n\tNOUN\n", "line 3: the token is empty"),
        ("The\tDET\ncat\t \n", "line 2: the tag is empty"),
        ("The DET\nlonely\n", "line 2: no tag; a line holds a token, a space and its tag ('lonely')"),
    ],
)
def test_a_bad_line_is_named_by_file_and_number(tmp_path, content, problem):
    path = write(tmp_path, content)
    with pytest.raises(DataError) as caught:
        read_conll(path)
    assert str(caught.value).startswith(f"{path}, {problem}")


def test_a_file_of_document_marks_only_has_no_sentences(tmp_path):
    path = write(tmp_path, "-DOCSTART-\tO\n\n-DOCSTART-\tO\n")
    with pytest.raises(DataError, match="no sentences"):
        read_conll(path)


def test_unreadable_files_say_why(tmp_path):
    with pytest.raises(DataError, match="not UTF-8 text"):
        read_conll(write(tmp_path, "caf\xe9\tO\n".encode("latin-1")))
    with pytest.raises(DataError, match="no such file"):
        read_conll(tmp_path / "missing.conll")
    with pytest.raises(DataError, match="empty"):
        read_conll(write(tmp_path, "\n\n", name="blank.conll"))

"""CoNLL-style tagged sentences: columns, sentence breaks, document marks and every bad line."""

from __future__ import annotations

import pytest
from tiny import write_file

from workbench.engine.common.errors import DataError
from workbench.engine.data.conll import read_conll, read_tagged_file


def write(tmp_path, content: str | bytes, name: str = "tags.conll"):
    return write_file(tmp_path / name, content)


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


# -- CoNLL-U ------------------------------------------------------------------------------

CONLLU = [  # two sentences as Universal Dependencies writes them, spaces standing for tabs
    "# newdoc id = sample",
    "# sent_id = 1",
    "# text = I don't know.",
    "1 I I PRON PRP Case=Nom|Person=1 4 nsubj 4:nsubj _",
    "2-3 don't _ _ _ _ _ _ _ _",
    "2 do do AUX VBP Mood=Ind 4 aux 4:aux _",
    "3 n't not PART RB _ 4 advmod 4:advmod _",
    "4 know know VERB VB VerbForm=Inf 0 root 0:root SpaceAfter=No",
    "5 . . PUNCT . _ 4 punct 4:punct _",
    "",
    "# sent_id = 2",
    "# text = Sam ate rice and Kim beans.",
    "1 Sam Sam PROPN NNP Number=Sing 2 nsubj 2:nsubj _",
    "2 ate eat VERB VBD Tense=Past 0 root 0:root _",
    "3 rice rice NOUN NN Number=Sing 2 obj 2:obj _",
    "4 and and CCONJ CC _ 5 cc 5.1:cc _",
    "5 Kim Kim PROPN NNP Number=Sing 2 conj 5.1:nsubj _",
    "5.1 ate eat VERB VBD Tense=Past _ _ 2:conj:and CopyOf=2",
    "6 beans bean NOUN NNS Number=Plur 5 orphan 5.1:obj SpaceAfter=No",
    "7 . . PUNCT . _ 2 punct 2:punct _",
    "",
]


def conllu(lines: list[str]) -> str:
    return "\n".join(line if line.startswith("#") else "\t".join(line.split(" ")) for line in lines)


def test_conllu_skips_comments_multiword_tokens_and_empty_nodes(tmp_path):
    reading = read_tagged_file(write(tmp_path, conllu(CONLLU), "sample.conllu"))
    assert reading.sentences == [
        (["I", "do", "n't", "know", "."], ["PRON", "AUX", "PART", "VERB", "PUNCT"]),
        (
            ["Sam", "ate", "rice", "and", "Kim", "beans", "."],
            ["PROPN", "VERB", "NOUN", "CCONJ", "PROPN", "NOUN", "PUNCT"],
        ),
    ]
    assert (reading.layout, reading.token_column, reading.tag_column) == ("CoNLL-U", "FORM", "UPOS")
    assert reading.skipped == {"comment lines": 5, "multiword tokens": 1, "empty nodes": 1}


def test_conllu_columns_are_chosen_by_name_in_either_case(tmp_path):
    path = write(tmp_path, conllu(CONLLU), "sample.conllu")
    (tokens, tags), _ = read_conll(path, token_column="LEMMA", tag_column="xpos")
    assert (tokens, tags) == (["I", "do", "not", "know", "."], ["PRP", "VBP", "RB", "VB", "."])
    _, (_, relations) = read_conll(path, tag_column="DepRel")
    assert relations == ["nsubj", "root", "obj", "cc", "conj", "orphan", "punct"]


def test_conllu_without_its_comments_is_still_read_by_its_columns(tmp_path):
    """A comment-stripped file used to give the ID as the token and MISC as the tag."""
    stripped = [line for line in CONLLU if not line.startswith("#")]
    (tokens, tags), _ = read_conll(write(tmp_path, conllu(stripped)))
    assert tokens == ["I", "do", "n't", "know", "."] and tags[0] == "PRON"
    starting_with_a_contraction = [
        "1-2 Don't _ _ _ _ _ _ _ _",
        "1 Do do AUX VBP _ 3 aux _ _",
        "2 n't not PART RB _ 3 advmod _ _",
        "3 know know VERB VB _ 0 root _ _",
        "",
        "1 Right right INTJ UH _ 0 root _ _",
    ]
    assert read_conll(write(tmp_path, conllu(starting_with_a_contraction))) == [
        (["Do", "n't", "know"], ["AUX", "PART", "VERB"]),
        (["Right"], ["INTJ"]),
    ]


def test_a_tag_column_of_underscores_is_refused_naming_it_and_the_others(tmp_path):
    lines = [
        line.replace(" PRP ", " _ ")
        .replace(" VBP ", " _ ")
        .replace(" RB ", " _ ")
        .replace(" VB ", " _ ")
        .replace(" . _ ", " _ _ ")
        for line in CONLLU[:10]
    ]
    path = write(tmp_path, conllu(lines))
    assert read_conll(path)[0][1] == ["PRON", "AUX", "PART", "VERB", "PUNCT"]
    with pytest.raises(DataError) as caught:
        read_conll(path, tag_column="xpos")
    assert str(caught.value) == (
        f"{path}: the tag column XPOS is '_' (no tag) on all 5 word lines; choose another tag column (upos or deprel)."
    )


def test_a_word_without_a_tag_among_tagged_ones_is_named_by_line(tmp_path):
    lines = list(CONLLU)
    lines[5] = "2 do do AUX _ Mood=Ind 4 aux 4:aux _"
    path = write(tmp_path, conllu(lines))
    with pytest.raises(DataError, match=r", line 6: the word has no XPOS tag \('_'\), while line 4 has one"):
        read_conll(path, tag_column="xpos")


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("3 n't not PART RB _ 4 advmod 4:advmod", "line 7: 9 columns where a CoNLL-U line has 10 separated by tabs"),
        ("x n't not PART RB _ 4 advmod 4:advmod _", "line 7: the ID 'x' is not a word's number"),
        ("3 n't not  RB _ 4 advmod 4:advmod _", "line 7: the tag column UPOS is empty"),
    ],
)
def test_a_bad_conllu_line_is_named_by_file_and_number(tmp_path, line, problem):
    lines = list(CONLLU)
    lines[6] = line
    path = write(tmp_path, conllu(lines))
    with pytest.raises(DataError) as caught:
        read_conll(path)
    assert str(caught.value).startswith(f"{path}, {problem}")


def test_column_names_are_checked_and_only_conllu_has_them(tmp_path):
    path = write(tmp_path, "The\tDET\ncat\tNOUN\n")
    with pytest.raises(DataError, match="no tag column 'feats'; a CoNLL-U file gives its tag from upos or xpos or"):
        read_conll(path, tag_column="feats")
    with pytest.raises(DataError, match="no token column 'id'"):
        read_conll(path, token_column="id")
    with pytest.raises(DataError, match=r"line 1: not a CoNLL-U file .* the token is its first column and the tag"):
        read_conll(path, tag_column="xpos")


def test_a_first_column_numbering_the_words_is_refused_not_read_as_tokens(tmp_path):
    path = write(tmp_path, "1\tEU\tB-ORG\n2\trejects\tO\n\n1\tPeter\tB-PER\n2\tsaid\tO\n")
    with pytest.raises(DataError) as caught:
        read_conll(path)
    assert str(caught.value).startswith(f"{path}, line 1: the first column numbers the words of every sentence")


def test_a_comment_line_in_a_file_that_is_not_conllu_says_where_comments_belong(tmp_path):
    path = write(tmp_path, conllu(["# sent_id = 1", "1 The the DET DT _ 2 det _"]))  # 9 columns
    with pytest.raises(DataError, match=r"line 1: no tag; .*'#' comment line belongs in a CoNLL-U file"):
        read_conll(path)


def test_an_encoding_reads_a_latin1_file(tmp_path):
    path = write(
        tmp_path, conllu(["1 Café café NOUN NN _ 0 root _ _", "", "1 Été été NOUN NN _ 0 root _ _"]).encode("latin-1")
    )
    with pytest.raises(DataError, match="line 1: the file is not UTF-8 text .*--encoding latin-1"):
        read_conll(path)
    assert read_conll(path, encoding="latin-1") == [(["Café"], ["NOUN"]), (["Été"], ["NOUN"])]

"""A user's labelled files: prose passed off as CoNLL, one sentence, one column for both roles."""

import pytest

from workbench.engine.common.errors import DataError
from workbench.engine.data.labelled_files import load_classification_table, load_conll

PROSE = [
    "It was the best of times, it was the worst of times,",
    "it was the age of wisdom, it was the age of foolishness,",
    "it was the epoch of belief.",
]


def test_lines_of_prose_are_refused_at_the_first_line_whose_columns_differ(tmp_path):
    path = tmp_path / "prose.conll"
    path.write_text("\n".join(PROSE * 34), encoding="utf-8")  # 102 lines without a tab
    with pytest.raises(DataError) as caught:
        load_conll(path)
    assert str(caught.value) == (
        f"{path}, line 3: 6 columns where line 1 has 12; every line holds the same "
        f"columns, the token first and its tag last ('it was the epoch of belief.')."
    )


def test_a_tab_file_with_a_line_of_more_columns_names_it(tmp_path):
    path = tmp_path / "tags.conll"
    path.write_text("EU\tNNP\tB-ORG\nrejects\tVBZ\tO\n\nGerman\tJJ\tB-MISC\tO\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"tags.conll, line 4: 4 columns where line 1 has 3"):
        load_conll(path)


def test_tokens_without_a_blank_line_are_one_sentence_and_too_few(tmp_path):
    path = tmp_path / "tags.conll"
    path.write_text("".join(f"word{i} O\n" for i in range(100)), encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_conll(path)
    assert str(caught.value) == (
        f"{path}: one sentence of 100 tokens; a blank line ends each sentence, and a tagger needs at least 2."
    )


def test_one_column_cannot_be_both_the_texts_and_their_labels(tmp_path):
    path = tmp_path / "words.csv"
    path.write_text("text,kind\n" + "".join(f"word{i},k{i % 2}\n" for i in range(20)), encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_classification_table(path, "text", "text")
    assert str(caught.value) == (
        f"{path}: the column 'text' cannot be both the texts and their labels; choose two of text, kind."
    )
    assert load_classification_table(path, "text", "kind").label_names == ("k0", "k1")

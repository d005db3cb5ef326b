"""Labelled tables as people save them: quoted line breaks, semicolons, Latin-1, unhelpful names."""

from __future__ import annotations

import pytest
from tiny import write_file

from workbench.engine.common.errors import DataError
from workbench.engine.data.labelled_files import (
    guess_text_and_label,
    guess_text_and_label_columns,
    load_classification_table,
    read_table,
    table_columns,
)

PACKAGES = [  # (package, section, description), descriptions of several lines holding ; and ,
    (
        "adduser",
        "admin",
        "add and remove users and groups\nThis package includes the 'adduser' and 'deluser'\n"
        "commands; it creates users, groups and home directories.",
    ),
    ("bash", "shells", "GNU Bourne Again SHell\nBash is an sh-compatible command language interpreter."),
    ("curl", "web", "command line tool for transferring data with URL syntax"),
    ("dash", "shells", "POSIX-compliant shell\nThe Debian Almquist Shell, a small and fast shell."),
    ("wget", "web", 'retrieves files from the web; "non-interactive", with recursion'),
    ("passwd", "admin", "change and administer password and group data"),
]


def write(tmp_path, content: str | bytes, name: str = "packages.csv"):
    return write_file(tmp_path / name, content)


def quoted(rows, delimiter: str) -> str:
    """A table as a spreadsheet saves it: fields quoted, quotes doubled."""

    def field(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if any(c in value for c in f'"\n{delimiter}') else value

    return "".join(delimiter.join(map(field, row)) + "\r\n" for row in rows)


def test_quoted_fields_keep_their_line_breaks_and_rows_are_named_by_the_line_they_start_on(tmp_path):
    path = write(tmp_path, quoted([("Package", "Section", "Description"), *PACKAGES], ","))
    table = read_table(path)
    assert [fields[2] for _, fields in table.rows] == [description for _, _, description in PACKAGES]
    assert [line for line, _ in table.rows] == [2, 5, 7, 8, 10, 11]
    path.write_text(path.read_text() + "sudo,admin,give,limited root\n")
    with pytest.raises(DataError) as caught:
        read_table(path)
    assert str(caught.value) == f"{path}, line 12: 4 fields where the header has 3 (split by commas)."


@pytest.mark.parametrize("delimiter", [";", "\t", "|", ","])
def test_the_delimiter_is_found_even_when_the_descriptions_hold_others(tmp_path, delimiter):
    path = write(tmp_path, quoted([("Package", "Section", "Description"), *PACKAGES], delimiter))
    corpus = load_classification_table(path, "Description", "Section", level="word", val_fraction=0.5)
    assert corpus.stats()["items"] == 6 and corpus.label_names == ("admin", "shells", "web")
    names = {";": "semicolon", "\t": "tab", "|": "pipe", ",": "comma"}
    assert corpus.stats()["delimiter"] == names[delimiter] and corpus.stats()["encoding"] == "utf-8"


def test_a_given_delimiter_is_used_as_is(tmp_path):
    path = write(tmp_path, 'name;kind\nAnn;a,"quoted" then not\nBob;b\n')  # the quote is bad CSV when split by commas
    assert table_columns(path, delimiter="semicolon") == ["name", "kind"]
    with pytest.raises(DataError) as caught:
        table_columns(path, delimiter=",")
    assert str(caught.value) == (
        f"{path}, line 1: the header has one column when split by commas; check the delimiter given."
    )
    tsv = write(tmp_path, "name\tkind\nAnn\ta\nBob\tb\n", "names.txt")
    assert table_columns(tsv, delimiter="\\t") == table_columns(tsv, delimiter="tab") == ["name", "kind"]
    with pytest.raises(DataError, match="the delimiter must be one character"):
        table_columns(tsv, delimiter="::")


def test_a_latin1_table_is_refused_naming_the_byte_and_read_with_its_encoding(tmp_path):
    rows = [
        ("Package", "Section", "Description"),
        ("inkscape", "graphics", "vector editor with Bézier curves"),
        ("lyx", "editors", "document processor; café"),
    ]
    path = write(tmp_path, quoted(rows, ";").encode("latin-1"))
    with pytest.raises(DataError) as caught:
        read_table(path)
    assert str(caught.value) == (
        f"{path}, line 2: the file is not UTF-8 text (byte 67 is 0xe9); give its encoding (--encoding latin-1, or "
        f"cp1252 for Windows text) or save it as UTF-8 and try again."
    )
    table = read_table(path, encoding="latin-1")
    assert table.rows[0][1][2] == "vector editor with Bézier curves" and table.delimiter == ";"
    assert load_classification_table(path, "Description", "Section", encoding="cp1252").stats()["encoding"] == "cp1252"
    with pytest.raises(DataError, match="'klingon' is not a text encoding Python knows"):
        read_table(path, encoding="klingon")
    bom = write(tmp_path, "\ufeffname,kind\nAnn,a\nBob,b\n".encode("utf-8"), "bom.csv")
    assert table_columns(bom) == table_columns(bom, encoding="utf-8") == ["name", "kind"]


def test_a_column_named_twice_and_an_unclosed_quote_are_named_by_line(tmp_path):
    path = write(tmp_path, "\nid,text,text\n1,a,b\n")
    with pytest.raises(DataError) as caught:
        table_columns(path)
    assert str(caught.value) == (
        f"{path}, line 2: the column name 'text' is there twice (columns 2 and 3); name each column once."
    )
    path = write(tmp_path, 'text,label\nfine,a\n"never closed,b\nmore,c\n')
    with pytest.raises(DataError) as caught:
        table_columns(path)
    assert str(caught.value) == f'{path}, line 3: a quote (") opened in this row is never closed.'


@pytest.mark.parametrize("fraction", [0, 1, 1.5, -0.1])
def test_a_validation_fraction_outside_zero_to_one_is_refused_before_the_file_is_read(tmp_path, fraction):
    with pytest.raises(DataError, match=f"the validation fraction must be between 0 and 1, not {fraction}"):
        load_classification_table(tmp_path / "absent.csv", "text", "label", val_fraction=fraction)


def test_the_text_and_label_columns_are_recognised_by_what_they_hold(tmp_path):
    path = write(tmp_path, quoted([("Package", "Section", "Description"), *PACKAGES], ";"))
    assert guess_text_and_label_columns(path) == ("Description", "Section")
    header = ["a", "b", "c", "d"]  # names that say nothing: an id, a label, a constant, a text
    rows = [
        [str(i), ["pos", "neg"][i % 2], "x", f"review number {i} said {'good' if i % 2 else 'bad'} things"]
        for i in range(30)
    ]
    assert guess_text_and_label(header, rows) == ("d", "b")
    names = [["Mary", "female", "1"], ["James", "male", "2"], ["Ashley", "female", "3"], ["Aaron", "male", "4"]]
    assert guess_text_and_label(["name", "sex", "rank"], names) == ("name", "sex")

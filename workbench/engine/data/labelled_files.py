"""A user's own labelled data: a table of texts and labels, or CoNLL-style tagged tokens.

A table is read with the ``csv`` module over the whole text, so a quoted field may hold the
delimiter, doubled quotes and line breaks, and a row is named by the line it starts on. Its
delimiter is the one given, else the one ``csv.Sniffer`` finds in the first rows (comma,
semicolon, tab or pipe) if it parts them evenly, else the file type's (a tab for ``.tsv`` and
``.tab``, a comma for any other) or another of the four if that does. The first row names the
columns, each once.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from ..common.errors import DataError
from .checks import DELIMITER_NAMES, check_val_fraction, given_delimiter, read_text_file
from .labelled import LabelledCorpus, labelled_corpus

GUESSED_DELIMITERS = ",;\t|"  # those a table is tried with when no delimiter is given
TAB_SUFFIXES = {".tsv", ".tab"}
SNIFF_CHARS = 64 * 1024  # how much of a table the sniffer looks at
GUESS_ROWS = 2000  # rows looked at to guess which column is the text and which the label


@dataclass(frozen=True)
class Table:
    """A table's header and its rows, each with the line it starts on, and how it was read."""

    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line number, fields), as many fields as the header
    delimiter: str
    encoding: str


def table_columns(path: str | Path, delimiter: str | None = None, encoding: str | None = None) -> list[str]:
    """The header of a CSV or TSV file: what the user chooses the text and label columns from."""
    return read_table(path, delimiter, encoding).header


def guess_text_and_label_columns(
    path: str | Path, delimiter: str | None = None, encoding: str | None = None
) -> tuple[str, str]:
    """The columns most likely to be the texts and their labels, judged by what they hold."""
    table = read_table(path, delimiter, encoding)
    return guess_text_and_label(table.header, [fields for _, fields in table.rows[:GUESS_ROWS]])


def guess_text_and_label(header: list[str], rows: list[list[str]]) -> tuple[str, str]:
    """(text column, label column) of a table with at least two columns, by content alone.

    The text is the column of the longest values, weighted by how many of them differ and hold
    a space, so that a description beats a name and a number; the label is, of the others, the
    one with the fewest different values, at least two (a column of one value labels nothing),
    preferring one where values repeat (a column of all-different values is an ID).
    """
    values = [[row[i].strip() if i < len(row) else "" for row in rows] for i in range(len(header))]

    def text_score(column: list[str]) -> float:
        filled = [value for value in column if value]
        if not filled:
            return 0.0
        mean_length = sum(map(len, filled)) / len(filled)
        spaced = sum(" " in value for value in filled) / len(filled)
        worded = sum(not _is_number(value) for value in filled) / len(filled)
        return mean_length * (1 + spaced) * worded * len(set(filled)) / len(filled)

    text = max(range(len(header)), key=lambda i: text_score(values[i]))

    def label_rank(i: int) -> tuple[bool, bool, int]:
        distinct = len(set(values[i]))
        return distinct < 2, distinct > len(rows) / 2, distinct

    label = min((i for i in range(len(header)) if i != text), key=label_rank)
    return header[text], header[label]


def load_classification_table(
    path: str | Path,
    text_column: str,
    label_column: str,
    level: str = "char",
    val_fraction: float = 0.1,
    seed: int = 0,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> LabelledCorpus:
    """One item per row: ``text_column`` read as characters (or words), ``label_column`` its class.

    ``delimiter`` None guesses it (see the module's docstring); ``encoding`` None reads UTF-8.
    """
    check_val_fraction(val_fraction)
    path = Path(path).expanduser().absolute()
    table = read_table(path, delimiter, encoding)
    header = table.header
    if text_column == label_column:
        raise DataError(
            f"{path}: the column {text_column!r} cannot be both the texts and their labels; "
            f"choose two of {', '.join(header)}."
        )
    columns = []
    for role, name in (("text", text_column), ("label", label_column)):
        if name not in header:
            raise DataError(f"{path}: there is no {role} column {name!r}; the columns are {', '.join(header)}.")
        columns.append(header.index(name))
    texts, labels = [], []
    for line_number, row in table.rows:
        text, label = row[columns[0]].strip(), row[columns[1]].strip()
        if not text or not label:
            missing = "text" if not text else "label"
            raise DataError(f"{path}, line {line_number}: the {missing} is empty.")
        texts.append(text if level == "char" else text.split())
        labels.append(label)
    notes = {"delimiter": DELIMITER_NAMES.get(table.delimiter, repr(table.delimiter)), "encoding": table.encoding}
    return labelled_corpus(texts, labels, "class", str(path), path.name, level, val_fraction, seed, notes)


def load_conll(
    path: str | Path,
    val_fraction: float = 0.1,
    seed: int = 0,
    token_column: str = "form",
    tag_column: str = "upos",
    encoding: str | None = None,
) -> LabelledCorpus:
    """Tagged sentences, tagged word by word: a CoNLL-U file (``token_column`` form or lemma,
    ``tag_column`` upos, xpos or deprel), or ``token<TAB>tag`` lines (the defaults only); see conll.py."""
    from .conll import read_tagged_file

    check_val_fraction(val_fraction)
    path = Path(path).expanduser().absolute()
    reading = read_tagged_file(path, token_column, tag_column, encoding)
    sentences = reading.sentences
    if len(sentences) < 2:  # one is kept for validation
        raise DataError(
            f"{path}: one sentence of {len(sentences[0][0]):,} tokens; a blank line ends each "
            f"sentence, and a tagger needs at least 2."
        )
    tokens = [words for words, _ in sentences]
    tags = [labels for _, labels in sentences]
    notes = {
        "format": reading.layout,
        "token_column": reading.token_column,
        "tag_column": reading.tag_column,
        **{f"skipped {what}": count for what, count in reading.skipped.items()},
    }
    return labelled_corpus(tokens, tags, "tags", str(path), path.name, "word", val_fraction, seed, notes)


def read_table(path: str | Path, delimiter: str | None = None, encoding: str | None = None) -> Table:
    """The header and rows of a table, every row as wide as the header, every column named once."""
    path = Path(path).expanduser().absolute()
    given = given_delimiter(path, delimiter)
    text = read_text_file(path, encoding)
    chosen = given or _guessed_delimiter(text, path.suffix)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=chosen, strict=True)
    numbered: list[tuple[int, list[str]]] = []
    start = 1  # the line the row being read starts on
    try:
        for row in reader:
            if any(field.strip() for field in row):
                numbered.append((start, row))
            start = reader.line_num + 1
    except csv.Error as error:
        if numbered:  # a wrong delimiter shows first in the header
            _check_header_width(path, numbered[0], chosen, given is not None)
        raise DataError(f"{path}, line {start}: {_csv_problem(str(error))}.") from None
    if len(numbered) < 2:
        raise DataError(f"{path}: a header row and at least one row of data are needed.")
    _check_header_width(path, numbered[0], chosen, given is not None)
    header_line, header = numbered[0][0], [name.strip() for name in numbered[0][1]]
    name = _plural(chosen)
    for index, column in enumerate(header):
        if column in header[:index]:
            raise DataError(
                f"{path}, line {header_line}: the column name {column!r} is there twice (columns "
                f"{header.index(column) + 1} and {index + 1}); name each column once."
            )
    for line_number, row in numbered[1:]:
        if len(row) != len(header):
            raise DataError(
                f"{path}, line {line_number}: {len(row)} fields where the header has {len(header)} (split by {name})."
            )
    return Table(header, numbered[1:], chosen, encoding or "utf-8")


def _check_header_width(path: Path, header: tuple[int, list[str]], delimiter: str, given: bool) -> None:
    """A DataError naming the header's line if ``delimiter`` does not part it into columns."""
    line, names = header
    if len(names) < 2:
        how = "the delimiter given" if given else "the delimiter (none of comma, semicolon, tab or pipe was found)"
        raise DataError(
            f"{path}, line {line}: the header has one column when split by {_plural(delimiter)}; check {how}."
        )


def _plural(delimiter: str) -> str:
    return f"{DELIMITER_NAMES[delimiter]}s" if delimiter in DELIMITER_NAMES else repr(delimiter)


def _guessed_delimiter(text: str, suffix: str) -> str:
    """A table's delimiter: the first of ``csv.Sniffer``'s guess, the file type's and the others
    to part the first rows of ``text`` into as many fields as the header has, two or more;
    failing that, the one the header holds most of, or failing that the file type's.

    The sniffer's guess is checked because it judges lines, not rows: the lines of a quoted
    field that spans several can lead it to a delimiter that only the field's prose holds.
    """
    sample = text[:SNIFF_CHARS]
    try:
        sniffed = [csv.Sniffer().sniff(sample, delimiters=GUESSED_DELIMITERS).delimiter]
    except csv.Error:
        sniffed = []
    by_type = "\t" if suffix.lower() in TAB_SUFFIXES else ","
    header = next((line for line in sample.split("\n") if line.strip()), "")
    others = sorted(GUESSED_DELIMITERS, key=header.count, reverse=True)
    candidates = list(dict.fromkeys([*sniffed, by_type, *others]))
    even = next((d for d in candidates if _parts_evenly(sample, d)), None)
    return even or (others[0] if header.count(others[0]) else by_type)


def _parts_evenly(sample: str, delimiter: str) -> bool:
    """Whether every whole row of ``sample`` has as many fields, two or more, as its first."""
    try:
        rows = [row for row in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter) if row]
    except csv.Error:
        return False
    whole = rows[:-1] if len(sample) == SNIFF_CHARS and len(rows) > 2 else rows  # the last may be cut short
    return len(whole[0]) > 1 and all(len(row) == len(whole[0]) for row in whole) if whole else False


def _csv_problem(error: str) -> str:
    """What a ``csv.Error`` means for the person who saved the table."""
    if "end of data" in error:
        return 'a quote (") opened in this row is never closed'
    if "expected after" in error:
        return (
            'a quoted field goes on after its closing quote; quote the whole field and double each quote inside it ("")'
        )
    return f"not readable as a table ({error})"


def _is_number(value: str) -> bool:
    try:
        float(value.replace(",", "."))
    except ValueError:
        return False
    return True

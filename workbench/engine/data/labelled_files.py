"""A user's own labelled data: a table of texts and labels, or CoNLL-style tagged tokens."""

from __future__ import annotations

import csv
from pathlib import Path

from ..errors import DataError
from .checks import read_text_file
from .labelled import LabelledCorpus, labelled_corpus


def table_columns(path: str | Path) -> list[str]:
    """The header of a CSV or TSV file: what the user chooses the text and label columns from."""
    path = Path(path).expanduser().absolute()
    header, _ = _read_table(path)
    return header


def load_classification_table(
    path: str | Path, text_column: str, label_column: str, level: str = "char",
    val_fraction: float = 0.1, seed: int = 0,
) -> LabelledCorpus:
    """One item per row: ``text_column`` read as characters (or words), ``label_column`` its class.

    Tab-separated when the file name ends in ``.tsv`` or ``.tab``, else comma-separated; the first
    row names the columns.
    """
    path = Path(path).expanduser().absolute()
    header, rows = _read_table(path)
    if text_column == label_column:
        raise DataError(f"{path}: the column {text_column!r} cannot be both the texts and their labels; "
                        f"choose two of {', '.join(header)}.")
    columns = []
    for role, name in (("text", text_column), ("label", label_column)):
        if name not in header:
            raise DataError(f"{path}: there is no {role} column {name!r}; the columns are {', '.join(header)}.")
        columns.append(header.index(name))
    texts, labels = [], []
    for line_number, row in rows:
        if len(row) != len(header):
            raise DataError(f"{path}, line {line_number}: {len(row)} fields where the header has {len(header)}.")
        text, label = row[columns[0]].strip(), row[columns[1]].strip()
        if not text or not label:
            missing = "text" if not text else "label"
            raise DataError(f"{path}, line {line_number}: the {missing} is empty.")
        texts.append(text if level == "char" else text.split())
        labels.append(label)
    return labelled_corpus(texts, labels, "class", str(path), path.name, level, val_fraction, seed)


def load_conll(path: str | Path, val_fraction: float = 0.1, seed: int = 0) -> LabelledCorpus:
    """Sentences of CoNLL-style ``token<TAB>tag`` lines, tagged word by word."""
    from .conll import read_conll

    path = Path(path).expanduser().absolute()
    sentences = read_conll(path)
    if len(sentences) < 2:  # one is kept for validation
        raise DataError(f"{path}: one sentence of {len(sentences[0][0]):,} tokens; a blank line ends each "
                        f"sentence, and a tagger needs at least 2.")
    tokens = [words for words, _ in sentences]
    tags = [labels for _, labels in sentences]
    return labelled_corpus(tokens, tags, "tags", str(path), path.name, "word", val_fraction, seed)


def _read_table(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the (line number, fields) of every non-blank row."""
    text = read_text_file(path)
    delimiter = "\t" if path.suffix.lower() in {".tsv", ".tab"} else ","
    try:
        rows = list(csv.reader(text.split("\n"), delimiter=delimiter))
    except csv.Error as error:
        raise DataError(f"{path}: the file is not a readable table ({error}).") from None
    numbered = [(number, row) for number, row in enumerate(rows, 1) if any(field.strip() for field in row)]
    if len(numbered) < 2:
        raise DataError(f"{path}: a header row and at least one row of data are needed.")
    header = [name.strip() for name in numbered[0][1]]
    if len(header) < 2:
        kind = "tabs" if delimiter == "\t" else "commas"
        raise DataError(f"{path}: the header has one column; columns are separated by {kind}.")
    return header, numbered[1:]

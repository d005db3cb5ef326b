"""A user's own data file, read as the kind of data the user says it is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..common.errors import DataError
from .corpus import Corpus
from .labelled_files import load_classification_table, load_conll
from .lines import load_lines_file
from .pairs import load_pairs_file
from .series import load_series_csv
from .text_streaming import load_text_file

OWN_DATA_KINDS = {
    "text": "One long text",
    "lines": "A list, one item a line",
    "table": "Labelled table (CSV or TSV)",
    "tagged": "Tagged tokens (CoNLL or CoNLL-U)",
    "pairs": "Translation pairs (TSV)",
    "series": "Time series (CSV)",
}


def load_own_data(
    path: str | Path,
    kind: str,
    level: str = "char",
    text_column: str | None = None,
    label_column: str | None = None,
    columns: list[str] | None = None,
    *,
    delimiter: str | None = None,
    encoding: str | None = None,
    val_fraction: float = 0.1,
    token_column: str = "form",
    tag_column: str = "upos",
    series_options: dict[str, Any] | None = None,
    max_words: int = 10_000,
    streaming: dict[str, Any] | None = None,
) -> Corpus:
    """``kind`` is a key of OWN_DATA_KINDS; a table also needs its text and label columns, a
    series may name its columns (default: every numeric one).

    ``delimiter`` is a table's (None: guessed); ``encoding`` None reads UTF-8; ``val_fraction``
    is the share held out for validation; ``token_column`` and ``tag_column`` choose a CoNLL-U
    file's columns (see conll.py). A series takes none of these: its options, delimiter,
    encoding and val_fraction among them, go in ``series_options``, keywords of load_series_csv.
    A text keeps at most ``max_words`` words at word level and is read as ``streaming`` says
    (the keywords of ``text_streaming.stream_text_file``: its scratch folder, progress, cancel).
    """
    if kind == "text":
        return load_text_file(path, level, val_fraction, max_words, encoding, **(streaming or {}))
    if kind == "lines":
        told = {name: value for name, value in (streaming or {}).items() if name in ("progress", "should_stop")}
        return load_lines_file(path, val_fraction=val_fraction, encoding=encoding, **told)
    if kind == "table":
        if not (text_column and label_column):
            raise DataError(f"{path}: choose the table's text column and its label column.")
        return load_classification_table(
            path, text_column, label_column, level, val_fraction=val_fraction, delimiter=delimiter, encoding=encoding
        )
    if kind == "tagged":
        return load_conll(
            path, val_fraction=val_fraction, token_column=token_column, tag_column=tag_column, encoding=encoding
        )
    if kind == "pairs":
        return load_pairs_file(path, val_fraction=val_fraction, level=level, encoding=encoding)
    if kind == "series":
        return load_series_csv(path, columns, **(series_options or {}))
    raise DataError(f"unknown kind of data {kind!r}; the kinds are {', '.join(OWN_DATA_KINDS)}.")

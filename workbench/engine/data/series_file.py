"""Reading a series CSV: its cells, its numbers and their gaps, and the columns that only count time.

A file is read as a table with a header row, rows being steps in time order. A gap (an empty
cell, NA, NaN, null) is kept as NaN until the user says how to fill it; a column that rises by
the same step every row (1700, 1701, …), or is named like an index or a date, counts time
rather than measuring anything, and is left out unless the user names it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..common.errors import DataError
from .checks import given_delimiter, read_text_file

MIN_ROWS = 10  # fewer rows than this cannot be split into a training and a validation part
MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "-"})  # cells read as missing values
DELIMITERS = (",", ";", "\t")
GAP_FILLS = ("forward", "linear", "drop")
INDEX_NAMES = frozenset({"", "index", "idx", "year", "date", "time", "timestamp", "datetime", "unnamed: 0"})
EVEN_STEP_TOLERANCE = 0.01  # steps within 1 % of each other count as one constant step


@dataclass(frozen=True)
class SeriesTable:
    """A series CSV's header and the cells of its non-blank rows."""

    path: Path
    header: tuple[str, ...]
    lines: tuple[int, ...]  # (N,) the file line each row ends on
    rows: tuple[list[str], ...]  # (N, columns) cells
    decimal_comma: bool

    def numeric_columns(self) -> list[str]:
        """The columns whose first value (gaps skipped) is a number."""
        return [name for j, name in enumerate(self.header) if self._first_value_is_number(j)]

    def numbers(self, name: str) -> np.ndarray:
        """(N,) float64 of column ``name``, NaN in its gaps; a cell that is no number is refused."""
        values, not_number = self.read_column(name)
        if not_number:
            line, cell = not_number
            raise DataError(f"{self.path}, line {line}, column {name!r}: {cell!r} is not a number.")
        if np.isnan(values).all():
            raise DataError(f"{self.path}: column {name!r} holds no values, only gaps.")
        return values

    def read_column(self, name: str) -> tuple[np.ndarray, tuple[int, str] | None]:
        """(N,) float64 of column ``name``, NaN in its gaps, and the (line, cell) of its first cell
        that is no number (None if none is)."""
        j = self.header.index(name)
        values = np.full(len(self.rows), np.nan)
        for i, row in enumerate(self.rows):
            cell = row[j].strip()
            if cell.lower() in MISSING:
                continue
            value = parse_number(cell, self.decimal_comma)
            if value is None:
                return values, (self.lines[i], cell)
            values[i] = value
        return values, None

    def _first_value_is_number(self, j: int) -> bool:
        cell = next((row[j] for row in self.rows if row[j].strip().lower() not in MISSING), None)
        return cell is not None and parse_number(cell, self.decimal_comma) is not None


@dataclass(frozen=True)
class SeriesSurvey:
    """What a user chooses from before a series is read: the columns, their gaps, the time ones."""

    header: tuple[str, ...]
    numeric: tuple[str, ...]  # columns of numbers (gaps allowed)
    unreadable: dict[str, str]  # column whose first value is a number but a later cell is not: why
    index_like: dict[str, str]  # numeric column that counts time: why it looks so
    rows: int
    gap_rows: dict[str, tuple[int, ...]]  # numeric column -> the rows (from 0) where it has a gap
    gap_lines: dict[str, int]  # numeric column with gaps -> the file line of its first gap

    @property
    def default_columns(self) -> tuple[str, ...]:
        return tuple(name for name in self.numeric if name not in self.index_like)

    def gaps(self, columns: tuple[str, ...]) -> int:
        """Empty cells in ``columns``."""
        return sum(len(self.gap_rows.get(name, ())) for name in columns)

    def steps_after(self, columns: tuple[str, ...], fill: str | None) -> int:
        """Rows left once the gaps in ``columns`` are filled (or, with ``drop``, their rows dropped)."""
        if fill != "drop":
            return self.rows
        return self.rows - len(set().union(*(self.gap_rows.get(name, ()) for name in columns)))


def read_series_table(path: Path, delimiter: str | None = None, encoding: str | None = None) -> SeriesTable:
    """The table in ``path``; ``delimiter`` None takes whichever of comma, semicolon and tab the
    header holds most of, and with semicolons a decimal comma is accepted."""
    delimiter = given_delimiter(path, delimiter)
    text = read_text_file(path, encoding)  # which checks the encoding first
    if delimiter is None:
        header_line = next(line for line in text.split("\n") if line.strip())
        delimiter = max(DELIMITERS, key=header_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        rows = [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as error:
        raise DataError(f"{path}, line {reader.line_num}: not readable as CSV ({error}).") from None
    header = tuple(name.strip() for name in rows[0][1])
    body = rows[1:]
    if len(body) < MIN_ROWS:
        raise DataError(f"{path}: a series needs at least {MIN_ROWS} rows of values; found {len(body)}.")
    for line, row in body:
        if len(row) != len(header):
            raise DataError(f"{path}, line {line}: {len(row)} values, but the header names {len(header)} columns.")
    lines, cells = zip(*body)
    return SeriesTable(path, header, lines, cells, delimiter == ";")


def survey_table(table: SeriesTable) -> SeriesSurvey:
    numeric, unreadable, index_like, gap_rows, gap_lines = [], {}, {}, {}, {}
    for name in table.numeric_columns():
        values, not_number = table.read_column(name)
        if not_number:
            unreadable[name] = f"line {not_number[0]}: {not_number[1]!r} is not a number"
            continue
        numeric.append(name)
        reason = index_reason(name, values)
        if reason:
            index_like[name] = reason
        gaps = np.flatnonzero(np.isnan(values))
        if len(gaps):
            gap_rows[name], gap_lines[name] = tuple(gaps.tolist()), table.lines[gaps[0]]
    return SeriesSurvey(table.header, tuple(numeric), unreadable, index_like, len(table.rows), gap_rows, gap_lines)


def index_reason(name: str, values: np.ndarray) -> str | None:
    """Why column ``name`` with ``values`` (N,) looks like it counts time, or None."""
    steps = np.diff(values)  # (N - 1,)
    if not np.isnan(values).any() and (steps > 0).all():
        if np.abs(steps - steps[0]).max() <= EVEN_STEP_TOLERANCE * steps[0]:
            return f"it rises by {steps[0]:g} every row, like an index or a date"
    if name.strip().lower() in INDEX_NAMES:
        return f"named {name!r}, like an index or a date" if name.strip() else "no name, like an index"
    return None


def choose_columns(table: SeriesTable, wanted: list[str] | None) -> tuple[list[str], str]:
    """The columns to model, and the numeric ones left out because they count time, with why ("" if none)."""
    path, header = table.path, table.header
    if wanted is None:
        numeric = table.numeric_columns()
        if not numeric:
            raise DataError(f"{path}: no column holds numbers in its first row; the columns are {', '.join(header)}.")
        reasons = {name: index_reason(name, table.numbers(name)) for name in numeric}
        chosen = [name for name in numeric if not reasons[name]]
        if not chosen:
            raise DataError(
                f"{path}: every column of numbers counts time ({_reasons(reasons)}); name the columns to model."
            )
        return chosen, _reasons(reasons)
    if not wanted:
        raise DataError(f"{path}: choose at least one column to model.")
    for name in wanted:
        if name not in header:
            raise DataError(f"{path}: no column named {name!r}; the columns are {', '.join(header)}.")
    if len(set(wanted)) != len(wanted):
        raise DataError(f"{path}: a column is chosen twice.")
    return list(wanted), ""


def _reasons(reasons: dict[str, str | None]) -> str:
    return "; ".join(f"{name} ({reason})" for name, reason in reasons.items() if reason)


def fill_gaps(
    table: SeriesTable, columns: list[str], values: np.ndarray, fill: str | None
) -> tuple[np.ndarray, str | None]:
    """``values`` (N, F) of ``columns`` with their NaN gaps filled -> (N', F), and a note of what was done.

    ``forward`` carries the last value on (gaps before the first value take the first one),
    ``linear`` draws straight lines between the values either side of a gap (counted in rows, not
    in time; at the ends the nearest value holds), ``drop`` leaves out every row with a gap, so
    the steps left are no longer evenly spaced in time. None refuses the first gap.
    """
    gaps = np.isnan(values)  # (N, F)
    total = int(gaps.sum())
    if not total:
        return values, None
    if fill is None:
        row, column = np.argwhere(gaps)[0]
        raise DataError(
            f"{table.path}, line {table.lines[row]}, column {columns[column]!r}: the value is missing "
            f"({total} gap{'s' * (total > 1)} in all); choose how to fill the gaps: fill 'forward' (the value "
            f"before), 'linear' (a straight line across) or 'drop' (leave those rows out), --fill on the command line."
        )
    counts = ", ".join(f"{name}: {count}" for name, count in zip(columns, gaps.sum(0)) if count)
    if fill == "drop":
        keep = ~gaps.any(1)
        dropped = len(values) - int(keep.sum())
        return values[keep], (
            f"Dropped {dropped} row{'s' * (dropped > 1)} with a gap ({counts}); the steps left "
            "are not evenly spaced in time."
        )
    rows = np.arange(len(values))
    filled = values.copy()
    for j in range(values.shape[1]):
        known = ~gaps[:, j]
        if fill == "linear":
            filled[:, j] = np.interp(rows, rows[known], values[known, j])
        else:
            last_known = np.maximum.accumulate(np.where(known, rows, -1))  # (N,) -1 before the first value
            filled[:, j] = values[np.where(last_known < 0, rows[known][0], last_known), j]
    how = "carrying the value before forward" if fill == "forward" else "drawing straight lines across them"
    return filled, f"Filled {total} gap{'s' * (total > 1)} ({counts}) by {how}."


def check_fill(fill: str | None) -> None:
    if fill is not None and fill not in GAP_FILLS:
        raise DataError(f"the gap fill must be one of {', '.join(GAP_FILLS)}, not {fill!r}.")


def parse_number(cell: str, decimal_comma: bool) -> float | None:
    """The finite number ``cell`` holds, or None."""
    cell = cell.strip()
    if decimal_comma and "," in cell and "." not in cell:
        cell = cell.replace(",", ".")
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if np.isfinite(value) else None

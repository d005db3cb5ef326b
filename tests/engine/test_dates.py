"""The dates generator: true weekdays, one documented reading of every written date, seeds."""

from __future__ import annotations

import datetime
import re

import numpy as np
import pytest

from workbench.engine.data.dates import FORMATS, WEEKDAYS, date_pairs, ordinal, write_date

# strptime patterns for each format (ordinal suffixes removed first), in the order the module's
# documented convention reads them: day-first numbers before the month-first US form.
PATTERNS = {
    "Weekday, d Month yyyy": "%A, %d %B %Y",
    "Wkd d Mon yyyy": "%a %d %b %Y",
    "Weekday, Month d, yyyy": "%A, %B %d, %Y",
    "Weekday dth Month yyyy": "%A %d %B %Y",
    "d Month yyyy": "%d %B %Y",
    "d Mon yyyy": "%d %b %Y",
    "Month d, yyyy": "%B %d, %Y",
    "Mon dth yyyy": "%b %d %Y",
    "Mon. d, 'yy": "%b. %d, '%y",
    "the dth of Month, yyyy": "the %d of %B, %Y",
    "dth of Month yyyy": "%d of %B %Y",
    "d-Mon-yy": "%d-%b-%y",
    "yyyy Mon d": "%Y %b %d",
    "d/m/yyyy": "%d/%m/%Y",
    "dd/mm/yy": "%d/%m/%y",
    "d.m.yyyy": "%d.%m.%Y",
    "d-m-yyyy": "%d-%m-%Y",
    "yyyy/m/d": "%Y/%m/%d",
    "yyyymmdd": "%Y%m%d",
    "m/d/yyyy (days 13-31)": "%m/%d/%Y",
}
ORDINAL = re.compile(r"\b(\d{1,2})(st|nd|rd|th)\b", re.IGNORECASE)


def parse(text: str, pattern: str) -> datetime.date:
    """``text`` read by ``pattern``, two-digit years pivoting at 50 as the module documents."""
    date = datetime.datetime.strptime(ORDINAL.sub(r"\1", text), pattern).date()
    if "%y" in pattern and date.year >= 2050:  # strptime's pivot is 69
        date = date.replace(year=date.year - 100)
    return date


def read_by_convention(text: str) -> datetime.date:
    """The first pattern that reads ``text``: day first wins over month first."""
    for pattern in PATTERNS.values():
        try:
            return parse(text, pattern)
        except ValueError:
            continue
    raise AssertionError(f"no pattern reads {text!r}")


def test_every_format_has_a_pattern():
    assert set(PATTERNS) == {form.name for form in FORMATS}
    assert len(FORMATS) >= 15


@pytest.mark.parametrize("form", FORMATS, ids=lambda form: form.name)
def test_every_format_reads_back_to_its_date(form):
    rng = np.random.default_rng(7)
    first = datetime.date(1950, 1, 1)
    for offset in rng.integers(0, 36525, 60).tolist():
        date = first + datetime.timedelta(days=offset)
        if form.us_order and date.day < 13:
            continue
        for pad in (False, True):
            for case in (str, str.lower, str.upper):
                text = write_date(date, form, pad, case)
                assert parse(text, PATTERNS[form.name]) == date, text


def test_pairs_read_back_by_the_documented_convention_with_true_weekdays():
    pairs = date_pairs(3000, seed=1)
    weekdays = {name.lower(): i for i, name in enumerate(WEEKDAYS)} | {
        name[:3].lower(): i for i, name in enumerate(WEEKDAYS)
    }
    named = 0
    for text, iso in pairs:
        date = datetime.date.fromisoformat(iso)
        assert datetime.date(1950, 1, 1) <= date <= datetime.date(2049, 12, 31)
        assert read_by_convention(text) == date, text
        first_word = text.split()[0].rstrip(",").lower()
        if first_word in weekdays:
            assert weekdays[first_word] == date.weekday(), text
            named += 1
    assert named > 300  # four of twenty formats name the weekday


def test_ambiguous_numbers_are_day_first():
    date = datetime.date(2026, 4, 3)
    day_first = next(form for form in FORMATS if form.name == "d/m/yyyy")
    assert write_date(date, day_first, pad=True) == "03/04/2026"
    month_first = 0
    for text, iso in date_pairs(3000, seed=2):
        if re.fullmatch(r"\d+/\d+/\d{4}", text):
            first, second, _ = (int(part) for part in text.split("/"))
            date = datetime.date.fromisoformat(iso)
            if (first, second) != (date.day, date.month):
                assert (first, second) == (date.month, date.day) and second > 12, text
                month_first += 1
    assert month_first > 50


def test_pairs_are_deterministic_distinct_and_varied():
    pairs = date_pairs(2000, seed=3)
    assert pairs == date_pairs(2000, seed=3)
    assert pairs != date_pairs(2000, seed=4)
    assert len({text for text, _ in pairs}) == 2000
    assert any(text.isupper() for text, _ in pairs) and any(text.islower() for text, _ in pairs)
    years = [int(iso[:4]) for _, iso in pairs]
    assert min(years) < 1955 and max(years) > 2044


def test_ordinals():
    assert [ordinal(day) for day in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 30, 31)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
        "23rd",
        "30th",
        "31st",
    ]


def test_the_example_of_the_issue():
    sunday = datetime.date(2026, 11, 22)
    assert sunday.weekday() == 6
    written = {form.name: write_date(sunday, form, pad=False) for form in FORMATS}
    assert written["Weekday, d Month yyyy"] == "Sunday, 22 November 2026"
    assert written["dd/mm/yy"] == "22/11/26"
    assert written["Mon dth yyyy"] == "Nov 22nd 2026"
    assert written["m/d/yyyy (days 13-31)"] == "11/22/2026"

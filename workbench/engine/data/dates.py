"""Generated pairs of a date written by a person and the same date in ISO 8601 (``2026-11-22``).

Every date lies in 1950–2049 and is written in one of ``FORMATS``, chosen at random, with random
zero padding of numbers and, where names are spelt out, random case ("NOV", "nov"). Weekday
names are always the date's true weekday. Names are English and written here, not taken from
the locale, so a seed gives the same pairs on every machine.

Conventions, so that every input has exactly one answer:

- Numbers with the year last are day first (``03/04/2026`` is 3 April 2026), as in most of the
  world. The one month-first form, ``m/d/yyyy`` (US), is only written for days 13–31, where
  the second number cannot be a month: ``11/22/2026`` is 22 November, never ambiguous.
- Numbers with a four-digit year first are year, month, day (``2026/11/22``, ``20261122``).
- A two-digit year ``yy`` is 19yy from 50 to 99 and 20yy from 00 to 49, which covers exactly
  the years generated (a pivot of 50, not POSIX ``strptime``'s 69).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

FIRST_DAY = datetime.date(1950, 1, 1)
LAST_DAY = datetime.date(2049, 12, 31)
FIRST_UNAMBIGUOUS_US_DAY = 13  # m/d/yyyy is only written when d cannot be a month

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def ordinal(day: int) -> str:
    """1st, 2nd, 3rd, 4th, ... 11th, 12th, 13th, ... 21st, 22nd, 23rd, ... 31st."""
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


@dataclass(frozen=True)
class Parts:
    """The pieces of one date a format writes, with the random padding already chosen."""

    date: datetime.date
    pad: bool  # numbers below 10 written with a leading zero

    @property
    def d(self) -> str:
        return f"{self.date.day:02d}" if self.pad else str(self.date.day)

    @property
    def m(self) -> str:
        return f"{self.date.month:02d}" if self.pad else str(self.date.month)

    @property
    def yyyy(self) -> str:
        return f"{self.date.year:04d}"

    @property
    def yy(self) -> str:
        return f"{self.date.year % 100:02d}"

    @property
    def month(self) -> str:
        return MONTHS[self.date.month - 1]

    @property
    def mon(self) -> str:
        return self.month[:3]

    @property
    def weekday(self) -> str:
        return WEEKDAYS[self.date.weekday()]

    @property
    def wkd(self) -> str:
        return self.weekday[:3]

    @property
    def nth(self) -> str:
        return ordinal(self.date.day)


@dataclass(frozen=True)
class DateFormat:
    name: str  # a pattern for people: "Weekday, d Month yyyy"
    write: Callable[[Parts], str]
    has_names: bool  # spells out a month or weekday name, so case may vary
    us_order: bool = False  # month first: only written for days that cannot be months


FORMATS: tuple[DateFormat, ...] = (
    DateFormat("Weekday, d Month yyyy", lambda p: f"{p.weekday}, {p.date.day} {p.month} {p.yyyy}", True),
    DateFormat("Wkd d Mon yyyy", lambda p: f"{p.wkd} {p.date.day} {p.mon} {p.yyyy}", True),
    DateFormat("Weekday, Month d, yyyy", lambda p: f"{p.weekday}, {p.month} {p.date.day}, {p.yyyy}", True),
    DateFormat("Weekday dth Month yyyy", lambda p: f"{p.weekday} {p.nth} {p.month} {p.yyyy}", True),
    DateFormat("d Month yyyy", lambda p: f"{p.date.day} {p.month} {p.yyyy}", True),
    DateFormat("d Mon yyyy", lambda p: f"{p.d} {p.mon} {p.yyyy}", True),
    DateFormat("Month d, yyyy", lambda p: f"{p.month} {p.date.day}, {p.yyyy}", True),
    DateFormat("Mon dth yyyy", lambda p: f"{p.mon} {p.nth} {p.yyyy}", True),
    DateFormat("Mon. d, 'yy", lambda p: f"{p.mon}. {p.date.day}, '{p.yy}", True),
    DateFormat("the dth of Month, yyyy", lambda p: f"the {p.nth} of {p.month}, {p.yyyy}", True),
    DateFormat("dth of Month yyyy", lambda p: f"{p.nth} of {p.month} {p.yyyy}", True),
    DateFormat("d-Mon-yy", lambda p: f"{p.d}-{p.mon}-{p.yy}", True),
    DateFormat("yyyy Mon d", lambda p: f"{p.yyyy} {p.mon} {p.date.day}", True),
    DateFormat("d/m/yyyy", lambda p: f"{p.d}/{p.m}/{p.yyyy}", False),
    DateFormat("dd/mm/yy", lambda p: f"{p.date.day:02d}/{p.date.month:02d}/{p.yy}", False),
    DateFormat("d.m.yyyy", lambda p: f"{p.d}.{p.m}.{p.yyyy}", False),
    DateFormat("d-m-yyyy", lambda p: f"{p.d}-{p.m}-{p.yyyy}", False),
    DateFormat("yyyy/m/d", lambda p: f"{p.yyyy}/{p.m}/{p.d}", False),
    DateFormat("yyyymmdd", lambda p: f"{p.yyyy}{p.date.month:02d}{p.date.day:02d}", False),
    DateFormat("m/d/yyyy (days 13-31)", lambda p: f"{p.m}/{p.date.day}/{p.yyyy}", False, us_order=True),
)

CASES = (str, str.lower, str.upper)  # as written, all lower case, all upper case
CASE_WEIGHTS = (0.6, 0.3, 0.1)


def write_date(date: datetime.date, form: DateFormat, pad: bool, case: Callable[[str], str] = str) -> str:
    """``date`` as ``form`` writes it; ``case`` applies only to formats that spell out names."""
    text = form.write(Parts(date, pad))
    return case(text) if form.has_names else text


def date_pairs(count: int, seed: int) -> list[tuple[str, str]]:
    """``count`` distinct (human date, ISO date) pairs, the same for the same seed.

    Sources are distinct so that a random split never puts one written date in both training
    and validation. A month-first draw of a day below 13 is dropped and drawn again.
    """
    rng = np.random.default_rng(seed)
    span = (LAST_DAY - FIRST_DAY).days + 1
    pairs: dict[str, str] = {}
    while len(pairs) < count:
        need = count - len(pairs)
        forms, days = rng.integers(len(FORMATS), size=need), rng.integers(span, size=need)
        pads, cases = rng.integers(2, size=need), rng.choice(len(CASES), size=need, p=CASE_WEIGHTS)
        for form_index, day, pad, case in zip(forms.tolist(), days.tolist(), pads.tolist(), cases.tolist()):
            form, date = FORMATS[form_index], FIRST_DAY + datetime.timedelta(days=day)
            if form.us_order and date.day < FIRST_UNAMBIGUOUS_US_DAY:
                continue
            pairs.setdefault(write_date(date, form, bool(pad), CASES[case]), date.isoformat())
    return list(pairs.items())

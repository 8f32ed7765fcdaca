"""Build time spans: inclusive bounds as xsd:dateTime, plus schema.org date literals."""

from __future__ import annotations

import calendar
import re
from dataclasses import replace
from datetime import date, timedelta
from functools import lru_cache

from .model import TimeSpan


def _y(year: int) -> str:
    return f"-{abs(year):04d}" if year < 0 else f"{year:04d}"


def begin(year: int, month: int | None = None, day: int | None = None) -> str:
    return f"{_y(year)}-{month or 1:02d}-{day or 1:02d}T00:00:00Z"


@lru_cache(maxsize=4096)
def month_days(year: int, month: int) -> int:
    """Days in a month (1-12) of a year (Gregorian; February of a year before 1 has 29)."""
    # calendar has no year 0 or negatives; February length is all that varies
    return calendar.monthrange(year if year > 0 else 4, month)[1]


def end(year: int, month: int | None = None, day: int | None = None) -> str:
    m = month or 12
    if day:
        d = day
    else:
        d = month_days(year, m)
    return f"{_y(year)}-{m:02d}-{d:02d}T23:59:59Z"


def schema_date(year: int, month: int | None = None, day: int | None = None) -> str:
    """The most precise xsd:gYear / gYearMonth / date lexical form."""
    if month and day:
        return f"{_y(year)}-{month:02d}-{day:02d}"
    if month:
        return f"{_y(year)}-{month:02d}"
    return _y(year)


def span(y1: int, y2: int | None = None, *, m1: int | None = None, d1: int | None = None,
         m2: int | None = None, d2: int | None = None, label: str | None = None,
         qualifier: str | None = None) -> TimeSpan:
    """A span from start to end (end defaults to the start's own year/month/day). Its schema.org date is
    given only when start and end name one year, month or day: a range is not its start."""
    if y2 is None:
        y2, m2, d2 = y1, m1, d1
    if (y2, m2 or 12, d2 or 31) < (y1, m1 or 1, d1 or 1):
        y1, y2, m1, m2, d1, d2 = y2, y1, m2, m1, d2, d1
    one = (y1, m1, d1) == (y2, m2, d2)
    return TimeSpan(label=label, begin=begin(y1, m1, d1), end=end(y2, m2, d2),
                    schema_date=schema_date(y1, m1, d1) if one else None, qualifier=qualifier)


_CENT = r"(\d{1,2})(?:e|er|ème)"
_FRACTIONS = {
    "1ère moitié": (0, 50), "1re moitié": (0, 50), "2e moitié": (50, 100), "milieu": (40, 60),
    "1er quart": (0, 25), "2e quart": (25, 50), "3e quart": (50, 75), "4e quart": (75, 100),
    "1er tiers": (0, 33), "2e tiers": (33, 66), "3e tiers": (66, 100), "début": (0, 20), "fin": (80, 100),
}


def century(label: str) -> TimeSpan | None:
    """See _century; a century is too vague for a schema.org date, so none is given."""
    # no phrase is that long: a huge label is neither parsed nor held by the cache
    return _century_span(label) if len(label) <= 200 else None


@lru_cache(maxsize=4096)  # few distinct phrases; TimeSpan is immutable
def _century_span(label: str) -> TimeSpan | None:
    ts = _century(label)
    return replace(ts, schema_date=None) if ts else None


def _century(label: str) -> TimeSpan | None:
    """French century phrases: '18e siècle', '17e-18e siècle', '1er quart du 18e siècle', 'Milieu du 18e siècle'."""
    text = label.strip().lower()
    m = re.fullmatch(rf"{_CENT}\s*-\s*{_CENT} siècles?", text)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        return span((a - 1) * 100 + 1, b * 100, label=label)
    m = re.fullmatch(rf"(?:(.+?) du )?{_CENT} siècle(?: av\. j\.-c\.)?", text)
    if not m:
        return None
    n = int(m.group(2))
    bc = text.endswith("av. j.-c.")
    start = (n - 1) * 100 + 1
    lo, hi = 1, 100
    if m.group(1):
        frac = _FRACTIONS.get(m.group(1).strip())
        if frac is None:
            return None
        lo, hi = frac[0] + 1 if frac[0] else 1, frac[1]
    if bc:  # 2e siècle av. J.-C. = -200..-101 (no year 0 in labels)
        return span(-(n * 100) + lo - 1, -(n * 100) + hi - 1, label=label)
    return span(start + lo - 1, start + hi - 1, label=label)


# --- calendars ---------------------------------------------------------------------------------
# The tabular (arithmetic) Islamic calendar, civil epoch: 1 Muharram 1 AH is Julian day number 1948440
# (16 July 622 Julian, 19 July 622 proleptic Gregorian). The months actually observed could begin a day or
# two either side of the tabular ones, so a converted span is widened by HIJRI_MARGIN days at each end:
# begin_of_the_begin / end_of_the_end are outer bounds, never a claim to the day.
HIJRI_MARGIN = 2
_JDN_ORDINAL = 1721425  # date.fromordinal(jdn - this) is the proleptic Gregorian date of a Julian day number


def _hijri_new_year(year: int) -> int:
    """Julian day number of 1 Muharram of a Hijri year (tabular calendar)."""
    return (year - 1) * 354 + (3 + 11 * year) // 30 + 1948440


@lru_cache(maxsize=1024)
def hijri_span(y1: int, y2: int | None = None, *, label: str | None = None) -> TimeSpan:
    """The Gregorian span of Hijri years y1..y2 (inclusive). A Hijri year is 354 or 355 days: it always
    straddles two Gregorian years (1300 AH is 12 Nov 1882 to 1 Nov 1883), so the span has no schema.org
    date (never one Gregorian year)."""
    last = y1 if y2 is None else y2
    first = date.fromordinal(_hijri_new_year(y1) - _JDN_ORDINAL) - timedelta(days=HIJRI_MARGIN)
    final = date.fromordinal(_hijri_new_year(last + 1) - 1 - _JDN_ORDINAL) + timedelta(days=HIJRI_MARGIN)
    return TimeSpan(label=label, begin=f"{first.isoformat()}T00:00:00Z", end=f"{final.isoformat()}T23:59:59Z",
                    schema_date=None)

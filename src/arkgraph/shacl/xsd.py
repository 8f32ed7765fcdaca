"""XSD literals: which lexical forms are well-formed (sh:datatype), and how values compare (sh:minInclusive
and the other range components, sh:lessThan, sh:lessThanOrEquals), as SPARQL's operators do.

Hand-written: rdflib's conversions accept forms XSD does not (Python's ``fromisoformat`` takes
``2020-01-01 10:00``) and miss range limits (``"300"^^xsd:byte``), and its ordering of literals of different
types is not SPARQL's (which makes them incomparable); no small well-kept library does XSD's lexical spaces.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from .terms import LANGSTRING, XSD, XSD_STRING, is_literal, literal_parts

_INTEGER_RANGES: dict[str, tuple[int | None, int | None]] = {
    "integer": (None, None), "long": (-2**63, 2**63 - 1), "int": (-2**31, 2**31 - 1), "short": (-2**15, 2**15 - 1),
    "byte": (-128, 127), "nonNegativeInteger": (0, None), "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0), "negativeInteger": (None, -1), "unsignedLong": (0, 2**64 - 1),
    "unsignedInt": (0, 2**32 - 1), "unsignedShort": (0, 2**16 - 1), "unsignedByte": (0, 2**8 - 1)}
INTEGERS = {XSD + t: r for t, r in _INTEGER_RANGES.items()}

_TZ = r"(Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
_YEAR = r"(-?(?:[1-9][0-9]{3,}|0[0-9]{3}))"
_DATE = _YEAR + r"-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_TIME = r"(?:([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9](?:\.[0-9]+)?)|(24):(00):(00(?:\.0+)?))"
_FORMS = {
    "dateTime": re.compile(f"{_DATE}T{_TIME}{_TZ}?"),
    "dateTimeStamp": re.compile(f"{_DATE}T{_TIME}{_TZ}"),
    "date": re.compile(f"{_DATE}{_TZ}?"),
    "time": re.compile(f"{_TIME}{_TZ}?"),
    "gYear": re.compile(f"{_YEAR}{_TZ}?"),
    "gYearMonth": re.compile(f"{_YEAR}-(0[1-9]|1[0-2]){_TZ}?"),
    "gMonth": re.compile(f"--(0[1-9]|1[0-2]){_TZ}?"),
    "gDay": re.compile(f"---(0[1-9]|[12][0-9]|3[01]){_TZ}?"),
    "gMonthDay": re.compile(f"--(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]){_TZ}?"),
    "duration": re.compile(r"-?P(?=[0-9T])(?:[0-9]+Y)?(?:[0-9]+M)?(?:[0-9]+D)?"
                           r"(?:T(?=[0-9])(?:[0-9]+H)?(?:[0-9]+M)?(?:[0-9]+(?:\.[0-9]+)?S)?)?"),
    "boolean": re.compile("true|false|1|0"),
    "decimal": re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"),
    "float": re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?INF|NaN"),
    "hexBinary": re.compile("(?:[0-9a-fA-F]{2})*"),
    "base64Binary": re.compile(r"(?:(?:[A-Za-z0-9+/] ?){4})*(?:(?:[A-Za-z0-9+/] ?){3}=|(?:[A-Za-z0-9+/] ?){2}= ?=)?"),
    "language": re.compile("[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*"),
    "normalizedString": re.compile("[^\r\n\t]*"),
    "token": re.compile("(?:[^\r\n\t ]+(?: [^\r\n\t ]+)*)?"),
}
_FORMS["double"] = _FORMS["float"]
_INTEGER_FORM = re.compile(r"[+-]?[0-9]+")
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)  # proleptic Gregorian; year 0 is 1 BCE (XSD 1.1)


def _day_exists(year: str, month: str, day: str) -> bool:
    y, m, d = int(year), int(month), int(day)
    return d <= _DAYS[m - 1] and not (m == 2 and d == 29 and not _leap(y))


@lru_cache(maxsize=100_000)
def well_formed(lex: str, datatype: str) -> bool:
    """Is ``lex`` in the lexical space of ``datatype``? Datatypes arkgraph does not know are taken as well formed."""
    if datatype == XSD_STRING or datatype == XSD + "anyURI":
        return True
    if datatype in INTEGERS:
        if not _INTEGER_FORM.fullmatch(lex):
            return False
        low, high = INTEGERS[datatype]
        n = int(lex)
        return (low is None or n >= low) and (high is None or n <= high)
    if not datatype.startswith(XSD):
        return True
    form = _FORMS.get(datatype[len(XSD):])
    if form is None:
        return True
    m = form.fullmatch(lex)
    if m is None:
        return False
    if datatype[len(XSD):] in ("dateTime", "dateTimeStamp", "date"):
        return _day_exists(m.group(1), m.group(2), m.group(3))
    if datatype == XSD + "gMonthDay":
        return _day_exists("2000", m.group(1), m.group(2))
    return True


# -- ordering -----------------------------------------------------------------------------------

def _days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (any year)."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _tz_minutes(tz: str | None) -> int | None:
    if not tz:
        return None
    if tz == "Z":
        return 0
    sign = -1 if tz[0] == "-" else 1
    return sign * (int(tz[1:3]) * 60 + int(tz[4:6]))


def _seconds(days: int, hh: str | None, mm: str | None, ss: str | None, tz: str | None) -> Decimal:
    secs = Decimal(days * 86400) + int(hh or 0) * 3600 + int(mm or 0) * 60 + Decimal(ss or 0)
    off = _tz_minutes(tz)
    return secs - off * 60 if off is not None else secs


def _time_groups(m: re.Match[str], first: int) -> tuple[str, str, str]:
    g = m.groups()
    if g[first] is not None:
        return g[first], g[first + 1], g[first + 2]
    return g[first + 3], g[first + 4], g[first + 5]


@lru_cache(maxsize=100_000)
def order_key(term: str) -> tuple[str, Any] | None:
    """What SPARQL's ``<`` compares: (kind, value), or None for a term it cannot order (IRIs, blank nodes,
    language-tagged strings, ill-formed literals, datatypes without an order). Dates and times carry
    whether they have a timezone: one with and one without are not compared (their order is indeterminate)."""
    if not is_literal(term):
        return None
    lex, lang, dt = literal_parts(term)
    if lang is not None or dt == LANGSTRING:
        return None
    if dt is None or dt == XSD_STRING:
        return ("string", lex)
    if not well_formed(lex, dt):
        return None
    try:
        if dt in INTEGERS:
            return ("number", int(lex))
        if dt == XSD + "decimal":
            return ("number", Decimal(lex))
        if dt in (XSD + "float", XSD + "double"):
            v = float(lex)
            return None if v != v else ("number", v)  # NaN is not ordered
    except (ValueError, InvalidOperation):
        return None
    name = dt[len(XSD):] if dt.startswith(XSD) else ""
    if name == "boolean":
        return ("boolean", lex in ("true", "1"))
    if name in ("dateTime", "dateTimeStamp"):
        m = _FORMS["dateTime"].fullmatch(lex)
        assert m is not None
        hh, mm, ss = _time_groups(m, 3)
        tz = m.group(10)
        days = _days_from_civil(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        return ("dateTime" + ("Z" if tz else ""), _seconds(days, hh, mm, ss, tz))
    if name == "date":
        m = _FORMS["date"].fullmatch(lex)
        assert m is not None
        tz = m.group(4)
        days = _days_from_civil(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        return ("date" + ("Z" if tz else ""), _seconds(days, None, None, None, tz))
    if name == "time":
        m = _FORMS["time"].fullmatch(lex)
        assert m is not None
        hh, mm, ss = _time_groups(m, 0)
        tz = m.group(7)
        return ("time" + ("Z" if tz else ""), _seconds(0, hh, mm, ss, tz))
    return None


def compare(a: str, b: str) -> int | None:
    """SPARQL's order of two terms: -1, 0 or 1, or None where ``a < b`` is an error (they cannot be compared)."""
    ka, kb = order_key(a), order_key(b)
    if ka is None or kb is None or ka[0] != kb[0]:
        return None
    va, vb = ka[1], kb[1]
    return -1 if va < vb else 1 if va > vb else 0

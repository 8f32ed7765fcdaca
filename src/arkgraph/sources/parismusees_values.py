"""Reading Paris Musées' JSON values for the mapper (``parismusees.Mapper``): text (HTML stripped),
integers and ids, flags, taxonomy terms and names, dimensions, dates (to ``TimeSpan``) and the
acquisition credit line. Each reader takes the value and its key, returns a plain value or None when
absent, and raises ``RecordError`` naming the key when the value has a form the API never gives.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import quote

from .. import dates
from ..errors import RecordError
from ..model import Agent, TimeSpan
from .graphql import field as _field
from .graphql import items as _items
from .graphql import name_of
from .graphql import unwrap as _unwrap

_MISSING = object()
_UNKNOWN_MODE = "Mode d'acquisition inconnu"  # the source's term; no credit line begins with it


def _what(v: Any) -> str:
    """A JSON value, as a reject reason names it (short: the value may be huge)."""
    t = type(v)
    if t is dict:
        return "a JSON object"
    if t is list:
        return "a JSON array"
    if t is bool:
        return f"JSON {str(v).lower()}"
    if t is str:
        return f"the string {v[:40]!r}" + ("…" if len(v) > 40 else "")
    text = repr(v)
    return f"the number {text[:20]}" + ("…" if len(text) > 20 else "")


def _bad(key: str, problem: str) -> RecordError:
    return RecordError(f"{key}: {problem}")


def _scalar_text(v: Any, key: str) -> str | None:
    """A string, or a number written as text; None when absent. Anything else is a reject."""
    t = type(v)
    if t is str:
        return v
    if v is None:
        return None
    if t is int:
        return str(v)
    if t is float and v - v == 0:  # finite (inf - inf and nan - nan are nan)
        return repr(v)
    raise _bad(key, f"expected text, got {_what(v)}")


_TEXT_KEYS = frozenset(("value", "processed", "format", "summary"))


def _text(v: Any, key: str) -> str | None:
    """Formatted text {value, format, processed} or a plain string → plain text (HTML stripped)."""
    if type(v) is not str:
        if type(v) is dict:
            v = _unwrap(v)
            if type(v) is list:  # a queryField envelope: its items
                v = _items(v)
            if type(v) is dict:
                if v and not (v.keys() & _TEXT_KEYS):
                    raise _bad(key, "expected text, got a JSON object without value or processed")
                v = v.get("value") if v.get("value") not in (None, "") else v.get("processed")
        v = _scalar_text(v, key)
        if v is None:
            return None
    s = v
    if "<" in s or "&" in s:
        # tags become spaces (block tags separate words); none before a closing full stop or comma
        s = _SPACE_PUNCT.sub(r"\1", html.unescape(_strip_tags(s)))
    if "  " in s or "\n" in s or "\t" in s or "\r" in s or "\xa0" in s:
        s = _SPACES.sub(" ", s)
    return s.strip() or None


def _strip_tags(s: str) -> str:
    """Each ``<…>`` becomes a space. Linear: past the last '>' no tag can end, and a '<' there
    would make the regex scan to the end of the text, once per '<' (``"x < y " * 166666``)."""
    end = s.rfind(">") + 1
    return _TAG.sub(" ", s[:end]) + s[end:] if end else s


_TAG = re.compile(r"<[^>]+>")
_SPACE_PUNCT = re.compile(r"(?<!\s)\s++([.,)])")  # from a run's start only, no backtracking: linear
_SPACES = re.compile(r"\s+")


# -- reading the API's JSON ------------------------------------------------------------
# Without a coverage report the JSON is read as it came: the accessors unwrap the GraphQL variants
# (graphql.unwrap/field/items) where the mapper looks. On normalized JSON they change nothing.


def _node(d: dict[str, Any], key: str) -> dict[str, Any] | None:
    """The dict at ``key``; queryFieldX gives a list even for one value: take the first."""
    v = _field(d, key)
    if type(v) is dict or v is None:
        return v
    if type(v) is list:
        v = _items(v)
        if not v:
            return None
        v = v[0]
        if type(v) is dict:
            return v
    raise _bad(key, f"expected an object, got {_what(v)}")


def _nodes(d: dict[str, Any], key: str) -> list[dict[str, Any]]:
    v = _field(d, key)
    if type(v) is dict:
        return [v]
    if v is None:
        return []
    if type(v) is not list:
        raise _bad(key, f"expected a list of objects, got {_what(v)}")
    v = _items(v)
    for x in v:
        if type(x) is not dict:
            raise _bad(key, f"expected a list of objects, got {_what(x)} in it")
    return v


def _name(d: dict[str, Any] | None) -> str | None:
    if d is None:
        return None
    v = name_of(d)
    if v is None or v == "":
        return None
    return (v if type(v) is str else _scalar_text(v, "name")).strip() or None  # type: ignore[union-attr]


def _label(d: dict[str, Any], key: str) -> str | None:
    """A single-valued term field's label (its term id not read)."""
    return _term(d, key, ids=False)[0]


def _labels(d: dict[str, Any], key: str) -> list[str]:
    """The ``name`` of each item of a multi-valued term field."""
    return [t for t, _ in _terms(d, key, ids=False)]


def _alias(qualifier: str) -> str | None:
    """The other name in "(Enrico Cernuschi, dit)" or "(dit Enrico Cernuschi)"; None otherwise."""
    q = qualifier.strip()
    for word in (", dit", ", dite"):
        if q.endswith(word):
            return q[: -len(word)].strip() or None
    for word in ("dit ", "dite "):
        if q.startswith(word):
            return q[len(word):].strip() or None
    return None


def _is_domain(label: str) -> bool:
    return label[-9:].casefold() == "(domaine)"


def _term_id(d: dict[str, Any], key: str) -> str | int | None:
    """A taxonomy term's own id (``tid``, or ``entityId``): our concept is keyed by it."""
    tid = d.get("tid")
    if tid is None:
        tid = d.get("entityId")
        return None if tid is None else _ident(tid, f"{key}.entityId")
    return _ident(tid, f"{key}.tid")


def _term(d: dict[str, Any], key: str, ids: bool = True) -> tuple[str | None, str | int | None]:
    """A single-valued term field's label and term id (None: no id, or not read)."""
    try:
        n = _node(d, key)
        label = _name(n)
        return label, (_term_id(n, key) if ids and label and n is not None else None)
    except RecordError as exc:  # a term's name: say whose
        raise _within(key, exc) if not exc.reason.startswith(key) else exc from None


def _terms(d: dict[str, Any], key: str, ids: bool = True) -> list[tuple[str, str | int | None]]:
    """The ``name`` of each item of a multi-valued term field, with its term id (None: no id, or not read)."""
    out = []
    for x in _nodes(d, key):
        n = name_of(x)
        if n is not None and n != "":
            t = (n if type(n) is str else _scalar_text(n, f"{key}.name")).strip()  # type: ignore[union-attr]
            if t:
                out.append((t, _term_id(x, key) if ids else None))
    return out


def _within(prefix: str, exc: RecordError) -> RecordError:
    """The same reason, for a field inside ``prefix``."""
    return RecordError(f"{prefix}.{exc.reason}", record_id=exc.record_id)


def _dimension(v: Any) -> float | int | str | None:
    """A size: a positive finite number, or text ("12 cm", kept as a statement); None when absent."""
    t = type(v)
    if t is float or t is int:
        if 0 < v < 1e300:  # false for nan and inf; an int beyond would not convert to float
            return v
        raise _bad("fieldDimensionValeur", f"{_what(v)} is not a size (a positive finite number)")
    if v is None or v == "":
        return None
    if t is str:
        return v
    raise _bad("fieldDimensionValeur", f"expected a number, got {_what(v)}")


def _deepest(payload: Any) -> str:
    """The top-level field nested deepest (walked with a stack: it may be too deep to recurse)."""
    if type(payload) is not dict:
        return "entity"
    best, depth_of = "entity", -1
    for key, v in payload.items():
        depth, stack = 0, [(v, 1)]
        while stack:
            x, d = stack.pop()
            if d > depth:
                depth = d
            if type(x) is dict:
                stack.extend((y, d + 1) for y in x.values())
            elif type(x) is list:
                stack.extend((y, d + 1) for y in x)
        if depth > depth_of:
            best, depth_of = key, depth
    return best


def _dig(d: dict[str, Any], key: str, sub: str) -> Any:
    v = _node(d, key)
    return _unwrap(v.get(sub)) if v is not None else None


def _segment(text: str) -> str:
    """An id as one IRI path segment: the API's numbers as they are, anything else percent-encoded."""
    if text.isascii() and text.isalnum():
        return text
    return quote(text, safe="", errors="surrogatepass")


_INT_TEXT = re.compile(r"\s*[+-]?[0-9]{1,18}\s*")


def _int(v: Any, key: str, lo: int = 0, hi: int = 10**18) -> int | None:
    """An integer (or its decimal text) within [lo, hi); None when absent. Anything else is a reject."""
    t = type(v)
    if t is int:
        n = v
    elif v is None or v == "":
        return None
    elif t is str and _INT_TEXT.fullmatch(v):
        n = int(v)
    elif t is float and v.is_integer() and abs(v) < 2**53:  # 1902.0; never inf or nan
        n = int(v)
    else:
        raise _bad(key, f"expected an integer, got {_what(v)}")
    if lo <= n < hi:
        return n
    raise _bad(key, f"{_what(n)} is out of range")


def _ident(v: Any, key: str) -> str | int | None:
    """A term or node id (a string or an integer) as it came; None when absent."""
    t = type(v)
    if t is str:
        return v if v.strip() else None
    if t is int and v >= 0:
        return v
    if v is None:
        return None
    raise _bad(key, f"expected an id, got {_what(v)}")


def _flag(v: Any, key: str) -> bool:
    if v is None or v is False or v is True:
        return bool(v)
    if type(v) is int and v in (0, 1):
        return bool(v)
    raise _bad(key, f"expected true or false, got {_what(v)}")


_YEARS = 1_000_000  # |year| below this: xsd allows more digits, but no record is older than that


def _date(n: dict[str, Any] | None, key: str, flags: list[str]) -> TimeSpan | None:
    """A date object (startYear…, century, processed) → TimeSpan; None when empty. An impossible date
    (month 13, day 40) keeps its text, without bounds, and adds ``impossible-date: <key>`` to ``flags``.
    Memoized: dates recur."""
    if n is None:
        return None
    try:
        k: Any = tuple(n.items())
        hit = _DATES.get(k, _MISSING)
    except TypeError:  # a nested value: not memoized
        hit = _date_of(n, key)
    else:
        if hit is _MISSING:
            hit = _date_of(n, key)  # may raise: nothing is stored then
            if len(_DATES) > 50_000:
                _DATES.clear()
            _DATES[k] = hit
    ts, impossible = hit  # type: ignore[misc]
    if impossible:
        flags.append(f"impossible-date: {key}")
    return ts  # type: ignore[no-any-return]


_DATES: dict[Any, tuple[TimeSpan | None, bool]] = {}
# startPrecision/endPrecision words that make a bound unknown: "vers 1765" is not within 1765 (Linked Art
# bounds are the widest possible), "après 1831" has no end, "avant 1900" no beginning
_APPROX, _AFTER, _BEFORE = "vers", "après", "avant"


def _date_of(n: dict[str, Any], key: str) -> tuple[TimeSpan | None, bool]:
    y1 = _int(n.get("startYear"), f"{key}.startYear", -_YEARS, _YEARS)
    y2 = _int(n.get("endYear"), f"{key}.endYear", -_YEARS, _YEARS)
    label = _text(n.get("processed"), f"{key}.processed") or _text(n.get("sort"), f"{key}.sort")
    century = _text(n.get("century"), f"{key}.century")
    qual = _text(n.get("startPrecision"), f"{key}.startPrecision")
    endq = _text(n.get("endPrecision"), f"{key}.endPrecision")
    if y1 is None and y2 is None:
        ts = dates.century(century) if century else None
        return (ts if ts else (TimeSpan(label=label or century) if (label or century) else None)), False
    if y1 is None:
        y1 = y2
    m1, d1 = _month_day(n, key, "start")
    m2, d2 = _month_day(n, key, "end") if y2 is not None else (None, None)
    if not (_possible(y1, m1, d1) and (y2 is None or _possible(y2, m2, d2))):  # type: ignore[arg-type]
        # kept as the source wrote it, never as a typed date
        raw = "/".join(_raw(*x) for x in ((y1, m1, d1), (y2, m2, d2)) if x[0] is not None)
        return TimeSpan(label=label or raw, qualifier=qual), True
    ts = dates.span(y1, y2, m1=m1, d1=d1, m2=m2, d2=d2,  # type: ignore[arg-type]
                    label=label or _display(y1, y2, qual, endq), qualifier=qual)  # type: ignore[arg-type]
    q1, q2 = (qual or "").casefold(), (endq or "").casefold()
    if q1 or q2:
        begin, end = ts.begin, ts.end
        if q1 in (_APPROX, _BEFORE):
            begin = None
        if q2 in (_APPROX, _AFTER) or (y2 is None and q1 in (_APPROX, _AFTER)):
            end = None
        if (begin, end) != (ts.begin, ts.end) or q1 not in ("", "en"):
            ts = TimeSpan(label=ts.label, begin=begin, end=end, qualifier=qual)  # no schema.org date: not exact
    return ts, False


def _month_day(n: dict[str, Any], key: str, side: str) -> tuple[int | None, int | None]:
    """startMonth/startDay (or end…) as given; 0 or absent is unknown (a day without its month says no more
    than the year). Checked against the calendar by _possible."""
    month = _int(n.get(side + "Month"), f"{key}.{side}Month", -10**18)
    day = _int(n.get(side + "Day"), f"{key}.{side}Day", -10**18)
    if month is None or month == 0:
        return None, None
    return month, day or None


def _possible(year: int, month: int | None, day: int | None) -> bool:
    if month is None:
        return True
    return 1 <= month <= 12 and (day is None or 1 <= day <= dates.month_days(year, month))


def _raw(year: int, month: int | None, day: int | None) -> str:
    """A date's numbers as text, impossible ones included: 1900-13, 1900-02-40."""
    return "-".join(f"{v:02d}" if i else str(v) for i, v in enumerate((year, month, day)) if v is not None)


def _credit_line(mode: str | None, donors: list[Agent], when: TimeSpan | None) -> str | None:
    """The museum's credit line in the source's words: "Legs Dutuit, Auguste et Eugène, 1902"; None without
    a known mode or a donor (a year alone credits no one)."""
    if mode and mode.casefold() == _UNKNOWN_MODE.casefold():
        mode = None
    head = " ".join(x for x in (mode, " ; ".join(d.name for d in donors)) if x)
    return ", ".join(x for x in (head, when.label if when else None) if x) if head else None


def _display(y1: int, y2: int | None, qual: str | None, endq: str | None) -> str:
    if y2 is None or y2 == y1:
        return f"{qual.lower() + ' ' if qual else ''}{y1}"
    return f"{(qual + ' ') if qual else ''}{y1}{(' ' + endq.lower()) if endq else ' -'} {y2}".replace(" - ", "-")

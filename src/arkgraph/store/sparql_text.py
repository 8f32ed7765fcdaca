"""What ``arkgraph query`` does to a query's text before a store sees it: the predefined prefixes, the
refusal of updates, and a parser's error made one line."""

from __future__ import annotations

import re

from ..errors import UsageError
from ..terms import PREFIXES

# the prefixes every query may use without declaring them: arkgraph.terms' and the EDM ones
QUERY_PREFIXES: dict[str, str] = {
    **PREFIXES,
    "edm": "http://www.europeana.eu/schemas/edm/",
    "ore": "http://www.openarchives.org/ore/terms/",
    "oa": "http://www.w3.org/ns/oa#",
}

# the prologue (BASE / PREFIX declarations, comments) and the first keyword after it
_PROLOGUE = re.compile(r"(?:\s+|#[^\n]*|BASE\s*<[^>]*>|PREFIX\s*[^\s:]*:\s*<[^>]*>)*", re.I)
_UPDATE = re.compile(r"(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.I)
_DECLARED = re.compile(r"PREFIX\s*([^\s:]*):", re.I)
_AT = re.compile(r"error at (\d+):(\d+)")


def refuse_update(sparql: str) -> None:
    """A SPARQL update is a :class:`UsageError`: ``query`` is read-only."""
    start = _PROLOGUE.match(sparql)
    if _UPDATE.match(sparql, start.end() if start else 0):
        raise UsageError("that is a SPARQL update: query is read-only; use `arkgraph load` to change the store")


def with_prefixes(sparql: str) -> str:
    """The query with PREFIX declarations for the predefined prefixes it uses and does not declare itself,
    for a remote endpoint (the embedded store takes them as the parser's defaults)."""
    declared = set(_DECLARED.findall(sparql))
    used = [p for p in QUERY_PREFIXES if p not in declared and re.search(rf"(?<![\w.-]){re.escape(p)}:", sparql)]
    if not used:
        return sparql
    return " ".join(f"PREFIX {p}: <{QUERY_PREFIXES[p]}>" for p in used) + "\n" + sparql


def syntax_error(sparql: str, message: str) -> UsageError:
    """A parser's message in one line: where, and what went wrong (not the grammar's character classes)."""
    first = " ".join(message.split("\n", 1)[0].split())
    m = _AT.search(first)
    where = f" at line {m[1]}, column {m[2]}" if m else ""
    if m and "Prefix not found" in first:
        line = sparql.split("\n")[int(m[1]) - 1] if int(m[1]) <= sparql.count("\n") + 1 else ""
        name = re.search(r"([A-Za-z][\w.-]*)?:[\w.%-]*$", line[: int(m[2]) - 1])
        prefix = f"{name[1] or ''}:" if name else "a prefix"
        return UsageError(f"SPARQL syntax error{where}: unknown prefix {prefix} (declare it with PREFIX, or use "
                          f"one of {', '.join(QUERY_PREFIXES)})")
    what = first[m.end():].lstrip(": ") if m else first
    if what.startswith("expected one of "):
        words = [w for w in re.split(r",\s*(?![^\[]*\])", what[len("expected one of "):]) if not w.startswith("[")]
        what = f"expected one of {', '.join(words)}" if words else "unexpected character"
    if len(what) > 200:
        what = what[:199] + "…"
    return UsageError(f"SPARQL syntax error{where}: {what}")

"""RDF terms as N-Triples strings: the hot path builds plain tuples, not library objects.

A triple is ``(subject, predicate, object)`` where each member is already an N-Triples term
(``<iri>``, ``"text"@fr``, ``"1.5"^^<xsd:decimal>``). Writers and pyoxigraph take it from there.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pyoxigraph import NamedNode

Triple = tuple[str, str, str]

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SCHEMA = "http://schema.org/"
CRM = "http://www.cidoc-crm.org/cidoc-crm/"
LA = "https://linked.art/ns/terms/"
DIG = "http://www.ics.forth.gr/isl/CRMdig/"
AAT = "http://vocab.getty.edu/aat/"
RELATOR = "http://id.loc.gov/vocabulary/relators/"
DCTERMS = "http://purl.org/dc/terms/"
DC = "http://purl.org/dc/elements/1.1/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
AG = "https://w3id.org/arkgraph/ns#"

PREFIXES = {
    "rdf": RDF, "rdfs": RDFS, "xsd": XSD, "schema": SCHEMA, "crm": CRM, "la": LA,
    "dig": DIG, "aat": AAT, "relator": RELATOR, "dcterms": DCTERMS, "dc": DC,
    "skos": SKOS, "prov": PROV, "ag": AG,
}

# Whether a string is an IRI is pyoxigraph's to say (its oxiri checks RFC 3987, as every reader of the
# output does, at 0.3 µs a URL against 0.7 µs for a hand-written full match). What is written here is
# only what repairing needs: which characters each component allows, so the others can be escaped.
_UCS = ("\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef"
        + "".join(f"{chr(p)}-{chr(p + 0xfffd)}" for p in range(0x10000, 0xe0000, 0x10000)) + "\U000e1000-\U000efffd")
_PRIVATE = "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
_SUB = "!$&'()*+,;="
_UNRESERVED = "A-Za-z0-9\\-._~"
_PCHAR = f"{_UNRESERVED}{_SUB}:@{_UCS}"      # ipchar, less pct-encoded
_QUERY = f"{_PCHAR}/?{_PRIVATE}"              # iquery
_FRAGMENT = f"{_PCHAR}/?"                     # ifragment
_SCHEME = "[A-Za-z][A-Za-z0-9+.\\-]*+"
# http(s) IRIs must name a host (RFC 9110 §4.2): "http:foo" and "http:///x" are not links.
_HTTP_WITHOUT_HOST = re.compile("(?i:https?):(?!//[^/?#])")
# What safe_iri may percent-encode: anything a component does not allow, and a "%" that starts no escape
_NOT_IN = {part: re.compile(f"%(?![0-9A-Fa-f]{{2}})|[^%{chars}]+")
           for part, chars in (("path", _PCHAR + "/"), ("query", _QUERY), ("fragment", _FRAGMENT))}
_SPLIT = re.compile(f"({_SCHEME}):(//[^/?#]*)?([^?#]*)(\\?[^#]*)?(#.*)?", re.S)


def safe_iri(text: object) -> str | None:
    """A URL or IRI found in data as a valid absolute IRI (RFC 3987), or None when it cannot be one.

    Characters an IRI does not allow in its path, query or fragment (spaces, controls, ``"<>\\^`{|}``,
    ``[`` ``]``, a ``%`` that starts no escape, non-characters) are percent-encoded (UTF-8), which keeps
    what the URL means. A value without a scheme, with a bad authority (host, port, user) or an http(s)
    URL without a host is not guessed at: None, and the caller keeps the value as text or drops it.
    """
    if type(text) is not str:
        return None
    if is_iri(text):  # the common case: already an IRI, nothing to copy
        return text
    return _repair(text)


def _repair(text: str) -> str | None:
    m = _SPLIT.fullmatch(text.strip())
    if m is None:
        return None
    scheme, authority, path, query, fragment = m.groups()
    try:
        parts = [scheme, ":", authority or "", _encode("path", path)]
        if query is not None:
            parts += "?", _encode("query", query[1:])
        if fragment is not None:
            parts += "#", _encode("fragment", fragment[1:])
    except UnicodeEncodeError:  # a lone surrogate (JSON "\ud800"): no UTF-8 bytes to escape
        return None
    iri = "".join(parts)
    return iri if is_iri(iri) else None  # the authority is checked here, never rewritten


def _encode(part: str, text: str) -> str:
    return _NOT_IN[part].sub(lambda c: "%" + c.group().encode("utf-8").hex("%").upper(), text)


def is_iri(text: str) -> bool:
    """``text`` is an absolute IRI (RFC 3987) as written, and names a host if it is an http(s) one."""
    try:
        NamedNode(text)
    except ValueError:
        return False
    return _HTTP_WITHOUT_HOST.match(text) is None


def I(iri: str) -> str:  # noqa: E743 - short on purpose, used on every triple
    return f"<{iri}>"


_ESC = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"}
_NEEDS_ESC = re.compile(r'[\\"\n\r]')


def _esc(text: str) -> str:
    if "\\" in text or '"' in text or "\n" in text or "\r" in text:
        return _NEEDS_ESC.sub(lambda m: _ESC[m.group(0)], text)
    return text


def L(text: str, lang: str | None = None) -> str:
    """A plain or language-tagged literal."""
    if "\\" in text or '"' in text or "\n" in text or "\r" in text:  # _esc, inlined: on every literal
        text = _NEEDS_ESC.sub(lambda m: _ESC[m.group(0)], text)
    return f'"{text}"@{lang}' if lang else f'"{text}"'


def T(value: str, datatype: str) -> str:
    return f'"{_esc(value)}"^^<{datatype}>'


@lru_cache(maxsize=8192)
def dbl(value: float) -> str:
    """A number as JSON-LD maps JSON numbers: xsd:integer when integral, else canonical xsd:double.

    So the JSON-LD output reads back to exactly the literal the other serializations carry.
    """
    if float(value).is_integer() and abs(value) < 1e21:
        return integer(int(value))
    mantissa, exp = f"{float(value):.15E}".split("E")
    mantissa = mantissa.rstrip("0")
    if mantissa.endswith("."):
        mantissa += "0"
    return T(f"{mantissa}E{int(exp)}", XSD + "double")


def integer(value: int) -> str:
    return T(str(int(value)), XSD + "integer")


@lru_cache(maxsize=16384)  # the same bounds recur (years, centuries)
def dt(value: str) -> str:
    return T(value, XSD + "dateTime")


A = I(RDF + "type")
LABEL = I(RDFS + "label")

"""RDF terms as N-Triples strings: the hot path builds plain tuples, not library objects.

A triple is ``(subject, predicate, object)`` where each member is already an N-Triples term
(``<iri>``, ``"text"@fr``, ``"1.5"^^<xsd:decimal>``). Writers and pyoxigraph take it from there.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote

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

# Characters RFC 3987 forbids in an IRI, plus controls: percent-encoded when an IRI is built from data.
_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|\\^`\x7f-\x9f\ue000-\uf8ff\ufff0-\uffff]')
_IRI_OK = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|\\^`]*$")


def safe_iri(text: str) -> str:
    """Turn a URL found in data into a valid IRI (percent-encode what IRIs forbid)."""
    text = text.strip()
    return _BAD_IRI.sub(lambda m: quote(m.group(0), safe=""), text)


def is_iri(text: str) -> bool:
    return bool(_IRI_OK.match(text))


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

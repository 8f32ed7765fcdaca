"""RDF terms as N-Triples strings (what the profiles emit): their kinds, and literals' parts.

The validator never builds library objects for the data: a term is ``<iri>``, ``_:label`` or a
literal ``"lex"``, ``"lex"@lang``, ``"lex"^^<datatype>``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..terms import RDF, RDFS, XSD, Triple

__all__ = ["FIRST", "LANGSTRING", "NIL", "REST", "RDF", "RDFS", "SH", "SUBCLASS", "TYPE", "XSD", "XSD_STRING",
           "Triple", "datatype_of", "is_bnode", "is_iri", "is_literal", "iri", "literal", "literal_parts", "sh",
           "string_value", "without_xsd_string"]

SH = "http://www.w3.org/ns/shacl#"


def iri(name: str) -> str:
    return f"<{name}>"


def sh(name: str) -> str:
    return f"<{SH}{name}>"


TYPE = iri(RDF + "type")
SUBCLASS = iri(RDFS + "subClassOf")
FIRST, REST, NIL = iri(RDF + "first"), iri(RDF + "rest"), iri(RDF + "nil")
XSD_STRING, LANGSTRING = XSD + "string", RDF + "langString"

_UNESC = re.compile(r'\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)')
_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _unescape(m: re.Match[str]) -> str:
    c = m.group(1)
    if c[0] in "uU" and len(c) > 1:
        return chr(int(c[1:], 16))
    return _ESCAPES.get(c, c)


@lru_cache(maxsize=200_000)
def literal_parts(term: str) -> tuple[str, str | None, str | None]:
    """``"lex"@lang`` / ``"lex"^^<dt>`` / ``"lex"`` → (lexical form, lowercased lang, datatype IRI or None)."""
    end = term.rfind('"')
    lex = term[1:end]
    if "\\" in lex:
        lex = _UNESC.sub(_unescape, lex)
    rest = term[end + 1:]
    if rest.startswith("@"):
        return lex, rest[1:].lower(), None
    if rest.startswith("^^<"):
        return lex, None, rest[3:-1]
    return lex, None, None


def is_literal(term: str) -> bool:
    return term[:1] == '"'


def is_iri(term: str) -> bool:
    return term[:1] == "<"


def is_bnode(term: str) -> bool:
    return term[:2] == "_:"


def datatype_of(term: str) -> str:
    """A literal's datatype IRI (RDF 1.1: xsd:string for a plain literal, rdf:langString for a tagged one)."""
    _, lang, dt = literal_parts(term)
    return dt or (LANGSTRING if lang else XSD_STRING)


def string_value(term: str) -> str:
    """SPARQL's str(): an IRI without brackets, a literal's lexical form (blank nodes have none: their label)."""
    if term[:1] == '"':
        if term[-1] == '"' and "\\" not in term and len(term) > 1:
            return term[1:-1]  # a plain literal without escapes: no parsing
        return literal_parts(term)[0]
    if term[:1] == "<":
        return term[1:-1]
    return term[2:]


_XSD_STRING_SUFFIX = f"^^<{XSD_STRING}>"


def without_xsd_string(term: str) -> str:
    """``"x"^^xsd:string`` is the term ``"x"`` (RDF 1.1): the one spelling term comparisons use."""
    return term[: -len(_XSD_STRING_SUFFIX)] if term.endswith(_XSD_STRING_SUFFIX) else term


def literal(text: str) -> str:
    """A plain literal holding ``text``."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'

"""The ``annotations`` profile (issue #19): a record's full-text search hits (``Record.hits``, read from Gallica
ContentSearch responses) as W3C Web Annotations (https://www.w3.org/TR/annotation-model/).

Each hit is one ``oa:Annotation``:

- ``oa:motivatedBy oa:highlighting``;
- its target, a ``oa:SpecificResource`` whose source is the page (``<document>/f<page>``, the IRI the Pagination
  and IIIF canvases give the page in the other profiles), selected by a ``oa:TextQuoteSelector`` (``oa:exact``,
  with ``oa:prefix`` / ``oa:suffix`` where the snippet gives context);
- its body, a ``oa:TextualBody`` whose ``rdf:value`` is the query, ``oa:hasPurpose oa:tagging``.

IRIs are derived from the document, page, query and rank, so that the same input gives the same IRIs:
``<document>/f<page>/annotation/<query key>/<n>``, the target, selector and body below it (``/target``,
``/target/selector``, ``/body``). The query key (``gallica_contentsearch.query_key``, as the harvest names its file) is the query's words in ASCII (accents dropped, lower case,
``-`` between words, at most 60 characters) then 8 hex digits of the SHA-256 of the query as stated, so two
queries that read alike ("Garde champêtre", "garde champetre") keep apart. In JSON-LD (``jsonld.record_documents``
with profile "annotations") each annotation is one document with the W3C context, as the W3C JSON form.
"""

from __future__ import annotations


from ..model import Record, SearchHit
from ..sources.gallica_contentsearch import query_key
from ..terms import RDF, A, I, L, Triple

OA = "http://www.w3.org/ns/oa#"
ANNOTATION = I(OA + "Annotation")
_MOTIVATED_BY, _HIGHLIGHTING = I(OA + "motivatedBy"), I(OA + "highlighting")
_HAS_TARGET, _HAS_BODY, _HAS_SOURCE, _HAS_SELECTOR = (I(OA + p) for p in ("hasTarget", "hasBody", "hasSource",
                                                                          "hasSelector"))
_SPECIFIC, _QUOTE, _TEXTUAL = I(OA + "SpecificResource"), I(OA + "TextQuoteSelector"), I(OA + "TextualBody")
_EXACT, _PREFIX, _SUFFIX = I(OA + "exact"), I(OA + "prefix"), I(OA + "suffix")
_VALUE, _HAS_PURPOSE, _TAGGING = I(RDF + "value"), I(OA + "hasPurpose"), I(OA + "tagging")

def annotation_iri(rec: Record, hit: SearchHit) -> str:
    return f"{page_iri(rec, hit.page)}/annotation/{query_key(hit.query)}/{hit.n}"


def page_iri(rec: Record, page: int) -> str:
    """The page's IRI, as ``sources.gallica`` gives it (``Ark.child("/f<n>")``: the record IRI then ``/f<n>``)."""
    return f"{rec.iri}/f{page}"


def triples(rec: Record) -> list[Triple]:
    """Each hit's annotation; a hit met again (same page, query and rank: the same IRIs) is written once."""
    out: list[Triple] = []
    seen: set[str] = set()
    for hit in rec.hits:
        iri = annotation_iri(rec, hit)
        if iri in seen:
            continue
        seen.add(iri)
        a, target, selector, body = I(iri), I(iri + "/target"), I(iri + "/target/selector"), I(iri + "/body")
        q = hit.quote
        out += [(a, A, ANNOTATION), (a, _MOTIVATED_BY, _HIGHLIGHTING), (a, _HAS_BODY, body), (a, _HAS_TARGET, target),
                (body, A, _TEXTUAL), (body, _VALUE, L(hit.query)), (body, _HAS_PURPOSE, _TAGGING),
                (target, A, _SPECIFIC), (target, _HAS_SOURCE, I(page_iri(rec, hit.page))),
                (target, _HAS_SELECTOR, selector),
                (selector, A, _QUOTE), (selector, _EXACT, L(q.exact))]
        if q.prefix:
            out.append((selector, _PREFIX, L(q.prefix)))
        if q.suffix:
            out.append((selector, _SUFFIX, L(q.suffix)))
    return out

"""Per-record JSON-LD: triples → one framed tree rooted at the work, compacted with a bundled context.

PyLD's ``from_rdf`` and ``frame`` are slow on large inputs, so the tree is built here directly
from the record's own triples, and PyLD only compacts it against the bundled context.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any, Iterable

import pyoxigraph as ox
from pyld import jsonld

from .terms import CRM, RDF, RDFS, Triple

LINKED_ART_CONTEXT = "https://linked.art/ns/v1/linked-art.json"
SCHEMA_CONTEXT = "https://schema.org"
_CONTEXT_FILES = {
    LINKED_ART_CONTEXT: "linked-art.json",
    "https://schema.org": "schemaorg.jsonld", "https://schema.org/": "schemaorg.jsonld",
    "http://schema.org": "schemaorg.jsonld", "http://schema.org/": "schemaorg.jsonld",
    "https://schema.org/docs/jsonldcontext.jsonld": "schemaorg.jsonld",
}
# classes whose nodes are embedded wherever they are used (vocabulary terms)
_TERM_CLASSES = {CRM + c for c in ("E55_Type", "E57_Material", "E58_Measurement_Unit", "E56_Language")}
_OWN_DOCUMENT_SUFFIXES = ("/visual",)


@cache
def _context_doc(name: str) -> dict[str, Any]:
    data = resources.files("arkgraph").joinpath("data", "contexts", name).read_text(encoding="utf-8")
    return json.loads(data)


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Serve bundled contexts; refuse everything else: no network, ever."""
    name = _CONTEXT_FILES.get(url.rstrip("#"))
    if name is None:
        raise jsonld.JsonLdError(f"arkgraph does not fetch remote JSON-LD documents: {url}",
                                 "jsonld.LoadDocumentError", code="loading document failed")
    return {"contextUrl": None, "documentUrl": url, "document": _context_doc(name)}


def _term_json(term: Any) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"@id": term.value}
    if isinstance(term, ox.BlankNode):
        return {"@id": f"_:{term.value}"}
    out: dict[str, Any] = {"@value": term.value}
    if term.language:
        out["@language"] = term.language
    elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        out["@type"] = term.datatype.value
    return out


def _nodes(triples: Iterable[Triple]) -> dict[str, dict[str, list[Any]]]:
    text = "".join(f"{s} {p} {o} .\n" for s, p, o in dict.fromkeys(triples))
    nodes: dict[str, dict[str, list[Any]]] = {}
    for t in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES):
        s = t.subject.value
        node = nodes.setdefault(s, {})
        node.setdefault(t.predicate.value, []).append(_term_json(t.object))
    return nodes


def _label_only(node: dict[str, list[Any]]) -> bool:
    return set(node) <= {RDF + "type", RDFS + "label"}


def build_documents(root: str, triples: Iterable[Triple], *, linked_art: bool) -> list[dict[str, Any]]:
    """Expanded JSON-LD trees: the record's tree first, then any resource that needs its own document."""
    nodes = _nodes(triples)
    docs: list[dict[str, Any]] = []
    queue = [root]
    done: set[str] = set()

    def embeddable(doc_root: str, iri: str) -> bool:
        if not linked_art:
            return True
        if iri.startswith(doc_root + "/") and not iri.endswith(_OWN_DOCUMENT_SUFFIXES):
            return True
        types = {t["@id"] for t in nodes.get(iri, {}).get(RDF + "type", [])}
        return bool(types & _TERM_CLASSES)

    def expand(iri: str, doc_root: str, ancestors: tuple[str, ...]) -> dict[str, Any]:
        node = nodes.get(iri, {})
        out: dict[str, Any] = {"@id": iri}
        for pred, objs in node.items():
            if pred == RDF + "type":
                out["@type"] = [o["@id"] for o in objs]
                continue
            vals = []
            for o in objs:
                oid = o.get("@id")
                if oid is None or oid not in nodes or oid in ancestors:
                    vals.append(o)
                elif embeddable(doc_root, oid):
                    vals.append(expand(oid, doc_root, ancestors + (iri,)))
                else:
                    ref: dict[str, Any] = {"@id": oid}
                    target = nodes[oid]
                    if RDF + "type" in target:
                        ref["@type"] = [t["@id"] for t in target[RDF + "type"]]
                    if RDFS + "label" in target:
                        ref[RDFS + "label"] = target[RDFS + "label"]
                    vals.append(ref)
                    if not _label_only(target) and oid not in done:
                        queue.append(oid)
            out[pred] = vals
        return out

    while queue:
        iri = queue.pop(0)
        if iri in done:
            continue
        done.add(iri)
        docs.append(expand(iri, iri, ()))
    return docs


def compact(doc: dict[str, Any], context_url: str) -> dict[str, Any]:
    out = jsonld.compact(doc, context_url, options={"documentLoader": document_loader})
    # PyLD leaves the URL string in place, which is what the Linked Art schemas require
    return out


def record_documents(root: str, triples: Iterable[Triple], profile: str) -> list[dict[str, Any]]:
    la = profile == "linkedart"
    ctx = LINKED_ART_CONTEXT if la else SCHEMA_CONTEXT
    return [compact(d, ctx) for d in build_documents(root, triples, linked_art=la)]

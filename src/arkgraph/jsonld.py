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

from .terms import CRM, DIG, RDF, RDFS, SKOS, Triple

LINKED_ART_CONTEXT = "https://linked.art/ns/v1/linked-art.json"
SCHEMA_CONTEXT = "https://schema.org"
_CONTEXT_FILES = {
    LINKED_ART_CONTEXT: "linked-art.json",
    "https://schema.org": "schemaorg.jsonld", "https://schema.org/": "schemaorg.jsonld",
    "http://schema.org": "schemaorg.jsonld", "http://schema.org/": "schemaorg.jsonld",
    "https://schema.org/docs/jsonldcontext.jsonld": "schemaorg.jsonld",
    # the W3C Web Annotation context (profile "annotations", issue #19)
    "http://www.w3.org/ns/anno.jsonld": "anno.jsonld", "https://www.w3.org/ns/anno.jsonld": "anno.jsonld",
}
ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
_OA_ANNOTATION = "http://www.w3.org/ns/oa#Annotation"
_OA_HAS_BODY = "http://www.w3.org/ns/oa#hasBody"
_OA_TEXTUAL_BODY = "http://www.w3.org/ns/oa#TextualBody"
# classes whose nodes are embedded wherever they are used (vocabulary terms)
_TERM_CLASSES = {CRM + c for c in ("E55_Type", "E57_Material", "E58_Measurement_Unit", "E56_Language")}
# ... except a concept with a broader one: an embedded Linked Art Type has no ``broader``, a Concept
# document has (concept.json), so our local concept linked to a broader authority term is its own document
_BROADER = SKOS + "broader"
_OWN_DOCUMENT_SUFFIXES = ("/visual", "/la/content")  # the work a document carries (linkedart_documents)
# Embedded nodes that keep their id in Linked Art JSON-LD: the schemas' DigitalObjectEmbed allows one (the
# other embedded structures forbid it), and these nodes are shared: the IIIF manifest and the Gallica page
# views (ARK qualifiers …/f1) are the same nodes in the Schema.org profile.
_KEEP_ID_CLASSES = {DIG + "D1_Digital_Object"}
# JSON numbers: exact for xsd:integer, and for xsd:double in its canonical form (terms.dbl)
_NUMERIC = {"http://www.w3.org/2001/XMLSchema#integer", "http://www.w3.org/2001/XMLSchema#double"}


@cache
def _context_doc(name: str) -> dict[str, Any]:
    data = resources.files("arkgraph").joinpath("data", "contexts", name).read_text(encoding="utf-8")
    return json.loads(data)


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Serve bundled contexts; refuse everything else: no network, ever."""
    name = _CONTEXT_FILES.get(url.rstrip("#"))
    if name is None:
        from pyld import jsonld  # imported when needed: it pulls in requests (~0.3 s at start-up)

        raise jsonld.JsonLdError(f"arkgraph does not fetch remote JSON-LD documents: {url}",
                                 "jsonld.LoadDocumentError", code="loading document failed")
    return {"contextUrl": None, "documentUrl": url, "document": _context_doc(name)}


def _term_json(term: Any) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"@id": term.value}
    if isinstance(term, ox.BlankNode):
        return {"@id": f"_:{term.value}"}
    dtype = term.datatype.value if not term.language else None
    if dtype in _NUMERIC:
        return {"@value": int(term.value) if dtype.endswith("integer") else float(term.value)}
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
    """Expanded JSON-LD trees: the record's tree first, then any resource that needs its own document.

    Every triple is written: a node that no tree reaches (nothing in the record points at it) gets a
    document of its own, after the others, in the order of the record's triples."""
    nodes = _nodes(triples)
    docs: list[dict[str, Any]] = []
    queue = [root]
    done: set[str] = set()
    written: set[str] = set()  # nodes whose triples are in some document

    def types_of(iri: str) -> set[str]:
        return {t["@id"] for t in nodes.get(iri, {}).get(RDF + "type", [])}

    def embeddable(doc_root: str, iri: str) -> bool:
        if not linked_art:
            return True
        if iri.startswith(doc_root + "/") and not iri.endswith(_OWN_DOCUMENT_SUFFIXES):
            return True
        return bool(types_of(iri) & _TERM_CLASSES) and _BROADER not in nodes.get(iri, {})

    def expand(iri: str, doc_root: str, ancestors: tuple[str, ...]) -> dict[str, Any]:
        node = nodes.get(iri, {})
        written.add(iri)
        # Linked Art's API forbids ids on embedded structures (names, identifiers, production…): they keep
        # their IRIs in every RDF serialization and become blank nodes in this JSON-LD (README, URI policy)
        hide = linked_art and iri.startswith(doc_root + "/") and not types_of(iri) & _KEEP_ID_CLASSES
        out: dict[str, Any] = {"@id": None if hide else iri}
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
                    if not _label_only(target):
                        if oid not in done:
                            queue.append(oid)
                    else:
                        written.add(oid)  # the reference carries all it says
            out[pred] = vals
        return out

    unreached = (iri for iri in nodes if iri not in written and iri not in done)  # one pass: both sets only grow
    while True:
        while queue:
            iri = queue.pop(0)
            if iri in done:
                continue
            done.add(iri)
            docs.append(expand(iri, iri, ()))
        # nodes nothing reached: documents of their own (dict order: the record's triple order)
        nxt = next(unreached, None)
        if nxt is None:
            return docs
        queue = [nxt]


def compact_pyld(doc: dict[str, Any], context_url: str) -> dict[str, Any]:
    """The reference compaction (PyLD). Correct but slow on Linked Art's scoped contexts (~0.3 s/record)."""
    from pyld import jsonld

    return jsonld.compact(doc, context_url, options={"documentLoader": document_loader})


class Compactor:
    """Compaction for the trees arkgraph builds, driven by a bundled context's term definitions.

    It handles what those trees contain (node references, embedded nodes, plain, language-tagged,
    typed and numeric literals, @set containers, type-scoped contexts) and nothing more; a test
    checks that its output expands back to the same triples through PyLD.
    """

    def __init__(self, context_url: str):
        self.url = context_url
        ctx = document_loader(context_url)["document"]["@context"]
        self.prefixes = {k: v for k, v in ctx.items() if isinstance(v, str) and v.endswith(("/", "#"))}
        self.vocab = ctx.get("@vocab")
        self.aliases = {v: k for k, v in ctx.items() if v in ("@id", "@type")}
        self.top = self._terms(ctx)
        self.scoped = {self._expand(v["@id"]): self._terms(v["@context"]) for v in ctx.values()
                       if isinstance(v, dict) and isinstance(v.get("@context"), dict) and "@id" in v}
        self.classes = {}
        for k, v in ctx.items():
            iri = self._expand(v if isinstance(v, str) else v.get("@id", "")) if isinstance(v, (str, dict)) else ""
            if iri and not k.startswith("@") and k not in self.prefixes:
                self.classes.setdefault(iri, k)

    def _expand(self, value: str) -> str:
        if ":" in value and not value.startswith(("http://", "https://")):
            p, local = value.split(":", 1)
            if p in self.prefixes:
                return self.prefixes[p] + local
        elif self.vocab and value and ":" not in value and not value.startswith("@"):
            return self.vocab + value
        return value

    def _terms(self, ctx: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
        out: dict[str, tuple[str, dict[str, Any]]] = {}
        for term, d in ctx.items():
            if term.startswith("@") or not isinstance(d, dict) or "@id" not in d or "@reverse" in d:
                continue
            iri = self._expand(d["@id"])
            defn = {"type": self._expand(d["@type"]) if isinstance(d.get("@type"), str) and d["@type"] != "@id" else d.get("@type"),
                    "set": d.get("@container") == "@set"}
            out.setdefault(iri, (term, defn))
        return out

    def _iri(self, iri: str) -> str:
        """An IRI as a vocabulary term or compact IRI where the context allows it."""
        if self.vocab and iri.startswith(self.vocab) and "/" not in iri[len(self.vocab):]:
            return iri[len(self.vocab):]
        for p, ns in self.prefixes.items():
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{p}:{iri[len(ns):]}"
        return iri

    def _prop(self, pred: str, types: list[str]) -> tuple[str, dict[str, Any]]:
        for t in types:
            scoped = self.scoped.get(t)
            if scoped and pred in scoped:
                term = scoped[pred]
                top = self.top.get(pred)
                # both define the IRI alike (Type's part_of and the top-level broader, for skos:broader):
                # JSON-LD picks the shortest term, then the least, as PyLD does, unless the scoped
                # context redefines that term name
                if (top is not None and top[1] == term[1] and (len(top[0]), top[0]) < (len(term[0]), term[0])
                        and not any(top[0] == v[0] for v in scoped.values())):
                    return top
                return term
        if pred in self.top:
            return self.top[pred]
        return self._iri(pred), {"type": None, "set": False}

    def _value(self, v: dict[str, Any], defn: dict[str, Any]) -> Any:
        if "@id" in v:
            if len(v) == 1:
                return v["@id"] if defn["type"] == "@id" else {self.aliases.get("@id", "@id"): v["@id"]}
            return self.node(v)
        val = v["@value"]
        if "@language" in v:
            return {"@language": v["@language"], "@value": val}
        dt = v.get("@type")
        if dt is None or dt == defn["type"] or isinstance(val, (int, float)):
            return val
        return {"@type": self._iri(dt), "@value": val}

    def node(self, n: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {self.aliases.get("@id", "@id"): n["@id"]} if n["@id"] is not None else {}
        types = n.get("@type", [])
        if types:
            names = [self.classes.get(t) or self._iri(t) for t in types]
            out[self.aliases.get("@type", "@type")] = names[0] if len(names) == 1 else names
        for pred, vals in n.items():
            if pred.startswith("@"):
                continue
            term, defn = self._prop(pred, types)
            items = [self._value(v, defn) for v in vals]
            out[term] = items if (defn["set"] or len(items) > 1) else items[0]
        return out

    def compact(self, doc: dict[str, Any]) -> dict[str, Any]:
        body = self.node(doc)
        return {"@context": self.url, **body}


@cache
def compactor(context_url: str) -> Compactor:
    return Compactor(context_url)


class AnnoCompactor(Compactor):
    """Compaction against the W3C Web Annotation context, which also defines terms by a bare string
    (``"exact": "oa:exact"``), aliases ``id`` and ``type`` by objects, and gives ``motivation`` and ``purpose``
    vocabulary values (``@type: @vocab``: ``oa:highlighting`` → ``"highlighting"``). A test checks its output
    against PyLD's compaction and that it expands back to the same triples."""

    def __init__(self, context_url: str):
        super().__init__(context_url)
        ctx = document_loader(context_url)["document"]["@context"]
        for term, d in ctx.items():
            target = d.get("@id") if isinstance(d, dict) else d
            if target in ("@id", "@type"):
                self.aliases.setdefault(target, term)
            elif isinstance(d, str) and not term.startswith("@") and term not in self.prefixes:
                self.top.setdefault(self._expand(d), (term, {"type": None, "set": False}))

    def _value(self, v: dict[str, Any], defn: dict[str, Any]) -> Any:
        if defn["type"] == "@vocab" and len(v) == 1 and "@id" in v:
            return self.classes.get(v["@id"]) or self._iri(v["@id"])
        return super()._value(v, defn)


@cache
def anno_compactor() -> AnnoCompactor:
    return AnnoCompactor(ANNO_CONTEXT)


def annotation_documents(triples: Iterable[Triple]) -> list[dict[str, Any]]:
    """One W3C JSON-LD document per ``oa:Annotation`` (profile "annotations"), its target, selector and body
    embedded; any other node (none is written today) a document of its own, after them.

    Every node keeps its IRI but the embedded ``TextualBody``, written without ``id`` (it keeps its IRI,
    ``<annotation>/body``, in every RDF serialization): the W3C Web Annotation tests take a body with an ``id``
    and no ``source`` for an External Web Resource, which must not have a ``purpose``
    (``3.3.5-bodyEWRNoPurpose``), and the body's purpose, ``tagging``, is what says it names the query."""
    triples = list(triples)
    first = next((s[1:-1] for s, p, o in triples if p == f"<{RDF}type>" and o == f"<{_OA_ANNOTATION}>"), None)
    if first is None and not triples:
        return []
    # build_documents starts at the first annotation; each later one, reached by nothing, gets its own document
    root = first if first is not None else triples[0][0][1:-1]
    docs = build_documents(root, triples, linked_art=False)
    for doc in docs:
        for body in doc.get(_OA_HAS_BODY, ()):
            if _OA_TEXTUAL_BODY in body.get("@type", ()):
                body["@id"] = None
    c = anno_compactor()
    return [c.compact(d) for d in docs]


def record_documents(root: str, triples: Iterable[Triple], profile: str) -> list[dict[str, Any]]:
    if profile == "annotations":
        return annotation_documents(triples)
    la = profile == "linkedart"
    c = compactor(LINKED_ART_CONTEXT if la else SCHEMA_CONTEXT)
    return [c.compact(d) for d in build_documents(root, triples, linked_art=la)]

"""Conformance: arkgraph's output against its own shapes, the official vocabularies, and the
Linked Art JSON schemas. Vocabulary files are copies under tests/fixtures/vocab/."""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import pytest

from arkgraph.authorities import is_authority
from validate_helpers import (
    FIXTURES,
    HAS_GALLICA,
    PM_REAL,
    PM_SYNTHETIC,
    convert,
    gallica_record_files,
)

from arkgraph import shacl as V

VOCAB = FIXTURES / "vocab"
RDF, RDFS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "http://www.w3.org/2000/01/rdf-schema#"
SCHEMA, CRM, LA = "http://schema.org/", "http://www.cidoc-crm.org/cidoc-crm/", "https://linked.art/ns/terms/"
TYPE = f"<{RDF}type>"
# namespaces outside the vocabularies under test (W3C core terms)
OUT_OF_SCOPE = (RDF, RDFS)


@cache
def pm_records():
    return convert(PM_REAL + [PM_SYNTHETIC])


@cache
def gallica_records():
    return convert(gallica_record_files(), source="gallica") if HAS_GALLICA else []


def _sources():
    out = [("parismusees", pm_records)]
    out.append(("gallica", gallica_records))
    return out


def _need(source: str) -> None:
    if source == "gallica":
        if not HAS_GALLICA:
            pytest.skip("arkgraph.sources.gallica does not exist yet")
        if not gallica_records():
            pytest.skip("no Gallica record fixtures")


# ---------------------------------------------------------------------------------------------
# 1. Every sample record conforms to arkgraph's own shapes (no Violation; warnings are listed)

def test_parismusees_samples_conform() -> None:
    shapes = V.load()
    bad = {}
    for iri, ts in pm_records():
        vs = V.violations(shapes.validate(ts))
        if vs:
            bad[iri] = [(r.focus, r.path, r.component, r.message) for r in vs[:3]]
    assert len(pm_records()) > 200
    assert not bad, bad


def test_gallica_samples_conform() -> None:
    _need("gallica")
    shapes = V.load()
    bad = {}
    for iri, ts in gallica_records():
        vs = V.violations(shapes.validate(ts))
        if vs:
            bad[iri] = sorted({(r.path, r.component, r.message) for r in vs})[:3]
    assert not bad, f"{len(bad)} Gallica records do not conform: {dict(list(bad.items())[:5])}"


# ---------------------------------------------------------------------------------------------
# 2. Vocabulary terms exist and domains/ranges fit


def _parse(name: str, fmt: ox.RdfFormat) -> list[tuple[str, str, str]]:
    return [(str(t.subject), str(t.predicate), str(t.object)) for t in ox.parse(path=str(VOCAB / name), format=fmt)]


@cache
def crm_vocab():
    triples = _parse("CIDOC_CRM_v7.1.2.rdf", ox.RdfFormat.RDF_XML) + \
        _parse("la-terms.rdf.xml", ox.RdfFormat.RDF_XML) + _parse("linkedart_crm_enhancements.rdf", ox.RdfFormat.RDF_XML)
    return _index(triples)


@cache
def schema_vocab():
    triples = [tuple(x.replace("<https://schema.org/", "<http://schema.org/") for x in t)
               for t in _parse("schemaorg-current-https.ttl", ox.RdfFormat.TURTLE)]
    return _index(triples)  # type: ignore[arg-type]


@cache
def rights_vocab() -> set[str]:
    return {s for s, p, o in _parse("rightsstatements-1.0.ttl", ox.RdfFormat.TURTLE) if p == TYPE}


def _index(triples):
    classes, props, sub, dom, rng = set(), set(), defaultdict(set), defaultdict(set), defaultdict(set)
    for s, p, o in triples:
        if p == TYPE and o in (f"<{RDFS}Class>", "<http://www.w3.org/2002/07/owl#Class>", f"<{SCHEMA}DataType>"):
            classes.add(s)
        elif p == TYPE and o in (f"<{RDF}Property>", "<http://www.w3.org/2002/07/owl#ObjectProperty>",
                                 "<http://www.w3.org/2002/07/owl#DatatypeProperty>"):
            props.add(s)
        elif p == f"<{RDFS}subClassOf>":
            sub[s].add(o)
            classes.add(s)
        elif p in (f"<{RDFS}domain>", f"<{SCHEMA}domainIncludes>"):
            dom[s].add(o)
        elif p in (f"<{RDFS}range>", f"<{SCHEMA}rangeIncludes>"):
            rng[s].add(o)
        elif p == TYPE and o.startswith(f"<{SCHEMA}"):  # schema.org DataTypes are instances (Text, Date…)
            classes.add(s)
    return {"classes": classes, "props": props, "sub": sub, "dom": dom, "rng": rng}


def _supers(voc, c: str) -> set[str]:
    out, todo = {c}, [c]
    while todo:
        for s in voc["sub"].get(todo.pop(), ()):
            if s not in out:
                out.add(s)
                todo.append(s)
    return out


SKOS = "http://www.w3.org/2004/02/skos/core#"


@cache
def skos_vocab():
    """The SKOS terms (W3C SKOS Reference) as rdflib's SKOS namespace lists them: properties start lower case."""
    from rdflib.namespace import SKOS as RDFLIB_SKOS

    names = list(RDFLIB_SKOS.__annotations__)
    return {"classes": {f"<{SKOS}{n}>" for n in names if n[0].isupper()},
            "props": {f"<{SKOS}{n}>" for n in names if n[0].islower()},
            "sub": defaultdict(set), "dom": defaultdict(set), "rng": defaultdict(set)}


@cache
def ag_vocab():
    """arkgraph's own terms, as src/arkgraph/data/arkgraph-ns.ttl defines them."""
    from arkgraph.terms import AG
    path = Path(__file__).parent.parent / "src" / "arkgraph" / "data" / "arkgraph-ns.ttl"
    classes, props = set(), set()
    for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
        if t.predicate.value == RDF_TYPE_IRI and t.subject.value.startswith(AG):
            (classes if t.object.value.endswith("Class") else props).add(f"<{t.subject.value}>")
    return {"classes": classes, "props": props, "sub": defaultdict(set), "dom": defaultdict(set),
            "rng": defaultdict(set)}


RDF_TYPE_IRI = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _vocab_for(term: str):
    if term.startswith("<https://w3id.org/arkgraph/ns#"):
        return ag_vocab()
    if term.startswith(f"<{SCHEMA}"):
        return schema_vocab()
    if term.startswith(f"<{SKOS}"):  # local concepts link to their authority's broader term
        return skos_vocab()
    if term.startswith((f"<{CRM}", f"<{LA}", "<http://www.ics.forth.gr/isl/CRMdig/", "<http://purl.org/dc/")):
        return crm_vocab()
    return None


@pytest.mark.parametrize("source", ["parismusees", "gallica"])
def test_terms_exist(source: str) -> None:
    _need(source)
    records = pm_records() if source == "parismusees" else gallica_records()
    missing = set()
    for _, ts in records:
        for s, p, o in ts:
            if p.startswith(tuple(f"<{ns}" for ns in OUT_OF_SCOPE)):
                if p == TYPE:
                    voc = _vocab_for(o)
                    if voc is None or o not in voc["classes"]:
                        missing.add(("class", o))
                continue
            voc = _vocab_for(p)
            if voc is None or p not in voc["props"]:
                missing.add(("property", p))
            if p in (f"<{SCHEMA}license>",) and "rightsstatements.org" in o and o not in rights_vocab():
                missing.add(("rights statement", o))
    assert not missing, sorted(missing)


_SCHEMA_LITERAL_TYPES = {f"<{SCHEMA}{t}>" for t in ("Text", "URL", "Date", "DateTime", "Number", "Integer",
                                                     "Float", "Boolean", "Time", "DataType")}


@pytest.mark.parametrize("source", ["parismusees", "gallica"])
def test_domains_and_ranges(source: str) -> None:
    _need(source)
    problems = _domain_range_problems(source)
    assert not problems, sorted(problems)


def _domain_range_problems(source: str) -> set[tuple]:
    records = pm_records() if source == "parismusees" else gallica_records()
    problems = set()
    for _, ts in records:
        types: dict[str, set[str]] = defaultdict(set)
        for s, p, o in ts:
            if p == TYPE:
                types[s].add(o)
        for s, p, o in ts:
            voc = _vocab_for(p)
            if voc is None or p == TYPE:
                continue
            ns = SCHEMA if p.startswith(f"<{SCHEMA}") else None
            same_ns = lambda cs, ns=ns: {c for c in cs if (c.startswith(f"<{SCHEMA}") == bool(ns))}
            dom = voc["dom"].get(p)
            s_types = same_ns(types.get(s, set()))
            if ns and f"<{SCHEMA}Role>" in s_types | same_ns(types.get(o, set())):
                continue  # schema.org's Role pattern: a Role stands in for the value of any property
            if dom and s_types:
                supers = set().union(*(_supers(voc, t) for t in s_types))
                if not supers & dom:
                    problems.add(("domain", p, tuple(sorted(s_types))))
            rng = voc["rng"].get(p)
            if not rng:
                continue
            if o.startswith('"'):
                if ns:
                    lit_ok = set().union(*(_supers(voc, r) for r in rng)) & _SCHEMA_LITERAL_TYPES or \
                        any(_supers(voc, r) & _SCHEMA_LITERAL_TYPES for r in rng)
                    if not lit_ok and not any(f"<{SCHEMA}{t}>" in _supers_down(voc, r) for r in rng for t in ("Text", "Number", "Date")):
                        problems.add(("range: literal", p, tuple(sorted(rng))))
                continue
            o_types = same_ns(types.get(o, set()))
            if not o_types:
                if is_authority(o[1:-1]):
                    continue  # an authority's IRI: its class is the authority's to state, not ours (#16)
                if ns and f"<{SCHEMA}URL>" not in rng and not (rng & {f"<{SCHEMA}Text>"}):
                    problems.add(("range: untyped IRI", p, tuple(sorted(rng))))
                continue
            supers = set().union(*(_supers(voc, t) for t in o_types))
            if not supers & rng:
                problems.add(("range", p, tuple(sorted(o_types))))
    return problems


def _supers_down(voc, c: str) -> set[str]:
    """c and its subclasses (schema.org: URL is a subclass of Text, Integer of Number…)."""
    out = {c}
    changed = True
    while changed:
        changed = False
        for sub, sups in voc["sub"].items():
            if sub not in out and sups & out:
                out.add(sub)
                changed = True
    return out


# ---------------------------------------------------------------------------------------------
# 3. Every Linked Art record validates against the official Linked Art JSON schemas


@pytest.mark.slow
@pytest.mark.parametrize("source", ["parismusees", "gallica"])
def test_linked_art_json_schemas(source: str) -> None:
    _need(source)
    laschema = pytest.importorskip("arkgraph.laschema")
    from arkgraph import jsonld
    paths = PM_REAL + [PM_SYNTHETIC] if source == "parismusees" else gallica_record_files()
    records = convert(paths, profiles=("linkedart",), source="auto" if source == "parismusees" else "gallica")
    bad = {}
    for iri, ts in records:
        for doc in jsonld.record_documents(iri, ts, "linkedart"):
            errs = laschema.errors(doc)
            if errs:
                bad[doc.get("id", iri)] = errs[:3]
    assert records
    assert not bad, dict(list(bad.items())[:5])

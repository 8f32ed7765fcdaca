"""Issue #16, principle 7: every serialization of a run gives the same graph, record by record.

The real samples are converted once per session (conftest.real_samples_converted). N-Quads is the
reference: N-Triples, Turtle and TriG must hold the same triples; each record's JSON-LD documents,
expanded by PyLD against the bundled contexts, must give the record's N-Quads graph, up to the blank
structure nodes of the Linked Art documents documented in the README (URI policy):

    a node embedded in a Linked Art document whose IRI extends the document's (``<document>/…``) is written
    without ``id``, unless it is a document itself or a ``crmdig:D1_Digital_Object``.

The test applies that rule to the N-Quads graph (those IRIs become blank nodes) and compares canonical forms
(RDFC-1.0), so a node shared with the Schema.org profile and blanked in Linked Art fails it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import pytest
from pyld import jsonld as pyld

from arkgraph.jsonld import LINKED_ART_CONTEXT, document_loader

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DIGITAL_OBJECT = ox.NamedNode("http://www.ics.forth.gr/isl/CRMdig/D1_Digital_Object")
Triple = tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal]


@cache
def _record_graphs(path: Path) -> dict[str, set[Triple]]:
    graphs: dict[str, set[Triple]] = defaultdict(set)
    for q in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
        graphs[q.graph_name.value].add((q.subject, q.predicate, q.object))
    return dict(graphs)


@cache
def _documents(path: Path) -> dict[str, list[dict]]:
    """A JSON-LD output cut into records: a record's documents start with one rooted at its IRI."""
    records = set(_record_graphs(path.with_suffix(".nq")))
    out: dict[str, list[dict]] = {}
    current = None
    for doc in json.loads(path.read_bytes()):
        if doc["id"] in records and doc["id"] != current:
            current = doc["id"]
            assert current not in out, f"{current}: its documents are not together"
            out[current] = []
        out[current].append(doc)
    return out


def _expand(docs: list[dict]) -> set[Triple]:
    """The triples PyLD (the JSON-LD reference processor) reads in a record's documents, blank nodes
    kept apart per document."""
    triples: set[Triple] = set()
    for n, doc in enumerate(docs):
        nq = pyld.to_rdf(doc, {"format": "application/n-quads", "documentLoader": document_loader})
        nq = nq.replace("_:b", f"_:d{n}b")  # PyLD labels blank nodes _:b0… in each document
        triples |= {(q.subject, q.predicate, q.object) for q in ox.parse(nq, format=ox.RdfFormat.N_QUADS)}
    return triples


def _blank_structures(triples: set[Triple], la_triples: set[Triple], la_roots: set[str]) -> set[Triple]:
    """The README's rule applied to a record's N-Quads graph: the Linked Art nodes written without id
    become blank nodes."""
    digital = {s for s, p, o in la_triples if p == RDF_TYPE and o == DIGITAL_OBJECT}
    blank = {s for s, _, _ in la_triples
             if isinstance(s, ox.NamedNode) and s.value not in la_roots and s not in digital
             and any(s.value.startswith(r + "/") for r in la_roots)}
    names = {s: ox.BlankNode(f"s{n}") for n, s in enumerate(sorted(blank, key=lambda t: t.value))}
    return {(names.get(s, s), p, names.get(o, o)) for s, p, o in triples}  # type: ignore[misc]


def _canonical(triples: set[Triple]) -> set[ox.Quad]:
    ds = ox.Dataset(ox.Quad(s, p, o) for s, p, o in triples)
    ds.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return set(ds)


def _differences(run: Path, name: str) -> dict[str, tuple[int, int]]:
    """Records whose JSON-LD and N-Quads graphs differ, with (triples only in N-Quads, only in JSON-LD)."""
    nquads = _record_graphs(run / f"{name}.nq")
    assert set(_documents(run / f"{name}.jsonld")) == set(nquads), "every record has documents, and only records start one"
    return {rec: d for rec in nquads if (d := _differences_for(run, rec, name)) != (0, 0)}


def _differences_for(run: Path, rec: str, name: str = "all") -> tuple[int, int]:
    """One record of a run: (triples only in its N-Quads, only in its JSON-LD documents)."""
    docs = _documents(run / f"{name}.jsonld")[rec]
    la_roots = {d["id"] for d in docs if d["@context"] == LINKED_ART_CONTEXT}
    want = _canonical(_blank_structures(_record_graphs(run / f"{name}.nq")[rec],
                                        _record_graphs(run / "linkedart.nq").get(rec, set()), la_roots))
    got = _canonical(_expand(docs))
    return len(want - got), len(got - want)


@pytest.mark.slow
def test_the_run_holds_the_records_of_every_real_sample(real_samples_converted: Path) -> None:
    graphs = _record_graphs(real_samples_converted / "all.nq")
    assert len(graphs) > 300
    assert "https://n2t.net/ark:99999/pm226737" in graphs  # Paris Musées, nodeById
    assert "https://n2t.net/ark:12148/bpt6k5603637g" in graphs  # Gallica issue with its pages and IIIF manifest
    assert "https://n2t.net/ark:12148/cb32699739p/date" in graphs  # Gallica periodical with its Issues list


@pytest.mark.slow
def test_profile_all_is_the_union_of_the_single_profiles(real_samples_converted: Path) -> None:
    both = _record_graphs(real_samples_converted / "all.nq")
    so = _record_graphs(real_samples_converted / "schemaorg.nq")
    la = _record_graphs(real_samples_converted / "linkedart.nq")
    assert {rec for rec in both if both[rec] != so.get(rec, set()) | la.get(rec, set())} == set()


@pytest.mark.slow
@pytest.mark.parametrize("ext", ["nt", "ttl"])
def test_ntriples_and_turtle_give_the_triples_of_the_nquads(real_samples_converted: Path, ext: str) -> None:
    fmt = {"nt": ox.RdfFormat.N_TRIPLES, "ttl": ox.RdfFormat.TURTLE}[ext]
    got = {(t.subject, t.predicate, t.object) for t in ox.parse(path=str(real_samples_converted / f"all.{ext}"), format=fmt)}
    want = set().union(*_record_graphs(real_samples_converted / "all.nq").values())
    assert not any(isinstance(t, ox.BlankNode) for tr in want for t in tr)  # so sets compare graphs
    assert got == want


@pytest.mark.slow
def test_trig_gives_the_quads_of_the_nquads(real_samples_converted: Path) -> None:
    def quads(ext: str, fmt: ox.RdfFormat) -> set[ox.Quad]:
        return set(ox.parse(path=str(real_samples_converted / f"all.{ext}"), format=fmt))
    assert quads("trig", ox.RdfFormat.TRIG) == quads("nq", ox.RdfFormat.N_QUADS)


def test_single_profile_jsonld_is_that_profiles_documents_of_profile_all(real_samples_converted: Path) -> None:
    """So the graphs proved for --profile all below hold for each single profile too (and are compared)."""
    both = json.loads((real_samples_converted / "all.jsonld").read_bytes())
    for name, ctx in (("linkedart", LINKED_ART_CONTEXT), ("schemaorg", "https://schema.org")):
        single = json.loads((real_samples_converted / f"{name}.jsonld").read_bytes())
        assert single == [d for d in both if d["@context"] == ctx]


@pytest.mark.slow
@pytest.mark.parametrize("run", ["all", "schemaorg", "linkedart", "edm"])
def test_each_records_jsonld_gives_its_nquads_graph(real_samples_converted: Path, run: str) -> None:
    """Every record of every real sample, through PyLD: ~2,000 documents (~20 s for Linked Art's scoped
    contexts)."""
    assert _differences(real_samples_converted, run) == {}


def test_a_gallica_manifest_is_one_node_in_both_profiles_jsonld(real_samples_converted: Path) -> None:
    """The bug of principle 7: the IIIF manifest had its IRI in the Schema.org document and was a blank node
    in the Linked Art one, leaving 8 triples per record disconnected."""
    rec = "https://n2t.net/ark:12148/bpt6k5603637g"
    docs = _documents(real_samples_converted / "all.jsonld")[rec]
    la = next(d for d in docs if d["@context"] == LINKED_ART_CONTEXT and d["id"] == rec)
    manifest = next(lo["digitally_carried_by"][0] for lo in la["subject_of"]
                    if lo["digitally_carried_by"][0].get("format", "").startswith("application/ld+json"))
    assert manifest["id"] == f"{rec}/manifest"
    assert manifest["access_point"][0]["id"] == "https://gallica.bnf.fr/iiif/ark:/12148/bpt6k5603637g/manifest.json"
    so = next(d for d in docs if d["@context"] != LINKED_ART_CONTEXT)
    subject_of = so["subjectOf"] if isinstance(so["subjectOf"], list) else [so["subjectOf"]]
    assert f"{rec}/manifest" in [s["id"] for s in subject_of]
    assert _differences_for(real_samples_converted, rec) == (0, 0)


def test_a_periodicals_jsonld_says_what_its_nquads_say(real_samples_converted: Path) -> None:
    """The periodical's issues set: its own Linked Art document (nothing in the record points at it), and
    no membership of the issues stated from the periodical's side (each issue's record states it)."""
    rec = "https://n2t.net/ark:12148/cb32699739p/date"
    docs = _documents(real_samples_converted / "all.jsonld")[rec]
    assert {"id": f"{rec}/set", "type": "Set"}.items() <= docs[-1].items()
    assert docs[-1]["_label"].startswith("Fascicules : L'Anti-cafard")
    assert _differences_for(real_samples_converted, rec) == (0, 0)

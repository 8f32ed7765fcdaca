"""Every serialization parses back, in pyoxigraph and in rdflib, to the same graph."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner
from pyld import jsonld as pyld
from rdflib.compare import isomorphic, to_isomorphic

from arkgraph import jsonld
from arkgraph.cli import main
from helpers import PM

INPUTS = [str(PM / "synthetic-full-nodeoeuvre.json"), str(PM / "nodequery-chinese-works-even.json")]
OX = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "nq": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}
RDFLIB = {"ttl": "turtle", "nt": "nt", "nq": "nquads", "trig": "trig"}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("rt")
    out = {}
    for ext in ("nt", "ttl", "nq", "trig", "jsonld"):
        out[ext] = d / f"all.{ext}"
        CliRunner().invoke(main, ["convert", *INPUTS, "-o", str(out[ext]), "-q"], catch_exceptions=False)
    return out


def _triples_ox(path: Path, fmt: str) -> set[tuple[str, str, str]]:
    return {(str(q.subject), str(q.predicate), str(q.object)) for q in ox.parse(path=str(path), format=OX[fmt])}


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["ttl", "nq", "trig"])
def test_pyoxigraph_same_triples(outputs: dict[str, Path], fmt: str) -> None:
    reference = _triples_ox(outputs["nt"], "nt")
    assert len(reference) > 40_000
    assert _triples_ox(outputs[fmt], fmt) == reference


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """rdflib is slow: a few records (every field shape) for its round trip."""
    d = tmp_path_factory.mktemp("rt-small")
    out = {}
    for ext in ("nt", "ttl", "nq", "trig"):
        out[ext] = d / f"small.{ext}"
        CliRunner().invoke(main, ["convert", str(PM / "synthetic-full-nodeoeuvre.json"), str(PM / "synthetic-works.jsonl"),
                                  str(PM / "nodebyid-226737-docs-example.json"), "-o", str(out[ext]), "-q"],
                           catch_exceptions=False)
    return out


@pytest.mark.parametrize("fmt", ["ttl", "nq", "trig"])
def test_rdflib_same_graph(small: dict[str, Path], fmt: str) -> None:
    outputs = small
    ref = rdflib.Graph().parse(outputs["nt"], format="nt")
    assert len(ref) > 500
    if fmt in ("nq", "trig"):
        ds = rdflib.Dataset()
        ds.parse(outputs[fmt], format=RDFLIB[fmt])
        g = rdflib.Graph()
        for s, p, o, _ in ds.quads((None, None, None, None)):
            g.add((s, p, o))
    else:
        g = rdflib.Graph().parse(outputs[fmt], format=RDFLIB[fmt])
    assert set(g) == set(ref)


def test_named_graph_per_record(outputs: dict[str, Path]) -> None:
    graphs = {str(q.graph_name) for q in ox.parse(path=str(outputs["nq"]), format=ox.RdfFormat.N_QUADS)}
    assert len(graphs) == 250 and "<https://n2t.net/ark:99999/pm216702>" in graphs


def _expand_to_graph(docs: list[dict]) -> rdflib.Graph:
    g = rdflib.Graph()
    for doc in docs:
        nq = pyld.to_rdf(doc, {"format": "application/n-quads", "documentLoader": jsonld.document_loader})
        g.parse(data=nq, format="nquads")
    return g


def _la_structures_as_bnodes(g: rdflib.Graph, roots: set[str]) -> rdflib.Graph:
    """Linked Art's JSON writes embedded structures without ids (README, URI policy): compare them as
    blank nodes. Documents and digital objects keep their ids."""
    out = rdflib.Graph()
    digital = set(g.subjects(rdflib.RDF.type, rdflib.URIRef("http://www.ics.forth.gr/isl/CRMdig/D1_Digital_Object")))

    def conv(t):
        if (isinstance(t, rdflib.URIRef) and str(t) not in roots and t not in digital
                and any(str(t).startswith(r + "/") for r in roots)):
            return rdflib.BNode(re.sub(r"\W", "_", str(t)))
        return t
    for s, p, o in g:
        out.add((conv(s), p, conv(o)))
    return out


@pytest.mark.parametrize("profile", ["schemaorg", "linkedart"])
def test_jsonld_same_graph_per_record(tmp_path: Path, profile: str) -> None:
    """Each record's documents expand (through PyLD and the bundled contexts) to the record's own triples."""
    for src, root in ((PM / "synthetic-full-nodeoeuvre.json", "https://n2t.net/ark:99999/pm900001"),
                      (PM / "nodebyid-226737-docs-example.json", "https://n2t.net/ark:99999/pm226737")):
        for ext in ("jsonld", "nq"):
            CliRunner().invoke(main, ["convert", str(src), "--profile", profile, "-o", str(tmp_path / f"o.{ext}"), "-q"],
                               catch_exceptions=False)
        docs = json.loads((tmp_path / "o.jsonld").read_text())
        ds = rdflib.Dataset()
        ds.parse(tmp_path / "o.nq", format="nquads")
        want = rdflib.Graph()
        for s, p, o, _ in ds.quads((None, None, None, None)):
            want.add((s, p, o))
        roots = {d["id"] for d in docs}
        if profile == "linkedart":
            want = _la_structures_as_bnodes(want, roots)
        assert isomorphic(to_isomorphic(_expand_to_graph(docs)), to_isomorphic(want)), src.name
        assert docs[0]["id"] == root  # the record's tree comes first, rooted at the work


@pytest.mark.slow
def test_fast_compaction_matches_pyld(outputs: dict[str, Path]) -> None:
    """The context-driven compactor gives documents that PyLD expands to the same triples as PyLD's own compaction."""
    from arkgraph.pipeline import PROFILES, Options
    from arkgraph.sources import parismusees
    from arkgraph.sources.common import RawRecord
    from arkgraph import mappings
    payload = json.loads((PM / "synthetic-full-nodeoeuvre.json").read_text())["data"]["nodeById"]
    rec = parismusees.Mapper(mappings.load()).map(RawRecord("parismusees", "x", 1, payload)).record
    for profile in ("schemaorg", "linkedart"):
        triples = list(dict.fromkeys(PROFILES[profile](rec)))
        trees = jsonld.build_documents(rec.iri, triples, linked_art=profile == "linkedart")
        ctx = jsonld.LINKED_ART_CONTEXT if profile == "linkedart" else jsonld.SCHEMA_CONTEXT
        fast = [jsonld.compactor(ctx).compact(t) for t in trees]
        ref = [jsonld.compact_pyld(_strip_none_ids(t), ctx) for t in trees]
        assert isomorphic(_expand_to_graph(fast), _expand_to_graph(ref)), profile


def _strip_none_ids(node):
    if isinstance(node, dict):
        return {k: _strip_none_ids(v) for k, v in node.items() if not (k == "@id" and v is None)}
    if isinstance(node, list):
        return [_strip_none_ids(x) for x in node]
    return node

"""The W3C SHACL Core test suite (tests/fixtures/shacl-test-suite/, 98 tests), run through arkgraph's public
validation API (``arkgraph.shacl.validate_graph``), each report compared with the expected one as the suite
defines it: sh:conforms, and the multiset of results (focus node, path with its RDF structure, value, source
shape, source constraint component, severity; messages only where the test states them).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from arkgraph import shacl

SUITE = Path(__file__).parent / "fixtures" / "shacl-test-suite" / "core"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
SHT = "http://www.w3.org/ns/shacl-test#"
SH = "http://www.w3.org/ns/shacl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

Triples = list[tuple[str, str, str]]


def _i(iri: str) -> str:
    return f"<{iri}>"


class Graph:
    """A parsed Turtle file as N-Triples term strings (what arkgraph.shacl takes), blank nodes
    labelled per file so two files never share one by accident. Its index and list reader are the
    test's own, not arkgraph.shacl.shapes.ShapesGraph: the expected reports (paths as RDF lists) are
    read independently of the reader the validator reads the shapes with."""

    def __init__(self, path: Path):
        self.path = path
        tag = path.stem.replace("-", "_")

        def term(t: object) -> str:
            return f"_:{tag}_{t.value}" if isinstance(t, ox.BlankNode) else str(t)

        self.triples: Triples = [(term(t.subject), str(t.predicate), term(t.object))
                                 for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=path.as_uri())]
        self.spo: dict[str, dict[str, list[str]]] = {}
        for s, p, o in self.triples:
            self.spo.setdefault(s, {}).setdefault(p, []).append(o)

    def objs(self, s: str, p: str) -> list[str]:
        return self.spo.get(s, {}).get(p, [])

    def one(self, s: str, p: str) -> str | None:
        v = self.objs(s, p)
        return v[0] if v else None

    def items(self, head: str) -> list[str]:
        out = []
        while head != _i(RDF + "nil"):
            out.append(self.one(head, _i(RDF + "first")) or "")
            head = self.one(head, _i(RDF + "rest")) or _i(RDF + "nil")
        return out


_GRAPHS: dict[Path, Graph] = {}


def graph(path: Path) -> Graph:
    if path not in _GRAPHS:
        _GRAPHS[path] = Graph(path)
    return _GRAPHS[path]


def _file(iri: str) -> Path:
    return Path(iri[len("<file://"):-1])


def entries(manifest: Path) -> list[tuple[str, Path, Path, Path, str]]:
    """(test id, data file, shapes file, manifest file, expected result node) of every test under a manifest."""
    g = graph(manifest)
    me = _i(manifest.as_uri())
    out = []
    for inc in g.objs(me, _i(MF + "include")):
        out += entries(_file(inc))
    for head in g.objs(me, _i(MF + "entries")):
        for test in g.items(head):
            action = g.one(test, _i(MF + "action")) or ""
            data = _file(g.one(action, _i(SHT + "dataGraph")) or "")
            shapes = _file(g.one(action, _i(SHT + "shapesGraph")) or "")
            test_id = str(manifest.parent.name) + "/" + test.rsplit("/", 1)[-1].rstrip(">")
            out.append((test_id, data, shapes, manifest, g.one(test, _i(MF + "result")) or ""))
    return out


TESTS = entries(SUITE / "manifest.ttl")


def test_the_suite_holds_every_core_test() -> None:
    assert len(TESTS) == 98


def canonical_path(g: Graph, node: str) -> object:
    """A property path as a nested tuple read from its RDF structure (SHACL 2.3.1)."""
    if g.objs(node, _i(RDF + "first")):
        return ("sequence", tuple(canonical_path(g, x) for x in g.items(node)))
    for kind in ("inversePath", "zeroOrMorePath", "oneOrMorePath", "zeroOrOnePath"):
        inner = g.one(node, _i(SH + kind))
        if inner:
            return (kind, canonical_path(g, inner))
    alt = g.one(node, _i(SH + "alternativePath"))
    if alt:
        return ("alternativePath", tuple(canonical_path(g, x) for x in g.items(alt)))
    assert node.startswith("<"), f"not a well-formed path: {node}"
    return node


def results(g: Graph, report: str, same_file_bnodes: bool, messages: bool) -> Counter:
    """The multiset of a report's results. Blank nodes from another file than the report's shapes
    compare as 'a blank node' (the suite's expected reports live in the manifest file)."""
    def term(t: str | None) -> str | None:
        if t is not None and t.startswith("_:") and not same_file_bnodes:
            return "_:"
        return t

    out: Counter = Counter()
    for r in g.objs(report, _i(SH + "result")):
        path = g.one(r, _i(SH + "resultPath"))
        key = (term(g.one(r, _i(SH + "focusNode"))),
               None if path is None else canonical_path(g, path),
               term(g.one(r, _i(SH + "value"))),
               term(g.one(r, _i(SH + "sourceShape"))),
               g.one(r, _i(SH + "sourceConstraintComponent")),
               g.one(r, _i(SH + "resultSeverity")),
               frozenset(g.objs(r, _i(SH + "resultMessage"))) if messages else None)
        out[key] += 1
    return out


class ReportGraph(Graph):
    """arkgraph's report triples, read as the expected report is."""

    def __init__(self, triples: Triples):
        self.triples = triples
        self.spo = {}
        for s, p, o in triples:
            self.spo.setdefault(s, {}).setdefault(p, []).append(o)


@pytest.mark.parametrize("generated", [True, False], ids=["generated", "components"])
@pytest.mark.parametrize(("test_id", "data", "shapes", "manifest", "expected"), TESTS, ids=[t[0] for t in TESTS])
def test_each_w3c_core_test_gives_the_expected_report(test_id: str, data: Path, shapes: Path, manifest: Path, expected: str, generated: bool,
                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test passes with the generated fast path and with the components' own checks."""
    monkeypatch.setattr(shacl.run, "GENERATE", generated)
    mg = graph(manifest)
    report = shacl.validate_graph(graph(data).triples, graph(shapes).triples)

    got = ReportGraph(list(report.triples()))
    (got_node,) = [s for s, po in got.spo.items() if _i(SH + "ValidationReport") in po.get(_i(RDF + "type"), [])]
    want_conforms = mg.one(expected, _i(SH + "conforms"))
    assert got.one(got_node, _i(SH + "conforms")) == want_conforms
    assert report.conforms == want_conforms.startswith('"true"')

    same = shapes == manifest and data == manifest
    messages = any(mg.objs(r, _i(SH + "resultMessage")) for r in mg.objs(expected, _i(SH + "result")))
    want = results(mg, expected, same, messages)
    have = results(got, got_node, same, messages)
    assert have == want, f"missing: {want - have}\nunexpected: {have - want}"


def test_sparql_constraints_are_refused_in_one_line() -> None:
    shapes = [("<http://e/S>", _i(RDF + "type"), _i(SH + "NodeShape")),
              ("<http://e/S>", _i(SH + "targetNode"), "<http://e/x>"),
              ("<http://e/S>", _i(SH + "sparql"), "_:c")]
    with pytest.raises(shacl.ShapesError) as err:
        shacl.validate_graph([], shapes)
    assert "sh:sparql" in str(err.value) and "SHACL-SPARQL" in str(err.value) and "\n" not in str(err.value)

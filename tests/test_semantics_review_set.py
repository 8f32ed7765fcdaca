"""The review set: what 12 real records must say and must not say, as SPARQL ASK queries in tests/semantics/.

Each .rq file there describes one record (format: tests/semantics/README.md). Its inputs are converted with
`--profile all` (once per session, by the `converted_all_profiles` fixture), the record's named graph is loaded
alone into a pyoxigraph store, and each query is one test case: a MUST query must answer true, a MUST NOT query
false.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest

SEMANTICS = Path(__file__).parent / "semantics"

# Prefixes every review query may use without declaring them (the README lists them for curators).
PREFIXES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "schema": "http://schema.org/",
    "crm": "http://www.cidoc-crm.org/cidoc-crm/",
    "la": "https://linked.art/ns/terms/",
    "dig": "http://www.ics.forth.gr/isl/CRMdig/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "aat": "http://vocab.getty.edu/aat/",
    "relators": "http://id.loc.gov/vocabulary/relators/",
}
PROLOGUE = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())

_QUERY_HEAD = re.compile(r"^###\s+(MUST NOT|MUST)\s+(\S+)\s*$")
_HEADER_KEY = re.compile(r"^#\s*(input|record):\s*(.+?)\s*$")


@dataclass(frozen=True)
class ReviewQuery:
    file: str
    name: str
    must: bool  # True: the ASK must be true; False (MUST NOT): it must be false
    text: str   # the block as written, comments included (SPARQL ignores them)


@dataclass(frozen=True)
class ReviewFile:
    name: str
    inputs: tuple[str, ...]
    record: str | None  # end of the record's graph IRI; None: the inputs hold exactly one record
    queries: tuple[ReviewQuery, ...]


def parse(path: Path) -> ReviewFile:
    inputs: list[str] = []
    record = None
    queries: list[ReviewQuery] = []
    head: tuple[bool, str] | None = None
    body: list[str] = []

    def close() -> None:
        if head is not None:
            queries.append(ReviewQuery(path.name, head[1], head[0], "\n".join(body).strip() + "\n"))

    for line in path.read_text(encoding="utf-8").splitlines():
        m = _QUERY_HEAD.match(line)
        if m:
            close()
            head, body = (m.group(1) == "MUST", m.group(2)), []
        elif head is None:
            k = _HEADER_KEY.match(line)
            if k and k.group(1) == "input":
                inputs.append(k.group(2))
            elif k:
                record = k.group(2)
        else:
            body.append(line)
    close()
    return ReviewFile(path.name, tuple(inputs), record, tuple(queries))


REVIEW_FILES = [parse(p) for p in sorted(SEMANTICS.glob("*.rq"))]
CASES = [(f, q) for f in REVIEW_FILES for q in f.queries]


def _ark_key(iri: str) -> str:
    return iri.replace("ark:/", "ark:")  # the old `ark:/` and new `ark:` label forms name the same ARK


def record_graph(dataset: ox.Dataset, review: ReviewFile) -> tuple[ox.Store, ox.NamedNode]:
    """The record's named graph, alone, as the default graph of a fresh store, and the graph's IRI (which is
    also the IRI of the record's own node: queries see it as ?record)."""
    graphs = sorted({q.graph_name.value for q in dataset if isinstance(q.graph_name, ox.NamedNode)})
    if review.record is None:
        chosen = graphs
    else:
        chosen = [g for g in graphs if _ark_key(g).endswith(_ark_key(review.record))]
    assert len(chosen) == 1, f"{review.name}: expected one record graph for {review.record!r}, found {chosen}"
    store = ox.Store()
    graph = ox.NamedNode(chosen[0])
    store.extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph())
                 for q in dataset.quads_for_graph_name(graph))
    assert len(store), f"{review.name}: the record graph {chosen[0]} is empty"
    return store, graph


@pytest.fixture(scope="module")
def record_stores(converted_all_profiles) -> dict[str, tuple[ox.Store, ox.NamedNode]]:
    """Each record's graph, loaded on first use (a file's inputs are converted once per session)."""

    class Stores(dict):
        def __missing__(self, name: str) -> tuple[ox.Store, ox.NamedNode]:
            review = next(f for f in REVIEW_FILES if f.name == name)
            loaded = self[name] = record_graph(converted_all_profiles(review.inputs), review)
            return loaded

    return Stores()


def test_the_review_set_has_twelve_records_each_with_inputs_and_queries():
    assert len(REVIEW_FILES) == 12, [f.name for f in REVIEW_FILES]
    for f in REVIEW_FILES:
        assert f.inputs, f"{f.name} names no '# input:' file"
        for i in f.inputs:
            assert (Path(__file__).parent / i).is_file(), f"{f.name}: input {i} does not exist"
        assert f.queries, f"{f.name} holds no query"
        names = [q.name for q in f.queries]
        assert len(names) == len(set(names)), f"{f.name}: two queries share a name"


@pytest.mark.parametrize(("review", "query"), CASES, ids=[f"{f.name}::{q.name}" for f, q in CASES])
def test_every_query_quotes_the_source_value_it_checks(review: ReviewFile, query: ReviewQuery):
    assert re.search(r"^#\s*source:", query.text, re.M), f"{query.name} has no '# source:' comment"
    assert re.search(r"\bASK\b", query.text), f"{query.name} is not an ASK query"


@pytest.mark.parametrize(("review", "query"), CASES, ids=[f"{f.name}::{q.name}" for f, q in CASES])
def test_review_query(review: ReviewFile, query: ReviewQuery, record_stores):
    store, record = record_stores[review.name]
    # ?record is the record's own node; oxigraph refuses a substitution for a variable the query lacks
    uses_record = re.search(r"[?$]record\b", query.text) is not None
    answer = store.query(PROLOGUE + query.text, substitutions={ox.Variable("record"): record} if uses_record else None)
    assert isinstance(answer, ox.QueryBoolean), f"{query.name} is not an ASK query"
    if query.must:
        assert bool(answer), f"MUST {query.name} is false for {review.name}:\n{query.text}"
    else:
        assert not bool(answer), f"MUST NOT {query.name} is true for {review.name}:\n{query.text}"

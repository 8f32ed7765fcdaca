"""Small helpers for tests: convert fixtures in-process and query the result as RDF."""

from __future__ import annotations

import io
from pathlib import Path

import pyoxigraph as ox

from arkgraph.pipeline import Options, Summary, convert

FIXTURES = Path(__file__).parent / "fixtures"
PM = FIXTURES / "parismusees"
SCHEMA = "http://schema.org/"
CRM = "http://www.cidoc-crm.org/cidoc-crm/"
AAT = "http://vocab.getty.edu/aat/"


def convert_to_store(*inputs: Path | str, profiles: tuple[str, ...] = ("schemaorg", "linkedart"),
                     **opts: object) -> tuple[ox.Store, Summary]:
    buf = io.BytesIO()
    summary, _ = convert(Options([str(i) for i in inputs], profiles=profiles, fmt="nq", **opts), buf)  # type: ignore[arg-type]
    store = ox.Store()
    store.load(buf.getvalue(), format=ox.RdfFormat.N_QUADS)
    return store, summary


def select(store: ox.Store, query: str) -> list[tuple[str, ...]]:
    prefixes = (f"PREFIX schema: <{SCHEMA}> PREFIX crm: <{CRM}> PREFIX aat: <{AAT}> "
                "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX la: <https://linked.art/ns/terms/> "
                "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> ")
    result = store.query(prefixes + query, use_default_graph_as_union=True)
    if isinstance(result, ox.QueryBoolean):
        return [(str(bool(result)).lower(),)]
    rows = []
    for sol in result:
        rows.append(tuple(t.value if t is not None else None for t in sol))
    return list(dict.fromkeys(rows))  # shared nodes repeat across record graphs

"""Shared helpers for the `arkgraph embed` tests: conversion of the real fixtures, hostile records,
extraction as consumers do it (extruct), and RDF comparison after JSON-LD expansion."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from click.testing import CliRunner
from pyld import jsonld as pyld

from arkgraph import jsonld
from arkgraph.cli import main
from arkgraph.embed import profile_triples
from arkgraph.terms import L, SCHEMA

FIXTURES = Path(__file__).parent / "fixtures"
REAL = FIXTURES / "parismusees" / "nodequery-chinese-works-even.json"      # real API response
SYNTHETIC = FIXTURES / "parismusees" / "synthetic-full-nodeoeuvre.json"    # labelled synthetic: images, roles

# Values that try to leave the <script> element, open a comment, or break a JS consumer.
HOSTILE = [
    '</script><script>document.documentElement.setAttribute("data-pwned","1")</script>',
    "<!--<script>alert(1)</script>-->",
    "\"Quotes\" 'single' & <b>bold</b> &amp; &lt; ]]> </SCRIPT >",
    "Line\u2028separator\u2029paragraph",
    "</title><h1 id=pwned>x</h1><script src=//evil.example/x.js></script>",
]


def convert(inputs: list[Path], out: Path, profile: str = "schemaorg") -> Path:
    res = CliRunner().invoke(main, ["convert", *map(str, inputs), "--profile", profile, "-o", str(out)])
    assert res.exit_code in (0, 1) and out.exists(), res.output  # 1: the real file has a record without a title
    return out


def hostile_nq(src: Path, out: Path) -> tuple[Path, dict[str, str]]:
    """Copy of an N-Quads file where the first len(HOSTILE) records' schema:name is a hostile string
    (and their descriptions too): exact strings, past any source-side cleaning."""
    name = f"<{SCHEMA}name>"
    desc = f"<{SCHEMA}description>"
    lines = src.read_text(encoding="utf-8").splitlines(keepends=True)
    order: list[str] = []
    for line in lines:
        g = line.rsplit(" ", 2)[-2]
        if g not in order:
            order.append(g)
    chosen = {g: HOSTILE[i] for i, g in enumerate(order[: len(HOSTILE)])}
    out_lines = []
    for line in lines:
        s, p, rest = line.split(" ", 2)
        g = line.rsplit(" ", 2)[-2]
        if g in chosen and s == g and p in (name, desc):
            line = f"{s} {p} {L(chosen[g], 'fr')} {g} .\n"
        out_lines.append(line)
    out.write_text("".join(out_lines), encoding="utf-8")
    return out, {g[1:-1]: v for g, v in chosen.items()}


def record_graphs(nq: Path, profile: str = "schemaorg") -> dict[str, set[tuple[str, str, str]]]:
    """The converter's output, per record graph, as sets of N-Triples term strings (one profile's view)."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for q in ox.parse(path=str(nq), format=ox.RdfFormat.N_QUADS):
        if isinstance(q.graph_name, ox.NamedNode) and not q.graph_name.value.endswith("#deletions"):
            out.setdefault(q.graph_name.value, []).append((str(q.subject), str(q.predicate), str(q.object)))
    return {g: set(profile_triples(ts, profile)) for g, ts in out.items()}


def expand_to_triples(doc: Any) -> set[tuple[str, str, str]]:
    """JSON-LD as a consumer reads it: expanded with PyLD (bundled contexts, no network), to RDF."""
    nq = pyld.to_rdf(doc, {"format": "application/n-quads", "documentLoader": jsonld.document_loader})
    ts = {(str(q.subject), str(q.predicate), str(q.object))
          for q in ox.parse(nq.encode("utf-8"), format=ox.RdfFormat.N_QUADS)}
    assert not any(t[0].startswith("_:") or t[2].startswith("_:") for t in ts), "blank nodes: compare isomorphically"
    return ts


def extruct_docs(html_text: str, url: str = "http://127.0.0.1/") -> list[Any]:
    import extruct

    return extruct.extract(html_text, base_url=url, syntaxes=["json-ld"], uniform=False)["json-ld"]


def arkgraph_docs(docs: list[Any]) -> list[dict[str, Any]]:
    """Flatten top-level arrays (a block may hold several documents)."""
    out: list[dict[str, Any]] = []
    for d in docs:
        out.extend(d if isinstance(d, list) else [d])
    return out


def root_of(doc: dict[str, Any]) -> str:
    return doc.get("@id") or doc.get("id")  # type: ignore[return-value]


def dumps(x: Any) -> str:
    return json.dumps(x, ensure_ascii=False, sort_keys=True)

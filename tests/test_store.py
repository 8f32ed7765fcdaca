"""Loading into the embedded Oxigraph store, and querying it. Data here is SYNTHETIC (see oxigraph_server.py)."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from arkgraph import __version__
from arkgraph.cli.store import load, query
from arkgraph.store import open_sink
from oxigraph_server import (PROV_TRIPLES, embedded_nquads, marker_line, normalize, record_iri, record_lines,
                             triples_per_record, write_nq)

PATHS = ["bulk", "upsert"]  # the two load paths must agree


def run(cmd, *args: str):
    return CliRunner().invoke(cmd, [str(a) for a in args], catch_exceptions=False)


def do_load(store: Path, *args: str, path: str = "bulk"):
    extra = ["--no-bulk"] if path == "upsert" else []
    result = run(load, *args, "--store", store, *extra)
    assert result.exit_code == 0, result.output
    return result


def count(store: Path, where: str = "{ GRAPH ?g { ?s ?p ?o } }") -> int:
    s = ox.Store(str(store))
    try:
        return int(next(iter(s.query(f"SELECT (COUNT(*) AS ?n) WHERE {where}")))["n"].value)
    finally:
        del s
        gc.collect()


def graphs(store: Path) -> set[str]:
    s = ox.Store(str(store))
    try:
        return {g.value for g in s.named_graphs()}
    finally:
        del s
        gc.collect()


@pytest.mark.slow
@pytest.mark.parametrize("path", PATHS)
def test_loading_twice_leaves_one_version(tmp_path: Path, path: str) -> None:
    nq = write_nq(tmp_path / "out.nq", range(20))
    store = tmp_path / "store"
    do_load(store, nq, path=path)
    first = embedded_nquads(store)
    result = do_load(store, nq, path=path)
    assert "loaded 20 graphs (160 triples)" in result.stderr
    expected = 20 * (triples_per_record() + PROV_TRIPLES)
    assert count(store) == expected
    assert len(graphs(store)) == 20
    assert normalize(embedded_nquads(store)) == normalize(first)
    assert not list(tmp_path.glob("store.checkpoint*")), "a completed load leaves no checkpoint"


@pytest.mark.slow
@pytest.mark.parametrize("path", PATHS)
def test_reloading_changed_records_replaces_them(tmp_path: Path, path: str) -> None:
    store = tmp_path / "store"
    do_load(store, write_nq(tmp_path / "v1.nq", range(10)), path=path)
    do_load(store, write_nq(tmp_path / "v2.nq", range(3, 6), version=2), path=path)
    assert count(store) == 7 * triples_per_record(1) + 3 * triples_per_record(2) + 10 * PROV_TRIPLES
    assert count(store, '{ GRAPH ?g { ?s <http://schema.org/description> "only in version 1" } }') == 7
    assert count(store, f'{{ GRAPH <{record_iri(4)}> {{ ?s ?p "Vase \\"4\\" v2"@fr }} }}') == 1
    assert count(store, f'{{ GRAPH <{record_iri(4)}> {{ ?s ?p "Vase \\"4\\" v1"@fr }} }}') == 0


@pytest.mark.slow
@pytest.mark.parametrize("path", PATHS)
def test_deletion_marker_drops_the_graph(tmp_path: Path, path: str) -> None:
    store = tmp_path / "store"
    do_load(store, write_nq(tmp_path / "v1.nq", range(10)), path=path)
    result = do_load(store, write_nq(tmp_path / "del.nq", [10], deleted=[2, 7]), path=path)
    assert ", 2 deleted" in result.stderr
    names = graphs(store)
    assert record_iri(2) not in names and record_iri(7) not in names
    assert record_iri(10) in names and len(names) == 9
    assert "https://w3id.org/arkgraph/ns#deletions" not in names, "the marker itself is never loaded"
    assert count(store, "{ ?s <https://w3id.org/arkgraph/ns#deleted> ?o }") == 0
    assert count(store) == 9 * (triples_per_record() + PROV_TRIPLES)


@pytest.mark.slow
def test_marker_and_data_in_one_file_follow_file_order(tmp_path: Path) -> None:
    # record 1: data then marker → gone; record 2: marker then data → present (re-created after deletion)
    nq = tmp_path / "mixed.nq"
    nq.write_text("\n".join([*record_lines(1), marker_line(1), marker_line(2), *record_lines(2)]) + "\n")
    store = tmp_path / "store"
    do_load(store, nq)  # the bulk path sees the conflict and takes the exact path
    assert graphs(store) == {record_iri(2)}


@pytest.mark.slow
def test_non_canonical_nquads_take_the_exact_path(tmp_path: Path) -> None:
    nq = write_nq(tmp_path / "tabs.nq", range(5), sep="\t")
    store = tmp_path / "store"
    result = do_load(store, nq)
    assert "record by record" in result.stderr
    do_load(store, nq)
    assert count(store) == 5 * (triples_per_record() + PROV_TRIPLES)


@pytest.mark.slow
@pytest.mark.parametrize("path", PATHS)
def test_provenance_is_in_each_graph(tmp_path: Path, path: str) -> None:
    nq = write_nq(tmp_path / "out.nq", range(3))
    store = tmp_path / "store"
    do_load(store, nq, "--profile", "linkedart", "--profile", "schemaorg", path=path)
    s = ox.Store(str(store))
    rows = list(s.query(f"""
        PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX ag: <https://w3id.org/arkgraph/ns#>
        SELECT ?src ?t ?v (GROUP_CONCAT(?prof; separator=",") AS ?profs) WHERE {{
          GRAPH <{record_iri(1)}> {{ <{record_iri(1)}> prov:wasDerivedFrom ?src ; prov:generatedAtTime ?t ;
                                    ag:arkgraphVersion ?v ; ag:profile ?prof }} }} GROUP BY ?src ?t ?v"""))
    del s
    gc.collect()
    assert len(rows) == 1
    row = rows[0]
    assert row["src"].value == nq.resolve().as_uri()
    assert row["t"].datatype.value == "http://www.w3.org/2001/XMLSchema#dateTime"
    assert row["v"].value == __version__
    assert sorted(row["profs"].value.split(",")) == ["linkedart", "schemaorg"]


@pytest.mark.slow
def test_default_graph_mode_replaces_records_and_keeps_shared_nodes(tmp_path: Path) -> None:
    store = tmp_path / "store"
    do_load(store, write_nq(tmp_path / "v1.nq", range(6)), "--default-graph")
    do_load(store, write_nq(tmp_path / "v1.nq", range(6)), "--default-graph")
    assert graphs(store) == set()
    # per record: 8 triples - shared agent names (3 distinct agents) + provenance
    agents = 3
    expected = 6 * (triples_per_record() - 1 + PROV_TRIPLES) + agents
    assert count(store, "{ ?s ?p ?o }") == expected
    do_load(store, write_nq(tmp_path / "v2.nq", [4], version=2), "--default-graph")
    assert count(store, "{ ?s ?p ?o }") == expected - 1  # v2 has no description
    assert count(store, '{ ?s <http://schema.org/name> "Agent 1" }') == 1


@pytest.mark.slow
def test_triple_files_go_to_a_named_graph_or_the_default_graph(tmp_path: Path) -> None:
    nt = tmp_path / "extra.nt"
    nt.write_text('<http://example.org/a> <http://schema.org/name> "A" .\n'
                  '<http://example.org/b> <http://schema.org/name> "B" .\n')
    store = tmp_path / "store"
    for _ in range(2):
        do_load(store, nt, "--graph", "http://example.org/extra")
    assert graphs(store) == {"http://example.org/extra"}
    assert count(store) == 2 + PROV_TRIPLES
    result = do_load(store, nt)
    assert "default graph" in result.stderr
    assert count(store, "{ ?s ?p ?o }") == 2


@pytest.mark.slow
def test_sink_api_for_convert(tmp_path: Path) -> None:
    store = tmp_path / "store"
    triples = [(f"<{record_iri(1)}>", "<http://schema.org/name>", '"Vase"@fr'),
               (f"<{record_iri(1)}>", "<http://schema.org/size>", "_:b0")]
    with open_sink(str(store), auth=None, protocol="update", default_graph=False, resume=False,
                   profiles=("linkedart",)) as sink:
        sink.write(record_iri(1), triples, source="dumps/page-1.json")
        sink.write(record_iri(2), triples[:1], source="dumps/page-1.json")
        sink.write(record_iri(1), triples[:1], source="dumps/page-2.json")  # a later version in the same run
        sink.delete(record_iri(2), source="dumps/page-2.json")
        counts = sink.close()
    assert counts["graphs"] == 3 and counts["deleted"] == 1
    assert graphs(store) == {record_iri(1)}
    assert count(store) == 1 + PROV_TRIPLES + 1


@pytest.mark.slow
def test_resume_skips_what_the_checkpoint_says_is_done(tmp_path: Path) -> None:
    store = tmp_path / "store"
    ck = tmp_path / "ck"
    sink = open_sink(str(store), auth=None, protocol="update", default_graph=False, resume=False, profiles=(),
                     checkpoint=ck, batch_records=2)
    for i in range(5):
        sink.write(record_iri(i), [(f"<{record_iri(i)}>", "<http://schema.org/name>", '"x"')], source="f")
    sink.abort()  # a crash after 2 batches: records 0-3 committed, 4 buffered and lost
    assert ck.exists()
    sink = open_sink(str(store), auth=None, protocol="update", default_graph=False, resume=True, profiles=(),
                     checkpoint=ck, batch_records=2)
    for i in range(5):
        sink.write(record_iri(i), [(f"<{record_iri(i)}>", "<http://schema.org/name>", '"x"')], source="f")
    counts = sink.close()
    assert counts["skipped"] == 4 and counts["graphs"] == 1
    assert len(graphs(store)) == 5 and not ck.exists()


@pytest.mark.slow
def test_query_formats(tmp_path: Path) -> None:
    store = tmp_path / "store"
    do_load(store, write_nq(tmp_path / "out.nq", range(3)))
    q = "SELECT ?g ?n WHERE { GRAPH ?g { ?g <http://schema.org/name> ?n } } ORDER BY ?g"
    csv = run(query, "--store", store, "--format", "csv", q)
    assert csv.exit_code == 0
    assert csv.stdout.splitlines()[0] == "g,n" and len(csv.stdout.splitlines()) == 4
    js = json.loads(run(query, "--store", store, "--format", "json", q).stdout)
    assert js["results"]["bindings"][0]["n"]["xml:lang"] == "fr"
    table = run(query, "--store", store, "--format", "table", q).stdout
    assert table.startswith("+") and f"<{record_iri(0)}>" in table and '"Vase "0" v1"@fr' in table
    tsv = run(query, "--store", store, "--format", "tsv", q).stdout
    assert tsv.splitlines()[0] == "?g\t?n"
    ask = run(query, "--store", store, "--format", "json", "ASK { GRAPH ?g { ?s ?p ?o } }").stdout
    assert json.loads(ask)["boolean"] is True
    nt = run(query, "--store", store, f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{record_iri(0)}> {{ ?s ?p ?o }} }}")
    assert len(nt.stdout.splitlines()) == triples_per_record() + PROV_TRIPLES


@pytest.mark.slow
def test_query_and_load_errors_are_one_line_with_exit_codes(tmp_path: Path) -> None:
    store = tmp_path / "store"
    missing = run(query, "--store", tmp_path / "nope", "SELECT * WHERE { ?s ?p ?o }")
    assert missing.exit_code == 2 and "no store" in missing.stderr
    do_load(store, write_nq(tmp_path / "out.nq", range(1)))
    bad = run(query, "--store", store, "SELEC nothing")
    assert bad.exit_code == 2 and "SPARQL syntax error" in bad.stderr and "Traceback" not in bad.output
    unreadable = run(load, tmp_path / "absent.nq", "--store", store)
    assert unreadable.exit_code == 2 and "absent.nq" in unreadable.stderr
    broken = tmp_path / "broken.nq"
    broken.write_text("<http://a> <http://b> .\n")
    res = run(load, broken, "--store", store, "--no-bulk")
    assert res.exit_code == 2 and "broken.nq" in res.stderr and "Traceback" not in res.output
    unknown = run(load, tmp_path / "out.nq", "--store", store, "--auth", "bearer:x")
    assert unknown.exit_code == 2


# --------------------------------------------------------------------------- the bulk path's own branches


@pytest.mark.slow
def test_bulk_into_an_empty_store_counts_and_matches_the_exact_path(tmp_path: Path, monkeypatch) -> None:
    import arkgraph.store as st

    monkeypatch.setattr("arkgraph.store.bulk.PART_BYTES", 2_000)  # several parts, each with its graphs' provenance
    nq = write_nq(tmp_path / "out.nq", range(10), deleted=[42])
    fast, exact = tmp_path / "fast", tmp_path / "exact"
    counts = st.load_files([nq], str(fast), checkpoint="")
    assert counts["bulk_files"] == 1, "an empty store takes the bulk path, no drops"
    assert (counts["graphs"], counts["triples"], counts["deleted"]) == (10, 80, 1)
    st.load_files([nq], str(exact), checkpoint="", bulk=False)
    assert normalize(embedded_nquads(fast)) == normalize(embedded_nquads(exact))
    assert count(fast) == 10 * (triples_per_record() + PROV_TRIPLES)


@pytest.mark.slow
def test_bulk_replace_counts_triples_and_keeps_other_graphs(tmp_path: Path) -> None:
    import arkgraph.store as st

    store = tmp_path / "store"
    st.load_files([write_nq(tmp_path / "v1.nq", range(10))], str(store), checkpoint="")
    # some records again, changed: only their graphs are dropped (per graph), the others stay
    counts = st.load_files([write_nq(tmp_path / "v2.nq", range(2, 5), version=2, deleted=[8])], str(store),
                           checkpoint="")
    assert counts["bulk_files"] == 1 and counts["triples"] == 3 * triples_per_record(2)
    assert count(store) == 6 * (triples_per_record(1) + PROV_TRIPLES) + 3 * (triples_per_record(2) + PROV_TRIPLES)
    assert len(graphs(store)) == 9 and record_iri(8) not in graphs(store)
    # the whole store again: one clear() instead of per-graph drops; still exactly one version of each
    v1 = write_nq(tmp_path / "all.nq", range(10))
    for _ in range(2):
        counts = st.load_files([v1], str(store), checkpoint="")
        assert counts["bulk_files"] == 1 and counts["triples"] == 10 * triples_per_record()
        assert count(store) == 10 * (triples_per_record() + PROV_TRIPLES)


@pytest.mark.slow
def test_parallel_bulk_parts_read_the_original_file(tmp_path: Path, monkeypatch) -> None:
    import arkgraph.store as st

    monkeypatch.setattr("arkgraph.store.bulk.PART_BYTES", 3_000)  # small parts: many of them, loaded two at a time
    nq = write_nq(tmp_path / "out.nq", range(40))
    scan = st.prescan(nq)
    assert scan is not None and len(scan.parts) > 4
    assert [p.start for p in scan.parts[1:]] == [p.end for p in scan.parts[:-1]] and scan.parts[-1].end == nq.stat().st_size
    text = nq.read_bytes()
    for part in scan.parts:  # each part starts a record: the cut falls between graphs
        assert text[part.start:].startswith(f"<{record_iri(int(part.graphs[0][-5:]))}> ".encode())
    fast, exact = tmp_path / "fast", tmp_path / "exact"
    counts = st.load_files([nq], str(fast), checkpoint="")
    assert counts["bulk_files"] == 1 and counts["triples"] == 40 * triples_per_record()
    st.load_files([nq], str(exact), checkpoint="", bulk=False)
    assert normalize(embedded_nquads(fast)) == normalize(embedded_nquads(exact))
    assert not [p for p in tmp_path.rglob(".arkgraph-bulk-*")], "no temporary copies of the input"


def _reference_scan(path: Path):
    """The scan's answer, one line at a time (what the fast scan must agree with)."""
    graphs, deletions, triples = {}, {}, 0
    for raw in path.read_bytes().split(b"\n"):
        text = raw.strip()
        if not text or text.startswith(b"#"):
            continue
        if not text.endswith(b"> ."):
            triples += 1
            continue
        cut = text.rfind(b" <")
        head = text[:cut].split(b" ", 2)
        if cut <= 0 or len(head) < 3:
            triples += 1
            continue
        g = text[cut + 2:-3].decode()
        if g.endswith("#deletions"):
            deletions[head[0][1:-1].decode()] = None
            continue
        graphs[g] = None
        triples += 1
    return list(graphs), list(deletions), triples


@pytest.mark.parametrize("part_bytes", [1, 500, 1 << 30])
def test_bulk_scan_agrees_with_a_line_by_line_reading(tmp_path: Path, part_bytes: int) -> None:
    import arkgraph.store as st

    lines = [*record_lines(1), "# a comment", "", *record_lines(2)[:3], *record_lines(3), *record_lines(2)[3:],
             "<http://e/s> <http://e/p> <http://e/o> .", '<http://e/s> <http://e/p> "x y" .',
             *record_lines(4), marker_line(9), *record_lines(1)[:2],
             f"<{record_iri(5)}> <http://e/p> \"{'long ' * 40}\" <{record_iri(5)}> ."]
    nq = tmp_path / "mixed.nq"
    nq.write_text("\n".join(lines))  # no newline at the end
    scan = st.prescan(nq, part_bytes=part_bytes)
    assert scan is not None
    assert (list(scan.graphs), list(scan.deletions), scan.triples) == _reference_scan(nq)
    assert sorted(g for p in scan.parts for g in p.graphs) == sorted(scan.graphs), "each graph in one part's list"
    assert [p.start for p in scan.parts[1:]] == [p.end for p in scan.parts[:-1]]
    assert scan.parts[0].start == 0 and scan.parts[-1].end == nq.stat().st_size
    if part_bytes == 1:  # a cut wherever a graph starts, never inside a graph's run of lines
        text = nq.read_bytes()
        assert all(text[p.start - 1:p.start] == b"\n" for p in scan.parts[1:])
        assert len(scan.parts) > 8


@pytest.mark.slow
def test_bulk_syntax_error_names_the_line_in_the_file(tmp_path: Path, monkeypatch) -> None:
    import arkgraph.store as st

    monkeypatch.setattr("arkgraph.store.bulk.PART_BYTES", 2_000)
    nq = write_nq(tmp_path / "out.nq", range(30))
    lines = nq.read_text().splitlines()
    bad = len(lines) - 5
    g = lines[bad].rsplit(" ", 2)[-2]
    lines[bad] = f'{g} <http://schema.org/name> "unterminated {g} .'  # the scan takes it, the parser doesn't
    nq.write_text("\n".join(lines) + "\n")
    assert len(st.prescan(nq).parts) > 3
    res = run(load, nq, "--store", tmp_path / "store")
    assert res.exit_code == 2 and "Traceback" not in res.output
    errors = [line for line in res.stderr.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and "out.nq" in errors[0] and f"at line {bad + 1} " in errors[0], res.stderr
    assert "(line " not in errors[0], "the line as counted in a part is not shown"


def test_remote_replace_head_is_one_delete_plus_drops_for_deletions() -> None:
    from arkgraph.store import GraphState, replace_head

    head = replace_head({"http://e/a": GraphState(replace=True), "http://e/b": GraphState(replace=True),
                         "http://e/c": GraphState(replace=True, deleted=True),
                         "http://e/d": GraphState(replace=False)})
    assert head.count("DELETE") == 1 and "VALUES ?g { <http://e/a> <http://e/b> }" in head
    assert "DROP SILENT GRAPH <http://e/c>" in head and "http://e/d" not in head

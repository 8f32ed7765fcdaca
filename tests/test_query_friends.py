"""`arkgraph query` and its friends (issue #20): predefined prefixes, one-line errors, read-only queries,
stdin for query/load/embed, the validate report's extension, and JSON-LD read by pyoxigraph.
Data: the real samples (tests/fixtures) converted once per session (conftest.real_samples_converted)."""

from __future__ import annotations

import dataclasses
import json
from itertools import islice
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from arkgraph import shacl as V
from arkgraph.cli.embed import embed
from arkgraph.cli.store import load, query
from arkgraph.cli.validate import validate
from arkgraph.rdfio import readers
from arkgraph.store.base import Table
from arkgraph.store.sparql_text import QUERY_PREFIXES
from arkgraph.store.table import render_table, width
from arkgraph.validate_files import validate_files

BOOKS = "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a schema:Book }"


def run(cmd, *args: object, input: bytes | str | None = None):
    return CliRunner().invoke(cmd, [str(a) for a in args], input=input, catch_exceptions=False)


@pytest.fixture(scope="module")
def store(real_samples_converted: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("query-friends") / "store"
    result = run(load, real_samples_converted / "all.nq", "--store", where, "-q")
    assert result.exit_code == 0, result.output
    return where


def answer(store: Path, sparql: str, *args: object) -> str:
    result = run(query, "--store", store, "--format", "csv", *args, sparql)
    assert result.exit_code == 0, result.output
    return result.stdout


def books(store: Path, sparql: str = BOOKS) -> int:
    return int(answer(store, sparql).splitlines()[1])


def test_a_query_may_use_the_predefined_prefixes(store: Path) -> None:
    assert books(store) > 0


def test_a_query_s_own_prefix_declaration_overrides_the_predefined_one(store: Path) -> None:
    assert books(store, "PREFIX schema: <https://example.org/not-schema/> " + BOOKS) == 0


def test_query_help_lists_every_predefined_prefix() -> None:
    text = run(query, "--help").output
    for name in ("schema", "crm", "la", "aat", "rdf", "rdfs", "skos", "xsd", "dcterms", "prov", "edm", "ore", "oa"):
        assert f"{name}: <{QUERY_PREFIXES[name]}>" in text
    assert QUERY_PREFIXES["schema"] == "http://schema.org/" and QUERY_PREFIXES["oa"] == "http://www.w3.org/ns/oa#"
    assert QUERY_PREFIXES["edm"] == "http://www.europeana.eu/schemas/edm/"


def test_a_query_that_fails_to_parse_gives_one_line_with_its_line_and_column(store: Path) -> None:
    result = run(query, "--store", store, "SELECT ?s WHERE {\n  ?s a }")
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert "SPARQL syntax error at line 2, column" in result.output and "\\u{" not in result.output


def test_an_unknown_prefix_is_named_in_one_line(store: Path) -> None:
    result = run(query, "--store", store, "SELECT ?s WHERE { ?s a foo:Book }")
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert "unknown prefix foo:" in result.output and "line 1, column" in result.output


def test_ask_prints_a_final_newline(store: Path) -> None:
    assert answer(store, "ASK { ?s a schema:Book }") == "true\n"


def test_an_update_sent_to_query_is_refused_with_the_reason(store: Path) -> None:
    before = books(store)
    result = run(query, "--store", store, "PREFIX ex: <http://example.org/>\n# add one\n"
                 "INSERT DATA { ex:b a schema:Book }")
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0
    assert "read-only" in result.output and "arkgraph load" in result.output
    assert books(store) == before


@pytest.mark.parametrize("arg", ["-", "@-"])
def test_query_reads_the_query_from_stdin(store: Path, arg: str) -> None:
    result = run(query, "--store", store, "--format", "csv", arg, input=BOOKS)
    assert result.exit_code == 0, result.output
    assert int(result.stdout.splitlines()[1]) == books(store)
    assert "'@-' reads" in run(query, "--help").output


def test_a_table_with_cjk_text_is_aligned_by_display_width() -> None:
    def lit(v: str) -> dict:
        return {"type": "literal", "value": v}
    table = Table(["title", "n"], [[lit("浮世絵 北斎"), lit("1")], [lit("Hokusai"), lit("2")]])
    lines = render_table(table).splitlines()
    assert len({width(line) for line in lines}) == 1  # every line as wide on screen
    assert width("浮世絵") == 6


def test_a_remote_query_may_use_the_predefined_prefixes(oxigraph_server, real_samples_converted: Path) -> None:
    assert run(load, real_samples_converted / "schemaorg.nq", "--store", oxigraph_server.url, "-q").exit_code == 0
    assert books(oxigraph_server.url, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a schema:Book } }") > 0
    bad = run(query, "--store", oxigraph_server.url, "SELECT ?s WHERE { ?s a }")
    assert bad.exit_code == 2 and len(bad.output.strip().splitlines()) == 1
    assert "SPARQL syntax error at line 1, column" in bad.output and "HTTP 400" in bad.output


def test_load_dash_reads_n_quads_from_stdin(real_samples_converted: Path, tmp_path: Path) -> None:
    nq = real_samples_converted / "all.nq"
    result = run(load, "-", "--store", tmp_path / "s", input=nq.read_bytes())
    assert result.exit_code == 0, result.output
    assert books(tmp_path / "s") > 0
    assert "'-' reads N-Quads from stdin" in " ".join(run(load, "--help").output.split())


@pytest.mark.slow
def test_load_reads_the_jsonld_that_convert_writes(real_samples_converted: Path, tmp_path: Path,
                                                   store: Path) -> None:
    result = run(load, real_samples_converted / "all.jsonld", "--store", tmp_path / "s", "-q")
    assert result.exit_code == 0, result.output
    assert books(tmp_path / "s") == books(store)
    nquads = run(load, real_samples_converted / "all.nq", "--store", tmp_path / "n", "-q")
    # the same statements: the summaries say the same counts ("loaded N graphs (M triples)")
    assert result.stderr.split(", 0 retries")[0] == nquads.stderr.split(", 0 retries")[0]


def test_a_jsonld_record_says_each_statement_once(real_samples_converted: Path) -> None:
    for _, triples in readers.read_records(str(real_samples_converted / "schemaorg.jsonld")):
        assert len(triples) == len(set(triples))


def test_embed_dash_reads_n_quads_from_stdin(real_samples_converted: Path, tmp_path: Path) -> None:
    nq = real_samples_converted / "schemaorg.nq"
    result = run(embed, "-", "--out", tmp_path / "snippets", "-q", input=nq.read_bytes())
    assert result.exit_code == 0, result.output
    assert list((tmp_path / "snippets").glob("*.html"))


def test_validate_refuses_a_report_extension_it_cannot_write(real_samples_converted: Path, tmp_path: Path) -> None:
    report = tmp_path / "r.xml"
    result = run(validate, real_samples_converted / "all.nq", "--report", report)
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and "r.xml" in result.output
    assert not report.exists()


STRICT = Path(__file__).parent / "fixtures" / "validate" / "strict-shapes"  # every work fails: results to compare


def _results(path: Path, shapes_dir: Path | None) -> tuple[str, list[tuple[str, ...]]]:
    shapes = V.load(str(shapes_dir) if shapes_dir else None)
    report = V.Report(keep_all=True, shapes=shapes)
    validate_files((str(path),), shapes, report, 1)
    # blank nodes are labelled per reader: the rest of each result must match
    rows = sorted(tuple("_:" if str(x).startswith("_:") else str(x) for x in dataclasses.astuple(r))
                  for r in report.all)
    return report.summary(), rows


@pytest.mark.parametrize("shapes_dir", [None, STRICT], ids=["bundled", "strict"])
@pytest.mark.parametrize("profile", [pytest.param("all", marks=pytest.mark.slow),
                                     pytest.param("linkedart", marks=pytest.mark.slow), "schemaorg"])
def test_validating_jsonld_gives_the_results_of_the_same_records_as_n_quads(real_samples_converted: Path,
                                                                            profile: str, shapes_dir) -> None:
    jsonld = _results(real_samples_converted / f"{profile}.jsonld", shapes_dir)
    nquads = _results(real_samples_converted / f"{profile}.nq", shapes_dir)
    assert jsonld[1] == nquads[1]
    if shapes_dir is None:
        assert jsonld[0] == nquads[0]  # the summary too (record counts included)
    else:
        # the test shapes' only record root is VisualArtwork: JSON-LD records are cut by it, N-Quads records are
        # their graphs, so only the record count may differ; the results are the same (none in Linked Art)
        assert (jsonld[1] or profile == "linkedart") and jsonld[0].split(";")[1] == nquads[0].split(";")[1]


@pytest.mark.parametrize("profile", ["linkedart", "schemaorg"])
def test_pyoxigraph_reads_arkgraph_jsonld_as_pyld_does(real_samples_converted: Path, profile: str) -> None:
    import ijson
    from pyld import jsonld as pyld

    from arkgraph.jsonld import document_loader

    with open(real_samples_converted / f"{profile}.jsonld", "rb") as fh:
        docs = list(islice(ijson.items(fh, "item", use_float=True), 12))
    for doc in docs:
        text = "".join(f"{s} {p} {o} .\n" for s, p, o in readers._document_triples(doc, "_:x"))
        ours = ox.Dataset(ox.parse(text.encode(), format=ox.RdfFormat.N_QUADS))
        nq = pyld.to_rdf(json.loads(json.dumps(doc)), {"format": "application/n-quads",
                                                       "documentLoader": document_loader})
        theirs = ox.Dataset(ox.parse(nq.encode(), format=ox.RdfFormat.N_QUADS))
        ours.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
        theirs.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
        assert ours == theirs, doc.get("id")


def test_a_remote_jsonld_context_arkgraph_does_not_bundle_is_not_fetched(tmp_path: Path) -> None:
    from arkgraph.errors import InputError

    f = tmp_path / "x.jsonld"
    f.write_text(json.dumps([{"@context": "https://example.org/ctx.jsonld", "@id": "http://example.org/a",
                              "name": "a"}]))
    with pytest.raises(InputError, match="does not fetch"):
        list(readers.read_records(str(f)))

"""The Python API (arkgraph.api), through public names only: the CLI's code path, same records and rejects."""

from __future__ import annotations

import doctest
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from arkgraph import Converted, Rejected, convert, to_dataset, to_store, validate, write

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
PAGE = str(FIXTURES / "parismusees" / "nodequery-chinese-works-even.json")


def test_the_api_module_examples_run_as_written(monkeypatch):
    import arkgraph.api

    monkeypatch.chdir(ROOT)  # the examples name samples/ and tests/fixtures/ from the repository's root
    result = doctest.testmod(arkgraph.api)
    assert result.attempted > 10 and result.failed == 0


def test_arkgraph_names_exactly_its_public_api():
    import arkgraph

    assert set(arkgraph.__all__) >= {"Ark", "mint", "parse_ark", "ArkgraphError", "Record", "convert", "to_store",
                                     "to_dataset", "validate", "write", "Converted", "Rejected"}
    assert all(hasattr(arkgraph, name) for name in arkgraph.__all__)


@pytest.mark.slow
def test_convert_yields_the_records_and_rejects_the_cli_writes_for_every_fixture(tmp_path):
    """One code path: the iterator's triples and rejects are those of ``arkgraph convert`` on all of
    tests/fixtures' samples and samples/ (N-Triples lines and --rejects lines, in order)."""
    inputs = [str(ROOT / "samples"), str(FIXTURES / "parismusees"), str(FIXTURES / "gallica")]
    out, rejects = tmp_path / "out.nt", tmp_path / "rejects.jsonl"
    subprocess.run([sys.executable, "-m", "arkgraph", "convert", *inputs, "-o", str(out), "--rejects", str(rejects),
                    "-q"], check=False)
    run = convert(inputs)
    records = list(run)
    lines = [f"{s} {p} {o} .\n" for r in records if type(r) is Converted for s, p, o in r.triples]
    cli = out.read_text(encoding="utf-8").splitlines(keepends=True)
    markers = [line for line in cli if "<https://w3id.org/arkgraph/ns#deleted>" in line]  # deletions, as N-Triples says them
    assert [line for line in cli if line not in markers] == lines
    assert len(markers) == sum(1 for r in records if type(r) is Converted and r.deleted) > 0
    assert [r.as_dict() for r in records if type(r) is Rejected] == [
        json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines()]
    assert run.summary.read == run.summary.converted + run.summary.rejected == len(records)


def test_a_later_record_of_an_iri_is_rejected_as_a_duplicate_and_the_first_kept():
    records = list(convert([PAGE, PAGE], profiles=["schemaorg"]))
    kept = [r for r in records if isinstance(r, Converted)]
    dups = [r for r in records if isinstance(r, Rejected) and r.reason.startswith("duplicate of")]
    assert len(kept) == len(dups) == 249
    assert all(r.file == PAGE for r in kept)
    assert dups[0].reason.endswith(f"first read at {PAGE}:2; the first record is kept")


def test_records_are_frozen():
    rec = next(r for r in convert(PAGE) if isinstance(r, Converted))
    with pytest.raises(AttributeError):
        rec.iri = "x"  # type: ignore[misc]


def test_to_store_gives_one_named_graph_per_record_with_its_triples():
    records = [r for r in convert(PAGE, profiles="linkedart") if isinstance(r, Converted)]
    store = to_store(records)
    assert {g.value for g in store.named_graphs()} == {r.iri for r in records}
    first = records[0]
    import pyoxigraph as ox
    in_graph = {(str(q.subject), str(q.predicate), str(q.object))
                for q in store.quads_for_pattern(None, None, None, ox.NamedNode(first.iri))}
    assert len(in_graph) == len(set(first.triples))  # the same triples, doubles in Oxigraph's canonical form
    assert {t for t in in_graph if "XMLSchema#double" not in t[2]} == {
        t for t in first.triples if "XMLSchema#double" not in t[2]}


def test_to_store_on_disk_replaces_a_records_graph_when_loaded_again(tmp_path):
    store = to_store(PAGE, profiles="schemaorg", store=tmp_path / "store")
    size = len(store)
    assert len(to_store(PAGE, profiles="schemaorg", store=store)) == size


def test_to_dataset_holds_the_same_quads_as_the_store():
    records = [r for r in convert(PAGE) if isinstance(r, Converted)]
    ds = to_dataset(records)
    store = to_store(records)
    graphs = {str(g.identifier): len(g) for g in ds.graphs() if len(g)}
    assert graphs == {r.iri: len(r.triples) for r in records}
    assert sum(graphs.values()) == len(store)


def test_validate_reports_each_record_of_a_store_or_of_a_run():
    assert validate(to_store(PAGE)).records == 249
    report = validate(convert(PAGE))
    assert (report.records, report.violations) == (249, 0)


def test_write_gives_the_bytes_the_cli_writes(tmp_path):
    out = tmp_path / "api.ttl"
    write(convert(PAGE), out)
    cli = tmp_path / "cli.ttl"
    subprocess.run([sys.executable, "-m", "arkgraph", "convert", PAGE, "-o", str(cli), "-q"], check=False)
    assert out.read_bytes() == cli.read_bytes()
    stream = io.BytesIO()
    assert write(convert(PAGE, profiles="schemaorg"), stream, "nt") == stream.getvalue().count(b"\n")


def test_python_m_arkgraph_runs_the_command_line():
    done = subprocess.run([sys.executable, "-m", "arkgraph", "convert", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "Usage: arkgraph convert" in done.stdout


def test_an_unknown_profile_is_refused_with_the_choices():
    from arkgraph.errors import UsageError

    with pytest.raises(UsageError, match="unknown profile dc"):
        convert(PAGE, profiles=["dc"])

"""Every command sees the same records in every format: ``validate``, ``load`` and ``embed`` read
RDF through one layer (arkgraph.rdfio) with one rule for where a record starts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from arkgraph.cli import main
from arkgraph.rdfio import formats, readers, records

FIXTURES = Path(__file__).parent / "fixtures"
# real samples; the periodical (cb328261098) holds its issues, each typed schema:PublicationIssue,
# which in a triples file once started records of their own
INPUTS = [FIXTURES / "gallica" / "issues", FIXTURES / "gallica" / "oairecord",
          FIXTURES / "gallica" / "sru" / "degroote-nouvelle-france.xml",
          FIXTURES / "parismusees" / "nodebyid-226737-docs-example.json"]
EXTENSIONS = ("nq", "nt", "ttl", "trig", "jsonld")


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("rdfio")
    outs = {ext: d / f"samples.{ext}" for ext in EXTENSIONS}
    args = ["convert", *map(str, INPUTS), "-q"]
    for p in outs.values():
        args += ["-o", str(p)]
    assert run(*args).exit_code in (0, 1)  # 1: some inputs hold no record (reported, not an error here)
    return outs


def named_graphs(path: Path) -> int:
    return sum(1 for _ in readers.read_records(str(path)))


def test_the_records_of_a_triples_file_are_the_named_graphs_of_the_quads_file(converted) -> None:
    graphs = {root: set(ts) for root, ts in readers.read_records(str(converted["nq"]))}
    assert len(graphs) > 10
    for ext in ("nt", "ttl", "trig"):
        assert {root: set(ts) for root, ts in readers.read_records(str(converted[ext]))} == graphs, ext
    assert [root for root, _ in readers.read_records(str(converted["jsonld"]))] == list(graphs)


@pytest.mark.parametrize("ext", EXTENSIONS)
def test_validate_load_and_embed_count_the_same_records_in_every_format(converted, tmp_path: Path,
                                                                        ext: str) -> None:
    expected = named_graphs(converted["nq"])
    src = str(converted[ext])
    validated = run("validate", src, "-q")
    assert f"validation: {expected} records," in validated.stderr
    loaded = run("load", src, "--store", str(tmp_path / "store"), "--checkpoint", str(tmp_path / "ck"))
    assert re.search(rf"loaded {expected:,} graphs", loaded.stderr), loaded.stderr
    embedded = run("embed", src, "--out", str(tmp_path / "snippets"), "-q")
    assert f"{expected} records read" in embedded.stderr


def test_a_deletion_marker_ends_its_record_and_carries_none() -> None:
    a = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    work = "<http://schema.org/Painting>"
    marker = ("<https://n2t.net/ark:99999/b>", f"<{records.DELETED}>", '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>')
    ts = [("<https://n2t.net/ark:99999/a>", a, work), marker, ("<https://n2t.net/ark:99999/c>", a, work)]
    deleted: list[str] = []
    cut = list(records.records_from_triples(ts, {work}, deleted.append))
    assert [(r, len(t)) for r, t in cut] == [("<https://n2t.net/ark:99999/a>", 1), ("<https://n2t.net/ark:99999/c>", 1)]
    assert deleted == ["<https://n2t.net/ark:99999/b>"]


def test_one_table_names_the_formats() -> None:
    assert formats.format_of("out.ttl.gz") == "turtle" and formats.format_of("x.csv") is None
    assert formats.format_named("ttl") == formats.format_named("turtle") == "turtle"
    assert set(formats.EXTENSIONS.values()) == set(formats.OX_FORMATS)

"""`arkgraph validate` and `arkgraph convert --validate`: formats, exit codes, reports, policies."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from validate_helpers import FIXTURES, PM_REAL

from arkgraph import shacl as V
from arkgraph.cli import main

SAMPLE = str(FIXTURES / "parismusees" / "nodebyid-226737-docs-example.json")
QUERY = str(PM_REAL[0])
SYNTH = str(FIXTURES / "parismusees" / "synthetic-full-nodeoeuvre.json")
STRICT = FIXTURES / "validate" / "strict-shapes"


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("out")
    out = {}
    for ext in ("nq", "nt", "ttl", "trig", "jsonld"):
        p = d / f"o.{ext}"
        r = run("convert", SAMPLE, SYNTH, "-o", str(p), "-q")
        assert r.exit_code in (0, 1), r.output
        out[ext] = p
    return out


@pytest.mark.parametrize("ext", ["nq", "nt", "ttl", "trig", "jsonld"])
def test_every_format_conforms_and_counts_records(outputs, ext: str) -> None:
    r = run("validate", str(outputs[ext]))
    assert r.exit_code == 0, r.output
    assert "validation: 2 records, 0 with violations" in r.output


def test_violations_exit_1_with_summary_and_reports(tmp_path: Path) -> None:
    nq = tmp_path / "all.nq"
    assert run("convert", QUERY, "-o", str(nq), "-q").exit_code in (0, 1)
    lines = nq.read_text(encoding="utf-8").splitlines(keepends=True)
    broken = [ln for ln in lines if "<http://schema.org/propertyID> \"ark\"" not in ln]
    bad = tmp_path / "bad.nq"
    bad.write_text("".join(broken), encoding="utf-8")
    ttl, js = tmp_path / "r.ttl", tmp_path / "r.jsonld"
    r = run("validate", str(bad), "--report", str(ttl))
    assert r.exit_code == 1
    assert "ags:SdoWork schema:identifier  QualifiedMinCount" in r.output and "e.g. <https://n2t.net/" in r.output
    report = list(ox.parse(path=str(ttl), format=ox.RdfFormat.TURTLE))
    results = [t for t in report if str(t.predicate) == "<http://www.w3.org/ns/shacl#result>"]
    assert "validation: 249 records, 249 with violations; 498 violations" in r.output
    assert len(results) == 498  # two violations per record; no warnings (no unit is invented for a null unit)
    assert any(str(t.object) == '"false"^^<http://www.w3.org/2001/XMLSchema#boolean>' for t in report)
    assert run("validate", str(bad), "--report", str(js)).exit_code == 1
    doc = json.loads(js.read_text(encoding="utf-8"))
    assert doc["sh:conforms"] is False and len(doc["sh:result"]) == 498
    # the JSON-LD report is real JSON-LD: it expands to the same number of results
    n = sum(1 for t in ox.parse(js.read_bytes(), format=ox.RdfFormat.JSON_LD)
            if str(t.predicate) == "<http://www.w3.org/ns/shacl#result>")
    assert n == 498


@pytest.mark.slow
def test_reports_are_the_same_bytes_in_every_process(tmp_path: Path) -> None:
    """Separate processes with different hash seeds (set order) and fresh blank node ids in the parsed
    shapes: the same summary and report bytes, as the determinism rule asks of every output."""
    import os
    import subprocess
    import sys

    nq = tmp_path / "all.nq"
    assert run("convert", QUERY, "-o", str(nq), "-q").exit_code in (0, 1)
    # faults of several shapes in one record, so results must be put in an order within a record
    lines = nq.read_text(encoding="utf-8").splitlines(keepends=True)
    broken = [ln for ln in lines if "<http://schema.org/propertyID> \"ark\"" not in ln
              and "<http://www.cidoc-crm.org/cidoc-crm/P91_has_unit>" not in ln]
    bad = tmp_path / "bad.nq"
    bad.write_text("".join(broken), encoding="utf-8")
    outputs = []
    for seed in ("1", "2", "3"):
        rep = tmp_path / f"r{seed}.ttl"
        p = subprocess.run([sys.executable, "-c", "from arkgraph.cli import main; main()", "validate", str(bad),
                            "--jobs", "1", "--report", str(rep)], capture_output=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}, check=False)
        assert p.returncode == 1, p.stderr
        outputs.append((p.stderr, rep.read_bytes()))
    assert outputs[0] == outputs[1] == outputs[2]
    assert b"sh:sourceShape _:s" in outputs[0][1]  # shapes' blank nodes named by position, not at random


def test_unreadable_input_exit_2(tmp_path: Path) -> None:
    assert run("validate", str(tmp_path / "missing.nt")).exit_code == 2
    junk = tmp_path / "junk.ttl"
    junk.write_text("<a> <b> ", encoding="utf-8")
    assert run("validate", str(junk)).exit_code == 2
    odd = tmp_path / "x.rdfz"
    odd.write_text("", encoding="utf-8")
    assert run("validate", str(odd)).exit_code == 2


def test_custom_shapes_and_convert_policies(tmp_path: Path) -> None:
    # a stricter shapes folder: every VisualArtwork needs a schema:abstract (none has one)
    out, rej, rep = tmp_path / "o.nq", tmp_path / "rejects.jsonl", tmp_path / "rep.ttl"
    r = run("convert", SAMPLE, "-o", str(out), "--validate", "--shapes", str(STRICT), "--on-invalid", "reject",
            "--rejects", str(rej), "--report", str(rep))
    assert r.exit_code == 1
    line = json.loads(rej.read_text(encoding="utf-8").splitlines()[0])
    assert line["reason"].startswith("SHACL violations:") and "abstract" in line["reason"]
    assert out.read_text(encoding="utf-8") == ""  # nothing written for the rejected record
    assert rep.stat().st_size > 0

    r = run("convert", SAMPLE, "-o", str(out), "--validate", "--shapes", str(STRICT), "--on-invalid", "keep")
    assert r.exit_code == 0 and "1 with violations" in r.output
    assert out.read_text(encoding="utf-8")

    target = tmp_path / "f.nq"
    r = run("convert", SAMPLE, "-o", str(target), "--validate", "--shapes", str(STRICT), "--on-invalid", "fail")
    assert r.exit_code == 1 and "does not conform" in r.output and "--on-invalid fail" in r.output
    assert not target.exists()

    r = run("convert", SAMPLE, "-o", str(out), "--validate")
    assert r.exit_code == 0 and "0 with violations" in r.output


def test_unsupported_shapes_are_refused(tmp_path: Path) -> None:
    (tmp_path / "s.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n<urn:s> a sh:NodeShape ; sh:targetNode <urn:x> ; "
        "sh:sparql [ sh:select \"SELECT $this WHERE {}\" ] .\n", encoding="utf-8")
    with pytest.raises(V.ShapesError):
        V.Shapes(V.shapes_triples(tmp_path))


def test_record_cutting_in_triples_files() -> None:
    from arkgraph.rdfio.records import records_from_triples
    A = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    roots = {"<http://schema.org/VisualArtwork>"}
    ts = [("<https://n2t.net/ark:99999/a>", A, "<http://schema.org/VisualArtwork>"),
          ("<https://n2t.net/ark:99999/p>", A, "<http://schema.org/Person>"),
          ("<https://n2t.net/ark:99999/a/sdo/x>", A, "<http://schema.org/VisualArtwork>"),
          ("<https://n2t.net/ark:99999/b>", A, "<http://schema.org/VisualArtwork>")]
    recs = list(records_from_triples(iter(ts), roots))
    assert [(r, len(t)) for r, t in recs] == [("<https://n2t.net/ark:99999/a>", 3), ("<https://n2t.net/ark:99999/b>", 1)]

"""The `arkgraph convert` contract: inputs, formats, exit codes, summary, rejects, coverage, determinism."""

from __future__ import annotations

import errno
import gzip
import io
import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from arkgraph import serialize
from arkgraph.cli import main
from arkgraph.pipeline import Options, convert
from helpers import PM

REAL = PM / "nodequery-chinese-works-even.json"
DAMAGED = PM / "damaged"


def run(*args: str, input: bytes | None = None):
    return CliRunner().invoke(main, ["convert", *args], input=input, catch_exceptions=False)


def summary(result) -> str:
    return result.stderr.strip().splitlines()[-1]


def test_summary_is_last_line_and_counts_add_up(tmp_path: Path) -> None:
    r = run(str(REAL), "-o", str(tmp_path / "o.nt"), "--rejects", str(tmp_path / "rej.jsonl"))
    assert r.exit_code == 1  # the real response holds one null entity
    line = summary(r)
    assert line.startswith("arkgraph: read 250 records, converted 249, rejected 1,")
    assert "triples written in" in line
    rejects = [json.loads(x) for x in (tmp_path / "rej.jsonl").read_text().splitlines()]
    assert rejects == [{"file": str(REAL), "position": 1, "record_id": None, "source": "parismusees",
                        "reason": "null entity in response (the API returned null for this node)"}]


def test_exit_zero_when_all_convert(tmp_path: Path) -> None:
    r = run(str(PM / "nodebyid-226737-docs-example.json"), "-o", str(tmp_path / "o.ttl"))
    assert r.exit_code == 0, r.stderr
    assert "converted 1, rejected 0" in summary(r)


@pytest.mark.parametrize("ext", ["ttl", "nt", "nq", "trig", "jsonld"])
def test_every_format_follows_extension(tmp_path: Path, ext: str) -> None:
    out = tmp_path / f"o.{ext}"
    r = run(str(PM / "synthetic-full-nodeoeuvre.json"), "-o", str(out))
    assert r.exit_code == 0, r.stderr
    assert out.stat().st_size > 1000


def test_turtle_is_readable_with_prefixes(tmp_path: Path) -> None:
    out = tmp_path / "o.ttl"
    run(str(PM / "synthetic-full-nodeoeuvre.json"), "-o", str(out))
    text = out.read_text()
    assert "@prefix schema: <http://schema.org/> ." in text
    assert "@prefix crm: <http://www.cidoc-crm.org/cidoc-crm/> ." in text
    assert "schema:name" in text and "crm:E22_Human-Made_Object" in text


def test_stdin_and_format_override() -> None:
    r = run("-", "--source", "parismusees", "-o", "-", "--format", "jsonld",
            input=(PM / "synthetic-works.jsonl").read_bytes())
    assert r.exit_code == 0, r.stderr
    docs = json.loads(r.stdout)
    assert {d["id"] for d in docs if d.get("type") == "HumanMadeObject"} == {
        "https://n2t.net/ark:99999/pm900010", "https://n2t.net/ark:99999/pm900011"}


def test_gzip_input_and_directories(tmp_path: Path) -> None:
    d = tmp_path / "dumps" / "sub"
    d.mkdir(parents=True)
    (d / "page.json.gz").write_bytes(gzip.compress(REAL.read_bytes()))
    (tmp_path / "dumps" / "more.jsonl").write_bytes((PM / "synthetic-works.jsonl").read_bytes())
    r = run(str(tmp_path / "dumps"), "-o", str(tmp_path / "o.nt"))
    assert "read 252 records, converted 251, rejected 1" in summary(r)


def test_profiles(tmp_path: Path) -> None:
    for profile, present, absent in (("linkedart", "cidoc-crm", "schema.org/name"),
                                     ("schemaorg", "schema.org/name", "cidoc-crm")):
        out = tmp_path / f"{profile}.nt"
        r = run(str(PM / "nodebyid-226737-docs-example.json"), "--profile", profile, "-o", str(out))
        assert r.exit_code == 0
        text = out.read_text()
        assert present in text and absent not in text
    r = run(str(REAL), "--profile", "dublincore", "-o", str(tmp_path / "x.nt"))
    assert r.exit_code == 2 and "unknown profile dublincore" in r.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    r = run(str(tmp_path / "missing.json"), "-o", str(tmp_path / "o.nt"))
    assert r.exit_code == 2 and "missing.json: no such file or directory" in r.stderr
    r = run(str(REAL), "-o", str(tmp_path / "o.xyz"))
    assert r.exit_code == 2 and "cannot tell the format" in r.stderr
    r = run(str(REAL), "--naan", "a1e", "-o", str(tmp_path / "o.nt"))
    assert r.exit_code == 2 and "NAAN" in r.stderr
    assert not (tmp_path / "o.nt").exists()


def test_bad_input_is_rejected_never_lost(tmp_path: Path) -> None:
    """Truncated JSON, an HTML error page, a GraphQL error body, wrong types: each a clear reject."""
    rej = tmp_path / "rej.jsonl"
    out = tmp_path / "o.nt"
    r = run(str(DAMAGED), "-o", str(out), "--rejects", str(rej))
    assert r.exit_code == 1
    assert "Traceback" not in r.stderr
    reasons = {(Path(x["file"]).name, x["position"], x["reason"].split(":")[0])
               for x in map(json.loads, rej.read_text().splitlines())}
    assert reasons == {
        ("error-page.json", None, "not a record file"),
        ("graphql-errors.json", None, "GraphQL errors in response"),
        ("truncated.json", 1, "null entity in response (the API returned null for this node)"),
        ("truncated.json", 2, "truncated or malformed JSON after record 1"),
        ("wrong-types.json", 1, "title"),  # "title: expected text, got a JSON array"
        ("wrong-types.json", 2, "entity is a JSON str, not an object"),
        ("wrong-types.json", 3, "no stable id"),
    }
    # the one good record of wrong-types.json was converted, its bad dimension kept as text
    assert "read 8 records, converted 1, rejected 7" in summary(r)
    assert "https://n2t.net/ark:99999/pm900020" in out.read_text()
    assert "Hauteur 12 cm" in out.read_text()


def test_verbose_prints_rejects(tmp_path: Path) -> None:
    r = run(str(REAL), "-o", str(tmp_path / "o.nt"), "-v")
    assert "rejected: " in r.stderr and "null entity" in r.stderr


@pytest.mark.slow
def test_deterministic_bytes(tmp_path: Path) -> None:
    for ext in ("nt", "ttl", "jsonld", "trig", "nq"):
        a, b = tmp_path / f"a.{ext}", tmp_path / f"b.{ext}"
        run(str(PM), "-o", str(a))
        run(str(PM), "-o", str(b))
        assert a.read_bytes() == b.read_bytes(), ext


def test_batched_writes_give_the_same_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # N-Triples / N-Quads are written by a thread in ~4 MB batches: forced down to a few records
    # per batch, the bytes and their order are those of one batch
    for ext in ("nt", "nq"):
        whole, batched = tmp_path / f"whole.{ext}", tmp_path / f"batched.{ext}"
        run(str(PM), "-o", str(whole))
        with monkeypatch.context() as m:
            m.setattr(serialize._Spool, "BATCH", 4096)
            run(str(PM), "-o", str(batched))
        assert whole.stat().st_size > 50 * 4096
        assert batched.read_bytes() == whole.read_bytes(), ext


class _FullDisk(io.RawIOBase):
    """Takes ``room`` bytes, then fails as a full disk does; counts the writes tried after that."""

    def __init__(self, room: int):
        self.room, self.data, self.after_full = room, bytearray(), 0

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # type: ignore[no-untyped-def, override]
        if len(self.data) + len(b) > self.room:
            self.after_full += 1
            raise OSError(errno.ENOSPC, "No space left on device")
        self.data += b
        return len(b)


@pytest.mark.parametrize("fmt", ["nt", "nq", "ttl"])
def test_a_failed_write_stops_the_run(monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    monkeypatch.setattr(serialize._Spool, "BATCH", 4096)
    out = _FullDisk(room=20_000)
    with pytest.raises(OSError, match="No space left"):
        convert(Options([str(PM)], fmt=fmt), out)
    assert len(out.data) > 0
    if fmt == "ttl":  # pyoxigraph's writer flushes its own buffer once more as it fails: its business
        return
    # one write failed and none was tried after it (no batch written after a gap); what was written is
    # whole batches of whole lines, which parse
    assert out.after_full == 1
    parsed = list(ox.parse(bytes(out.data), format=ox.RdfFormat.N_TRIPLES if fmt == "nt" else ox.RdfFormat.N_QUADS))
    assert len(parsed) == bytes(out.data).count(b"\n")


def test_an_unwritable_output_is_one_clear_line() -> None:
    with open("/dev/full", "wb") as full:
        p = subprocess.run([sys.executable, "-c", "from arkgraph.cli import main; main()", "convert", str(REAL),
                            "-o", "-", "-q"], stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert p.returncode == 2
    assert p.stderr.strip() == "Error: cannot write standard output: No space left on device"


def test_an_unwritable_rejects_file_is_named(tmp_path: Path) -> None:
    bad = str(tmp_path / "no-such-dir" / "rejects.jsonl")
    r = CliRunner().invoke(main, ["convert", str(REAL), "-o", str(tmp_path / "o.nt"), "--rejects", bad])
    assert r.exit_code == 2
    assert r.stderr.strip() == f"Error: cannot write {bad}: No such file or directory"


def test_naan_and_ark_base(tmp_path: Path) -> None:
    out = tmp_path / "o.nt"
    run(str(PM / "nodebyid-226737-docs-example.json"), "--naan", "12345", "--ark-base",
        "https://ark.example.org", "-o", str(out))
    assert "<https://ark.example.org/ark:12345/pm226737>" in out.read_text()


def test_coverage_report_is_complete_on_real_samples(tmp_path: Path) -> None:
    cov = tmp_path / "coverage.json"
    run(str(PM / "nodequery-chinese-works-even.json"), str(PM / "nodebyid-226737-docs-example.json"),
        str(PM / "synthetic-full-nodeoeuvre.json"), "-o", str(tmp_path / "o.nt"), "--coverage", str(cov))
    report = json.loads(cov.read_text())
    pm = report["sources"]["parismusees"]
    assert pm["coverage_percent"] == 100.0 and pm["unhandled_fields"] == {}
    assert pm["leaf_values"] == pm["mapped"] + pm["ignored"]
    assert all(v["reason"] for v in pm["ignored_fields"].values())
    # values missing from the tables are listed for curators, with counts
    assert report["unmapped_values"]["periods"]["Qing (1644-1911)"] == 96
    assert report["unmapped_values"]["roles"] == {"Licier": 1}


def test_unknown_field_is_reported_not_ignored(tmp_path: Path) -> None:
    src = tmp_path / "new-field.jsonl"
    src.write_text('{"nid": 5, "title": "T", "fieldNouveauChamp": {"value": "x"}}\n', encoding="utf-8")
    cov = tmp_path / "c.json"
    run(str(src), "-o", str(tmp_path / "o.nt"), "--coverage", str(cov))
    assert json.loads(cov.read_text())["sources"]["parismusees"]["unhandled_fields"] == {"fieldNouveauChamp.value": 1}


def test_user_mappings_extend_and_override(tmp_path: Path) -> None:
    (tmp_path / "maps").mkdir()
    (tmp_path / "maps" / "roles.csv").write_text("label,relator,creator\nLicier,wdc,yes\nPeintre,pnt,yes\n")
    out = tmp_path / "o.nt"
    r = run(str(PM / "synthetic-full-nodeoeuvre.json"), "--mappings", str(tmp_path / "maps"), "-o", str(out))
    assert r.exit_code == 0
    text = out.read_text()
    assert "<http://id.loc.gov/vocabulary/relators/wdc>" in text and "<http://id.loc.gov/vocabulary/relators/pnt>" in text
    (tmp_path / "maps" / "units.csv").write_text("label,aat\ncm,1\n")
    r = run(str(REAL), "--mappings", str(tmp_path / "maps"), "-o", str(out))
    assert r.exit_code == 2 and "units.csv:1: missing column(s) uncefact" in r.stderr


def test_output_is_atomic_on_failure(tmp_path: Path) -> None:
    out = tmp_path / "o.nt"
    out.write_text("previous")
    r = run(str(REAL), str(tmp_path / "nope.json"), "-o", str(out))
    assert r.exit_code == 2
    assert out.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["o.nt"]


def test_help_teaches() -> None:
    r = CliRunner().invoke(main, ["convert", "--help"])
    assert "Example:" in r.output and "--rejects" in r.output and "--naan" in r.output

"""One bad record or file never takes a run down: damaged .gz inputs, unexpected errors, files without records,
and one record per IRI (duplicates across inputs). Every hostile input here is derived from a real sample."""

from __future__ import annotations

import gzip
import io
import json
import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from arkgraph import pipeline
from arkgraph.cli import main
from arkgraph.pipeline import Options, convert
from arkgraph.seen import FirstSeen
from helpers import FIXTURES, PM

REAL = PM / "nodequery-chinese-works-even.json"  # 250 entities, the first one null
DOC = PM / "nodebyid-226737-docs-example.json"  # one work
GALLICA = FIXTURES / "gallica"
SRU = GALLICA / "sru" / "20PaperRecords.xml"  # 20 records


def run(*args: str):
    return CliRunner().invoke(main, ["convert", *args], catch_exceptions=False)


def summary(result) -> str:
    return result.stderr.strip().splitlines()[-1]


def rejects(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def nquads(*inputs: Path | str) -> bytes:
    out = io.BytesIO()
    convert(Options([str(i) for i in inputs], fmt="nq"), out)
    return out.getvalue()


def graphs(nq: bytes) -> list[str]:
    """Record graphs in the order they are written (one run of lines each)."""
    names: list[str] = []
    for line in nq.splitlines():
        g = line.rsplit(b" ", 2)[-2].decode()
        if not names or names[-1] != g:
            names.append(g)
    return names


def gzipped(path: Path) -> bytes:
    return gzip.compress(path.read_bytes(), mtime=0)


# --------------------------------------------------------------------------- damaged .gz inputs

@pytest.mark.parametrize("sample", [REAL, SRU], ids=["parismusees-json", "gallica-sru"])
@pytest.mark.parametrize("keep", [0.001, 0.3, 0.6, 0.999], ids=["header", "30%", "60%", "trailer"])
def test_a_truncated_gz_keeps_its_records_before_the_cut_and_the_run_goes_on(
        tmp_path: Path, sample: Path, keep: float) -> None:
    data = gzipped(sample)
    damaged = tmp_path / f"cut{sample.suffix}.gz"
    damaged.write_bytes(data[:max(int(len(data) * keep), 10)])
    out, rej = tmp_path / "o.nq", tmp_path / "rej.jsonl"
    r = run(str(damaged), str(DOC), "-o", str(out), "--rejects", str(rej))
    assert r.exit_code == 1 and "Traceback" not in r.output and "Aborted" not in r.output
    mine = [x for x in rejects(rej) if x["file"] == str(damaged)]
    last = mine[-1]
    # named by the reader that met it (the Gallica reader words its own) or by the pipeline's net
    assert re.search(r"compressed (data|file) (ends|ended) ", last["reason"], re.I), last["reason"]
    assert last["reason"].endswith("the rest of the file is lost")
    written = graphs(out.read_bytes())
    intact = graphs(nquads(sample))
    kept = written[:-1]  # the last graph is the good file's
    assert kept == intact[:len(kept)]  # the records before the damage, unchanged, in order
    if keep >= 0.6:
        assert kept, "records before the damage are kept"
    # the reject stands where the damage is: one after the last item read (records kept, the null entity)
    assert last["position"] == 1 + len(kept) + len(mine) - 1
    assert f"the {len(kept)} record(s)" in last["reason"]
    assert written[-1] == graphs(nquads(DOC))[0]  # the next file is fully converted
    read, conv, rejected = map(int, re.match(r"arkgraph: read (\d+) records, converted (\d+), rejected (\d+)",
                                             summary(r)).groups())  # type: ignore[union-attr]
    assert read == conv + rejected


def test_a_gz_with_a_flipped_byte_keeps_the_records_before_the_damage(tmp_path: Path) -> None:
    data = bytearray(gzipped(REAL))
    data[len(data) // 2] ^= 0xFF
    damaged = tmp_path / "flipped.json.gz"
    damaged.write_bytes(bytes(data))
    out, rej = tmp_path / "o.nq", tmp_path / "rej.jsonl"
    r = run(str(damaged), str(DOC), "-o", str(out), "--rejects", str(rej))
    assert r.exit_code == 1 and "Traceback" not in r.output
    last = [x for x in rejects(rej) if x["file"] == str(damaged)][-1]
    assert last["position"] > 100  # the damage is half way: the first half is read
    written = graphs(out.read_bytes())
    assert written[:-1] == graphs(nquads(REAL))[:len(written) - 1]
    assert len(written) - 1 == last["position"] - 2  # every record before the damage (but the null one)
    assert written[-1] == graphs(nquads(DOC))[0]


def test_a_gz_damaged_in_its_first_block_is_named_as_such_not_as_an_empty_file(tmp_path: Path) -> None:
    damaged = tmp_path / "page.json.gz"
    damaged.write_bytes(gzipped(REAL)[:40])
    rej = tmp_path / "rej.jsonl"
    r = run(str(damaged), "-o", str(tmp_path / "o.nq"), "--rejects", str(rej))
    assert r.exit_code == 1
    [x] = rejects(rej)
    assert x["position"] == 1 and "damaged gzip" in x["reason"] and "before any record" in x["reason"]


def test_a_gz_that_fails_its_crc_says_the_text_before_may_be_damaged(tmp_path: Path) -> None:
    data = bytearray(gzipped(DOC))
    data[-8] ^= 0xFF  # the CRC-32 in the trailer: all the data reads, the check fails at the end
    damaged = tmp_path / "doc.json.gz"
    damaged.write_bytes(bytes(data))
    rej = tmp_path / "rej.jsonl"
    r = run(str(damaged), "-o", str(tmp_path / "o.nq"), "--rejects", str(rej))
    assert r.exit_code == 1
    [x] = rejects(rej)
    assert x["reason"].startswith("damaged gzip: CRC check failed") and "may be damaged too" in x["reason"]
    assert x["position"] == 2 and "the 1 record(s) read before it are kept" in x["reason"]


# --------------------------------------------------------------------------- last-resort nets

def test_an_unexpected_error_in_one_record_rejects_that_record_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    emit = pipeline.PROFILES["schemaorg"]
    victim = "https://n2t.net/ark:99999/pm216769"  # the third entity of the real page

    def buggy(rec, *a, **k):  # stands for a bug that one record's data triggers
        if rec.iri == victim:
            raise KeyError("x" * 1000)
        return emit(rec, *a, **k)

    monkeypatch.setitem(pipeline.PROFILES, "schemaorg", buggy)
    out, rej = tmp_path / "o.nq", tmp_path / "rej.jsonl"
    r = run(str(REAL), "-o", str(out), "--rejects", str(rej))
    assert r.exit_code == 1 and "Traceback" not in r.output
    bad = [x for x in rejects(rej) if x["position"] == 3]
    assert len(bad) == 1 and bad[0]["reason"].startswith("internal error: KeyError: 'xxx")
    assert len(bad[0]["reason"]) < 250 and bad[0]["file"] == str(REAL) and bad[0]["record_id"]
    assert "read 250 records, converted 248, rejected 2," in summary(r)
    assert victim not in out.read_text(encoding="utf-8")


def test_running_out_of_memory_still_stops_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    def exhausted(rec, *a, **k):
        raise MemoryError

    monkeypatch.setitem(pipeline.PROFILES, "schemaorg", exhausted)
    with pytest.raises(MemoryError):
        convert(Options([str(DOC)], fmt="nq"), io.BytesIO())


def test_a_reader_that_fails_loses_the_rest_of_its_file_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the reader raising mid-file on a real page (deep nesting once did; now it rejects only its record)
    from arkgraph.sources import parismusees_reader

    hostile = tmp_path / "deep.json"
    shutil.copy(REAL, hostile)
    entity_item = parismusees_reader._entity_item

    def failing(ent, name, pos):  # type: ignore[no-untyped-def]
        if name == str(hostile) and pos == 126:
            raise RecursionError("maximum recursion depth exceeded")
        yield from entity_item(ent, name, pos)

    monkeypatch.setattr(parismusees_reader, "_entity_item", failing)
    out, rej = tmp_path / "o.nq", tmp_path / "rej.jsonl"
    r = run(str(hostile), str(DOC), "-o", str(out), "--rejects", str(rej))
    assert r.exit_code == 1 and "Traceback" not in r.output
    last = [x for x in rejects(rej) if x["file"] == str(hostile)][-1]
    assert last["position"] > 100 and last["source"] == "parismusees"
    written = graphs(out.read_bytes())
    assert written[-1] == graphs(nquads(DOC))[0]
    assert len(written) - 1 == last["position"] - 2


# --------------------------------------------------------------------------- files that hold no record

def test_files_without_records_and_other_files_are_counted_and_listed(tmp_path: Path) -> None:
    d = tmp_path / "dumps"
    (d / "sub").mkdir(parents=True)
    shutil.copy(DOC, d / "doc.json")
    (d / "empty-object.json").write_text("{}\n")
    (d / "empty-array.json").write_text("[]\n")
    shutil.copy(GALLICA / "sru" / "expose-sommaire.xml", d / "sub" / "no-match.xml")  # a real SRU answer: 0 records
    (d / "notes.txt").write_text("harvested on Monday\n")
    (d / ".checkpoint.json").write_text("{}\n")  # a tool's own state: passed over silently
    r = run(str(d), "-o", str(tmp_path / "o.nq"), "-v")
    assert r.exit_code == 0, r.output
    line = summary(r)
    assert line.startswith("arkgraph: read 1 records, converted 1, rejected 0,")
    assert line.endswith(", 3 files held no records, 1 file skipped (not .gz, .json, .jsonl, .ndjson or .xml)")
    assert f"skipped: {d / 'notes.txt'} (not a record file name)" in r.stderr
    for name in ("empty-object.json", "empty-array.json", "sub/no-match.xml"):
        assert f"no records: {d / name}" in r.stderr
    assert ".checkpoint" not in r.stderr


def test_an_empty_object_as_the_whole_input_is_never_silent(tmp_path: Path) -> None:
    f = tmp_path / "x.json"
    f.write_text("{}")
    r = run(str(f), "-o", str(tmp_path / "x.nq"))
    assert r.exit_code == 0
    assert summary(r).startswith("arkgraph: read 0 records,") and summary(r).endswith(", 1 file held no records")
    assert len(r.stderr.strip().splitlines()) == 1  # named only with --verbose
    r = run(str(f), "-o", str(tmp_path / "x.nq"), "-v")
    assert f"no records: {f}" in r.stderr


# --------------------------------------------------------------------------- one record per IRI

def test_a_file_given_twice_gives_the_output_of_it_given_once(tmp_path: Path) -> None:
    out, rej = tmp_path / "o.nq", tmp_path / "rej.jsonl"
    r = run(str(REAL), str(REAL), "-o", str(out), "--rejects", str(rej))
    assert r.exit_code == 1
    assert out.read_bytes() == nquads(REAL)
    assert "read 500 records, converted 249, rejected 251 (249 duplicates: the first record of each IRI is kept)," \
        in summary(r)
    dup = [x for x in rejects(rej) if x["reason"].startswith("duplicate of")]
    assert len(dup) == 249
    assert dup[0] == {"file": str(REAL), "position": 2, "record_id": dup[0]["record_id"], "source": "parismusees",
                      "reason": f"duplicate of https://n2t.net/ark:99999/pm216702, first read at {REAL}:2; "
                                "the first record is kept"}


def test_a_record_that_was_rejected_does_not_make_the_next_one_a_duplicate(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    emit = pipeline.PROFILES["schemaorg"]
    victim = "https://n2t.net/ark:99999/pm216769"
    failures = []

    def fails_once(rec, *a, **k):
        if rec.iri == victim and not failures:
            failures.append(rec.iri)
            raise RuntimeError("transient")
        return emit(rec, *a, **k)

    monkeypatch.setitem(pipeline.PROFILES, "schemaorg", fails_once)
    out = tmp_path / "o.nq"
    r = run(str(REAL), str(REAL), "-o", str(out))
    # the first copy of the victim is rejected (internal error), its second copy is the first converted
    assert "read 500 records, converted 249, rejected 251 (248 duplicates:" in summary(r)
    assert f"<{victim}>" in graphs(out.read_bytes())


def test_the_same_document_in_two_gallica_responses_is_converted_once(tmp_path: Path) -> None:
    """Real overlap: an OAIRecord and an SRU page about the same ARKs."""
    oai = GALLICA / "oairecord" / "bpt6k58017546-monographie.xml"
    sru = GALLICA / "sru" / "degroote-nouvelle-france.xml"
    out, rej = tmp_path / "o.nq", tmp_path / "rej.jsonl"
    r = run(str(oai), str(sru), "-o", str(out), "--rejects", str(rej))
    assert r.exit_code == 1
    [dup] = rejects(rej)
    assert dup["file"] == str(sru) and dup["record_id"] == "ark:12148/bpt6k58017546"
    assert dup["reason"] == (f"duplicate of https://n2t.net/ark:12148/bpt6k58017546, first read at {oai}:1; "
                             "the first record is kept")
    written = graphs(out.read_bytes())
    assert len(written) == len(set(written))
    assert out.read_bytes().startswith(nquads(oai))  # the first record read is the one kept


def test_the_store_gets_the_records_the_output_gets(tmp_path: Path) -> None:
    oai = GALLICA / "oairecord" / "btv1b10870266z-carte.xml"
    sru = GALLICA / "sru" / "carte-map.xml"
    out, store = tmp_path / "o.nq", tmp_path / "store"
    r = run(str(oai), str(sru), "-o", str(out), "--store", str(store))
    assert r.exit_code == 1 and "(1 duplicate: the first record of each IRI is kept)" in summary(r)
    s = ox.Store(str(store))
    names = graphs(out.read_bytes())
    assert {g.value for g in s.named_graphs()} == {g[1:-1] for g in names}
    for g in names:
        in_file = [line for line in out.read_text(encoding="utf-8").splitlines() if line.endswith(f" {g} .")]
        in_store = [q for q in s.quads_for_pattern(None, None, None, ox.NamedNode(g[1:-1]))
                    if not str(q.predicate).startswith(("<http://www.w3.org/ns/prov#", "<https://w3id.org/arkgraph/"))]
        assert len(in_store) == len(in_file), g


def test_a_deletion_marker_is_never_a_duplicate(tmp_path: Path) -> None:
    record = GALLICA / "oairecord" / "bpt6k5805671m.xml"
    deletion = GALLICA / "oaipmh" / "listrecords-page1.xml"  # deletes bpt6k5805671m
    r = run(str(record), str(deletion), "-o", str(tmp_path / "a.nq"))
    assert r.exit_code == 0 and "rejected 0, deleted 1" in summary(r)
    # deleted, then read again: new again (re-created), as a store loading the output sees it
    r = run(str(record), str(deletion), str(record), "-o", str(tmp_path / "b.nq"))
    assert r.exit_code == 0 and "read 5 records, converted 5, rejected 0, deleted 1" in summary(r)
    # without a deletion between them, the second is a duplicate
    r = run(str(record), str(record), "-o", str(tmp_path / "c.nq"))
    assert r.exit_code == 1 and "converted 1, rejected 1 (1 duplicate" in summary(r)


def test_embed_keeps_the_record_convert_kept(tmp_path: Path) -> None:
    """Two outputs joined into one file: embed writes the first record of an IRI, as convert would have."""
    oai = GALLICA / "oairecord" / "btv1b10870266z-carte.xml"
    sru = GALLICA / "sru" / "carte-map.xml"
    joined = tmp_path / "joined.nq"
    joined.write_bytes(nquads(oai) + nquads(sru))
    once = tmp_path / "once.nq"
    once.write_bytes(nquads(oai, sru))
    r1 = CliRunner().invoke(main, ["embed", str(joined), "--out", str(tmp_path / "a")], catch_exceptions=False)
    r2 = CliRunner().invoke(main, ["embed", str(once), "--out", str(tmp_path / "b")], catch_exceptions=False)
    assert r1.exit_code == 1 and "1 duplicate records skipped (the first record of each IRI is kept)" in r1.stderr
    assert r2.exit_code == 0
    a, b = sorted((tmp_path / "a").iterdir()), sorted((tmp_path / "b").iterdir())
    assert [p.name for p in a] == [p.name for p in b]
    assert all(x.read_bytes() == y.read_bytes() for x, y in zip(a, b))


def test_first_seen_remembers_where_each_key_was_first_met() -> None:
    seen = FirstSeen(4)
    keys = [f"https://n2t.net/ark:99999/pm{i}" for i in range(20_000)]  # grows the table many times
    assert all(seen.first(seen.digest(k), (i << 32) | 7) is None for i, k in enumerate(keys))
    assert all(seen.first(seen.digest(k), 0) == (i << 32) | 7 for i, k in enumerate(keys))
    seen.forget(seen.digest(keys[5]))
    assert seen.first(seen.digest(keys[5]), 0) is None and seen.first(seen.digest(keys[6]), 0) is not None
    assert seen.first(seen.digest(keys[5]), 1) == 0
    assert FirstSeen.digest("ark") == FirstSeen.digest("ark") != FirstSeen.digest("arc")  # same in every run


def test_a_reject_quoting_a_lone_surrogate_is_written_escaped(tmp_path):
    # synthetic: no real response echoes a lone surrogate; a GraphQL errors body can echo any query text
    src, rej = tmp_path / "x.json", tmp_path / "r.jsonl"
    src.write_text('{"errors": [{"message": "bad \\ud800 query"}], "data": null}', encoding="utf-8")
    res = CliRunner().invoke(main, ["convert", str(src), "-o", str(tmp_path / "x.nq"), "--rejects", str(rej)])
    assert res.exit_code == 1 and "Traceback" not in res.output
    [line] = rej.read_text(encoding="utf-8").splitlines()
    assert "\\ud800" in json.loads(line)["reason"]

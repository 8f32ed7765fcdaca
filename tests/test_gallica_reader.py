"""Gallica reading: damaged files, OAI-PMH (deletions), refused entities, sniffing and the CLI."""

from __future__ import annotations

import gzip
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from arkgraph import mappings
from arkgraph.cli import main
from arkgraph.sources import gallica
from arkgraph.sources.common import RawRecord, Reject

FIX = Path(__file__).parent / "fixtures" / "gallica"


def read(path: Path) -> list:
    with path.open("rb") as fh:
        return list(gallica.read(io.BufferedReader(fh), str(path)))


def test_damaged_sru_keeps_records_before_the_damage():
    items = read(FIX / "damaged" / "sru-junk-after-root.xml")
    recs = [i for i in items if isinstance(i, RawRecord)]
    [rej] = [i for i in items if isinstance(i, Reject)]
    assert len(recs) == 50 and recs[-1].record_id == "ark:12148/bpt6k4360912g"
    assert rej.position == 51 and "line 2133" in rej.reason and rej.file.endswith("sru-junk-after-root.xml")
    mapper = gallica.Mapper(mappings.load())
    assert all(mapper.map(r, {}).record.title for r in recs)


def test_mangled_toc_is_rejected_not_fatal():
    path = FIX / "damaged" / "toc-html-mangled.xml"
    with path.open("rb") as fh:
        assert gallica.is_enrichment(fh.peek(4096))
        items = list(gallica.read_enrichment(io.BufferedReader(fh), str(path)))
    assert len(items) == 1 and isinstance(items[0], Reject) and "lower-cased" in items[0].reason


def test_oai_pmh_list_records_with_deletion():
    items = read(FIX / "oaipmh" / "listrecords-page1.xml")
    assert [i.record_id for i in items] == ["ark:12148/bpt6k58017546", "ark:12148/btv1b10870266z",
                                            "ark:12148/bpt6k5805671m"]
    mapper = gallica.Mapper(mappings.load())
    recs = [mapper.map(i, {}).record for i in items]
    assert recs[0].title.startswith("L'aventure de Port-Breton") and not recs[0].deleted
    assert recs[2].deleted and recs[2].iri == "https://n2t.net/ark:12148/bpt6k5805671m"
    [one] = read(FIX / "oaipmh" / "getrecord-bpt6k5603637g.xml")
    assert mapper.map(one, {}).record.schema_types == ["PublicationIssue"]


def test_entity_bomb_and_external_entity_are_refused():
    for name in ("entity-bomb.xml", "external-entity.xml"):
        [item] = read(FIX / "attacks" / name)
        assert isinstance(item, Reject) and "<!ENTITY>" in item.reason


def test_entities_declared_beyond_the_sniffed_head_are_refused():
    pad = "<!-- " + "x" * 5000 + " -->\n"
    doc = ('<?xml version="1.0"?>\n<!DOCTYPE r [\n' + pad + '<!ENTITY e "boom">]>\n'
           '<srw:searchRetrieveResponse xmlns:srw="http://www.loc.gov/zing/srw/"><srw:records><srw:record>'
           '<srw:recordData><dc xmlns="http://purl.org/dc/elements/1.1/"><title>&e;</title></dc></srw:recordData>'
           '</srw:record></srw:records></srw:searchRetrieveResponse>').encode()
    # the sniffed head must still see the SRU root: put the marker early
    doc = doc.replace(b"<!DOCTYPE r [", b"<!-- searchRetrieveResponse -->\n<!DOCTYPE r [")
    [item] = list(gallica.read(io.BufferedReader(io.BytesIO(doc)), "late-entity.xml"))
    assert isinstance(item, Reject) and "<!ENTITY>" in item.reason


def test_sniffing():
    heads = {p.name: p.read_bytes()[:4096] for p in (FIX / "sru").glob("*.xml")}
    assert all(gallica.sniff(h) for h in heads.values())
    assert gallica.sniff((FIX / "oairecord" / "bpt6k58017546-monographie.xml").read_bytes())
    assert gallica.sniff((FIX / "oaipmh" / "listrecords-page1.xml").read_bytes())
    for p in ("pagination/pagination-bpt6k5603637g.xml", "issues/years-cb328261098.xml", "toc/toc-cell-seg.xml",
              "toc/toc-tr-xhtml.xml", "iiif/manifest-bpt6k9604118j.json"):
        data = (FIX / p).read_bytes()
        assert gallica.is_enrichment(data[:4096]) and not gallica.sniff(data[:4096]), p


def test_cli_convert_gallica(tmp_path):
    out, rej, cov = tmp_path / "o.nt", tmp_path / "rej.jsonl", tmp_path / "cov.json"
    res = CliRunner().invoke(main, ["convert", "--source", "gallica", str(FIX / "oairecord"), str(FIX / "sru"),
                                    "-o", str(out), "--rejects", str(rej), "--coverage", str(cov), "-q"])
    # the real responses overlap: a document met again is rejected as a duplicate, nothing else is
    assert res.exit_code == 1, res.output
    assert {json.loads(x)["reason"].split(",")[0].split(" of ")[0] for x in rej.read_text().splitlines()} == {"duplicate"}
    text = out.read_text(encoding="utf-8")
    assert "<https://n2t.net/ark:12148/bpt6k58017546> <http://schema.org/publisher>" in text
    assert json.loads(cov.read_text())["sources"]["gallica"]["unhandled"] == 0


def test_cli_auto_with_damage_exits_1(tmp_path):
    out, rej = tmp_path / "o.ttl", tmp_path / "rej.jsonl"
    res = CliRunner().invoke(main, ["convert", str(FIX / "damaged" / "sru-junk-after-root.xml"),
                                    str(FIX / "pagination"), "-o", str(out), "--rejects", str(rej), "-q"])
    assert res.exit_code == 1
    assert "converted 50, rejected 1" in res.output
    [line] = rej.read_text().splitlines()
    assert json.loads(line)["position"] == 51


def _pull_items(data: bytes) -> list:
    from arkgraph.sources import gallica_reader
    fh = io.BufferedReader(io.BytesIO(data))
    return list(gallica_reader._read_pull(fh, "f.xml", gallica_reader._head_kind(fh.peek(4096)[:4096])))


def test_streaming_reader_gives_what_the_pull_reader_gives(monkeypatch):
    """The streaming reader (no per-element callbacks) against the pull reader: the same items in the same order,
    with records cut across chunks, odd layouts it leaves to the pull reader, and damage anywhere."""
    from arkgraph.sources import gallica_reader
    sru = (FIX / "sru" / "dummyKeywordRecords.xml").read_bytes()
    oai = (FIX / "oaipmh" / "listrecords-page1.xml").read_bytes()
    nested = (b"<srw:record><srw:recordData><oai_dc:dc><dc:title>Nested</dc:title></oai_dc:dc></srw:recordData>"
              b"</srw:record>")
    docs = {
        "sru": sru, "oai": oai, "bom": b"\xef\xbb\xbf" + sru, "no declaration": sru[sru.index(b"?>") + 2:],
        "latin-1": sru.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"'),
        "nested record": sru.replace(b"</srw:recordData>", b"</srw:recordData>" + nested, 3),
        "two containers": sru.replace(b"</srw:records>", b"</srw:records><srw:records>" + nested + b"</srw:records>"),
        "comments between": sru.replace(b"</srw:record>", b"</srw:record><!-- c --><other>x</other>"),
        "late entity": sru.replace(b"?>", b"?><!-- searchRetrieveResponse --><!DOCTYPE r [<!-- " + b"x" * 5000
                                   + b" --><!ENTITY e 'boom'>]>", 1),
        "oai error": oai.replace(b"<ListRecords>", b'<error code="badArgument">x</error><ListRecords>'),
        "oai error only": oai[:oai.index(b"<ListRecords>")] + b'<error code="badVerb">bad</error></OAI-PMH>',
        "junk after root": (FIX / "damaged" / "sru-junk-after-root.xml").read_bytes(),
        # mixed content: the streaming reader drops blank text between elements, so it leaves these to the pull reader
        "mixed value": sru.replace(b"<dc:title>", b"<dc:title><i>x</i> <b>y</b> ", 2),
        "mixed extra": sru.replace(b"<typedoc>",
                                   b"<listBibVirt>\n<label>a <i>b</i> <i>c</i></label></listBibVirt><typedoc>"),
        "blank values": sru.replace(b"<dc:title>", b"<dc:subject>  </dc:subject><dc:title>", 3),
    }
    docs.update({f"cut at {i}": sru[:i] for i in range(200, len(sru), len(sru) // 17)})
    docs.update({f"'<' at {i}": sru[:i] + b"<" + sru[i:] for i in range(300, len(sru), len(sru) // 13)})
    for chunk, unread in ((64, 300), (64, 1 << 24), (1000, 1 << 24), (65536, 1 << 24)):
        monkeypatch.setattr(gallica_reader, "_CHUNK", chunk)
        monkeypatch.setattr(gallica_reader, "_MAX_UNREAD", unread)  # small: gives up part-way (a long record)
        for label, data in docs.items():
            expected = _pull_items(data)
            assert read_bytes(data) == expected, (label, chunk)
    assert any(isinstance(i, RawRecord) for i in _pull_items(docs["nested record"]))
    # the real records, read by the streaming reader itself (not left to the pull reader): not an empty agreement
    monkeypatch.setattr(gallica_reader, "_CHUNK", 64)
    got = list(gallica_reader._read_streaming(io.BufferedReader(io.BytesIO(sru)), "f.xml", "sru"))
    assert [(r.position, r.record_id) for r in got] == [
        (1, "ark:12148/bpt6k34565h"), (2, "ark:12148/bpt6k50278259"), (3, "ark:12148/bpt6k9734119"),
        (4, "ark:12148/bpt6k1046831"), (5, "ark:12148/bpt6k969388g"), (6, "ark:12148/bpt6k969388g")]
    assert got[0].payload["fields"]["title"] == ["Revue maritime et coloniale / Ministère de la marine et des colonies"]
    got = list(gallica_reader._read_streaming(io.BufferedReader(io.BytesIO(oai)), "f.xml", "oai-pmh"))
    assert [r.record_id for r in got] == ["ark:12148/bpt6k58017546", "ark:12148/btv1b10870266z",
                                          "ark:12148/bpt6k5805671m"]
    assert got[0].payload["fields"]["title"][0].startswith("L'aventure de Port-Breton")
    for label in ("sru", "oai", "comments between", "oai error only", "blank values"):  # read by the streaming reader
        fh = io.BufferedReader(io.BytesIO(docs[label]))
        kind = gallica_reader._head_kind(fh.peek(4096))
        assert list(gallica_reader._read_streaming(fh, "f.xml", kind)) == _pull_items(docs[label]), label


def read_bytes(data: bytes) -> list:
    return list(gallica.read(io.BufferedReader(io.BytesIO(data)), "f.xml"))


@pytest.mark.slow
def test_every_record_completed_before_the_damage_is_kept(monkeypatch):
    """Damage anywhere in a real SRU response (a stray '<' or end tag, a byte that is not UTF-8, an HTML
    entity, a cut): the records whose end tag comes before it are all kept, whole, and one reject says
    which record position and which line the damage is at. Counted from the bytes, not from what a
    given libxml2 happens to report."""
    from arkgraph.sources import gallica_reader
    sru = (FIX / "sru" / "20PaperRecords.xml").read_bytes()
    clean = read_bytes(sru)
    assert len(clean) == 20 and all(isinstance(r, RawRecord) for r in clean)
    for chunk in (64, 65536):
        monkeypatch.setattr(gallica_reader, "_CHUNK", chunk)
        ends = [m.end() for m in re.finditer(rb"</srw:record>", sru)][:-1]
        for i in [*range(300, len(sru), len(sru) // 40), *ends]:  # and just after a record's end tag
            complete = sru[:i].count(b"</srw:record>")
            line = sru[:i].count(b"\n") + 1
            for damage in (b"<", b"</x>", b"\xff", b"&nbsp;", None):
                data = sru[:i] + damage + sru[i:] if damage else sru[:i]
                items = read_bytes(data)
                *recs, rej = items
                assert recs == clean[:complete], (damage, i, chunk)
                assert isinstance(rej, Reject) and rej.position == complete + 1 and rej.file == "f.xml"
                if damage:  # a cut is found at the end of the data
                    assert rej.reason.startswith(f"damaged XML at line {line}, "), (damage, i, rej.reason)


def test_overlapping_writes_keep_the_records_before_the_overlap(tmp_path):
    """damaged/sru-overlapping-writes.xml is the real sru/20PaperRecords.xml cut inside its 8th record and
    followed by the whole file again (two writes that overlapped)."""
    path = FIX / "damaged" / "sru-overlapping-writes.xml"
    out, rej = tmp_path / "o.nq", tmp_path / "rej.jsonl"
    res = CliRunner().invoke(main, ["convert", str(path), "-o", str(out), "--rejects", str(rej), "-v"])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert "read 8 records, converted 7, rejected 1" in res.output
    [reject] = [json.loads(line) for line in rej.read_text().splitlines()]
    assert reject["file"] == str(path) and reject["position"] == 8
    assert reject["reason"].startswith("damaged XML at line 315, column 66: XML declaration allowed only at the start")
    clean = read(FIX / "sru" / "20PaperRecords.xml")
    def whole(r: RawRecord) -> dict:
        return {k: v for k, v in r.payload.items() if k != "line"}  # one comment line was added above them
    assert [whole(r) for r in read(path)[:7]] == [whole(r) for r in clean[:7]]
    written = out.read_text(encoding="utf-8")
    assert all(f"<https://n2t.net/{r.record_id}>" in written for r in clean[:7])
    assert f"<https://n2t.net/{clean[7].record_id}>" not in written


def _refused(items: list) -> bool:
    return len(items) == 1 and isinstance(items[0], Reject) and "<!ENTITY>" in items[0].reason


def test_the_pull_reader_refuses_entities_too():
    """The fallback reader (damaged or unusual files) checks entity declarations as the fast path does."""
    from arkgraph.sources import gallica_reader
    for name, kind in (("entity-bomb.xml", "sru"), ("external-entity.xml", "oairecord")):
        data = (FIX / "attacks" / name).read_bytes()
        assert _refused(list(gallica_reader._read_pull(io.BufferedReader(io.BytesIO(data)), name, kind))), name
    sru = (FIX / "sru" / "dummyKeywordRecords.xml").read_bytes()
    late = sru.replace(b"?>", b"?><!-- searchRetrieveResponse --><!DOCTYPE r [<!-- " + b"x" * 5000
                       + b" --><!ENTITY e 'boom'>]>", 1).replace(b"<dc:title>", b"<dc:title>&e;", 1)
    assert _refused(list(gallica_reader._read_pull(io.BufferedReader(io.BytesIO(late)), "late.xml", "sru")))
    # damaged after the declaration: refused all the same, not read up to the damage
    assert _refused(read_bytes(late[:len(late) // 2] + b"\xff" + late[len(late) // 2:]))


def test_no_external_dtd_entity_or_xinclude_is_ever_loaded(tmp_path):
    """A local file named by an external DTD, an external entity in it, or an XInclude never reaches the
    output, whichever reader reads the file (the fast path, or the pull reader after damage)."""
    from arkgraph.sources import gallica_reader
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-CONTENT", encoding="utf-8")
    dtd = tmp_path / "ext.dtd"
    dtd.write_text(f'<!ENTITY leak SYSTEM "{secret.as_uri()}">\n'
                   '<!ATTLIST dc:title xml:lang CDATA "SECRET-DEFAULT">\n', encoding="utf-8")
    sru = (FIX / "sru" / "dummyKeywordRecords.xml").read_bytes()
    doctype = f'?>\n<!DOCTYPE srw:searchRetrieveResponse SYSTEM "{dtd.as_uri()}">'.encode()
    xinclude = (b'<dc:title><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="'
                + secret.as_uri().encode() + b'" parse="text"/>')
    docs = {"dtd": sru.replace(b"?>", doctype, 1),
            "dtd entity": sru.replace(b"?>", doctype, 1).replace(b"</dc:title>", b"&leak;</dc:title>", 2)
                                .replace(b"&leak;</dc:title>", b"</dc:title>", 1),  # in the 2nd record
            "xinclude": sru.replace(b"<dc:title>", xinclude, 2)}
    for label, data in docs.items():
        for damaged in (data, data[:-200]):
            fast = read_bytes(damaged)
            pull = list(gallica_reader._read_pull(io.BufferedReader(io.BytesIO(damaged)), "f.xml", "sru"))
            assert "SECRET" not in repr(fast) + repr(pull), label
            assert any(isinstance(i, RawRecord) for i in fast), label  # the records before are kept
    # the undeclared entity is named as the damage, where it is
    [*recs, rej] = read_bytes(docs["dtd entity"])
    line = docs["dtd entity"][:docs["dtd entity"].index(b"&leak;")].count(b"\n") + 1
    assert len(recs) == 1 and f"line {line}," in rej.reason and "Entity 'leak' not defined" in rej.reason
    # nor in a side file
    pag = (FIX / "pagination" / "pagination-bpt6k5603637g.xml").read_bytes()
    pag = pag.replace(b"?>", f'?>\n<!DOCTYPE livre SYSTEM "{dtd.as_uri()}">'.encode(), 1)
    pag = pag.replace(b"<numero>NP</numero>", b"<numero>&leak;</numero>", 1)
    items = list(gallica.read_enrichment(io.BufferedReader(io.BytesIO(pag)), "pagination-bpt6k5603637g.xml"))
    assert "SECRET" not in repr(items)
    assert items[0][1].pages[0].numero == "NP"  # the entity is left unexpanded: no page label


def test_a_cut_gz_file_keeps_the_records_before_the_cut(tmp_path):
    """A .gz cut short (an interrupted download) raises on read, not on parse: still one reject, no traceback."""
    whole = gzip.compress((FIX / "sru" / "20PaperRecords.xml").read_bytes())
    path = tmp_path / "cut.xml.gz"
    path.write_bytes(whole[:len(whole) // 2])
    out, rej = tmp_path / "o.nq", tmp_path / "rej.jsonl"
    res = CliRunner().invoke(main, ["convert", str(path), "-o", str(out), "--rejects", str(rej)])
    assert res.exit_code == 1 and "Traceback" not in res.output
    [reject] = [json.loads(line) for line in rej.read_text().splitlines()]
    kept = reject["position"] - 1
    assert reject["file"] == str(path) and kept >= 5 and "cannot read further" in reject["reason"]
    assert f"converted {kept}, rejected 1" in res.output

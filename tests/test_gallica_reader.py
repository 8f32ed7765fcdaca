"""Gallica reading: damaged files, OAI-PMH (deletions), refused entities, sniffing and the CLI."""

from __future__ import annotations

import io
import json
from pathlib import Path

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
    assert res.exit_code == 0, res.output
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

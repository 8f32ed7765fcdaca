"""Gallica records end to end: real facts from real samples, enrichments, Linked Art schema validity."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from arkgraph import jsonld, laschema, mappings
from arkgraph.pipeline import Options, iter_items
from arkgraph.profiles import linkedart, schemaorg
from arkgraph.sources import gallica
from arkgraph.sources.common import RawRecord, Reject
from arkgraph.terms import AAT, CRM, LA, RDFS, RELATOR, SCHEMA

FIX = Path(__file__).parent / "fixtures" / "gallica"
N2T = "https://n2t.net/ark:12148/"


def convert(*paths: Path) -> dict[str, object]:
    """Records by ARK (and rejects under 'rejects'), with enrichment files joined as the pipeline does."""
    tables = mappings.load()
    mapper = gallica.Mapper(tables)
    ctx: dict[str, object] = {}
    out: dict[str, object] = {"rejects": []}
    for _mod, item in iter_items(Options([str(p) for p in paths], source="gallica"), ctx):
        if isinstance(item, Reject):
            out["rejects"].append(item)  # type: ignore[union-attr]
        else:
            rec = mapper.map(item, ctx).record
            out[rec.ark] = rec
    return out


def objects(triples, s, p):
    return {o for (s2, p2, o) in triples if s2 == s and p2 == p}


def lit(text):
    return text.split('"')[1]


@pytest.fixture(scope="module")
def monograph():
    return convert(FIX / "oairecord" / "bpt6k58017546-monographie.xml")["ark:12148/bpt6k58017546"]


def test_monograph_facts(monograph):
    rec = monograph
    assert rec.iri == N2T + "bpt6k58017546" and not rec.minted and rec.kind == "document"
    assert rec.title.startswith("L'aventure de Port-Breton")
    [c] = rec.contributions
    assert (c.agent.family_name, c.agent.given_name, c.agent.qualifier, c.role.code) == ("Baudouin", "A.", "Dr", "aut")
    assert rec.publication.publisher.name == "M. Dreyfous" and rec.publication.place.label == "Paris"
    assert rec.publication.timespan.schema_date == "1883"
    assert ("8-LK13-99", "call") in {(i.value, i.kind) for i in rec.identifiers}
    assert ("ark:12148/cb30067131v", "system") in {(i.value, i.kind) for i in rec.identifiers}
    assert rec.keeper.name == "Bibliothèque nationale de France, département Philosophie, histoire, sciences de l'homme"
    assert rec.schema_types == ["Book"]
    sdo = list(schemaorg.triples(rec))
    w = f"<{rec.iri}>"
    assert f"<{SCHEMA}Book>" in objects(sdo, w, f"<{SCHEMA}type>") | objects(sdo, w, "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>")
    assert "<https://gallica.bnf.fr/ark:/12148/bpt6k58017546>" in objects(sdo, w, f"<{SCHEMA}url>")
    # the catalogue record page describes it (mainEntityOfPage); the item is an example of data.bnf.fr's publication
    assert "<http://catalogue.bnf.fr/ark:/12148/cb30067131v>" in objects(sdo, w, f"<{SCHEMA}mainEntityOfPage>")
    assert objects(sdo, w, f"<{SCHEMA}exampleOfWork>") == {"<http://data.bnf.fr/ark:/12148/cb30067131v#about>"}
    assert not objects(sdo, w, f"<{SCHEMA}isBasedOn>")
    assert '"fr"' in objects(sdo, w, f"<{SCHEMA}inLanguage>")
    assert "<https://creativecommons.org/publicdomain/mark/1.0/>" in objects(sdo, w, f"<{SCHEMA}license>")
    assert "<https://gallica.bnf.fr/ark:/12148/bpt6k58017546.thumbnail>" in objects(sdo, w, f"<{SCHEMA}thumbnailUrl>")
    assert {lit(o) for o in objects(sdo, w, f"<{SCHEMA}datePublished>")} == {"1883"}
    pub = objects(sdo, w, f"<{SCHEMA}publisher>").pop()
    assert {lit(o) for o in objects(sdo, pub, f"<{SCHEMA}name>")} == {"M. Dreyfous"}

    la = list(linkedart.triples(rec))
    content = f"<{rec.iri}/la/content>"
    assert content in objects(la, w, f"<{CRM}P128_carries>")
    creation = objects(la, content, f"<{CRM}P94i_was_created_by>").pop()
    part = objects(la, creation, f"<{CRM}P9_consists_of>").pop()
    # the role is our local concept "Auteur du texte", equivalent to the relator aut
    (role,) = objects(la, part, f"<{CRM}P2_has_type>")
    assert objects(la, role, f"<{LA}equivalent>") == {f"<{RELATOR}aut>"}
    assert objects(la, role, f"<{RDFS}label>") == {'"Auteur du texte"'}
    act = objects(la, content, f"<{CRM}P16i_was_used_for>").pop()
    assert f"<{AAT}300054686>" in objects(la, act, f"<{CRM}P2_has_type>")  # Publishing


def test_map_is_a_visual_item_with_cartographer():
    rec = convert(FIX / "oairecord" / "btv1b10870266z-carte.xml")["ark:12148/btv1b10870266z"]
    assert rec.schema_types == ["Map"]
    assert [(c.agent.name, c.role.code) for c in rec.contributions] == [("Auxais, Maur d'", "ctg")]
    assert rec.rights[0].iri == "http://rightsstatements.org/vocab/NoC-CR/1.0/"
    assert rec.keeper.name.endswith("Société de Géographie")
    assert ("SG COLIS 37 BIS (4064)", "call") in {(i.value, i.kind) for i in rec.identifiers}
    # the labelled note keeps its label: "1:7 500 000" alone does not say it is the scale
    assert any(s.kind == "scale" and s.text == "Échelle(s) : 1:7 500 000" for s in rec.statements)
    la = list(linkedart.triples(rec))
    assert f"<{rec.iri}/la/content>" in objects(la, f"<{rec.iri}>", f"<{CRM}P65_shows_visual_item>")
    # classified by our local concept "carte", equivalent to AAT maps (Getty's table has no label for it: none)
    types = objects(la, f"<{rec.iri}>", f"<{CRM}P2_has_type>")
    assert {f"<{AAT}300028094>"} in [objects(la, t, f"<{LA}equivalent>") for t in types]
    assert objects(la, f"<{AAT}300028094>", f"<{RDFS}label>") == set()


def test_periodical_issue_and_title():
    recs = convert(FIX / "sru" / "realRecord-arkPress-brazza.xml", FIX / "sru" / "dummyNewspaperRecords-periodiques.xml")
    issue = recs["ark:12148/bpt6k633680c"]
    assert issue.title == "Le Petit journal" and issue.schema_types == ["PublicationIssue"]
    assert issue.publication.timespan.schema_date == "1934-07-24"
    assert [p.place.label for p in issue.publications] == ["Paris", "Clermont-Ferrand", "Pau"]
    assert all(p.publisher is None for p in issue.publications)  # [s.n.] and doubled [s.n.][s.n.]
    assert (N2T + "cb32895690j/date", "part_of") in {(lk.iri, lk.kind) for lk in issue.links}
    sdo = list(schemaorg.triples(issue))
    assert f"<{N2T}cb32895690j/date>" in objects(sdo, f"<{issue.iri}>", f"<{SCHEMA}isPartOf>")
    title = recs["ark:12148/cb32699739p/date"]
    assert title.iri == N2T + "cb32699739p/date" and title.schema_types == ["Periodical"]
    ts = title.publication.timespan
    assert (ts.label, ts.begin[:4], ts.end[:4]) == ("19??", "1900", "1999")
    # a periodical title has no IIIF manifest of its own; its thumbnail is one issue's
    assert not [d for d in title.digital if d.kind == "manifest"]
    assert any(d.kind == "thumbnail" and "btv1b550055958" in (d.access_point or "") for d in title.digital)


# No real photograph or score record was saved (gallica-formats.md). These two SRU records are
# SYNTHETIC, built from the shapes the reference documents: a score has typedoc partitions and no
# dc:type; a photograph is typed photographie/photograph.
SYNTHETIC = """<?xml version="1.0" encoding="UTF-8"?>
<srw:searchRetrieveResponse xmlns:srw="http://www.loc.gov/zing/srw/" xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<srw:records>
<srw:record><srw:recordData><oai_dc:dc>
<dc:creator>Gounod, Charles (1818-1893). Compositeur</dc:creator><dc:date>1859</dc:date>
<dc:identifier>https://gallica.bnf.fr/ark:/12148/bpt6k0000001x</dc:identifier><dc:title>Faust : opera</dc:title>
</oai_dc:dc></srw:recordData><srw:extraRecordData><typedoc>partitions</typedoc></srw:extraRecordData></srw:record>
<srw:record><srw:recordData><oai_dc:dc>
<dc:creator>Benoît, Pierre. Photographe</dc:creator><dc:format>1 photogr. sur verre ; 9 x 12 cm</dc:format>
<dc:identifier>https://gallica.bnf.fr/ark:/12148/btv1b0000002x</dc:identifier><dc:title>Vue du port</dc:title>
<dc:type>photographie</dc:type><dc:type>photograph</dc:type><dc:type>image fixe</dc:type>
</oai_dc:dc></srw:recordData><srw:extraRecordData><typedoc>images</typedoc></srw:extraRecordData></srw:record>
</srw:records></srw:searchRetrieveResponse>""".encode("utf-8")


def test_score_and_photograph_synthetic():
    mapper = gallica.Mapper(mappings.load())
    recs = [mapper.map(r, {}).record for r in gallica.read(io.BufferedReader(io.BytesIO(SYNTHETIC)), "synthetic")
            if isinstance(r, RawRecord)]
    score, photo = recs
    assert score.schema_types == ["MusicComposition"] and score.contributions[0].role.code == "cmp"
    assert "Photograph" in {c.schema_type for c in photo.classifications}
    assert photo.contributions[0].role.code == "pht"


def test_enrichments_pagination_issues():
    recs = convert(FIX / "pagination", FIX / "issues", FIX / "oairecord" / "bpt6k5603637g-fascicule.xml",
                   FIX / "sru" / "dummyNewspaperRecords-periodiques.xml")
    issue = recs["ark:12148/bpt6k5603637g"]
    pages = [p for p in issue.parts if p.kind == "page"]
    assert len(pages) == 12 and pages[0].iri == N2T + "bpt6k5603637g/f1"
    assert pages[0].image.access_point == "https://gallica.bnf.fr/iiif/ark:/12148/bpt6k5603637g/f1/full/full/0/native.jpg"
    assert pages[0].image.width == 2515
    assert (N2T + "cb328261098/date", "part_of") in {(lk.iri, lk.kind) for lk in issue.links}
    assert any(s.label == "Fascicule" and s.text == "15 juillet 1879" for s in issue.statements)
    title = recs["ark:12148/cb32699739p/date"]
    assert [p.label for p in title.parts if p.kind == "year"] == ["1916"]


def test_enrichments_toc_and_iiif(tmp_path):
    recs = convert(FIX / "enrich", FIX / "iiif", FIX / "oairecord" / "bpt6k58017546-monographie.xml",
                   FIX / "oairecord" / "bpt6k5785971m.xml")
    mono = recs["ark:12148/bpt6k58017546"]
    toc = [p for p in mono.parts if p.kind == "toc"]
    first = next(p for p in toc if p.ref == "193")
    assert first.label.startswith("M.-V. Bernadot. - Le développement historique")
    assert first.target == N2T + "bpt6k58017546/f179"
    xhtml = [p for p in recs["ark:12148/bpt6k5785971m"].parts if p.kind == "toc"]
    assert any(p.label == "P. DE LABRIOLLE. Papa" and p.ref == "65" and p.target.endswith("/f66") for p in xhtml)
    # the manifest (bpt6k9604118j) has no record among these inputs: it waits in the context, unused
    assert "ark:12148/bpt6k9604118j" not in recs


def test_iiif_manifest_enriches_its_record(tmp_path):
    rec_xml = (FIX / "oairecord" / "bpt6k58017546-monographie.xml").read_text(encoding="utf-8")
    (tmp_path / "bpt6k9604118j.xml").write_text(rec_xml.replace("bpt6k58017546", "bpt6k9604118j"), encoding="utf-8")
    recs = convert(FIX / "iiif", tmp_path)
    rec = recs["ark:12148/bpt6k9604118j"]
    [man] = [d for d in rec.digital if d.kind == "manifest"]
    assert man.label == "BnF, département Littérature et art, FOL-V-5554 (BIS)"
    pages = [p for p in rec.parts if p.kind == "page"]
    assert len(pages) == 74 and pages[0].label == "contreplat sup."
    assert pages[0].image.service == "https://gallica.bnf.fr/iiif/ark:/12148/bpt6k9604118j/f1"


def _all_records():
    recs = convert(FIX / "oairecord", FIX / "sru", FIX / "pagination", FIX / "issues", FIX / "enrich")
    return [r for k, r in recs.items() if k != "rejects"]


@pytest.mark.slow
def test_every_sample_record_validates_against_linked_art_schemas():
    records = _all_records()
    assert len(records) >= 110  # distinct ARKs across the sample files
    problems = []
    for rec in records:
        for doc in jsonld.record_documents(rec.iri, list(linkedart.triples(rec)), "linkedart"):
            problems += [f"{rec.ark} {doc.get('type')}: {e}" for e in laschema.errors(doc)]
    assert problems == []


def test_no_dc_value_left_unhandled():
    tables = mappings.load()
    mapper = gallica.Mapper(tables)
    for path in sorted((FIX / "sru").glob("*.xml")) + sorted((FIX / "oairecord").glob("*.xml")):
        with path.open("rb") as fh:
            for item in gallica.read(io.BufferedReader(fh), str(path)):
                if isinstance(item, RawRecord):
                    assert mapper.map(item, {}).unhandled == []


def test_every_relation_given_as_text_alone_is_kept(tmp_path):
    # the real monograph record with two text-only relations added (no saved record has two)
    text = (FIX / "oairecord" / "bpt6k58017546-monographie.xml").read_text(encoding="utf-8")
    extra = "<dc:relation>Voir aussi le tome 2</dc:relation><dc:relation>Voir aussi le tome 3</dc:relation>"
    path = tmp_path / "bpt6k58017546.xml"
    path.write_text(text.replace("<dc:relation>", extra + "<dc:relation>", 1), encoding="utf-8")
    rec = convert(path)["ark:12148/bpt6k58017546"]
    texts = {link.label for link in rec.links if link.iri is None}  # type: ignore[attr-defined]
    assert {"Voir aussi le tome 2", "Voir aussi le tome 3"} <= texts

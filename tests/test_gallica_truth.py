"""Gallica output says what the source says (issue #16, principles 2-6), record by record, on the real samples
and on two synthetic records (tests/fixtures/gallica/synthetic, each says why it exists): a Hijri-dated
Arabic print and a partner record with its own thumbnail relation and rights wording."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from arkgraph import dates, jsonld, laschema
from arkgraph.profiles import linkedart, schemaorg
from arkgraph.sources import gallica_dc as dc
from arkgraph.terms import AAT, CRM, LA, SCHEMA

N2T = "https://n2t.net/ark:12148/"
GALLICA = "https://gallica.bnf.fr/ark:/12148/"
RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
DC_FORMAT = "<http://purl.org/dc/elements/1.1/format>"
BNF = "Bibliothèque nationale de France"
MAP = "ark:12148/btv1b10870266z"          # the printed map of Port-Breton, OAIRecord
MS_MAP = "ark:12148/btv1b55012939c"       # Franquelin's manuscript map, SRU: "… ; 124 x 189 cm"
MONOGRAPH = "ark:12148/bpt6k58017546"
HIJRI = "ark:12148/bpt6k0hijri1300"       # synthetic
S = lambda name: f"<{SCHEMA}{name}>"  # noqa: E731
C = lambda name: f"<{CRM}{name}>"  # noqa: E731


def objects(triples, s, p):
    return {o for (s2, p2, o) in triples if s2 == s and p2 == p}


def text(literal):
    return literal[1:literal.rindex('"')]


def both(rec):
    return list(schemaorg.triples(rec)), list(linkedart.triples(rec))


@pytest.fixture(scope="module")
def records(gallica_records):
    return gallica_records


def partner(records):
    [rec] = [r for r in records.values() if r.minted and r.title == "Le Moniteur oriental"]
    return rec


# -- 2. never more precise than the source: calendars -----------------------------------------------------------

def test_hijri_year_1300_is_the_gregorian_span_1882_to_1883_never_one_year():
    ts = dates.hijri_span(1300)
    # tabular 1 Muharram 1300 = 12 Nov 1882, last day 1 Nov 1883, widened by two days for the observed months
    assert (ts.begin, ts.end, ts.schema_date) == ("1882-11-10T00:00:00Z", "1883-11-03T23:59:59Z", None)
    assert dates.hijri_span(1).begin == "0622-07-17T00:00:00Z"  # 19 July 622 (Gregorian) minus the margin


def test_dates_marked_hijri_are_recognised_and_plain_years_are_not():
    assert dc.hijri_date("1300 H.") == (1300, None)
    assert dc.hijri_date("1300 de l'hégire") == (1300, None)
    assert dc.hijri_date("1281-1282 AH") == (1281, 1282)
    assert dc.hijri_date("١٣٠٠") == (1300, None)  # Arabic-Indic digits: Arabic script in the date
    assert dc.hijri_date("1300") is None and dc.hijri_date("1883") is None


def test_the_hijri_dated_arabic_print_has_no_gregorian_year(records):
    rec = records[HIJRI]  # dc:date "1300", dc:language ara, typedoc monographie
    assert "non-gregorian-date" in {f.split(":")[0] for f in rec.flags}
    ts = rec.publication.timespan
    assert (ts.begin[:10], ts.end[:10], ts.schema_date, ts.label) == ("1882-11-10", "1883-11-03", None, "1300 de l'hégire")
    sdo, la = both(rec)
    w = f"<{rec.iri}>"
    work_dates = [o for s, p, o in sdo if s == w and "XMLSchema#gYear" in o]
    assert work_dates == [] and not objects(sdo, w, S("datePublished")) and not objects(sdo, w, S("temporalCoverage"))
    span = f"<{rec.iri}/la/content/publication1/timespan>"
    assert objects(la, span, C("P82a_begin_of_the_begin")) == {'"1882-11-10T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>'}


@pytest.mark.parametrize("language, title", [("ota", "الصباح المنير"), ("fre", "Le matin")])
def test_a_printed_book_whose_calendar_cannot_be_known_keeps_its_date_as_text(tmp_path, language, title):
    # the synthetic Hijri record made Ottoman (Hijri or Rumi?) or French (a French book printed in 1300?)
    from arkgraph import mappings
    from arkgraph.pipeline import Options, iter_items
    from arkgraph.sources import gallica
    src = (Path(__file__).parent / "fixtures" / "gallica" / "synthetic" / "oairecord-hijri-bpt6k0hijri1300.xml")
    xml = src.read_text(encoding="utf-8").replace("<dc:language>ara</dc:language>\n<dc:language>arabe</dc:language>",
                                                  f"<dc:language>{language}</dc:language>")
    xml = xml.replace("<dc:title>الصباح المنير</dc:title>", f"<dc:title>{title}</dc:title>")
    (tmp_path / "r.xml").write_text(xml, encoding="utf-8")
    mapper = gallica.Mapper(mappings.load())
    [rec] = [mapper.map(i, {}).record for _m, i in iter_items(Options([str(tmp_path / "r.xml")], source="gallica"), {})]
    assert rec.publication is None or rec.publication.timespan is None
    assert any(f.startswith("non-gregorian-date: '1300' kept as text") for f in rec.flags)
    assert ("note", "1300", "Date") in {(s.kind, s.text, s.label) for s in rec.statements}


# -- 4. language tags are true ----------------------------------------------------------------------------------

def _arabic(literal: str) -> bool:
    return dc.has_arabic(literal)


def test_no_arabic_script_literal_is_tagged_french_nor_its_statement_classified_french(records):
    arabic_literals = 0
    for rec in records.values():
        sdo, la = both(rec)
        for s, p, o in sdo + la:
            if o.startswith('"') and _arabic(o):
                arabic_literals += 1
                assert not o.endswith("@fr"), (rec.ark, p, o)
        for s, p, o in la:
            if p == C("P190_has_symbolic_content") and _arabic(o):
                assert f"<{AAT}300388306>" not in objects(la, s, C("P72_has_language")), (rec.ark, o)
    assert arabic_literals >= 5  # the synthetic Arabic print's title, extent, publisher…


def test_the_arabic_extent_statement_is_untagged_and_the_arabic_title_is_arabic(records):
    rec = records[HIJRI]
    sdo, la = both(rec)
    w = f"<{rec.iri}>"
    assert objects(sdo, w, S("materialExtent")) == {'"30 ص. ؛ ; 24 سم"'}
    assert '"الصباح المنير"@ar' in objects(sdo, w, S("name"))
    assert '"al-Ṣabāḥ al-munīr"' in objects(sdo, w, S("alternateName"))  # a transliteration: Latin script, not "ar"


def test_english_dc_type_values_are_never_tagged_french(records):
    english = {"text", "still image", "map", "printed monograph", "printed serial", "photograph", "engraving",
               "manuscript cartographic resource"}
    for rec in records.values():
        sdo, _la = both(rec)
        assert not [o for _s, _p, o in sdo if o.endswith("@fr") and text(o) in english], rec.ark
    rec = records[MS_MAP]  # dc:type "still image" / "image fixe", "map" / "carte"…, typedoc "cartes"
    labels = {c.label for c in rec.classifications + rec.genres}
    assert {"cartes", "image fixe"} <= labels and not labels & english  # "still image" is "image fixe"


# -- 3. each property means what its definition says -------------------------------------------------------------

def test_the_maps_mime_type_is_said_only_of_its_digital_document(records):
    rec = records[MAP]  # dc:format "image/jpeg"
    sdo, la = both(rec)
    doc = f"<{GALLICA}btv1b10870266z>"
    assert {(s, p) for s, p, o in sdo + la if o == '"image/jpeg"' and "thumbnail" not in s} == {
        (doc, S("encodingFormat")), (doc, DC_FORMAT)}
    assert not [st for st in rec.statements if st.text == "image/jpeg"]


def test_the_ensemble_documentaire_is_membership_of_a_set_not_a_type(records):
    rec = records[MAP]  # "Appartient à l’ensemble documentaire : MssSGE1"
    sdo, la = both(rec)
    w = f"<{rec.iri}>"
    [s] = objects(la, w, f"<{LA}member_of>")
    assert objects(la, s, RDF_TYPE) == {f"<{LA}Set>"}
    assert objects(la, s, RDFS_LABEL) == {'"Ensemble documentaire Gallica MssSGE1"'}
    assert s in objects(sdo, w, S("isPartOf"))
    assert s not in objects(la, w, C("P2_has_type")) | objects(sdo, w, S("genre"))


def test_thumbnails_are_thumbnails_never_mentions(records):
    for rec in records.values():
        sdo, _la = both(rec)
        assert not [t for t in sdo if t[1] == S("mentions")], rec.ark
    rec = partner(records)  # dc:relation "vignette : http://…DeliveryManager?pid=750630"
    sdo, _la = both(rec)
    assert objects(sdo, f"<{rec.iri}>", S("thumbnailUrl")) == {
        "<http://www.archives.saltresearch.org/view/DeliveryManager?pid=750630>"}


@pytest.mark.parametrize("ark, start, end", [
    ("ark:12148/cb328261098/date", "1879", "1885"),   # dc:date "1879-1885"
    ("ark:12148/cb339033288/date", "1913", None),     # "1913-????": no end is known
    ("ark:12148/cb45382243n/date", "1860", None),     # "1860-186.": the end is some year of the 1860s
    ("ark:12148/cb42768809f/date", "1907", "1907"),   # "1907"
])
def test_a_periodicals_run_is_its_start_and_end_date(records, ark, start, end):
    rec = records[ark]
    sdo, _la = both(rec)
    w = f"<{rec.iri}>"
    assert {text(o) for o in objects(sdo, w, S("startDate"))} == {start}
    assert {text(o) for o in objects(sdo, w, S("endDate"))} == ({end} if end else set())
    assert not objects(sdo, w, S("temporalCoverage")) and not objects(sdo, w, S("dateCreated"))


# -- 6. structured where the source is structured ----------------------------------------------------------------

def test_the_manuscript_maps_dimensions_are_height_124_and_width_189_cm(records):
    rec = records[MS_MAP]  # dc:format "1 carte : ms, aquarellée ; 124 x 189 cm" (ISBD: height x width)
    assert [(d.kind.label, d.value, d.unit.label) for d in rec.dimensions] == [("Hauteur", 124.0, "cm"), ("Largeur", 189.0, "cm")]
    sdo, la = both(rec)
    w = f"<{rec.iri}>"
    # schema.org's height/width are for a VisualArtwork: a Map's dimensions are its `size`, each named
    assert not objects(sdo, w, S("height")) and not objects(sdo, w, S("width"))
    sizes = {(text(next(iter(objects(sdo, q, S("name"))))), next(iter(objects(sdo, q, S("value")))),
              next(iter(objects(sdo, q, S("unitCode"))))) for q in objects(sdo, w, S("size"))}
    assert sizes == {("Hauteur", '"124"^^<http://www.w3.org/2001/XMLSchema#integer>', '"CMT"'),
                     ("Largeur", '"189"^^<http://www.w3.org/2001/XMLSchema#integer>', '"CMT"')}
    # the type and unit are our local concepts ("Hauteur", "cm"), each equivalent to Getty's term
    equivalent = "<https://linked.art/ns/terms/equivalent>"

    dims = {tuple(next(iter(objects(la, next(iter(objects(la, d, p))), equivalent))) for p in (C("P2_has_type"), C("P91_has_unit")))
            for d in objects(la, w, C("P43_has_dimension"))}
    assert dims == {(f"<{AAT}300055644>", f"<{AAT}300379098>"), (f"<{AAT}300055647>", f"<{AAT}300379098>")}


def test_a_books_height_is_read_and_other_extents_stay_text():
    assert dc.parse_dimensions("VIII, 366 p. ; 24 cm") == ("cm", (("height", 24.0),))
    assert dc.parse_dimensions("1 vol. (346 p.) : fig. ; In-18") is None
    assert dc.parse_dimensions("54,5-69 cm") is None  # a range: kept as the source's text


def test_the_map_scale_is_a_scale_statement_that_keeps_its_label(records):
    rec = records[MAP]  # dc:description "Échelle(s) : 1:7 500 000"
    assert [(s.kind, s.text, s.label) for s in rec.statements if s.kind == "scale"] == [
        ("scale", "Échelle(s) : 1:7 500 000", "Échelle(s)")]
    sdo, la = both(rec)
    assert '"Échelle(s) : 1:7 500 000"@fr' in objects(sdo, f"<{rec.iri}>", S("description"))
    # AAT has no term for a scale statement: arkgraph's own type, never a Note (aat:300027200)
    [st] = [s for s, p, o in la if p == C("P190_has_symbolic_content") and o == '"Échelle(s) : 1:7 500 000"']
    assert objects(la, st, C("P2_has_type")) == {"<https://w3id.org/arkgraph/ns#ScaleStatement>"}


def test_a_persons_name_leaves_out_the_headings_life_dates(records):
    rec = records[MS_MAP]  # dc:creator "Franquelin, Jean-Baptiste (1650-17..). Cartographe"
    [agent] = [c.agent for c in rec.contributions if c.agent.family_name == "Franquelin"]
    assert agent.name == "Franquelin, Jean-Baptiste"
    assert (agent.birth.begin, agent.death.begin, agent.death.end) == (
        "1650-01-01T00:00:00Z", "1700-01-01T00:00:00Z", "1799-12-31T23:59:59Z")


def test_a_partners_english_type_is_tagged_english(records):
    rec = partner(records)  # synthetic SALT record: dc:type "Newspaper", no French pair in Gallica
    sdo, _la = both(rec)
    assert '"Newspaper"@en' in {o for _s, p, o in sdo if p == S("name")}


def test_etat_de_collection_keeps_its_label_in_schemaorg(records):
    found = [rec for rec in records.values()
             if any(s.text == "Etat de collection : 1910-1919 ; 1921-1926 ; 1928-1936" for s in rec.statements)]
    assert found
    sdo, _la = both(found[0])
    assert '"Etat de collection : 1910-1919 ; 1921-1926 ; 1928-1936"@fr' in objects(sdo, f"<{found[0].iri}>", S("description"))


def test_source_and_view_count_are_not_descriptions_of_the_item(records):
    rec = records[MAP]
    sdo, la = both(rec)
    w = f"<{rec.iri}>"
    said = {text(o) for o in objects(sdo, w, S("description"))} | {
        text(o) for s in objects(la, w, C("P67i_is_referred_to_by")) for o in objects(la, s, C("P190_has_symbolic_content"))}
    assert not [t for t in said if t.startswith(BNF) or t.startswith("Nombre total de vues")]
    # the source is said by the keeper and shelfmark; the view count by the digital document
    assert rec.keeper.name == f"{BNF}, département Société de Géographie"
    assert objects(sdo, f"<{GALLICA}btv1b10870266z>", S("description")) == {'"Nombre total de vues : 1"@fr'}


# -- 5. one real thing, one identity ------------------------------------------------------------------------------

def test_unmapped_rights_text_is_a_flagged_rights_statement_never_a_licence(records):
    rec = partner(records)  # dc:rights "Open Access" (known, no licence IRI) and a wording not in rights.csv
    assert "unmapped-rights: Tous droits réservés - SALT Research" in rec.flags
    assert rec.rights == []
    assert {(s.kind, s.text) for s in rec.statements if s.kind == "rights"} == {
        ("rights", "Open Access"), ("rights", "Tous droits réservés - SALT Research")}
    sdo, _la = both(rec)
    assert not objects(sdo, f"<{rec.iri}>", S("license"))


def test_every_licence_is_a_known_licence_iri(records):
    path = Path(__file__).parent.parent / "mappings" / "rights.csv"
    with path.open(encoding="utf-8") as fh:
        known = {f"<{row['uri']}>" for row in csv.DictReader(ln for ln in fh if not ln.startswith("#")) if row["uri"]}
    licences = set()
    for rec in records.values():
        sdo, _la = both(rec)
        licences |= {o for _s, p, o in sdo if p == S("license")}
    assert licences and licences <= known


def test_the_bnf_is_one_agent_and_its_departments_are_part_of_it(records):
    bnf_iris, departments = set(), {}
    for rec in records.values():
        for agent in (rec.keeper, rec.owner, *(c.agent for c in rec.contributions)):
            if agent is not None and agent.name == BNF:
                bnf_iris.add(agent.iri)
        if rec.keeper is not None and rec.keeper.name.startswith(f"{BNF}, département"):
            departments[rec.keeper.iri] = rec
    [bnf] = bnf_iris
    assert len(departments) >= 5
    for dept, rec in departments.items():
        sdo, la = both(rec)
        assert objects(sdo, f"<{dept}>", S("parentOrganization")) == {f"<{bnf}>"}
        assert objects(la, f"<{dept}>", C("P107i_is_current_or_former_member_of")) == {f"<{bnf}>"}


def test_a_gallica_record_joins_bnf_data_by_bnfs_own_iris(records):
    rec = records[MONOGRAPH]  # "Notice du catalogue : http://catalogue.bnf.fr/ark:/12148/cb30067131v"
    sdo, la = both(rec)
    w, doc = f"<{rec.iri}>", f"<{GALLICA}bpt6k58017546>"
    publication = "<http://data.bnf.fr/ark:/12148/cb30067131v#about>"
    # schema.org: the item is an example of the publication; BnF's digital document is based on the item and
    # is itself an example of the publication (data.bnf.fr's electronicReproduction, said with schema.org)
    assert objects(sdo, w, S("exampleOfWork")) == {publication}
    assert objects(sdo, doc, S("isBasedOn")) == {w} and objects(sdo, doc, S("exampleOfWork")) == {publication}
    assert doc in objects(sdo, w, S("url")) and publication not in objects(sdo, w, S("sameAs"))
    # its "Notice d'ensemble" (listed first) names that same record: the item is not part of its own publication;
    # and nothing of ours (label, type) is said of BnF's IRI
    assert not objects(sdo, w, S("isPartOf")) and not [t for t in sdo if t[0] == publication]
    # Linked Art: the published text is the same entity as data.bnf.fr's publication, which keeps its own label;
    # BnF's digital document carries the text
    content = f"<{rec.iri}/la/content>"
    assert objects(la, content, f"<{LA}equivalent>") == {publication}
    assert not objects(la, publication, RDFS_LABEL)
    assert objects(la, doc, f"<{LA}digitally_carries>") == {content}
    _sdo, map_la = both(records[MAP])  # a map's content is a visual item: the document shows it
    assert objects(map_la, f"<{GALLICA}btv1b10870266z>", f"<{LA}digitally_shows>") == {f"<{records[MAP].iri}/la/content>"}


def test_the_synthetic_records_are_valid_linked_art(records):
    problems = []
    for rec in (records[HIJRI], partner(records)):
        for doc in jsonld.record_documents(rec.iri, list(linkedart.triples(rec)), "linkedart"):
            problems += [f"{rec.ark} {doc.get('type')}: {e}" for e in laschema.errors(doc)]
    assert problems == []

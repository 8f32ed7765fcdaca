"""The EDM profile (issue #18): each kind of record becomes a Europeana EDM record that Europeana's own XSD and
Schematron accept, with the right edm:type and edm:rights; a record Europeana would refuse is rejected by
arkgraph with a reason naming the Schematron rule, and Europeana's Schematron does fail that rule on the record
written without arkgraph's check.

Records come from the real samples in tests/fixtures (mapped as the pipeline maps them); fixtures/gallica/
synthetic/ holds the print and the score no real sample shows. Where a test needs a record the samples do
not hold (no title, no language), it copies a real one and changes only that, and says so.
"""

from __future__ import annotations

import dataclasses

from pathlib import Path

import pytest
from edm_helpers import europeana_errors, schematron_failures, xsd_errors

from arkgraph.edm_xml import record_xml
from arkgraph.errors import RecordError, UsageError
from arkgraph.model import Concept
from arkgraph.profiles.edm import EDM, RULES, Profile, Settings, accepted, europeana_form, rights_of
from arkgraph.terms import DC, DCTERMS, I, L

PROVIDER = "Test aggregator"
PDM = "http://creativecommons.org/publicdomain/mark/1.0/"
CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"
INC = "http://rightsstatements.org/vocab/InC/1.0/"
NOC_NC = "http://rightsstatements.org/vocab/NoC-NC/1.0/"
NOC_CR = "http://rightsstatements.org/vocab/NoC-CR/1.0/"

MONOGRAPH = "gallica/oairecord/bpt6k58017546-monographie.xml"
ISSUE = "gallica/oairecord/bpt6k5603637g-fascicule.xml"
MAP = "gallica/oairecord/btv1b10870266z-carte.xml"
PERIODICALS = "gallica/sru/dummyNewspaperRecords-periodiques.xml"
PRINT = "gallica/synthetic/oairecord-image-btv1b0estampe1.xml"
SCORE = "gallica/synthetic/oairecord-partition-bpt6k0partit1.xml"
PM_WORKS = "parismusees/nodequery-chinese-works-even.json"
PM_PAINTING = "parismusees/synthetic-full-nodeoeuvre.json"
PM_NO_MUSEUM = "parismusees/nodebyid-226737-docs-example.json"
SOCIETE_DE_GEOGRAPHIE = "gallica/sru/carte-map.xml"


def edm(tables, rec, **settings) -> list[str]:  # type: ignore[no-untyped-def]
    """The record's EDM triples, as a provider named PROVIDER with these --edm-* settings would write them."""
    settings.setdefault("provider", PROVIDER)
    return Profile(tables, Settings(**settings))(rec)


def objects(triples, predicate: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The objects of ``predicate`` (a full IRI) in the triples, as N-Triples terms."""
    return [o for _s, p, o in triples if p == I(predicate)]


def edm_type(triples) -> str:  # type: ignore[no-untyped-def]
    [value] = objects(triples, EDM + "type")
    return value.strip('"')


def without(triples, *predicates: str):  # type: ignore[no-untyped-def]
    """The triples less every one whose predicate is one of ``predicates`` (full IRIs)."""
    drop = {I(p) for p in predicates}
    return [t for t in triples if t[1] not in drop]


def curated_map(tmp_path):  # type: ignore[no-untyped-def]
    """The real map record, mapped with a curator's rights.csv that maps the Société de Géographie's wording
    (NoC-CR in the bundled table, which Europeana refuses) to NoC-NC: the way to decide it, record by wording."""
    from arkgraph import mappings
    from arkgraph.pipeline import Options, iter_items
    (tmp_path / "rights.csv").write_text(
        "label,uri\nconditions spécifiques d'utilisation - Société de Géographie," + NOC_NC + "\n", encoding="utf-8")
    tables = mappings.load(tmp_path)
    [(mod, item)] = list(iter_items(Options([str(Path(__file__).parent / "fixtures" / MAP)]), {}))
    return mod.Mapper(tables).map(item, {}).record


def the_record(records, path: str, ark: str | None = None):  # type: ignore[no-untyped-def]
    recs = records(path)
    if ark is None:
        assert len(recs) == 1, f"{path} holds {len(recs)} records"
        return recs[0]
    [rec] = [r for r in recs if r.ark == ark]
    return rec


# -- 1. Gallica: each document type ----------------------------------------------------------------------------

GALLICA_TYPES = [
    pytest.param(MONOGRAPH, "TEXT", {}, id="monograph"),
    pytest.param(ISSUE, "TEXT", {}, id="issue"),
    pytest.param(PRINT, "IMAGE", {}, id="print-synthetic"),
    pytest.param(SCORE, "TEXT", {}, id="score-synthetic"),
]


@pytest.mark.parametrize(("path", "expected", "settings"), GALLICA_TYPES)
def test_a_gallica_document_becomes_an_edm_record_europeana_accepts_with_the_edm_type_of_its_kind(
        mapped_records, edm_tables, path, expected, settings):  # type: ignore[no-untyped-def]
    rec = the_record(mapped_records, path)
    triples = edm(edm_tables, rec, **settings)
    assert edm_type(triples) == expected
    assert europeana_errors(record_xml(triples)) == []


def test_every_periodical_title_record_is_a_text_europeana_accepts_once_the_provider_states_the_rights(
        mapped_records, edm_tables):  # type: ignore[no-untyped-def]
    recs = mapped_records(PERIODICALS)
    assert len(recs) == 15 and all(any(c.label == "periodiques" for c in r.genres) for r in recs)
    for rec in recs:
        with pytest.raises(RecordError, match=RULES["rights"]):  # Gallica states no dc:rights for them
            edm(edm_tables, rec)
        triples = edm(edm_tables, rec, rights=PDM)
        assert edm_type(triples) == "TEXT", rec.ark
        assert europeana_errors(record_xml(triples)) == [], rec.ark


def test_a_text_record_keeps_its_languages_and_a_print_without_language_is_still_accepted_as_an_image(
        mapped_records, edm_tables):  # type: ignore[no-untyped-def]
    score = edm(edm_tables, the_record(mapped_records, SCORE))
    assert objects(score, DC + "language") == [L("fr")]
    print_ = edm(edm_tables, the_record(mapped_records, PRINT))
    assert objects(print_, DC + "language") == [] and edm_type(print_) == "IMAGE"


# -- 2. Paris Musées: every object family ------------------------------------------------------------------------

def test_every_paris_musees_work_whatever_its_object_family_is_an_image_europeana_accepts(
        mapped_records, edm_tables):  # type: ignore[no-untyped-def]
    recs = [*mapped_records(PM_WORKS), *mapped_records(PM_PAINTING), *mapped_records(PM_NO_MUSEUM)]
    assert len(recs) == 251
    families = {c.label for r in recs for c in r.genres + r.classifications}
    assert {"Céramique", "Métal, arts du métal", "Vêtements et accessoires de vêtement", "Emaillerie",
            "Tableau"} <= families
    for rec in recs:
        # the documentation's example names no museum: the provider names the data provider
        triples = edm(edm_tables, rec, rights=INC, data_provider=None if rec.keeper else "Paris Musées")
        assert edm_type(triples) == "IMAGE", rec.ark
        assert europeana_errors(record_xml(triples)) == [], rec.ark


def test_a_paris_musees_work_with_images_takes_its_rights_from_the_shown_image_and_each_view_keeps_its_own(
        mapped_records, edm_tables):  # type: ignore[no-untyped-def]
    rec = the_record(mapped_records, PM_PAINTING)
    free, not_free = [d for d in rec.digital if d.kind == "image"]
    assert free.license == "https://creativecommons.org/publicdomain/zero/1.0/" and not_free.license == INC
    triples = edm(edm_tables, rec, rights=INC)  # the provider's policy does not replace the image's licence
    assert rights_of(triples) == CC0  # Europeana's http form of the https CC0 the source gives
    assert (I(not_free.access_point), I(EDM + "rights"), I(INC)) in triples
    assert (I(free.access_point), I(EDM + "rights"), I(CC0)) not in triples  # said once, by the aggregation


def test_a_paris_musees_work_whose_only_image_is_not_free_is_in_copyright(mapped_records, edm_tables):  # type: ignore[no-untyped-def]
    # no sample's only image is a non-free one: the synthetic painting without its free image
    rec = the_record(mapped_records, PM_PAINTING)
    rec = dataclasses.replace(rec, digital=[d for d in rec.digital if not (d.kind == "image" and d.license != INC)])
    triples = edm(edm_tables, rec)
    assert rights_of(triples) == INC
    assert europeana_errors(record_xml(triples)) == []


def test_a_paris_musees_work_without_image_is_rejected_for_rights_unless_the_provider_states_them(
        mapped_records, edm_tables):  # type: ignore[no-untyped-def]
    rec = mapped_records(PM_WORKS)[0]
    assert not [d for d in rec.digital if d.kind == "image"]
    with pytest.raises(RecordError, match=RULES["rights"]):
        edm(edm_tables, rec)
    assert rights_of(edm(edm_tables, rec, rights=INC)) == INC


# -- 3. Rights ---------------------------------------------------------------------------------------------------

def test_gallica_public_domain_becomes_the_public_domain_mark_in_europeanas_http_form(
        mapped_records, edm_tables):  # type: ignore[no-untyped-def]
    rec = the_record(mapped_records, MONOGRAPH)
    assert "https://creativecommons.org/publicdomain/mark/1.0/" in [c.iri for c in rec.rights]  # mappings/rights.csv
    assert rights_of(edm(edm_tables, rec)) == PDM


@pytest.mark.parametrize("path", [MAP, SOCIETE_DE_GEOGRAPHIE])
def test_a_societe_de_geographie_record_is_rejected_naming_the_invalid_rights_rule_even_with_a_providers_policy(
        mapped_records, edm_tables, path):  # type: ignore[no-untyped-def]
    # the source states no copyright (NoC-CR): a blanket --edm-rights (InC, say) could contradict it
    rec = the_record(mapped_records, path, "ark:12148/btv1b10870266z")
    assert NOC_CR in [c.iri for c in rec.rights]
    for settings in ({}, {"rights": INC}):
        with pytest.raises(RecordError) as exc:
            edm(edm_tables, rec, **settings)
        assert RULES["valid-rights"] in exc.value.reason and NOC_CR in exc.value.reason
        assert "mappings/rights.csv" in exc.value.reason


def test_a_map_is_an_image_europeana_accepts_once_a_curator_maps_its_rights_wording(edm_tables, tmp_path):  # type: ignore[no-untyped-def]
    triples = edm(edm_tables, curated_map(tmp_path))
    assert edm_type(triples) == "IMAGE"
    assert rights_of(triples) == NOC_NC
    assert europeana_errors(record_xml(triples)) == []


def test_europeanas_schematron_does_refuse_the_no_copyright_contractual_restrictions_statement(
        edm_tables, tmp_path):  # type: ignore[no-untyped-def]
    triples = edm(edm_tables, curated_map(tmp_path))
    agg = [s for s, p, o in triples if p == I(EDM + "rights")][0]
    forced = [(s, p, I(NOC_CR) if (s, p) == (agg, I(EDM + "rights")) else o) for s, p, o in triples]
    assert RULES["valid-rights"] in schematron_failures(record_xml(forced))


@pytest.mark.parametrize("policy", [INC, NOC_NC, "https://creativecommons.org/publicdomain/zero/1.0/"])
def test_the_providers_rights_never_replace_a_statement_the_source_gives_and_europeana_accepts(
        mapped_records, edm_tables, policy):  # type: ignore[no-untyped-def]
    assert rights_of(edm(edm_tables, the_record(mapped_records, MONOGRAPH), rights=policy)) == PDM
    assert rights_of(edm(edm_tables, the_record(mapped_records, PM_PAINTING), rights=policy)) == CC0


@pytest.mark.parametrize(("given", "europeana"), [
    ("https://creativecommons.org/publicdomain/mark/1.0/", "http://creativecommons.org/publicdomain/mark/1.0/"),
    ("https://creativecommons.org/publicdomain/zero/1.0", "http://creativecommons.org/publicdomain/zero/1.0/"),
    ("https://rightsstatements.org/page/InC/1.0/?language=fr", "http://rightsstatements.org/vocab/InC/1.0/"),
    ("http://rightsstatements.org/page/NoC-NC/1.0/", "http://rightsstatements.org/vocab/NoC-NC/1.0/"),
    ("https://creativecommons.org/licenses/by/4.0/", "http://creativecommons.org/licenses/by/4.0/"),
    ("  http://rightsstatements.org/vocab/InC/1.0/ ", "http://rightsstatements.org/vocab/InC/1.0/"),
])
def test_a_rights_uri_is_written_in_europeanas_form_the_same_statement(given, europeana) -> None:  # type: ignore[no-untyped-def]
    assert europeana_form(given) == europeana
    assert accepted(europeana)


@pytest.mark.parametrize(("uri", "ok"), [
    ("http://creativecommons.org/licenses/by/4.0/", True),
    ("http://creativecommons.org/publicdomain/mark/1.0/", True),
    ("http://rightsstatements.org/vocab/InC/1.0/", True),
    ("http://rightsstatements.org/vocab/NoC-US/1.0/", False),  # not for works outside the US
    ("http://rightsstatements.org/vocab/NoC-CR/1.0/", False),
    ("https://creativecommons.org/licenses/by/4.0/", False),  # Europeana reads the http form only
    ("http://rightsstatements.org/page/InC/1.0/", False),
    ("domaine public", False),
])
def test_only_the_statements_europeanas_schematron_lists_are_accepted(uri: str, ok: bool) -> None:
    assert accepted(uri) is ok


@pytest.mark.parametrize("uri", ["http://rightsstatements.org/vocab/NoC-US/1.0/", "domaine public",
                                 "http://example.org/licence"])
def test_a_rights_policy_europeana_refuses_is_a_usage_error(uri: str) -> None:
    with pytest.raises(UsageError, match="--edm-rights"):
        Settings(provider=PROVIDER, rights=uri)


# -- 4. Rejects: the reason names the rule, and Europeana's Schematron fails that rule --------------------------

def test_a_record_without_title_or_description_is_rejected_naming_the_schematron_rule_europeana_would_fail(
        mapped_records, edm_tables):  # type: ignore[no-untyped-def]
    # no sample lacks both: the real monograph without its title and descriptions
    rec = the_record(mapped_records, MONOGRAPH)
    bare = dataclasses.replace(rec, titles=[], statements=[s for s in rec.statements if s.kind != "description"])
    with pytest.raises(RecordError) as exc:
        edm(edm_tables, bare)
    assert RULES["title"] in exc.value.reason
    written = without(edm(edm_tables, rec), DC + "title", DC + "description")
    assert RULES["title"] in schematron_failures(record_xml(written))


def test_a_text_record_without_language_is_rejected_naming_the_schematron_rule_europeana_would_fail(
        mapped_records, edm_tables):  # type: ignore[no-untyped-def]
    # no Gallica sample lacks a language: the real monograph without it
    rec = the_record(mapped_records, MONOGRAPH)
    with pytest.raises(RecordError) as exc:
        edm(edm_tables, dataclasses.replace(rec, languages=[]))
    assert RULES["language"] in exc.value.reason
    written = without(edm(edm_tables, rec), DC + "language")
    assert schematron_failures(record_xml(written)) == [RULES["language"]]


def test_a_record_without_rights_is_rejected_naming_the_schematron_rule_europeana_would_fail(
        mapped_records, edm_tables):  # type: ignore[no-untyped-def]
    rec = mapped_records(PERIODICALS)[0]
    with pytest.raises(RecordError) as exc:
        edm(edm_tables, rec)
    assert RULES["rights"] in exc.value.reason
    written = without(edm(edm_tables, rec, rights=PDM), EDM + "rights")
    assert RULES["rights"] in schematron_failures(record_xml(written))


def test_a_record_without_provider_is_rejected_naming_the_schematron_rule_europeana_would_fail(
        mapped_records, edm_tables):  # type: ignore[no-untyped-def]
    rec = the_record(mapped_records, MONOGRAPH)
    with pytest.raises(RecordError) as exc:
        edm(edm_tables, rec, provider=None)
    assert RULES["provider"] in exc.value.reason and "--edm-provider" in exc.value.reason
    written = without(edm(edm_tables, rec), EDM + "provider")
    assert RULES["provider"] in schematron_failures(record_xml(written))


def test_a_record_naming_no_museum_is_rejected_naming_the_data_provider_rule_europeana_would_fail(
        mapped_records, edm_tables):  # type: ignore[no-untyped-def]
    rec = the_record(mapped_records, PM_NO_MUSEUM)  # the API documentation's example: no queryFieldMusee
    assert rec.keeper is None
    with pytest.raises(RecordError) as exc:
        edm(edm_tables, rec, rights=INC)
    assert RULES["dataProvider"] in exc.value.reason and "--edm-data-provider" in exc.value.reason
    written = without(edm(edm_tables, rec, rights=INC, data_provider="Paris Musées"), EDM + "dataProvider")
    assert RULES["dataProvider"] in schematron_failures(record_xml(written))


def test_the_providers_data_provider_replaces_each_records_keeper(mapped_records, edm_tables):  # type: ignore[no-untyped-def]
    triples = edm(edm_tables, the_record(mapped_records, MONOGRAPH), data_provider="Bibliothèque nationale de France")
    assert objects(triples, EDM + "dataProvider") == [L("Bibliothèque nationale de France")]


def test_a_record_whose_type_rows_disagree_at_the_same_rank_is_rejected_naming_both(
        mapped_records, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from arkgraph import mappings
    (tmp_path / "edm_types.csv").write_text("term,edm_type,rank\ndc_types:texte,IMAGE,2\n",
                                            encoding="utf-8")
    tables = mappings.load(tmp_path)
    with pytest.raises(RecordError) as exc:
        edm(tables, the_record(mapped_records, MONOGRAPH))
    reason = exc.value.reason
    assert "undecided" in reason and "IMAGE (dc_types:texte)" in reason
    assert "TEXT (typedoc:monographie" in reason


def test_a_record_of_a_type_the_crosswalk_does_not_know_is_rejected_naming_its_types(
        mapped_records, edm_tables) -> None:  # type: ignore[no-untyped-def]
    # no sample has a typedoc outside mappings/edm_types.csv: the real monograph with a made-up one
    rec = the_record(mapped_records, MONOGRAPH)
    odd = Concept("https://n2t.net/ark:99999/tunknown", "disque vinyle", table="typedoc")
    with pytest.raises(RecordError) as exc:
        edm(edm_tables, dataclasses.replace(rec, genres=[odd], classifications=[]))
    assert "no edm:type" in exc.value.reason and "typedoc:disque vinyle" in exc.value.reason


def test_europeanas_xsd_refuses_a_provided_cho_without_edm_type_or_with_a_sixth_one(mapped_records, edm_tables) -> None:  # type: ignore[no-untyped-def]
    # what the two edm:type rejects anticipate: no Schematron rule for a ProvidedCHO, but the XSD, where
    # edm:type is mandatory and one of five values
    triples = edm(edm_tables, the_record(mapped_records, MONOGRAPH))
    [missing] = xsd_errors(record_xml(without(triples, EDM + "type")))
    assert "ProvidedCHO': Missing child element" in missing
    sixth = [(s, p, L("MAP") if p == I(EDM + "type") else o) for s, p, o in triples]
    [odd] = xsd_errors(record_xml(sixth))
    assert "The value 'MAP' is not an element of the set" in odd


def test_a_mappings_override_with_an_edm_type_europeana_does_not_have_is_a_usage_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from arkgraph import mappings
    (tmp_path / "edm_types.csv").write_text("term,edm_type,rank\ntypedoc:carte,MAP,2\n", encoding="utf-8")
    with pytest.raises(UsageError, match="MAP"):
        Profile(mappings.load(tmp_path), Settings(provider=PROVIDER))


def test_a_gallica_note_that_already_begins_with_its_label_is_not_labelled_twice(mapped_records, edm_tables, tmp_path):  # type: ignore[no-untyped-def]
    # Gallica's "Etat de collection : 1916-1917 (N27 et 29)" is a note labelled "Etat de collection"
    rec = the_record(mapped_records, PERIODICALS, "ark:12148/cb32699739p/date")
    assert objects(edm(edm_tables, rec, rights=PDM), DC + "description") == [
        L("Etat de collection : 1916-1917 (N27 et 29)", "fr")]
    # a note whose text does not say its label keeps it: the map's dc:coverage
    descriptions = objects(edm(edm_tables, curated_map(tmp_path)), DC + "description")
    assert L("Couverture : Papouasie-Nouvelle-Guinée") in descriptions


# -- the files are the record ------------------------------------------------------------------------------------

def test_the_written_file_holds_one_provided_cho_and_one_aggregation_for_the_records_ark(
        mapped_records, edm_tables) -> None:  # type: ignore[no-untyped-def]
    from lxml import etree
    rec = the_record(mapped_records, MONOGRAPH)
    root = etree.fromstring(record_xml(edm(edm_tables, rec)))
    ns = {"edm": EDM, "ore": "http://www.openarchives.org/ore/terms/",
          "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#"}
    assert root.xpath("edm:ProvidedCHO/@rdf:about", namespaces=ns) == [rec.iri]
    assert root.xpath("ore:Aggregation/edm:aggregatedCHO/@rdf:resource", namespaces=ns) == [rec.iri]
    assert root.xpath("ore:Aggregation/edm:isShownAt/@rdf:resource", namespaces=ns) == [
        "https://gallica.bnf.fr/ark:/12148/bpt6k58017546"]


# -- what a curator reads beside the source ----------------------------------------------------------------------

def test_a_measured_dimension_is_written_as_the_source_measured_it(mapped_records, edm_tables):  # type: ignore[no-untyped-def]
    rec = the_record(mapped_records, PM_WORKS, "ark:99999/pm216702")
    extents = objects(edm(edm_tables, rec, rights=INC), DCTERMS + "extent")
    assert L("Hauteur : 7.5 cm", "fr") in extents and L("Diamètre : 9.5 cm", "fr") in extents


def test_an_unknown_author_is_not_written_as_a_creator(mapped_records, edm_tables):  # type: ignore[no-untyped-def]
    checked = 0
    for rec in mapped_records(PM_WORKS):
        unknown = {I(c.agent.iri) for c in rec.contributions if "unknown" in c.agent.flags}
        known = {I(c.agent.iri) for c in rec.contributions if "unknown" not in c.agent.flags}
        triples = edm(edm_tables, rec, rights=INC)
        named = set(objects(triples, DC + "creator") + objects(triples, DC + "contributor"))
        assert named == known, rec.ark  # the others are all named
        checked += bool(unknown)
    assert checked  # the real sample holds works by "Anonyme" / "Inconnu"


def test_a_maps_scale_is_a_description(edm_tables, tmp_path):  # type: ignore[no-untyped-def]
    assert any("1:7 500 000" in d for d in objects(edm(edm_tables, curated_map(tmp_path)), DC + "description"))


def test_a_text_xml_cannot_carry_rejects_the_record_naming_the_character(mapped_records, edm_tables):  # type: ignore[no-untyped-def]
    # synthetic: a vertical tab in a real record's title (JSON can carry it, XML 1.0 cannot)
    rec = the_record(mapped_records, MONOGRAPH)
    rec = dataclasses.replace(rec, titles=[("Titre\x0bcoupé", "fr", "primary")])
    with pytest.raises(RecordError, match="U\\+000B"):
        edm(edm_tables, rec)


def test_the_written_text_is_the_bytes_lxml_writes_for_the_same_tree_on_every_sample(mapped_records, edm_tables):  # type: ignore[no-untyped-def]
    from lxml import etree

    from arkgraph.edm_xml import record_tree
    n = 0
    for path in ("gallica/oairecord", "gallica/sru", "gallica/synthetic", PM_WORKS, PM_PAINTING):
        for rec in mapped_records(path):
            try:
                triples = edm(edm_tables, rec, rights=INC)
            except RecordError:
                continue
            tree = etree.tostring(record_tree(triples), xml_declaration=True, encoding="UTF-8", pretty_print=True)
            assert record_xml(triples) == tree, rec.ark
            n += 1
    assert n > 300


def test_an_agent_with_two_roles_is_one_agent_element_in_the_file(mapped_records, edm_tables) -> None:  # type: ignore[no-untyped-def]
    # synthetic: the real monograph's author also named as a contributor (two roles, one person)
    from lxml import etree

    from arkgraph.model import Contribution
    from arkgraph.serialize import EdmWriter
    rec = the_record(mapped_records, MONOGRAPH)
    author = rec.contributions[0]
    rec = dataclasses.replace(rec, contributions=[author, Contribution(author.agent, author.role, creator=False)])
    written: dict[str, bytes] = {}

    class Package:
        def add(self, ark: str, data: bytes) -> str:
            written[ark] = data
            return ark

    triples = edm(edm_tables, rec)
    EdmWriter(Package()).record(rec.iri, {"edm": triples, "schemaorg": []})
    root = etree.fromstring(written[rec.ark])
    agents = root.findall("{http://www.europeana.eu/schemas/edm/}Agent")
    assert len(agents) == 1
    assert len(agents[0].findall("{http://www.w3.org/2004/02/skos/core#}prefLabel")) == 1
    assert europeana_errors(written[rec.ark]) == []


def test_validate_rejects_a_record_europeanas_files_refuse_with_their_rules(mapped_records, edm_tables) -> None:  # type: ignore[no-untyped-def]
    # the profile never writes such a record: its title is taken out of a real one's triples, as a bug would
    from arkgraph.edm_check import RecordChecker
    from arkgraph.shacl.hook import ValidationFailed
    rec = the_record(mapped_records, MONOGRAPH)
    bad = without(edm(edm_tables, rec), DC + "title", DC + "description")
    why = RecordChecker("reject")(rec.iri, bad, {"edm": bad})
    assert why is not None and RULES["title"] in why
    assert RecordChecker("keep")(rec.iri, bad, {"edm": bad}) is None
    with pytest.raises(ValidationFailed, match="fails Europeana's checks"):
        RecordChecker("fail")(rec.iri, bad, {"edm": bad})
    good = edm(edm_tables, rec)
    assert RecordChecker("reject")(rec.iri, good, {"edm": good}) is None

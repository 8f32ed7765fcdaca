"""An authority's IRI carries the authority's description, never ours (issue #16, principle 1), and a
language has one IRI within a run (principle 4). Checked over every sample record, both profiles."""

from __future__ import annotations

import json
from collections import defaultdict
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from helpers import FIXTURES, PM, convert_to_store, select

from arkgraph import authorities, mappings
from arkgraph.cli import main
from arkgraph.errors import MappingTableError
from arkgraph.profiles import linkedart_build

EXTERNAL = authorities.PREFIXES  # the authorities whose IRIs are shared with every other dataset
LABELS = ("http://www.w3.org/2000/01/rdf-schema#label", "http://schema.org/name",
          "http://www.w3.org/2004/02/skos/core#prefLabel")
GIFT = "http://vocab.getty.edu/aat/300417637"
GALLICA = FIXTURES / "gallica"


@cache
def run() -> ox.Store:
    """Every sample record (Paris Musées and Gallica, with its side files), converted in one run, --profile all."""
    inputs = [PM / "nodequery-chinese-works-even.json", PM / "nodebyid-226737-docs-example.json",
              PM / "synthetic-full-nodeoeuvre.json", PM / "synthetic-works.jsonl",
              *(GALLICA / d for d in ("sru", "oairecord", "oaipmh", "issues", "pagination", "toc", "iiif", "enrich"))]
    store, summary = convert_to_store(*inputs)
    assert summary.converted > 300
    return store


def external_labels() -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for q in run().quads_for_pattern(None, None, None):
        if (isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(EXTERNAL)
                and q.predicate.value in LABELS):
            out[q.subject.value].add(q.object.value)
    return out


def test_no_external_iri_has_two_labels_in_the_whole_run() -> None:
    labels = external_labels()
    assert len(labels) > 20  # Getty's labels on the AAT terms used
    assert {iri: ls for iri, ls in labels.items() if len(ls) > 1} == {}


def test_every_label_on_an_external_iri_is_its_authoritys_own() -> None:
    """Getty's label from the bundled copy of Linked Art's aat_labels.json; the others have none."""
    wrong = {iri: ls for iri, ls in external_labels().items() if ls != {authorities.label(iri)}}
    assert wrong == {}
    # the structural Linked Art types too: "preferred terms", not "Primary Name"
    assert external_labels()["http://vocab.getty.edu/aat/300404670"] == {"preferred terms"}


def test_relators_and_data_bnf_iris_carry_no_label_of_ours() -> None:
    labelled = {iri for iri in external_labels() if iri.startswith(("http://id.loc.gov/", "http://data.bnf.fr/"))}
    assert labelled == set()


def test_legs_is_a_local_concept_narrower_than_gift() -> None:
    """"Legs" (a bequest) is a kind of gift: our concept (keyed by the term's entityId), skos:broader the AAT term."""
    la = select(run(), f'SELECT ?c WHERE {{ ?c rdfs:label "Legs" ; skos:broader <{GIFT}> }}')
    assert la == [("https://n2t.net/ark:99999/pmt214173",)]
    assert select(run(), f"SELECT ?l WHERE {{ <{GIFT}> ?p ?l FILTER(isLiteral(?l)) }}") == [
        ("gift (method of acquisition)",)]
    # never "the same concept" as Gift
    assert select(run(), f"ASK {{ ?c rdfs:label \"Legs\" ; la:equivalent <{GIFT}> }}") == [("false",)]


def test_an_exactly_matched_term_is_equivalent_to_its_authority() -> None:
    """"Tasse" is a cup; "Coupe (récipient)" is a kind of cup: one exact link, one broader, in both profiles."""
    cups = [("http://vocab.getty.edu/aat/300043202",)]
    assert select(run(), 'SELECT ?a WHERE { ?c rdfs:label "Tasse" ; la:equivalent ?a }') == cups
    assert select(run(), 'SELECT ?a WHERE { ?c a schema:DefinedTerm ; schema:name "Tasse"@fr ; schema:sameAs ?a }') == cups
    assert select(run(), 'SELECT ?a WHERE { ?c rdfs:label "Coupe (récipient)" ; skos:broader ?a }') == cups
    assert select(run(), 'SELECT ?a WHERE { ?c schema:name "Coupe (récipient)"@fr ; skos:broadMatch ?a }') == cups
    assert select(run(), 'ASK { ?c rdfs:label "Coupe (récipient)" ; la:equivalent ?a }') == [("false",)]


def test_the_same_paris_musees_term_is_the_same_iri_in_two_records() -> None:
    """Material "Porcelaine" is term 213562 in every work that names it."""
    works = select(run(), """SELECT DISTINCT ?w WHERE { GRAPH ?w { ?w crm:P45_consists_of <https://n2t.net/ark:99999/pmt213562> } }""")
    assert len(works) > 20
    assert select(run(), "SELECT ?l WHERE { <https://n2t.net/ark:99999/pmt213562> rdfs:label ?l }") == [("Porcelaine",)]
    assert select(run(), 'SELECT ?c WHERE { ?c rdfs:label "Porcelaine" ; a crm:E57_Material }') == [
        ("https://n2t.net/ark:99999/pmt213562",)]


def test_a_language_has_one_iri_in_the_whole_run() -> None:
    """Every language node is its authority's IRI (AAT, else LoC ISO 639), one per language code: the
    Portuguese periodical's names and content say aat:300389115 alike (they said iso639-1/pt and a
    local "Portuguese" concept in one record)."""
    by_code: dict[str, set[str]] = defaultdict(set)
    aat_code = {iri: code for code, iri in authorities._bundled_languages().items()}
    for (iri,) in select(run(), "SELECT DISTINCT ?l WHERE { ?x crm:P72_has_language ?l }"):
        if iri.startswith(authorities.LOC_ISO639):
            by_code[iri.rsplit("/", 1)[1]].add(iri)
        else:
            by_code[aat_code.get(iri, iri)].add(iri)
    assert {code: iris for code, iris in by_code.items() if len(iris) > 1} == {}
    assert by_code["pt"] == {"http://vocab.getty.edu/aat/300389115"}
    assert by_code["fr"] == {"http://vocab.getty.edu/aat/300388306"}


def test_a_language_code_and_its_table_rows_give_the_same_iri() -> None:
    """Arabic: the record's dc:language "ara", "arabe" or "Arabic" and an Arabic title ("ar") are one IRI."""
    tables = mappings.load()
    from_rows = {linkedart_build.language_term(tables.concept("languages", v))[0] for v in ("ara", "arabe", "Arabic")}
    assert from_rows == {linkedart_build.language("ar")[0]} == {"http://vocab.getty.edu/aat/300387843"}
    # a language without an AAT term is its LoC ISO 639 IRI, from its row or its code alike
    assert linkedart_build.language_term(tables.concept("languages", "occitan"))[0] == linkedart_build.language("oc")[0] \
        == "http://id.loc.gov/vocabulary/iso639-1/oc"


def test_materials_statement_is_classified_materials_technique_description() -> None:
    rows = select(run(), """SELECT DISTINCT ?t WHERE { <https://n2t.net/ark:99999/pm216702> crm:P67i_is_referred_to_by ?s .
        ?s crm:P190_has_symbolic_content "Porcelaine, Grès, Céladon, Bronze, Dorure" ; crm:P2_has_type ?t }""")
    assert rows == [("http://vocab.getty.edu/aat/300435429",)]


def test_term_ids_count_as_mapped_in_the_coverage_report(tmp_path: Path) -> None:
    """The 1,106 term ids of the Chinese works (denominations, materials, acquisition modes) key concepts."""
    report = tmp_path / "coverage.json"
    CliRunner().invoke(main, ["convert", str(PM / "nodequery-chinese-works-even.json"), "-o", str(tmp_path / "o.nq"),
                              "--coverage", str(report), "-q"], catch_exceptions=False)
    pm = json.loads(report.read_text())["sources"]["parismusees"]
    assert pm["ignored_fields"] == {} and pm["unhandled_fields"] == {}
    assert pm["mapped"] == pm["leaf_values"]


def test_a_match_other_than_exact_or_broad_is_refused(tmp_path: Path) -> None:
    (tmp_path / "acquisition_modes.csv").write_text("label,aat,gift,match\nLegs,300417637,yes,close\n", encoding="utf-8")
    with pytest.raises(MappingTableError, match="match must be exact or broad"):
        mappings.load(tmp_path)

"""Issue #19: Gallica ContentSearch hits (sources.gallica_contentsearch) as W3C Web Annotations (profile
``annotations``), checked against the W3C Web Annotation tests' MUST assertions (conftest.web_annotation_musts).

The real response is ``fixtures/gallica/contentsearch/contentsearch-garde-champetre.xml``; its copy
``bpt6k5628146t-garde-champetre.xml`` is named after a document so that it can be joined (the join is made up,
the README says so). Damaged responses are derived from the real one in the tests below, each saying how.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from pyld import jsonld as pyld

# the module, not the __future__ feature the package's namespace also calls ``annotations``
import arkgraph.profiles.annotations as anno_profile
from arkgraph import jsonld
from arkgraph.model import Record, SearchHit, TextQuote
from arkgraph.sources import gallica_contentsearch as cs
from arkgraph.sources.common import Reject
from arkgraph.sources.gallica_enrichment import read_enrichment
from arkgraph.terms import is_iri

DIR = Path(__file__).parent / "fixtures" / "gallica" / "contentsearch"
REAL = DIR / "contentsearch-garde-champetre.xml"
JOINED = DIR / "bpt6k5628146t-garde-champetre.xml"
NAME = JOINED.name
ARK = "ark:12148/bpt6k5628146t"
IRI = "https://n2t.net/ark:12148/bpt6k5628146t"
OA = "http://www.w3.org/ns/oa#"
# counted by hand in the real response: PAG_512 2, PAG_513 1, PAG_514 2, PAG_515 1, PAG_516 2 "Garde champêtre"
SAMPLE_FRAGMENTS = 8


def read(data: bytes, name: str = NAME) -> tuple[list[cs.SearchHits], list[Reject]]:
    values, rejects = [], []
    for item in cs.read(data, name):
        if isinstance(item, Reject):
            rejects.append(item)
        else:
            ark, value = item
            assert ark == ARK and isinstance(value, cs.SearchHits)
            values.append(value)
    return values, rejects


def record(*hits: cs.SearchHits) -> Record:
    rec = Record(IRI, ARK, "gallica", "bpt6k5628146t", kind="document")
    for h in hits:
        rec.hits.extend(h.hits)  # what gallica.Mapper._enrich does with a SearchHits
    return rec


def sample_record() -> Record:
    (value,), rejects = read(JOINED.read_bytes())
    assert rejects == []
    return record(value)


def documents(rec: Record) -> list[dict]:
    return jsonld.record_documents(rec.iri, anno_profile.triples(rec), "annotations")


# --------------------------------------------------------------------------- the real response


def test_the_real_response_gives_one_hit_per_highlighted_fragment_with_its_page_rank_and_query() -> None:
    (value,), rejects = read(JOINED.read_bytes())
    assert rejects == []
    assert value.query == "garde champêtre" and value.total == 364 and value.file == NAME
    assert len(value.hits) == SAMPLE_FRAGMENTS
    assert [(h.page, h.n) for h in value.hits] == [(512, 1), (512, 2), (513, 1), (514, 1), (514, 2), (515, 1),
                                                  (516, 1), (516, 2)]
    assert {h.quote.exact for h in value.hits} == {"Garde champêtre"}  # two spans and a space: one fragment


def test_prefix_and_suffix_are_the_context_within_the_fragments_own_snippet() -> None:
    (value,), _ = read(JOINED.read_bytes())
    # PAG_512, checked by hand: "<Garde> <champêtre>, Gachon(...)<Garde> <champêtre>, Bastide"
    assert value.hits[0].quote == TextQuote("Garde champêtre", None, ", Gachon")
    assert value.hits[1].quote == TextQuote("Garde champêtre", None, ", Bastide")  # not "…, Gachon" across (...)


def test_context_on_both_sides_is_trimmed_and_whitespace_is_one_space() -> None:
    # made up: an item whose snippets give context on both sides, a highlight alone, and a named HTML entity
    data = (b"<results countResults='3'><query>garde champ\xc3\xaatre</query><items><item><p_id>PAG_7</p_id>"
            b"<content>\n le <span class='highlight'>Garde</span>\n <span class='highlight'>champ&ecirc;tre</span>"
            b" de la  commune(...)Le maire et le <span class='highlight'>garde</span> (...)rien</content></item>"
            b"</items></results>")
    (value,), rejects = read(data)
    assert rejects == []
    assert [(h.page, h.n, h.quote) for h in value.hits] == [
        (7, 1, TextQuote("Garde champêtre", "le", "de la commune")),
        (7, 2, TextQuote("garde", "Le maire et le", None))]


def test_a_response_whose_name_holds_no_ark_is_rejected_as_not_telling_its_document() -> None:
    values, (reject,) = read(REAL.read_bytes(), REAL.name)
    assert values == [] and reject.record_id is None and "cannot tell which document" in reject.reason


def test_the_enrichment_reader_routes_the_response_to_its_document() -> None:
    items = list(read_enrichment(io.BufferedReader(io.BytesIO(JOINED.read_bytes())), NAME))  # type: ignore[arg-type]
    assert len(items) == 1 and items[0][0] == ARK  # type: ignore[index]
    assert len(items[0][1].hits) == SAMPLE_FRAGMENTS  # type: ignore[index,union-attr]


# --------------------------------------------------------------------------- damaged responses


def test_a_damaged_item_is_rejected_with_its_reason_and_the_other_items_are_kept() -> None:
    data = JOINED.read_bytes()
    cut = data.replace(b"champ&#234;tre</span>, Rieu", b"champ&#234;tre</spam>, Rieu")  # PAG_513: a mismatched tag
    assert cut != data
    (value,), (reject,) = read(cut)
    assert reject.position == 2 and reject.record_id == ARK and "item 2" in reject.reason
    assert "damaged XML" in reject.reason
    assert len(value.hits) == SAMPLE_FRAGMENTS - 1 and 513 not in {h.page for h in value.hits}


def test_an_item_with_an_unknown_entity_is_rejected_the_others_kept() -> None:
    data = JOINED.read_bytes().replace(b"Augiol", b"Aug&nosuchentity;iol")  # PAG_514
    (value,), (reject,) = read(data)
    assert reject.position == 3 and "nosuchentity" in reject.reason
    assert [h.page for h in value.hits] == [512, 512, 513, 515, 516, 516]


def test_an_item_without_a_page_or_a_highlight_is_rejected_the_others_kept() -> None:
    data = JOINED.read_bytes().replace(b"PAG_513", b"XYZ_513").replace(b"<span class='highlight'>Garde</span> "
                                                                       b"<span class='highlight'>champ&#234;tre"
                                                                       b"</span>, Collange", b"Collange")
    (value,), rejects = read(data)
    assert [(r.position, "not a page" in r.reason or "no highlighted" in r.reason) for r in rejects] == [(2, True),
                                                                                                       (4, True)]
    assert {h.page for h in value.hits} == {512, 514, 516}


def test_a_cut_response_keeps_its_whole_items_and_rejects_the_cut_one() -> None:
    data = JOINED.read_bytes()
    cut = data[:data.index(b"Lextrait")]  # inside the third item (PAG_514): the file as a write cut it
    (value,), rejects = read(cut)
    assert [r.position for r in rejects] == [3] and "cut short" in rejects[0].reason
    assert [h.page for h in value.hits] == [512, 512, 513]


def test_damage_outside_the_items_is_said_and_the_items_are_kept() -> None:
    (value,), (reject,) = read(JOINED.read_bytes() + b"<junk>")
    assert reject.position is not None and "outside the items" in reject.reason and reject.record_id == ARK
    assert len(value.hits) == SAMPLE_FRAGMENTS


def test_a_response_without_query_or_with_entities_is_rejected_whole() -> None:
    data = JOINED.read_bytes()
    no_query = re.sub(rb"<query>.*?</query>", b"", data)
    assert no_query != data
    values, (reject,) = read(no_query)
    assert values == [] and "without its query" in reject.reason
    values, (reject,) = read(b'<!DOCTYPE results [<!ENTITY x "y">]>' + data)
    assert values == [] and "entities" in reject.reason
    values, (reject,) = read(data[:40])
    assert values == [] and "file not used" in reject.reason


def test_an_empty_result_is_a_value_with_no_hits_not_a_reject() -> None:
    (value,), rejects = read(b"<results countResults='0'><query>x</query><items/></results>")
    assert rejects == [] and value.hits == () and value.total == 0


def test_the_enrichment_reader_keeps_the_other_items_of_a_response_with_a_damaged_item() -> None:
    data = JOINED.read_bytes().replace(b"</span>, Rieu", b"</spam>, Rieu")
    items = list(read_enrichment(io.BufferedReader(io.BytesIO(data)), NAME))  # type: ignore[arg-type]
    assert any(isinstance(i, tuple) and isinstance(i[1], cs.SearchHits) for i in items)


# --------------------------------------------------------------------------- the annotations


def test_the_sample_gives_one_annotation_per_highlighted_fragment() -> None:
    rec = sample_record()
    ts = anno_profile.triples(rec)
    assert sum(1 for s, p, o in ts if o == f"<{OA}Annotation>") == SAMPLE_FRAGMENTS
    assert len(documents(rec)) == SAMPLE_FRAGMENTS


def test_every_annotation_passes_every_must_assertion_of_the_w3c_tests(web_annotation_musts) -> None:  # type: ignore[no-untyped-def]
    # all 54 MUST assertions of annotationMusts.test are run, none skipped: those about keys the annotations do
    # not use (created, rights, via, Choice, other selectors, states…) hold because those keys are absent
    assert len(web_annotation_musts) == 54
    docs = documents(sample_record())
    for path, validator in web_annotation_musts:
        for doc in docs:
            errors = [e.message[:300] for e in validator.iter_errors(doc)]
            assert not errors, f"{path}: {doc['id']}: {errors}"


def test_the_must_assertions_do_reject_a_broken_annotation(web_annotation_musts) -> None:  # type: ignore[no-untyped-def]
    """The schemas and their $refs are wired: an annotation that breaks a MUST fails it."""
    doc = documents(sample_record())[0]
    broken = {**doc, "@context": "http://example.org/ctx", "bodyValue": "x", "id": "not a uri"}
    del broken["target"]
    failed = {path.rpartition("/")[2] for path, v in web_annotation_musts if not v.is_valid(broken)}
    assert {"3.1-annotationContextValidated.json", "3.1-annotationIdValidated.json", "3.1-targetKeyFound.json",
            "3.2.5-notBodyBodyValue.json"} <= failed
    bad_selector = json.loads(json.dumps(doc))
    del bad_selector["target"]["selector"]["exact"]
    assert any(not v.is_valid(bad_selector) for p, v in web_annotation_musts if "textQuoteSelectorValid" in p)


def test_the_annotations_have_the_w3c_json_shape() -> None:
    doc = documents(sample_record())[1]
    page = IRI + "/f512"
    assert doc == {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "id": f"{page}/annotation/{anno_profile.query_key('garde champêtre')}/2",
        "type": "Annotation", "motivation": "highlighting",
        "body": {"type": "TextualBody", "value": "garde champêtre", "purpose": "tagging"},
        "target": {"id": f"{doc['id']}/target", "type": "SpecificResource", "source": page,
                   "selector": {"id": f"{doc['id']}/target/selector", "type": "TextQuoteSelector",
                                "exact": "Garde champêtre", "suffix": ", Bastide"}}}


def test_the_compaction_is_pyld_s() -> None:
    for doc in documents(sample_record()):
        expanded = pyld.expand(doc, {"documentLoader": jsonld.document_loader})
        assert pyld.compact(expanded, jsonld.ANNO_CONTEXT, {"documentLoader": jsonld.document_loader}) == doc


def test_annotation_iris_are_valid_and_the_same_from_run_to_run() -> None:
    first, second = anno_profile.triples(sample_record()), anno_profile.triples(sample_record())
    assert first == second
    iris = {t[1:-1] for s, p, o in first for t in (s, o) if t.startswith("<")}
    assert iris and all(is_iri(i) for i in iris)
    subjects = {s[1:-1] for s, p, o in first if o == f"<{OA}Annotation>"}
    assert len(subjects) == SAMPLE_FRAGMENTS
    assert f"{IRI}/f516/annotation/garde-champetre-" in min(s for s in subjects if "/f516/" in s)


def test_the_source_is_the_page_iri_the_gallica_mapper_gives() -> None:
    from arkgraph import ark as arks
    rec = sample_record()
    page = arks.parse(ARK).child("/f512").iri("https://n2t.net/")  # sources.gallica.Mapper._page
    assert page == anno_profile.page_iri(rec, 512)
    assert (f"<{anno_profile.annotation_iri(rec, rec.hits[0])}/target>", f"<{OA}hasSource>", f"<{page}>") \
        in anno_profile.triples(rec)


def test_queries_that_read_alike_keep_apart_and_any_query_gives_a_valid_iri() -> None:
    keys = {anno_profile.query_key(q) for q in ("garde champêtre", "Garde champêtre", "garde champetre",
                                               "garde  champêtre")}
    assert len(keys) == 4
    for q in ("قاضي", "a/b?c#d e", "x" * 500, "\"<>{}|\\^`"):
        rec = record(cs.SearchHits(q, (SearchHit(q, 3, TextQuote("x"), 1),)))
        (iri,) = {s[1:-1] for s, p, o in anno_profile.triples(rec) if o == f"<{OA}Annotation>"}
        assert is_iri(iri) and len(iri) < 200


def test_a_hit_read_twice_is_one_annotation() -> None:
    (value,), _ = read(JOINED.read_bytes())
    assert anno_profile.triples(record(value, value)) == anno_profile.triples(record(value))


def test_a_record_without_hits_has_no_annotation_and_no_document() -> None:
    rec = record()
    assert anno_profile.triples(rec) == [] and documents(rec) == []


def _graph(triples: set[tuple[object, object, object]]) -> set[ox.Quad]:
    ds = ox.Dataset(ox.Quad(s, p, o) for s, p, o in triples)  # type: ignore[arg-type]
    ds.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return set(ds)


def test_the_json_ld_gives_back_the_triples_up_to_the_bodies_written_without_id() -> None:
    """PyLD expands each document to the record's N-Triples, but for the TextualBody, written without ``id`` in
    JSON-LD (jsonld.annotation_documents says why: W3C test 3.3.5-bodyEWRNoPurpose), a blank node there."""
    rec = sample_record()
    text = "".join(f"{s} {p} {o} .\n" for s, p, o in anno_profile.triples(rec))
    nt = {(t.subject, t.predicate, t.object) for t in ox.parse(text, format=ox.RdfFormat.N_TRIPLES)}
    bodies = sorted({t[0] for t in nt if t[2] == ox.NamedNode(OA + "TextualBody")}, key=lambda n: n.value)
    assert len(bodies) == SAMPLE_FRAGMENTS
    blank = {b: ox.BlankNode(f"body{i}") for i, b in enumerate(bodies)}
    expected = {(blank.get(s, s), p, blank.get(o, o)) for s, p, o in nt}  # type: ignore[call-overload]
    got: set[tuple[object, object, object]] = set()
    for n, doc in enumerate(documents(rec)):
        nq = pyld.to_rdf(doc, {"format": "application/n-quads", "documentLoader": jsonld.document_loader})
        nq = nq.replace("_:b", f"_:d{n}b")
        got |= {(q.subject, q.predicate, q.object) for q in ox.parse(nq, format=ox.RdfFormat.N_QUADS)}
    assert _graph(got) == _graph(expected)  # type: ignore[arg-type]


def test_other_profiles_json_ld_is_unchanged_by_the_annotations_context() -> None:
    assert jsonld.compactor(jsonld.LINKED_ART_CONTEXT) is not jsonld.anno_compactor()
    assert type(jsonld.compactor(jsonld.SCHEMA_CONTEXT)) is jsonld.Compactor
    with pytest.raises(Exception, match="does not fetch"):
        jsonld.document_loader("https://example.org/context.jsonld")

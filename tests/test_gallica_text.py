"""Issue #19 end to end: a Gallica document with its Pagination, its pages' ALTO (real, bpt6k5628146t) and the OCR
delivery's METS becomes page texts in both profiles, in the three --text modes; search hits become Web Annotations.

The document's OAIRecord and Pagination are synthetic (tests/fixtures/harvest/README.md says from what): no real
one of bpt6k5628146t was saved. The ALTO pages and the METS are real.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from arkgraph import laschema
from arkgraph.cli import main
from arkgraph.sources import gallica_alto

FIXTURES = Path(__file__).parent / "fixtures"
RECORD = FIXTURES / "harvest" / "gallica" / "synthetic" / "oairecord-bpt6k5628146t.xml"
PAGINATION = FIXTURES / "harvest" / "gallica" / "pagination" / "pagination-bpt6k5628146t.xml"
ALTO = FIXTURES / "gallica" / "alto" / "bpt6k5628146t"
HITS = FIXTURES / "gallica" / "contentsearch" / "bpt6k5628146t-garde-champetre.xml"
DOC = "https://n2t.net/ark:12148/bpt6k5628146t"
SCHEMA, CRM, AG = "http://schema.org/", "http://www.cidoc-crm.org/cidoc-crm/", "https://w3id.org/arkgraph/ns#"


def convert(tmp_path: Path, *args: str | Path, out: str = "out.nq") -> tuple[ox.Dataset, str]:
    target = tmp_path / out
    r = CliRunner().invoke(main, ["convert", *(str(a) for a in args), "-o", str(target)], catch_exceptions=False)
    assert r.exit_code in (0, 1), r.stderr
    return (ox.Dataset(ox.parse(path=str(target), format=ox.RdfFormat.N_QUADS)) if out.endswith(".nq") else None,
            r.stderr)


def values(ds: ox.Dataset, s: str, p: str) -> list[str]:
    return [q.object.value for q in ds.quads_for_subject(ox.NamedNode(s)) if q.predicate.value == p]


def pages() -> dict[int, str]:
    """The reader's own text of each sample page (inline)."""
    out = {}
    for f in sorted(ALTO.glob("f*.xml")):
        [(_, text)] = list(gallica_alto.read(f.read_bytes(), str(f)))
        out[text.page] = text.text
    return out


@pytest.mark.parametrize("mode", ["link", "inline", "none"])
def test_the_sample_pages_convert_in_each_text_mode(tmp_path: Path, mode: str) -> None:
    ds, err = convert(tmp_path, RECORD, PAGINATION, ALTO, "--text", mode, "--validate")
    assert "converted 1, rejected 0" in err and "0 violations" in err
    texts = {n: f"{DOC}/f{n}/text" for n in range(1, 16)}
    for n, txt in texts.items():
        typed = values(ds, txt, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
        if mode == "none":
            assert typed == [], n
            continue
        assert SCHEMA + "CreativeWork" in typed and values(ds, f"{DOC}/f{n}", SCHEMA + "hasPart") == [txt]
        encodings = set(values(ds, txt, SCHEMA + "encoding"))
        assert encodings == {f"https://gallica.bnf.fr/RequestDigitalElement?O=bpt6k5628146t&E=ALTO&Deb={n}",
                             f"https://gallica.bnf.fr/ark:/12148/bpt6k5628146t/f{n}.texteBrut"}
        assert (values(ds, txt, SCHEMA + "text") != []) == (mode == "inline")
        la_content = values(ds, f"{DOC}/la/page{n}/text", CRM + "P190_has_symbolic_content")
        assert (la_content != []) == (mode == "inline")


def test_the_inline_text_is_the_pages_reading_order_text_and_holds_every_word_in_order(tmp_path: Path) -> None:
    ds, _ = convert(tmp_path, RECORD, PAGINATION, ALTO, "--text", "inline")
    for n, text in pages().items():
        written = values(ds, f"{DOC}/f{n}/text", SCHEMA + "text")
        assert written == ([text] if text else [""]), n
        assert values(ds, f"{DOC}/la/page{n}/text", CRM + "P190_has_symbolic_content") == written, n


def test_a_pages_figures_are_the_engines_and_the_document_takes_gallicas_quality_from_the_mets(tmp_path: Path) -> None:
    ds, _ = convert(tmp_path, RECORD, PAGINATION, ALTO)
    f2 = f"{DOC}/f2/text"
    assert values(ds, f2, AG + "ocrAccuracy") == ["52.96"] and values(ds, f2, AG + "wordCount") == ["23"]
    assert values(ds, f2, AG + "ocrEngine") == ["ABBYY FineReader Engine 11"]
    assert values(ds, f2, SCHEMA + "inLanguage") == ["fr"]
    # the METS's NQAMOYEN (72.66 %): Gallica's own figure for the document, not a mean arkgraph made
    assert values(ds, DOC, AG + "ocrQuality") == ["72.66"] and values(ds, DOC, AG + "meanPageAccuracy") == []
    assert int(values(ds, DOC, AG + "pagesWithText")[0]) == sum(1 for t in pages().values() if t)


def test_without_a_quality_from_gallica_the_document_says_it_is_the_mean_of_its_pages(tmp_path: Path) -> None:
    ds, _ = convert(tmp_path, RECORD, PAGINATION, *sorted(ALTO.glob("f*.xml")))  # the ALTO pages, not the METS
    assert values(ds, DOC, AG + "ocrQuality") == []
    [mean] = values(ds, DOC, AG + "meanPageAccuracy")
    assert 0 < float(mean) < 100


def test_the_linked_art_documents_of_a_document_with_page_texts_pass_the_official_schemas(tmp_path: Path) -> None:
    _, err = convert(tmp_path, RECORD, PAGINATION, ALTO, "--text", "inline", "--profile", "linkedart", out="la.jsonld")
    docs = json.loads((tmp_path / "la.jsonld").read_text(encoding="utf-8"))
    texts = [d for d in docs if d["id"].endswith("/text") and "/la/page" in d["id"]]
    assert len(texts) == 15 and all(d["type"] == "LinguisticObject" for d in texts)
    assert {d.get("id", "?"): laschema.errors(d) for d in docs if laschema.errors(d)} == {}


def test_damaged_alto_is_rejected_with_its_reason_and_the_counts_add_up(tmp_path: Path) -> None:
    damaged = FIXTURES / "gallica" / "alto" / "damaged"
    rejects = tmp_path / "rejects.jsonl"
    _, err = convert(tmp_path, RECORD, PAGINATION, ALTO, damaged, "--rejects", rejects)
    lines = [json.loads(x) for x in rejects.read_text(encoding="utf-8").splitlines()]
    assert sorted(Path(x["file"]).name for x in lines) == ["f15-truncated.xml", "f2-wrong-namespace.xml"]
    assert all(x["reason"] for x in lines)
    words = err.split("read ", 1)[1].replace(",", "").split()
    read, converted, rejected = int(words[0]), int(words[3]), int(words[5])
    assert read == converted + rejected and rejected == len(lines)


def test_search_hits_are_web_annotations_on_their_pages_and_a_page_the_pagination_lacks_is_flagged(tmp_path: Path) -> None:
    ds, err = convert(tmp_path, RECORD, PAGINATION, HITS, "--profile", "annotations")
    # the made-up join puts a 364-hit search of another document on this 15-page one: pages 512-516 are said
    assert "1 hit-unknown-page" in err
    sources = {q.object.value for q in ds.quads_for_predicate(ox.NamedNode("http://www.w3.org/ns/oa#hasSource"))}
    assert sources == {f"{DOC}/f{n}" for n in (512, 513, 514, 515, 516)}


def test_the_same_input_gives_the_same_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    convert(a, RECORD, PAGINATION, ALTO, HITS, "--text", "inline", "--profile", "all,annotations")
    convert(b, RECORD, PAGINATION, ALTO, HITS, "--text", "inline", "--profile", "all,annotations")
    assert (a / "out.nq").read_bytes() == (b / "out.nq").read_bytes()


def test_the_json_ld_of_a_document_with_page_texts_gives_its_n_quads_graph(tmp_path: Path) -> None:
    """Through PyLD, as tests/test_serialization_graphs.py checks every real sample (both profiles)."""
    from test_serialization_graphs import _differences
    for profile, name in (("all", "all"), ("linkedart", "linkedart")):
        r = CliRunner().invoke(main, ["convert", str(RECORD), str(PAGINATION), str(ALTO), "--text", "inline",
                                      "--profile", profile, "-o", str(tmp_path / f"{name}.nq"),
                                      "-o", str(tmp_path / f"{name}.jsonld")], catch_exceptions=False)
        assert r.exit_code == 0, r.stderr
    assert _differences(tmp_path, "all") == {}

"""The ALTO reader (issue #19): Gallica's OCR pages and the METS of their delivery.

The real pages are tests/fixtures/gallica/alto/bpt6k5628146t/ (BnF profile alto_bnf-v2_0, ALTO v3); the
v2 and v4 variants and the damaged files are derived from them (tests/fixtures/gallica/alto/synthetic,
…/damaged: each says so in a comment).
"""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from arkgraph.model import LOW_CONFIDENCE, PageText
from arkgraph.sources import gallica_alto
from arkgraph.sources.common import Reject
from arkgraph.sources.gallica_alto import OcrDelivery, page_of_name, read, read_mets
from arkgraph.sources.gallica_enrichment import enrichment_kind, read_enrichment

ALTO = Path(__file__).parent / "fixtures" / "gallica" / "alto"
DOC = "ark:12148/bpt6k5628146t"
V3 = "http://www.loc.gov/standards/alto/ns-v3#"


def one(data: bytes, name: str) -> tuple[str, object] | Reject:
    items = list(read(data, name))
    assert len(items) == 1, items
    return items[0]


def page_text(path: Path, name: str | None = None) -> PageText:
    item = one(path.read_bytes(), name or str(path))
    assert not isinstance(item, Reject), item
    ark, text = item
    assert ark == DOC and isinstance(text, PageText)
    return text


def tokens(data: bytes) -> list[str]:
    """The page's String tokens in document order, a hyphenated pair (HypPart1 then HypPart2) as its
    SUBS_CONTENT once: read with a plain lxml tree, independently of the reader."""
    root = etree.fromstring(data)
    out: list[str] = []
    after_part1 = False
    for s in root.iter("{*}String"):
        kind = s.get("SUBS_TYPE")
        if kind == "HypPart2" and after_part1:
            after_part1 = False
            continue
        after_part1 = kind == "HypPart1"
        out.append(s.get("SUBS_CONTENT") if after_part1 and s.get("SUBS_CONTENT") else s.get("CONTENT") or "")
    return [t for t in out if t]


def in_order(needles: list[str], text: str) -> None:
    at = 0
    for n, tok in enumerate(needles):
        found = text.find(tok, at)
        assert found >= 0, f"token {n} {tok!r} not found after position {at}: …{text[at:at + 80]!r}"
        at = found + len(tok)


# --- the real pages ----------------------------------------------------------------------------------------
def test_every_sample_page_gives_its_page_number_from_the_file_identifier_and_the_document_ark(alto_pages):
    assert sorted(alto_pages) == list(range(1, 16))
    for n, path in alto_pages.items():
        t = page_text(path, name=f"renamed-{n}.xml")  # the name says nothing: the fileIdentifier does
        assert t.page == n
        assert t.file == f"renamed-{n}.xml"


def test_every_string_token_of_every_sample_page_is_in_the_inline_text_in_order(alto_pages):
    hyphenated = 0
    for path in alto_pages.values():
        data = path.read_bytes()
        text = page_text(path).text or ""
        in_order(tokens(data), text)
        hyphenated += data.count(b'SUBS_TYPE="HypPart1"')
    assert hyphenated == 9  # the check above covered the samples' broken words


def test_words_count_every_string_element(alto_pages):
    for path in alto_pages.values():
        assert page_text(path).words == path.read_bytes().count(b"<String ")


def test_a_hyphenated_word_is_written_once_as_its_subs_content_and_the_soft_hyphen_is_dropped(alto_pages):
    text = page_text(alto_pages[9]).text or ""
    assert "sûre de sa protection , je compte" in text
    assert "de nos regrets communs" in text
    assert "protec" not in text.replace("protection", "")
    assert "\u00ad" not in text
    for path in alto_pages.values():
        assert "\u00ad" not in (page_text(path).text or "")


def test_blocks_are_separated_by_a_blank_line_and_lines_joined_by_one_space(alto_pages):
    for path in alto_pages.values():
        root = etree.fromstring(path.read_bytes())
        blocks = [b for b in root.iter("{*}TextBlock") if any(s.get("CONTENT") for s in b.iter("{*}String"))]
        text = page_text(path).text or ""
        assert (text.split("\n\n") if text else []) == [x for x in text.split("\n\n") if x]
        assert len(text.split("\n\n")) == len(blocks) if blocks else text == ""
        assert "\n\n\n" not in text and "  " not in text
        assert all("\n" not in block for block in text.split("\n\n"))
    # f6 has TextBlocks inside ComposedBlocks: read in document order with the others
    assert (page_text(alto_pages[6]).text or "").startswith("LE MODELE\n\neuiied SeiiMotuuxizeS\n\n")


def test_spaces_come_from_sp_and_line_ends(alto_pages):
    assert (page_text(alto_pages[2]).text or "").split("\n\n")[2].startswith(
        "L. LEFORÏ , IMPRIMEUR-LIBRAIRE , ")  # the source's own SP before each comma


def test_accuracy_mean_and_low_confidence_share_match_a_hand_computation(alto_pages):
    data = alto_pages[2].read_bytes()
    wcs = [float(x) for x in re.findall(rb'<String [^>]*\bWC="([^"]+)"', data)]
    assert len(wcs) == 23
    t = page_text(alto_pages[2])
    assert t.accuracy == 52.96
    assert t.words == 23
    assert t.mean_confidence == pytest.approx(sum(wcs) / 23)
    assert t.mean_confidence == pytest.approx(0.5296, abs=5e-5)  # ABBYY's ACCURACY is that mean, in percent
    assert t.low_confidence == pytest.approx(sum(w < LOW_CONFIDENCE for w in wcs) / 23)
    assert t.low_confidence == pytest.approx(11 / 23)


def test_engine_and_language(alto_pages):
    t = page_text(alto_pages[9])
    assert t.engine == "ABBYY FineReader Engine 11"
    assert t.language == "fr"


def test_a_page_with_no_string_is_an_empty_text_not_an_error(alto_pages):
    for n in (1, 3, 7):  # the real blank pages
        t = page_text(alto_pages[n])
        assert (t.text, t.words, t.mean_confidence, t.low_confidence, t.language) == ("", 0, None, None, None)
        assert t.accuracy == 100.0 and t.engine == "ABBYY FineReader Engine 11"
    t = page_text(ALTO / "synthetic" / "f9-empty-page.xml")
    assert (t.page, t.text, t.words, t.accuracy) == (9, "", 0, 77.23)


# --- other ALTO versions -------------------------------------------------------------------------------------
def test_alto_v2_is_read_as_v3(alto_pages):
    v2 = page_text(ALTO / "synthetic" / "f9-alto-v2.xml", name="x")
    v3 = page_text(alto_pages[9], name="x")
    assert v2 == v3


def test_alto_v4_is_read_with_its_lang_and_processing(alto_pages):
    v4 = page_text(ALTO / "synthetic" / "f13-alto-v4.xml", name="x")
    v3 = page_text(alto_pages[13], name="x")
    assert v4 == v3
    assert v4.language == "fr" and v4.engine == "ABBYY FineReader Engine 11"


def test_the_older_ccs_namespace_is_accepted(alto_pages):
    data = alto_pages[4].read_bytes().replace(V3.encode(), b"http://schema.ccs-gmbh.com/ALTO")
    assert one(data, "x")[1] == page_text(alto_pages[4], name="x")


# --- which page --------------------------------------------------------------------------------------------
def _without_file_identifier(path: Path) -> bytes:
    data, n = re.subn(rb"<fileIdentifier>[^<]*</fileIdentifier>", b"", path.read_bytes())
    assert n == 1
    return data


@pytest.mark.parametrize("name", ["raw/alto/bpt6k5628146t/f2.xml", "bpt6k5628146t/f0002.xml",
                                  "raw/bpt6k5628146t_f2.xml", "bpt6k5628146t-f2.xml.gz", r"C:\raw\bpt6k5628146t\f2.xml"])
def test_without_a_file_identifier_the_file_name_tells_the_page(alto_pages, name):
    ark, t = one(_without_file_identifier(alto_pages[2]), name)
    assert (ark, t.page) == (DOC, 2)


def test_the_file_identifier_wins_over_the_file_name(alto_pages):
    ark, t = one(alto_pages[2].read_bytes(), "bpt6k0other/f7.xml")
    assert (ark, t.page) == (DOC, 2)


@pytest.mark.parametrize("name", ["f2.xml", "page.xml", "bpt6k5628146t.xml", "alto/f2.xml"])
def test_no_file_identifier_and_no_ark_in_the_file_name_is_rejected(alto_pages, name):
    r = one(_without_file_identifier(alto_pages[2]), name)
    assert isinstance(r, Reject) and "cannot tell which page" in r.reason


def test_a_file_identifier_that_is_no_page_ark_is_quoted_in_the_reject(alto_pages):
    data = alto_pages[2].read_bytes().replace(b"ark:/12148/bpt6k5628146t/f2", b"X0000002")
    r = one(data, "page.xml")
    assert isinstance(r, Reject) and "cannot tell which page" in r.reason and "X0000002" in r.reason


def test_page_of_name():
    assert page_of_name("a/bpt6k5628146t/f12.xml") == (DOC, 12)
    assert page_of_name("bpt6k5628146t_f3.xml") == (DOC, 3)
    assert page_of_name("a/b/f3.xml") is None


# --- damaged files -----------------------------------------------------------------------------------------
def test_a_truncated_page_is_rejected_with_the_line_of_the_damage():
    r = one((ALTO / "damaged" / "f15-truncated.xml").read_bytes(), "f15-truncated.xml")
    assert isinstance(r, Reject)
    assert r.position is not None and r.position > 1
    assert f"damaged XML at line {r.position}" in r.reason and r.reason.startswith("ALTO page f15: ")
    assert r.record_id == DOC  # the fileIdentifier came before the cut
    assert "\n" not in r.reason


def test_a_wrong_namespace_is_rejected():
    r = one((ALTO / "damaged" / "f2-wrong-namespace.xml").read_bytes(), "f2-wrong-namespace.xml")
    assert isinstance(r, Reject) and "unknown namespace" in r.reason and "ns-v9#" in r.reason


@pytest.mark.parametrize("data, words", [
    (b"", "damaged XML"),
    (b"<alto>", "unknown namespace (none)"),  # the namespace is looked at first
    (b"<alto xmlns='http://www.loc.gov/standards/alto/ns-v3#'><Layout>", "damaged XML"),
    (b"<alto/>", "unknown namespace (none)"),
    (b"<page xmlns='http://www.loc.gov/standards/alto/ns-v3#'/>", "not ALTO"),
    (b"<alto xmlns='http://www.loc.gov/standards/alto/ns-v3#'><Description/></alto>", "without a Page"),
    (b"<?xml version='1.0'?><!DOCTYPE alto [<!ENTITY a 'b'>]><alto xmlns='http://www.loc.gov/standards/alto/ns-v3#'/>",
     "declares XML entities"),
    (b"<?xml version='1.0'?><!DOCTYPE alto [" + b" " * 5000 + b"<!ENTITY a SYSTEM 'file:///etc/passwd'>]>"
     b"<alto xmlns='http://www.loc.gov/standards/alto/ns-v3#'><Layout><Page><PrintSpace><TextBlock><TextLine>"
     b"<String CONTENT='&a;'/></TextLine></TextBlock></PrintSpace></Page></Layout></alto>", "declares XML entities"),
])
def test_damaged_or_foreign_files_are_rejected_with_a_reason(data, words):
    r = one(data, "bpt6k5628146t_f2.xml")
    assert isinstance(r, Reject), r
    assert words in r.reason and "\n" not in r.reason


def test_every_prefix_of_a_page_is_read_without_raising_and_only_the_whole_page_is_kept(alto_pages):
    data = alto_pages[4].read_bytes()
    whole = len(data.rstrip())
    for cut in range(len(data)):
        item = one(data[:cut], "bpt6k5628146t/f4.xml")
        assert isinstance(item, Reject) == (cut < whole), cut


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_read_never_raises_on_damaged_bytes(alto_pages, data):
    page = alto_pages[data.draw(st.sampled_from([2, 9, 12]))].read_bytes()
    start = data.draw(st.integers(0, len(page)))
    end = data.draw(st.integers(start, min(len(page), start + 64)))
    junk = data.draw(st.binary(max_size=32) | st.sampled_from([b"<", b"&", b"]]>", b"\x00", b"\xff\xfe",
                                                                  b"<String/>", b"</TextLine>", b'"', b"<!ENTITY"]))
    item = one(page[:start] + junk + page[end:], "bpt6k5628146t/f9.xml")
    if isinstance(item, Reject):
        assert item.reason and "\n" not in item.reason
    else:
        assert isinstance(item[1], PageText)


# --- reading-order details on small pages ---------------------------------------------------------------
def _page(body: str, file_id: str = "ark:/12148/bpt6k5628146t/f5") -> bytes:
    return (f'<alto xmlns="{V3}"><Description><sourceImageInformation><fileIdentifier>{file_id}</fileIdentifier>'
            f'</sourceImageInformation></Description><Layout><Page ACCURACY="x"><PrintSpace>{body}</PrintSpace>'
            '</Page></Layout></alto>').encode()


def _text(body: str) -> str:
    item = one(_page(body), "x")
    assert not isinstance(item, Reject), item
    return item[1].text  # type: ignore[union-attr]


def test_without_subs_content_the_two_parts_are_joined_without_the_hyphen():
    assert _text('<TextBlock><TextLine><String CONTENT="a"/><SP/><String CONTENT="pro" SUBS_TYPE="HypPart1"/>'
                 '<HYP CONTENT="-"/></TextLine><TextLine><String CONTENT="tection" SUBS_TYPE="HypPart2"/><SP/>'
                 '<String CONTENT="b"/></TextLine></TextBlock>') == "a protection b"


def test_a_hyphen_that_ends_no_pair_is_kept_and_a_lone_part_is_a_word():
    assert _text('<TextBlock><TextLine><String CONTENT="porte"/><HYP CONTENT="-"/></TextLine>'
                 '<TextLine><String CONTENT="x" SUBS_TYPE="HypPart1" SUBS_CONTENT="xy"/></TextLine>'
                 '<TextLine><String CONTENT="z"/></TextLine></TextBlock>') == "porte- xy z"


def test_a_word_broken_across_blocks_is_written_once():
    assert _text('<TextBlock><TextLine><String CONTENT="pro" SUBS_TYPE="HypPart1" SUBS_CONTENT="protection"/>'
                 '<HYP/></TextLine></TextBlock><TextBlock><TextLine><String CONTENT="tection" SUBS_TYPE="HypPart2" '
                 'SUBS_CONTENT="protection"/><SP/><String CONTENT="b"/></TextLine></TextBlock>') == "protection\n\nb"


def test_composed_blocks_are_read_in_document_order_and_a_bad_accuracy_or_wc_is_left_out():
    item = one(_page('<TextBlock language="la"><TextLine><String CONTENT="un" WC="0.2"/></TextLine></TextBlock>'
                     '<ComposedBlock><TextBlock><TextLine><String CONTENT="deux" WC="nan"/></TextLine></TextBlock>'
                     '<TextBlock LANG="fr"><TextLine><String CONTENT="trois" WC="2"/><SP/>'
                     '<String CONTENT="&#233;t&#233;" WC="1"/></TextLine></TextBlock></ComposedBlock>'), "x")
    t = item[1]  # type: ignore[index]
    assert t.text == "un\n\ndeux\n\ntrois été"
    assert (t.words, t.accuracy, t.mean_confidence, t.low_confidence, t.language) == (4, None, 0.6, 0.5, "la")


@pytest.mark.slow
def test_a_page_of_a_million_tiny_strings_is_read_in_linear_time():
    def run(n: int) -> float:
        data = _page("<TextBlock><TextLine>" + '<String CONTENT="a" WC="0.9"/><SP/>' * n + "</TextLine></TextBlock>")
        t0 = time.perf_counter()
        item = one(data, "x")
        took = time.perf_counter() - t0
        assert item[1].words == n  # type: ignore[union-attr]
        return took
    small, large = run(100_000), run(1_000_000)
    assert large < 25 * small + 0.5, (small, large)  # linear: ~10x (quadratic would be 100x)


# --- through the enrichment reader --------------------------------------------------------------------------
def test_the_enrichment_reader_routes_alto_and_mets_here(alto_pages):
    data = alto_pages[9].read_bytes()
    assert enrichment_kind(data[:4096]) == "alto"
    items = list(read_enrichment(io.BufferedReader(io.BytesIO(data)), "f9.xml"))
    assert items == [(DOC, page_text(alto_pages[9], name="f9.xml"))]
    mets = (ALTO / "bpt6k5628146t" / "mets.xml").read_bytes()
    assert enrichment_kind(mets[:4096]) == "mets"
    [(ark, delivery)] = read_enrichment(io.BufferedReader(io.BytesIO(mets)), "mets.xml")
    assert ark == DOC and isinstance(delivery, OcrDelivery)


def test_a_damaged_page_through_the_enrichment_reader_leaves_its_document_unenriched():
    from arkgraph.sources.gallica_enrichment import Unenriched
    data = (ALTO / "damaged" / "f15-truncated.xml").read_bytes()
    items = list(read_enrichment(io.BufferedReader(io.BytesIO(data)), "f15-truncated.xml"))
    assert [type(i) for i in items] == [Reject, tuple]
    assert items[1] == (DOC, Unenriched("f15-truncated.xml"))


# --- METS -------------------------------------------------------------------------------------------------
def test_the_mets_of_the_delivery_names_its_document_engine_date_and_quality():
    [(ark, d)] = read_mets((ALTO / "bpt6k5628146t" / "mets.xml").read_bytes(), "mets.xml")
    assert ark == DOC
    assert d == OcrDelivery(DOC, "FineReader Engine 11 - Linux-x86_64-11.1.19.963560", "2019-01-17T17:02:35.752+01:00",
                            72.66, 112, "mets.xml")


def test_a_mets_naming_no_document_takes_its_folder_name_or_is_not_converted():
    data = (ALTO / "bpt6k5628146t" / "mets.xml").read_bytes().replace(
        b"ark:/12148/bpt6k5628146t.version0.release0", b"unknown")
    [(ark, d)] = read_mets(data, "raw/bpt6k5628146t/mets.xml")
    assert ark == DOC == d.ark  # type: ignore[union-attr]
    [r] = read_mets(data, "raw/mets.xml")
    assert isinstance(r, Reject) and r.reason.startswith("METS of an OCR delivery: not converted")


def test_a_damaged_mets_is_rejected_with_its_line():
    data = (ALTO / "bpt6k5628146t" / "mets.xml").read_bytes()
    [r] = read_mets(data[: len(data) // 2], "bpt6k5628146t/mets.xml")
    assert isinstance(r, Reject) and r.position and f"line {r.position}" in r.reason
    assert r.record_id == DOC


def test_module_constants():
    assert set(gallica_alto.ALTO_NAMESPACES) >= {V3, "http://www.loc.gov/standards/alto/ns-v2#",
                                                  "http://www.loc.gov/standards/alto/ns-v4#"}

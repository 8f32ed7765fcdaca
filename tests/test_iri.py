"""Every IRI arkgraph writes is a valid absolute IRI (RFC 3987): a value from the data that cannot be one
is kept as text or dropped with an ``invalid-iri`` flag, never written between angle brackets.

The CLI cases take a real sample record, change one field, convert it to every output format and read
every output back with pyoxigraph.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from arkgraph import ark, jsonld
from arkgraph.cli import main
from arkgraph.errors import ArkError
from arkgraph.terms import is_iri, safe_iri
from helpers import FIXTURES, PM

GALLICA = FIXTURES / "gallica"
FORMATS = {"nt": ox.RdfFormat.N_TRIPLES, "nq": ox.RdfFormat.N_QUADS, "ttl": ox.RdfFormat.TURTLE,
           "trig": ox.RdfFormat.TRIG, "jsonld": ox.RdfFormat.JSON_LD}
PORTAL = "https://www.parismuseescollections.paris.fr/"


def parses_as_iri(iri: str) -> bool:
    """What the N-Triples reader says of ``<iri>``."""
    try:
        list(ox.parse(f"<{iri}> <http://example.org/p> <http://example.org/o> .\n".encode("utf-8", "surrogatepass"),
                      ox.RdfFormat.N_TRIPLES))
    except (SyntaxError, ValueError):
        return False
    return True


# -- safe_iri --------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("https://www.parismuseescollections.paris.fr/node/216702", "https://www.parismuseescollections.paris.fr/node/216702"),
    ("  https://gallica.bnf.fr/ark:/12148/bpt6k58040250 ", "https://gallica.bnf.fr/ark:/12148/bpt6k58040250"),
    ("http://h/a b\tc\x01", "http://h/a%20b%09c%01"),
    ('http://h/"<>\\^`{|}', "http://h/%22%3C%3E%5C%5E%60%7B%7C%7D"),
    ("http://h/[1]?q=[2]#[3]", "http://h/%5B1%5D?q=%5B2%5D#%5B3%5D"),
    ("http://h/%zz%4%", "http://h/%25zz%254%25"),
    ("http://h/%C3%A9", "http://h/%C3%A9"),
    ("http://h/a#b#c", "http://h/a#b%23c"),
    ("http://h/\x85\ufffe\ue000?\ue000", "http://h/%C2%85%EF%BF%BE%EE%80%80?\ue000"),  # private use: only in a query
    ("http://musées.paris.fr/œuvre", "http://musées.paris.fr/œuvre"),  # an IRI, not a URI: unicode stays
    ("http://[2001:db8::1]:8080/x", "http://[2001:db8::1]:8080/x"),
    ("http://[v7.fe80::1]/", "http://[v7.fe80::1]/"),
    ("urn:isbn:2-07-036822-5", "urn:isbn:2-07-036822-5"),
    # a javascript: URL is a valid IRI and the data said so; embed never makes it a link (record_pages._href)
    ("javascript:alert(1)", "javascript:alert(1)"),
])
def test_safe_iri_keeps_valid_iris_and_percent_encodes_what_iris_forbid(value: str, expected: str) -> None:
    assert safe_iri(value) == expected
    assert parses_as_iri(expected)


@pytest.mark.parametrize("value", [
    "19??",                        # Paris Musées absolutePath: no scheme
    "/node/1", "", "   ", "www.example.org/x", "1http://h/",
    "http://[::1/x", "http://[1.2.3.4]/", "http://[fe80::1%25eth0]/", "http://[1::2::3]/",  # brackets outside an IPv6 host
    "http://a b/", "http://h<x>/", "http://h:80a/", "http://h:8:9/",   # hosts and ports that cannot be encoded
    "http:foo", "https:///x",      # http(s) without a host
    "http://h/\ud800",             # a lone surrogate (JSON "\ud800"): no UTF-8 to escape
    None, 12, ["http://h/"],
])
def test_safe_iri_refuses_what_cannot_be_an_iri(value: object) -> None:
    assert safe_iri(value) is None


URLISH = st.text(alphabet=st.sampled_from(
    list("aZ09-._~!$&'()*+,;=:@/?#[]%{}|\\^`\"<> \t\n\x00\x7f") + ["\x85", "é", "\u2028", "\ud7ff", "\ue000", "\ufdd0",
                                                                 "\ufffe", "\U0001f600", "\U000e0001", "\ud800"]),
    max_size=30)


@settings(derandomize=True, max_examples=400, deadline=None)
@given(st.sampled_from(["http://", "https://", "urn:", "x:", "HTTP://h", "http://[::1]", "", "1:", "http://u@h:80"]),
       URLISH, st.booleans())
def test_whatever_safe_iri_returns_parses_as_an_iri_in_n_triples(prefix: str, rest: str, host: bool) -> None:
    value = prefix + ("musées.example" if host and prefix.endswith("//") else "") + rest
    iri = safe_iri(value)
    if iri is not None:
        assert parses_as_iri(iri), (value, iri)
        assert is_iri(iri) and safe_iri(iri) == iri  # valid IRIs are kept as they are
    elif is_iri(value):
        pytest.fail(f"a valid IRI was refused: {value!r}")


# -- ARKs and the ARK base ---------------------------------------------------------------------------

def test_an_ark_name_with_a_stray_percent_is_not_an_ark() -> None:
    assert str(ark.parse("ark:/12148/bpt6k%2f1")) == "ark:12148/bpt6k%2F1"
    for bad in ("ark:/12148/bpt6k%zz", "ark:/12148/bpt6k%4"):
        with pytest.raises(ArkError):
            ark.parse(bad)


def test_a_work_whose_only_id_is_no_url_is_rejected_with_the_reason(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["convert", str(pm_record(tmp_path, BY_ID, absolutePath="19??")),
                                  "-o", str(tmp_path / "o.nq"), "-v"])
    assert r.exit_code == 1
    assert "work.json" in r.stderr and "no stable id" in r.stderr and "Traceback" not in r.output


def test_an_ark_base_that_makes_no_iri_is_a_usage_error(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["convert", str(PM / "nodebyid-226737-docs-example.json"), "--ark-base", "n2t.net",
                                  "-o", str(tmp_path / "o.nt")])
    assert r.exit_code == 2
    assert "--ark-base" in r.stderr and "does not make valid IRIs" in r.stderr and "Traceback" not in r.output
    assert ark.check_base("https://ark.example.org") == "https://ark.example.org/"


# -- through the CLI, from real samples -----------------------------------------------------------------

def convert_every_format(tmp_path: Path, *inputs: Path) -> tuple[str, str, int]:
    """Convert to every format in one run; read each output back. (N-Quads text, summary line, exit status)"""
    outs = {ext: tmp_path / f"out.{ext}" for ext in FORMATS}
    args = ["convert", *map(str, inputs)]
    for out in outs.values():
        args += ["-o", str(out)]
    r = CliRunner().invoke(main, args, catch_exceptions=False)
    assert "Traceback" not in r.output
    for ext, out in outs.items():
        if ext == "jsonld":  # the contexts named are bundled: given inline, pyoxigraph fetches nothing
            docs = json.loads(out.read_text(encoding="utf-8"))
            for doc in docs:
                doc["@context"] = jsonld.document_loader(doc["@context"])["document"]["@context"]
            quads = list(ox.parse(json.dumps(docs).encode("utf-8"), FORMATS[ext]))
        else:
            quads = list(ox.parse(path=str(out), format=FORMATS[ext]))  # raises SyntaxError on a bad IRI
        assert quads, ext
    return outs["nq"].read_text(encoding="utf-8"), r.stderr.strip().splitlines()[-1], r.exit_code


def pm_record(tmp_path: Path, sample: str, **fields: object) -> Path:
    """The first work of the real Paris Musées response ``sample``, with ``fields`` replaced, alone in a file."""
    data = json.loads((PM / sample).read_text(encoding="utf-8"))["data"]
    work = data["nodeById"] if "nodeById" in data else next(w for w in data["nodeQuery"]["entities"] if w)
    work.update(fields)
    path = tmp_path / "work.json"
    path.write_text(json.dumps({"data": {"nodeById": work}}), encoding="utf-8")
    return path


QUERY = "nodequery-chinese-works-even.json"  # works known by absolutePath (…/node/216702) and uuid
BY_ID = "nodebyid-226737-docs-example.json"  # known by absolutePath only; has a fieldUrlAlias


@pytest.mark.parametrize("sample, fields, present, flagged", [
    # kept as the identifier's text; the node number is then unknown: the ARK comes from the uuid
    (QUERY, {"absolutePath": "19??"}, ['"19??"'], 1),
    (QUERY, {"absolutePath": "/node/216702"}, [f"<{PORTAL}node/216702>"], 0),  # root-relative: the portal's
    (QUERY, {"absolutePath": "https://www.parismuseescollections.paris.fr/node/[216702]"},
     [f"<{PORTAL}node/%5B216702%5D>"], 0),
    (QUERY, {"absolutePath": "https://[www.parismuseescollections.paris.fr]/node/216702"},
     ['"https://[www.parismuseescollections.paris.fr]/node/216702"'], 1),
    (QUERY, {"absolutePath": f"{PORTAL}node/216702%zz%4"}, [f"<{PORTAL}node/216702%25zz%254>"], 0),
    (QUERY, {"absolutePath": f"{PORTAL}node/216702 bis\x01"}, [f"<{PORTAL}node/216702%20bis%01>"], 0),
    (QUERY, {"absolutePath": "https://musées.paris.fr/node/216702"}, ["<https://musées.paris.fr/node/216702>"], 0),
    (QUERY, {"absolutePath": "http://[2001:db8::1]/node/216702"}, ["<http://[2001:db8::1]/node/216702>"], 0),
    (BY_ID, {"fieldUrlAlias": "petit palais/[œuvres]/%zz"}, [f"<{PORTAL}fr/petit%20palais/%5Bœuvres%5D/%25zz>"], 0),
])
def test_a_paris_musees_value_that_is_no_iri_is_kept_as_text_or_encoded(
        tmp_path: Path, sample: str, fields: dict[str, str], present: list[str], flagged: int) -> None:
    nq, line, status = convert_every_format(tmp_path, pm_record(tmp_path, sample, **fields))
    assert status == 0 and "converted 1, rejected 0" in line
    assert (f"{flagged} invalid-iri" in line) if flagged else "invalid-iri" not in line
    for term in present:
        assert term in nq


def test_a_bad_image_url_leaves_the_image_without_that_link(tmp_path: Path) -> None:
    # synthetic sample: no saved real response selects images (tests/fixtures/parismusees/README.md)
    data = json.loads((PM / "synthetic-full-nodeoeuvre.json").read_text(encoding="utf-8"))
    work = data["data"]["nodeById"]
    image = work["fieldVisuels"][0]["entity"]
    image["publicUrl"], image["entityId"] = "19??", "55 001/[a]"
    path = tmp_path / "work.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    nq, line, status = convert_every_format(tmp_path, path)
    assert status == 0 and "1 invalid-iri" in line
    assert "19??" not in nq
    # the thumbnail stands in for the image, as when there is no publicUrl; the id is one path segment
    assert re.search(r"/image55%20001%2F%5Ba%5D> <http://schema.org/contentUrl> "
                     r"<https://apicollections\.parismusees\.paris\.fr/sites/default/files/styles/thumbnail/", nq)


def gallica_record(tmp_path: Path, sample: str, old: str, new: str, name: str = "record.xml") -> Path:
    """The real Gallica file ``sample`` with one value changed."""
    text = (GALLICA / sample).read_text(encoding="utf-8")
    assert text.count(old) == 1
    path = tmp_path / name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


CATALOGUE = "<dc:relation>Notice du catalogue : http://catalogue.bnf.fr/ark:/12148/cb32048782h</dc:relation>"
OWN_ID = "<dc:identifier>https://gallica.bnf.fr/ark:/12148/bpt6k58040250</dc:identifier>"


@pytest.mark.parametrize("old, new, present, flagged", [
    (CATALOGUE, "<dc:relation>Notice du catalogue : http://[catalogue.bnf.fr]/cb32048782h</dc:relation>",
     ['"Notice du catalogue : http://[catalogue.bnf.fr]/cb32048782h"'], 1),
    (CATALOGUE, "<dc:relation>Notice du catalogue : http://catalogue.bnf.fr/[cb32048782h]%zz</dc:relation>",
     ["<http://catalogue.bnf.fr/%5Bcb32048782h%5D%25zz>"], 0),
    (CATALOGUE, "<dc:relation>Voir aussi : http://h:8a/x</dc:relation>", ['"Voir aussi : http://h:8a/x"'], 1),
    (OWN_ID, OWN_ID + "<dc:identifier>http://[::1/x</dc:identifier>", ['"http://[::1/x"'], 0),
    (OWN_ID, OWN_ID + "<dc:identifier>http://h/a%4[b]</dc:identifier>", ["<http://h/a%254%5Bb%5D>"], 0),
])
def test_a_gallica_relation_or_identifier_that_is_no_iri_is_kept_as_text_or_encoded(
        tmp_path: Path, old: str, new: str, present: list[str], flagged: int) -> None:
    nq, line, status = convert_every_format(tmp_path, gallica_record(tmp_path, "oairecord/bpt6k58040250.xml", old, new))
    assert status == 0 and "converted 1, rejected 0" in line
    assert (f"{flagged} invalid-iri" in line) if flagged else "invalid-iri" not in line
    for term in present:
        assert term in nq


def test_each_gallica_relation_that_is_no_iri_is_kept(tmp_path: Path) -> None:
    bad = ("<dc:relation>Voir : http://[a]/1</dc:relation><dc:relation>Voir : http://[b]/2</dc:relation>"
           "<dc:relation>http://h:x/3</dc:relation>")
    nq, line, status = convert_every_format(
        tmp_path, gallica_record(tmp_path, "oairecord/bpt6k58040250.xml", CATALOGUE, CATALOGUE + bad))
    assert status == 0 and "3 invalid-iri" in line
    for text in ('"Voir : http://[a]/1"', '"Voir : http://[b]/2"', '"http://h:x/3"'):
        assert text in nq


@pytest.mark.slow
def test_a_iiif_licence_in_words_becomes_a_rights_statement(tmp_path: Path) -> None:
    manifest = gallica_record(tmp_path, "iiif/manifest-bpt6k9604118j.json",
                              '"https://gallica.bnf.fr/html/und/conditions-dutilisation-des-contenus-de-gallica"',
                              '"Conditions d\'utilisation : voir le site"', "manifest-bpt6k9604118j.json")
    # its record: the real monograph under the manifest's ARK, as test_gallica_records does
    record = tmp_path / "bpt6k9604118j.xml"
    record.write_text((GALLICA / "oairecord" / "bpt6k58017546-monographie.xml").read_text(encoding="utf-8")
                      .replace("bpt6k58017546", "bpt6k9604118j"), encoding="utf-8")
    nq, line, status = convert_every_format(tmp_path, manifest, record)
    assert status == 0 and "converted 1, rejected 0" in line
    assert "\"Conditions d'utilisation : voir le site\"" in nq
    assert "<Conditions" not in nq


@pytest.mark.slow
def test_a_year_that_is_no_year_names_no_year_page(tmp_path: Path) -> None:
    years = gallica_record(tmp_path, "issues/continuousDateFetch-cb32699739p.xml", "<year>1916</year>",
                           "<year>1916</year><year>19 17</year>", "years.xml")
    nq, line, status = convert_every_format(tmp_path, years, GALLICA / "sru" / "dummyNewspaperRecords-periodiques.xml")
    assert "1 invalid-iri" in line
    assert "cb32699739p/date1916>" in nq and "date19 17" not in nq


@pytest.mark.slow
def test_unusual_valid_iris_are_read_by_validate(tmp_path: Path) -> None:
    # validate checks common IRIs with its own grammar and hands the rest to pyoxigraph: both must agree
    data = json.loads((PM / QUERY).read_text(encoding="utf-8"))
    works = [w for w in data["data"]["nodeQuery"]["entities"] if w][:5]
    for work, url in zip(works, ["https://musées.paris.fr/œuvre", "http://[2001:db8::1]:8080/x", "http://h/\U0001f5bc",
                                 "http://h/x?\ue000#f", "urn:x-paris-musees:a:b"]):
        work["absolutePath"] = url
    src = tmp_path / "works.json"
    src.write_text(json.dumps({"data": {"nodeQuery": {"entities": works}}}), encoding="utf-8")
    nq, line, status = convert_every_format(tmp_path, src)
    assert "<http://[2001:db8::1]:8080/x>" in nq and "<http://h/x?\ue000#f>" in nq
    r = CliRunner().invoke(main, ["validate", str(tmp_path / "out.nq")])
    assert r.exit_code in (0, 1) and "not readable" not in r.output, r.output

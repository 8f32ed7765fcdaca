"""Gallica side files (Pagination, Toc, Issues, IIIF manifests) that are damaged, hostile or unmatched: the file
is rejected or reported under its own name, its record is still written, the run goes on."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from arkgraph.cli import main
from arkgraph.pipeline import Options, convert

FIX = Path(__file__).parent / "fixtures" / "gallica"
N2T = "https://n2t.net/ark:12148/"
MANIFEST = FIX / "iiif" / "manifest-bpt6k9604118j.json"


def run(tmp: Path, *inputs: Path, verbose: bool = True) -> tuple[object, list[dict], str]:
    """The CLI on ``inputs``: its result, the rejects, and the N-Quads written (under ``tmp``)."""
    out, rej = tmp / "out.nq", tmp / "rejects.jsonl"
    args = ["convert", *map(str, inputs), "-o", str(out), "--rejects", str(rej)] + (["-v"] if verbose else [])
    res = CliRunner().invoke(main, args)
    assert "Traceback" not in res.output and "cannot write" not in res.output, res.output
    rejects = [json.loads(line) for line in rej.read_text(encoding="utf-8").splitlines()]
    return res, rejects, out.read_text(encoding="utf-8") if out.exists() else ""


def record_for_the_manifest(tmp_path: Path) -> Path:
    """No real record of the manifest's document was saved: the real monograph record, renamed to its ARK
    (as test_gallica_records does)."""
    text = (FIX / "oairecord" / "bpt6k58017546-monographie.xml").read_text(encoding="utf-8")
    path = tmp_path / "bpt6k9604118j.xml"
    path.write_text(text.replace("bpt6k58017546", "bpt6k9604118j"), encoding="utf-8")
    return path


# side file, its record (joined by ARK; for a Toc the ARK is the file name), what it adds to the record, the
# document the reject names (an Issues list belongs to its periodical; it also enriches each issue)
SIDE_FILES = {
    "pagination": (FIX / "pagination" / "pagination-bpt6k5603637g.xml",
                   FIX / "oairecord" / "bpt6k5603637g-fascicule.xml", "bpt6k5603637g/f1>", "ark:12148/bpt6k5603637g"),
    "toc-tei": (FIX / "enrich" / "bpt6k58017546.xml", FIX / "oairecord" / "bpt6k58017546-monographie.xml", "/sdo/toc1>",
                "ark:12148/bpt6k58017546"),
    "toc-xhtml": (FIX / "enrich" / "bpt6k5785971m.xml", FIX / "oairecord" / "bpt6k5785971m.xml", "/sdo/toc1>",
                  "ark:12148/bpt6k5785971m"),
    "issues": (FIX / "issues" / "1879-cb328261098.xml", FIX / "oairecord" / "bpt6k5603637g-fascicule.xml",
               'rdf-schema#label> "Fascicule"', "ark:12148/cb328261098/date"),
}


@pytest.mark.parametrize("damage", [b"\xff", b"<"], ids=["invalid-utf8", "stray-lt"])
@pytest.mark.parametrize("kind", SIDE_FILES)
def test_a_bad_byte_in_a_side_file_rejects_that_file_and_its_record_is_written_un_enriched(tmp_path, kind, damage):
    side, record, enriched, owner = SIDE_FILES[kind]
    data = side.read_bytes()
    at = data.index(b">", len(data) // 2) + 1  # between two tags (or in a text) past the middle
    bad = tmp_path / side.name  # the same name: a Toc is joined by it
    bad.write_bytes(data[:at] + damage + data[at:])
    ark = "ark:12148/" + record.name.split("-")[0].removesuffix(".xml")

    res, rejects, written = run(tmp_path, tmp_path / side.name, record)
    assert res.exit_code == 1
    [rej] = rejects
    line = data[:at].count(b"\n") + 1
    assert rej["file"] == str(bad) and rej["record_id"] == owner and rej["position"] == line
    assert rej["reason"].startswith(f"damaged XML at line {line}, ") and rej["reason"].endswith("file not used")
    assert "read 2 records, converted 1, rejected 1" in res.output and "1 un-enriched" in res.output
    assert f"<{N2T}{ark[10:]}>" in written and enriched not in written
    # undamaged, the same side file enriches the record: the flag stands for what is missing
    ok, _, written = run(tmp_path, side, record)
    assert ok.exit_code == 0 and enriched in written and "un-enriched" not in ok.output


def test_a_side_file_that_matches_no_record_is_counted_and_listed(tmp_path):
    monograph = FIX / "oairecord" / "bpt6k58017546-monographie.xml"
    pagination = FIX / "pagination" / "pagination-bpt6k5603637g.xml"
    res, rejects, written = run(tmp_path, monograph, pagination, MANIFEST)
    assert res.exit_code == 0 and rejects == []
    assert res.output.rstrip().endswith(", 2 enrichment file(s) matched no record")
    assert f"unmatched: {pagination}: enrichment file matched no record" in res.output
    assert f"unmatched: {MANIFEST}: enrichment file matched no record" in res.output
    quiet, _, _ = run(tmp_path, monograph, pagination, MANIFEST, verbose=False)
    assert "unmatched:" not in quiet.output and "2 enrichment file(s) matched no record" in quiet.output
    # an Issues list matches when any one of its issues (or its periodical) is read
    issue = FIX / "oairecord" / "bpt6k5603637g-fascicule.xml"
    res, _, _ = run(tmp_path, FIX / "issues" / "1879-cb328261098.xml", pagination, issue)
    assert res.exit_code == 0 and "matched no record" not in res.output


def manifest_with(tmp_path: Path, change) -> Path:
    """The real manifest with one change applied to its JSON (``change(doc)``), saved under its real name."""
    doc = json.loads(MANIFEST.read_text(encoding="utf-8"))
    change(doc)
    path = tmp_path / MANIFEST.name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_an_image_id_given_as_a_list_is_ignored_and_flagged(tmp_path):
    def listed(doc):
        res = doc["sequences"][0]["canvases"][0]["images"][0]["resource"]
        res["@id"] = [res["@id"]]
    path = manifest_with(tmp_path, listed)
    res, rejects, written = run(tmp_path, path, record_for_the_manifest(tmp_path))
    assert res.exit_code == 0 and rejects == [] and "1 iiif-ignored" in res.output
    # the page is still there, its image at the IIIF service's default address
    assert (f"<{N2T}bpt6k9604118j/f1> <http://schema.org/image> "
            "<https://gallica.bnf.fr/iiif/ark:/12148/bpt6k9604118j/f1/full/full/0/native.jpg>") in written


# where a manifest value of one JSON type is read (root: the manifest; seq, canvas, image, resource: the
# first of each; meta: the first metadata entry), and its key
PATHS = [("root", "@id"), ("root", "related"), ("root", "label"), ("root", "description"), ("root", "license"),
         ("root", "attribution"), ("root", "thumbnail"), ("root", "metadata"), ("root", "sequences"),
         ("seq", "canvases"), ("canvas", "@id"), ("canvas", "label"), ("canvas", "width"), ("canvas", "height"),
         ("canvas", "images"), ("image", "resource"), ("resource", "@id"), ("resource", "service"),
         ("meta", "label"), ("meta", "value")]
# one value of each JSON type, and hostile forms (deep, huge, empty)
VALUES = [["x", "y"], {"a": {"b": 1}}, 12, -3.5, 10 ** 40, None, True, "", "text", [], {}, [[[[[]]]]],
          [{"@id": 7}]]


def _target(doc: dict, where: str) -> dict:
    seq = doc["sequences"][0]
    canvas = seq["canvases"][0]
    return {"root": doc, "seq": seq, "canvas": canvas, "image": canvas["images"][0],
            "resource": canvas["images"][0]["resource"], "meta": doc["metadata"][0]}[where]


@pytest.mark.slow
def test_any_json_type_in_any_manifest_field_converts_or_flags_never_crashes(tmp_path):
    """Each value the reader takes, swapped for each JSON type in turn: the record is always converted
    (the manifest's ARK is in its file name too), a wrong type is at most flagged, never a traceback."""
    record = record_for_the_manifest(tmp_path)
    real = json.loads(MANIFEST.read_text(encoding="utf-8"))
    del real["sequences"][0]["canvases"][2:]  # two of its 74 pages are enough here
    for where, key in PATHS:
        for value in VALUES:
            doc = copy.deepcopy(real)
            _target(doc, where)[key] = value
            path = tmp_path / MANIFEST.name
            path.write_text(json.dumps(doc), encoding="utf-8")
            buf = io.BytesIO()
            summary, _ = convert(Options([str(path), str(record)], fmt="nq"), buf)
            assert (summary.read, summary.converted, summary.rejected) == (1, 1, 0), (where, key, value)
            assert summary.flagged.get("iiif-ignored", 0) <= 1 and not summary.unmatched_enrichments
            if value is True or (key == "@id" and not isinstance(value, (str, type(None)))) or (
                    key in ("width", "height") and value not in (12, None)):
                assert summary.flagged["iiif-ignored"] == 1, (where, key, value)  # these can only be wrong
            assert f"<{N2T}bpt6k9604118j>".encode() in buf.getvalue()


def test_a_manifest_nested_100000_deep_is_a_clean_reject(tmp_path):
    doc = json.loads(MANIFEST.read_text(encoding="utf-8"))
    doc["description"] = "@@deep@@"
    path = tmp_path / MANIFEST.name
    path.write_text(json.dumps(doc).replace('"@@deep@@"', "[" * 100_000 + "]" * 100_000), encoding="utf-8")
    res, rejects, written = run(tmp_path, path, record_for_the_manifest(tmp_path))
    assert res.exit_code == 1
    [rej] = rejects
    assert rej["file"] == str(path) and rej["record_id"] == "ark:12148/bpt6k9604118j"
    assert "nested too deep" in rej["reason"]
    assert "converted 1, rejected 1" in res.output and "1 un-enriched" in res.output
    assert f"<{N2T}bpt6k9604118j>" in written


def test_a_manifest_that_is_not_a_json_object_is_rejected(tmp_path):
    path = tmp_path / MANIFEST.name
    path.write_text("[" + MANIFEST.read_text(encoding="utf-8") + "]", encoding="utf-8")
    res, [rej], written = run(tmp_path, path, record_for_the_manifest(tmp_path))
    assert res.exit_code == 1 and rej["file"] == str(path) and "is a JSON array, not an object" in rej["reason"]
    assert f"<{N2T}bpt6k9604118j>" in written and "1 un-enriched" in res.output


def test_a_manifest_holding_a_lone_surrogate_is_rejected_and_its_record_written_un_enriched(tmp_path):
    # found by bench/fuzz_campaign.py (seed 2026, input 48252): a label "a\udc00b" crashed the writer
    doc = json.loads(MANIFEST.read_text(encoding="utf-8"))
    doc["label"] = "@@lone@@"
    path = tmp_path / MANIFEST.name
    path.write_text(json.dumps(doc).replace('"@@lone@@"', '"a\\udc00b"'), encoding="utf-8")
    res, [rej], written = run(tmp_path, path, record_for_the_manifest(tmp_path))
    assert res.exit_code == 1 and rej["file"] == str(path) and "lone surrogate" in rej["reason"]
    assert f"<{N2T}bpt6k9604118j>" in written and "1 un-enriched" in res.output


def test_a_surrogate_pair_in_a_manifest_is_one_character_and_converts(tmp_path):
    path = manifest_with(tmp_path, lambda d: d.update(label="Vogue \U0001d54d"))  # json.dumps escapes it as a pair
    res, rejects, written = run(tmp_path, path, record_for_the_manifest(tmp_path))
    assert res.exit_code == 0 and rejects == [] and "Vogue \U0001d54d" in written

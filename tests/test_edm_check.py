"""Europeana's own EDM validation (bundled XSD and Schematron) on EDM record files, and `validate --profile edm`.

The records are synthetic (tests/fixtures/edm/README.md): a valid one, and one edit of it per rule.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from arkgraph import edm_check as E
from arkgraph.cli import main
from arkgraph.errors import InputError

EDM_FIXTURES = Path(__file__).parent / "fixtures" / "edm"
VALID = EDM_FIXTURES / "valid.xml"
VALID_FULL = EDM_FIXTURES / "valid-full.xml"
CHO = "https://ark.example.org/ark:/12148/btv1b0000001x"

TITLE = '<dc:title xml:lang="fr">Recueil de chansons</dc:title>'
RIGHTS = '<edm:rights rdf:resource="http://creativecommons.org/publicdomain/mark/1.0/"/>'
PROVIDER = "<edm:provider>Agrégateur exemple</edm:provider>"

# what each broken record is, the edit that makes it from valid.xml, and every rule it then fails
BROKEN: dict[str, tuple[tuple[str, str], set[str]]] = {
    "a ProvidedCHO without a title": (
        (TITLE, ""),
        {"edm:ProvidedCHO: A ProvidedCHO must have a non empty dc:title or a non empty dc:description"}),
    "a TEXT ProvidedCHO without dc:language": (
        ("<dc:language>fr</dc:language>", ""),
        {"edm:ProvidedCHO: Within a ProvidedCHO context, dc:language is mandatory when edm:type has the value 'TEXT'."}),
    "a ProvidedCHO without dc:type, dc:subject, dcterms:temporal or dcterms:spatial": (
        ('<dc:type xml:lang="fr">manuscrit</dc:type>', ""),
        {"edm:ProvidedCHO: A ProvidedCHO must have a dc:subject or dc:type or dct:temporal or dct:spatial.",
         "edm:ProvidedCHO: A ProvidedCHO must have at least one of dc:subject or dc:type or dct:temporal or "
         "dct:spatial, that has an rdf:resource attribute or have non empty text value."}),
    "an aggregation without rights": (
        (RIGHTS, ""),
        {"XSD: ore:Aggregation: Missing child element(s).",
         "ore:Aggregation: An ore:Aggregation must have at least one instance of edm:rights"}),
    "rights Europeana does not accept": (
        ("http://creativecommons.org/publicdomain/mark/1.0/", "http://rightsstatements.org/vocab/NoC-CR/1.0/"),
        {"ore:Aggregation/edm:rights: Invalid Rights Statements"}),
    "an aggregation without provider": (
        (PROVIDER, ""),
        {"XSD: edm:rights: This element is not expected.",
         "ore:Aggregation: An ore:Aggregation must have at least one instance of edm:provider"}),
    "an empty provider": (
        (PROVIDER, "<edm:provider> </edm:provider>"),
        {"ore:Aggregation/edm:provider: An ore:Aggregation must have a non empty edm:provider"}),
    "an aggregation without dataProvider": (
        ("<edm:dataProvider>Bibliothèque exemple</edm:dataProvider>", ""),
        {"ore:Aggregation: An ore:Aggregation must have at least one instance of edm:dataProvider"}),
    "an aggregation shown neither at nor by": (
        ('<edm:isShownAt rdf:resource="https://gallica.example.org/ark:/12148/btv1b0000001x"/>', ""),
        {"ore:Aggregation: An ore:Aggregation must have either edm:isShownAt or edm:isShownBy"}),
    "an empty xml:lang": (
        (TITLE, TITLE.replace('"fr"', '""')),
        {"*: Empty xml:lang attribute is not allowed for dc:title element."}),
    "two ProvidedCHOs": (
        ("<ore:Aggregation ", '<edm:ProvidedCHO rdf:about="urn:x"><dc:title>t</dc:title><dc:type>t</dc:type>'
                              "<edm:type>IMAGE</edm:type></edm:ProvidedCHO><ore:Aggregation "),
        {"rdf:RDF: Within a RDF context, there must be exactly one edm:ProvidedCHO."}),
    "elements out of the XSD's order": (
        (TITLE, "<edm:type>TEXT</edm:type>" + TITLE),  # edm:type comes after every dc element
        {"XSD: dc:title: This element is not expected."}),
    "an edm:type outside Europeana's five": (
        ("<edm:type>TEXT</edm:type>", "<edm:type>TEXTE</edm:type>"),
        {"XSD: edm:type: [facet enumeration] The value '…' is not an element of the set {…}."}),
    "a file that is not well-formed XML": (
        ("</rdf:RDF>", "</rdf:RD>"),
        {"XML: not well-formed"}),
    "a DOCTYPE (entities are never expanded)": (
        ('<?xml version="1.0" encoding="UTF-8"?>',
         '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE rdf:RDF [<!ENTITY e "x">]>'),
        {"XML: DOCTYPE not accepted"}),
}


def broken(what: str) -> bytes:
    (old, new), _ = BROKEN[what]
    text = VALID.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1).encode("utf-8")


@pytest.fixture(scope="module")
def checker() -> E.Checker:
    return E.Checker()


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


# --- the library ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [VALID, VALID_FULL], ids=["minimal", "with every contextual class"])
def test_a_valid_record_passes_both_xsd_and_schematron(checker: E.Checker, path: Path) -> None:
    assert checker.check(path.read_bytes(), path.name) == []


@pytest.mark.parametrize("what", list(BROKEN))
def test_each_broken_record_fails_with_the_rule_it_breaks(checker: E.Checker, what: str) -> None:
    failures = checker.check(broken(what), "r.xml")
    assert {f.rule for f in failures} == BROKEN[what][1]
    for f in failures:
        assert f.file == "r.xml" and f.message
        assert f.stage == ("xml" if f.rule.startswith("XML:") else "xsd" if f.rule.startswith("XSD:") else "schematron")
        assert f.record == (None if f.stage == "xml" else CHO)


def test_schematron_failures_carry_the_xpath_and_the_line_it_points_to(checker: E.Checker) -> None:
    [f] = checker.check(broken("rights Europeana does not accept"), "r.xml")
    assert f.location == "/*[local-name()='RDF']/*[local-name()='Aggregation']/*[local-name()='rights']"
    assert f.line == 18  # the edm:rights line of valid.xml


def test_xsd_failures_carry_their_line_and_a_readable_message(checker: E.Checker) -> None:
    [f] = checker.check(broken("elements out of the XSD's order"), "r.xml")
    assert f.stage == "xsd" and f.line == 8
    assert f.message.startswith("Element 'dc:title': This element is not expected. Expected is")


def test_the_variable_id_prefix_of_a_schematron_message_is_not_part_of_the_rule() -> None:
    assert E.schematron_message("\n  id:\n  urn:a:b\n  - A ProvidedCHO must have x.\n") == "A ProvidedCHO must have x."
    assert E.schematron_message("  A Proxy must have\n   a title  ") == "A Proxy must have a title"


def test_xsd_rule_names_drop_the_values_and_keep_the_names() -> None:
    assert (E.xsd_rule("Element '{http://www.europeana.eu/schemas/edm/}rights': The attribute "
                       "'{http://www.w3.org/1999/02/22-rdf-syntax-ns#}resource' is required but missing.")
            == "XSD: edm:rights: The attribute 'rdf:resource' is required but missing.")
    assert (E.xsd_rule("Element '{http://purl.org/dc/elements/1.1/}date', attribute 'foo': The attribute 'foo' "
                       "is not allowed.") == "XSD: dc:date/@foo: The attribute '…' is not allowed.")


def test_the_schematron_is_run_by_saxon_on_the_document_lxml_read(checker: E.Checker) -> None:
    # an ISO-8859-1 record: Saxon gets the characters lxml decoded, not the bytes
    text = VALID.read_text(encoding="utf-8").replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
    assert checker.check(text.encode("iso-8859-1"), "latin1.xml") == []


def test_every_schema_the_xsd_imports_is_bundled_so_nothing_is_fetched() -> None:
    xs = "{http://www.w3.org/2001/XMLSchema}"
    for xsd in sorted(E.DATA.glob("*.xsd")):
        for el in etree.parse(str(xsd)).iter(f"{xs}import", f"{xs}include"):
            location = el.get("schemaLocation")
            assert location and "://" not in location and (E.DATA / location).is_file(), (xsd.name, location)


# --- walking files, directories and zips ---------------------------------------------------------------

def test_a_directory_is_walked_recursively_and_sorted_a_zip_by_member(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.rdf").write_bytes(VALID.read_bytes())
    (tmp_path / "1.xml").write_bytes(broken("a ProvidedCHO without a title"))
    (tmp_path / "notes.txt").write_text("not a record", encoding="utf-8")
    names = [n for n, _ in E.check_paths([str(tmp_path)])]
    assert names == [str(tmp_path / "1.xml"), str(tmp_path / "b" / "2.rdf")]

    z = tmp_path / "records.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("z.xml", VALID.read_bytes())
        zf.writestr("a/bad.xml", broken("an aggregation without provider"))
        zf.writestr("readme.md", "x")
    results = list(E.check_paths([str(z)]))
    assert [n for n, _ in results] == [f"{z}:a/bad.xml", f"{z}:z.xml"]
    assert results[0][1] and results[1][1] == []


def test_unreadable_inputs_are_input_errors_naming_the_file(tmp_path: Path) -> None:
    for path, words in [(tmp_path / "missing.xml", "missing.xml"), (tmp_path, "no .xml or .rdf file")]:
        with pytest.raises(InputError, match=words):
            list(E.check_paths([str(path)]))
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    with pytest.raises(InputError, match="junk.zip"):
        list(E.check_paths([str(junk)]))


def test_the_summary_counts_files_and_failures_by_rule_with_an_example() -> None:
    s = E.Summary()
    s.add("ok.xml", [])
    s.add("bad.xml", [E.Failure("bad.xml", CHO, "schematron", "r1", "m"), E.Failure("bad.xml", CHO, "xsd", "r2", "m")])
    s.add("worse.xml", [E.Failure("worse.xml", CHO, "schematron", "r1", "m")])
    assert s.line() == "EDM validation: 3 files, 1 pass, 2 fail; 3 failures of 2 rules"
    assert s.text().splitlines()[1:] == ["        2  r1", "           e.g. bad.xml",
                                         "        1  r2", "           e.g. bad.xml"]


# --- arkgraph validate --profile edm ---------------------------------------------------------------------

def test_cli_exits_0_when_every_record_passes() -> None:
    r = run("validate", "--profile", "edm", str(VALID), str(VALID_FULL))
    assert r.exit_code == 0, r.output
    assert "EDM validation: 2 files, 2 pass, 0 fail; 0 failures of 0 rules" in r.output


def test_cli_exits_1_with_a_summary_by_rule_when_some_fail(tmp_path: Path) -> None:
    bad = tmp_path / "no-title.xml"
    bad.write_bytes(broken("a ProvidedCHO without a title"))
    r = run("validate", "--profile", "edm", str(VALID), str(bad))
    assert r.exit_code == 1
    assert "EDM validation: 2 files, 1 pass, 1 fail; 1 failures of 1 rules" in r.output
    assert "      1  edm:ProvidedCHO: A ProvidedCHO must have a non empty dc:title or a non empty dc:description" in r.output
    assert f"e.g. {bad}" in r.output
    q = run("validate", "--profile", "edm", "-q", str(bad))
    assert q.exit_code == 1 and q.output.strip().count("\n") == 0


def test_cli_exits_2_on_unreadable_input_and_usage_errors(tmp_path: Path) -> None:
    assert run("validate", "--profile", "edm", str(tmp_path / "missing.xml")).exit_code == 2
    assert run("validate", "--profile", "edm", "--shapes", str(tmp_path), str(VALID)).exit_code == 2
    assert run("validate", "--profile", "xml", str(VALID)).exit_code == 2


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_cli_report_lists_every_failure(tmp_path: Path, fmt: str) -> None:
    d = tmp_path / "records"
    d.mkdir()
    (d / "ok.xml").write_bytes(VALID.read_bytes())
    (d / "rights.xml").write_bytes(broken("rights Europeana does not accept"))
    (d / "provider.xml").write_bytes(broken("an aggregation without provider"))
    report = tmp_path / f"failures.{fmt}"
    r = run("validate", "--profile", "edm", str(d), "--report", str(report))
    assert r.exit_code == 1
    rows = E.read_report(report.read_text(encoding="utf-8"), fmt)
    assert [(Path(row["file"]).name, row["stage"], row["line"]) for row in rows] == [
        ("provider.xml", "xsd", 18), ("provider.xml", "schematron", 13), ("rights.xml", "schematron", 18)]
    assert {row["record"] for row in rows} == {CHO}
    assert rows[2]["rule"] == "ore:Aggregation/edm:rights: Invalid Rights Statements"
    assert set(rows[0]) == set(E.REPORT_FIELDS)
    if fmt == "csv":
        assert next(csv.reader(io.StringIO(report.read_text(encoding="utf-8")))) == list(E.REPORT_FIELDS)
    else:
        assert all(json.loads(line) for line in report.read_text(encoding="utf-8").splitlines())


def test_cli_report_of_passing_records_is_empty_but_written(tmp_path: Path) -> None:
    report = tmp_path / "r.jsonl"
    assert run("validate", "--profile", "edm", str(VALID), "--report", str(report)).exit_code == 0
    assert report.read_text(encoding="utf-8") == ""


def test_cli_reads_a_zip_of_records(tmp_path: Path) -> None:
    z = tmp_path / "records.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("ok.xml", VALID.read_bytes())
        zf.writestr("bad.xml", broken("a TEXT ProvidedCHO without dc:language"))
    r = run("validate", "--profile", "edm", str(z))
    assert r.exit_code == 1
    assert "2 files, 1 pass, 1 fail" in r.output and f"e.g. {z}:bad.xml" in r.output


def test_cli_refuses_a_report_it_cannot_write_as_edm_before_any_work(tmp_path: Path) -> None:
    report = tmp_path / "x.ttl"
    r = run("validate", "--profile", "edm", str(tmp_path / "missing.xml"), "--report", str(report))
    assert r.exit_code == 2  # the usage error, not the missing input: nothing was read
    assert ".jsonl" in r.output and ".csv" in r.output and "missing.xml" not in r.output
    assert r.output.strip().count("\n") == 0 and not report.exists()


def test_a_failed_run_leaves_no_partial_report(tmp_path: Path) -> None:
    report = tmp_path / "r.csv"
    r = run("validate", "--profile", "edm", str(VALID), str(tmp_path / "missing.xml"), "--report", str(report))
    assert r.exit_code == 2 and not report.exists()


def test_cli_reads_one_record_on_stdin() -> None:
    r = CliRunner().invoke(main, ["validate", "--profile", "edm", "-"], input=broken("an aggregation without provider"))
    assert r.exit_code == 1 and "e.g. <stdin>" in r.output

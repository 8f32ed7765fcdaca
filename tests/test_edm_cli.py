"""`arkgraph convert --profile edm` (issue #18): one Europeana RDF/XML file per record in a directory or a zip,
or the EDM triples in any RDF output; the --edm-* options; the summary's edm:rights line; counts that add up."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from edm_helpers import europeana_errors

from arkgraph.cli import main
from arkgraph.edm_package import MARKER
from arkgraph.profiles.edm import EDM, RULES

FIXTURES = Path(__file__).parent / "fixtures"
G = FIXTURES / "gallica"
PM = FIXTURES / "parismusees"
MONOGRAPH = G / "oairecord" / "bpt6k58017546-monographie.xml"
ISSUE = G / "oairecord" / "bpt6k5603637g-fascicule.xml"
MAP = G / "oairecord" / "btv1b10870266z-carte.xml"
PRINT = G / "synthetic" / "oairecord-image-btv1b0estampe1.xml"
SCORE = G / "synthetic" / "oairecord-partition-bpt6k0partit1.xml"
PAINTING = PM / "synthetic-full-nodeoeuvre.json"
PERIODICALS = G / "sru" / "dummyNewspaperRecords-periodiques.xml"
# every real and synthetic record file the EDM profile may meet (not the damaged or hostile ones)
EVERYTHING = [G / "oairecord", G / "sru", G / "synthetic", *sorted(PM.glob("*.json"))]

PROVIDER = ("--edm-provider", "Test aggregator")
PDM = "http://creativecommons.org/publicdomain/mark/1.0/"
INC = "http://rightsstatements.org/vocab/InC/1.0/"
NOC_NC = "http://rightsstatements.org/vocab/NoC-NC/1.0/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def run(*args: str | Path):  # type: ignore[no-untyped-def]
    # the provider comes from the command line only, never from the environment the tests run in
    return CliRunner(env={"ARKGRAPH_EDM_PROVIDER": None}).invoke(
        main, ["convert", *(str(a) for a in args)], catch_exceptions=False)


def summary(result) -> str:  # type: ignore[no-untyped-def]
    return next(x for x in result.stderr.splitlines() if x.startswith("arkgraph: read "))


def counts(result) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    words = summary(result).replace(",", "").split()
    return int(words[2]), int(words[5]), int(words[7])


def rights_counts(result) -> dict[str, int]:  # type: ignore[no-untyped-def]
    [line] = [x for x in result.stderr.splitlines() if x.startswith("arkgraph: edm:rights: ")]
    return {uri: int(n) for n, uri in (part.split(" ") for part in line[len("arkgraph: edm:rights: "):].split(", "))}


def files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


# -- -o DIR/ -----------------------------------------------------------------------------------------------------

def test_a_directory_output_holds_one_europeana_file_per_converted_record_named_from_its_ark(tmp_path: Path) -> None:
    out = tmp_path / "edm"
    r = run(MONOGRAPH, ISSUE, MAP, PRINT, SCORE, PAINTING, "--profile", "edm", *PROVIDER, "-o", f"{out}/",
            "--rejects", tmp_path / "rejects.jsonl")
    assert r.exit_code == 1  # the map: the Société de Géographie's conditions are not a statement Europeana takes
    assert counts(r) == (6, 5, 1)
    written = files(out)
    assert sorted(written) == [MARKER, "12148-bpt6k0partit1.xml", "12148-bpt6k5603637g.xml",
                               "12148-bpt6k58017546.xml", "12148-btv1b0estampe1.xml", "99999-pm900001.xml"]
    for name, data in written.items():
        if name != MARKER:
            assert europeana_errors(data) == [], name
    [reject] = [json.loads(x) for x in (tmp_path / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert reject["record_id"] == "ark:12148/btv1b10870266z" and RULES["valid-rights"] in reject["reason"]


def test_rerunning_into_a_directory_arkgraph_wrote_replaces_it_whole(tmp_path: Path) -> None:
    out = tmp_path / "edm"
    assert run(MONOGRAPH, ISSUE, "--profile", "edm", *PROVIDER, "-o", f"{out}/").exit_code == 0
    assert run(SCORE, "--profile", "edm", *PROVIDER, "-o", f"{out}/").exit_code == 0
    assert sorted(files(out)) == [MARKER, "12148-bpt6k0partit1.xml"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["edm"]  # no temporary directory left beside it


def test_a_non_empty_directory_arkgraph_did_not_write_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("mine\n", encoding="utf-8")
    r = run(MONOGRAPH, "--profile", "edm", *PROVIDER, "-o", f"{out}/")
    assert r.exit_code == 2
    [line] = r.stderr.strip().splitlines()
    assert line.startswith("Error: ") and "did not write" in line
    assert files(out) == {"notes.txt": b"mine\n"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_an_empty_directory_is_written_into(tmp_path: Path) -> None:
    out = tmp_path / "edm"
    out.mkdir()
    assert run(MONOGRAPH, "--profile", "edm", *PROVIDER, "-o", out).exit_code == 0  # an existing directory, no slash
    assert sorted(files(out)) == [MARKER, "12148-bpt6k58017546.xml"]


# -- -o x.zip ----------------------------------------------------------------------------------------------------

def test_a_zip_holds_the_same_files_with_the_same_bytes_as_the_directory(tmp_path: Path) -> None:
    inputs = (MONOGRAPH, ISSUE, PRINT, SCORE, PAINTING, PERIODICALS)
    opts = ("--profile", "edm", *PROVIDER, "--edm-rights", PDM)
    assert run(*inputs, *opts, "-o", f"{tmp_path / 'edm'}/").exit_code == 0
    assert run(*inputs, *opts, "-o", tmp_path / "edm.zip").exit_code == 0
    with zipfile.ZipFile(tmp_path / "edm.zip") as z:
        zipped = {n: z.read(n) for n in z.namelist()}
    directory = files(tmp_path / "edm")
    del directory[MARKER]
    assert zipped == directory and len(zipped) == 5 + 15


def test_two_runs_give_byte_identical_zips_and_directories(tmp_path: Path) -> None:
    for n in (1, 2):
        args = (*EVERYTHING, "--profile", "edm", *PROVIDER, "--edm-rights", INC)
        assert run(*args, "-o", tmp_path / f"edm{n}.zip").exit_code == 1  # duplicates and records of no museum
        assert run(*args, "-o", f"{tmp_path / f'edm{n}'}/").exit_code == 1
    assert (tmp_path / "edm1.zip").read_bytes() == (tmp_path / "edm2.zip").read_bytes()
    assert files(tmp_path / "edm1") == files(tmp_path / "edm2")


# -- RDF outputs -------------------------------------------------------------------------------------------------

def test_all_and_edm_put_the_edm_triples_in_each_records_graph_beside_schema_org_and_linked_art(tmp_path: Path) -> None:
    out = tmp_path / "out.nq"
    r = run(MONOGRAPH, SCORE, PAINTING, "--profile", "all,edm", *PROVIDER, "-o", out)
    assert r.exit_code == 0, r.stderr
    ds = ox.Dataset(ox.parse(path=str(out), format=ox.RdfFormat.N_QUADS))
    chos = [q for q in ds if q.predicate.value == RDF_TYPE and q.object.value == EDM + "ProvidedCHO"]
    assert len(chos) == 3
    for q in chos:
        record, graph = q.subject, q.graph_name
        assert graph == record  # one named graph per record, the record's IRI
        in_graph = {(t.predicate.value, t.object.value) for t in ds if t.subject == record and t.graph_name == graph}
        types = {o for p, o in in_graph if p == RDF_TYPE}
        assert any(t.startswith("http://schema.org/") for t in types), types
        assert any(t.startswith("http://www.cidoc-crm.org/cidoc-crm/") for t in types), types
        agg = ox.NamedNode(record.value + "/edm/aggregation")
        assert [t for t in ds if t.subject == agg and t.predicate.value == EDM + "rights" and t.graph_name == graph]


def test_the_edm_profile_alone_writes_turtle_and_the_same_input_gives_the_same_bytes(tmp_path: Path) -> None:
    for n in (1, 2):
        r = run(MONOGRAPH, PAINTING, "--profile", "edm", *PROVIDER, "-o", tmp_path / f"out{n}.ttl")
        assert r.exit_code == 0, r.stderr
    data = (tmp_path / "out1.ttl").read_bytes()
    assert data == (tmp_path / "out2.ttl").read_bytes()
    graph = list(ox.parse(data, format=ox.RdfFormat.TURTLE))
    chos = {t.subject.value for t in graph if t.predicate.value == RDF_TYPE and t.object.value == EDM + "ProvidedCHO"}
    assert chos == {"https://n2t.net/ark:12148/bpt6k58017546", "https://n2t.net/ark:99999/pm900001"}
    assert not [t for t in graph if t.predicate.value == RDF_TYPE and t.object.value.startswith("http://schema.org/")]


# -- options -----------------------------------------------------------------------------------------------------

def test_without_edm_provider_every_record_is_rejected_with_a_warning(tmp_path: Path) -> None:
    r = run(MONOGRAPH, ISSUE, SCORE, PAINTING, "--profile", "edm", "-o", f"{tmp_path / 'edm'}/",
            "--rejects", tmp_path / "rejects.jsonl")
    assert r.exit_code == 1
    warnings = [x for x in r.stderr.splitlines() if "warning" in x]
    assert len(warnings) == 1 and "--edm-provider" in warnings[0]
    assert counts(r) == (4, 0, 4)
    reasons = [json.loads(x)["reason"] for x in (tmp_path / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(reasons) == 4 and all(RULES["provider"] in x for x in reasons)
    assert sorted(files(tmp_path / "edm")) == [MARKER]


@pytest.mark.parametrize("uri", ["http://rightsstatements.org/vocab/NoC-US/1.0/", "domaine public"])
def test_an_edm_rights_europeana_refuses_is_a_usage_error_on_one_line(tmp_path: Path, uri: str) -> None:
    r = run(MONOGRAPH, "--profile", "edm", *PROVIDER, "--edm-rights", uri, "-o", f"{tmp_path / 'edm'}/")
    assert r.exit_code == 2
    [line] = r.stderr.strip().splitlines()
    assert line.startswith("Error: --edm-rights")
    assert not (tmp_path / "edm").exists()


def test_a_directory_output_without_the_edm_profile_is_a_usage_error(tmp_path: Path) -> None:
    r = run(MONOGRAPH, "-o", f"{tmp_path / 'edm'}/")
    assert r.exit_code == 2 and "--profile edm" in r.stderr
    assert not (tmp_path / "edm").exists()


def test_edm_type_rows_that_disagree_in_a_mappings_override_reject_the_records_they_decide(tmp_path: Path) -> None:
    user = tmp_path / "mappings"
    user.mkdir()
    (user / "edm_types.csv").write_text("term,edm_type,rank\ndc_types:texte,IMAGE,2\n", encoding="utf-8")
    r = run(MONOGRAPH, PRINT, "--profile", "edm", *PROVIDER, "--mappings", user, "-o", f"{tmp_path / 'edm'}/",
            "--rejects", tmp_path / "rejects.jsonl")
    assert r.exit_code == 1 and counts(r) == (2, 1, 1)
    [reject] = [json.loads(x) for x in (tmp_path / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert reject["record_id"] == "ark:12148/bpt6k58017546" and "edm:type undecided" in reject["reason"]
    assert sorted(files(tmp_path / "edm")) == [MARKER, "12148-btv1b0estampe1.xml"]


# -- the summary -------------------------------------------------------------------------------------------------

def test_the_counts_reconcile_and_the_rights_line_adds_up_to_the_converted_records(tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.jsonl"
    r = run(*EVERYTHING, "--profile", "edm", *PROVIDER, "-o", f"{tmp_path / 'edm'}/", "--rejects", rejects)
    read, converted, rejected = counts(r)
    assert read == converted + rejected and converted > 0 and rejected > 0
    assert len(rejects.read_text(encoding="utf-8").splitlines()) == rejected
    assert len(list((tmp_path / "edm").glob("*.xml"))) == converted
    by_rights = rights_counts(r)
    assert sum(by_rights.values()) == converted
    assert by_rights[PDM] > 0 and "http://creativecommons.org/publicdomain/zero/1.0/" in by_rights

    # with a policy, the records that had none or a refused one take it; the others keep their own
    r2 = run(*EVERYTHING, "--profile", "edm", *PROVIDER, "--edm-rights", INC, "-o", f"{tmp_path / 'edm2'}/",
             "--rejects", tmp_path / "rejects2.jsonl")
    read2, converted2, rejected2 = counts(r2)
    assert read2 == read and read2 == converted2 + rejected2 and converted2 > converted
    by_rights2 = rights_counts(r2)
    assert sum(by_rights2.values()) == converted2
    assert by_rights2[PDM] == by_rights[PDM] and by_rights2[INC] == converted2 - converted + by_rights.get(INC, 0)
    assert list(by_rights2.values()) == sorted(by_rights2.values(), reverse=True)  # most used first


def test_validate_checks_each_record_with_europeanas_files_and_rejects_those_that_fail(tmp_path) -> None:
    out = tmp_path / "edm"
    r = run(MONOGRAPH, PAINTING, "--profile", "edm", *PROVIDER, "--validate", "--on-invalid", "reject", "-o", f"{out}/")
    assert r.exit_code == 0, r.stderr
    assert "EDM validation: 2 files, 2 pass, 0 fail" in r.stderr
    assert len([p for p in out.iterdir() if p.suffix == ".xml"]) == 2


@pytest.mark.parametrize(("ark", "name"), [
    ("ark:12148/bpt6k58017546", "12148-bpt6k58017546.xml"),
    ("ark:/12148/cb32699739p/date", "12148-cb32699739p_date.xml"),
    ("ark:12148/a_b", "12148-a%5Fb.xml"),
])
def test_a_records_file_is_named_after_its_ark_and_no_two_arks_share_a_name(ark: str, name: str) -> None:
    from arkgraph.edm_xml import file_name
    assert file_name(ark) == name
    # characters a file system may refuse, or that the slashes become, are %-encoded: distinct ARKs, distinct names
    arks = ["ark:12148/a_b", "ark:12148/a/b", "ark:12148/a-b", "ark:12148/a=b", "ark:12148/a b", "ark:12148/ab"]
    assert len({file_name(a) for a in arks}) == len(arks)


def test_a_file_the_writer_cannot_write_is_one_error_line_and_the_previous_output_stays(tmp_path) -> None:
    from arkgraph.edm_package import Package
    from arkgraph.errors import OutputError
    target = tmp_path / "edm"
    target.mkdir()
    (target / MARKER).write_text("an earlier run\n")
    (target / "12148-old.xml").write_bytes(b"<old/>")
    with pytest.raises(OutputError) as exc:
        with Package(f"{target}/") as package:
            # something else creates the record's file in the writer's directory first: the writer refuses to
            # write over it (O_EXCL), and says which file
            (tmp_path / f".edm.{__import__('os').getpid()}.part" / "12148-bpt6k1.xml").write_bytes(b"x")
            package.add("ark:12148/bpt6k1", b"<rdf:RDF/>")
    assert str(exc.value) == f"cannot write {target}/12148-bpt6k1.xml: File exists"
    assert sorted(p.name for p in target.iterdir()) == [MARKER, "12148-old.xml"]
    assert not list(tmp_path.glob(".edm.*"))


def test_a_run_that_fails_midway_leaves_the_previous_directory_and_no_temporary(tmp_path) -> None:
    from arkgraph.edm_package import Package
    target = tmp_path / "edm"
    target.mkdir()
    (target / MARKER).write_text("an earlier run\n")
    with pytest.raises(RuntimeError):
        with Package(f"{target}/") as package:
            package.add("ark:12148/bpt6k1", b"<rdf:RDF/>")
            raise RuntimeError("the conversion stopped")
    assert [p.name for p in target.iterdir()] == [MARKER]
    assert not list(tmp_path.glob(".edm.*"))


def test_a_zip_that_fails_midway_is_not_written(tmp_path) -> None:
    from arkgraph.edm_package import Package
    with pytest.raises(RuntimeError):
        with Package(str(tmp_path / "edm.zip")) as package:
            package.add("ark:12148/bpt6k1", b"<rdf:RDF/>")
            raise RuntimeError("the conversion stopped")
    assert list(tmp_path.iterdir()) == []

"""Parts directories (#21): the manifest library (arkgraph.parts) and `arkgraph load DIR/`.

The parts are real: real samples converted by `arkgraph convert`, cut at graph boundaries by hand
(conftest.cut_into_parts), their manifest written by parts.write_manifest.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections import Counter
from pathlib import Path
from typing import Callable

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from arkgraph import parts
from arkgraph.cli.store import load
from arkgraph.errors import InputError
from arkgraph.rdfio.records import DELETIONS_GRAPH
from oxigraph_server import OxigraphServer, embedded_nquads, normalize

DERIVED = "<http://www.w3.org/ns/prov#wasDerivedFrom>"
_SOURCE = re.compile(re.escape(DERIVED) + r" <file:[^>]+>")


def run_load(*args: object):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(load, [str(a) for a in args], catch_exceptions=False)


def same_but_source(nquads: str) -> Counter:
    """A store's quads, blind to blank-node labels, load times and which file each graph came from."""
    return normalize(_SOURCE.sub(DERIVED + " <file:SOURCE>", nquads))


def sources(nquads: str) -> dict[str, str]:
    """graph IRI -> the file name its provenance names."""
    out = {}
    for q in ox.parse(nquads.encode(), format=ox.RdfFormat.N_QUADS):
        if q.predicate.value == DERIVED[1:-1]:
            out[q.subject.value] = q.object.value.rsplit("/", 1)[-1]
    return out


def graphs_in(path: Path) -> set[str]:
    data = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
    return {q.graph_name.value for q in ox.parse(data, format=ox.RdfFormat.N_QUADS)
            if isinstance(q.graph_name, ox.NamedNode)}


def assert_refused(result, *problems: str) -> None:  # type: ignore[no-untyped-def]
    """Exit 2, one line per problem (each naming its part), no traceback."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.removeprefix("Error: ").splitlines()
    assert len(lines) == len(problems), result.stderr
    for line, problem in zip(lines, problems):
        assert problem in line, result.stderr
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------- the library


def test_part_names_are_zero_padded_so_that_name_order_is_manifest_order() -> None:
    assert parts.part_name(0, "nq") == "part-000000.nq"
    assert parts.part_name(12, ".nt.gz") == "part-000012.nt.gz"
    names = [parts.part_name(i, "nq") for i in (0, 2, 10, 100, 999_999)]
    assert sorted(names) == names
    with pytest.raises(ValueError):
        parts.part_name(1, "ttl")


def test_the_manifest_is_sorted_json_with_indent_one_and_the_parts_sums(parts_sample: Path) -> None:
    text = (parts_sample / "parts" / parts.MANIFEST).read_text(encoding="utf-8")
    doc = json.loads(text)
    assert text == json.dumps(doc, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
    assert [p["name"] for p in doc["parts"]] == ["part-000000.nq", "part-000001.nq", "part-000002.nq"]
    assert doc["format"] == "nq" and doc["arkgraph"]
    for total in ("records", "rejected", "triples"):
        assert doc[total] == sum(p[total] for p in doc["parts"])
    assert doc["rejected"] == 3
    lines = (parts_sample / "one.nq").read_bytes().splitlines()
    assert doc["triples"] == sum(not line.endswith(b"/ns#deletions> .") for line in lines)
    assert doc["records"] == 9  # convert's "converted 9": 8 records and the deletion marker


def test_a_written_manifest_reads_back_equal(parts_sample: Path) -> None:
    manifest = parts.read_manifest(parts_sample / "parts")
    assert isinstance(manifest, parts.Manifest) and len(manifest.parts) == 3
    for p in manifest.parts:
        data = (parts_sample / "parts" / p.name).read_bytes()
        assert (p.bytes, p.sha256) == (len(data), hashlib.sha256(data).hexdigest())
        assert parts.sha256_file(parts_sample / "parts" / p.name) == p.sha256
    assert parts.check(parts_sample / "parts", manifest) == []
    assert parts.is_parts_dir(parts_sample / "parts")
    assert not parts.is_parts_dir(parts_sample) and not parts.is_parts_dir(parts_sample / "one.nq")


@pytest.mark.parametrize("change, says", [
    (lambda d: d.pop("parts"), "no list of parts"),
    (lambda d: d.update(format="ttl"), "format is 'ttl'"),
    (lambda d: d["parts"][1].update(name="../one.nq"), "part 1 has name '../one.nq'"),
    (lambda d: d["parts"][0].update(records=-1), "part-000000.nq: records is -1"),
    (lambda d: d["parts"][2].update(sha256="abc"), "part-000002.nq: sha256 is 'abc'"),
    (lambda d: d.update(triples=d["triples"] + 1), "triples is"),
    (lambda d: d["parts"].append(dict(d["parts"][0])), "part-000000.nq is listed twice"),
])
def test_a_manifest_that_is_not_one_is_refused_in_one_line_naming_it(parts_copy: Path, change: Callable[[dict], object],
                                                                     says: str) -> None:
    path = parts_copy / parts.MANIFEST
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError) as err:
        parts.read_manifest(parts_copy)
    assert str(err.value).startswith(f"{path}: not a parts manifest: ") and says in str(err.value)
    assert "\n" not in str(err.value)


def test_a_manifest_that_is_not_json_is_refused_naming_it(parts_copy: Path, tmp_path: Path) -> None:
    (parts_copy / parts.MANIFEST).write_text('{"format": "nq", ', encoding="utf-8")
    result = run_load(parts_copy, "--store", tmp_path / "store")
    assert_refused(result, f"{parts_copy / parts.MANIFEST}: not valid JSON")
    assert not (tmp_path / "store").exists()


# --------------------------------------------------------------------------- arkgraph load DIR/


def test_loading_a_parts_directory_gives_the_store_of_the_single_file(parts_sample: Path, tmp_path: Path) -> None:
    one = run_load(parts_sample / "one.nq", "--store", tmp_path / "one", "-q")
    split = run_load(parts_sample / "parts", "--store", tmp_path / "split", "-q")
    assert one.exit_code == 0 and split.exit_code == 0, one.output + split.output
    assert split.stderr.split(" in ")[0] == one.stderr.split(" in ")[0]  # the same graphs, triples, deletions
    single, parted = embedded_nquads(tmp_path / "one"), embedded_nquads(tmp_path / "split")
    assert same_but_source(parted) == same_but_source(single)
    assert ", 1 deleted" in split.stderr  # the OAI-PMH deletion marker, in one of the parts
    # the record the OAI-PMH marker deletes is in the file before it: gone from both stores
    deleted = {q.subject.value for q in ox.parse(path=str(parts_sample / "one.nq"), format=ox.RdfFormat.N_QUADS)
               if q.graph_name == ox.NamedNode(DELETIONS_GRAPH)}
    came_from = sources(parted)
    assert deleted and not deleted & set(came_from) and not deleted & set(sources(single))
    # and each graph says which part it came from
    for name in ("part-000000.nq", "part-000001.nq", "part-000002.nq"):
        records = graphs_in(parts_sample / "parts" / name) - {DELETIONS_GRAPH} - deleted
        assert records and {came_from[g] for g in records} == {name}
    assert set(sources(single).values()) == {"one.nq"}


def test_a_deletion_marker_in_a_later_part_drops_the_record_an_earlier_part_loaded(
        parts_sample: Path, tmp_path: Path, cut_parts: Callable[..., parts.Manifest]) -> None:
    # one graph per part: the deleted record and its marker are in two parts, each taken by the bulk path
    manifest = cut_parts(parts_sample / "one.nq", tmp_path / "parts", 9)
    marker_part = tmp_path / "parts" / manifest.parts[-1].name
    assert graphs_in(marker_part) == {DELETIONS_GRAPH}
    one = run_load(parts_sample / "one.nq", "--store", tmp_path / "one", "-q")
    split = run_load(tmp_path / "parts", "--store", tmp_path / "split", "-q")
    assert one.exit_code == 0 and split.exit_code == 0, one.output + split.output
    assert ", 1 deleted" in split.stderr
    assert same_but_source(embedded_nquads(tmp_path / "split")) == same_but_source(embedded_nquads(tmp_path / "one"))


def test_a_part_whose_checksum_differs_stops_the_load_naming_it(parts_copy: Path, tmp_path: Path) -> None:
    part = parts_copy / "part-000001.nq"
    data = part.read_bytes()
    at = data.index(b'"') + 1  # one character of a literal changed, the size kept
    part.write_bytes(data[:at] + (b"X" if data[at:at + 1] != b"X" else b"Y") + data[at + 1:])
    result = run_load(parts_copy, "--store", tmp_path / "store")
    assert_refused(result, f"{part}: sha256 differs from manifest.json's")
    assert not (tmp_path / "store").exists()  # nothing loaded, not even the good parts


def test_a_part_whose_size_differs_stops_the_load_naming_both_sizes(parts_copy: Path, tmp_path: Path) -> None:
    part = parts_copy / "part-000002.nq"
    size = part.stat().st_size
    extra = b"<urn:x:s> <urn:x:p> <urn:x:o> <urn:x:g> .\n"
    with part.open("ab") as fh:
        fh.write(extra)
    result = run_load(parts_copy, "--store", tmp_path / "store")
    assert_refused(result, f"{part}: {size + len(extra):,} bytes, manifest.json says {size:,}")
    assert not (tmp_path / "store").exists()


def test_a_missing_part_stops_the_load(parts_copy: Path, tmp_path: Path) -> None:
    (parts_copy / "part-000000.nq").unlink()
    result = run_load(parts_copy, "--store", tmp_path / "store")
    assert_refused(result, f"{parts_copy / 'part-000000.nq'}: missing (listed in manifest.json)")
    assert not (tmp_path / "store").exists()


def test_a_part_the_manifest_does_not_list_is_reported(parts_copy: Path, tmp_path: Path) -> None:
    # an earlier run that wrote more parts leaves its last one behind
    (parts_copy / "part-000003.nq").write_bytes((parts_copy / "part-000000.nq").read_bytes())
    (parts_copy / "notes.txt").write_text("not a part: not reported\n", encoding="utf-8")
    result = run_load(parts_copy, "--store", tmp_path / "store")
    assert_refused(result, f"{parts_copy / 'part-000003.nq'}: not listed in manifest.json")
    assert not (tmp_path / "store").exists()


def test_every_problem_is_reported_at_once_one_line_each(parts_copy: Path, tmp_path: Path) -> None:
    (parts_copy / "part-000001.nq").unlink()
    with (parts_copy / "part-000002.nq").open("ab") as fh:
        fh.write(b"\n")
    (parts_copy / "part-000007.nq.gz").write_bytes(b"")
    result = run_load(parts_copy, "--store", tmp_path / "store")
    assert_refused(result, "part-000001.nq: missing", "part-000002.nq: ", "part-000007.nq.gz: not listed")


def test_a_directory_without_manifest_is_refused_saying_a_parts_directory_needs_one(parts_copy: Path,
                                                                                    tmp_path: Path) -> None:
    (parts_copy / parts.MANIFEST).unlink()
    result = run_load(parts_copy, "--store", tmp_path / "store")
    assert_refused(result, f"{parts_copy}: a directory without manifest.json; a parts directory")
    assert "needs its manifest.json" in result.stderr
    assert not (tmp_path / "store").exists()
    with pytest.raises(InputError, match="needs its manifest.json"):
        parts.read_manifest(parts_copy)


def test_gzipped_parts_load_as_the_plain_ones_do(parts_sample: Path, parts_copy: Path, tmp_path: Path) -> None:
    manifest = parts.read_manifest(parts_copy)
    zipped = []
    for p in manifest.parts:
        plain = parts_copy / p.name
        gz = parts_copy / f"{p.name}.gz"
        gz.write_bytes(gzip.compress(plain.read_bytes(), mtime=0))
        plain.unlink()
        zipped.append(parts.Part.of_file(gz, records=p.records, rejected=p.rejected, triples=p.triples))
    parts.write_manifest(parts_copy, parts.Manifest("nq", tuple(zipped)))
    plain = run_load(parts_sample / "parts", "--store", tmp_path / "plain", "-q")
    result = run_load(parts_copy, "--store", tmp_path / "zipped", "-q")
    assert result.exit_code == 0 and plain.exit_code == 0, result.output + plain.output
    assert "note:" not in result.stderr  # no "not in arkgraph's layout" note: .gz goes record by record quietly
    assert same_but_source(embedded_nquads(tmp_path / "zipped")) == same_but_source(embedded_nquads(tmp_path / "plain"))


def test_a_parts_directory_loads_into_an_oxigraph_server_as_the_single_file_does(
        parts_sample: Path, oxigraph_server: OxigraphServer, tmp_path: Path) -> None:
    result = run_load(parts_sample / "parts", "--store", oxigraph_server.url, "-q")
    assert result.exit_code == 0, result.output
    one = run_load(parts_sample / "one.nq", "--store", tmp_path / "one", "-q")
    assert one.exit_code == 0, one.output
    served = oxigraph_server.nquads()
    assert same_but_source(served) == same_but_source(embedded_nquads(tmp_path / "one"))
    assert set(sources(served).values()) == {"part-000000.nq", "part-000001.nq", "part-000002.nq"}

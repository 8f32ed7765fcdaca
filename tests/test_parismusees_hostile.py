"""Hostile Paris Musées input: one bad field of one entity rejects that record, with a reason naming the
field, and never the run. Each input is the real response with one value of one entity changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest
from click.testing import CliRunner

from arkgraph.cli import main
from helpers import PM, convert_to_store, select

REAL = PM / "nodequery-chinese-works-even.json"
VICTIM = 5  # entity index: "Plat famille verte" (ODUT1181), with dates, dimensions, donors and a museum
VICTIM_ID = "e105b581-9c5c-4100-be18-ac0be8ca96ee"
OTHER_WORK = "https://n2t.net/ark:99999/pm216702"  # ODUT1195, another entity of the same response
RAW = "\x00raw\x00"  # replaced by JSON text that json.dumps cannot write (1e400, "\ud800", deep nesting)


def mutated(tmp_path: Path, change: Callable[[dict[str, Any]], Any], raw: str | None = None) -> Path:
    """The real response with ``change`` applied to one entity; ``RAW`` in it is replaced by ``raw``."""
    doc = json.loads(REAL.read_text(encoding="utf-8"))
    change(doc["data"]["nodeQuery"]["entities"][VICTIM])
    text = json.dumps(doc, ensure_ascii=False)
    if raw is not None:
        text = text.replace(json.dumps(RAW), raw, 1)
    path = tmp_path / "x.json"
    path.write_text(text, encoding="utf-8")
    return path


def convert(tmp_path: Path, path: Path, *extra: str) -> tuple[Any, list[dict[str, Any]], str]:
    rejects, out = tmp_path / "r.jsonl", tmp_path / "x.nq"
    r = CliRunner().invoke(main, ["convert", str(path), "-o", str(out), "--rejects", str(rejects), *extra],
                           catch_exceptions=False)
    return r, [json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines()], out.read_text()


def assert_only_the_victim_rejected(tmp_path: Path, path: Path, reason: str, *extra: str) -> dict[str, Any]:
    r, rejects, out = convert(tmp_path, path, *extra)
    assert r.exit_code == 1
    assert "Traceback" not in r.output
    assert "read 250 records, converted 248, rejected 2," in r.stderr  # 249 works less the victim; 1 null entity
    assert OTHER_WORK in out
    null, victim = rejects
    assert null["position"] == 1 and "null entity" in null["reason"]
    assert (victim["file"], victim["position"]) == (str(path), VICTIM + 1)
    assert victim["reason"].startswith(reason), victim["reason"]
    return victim


def put(*path: str | int, value: Any = RAW) -> Callable[[dict[str, Any]], None]:
    def change(ent: dict[str, Any]) -> None:
        for key in path[:-1]:
            ent = ent[key]  # type: ignore[index]
        ent[path[-1]] = value  # type: ignore[index]
    return change


DIMENSION = ("fieldOeuvreDimensions", 0, "entity", "fieldDimensionValeur")
DONOR = ("queryFieldDonateurs", "entities", 0)
ACQUIRED = ("fieldDateAcquisition",)

# (what, change, raw JSON text for RAW, the reason's start)
CASES = [
    ("100,000 levels of nesting", put("fieldOeuvreNumInventaire"), "[" * 100_000 + "]" * 100_000,
     "fieldOeuvreNumInventaire: JSON nested too deeply"),
    ("900 levels (the decoder reads them) in a field the mapper reads", put("fieldOeuvreNumInventaire"),
     "[" * 900 + "]" * 900, "fieldOeuvreNumInventaire: expected text, got a JSON array"),
    ("900 levels in a donor's name", put(*DONOR, "entityLabel"),
     "[" * 900 + "]" * 900, "fieldDonateurs.name: expected text, got a JSON array"),
    ("nid 1e400 (inf)", put("nid"), "1e400", "nid: expected an integer, got the number inf"),
    ("nid of 5,000 digits", put("nid"), "7" * 5000, "nid: a number Python will not read"),
    ("nid 0", put("nid", value=0), None, "nid: the number 0 is out of range"),
    ("a dimension of 1e999 (inf)", put(*DIMENSION), "1e999", "fieldOeuvreDimensions.fieldDimensionValeur: the number inf"),
    ("a NaN dimension", put(*DIMENSION), "NaN", "fieldOeuvreDimensions.fieldDimensionValeur: the number nan"),
    ("a negative dimension", put(*DIMENSION, value=-6), None,
     "fieldOeuvreDimensions.fieldDimensionValeur: the number -6 is not a size"),
    ("a zero dimension", put(*DIMENSION, value=0), None, "fieldOeuvreDimensions.fieldDimensionValeur: the number 0"),
    ("a dimension given as an object", put(*DIMENSION, value={"v": 6}), None,
     "fieldOeuvreDimensions.fieldDimensionValeur: expected a number, got a JSON object"),
    ("a donor's id given as an object", put(*DONOR, "entityId", value={"id": 1}), None,
     "fieldDonateurs.entityId: expected an id, got a JSON object"),
    ("a donor's tid given as an object", put(*DONOR, "tid", value={"id": 1}), None,
     "fieldDonateurs.tid: expected an id, got a JSON object"),
    ("a donor's name given as a list", put(*DONOR, "entityLabel", value=["Dutuit"]), None,
     "fieldDonateurs.name: expected text, got a JSON array"),
    ("queryFieldMusee {entities: 5}", put("queryFieldMusee", value={"entities": 5}), None,
     "fieldMusee: expected an object, got the number 5"),
    ("a term list given as a string", put("fieldDenominations", value="Plat"), None,
     "fieldDenominations: expected a list of objects, got the string 'Plat'"),
    ("a term label given as true", put("fieldDenominations", 0, "entity", "entityLabel", value=True), None,
     "fieldDenominations.name: expected text, got JSON true"),
    ("absolutePath given as a number", put("absolutePath", value=221254), None,
     "absolutePath: expected text, got the number 221254"),
    ("a title given as false", put("title", value=False), None, "title: expected text, got JSON false"),
    ("formatted text holding an object", put("fieldOeuvreDescriptionIcono", value={"value": {"x": 1}}), None,
     "fieldOeuvreDescriptionIcono: expected text, got a JSON object"),
    ("a lone surrogate in a title", put("title"), '"Plat \\ud800"',
     "title: a lone surrogate"),
    ("startYear as words", put(*ACQUIRED, value={"startYear": "vers 1900"}), None,
     "fieldDateAcquisition.startYear: expected an integer, got the string 'vers 1900'"),
    ("startYear of 20 digits", put(*ACQUIRED, value={"startYear": 10**19}), None,
     "fieldDateAcquisition.startYear: the number 10000000000000000000 is out of range"),
    ("endYear infinite", put(*ACQUIRED, "endYear"), "-Infinity",
     "fieldDateAcquisition.endYear: expected an integer, got the number -inf"),
]


@pytest.mark.parametrize("coverage", [False, pytest.param(True, marks=pytest.mark.slow)], ids=["plain", "with-coverage"])
@pytest.mark.parametrize(("change", "raw", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_bad_field_rejects_its_record_naming_the_field_and_the_rest_is_written(
        tmp_path: Path, change: Callable[[dict[str, Any]], None], raw: str | None, reason: str, coverage: bool) -> None:
    extra = ("--coverage", str(tmp_path / "coverage.json")) if coverage else ()
    victim = assert_only_the_victim_rejected(tmp_path, mutated(tmp_path, change, raw), reason, *extra)
    assert victim["record_id"] == VICTIM_ID


VICTIM_IRI = "https://n2t.net/ark:99999/pm221254"  # the victim, ODUT1181


# (what, the date object, the field, the text the date keeps)
IMPOSSIBLE = [
    ("startMonth 13", {"startYear": 1900, "startMonth": 13}, "fieldDateAcquisition", "1900-13"),
    ("startDay 40", {"startYear": 1900, "startMonth": 2, "startDay": 40}, "fieldDateAcquisition", "1900-02-40"),
    ("29 February of a year that is not leap", {"startYear": 1900, "startMonth": 2, "startDay": 29},
     "fieldDateAcquisition", "1900-02-29"),
    ("a production ending in month 13, with the source's display text",
     {"startYear": 1662, "endYear": 1722, "endMonth": 13, "processed": "1662 – 1722"}, "fieldDateProduction",
     "1662 – 1722"),
]


@pytest.mark.parametrize(("date", "field", "text"), [c[1:] for c in IMPOSSIBLE], ids=[c[0] for c in IMPOSSIBLE])
def test_an_impossible_date_keeps_its_text_untyped_and_flags_the_record_which_converts(
        tmp_path: Path, date: dict[str, Any], field: str, text: str) -> None:
    r, rejects, out = convert(tmp_path, mutated(tmp_path, put(field, value=date)))
    assert "converted 249, rejected 1," in r.stderr and "1 impossible-date" in r.stderr  # only the null entity
    assert [x["position"] for x in rejects] == [1]
    store, summary = convert_to_store(mutated(tmp_path, put(field, value=date)))
    assert summary.flagged["impossible-date"] == 1
    node = {"fieldDateAcquisition": "acquisition", "fieldDateProduction": "production"}[field]
    span = f"{VICTIM_IRI}/la/{node}/timespan"
    # the date's words are kept as the span's name; no bound and no schema.org date is typed from it
    assert select(store, f"SELECT ?n WHERE {{ <{span}> crm:P1_is_identified_by/crm:P190_has_symbolic_content ?n }}") == [(text,)]
    assert select(store, f"SELECT ?p WHERE {{ <{span}> ?p ?o FILTER(?p IN (crm:P82a_begin_of_the_begin, crm:P82b_end_of_the_end)) }}") == []
    assert select(store, f"SELECT ?d WHERE {{ <{VICTIM_IRI}> schema:dateCreated ?d }}") == []


@pytest.mark.parametrize("coverage", [False, True], ids=["plain", "with-coverage"])
def test_900_levels_in_a_field_nobody_reads_convert_the_same_with_or_without_coverage(
        tmp_path: Path, coverage: bool) -> None:
    path = mutated(tmp_path, put("fieldNobodyReads"), "[" * 900 + "]" * 900)
    extra = ("--coverage", str(tmp_path / "coverage.json")) if coverage else ()
    r, rejects, out = convert(tmp_path, path, *extra)
    assert "converted 249, rejected 1," in r.stderr and "Traceback" not in r.output
    assert out == convert(tmp_path, REAL)[2]


@pytest.mark.parametrize("coverage", [False, True], ids=["plain", "with-coverage"])
def test_nesting_deeper_than_the_stack_is_a_record_error_naming_the_field(coverage: bool) -> None:
    """The decoder's depth limit depends on how deep its caller's stack is: the mapper, called deeper,
    must cope with whatever it let by (synthetic: built in Python, deeper than any decoder allows)."""
    from arkgraph import mappings
    from arkgraph.errors import RecordError
    from arkgraph.sources.common import RawRecord
    from arkgraph.sources.parismusees import Mapper

    entity = json.loads(REAL.read_text(encoding="utf-8"))["data"]["nodeQuery"]["entities"][VICTIM]
    deep: list[Any] = []
    for _ in range(5000):
        deep = [deep]
    entity["queryFieldDonateurs"]["entities"][0]["fieldPipLieuNaissance"] = deep
    mapper = Mapper(mappings.load())
    mapper.track_coverage = coverage
    with pytest.raises(RecordError, match="^queryFieldDonateurs: JSON nested too deeply$"):
        mapper.map(RawRecord("parismusees", "x.json", 6, entity, VICTIM_ID))


def test_a_lone_surrogate_in_the_id_is_escaped_in_the_reject_line(tmp_path: Path) -> None:
    victim = assert_only_the_victim_rejected(tmp_path, mutated(tmp_path, put("entityUuid"), '"e105\\udc00"'),
                                             "entityUuid: a lone surrogate")
    assert victim["record_id"] == "e105\\udc00"


def test_a_surrogate_pair_is_one_character_and_converts(tmp_path: Path) -> None:
    path = mutated(tmp_path, put("title"), '"Plat \\ud83c\\udffa"')  # U+1F3FA AMPHORA, escaped as a pair
    r, rejects, out = convert(tmp_path, path)
    assert len(rejects) == 1 and "Plat \U0001F3FA" in out


def test_a_value_over_max_value_bytes_rejects_its_record(tmp_path: Path) -> None:
    path = mutated(tmp_path, put("title", value="t" * 300_000))
    victim = assert_only_the_victim_rejected(tmp_path, path, "title: value of 300002 bytes, over the "
                                             "--max-value-bytes limit of 100000", "--max-value-bytes", "100000")
    assert victim["record_id"] == VICTIM_ID


def test_a_value_under_max_value_bytes_converts(tmp_path: Path) -> None:
    r, rejects, out = convert(tmp_path, mutated(tmp_path, put("title", value="t" * 90_000)),
                              "--max-value-bytes", "100000")
    assert len(rejects) == 1 and "t" * 90_000 in out


def test_max_value_bytes_counts_bytes_not_characters(tmp_path: Path) -> None:
    path = mutated(tmp_path, put("title", value="é" * 60_000))  # 120,000 bytes in UTF-8
    assert_only_the_victim_rejected(tmp_path, path, "title: value of 120002 bytes", "--max-value-bytes", "100000")


def test_max_value_bytes_is_documented() -> None:
    r = CliRunner().invoke(main, ["convert", "--help"])
    assert "--max-value-bytes" in r.output and "16777216" in r.output


# Text that made the HTML stripping (or a later regex) scan to the end once per character: each
# must convert, its text right. No saved record holds such text: each is hostile by design.
HOSTILE_TEXTS = [
    ("x < y " * 166_666, ("x < y " * 166_666).strip()),
    ("&" + " " * 1_000_000 + ".", "&."),
    ("<b>a</b>" + "  a" * 333_333, "a" + " a" * 333_333),
]


@pytest.mark.parametrize(("text", "expected"), HOSTILE_TEXTS, ids=["lt-no-gt", "space-run-before-dot", "tags-and-runs"])
def test_a_megabyte_of_hostile_description_converts(tmp_path: Path, text: str, expected: str) -> None:
    path = mutated(tmp_path, put("fieldOeuvreDescriptionIcono", value={"value": text}))
    store, summary = convert_to_store(path, profiles=("schemaorg",))
    assert (summary.converted, summary.rejected) == (249, 1)
    found = select(store, "SELECT ?d WHERE { <https://n2t.net/ark:99999/pm221254> schema:description ?d }")
    assert found == [(expected,)]


def test_a_megabyte_long_agent_name_converts(tmp_path: Path) -> None:
    name = "Dutuit" + " " * 1_000_000 + "(donateur)"
    path = mutated(tmp_path, put(*DONOR, "entityLabel", value=name))
    _, summary = convert_to_store(path, profiles=("schemaorg",))
    assert (summary.converted, summary.rejected) == (249, 1)

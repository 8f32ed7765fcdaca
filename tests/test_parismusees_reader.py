"""The Paris Musées stream reader: every envelope, any block boundary, damage reported with its position."""

from __future__ import annotations

import io
import json

import pytest

from arkgraph.sources import parismusees_reader as reader
from arkgraph.sources.common import RawRecord, Reject
from helpers import PM

REAL = PM / "nodequery-chinese-works-even.json"


def items(data: bytes) -> list[RawRecord | Reject]:
    return list(reader.read(io.BufferedReader(io.BytesIO(data)), "x.json"))


def entities(data: bytes) -> list[dict]:
    return [json.loads(json.dumps(e)) for e in json.loads(data)["data"]["nodeQuery"]["entities"]]


def test_real_response_reads_every_entity_in_order() -> None:
    data = REAL.read_bytes()
    got = items(data)
    expected = entities(data)
    assert len(got) == len(expected) == 250
    assert isinstance(got[0], Reject) and "null entity" in got[0].reason  # the real response's null
    assert [g.payload for g in got[1:]] == expected[1:]
    assert [g.position for g in got] == list(range(1, 251))


@pytest.mark.parametrize("block", [1, 7, 64, 4093])
def test_any_block_boundary_gives_the_same_records(monkeypatch: pytest.MonkeyPatch, block: int) -> None:
    data = REAL.read_bytes()
    whole = [(type(i).__name__, i.position, getattr(i, "payload", None)) for i in items(data)]
    monkeypatch.setattr(reader, "_BLOCK", block)
    cut = [(type(i).__name__, i.position, getattr(i, "payload", None)) for i in items(data)]
    assert cut == whole


def test_several_aliases_arrays_and_node_by_id_in_one_response() -> None:
    # synthetic envelope around real entities: no saved response has several aliases
    ents = [e for e in entities(REAL.read_bytes()) if e][:4]
    doc = {"data": {"a": {"count": 2, "entities": ents[:2]}, "b": {"entities": ents[2:3]},
                    "c": ents[3:4], "byId": ents[0], "gone": None}}
    got = items(json.dumps(doc).encode())
    records = [g for g in got if isinstance(g, RawRecord)]
    assert [r.payload for r in records] == [ents[0], ents[1], ents[2], ents[3], ents[0]]
    assert [g.reason for g in got if isinstance(g, Reject)] == ["query 'gone' returned null"]


def test_json_lines_bare_array_and_bom() -> None:
    ents = [e for e in entities(REAL.read_bytes()) if e][:3]
    lines = b"\xef\xbb\xbf" + b"\n".join(json.dumps(e, ensure_ascii=False).encode() for e in ents) + b"\n"
    assert [r.payload for r in items(lines)] == ents
    assert [r.payload for r in items(json.dumps(ents).encode())] == ents


def test_errors_body_and_damage_keep_what_came_before() -> None:
    got = items(b'{"errors": [{"message": "Syntax Error"}], "data": null}')
    assert [g.reason for g in got] == ["GraphQL errors in response: Syntax Error"]
    got = items(b'[{"nid": 1, "title": "a"}, {"nid": 2, "title": "b"} {"nid": 3}]')
    assert [type(g).__name__ for g in got] == ["RawRecord", "RawRecord", "Reject"]
    assert got[2].position == 3 and got[2].reason.startswith("malformed JSON after record 2")
    got = items(b'[{"nid": 1, "title": "a"}, {"nid": 2, "tit')
    assert got[-1].position == 2 and got[-1].reason.startswith("truncated or malformed JSON after record 1")
    got = items(b'[1, "s", null, {}]')
    assert [g.reason.split(":")[0] for g in got] == [
        "entity is a JSON int, not an object", "entity is a JSON str, not an object",
        "null entity in response (the API returned null for this node)", "empty entity (not a NodeOeuvre?)"]


def test_same_triples_with_and_without_a_coverage_report(tmp_path) -> None:
    """With --coverage the JSON is normalized up front; without, the mapper unwraps as it reads."""
    from arkgraph.pipeline import Options, convert

    outs = []
    for cov in (str(tmp_path / "cov.json"), None):
        buf = io.BytesIO()
        summary, _ = convert(Options([str(PM)], source="parismusees", output="x.nq", coverage=cov), buf)
        outs.append((buf.getvalue(), summary.converted, summary.rejected))
    assert outs[0] == outs[1] and outs[0][1] > 250


@pytest.mark.parametrize("block", [1, 7, 64, 4093, 1 << 20])
def test_a_refused_value_is_skipped_at_any_block_boundary(monkeypatch: pytest.MonkeyPatch, block: int) -> None:
    """Values the decoder refuses (too deep, a number too long, too big) are skipped by a scan that
    counts brackets outside strings: the entities after them come out the same."""
    data = REAL.read_bytes()
    doc = json.loads(data)
    ents = doc["data"]["nodeQuery"]["entities"]
    # hostile by design: brackets, quotes and backslashes inside strings within the deep part
    deep = "[" * 3000 + '"a\\"]}[\\\\", {"k": "]]}}", "l": [1e5, -2]}' + "]" * 3000
    ents[3]["fieldDeep"], ents[4]["nid"], ents[5]["fieldBig"] = "<deep>", "<long>", "<big>"
    text = (json.dumps(doc, ensure_ascii=False).replace('"<deep>"', deep).replace('"<long>"', "9" * 5000)
            .replace('"<big>"', json.dumps("é" * 3000, ensure_ascii=False)))  # 6,002 bytes of JSON
    monkeypatch.setattr(reader, "_BLOCK", block)
    got = list(reader.read(io.BufferedReader(io.BytesIO(text.encode())), "x.json", max_value_bytes=5000))
    assert [g.position for g in got] == list(range(1, 251))
    assert [(g.position, g.reason) for g in got[3:6]] == [  # type: ignore[union-attr]
        (4, "fieldDeep: JSON nested too deeply"),
        (5, "nid: a number Python will not read (Exceeds the limit (4300 digits) for integer string conversion: "
            "value has 5000 digits)"),
        (6, "fieldBig: value of 6002 bytes, over the --max-value-bytes limit of 5000")]
    assert [g.record_id for g in got[3:6]] == [ents[i]["entityUuid"] for i in (3, 4, 5)]
    expected = entities(data)
    assert [g.payload for g in got[6:]] == expected[6:]  # type: ignore[union-attr]
    assert [g.payload for g in got[1:3]] == expected[1:3]  # type: ignore[union-attr]


def test_a_refused_envelope_value_rejects_the_rest_of_the_file() -> None:
    got = items(b'{"errors": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    assert [g.reason for g in got] == ["unreadable JSON after record 0: JSON nested too deeply"]  # type: ignore[union-attr]

"""sources.pieces: a big file cut into byte ranges that the readers read alone, giving the whole file's items."""

from __future__ import annotations

import builtins
import copy
import gzip
import json
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from arkgraph.sources import gallica_reader, parismusees_reader, pieces
from arkgraph.sources.common import RawRecord, Reject, open_binary
from arkgraph.sources.pieces import Piece, cut, open_piece

FIXTURES = Path(__file__).parent / "fixtures"
Reader = Callable[..., Any]


def _read_whole(read: Reader, path: Path) -> list[Any]:
    with open_binary(str(path)) as fh:
        return list(read(fh, str(path)))


def _read_pieces(read: Reader, ps: list[Piece]) -> list[list[Any]]:
    out = []
    for p in ps:
        with open_piece(p) as fh:
            out.append(list(read(fh, p.file)))
    return out


def _comparable(item: Any) -> tuple[Any, ...]:
    if isinstance(item, RawRecord):
        payload = item.payload
        if isinstance(payload, dict) and "line" in payload and item.source == "gallica":
            payload = {k: v for k, v in payload.items() if k != "line"}  # counts from the piece's head
        return ("record", item.source, item.file, payload, item.record_id, item.kind)
    return ("reject", item.file, item.record_id, item.reason, item.source)


def _assert_pieces_read_as_whole(read: Reader, path: Path, ps: list[Piece]) -> None:
    whole = _read_whole(read, path)
    parts = _read_pieces(read, ps)
    assert [_comparable(i) for part in parts for i in part] == [_comparable(i) for i in whole]
    # positions restart at 1 in each piece; the counts of the pieces before give the whole file's
    data = path.read_bytes()
    flat_whole = iter(whole)
    before = 0
    for p, part in zip(ps, parts):
        positions = [i.position for i in part if i.position is not None]
        if positions:
            assert positions[0] == 1
            assert positions == list(range(1, len(positions) + 1)) or positions == sorted(positions)
        for item in part:
            w = next(flat_whole)
            if item.position is not None:
                assert w.position == item.position + before
            if isinstance(item, RawRecord) and item.source == "gallica":
                # a Gallica record's line: the head's lines are taken away, the file's lines before start added
                shift = data[:p.start].count(b"\n") - p.head.count(b"\n")
                assert w.payload["line"] == item.payload["line"] + shift
        before += max(positions, default=0)


def _rejects(parts: list[list[Any]]) -> list[Reject]:
    return [i for part in parts for i in part if isinstance(i, Reject)]


def _write_json(path: Path, value: Any, **dump: Any) -> Path:
    path.write_text(json.dumps(value, ensure_ascii=False, **dump), encoding="utf-8")
    return path


def _entities(pm_response: dict) -> list[Any]:
    return copy.deepcopy(pm_response["data"]["nodeQuery"]["entities"])


def _xml(parts: tuple[bytes, list[bytes], bytes], records: list[bytes], sep: bytes = b"\n") -> bytes:
    head, _, tail = parts
    return head + sep.join(records) + sep + tail


# ---------------------------------------------------------------------------------- the same items


def test_every_piece_of_a_graphql_response_reads_the_records_of_the_whole_file(pm_response: dict) -> None:
    path = FIXTURES / "parismusees" / "nodequery-chinese-works-even.json"  # the real file, as saved
    ps = cut(str(path), 20_000)
    assert ps is not None and len(ps) > 10
    assert ps[0].start == 0 and ps[0].head == b"" and ps[-1].end == path.stat().st_size and ps[-1].tail == b""
    assert ps[1].head == b'{"data":{"nodeQuery":{"entities":[' and ps[0].tail == b"]}}}"
    _assert_pieces_read_as_whole(parismusees_reader.read, path, ps)


def test_a_graphql_response_on_one_line_is_cut_between_its_entities(pm_response: dict, tmp_path: Path) -> None:
    path = _write_json(tmp_path / "minified.json", pm_response, separators=(",", ":"))
    ps = cut(str(path), 10_000)
    assert ps is not None and len(ps) > 10
    _assert_pieces_read_as_whole(parismusees_reader.read, path, ps)


def test_a_response_with_several_aliases_reads_the_same_across_them(pm_response: dict, tmp_path: Path) -> None:
    ents = _entities(pm_response)
    data = {"data": {f"q{i}": {"count": 50, "entities": ents[i * 50:(i + 1) * 50]} for i in range(5)}}
    for name, dump in (("pretty.json", {"indent": 2}), ("minified.json", {"separators": (",", ":")})):
        path = _write_json(tmp_path / name, data, **dump)
        ps = cut(str(path), 15_000)
        assert ps is not None and len(ps) > 10
        _assert_pieces_read_as_whole(parismusees_reader.read, path, ps)


def test_a_bare_array_of_entities_is_cut_with_brackets_around_each_piece(pm_response: dict, tmp_path: Path) -> None:
    path = _write_json(tmp_path / "array.json", _entities(pm_response), indent=1)
    ps = cut(str(path), 20_000)
    assert ps is not None and ps[1].head == b"[" and ps[0].tail == b"]"
    _assert_pieces_read_as_whole(parismusees_reader.read, path, ps)


def test_graphql_errors_are_read_once_wherever_they_are_in_the_envelope(pm_response: dict, tmp_path: Path) -> None:
    errors = [{"message": "Internal server error", "locations": [{"line": 3, "column": 5}]}]
    for name, value in (("errors-first.json", {"errors": errors, **pm_response}),
                        ("errors-last.json", {**pm_response, "errors": errors})):
        path = _write_json(tmp_path / name, value, indent=2)
        ps = cut(str(path), 20_000)
        assert ps is not None
        assert all(b"errors" not in p.head + p.tail for p in ps)
        parts = _read_pieces(parismusees_reader.read, ps)
        assert sum("GraphQL errors" in r.reason for r in _rejects(parts)) == 1
        _assert_pieces_read_as_whole(parismusees_reader.read, path, ps)


def test_json_lines_of_entities_are_cut_at_newlines_with_blank_lines_kept(pm_response: dict, tmp_path: Path) -> None:
    lines = [json.dumps(e, ensure_ascii=False) for e in _entities(pm_response)]
    path = tmp_path / "works.jsonl"
    path.write_text("\n\n".join(lines) + "\n", encoding="utf-8")  # a blank line between entities
    ps = cut(str(path), 10_000)
    assert ps is not None and len(ps) > 10
    assert all(p.head == p.tail == b"" for p in ps)
    assert all(a.end == b.start for a, b in pairwise(ps))  # contiguous: nothing left out
    _assert_pieces_read_as_whole(parismusees_reader.read, path, ps)


def test_json_lines_of_whole_responses_are_cut_between_responses(pm_response: dict, tmp_path: Path) -> None:
    ents = _entities(pm_response)
    lines = [json.dumps({"data": {"nodeQuery": {"count": 10, "entities": ents[i:i + 10]}}}, ensure_ascii=False)
             for i in range(0, len(ents), 10)]
    path = tmp_path / "pages.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ps = cut(str(path), 40_000)
    assert ps is not None and len(ps) > 5
    assert all(path.read_bytes()[p.start:p.start + 10] == b'{"data": {' for p in ps)
    _assert_pieces_read_as_whole(parismusees_reader.read, path, ps)


def test_every_piece_of_an_sru_response_reads_the_records_of_the_whole_file(sru_parts: tuple) -> None:
    path = FIXTURES / "gallica" / "sru" / "realRecord-arkPress-brazza.xml"  # the real file, as saved
    ps = cut(str(path), 20_000)
    assert ps is not None and len(ps) > 4
    assert ps[1].head == sru_parts[0]  # declaration, root, version, numberOfRecords, <srw:records>
    assert ps[0].tail == b"</srw:records></srw:searchRetrieveResponse>"
    assert all(a.end == b.start for a, b in pairwise(ps))
    _assert_pieces_read_as_whole(gallica_reader.read, path, ps)


def test_every_piece_of_an_oai_pmh_list_reads_its_records_and_deleted_headers(oai_parts: tuple,
                                                                             tmp_path: Path) -> None:
    path = tmp_path / "listrecords.xml"
    path.write_bytes(_xml(oai_parts, oai_parts[1] * 20))  # the real records, 20 times over
    ps = cut(str(path), 5_000)
    assert ps is not None and len(ps) > 10
    assert ps[0].tail == b"</ListRecords></OAI-PMH>"
    assert all(b"resumptionToken" not in p.tail for p in ps)  # read once, in the last piece
    whole = _read_whole(gallica_reader.read, path)
    assert sum(1 for i in whole if isinstance(i, RawRecord) and i.payload["header"]["status"] == "deleted") == 20
    _assert_pieces_read_as_whole(gallica_reader.read, path, ps)


def test_a_record_bigger_than_a_piece_makes_its_piece_bigger(pm_response: dict, sru_parts: tuple,
                                                            tmp_path: Path) -> None:
    ents = _entities(pm_response)
    ents[100]["title"] = "Brûle-parfum " * 5_000  # synthetic: no sample has a 60 KB entity
    path = _write_json(tmp_path / "big-entity.json", {"data": {"nodeQuery": {"entities": ents}}}, indent=2)
    ps = cut(str(path), 10_000)
    assert ps is not None and max(p.end - p.start for p in ps) > 60_000
    _assert_pieces_read_as_whole(parismusees_reader.read, path, ps)

    records = list(sru_parts[1])
    # synthetic: no sample has a 60 KB description
    long = b"<dc:description>" + b"x " * 30_000 + b"</dc:description><dc:title>"
    records[20] = records[20].replace(b"<dc:title>", long, 1)
    path = tmp_path / "big-record.xml"
    path.write_bytes(_xml(sru_parts, records))
    ps = cut(str(path), 10_000)
    assert ps is not None and max(p.end - p.start for p in ps) > 60_000
    _assert_pieces_read_as_whole(gallica_reader.read, path, ps)


def test_the_same_file_and_size_give_the_same_pieces(pm_response: dict, tmp_path: Path) -> None:
    path = _write_json(tmp_path / "r.json", pm_response)
    assert cut(str(path), 7_000) == cut(str(path), 7_000)


# ---------------------------------------------------------------------------------- damage gives a reject


def _any_piece_rejects(read: Reader, path: Path, size: int) -> bool:
    ps = cut(str(path), size)
    assert ps is not None, "the damaged file must still be cut for this test to mean anything"
    return bool(_rejects(_read_pieces(read, ps)))


def test_a_truncated_sru_file_gives_a_reject_in_some_piece(sru_parts: tuple, tmp_path: Path) -> None:
    data = (FIXTURES / "gallica" / "sru" / "realRecord-arkPress-brazza.xml").read_bytes()
    for at in (len(data) - 200, len(data) * 2 // 3, len(data) // 2 + 7):
        path = tmp_path / f"cut-{at}.xml"
        path.write_bytes(data[:at])
        assert _any_piece_rejects(gallica_reader.read, path, 20_000)


def test_a_truncated_graphql_response_gives_a_reject_in_some_piece(tmp_path: Path) -> None:
    data = (FIXTURES / "parismusees" / "nodequery-chinese-works-even.json").read_bytes()
    for at in (len(data) - 3, len(data) * 2 // 3):
        path = tmp_path / f"cut-{at}.json"
        path.write_bytes(data[:at])
        assert _any_piece_rejects(parismusees_reader.read, path, 20_000)


def test_a_malformed_byte_in_the_middle_gives_a_reject_in_some_piece(sru_parts: tuple, tmp_path: Path) -> None:
    data = (FIXTURES / "parismusees" / "nodequery-chinese-works-even.json").read_bytes()
    middle = data.index(b'"title"', len(data) // 2)
    path = tmp_path / "broken.json"
    path.write_bytes(data[:middle] + b"x" + data[middle + 1:])
    assert _any_piece_rejects(parismusees_reader.read, path, 20_000)

    data = _xml(sru_parts, sru_parts[1])
    middle = data.index(b"<dc:title>", len(data) // 2)
    path = tmp_path / "broken.xml"
    path.write_bytes(data[:middle] + b"<dc:title" + data[middle + len(b"<dc:title>"):])
    assert _any_piece_rejects(gallica_reader.read, path, 20_000)


def test_bytes_that_are_not_utf8_give_a_reject_in_some_piece(pm_response: dict, sru_parts: tuple,
                                                             tmp_path: Path) -> None:
    data = (FIXTURES / "parismusees" / "nodequery-chinese-works-even.json").read_bytes()
    middle = data.index(b'"title": "', len(data) // 2) + 10
    path = tmp_path / "latin1.json"
    path.write_bytes(data[:middle] + b"\xe9" + data[middle:])
    assert _any_piece_rejects(parismusees_reader.read, path, 20_000)

    data = _xml(sru_parts, sru_parts[1])
    middle = data.index(b"<dc:title>", len(data) // 2) + 10
    path = tmp_path / "latin1.xml"
    path.write_bytes(data[:middle] + b"\xe9" + data[middle:])
    assert _any_piece_rejects(gallica_reader.read, path, 20_000)


def test_a_string_that_looks_like_a_boundary_is_never_a_cut(pm_response: dict, tmp_path: Path) -> None:
    ents = _entities(pm_response)
    first_key = next(iter(ents[1]))
    for e in ents[1:]:  # synthetic: a title holding the separator between two entities, many times over
        e["title"] = f'}},{{"{first_key}":"x"}},{{"{first_key}":' * 30 + e["title"]
    path = _write_json(tmp_path / "strings.json", {"data": {"nodeQuery": {"entities": ents}}},
                       separators=(",", ":"))
    ps = cut(str(path), 10_000)
    assert ps is not None and len(ps) > 10
    data = path.read_bytes()
    assert all(data[p.start - 2:p.start] == b"}," for p in ps[1:])  # never after an escaped quote
    _assert_pieces_read_as_whole(parismusees_reader.read, path, ps)


def test_a_cut_inside_a_nested_list_of_objects_gives_a_reject(pm_response: dict, tmp_path: Path) -> None:
    ents = [e for e in _entities(pm_response) if e is not None]
    key = next(iter(ents[0]))
    # synthetic: nested objects starting with the entities' own first key (no sample has them), so many
    # that every target offset falls in a nested list: the cut is then in the wrong place
    for e in ents:
        e["authors"] = [{key: f"a{i}", "role": "auteur"} for i in range(400)]
    path = _write_json(tmp_path / "nested.json", {"data": {"nodeQuery": {"entities": ents}}},
                       separators=(",", ":"))
    assert len(_read_whole(parismusees_reader.read, path)) == len(ents)  # the file itself is fine
    ps = cut(str(path), 50_000)
    assert ps is not None
    data = path.read_bytes()
    assert any(data[p.start:p.start + 20].startswith(f'{{"{key}":"a'.encode()) for p in ps)  # the trap was hit
    assert _rejects(_read_pieces(parismusees_reader.read, ps))


def test_a_record_tag_in_a_comment_or_cdata_gives_a_reject_when_cut_there(sru_parts: tuple, tmp_path: Path) -> None:
    trap = b"<srw:record>"
    for name, wrap in (("comment", b"<!-- </srw:record> " + trap + b" -->"),
                       ("cdata", b"<![CDATA[</srw:record> " + trap + b" ]]>")):
        # synthetic: a comment or CDATA holding a record boundary, at the end of each record
        records = [r.replace(b"</srw:record>", b"<srw:recordPosition>1</srw:recordPosition>" + wrap
                             + b"</srw:record>") if name == "cdata" else r.replace(b"</srw:record>", b"</srw:record>"
                                                                                    + wrap)
                   for r in sru_parts[1]]
        path = tmp_path / f"{name}.xml"
        path.write_bytes(_xml(sru_parts, records))
        data = path.read_bytes()
        ps = cut(str(path), 10_000)
        assert ps is not None
        trapped = [p for p in ps[1:] if data[:p.start].rfind(b"<!") > data[:p.start].rfind(b">")
                   or data[p.start - len(b"</srw:record> "):p.start] == b"</srw:record> "]
        assert trapped, "no cut fell in the trap"
        assert _rejects(_read_pieces(gallica_reader.read, ps))


# ---------------------------------------------------------------------------------- what is not cut


def test_files_that_are_not_cut_give_none(pm_response: dict, tmp_path: Path) -> None:
    big = tmp_path / "r.json"
    _write_json(big, pm_response)
    gz = tmp_path / "r.json.gz"
    gz.write_bytes(gzip.compress(big.read_bytes()))
    assert cut(str(gz), 1_000) is None
    assert cut("-", 1_000) is None
    assert cut(str(big), big.stat().st_size // 2 + 1) is None  # under two pieces
    for fixture in ("gallica/oairecord/bpt6k1914256x.xml", "gallica/pagination/pagination-bpt6k5603637g.xml",
                    "parismusees/synthetic-full-nodeoeuvre.json"):
        assert cut(str(FIXTURES / fixture), 200) is None, fixture
    manifest = next((FIXTURES / "gallica" / "iiif").glob("*.json"))
    assert cut(str(manifest), 1_000) is None  # an enrichment file, not a response


def test_an_oai_pmh_error_in_the_head_means_no_cut(oai_parts: tuple, tmp_path: Path) -> None:
    head, records, tail = oai_parts
    # synthetic: an error element before the records would be a reject in every piece
    head = head.replace(b"<ListRecords>", b'<error code="badResumptionToken">expired</error><ListRecords>')
    path = tmp_path / "error.xml"
    path.write_bytes(head + b"\n".join(records * 20) + tail)
    assert cut(str(path), 5_000) is None


# ---------------------------------------------------------------------------------- cost


def test_cut_does_not_read_the_whole_file(pm_response: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ents = _entities(pm_response)[1:] * 8
    path = _write_json(tmp_path / "eight.json", {"data": {"nodeQuery": {"count": len(ents), "entities": ents}}},
                       indent=2)
    total = path.stat().st_size
    read = 0

    class Counting:
        def __init__(self, fh: Any) -> None:
            self.fh = fh

        def read(self, n: int = -1) -> bytes:
            nonlocal read
            data = self.fh.read(n)
            read += len(data)
            return data

        def __getattr__(self, name: str) -> Any:
            return getattr(self.fh, name)

        def __enter__(self) -> Counting:
            return self

        def __exit__(self, *exc: object) -> None:
            self.fh.close()

    monkeypatch.setattr(pieces, "open", lambda *a, **k: Counting(builtins.open(*a, **k)),  # noqa: SIM115
                        raising=False)
    ps = cut(str(path), total // 8)
    assert ps is not None and len(ps) >= 6
    assert read < total // 3, (read, total)


def test_a_piece_reader_peeks_and_seeks_back_to_its_start(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(bytes(range(256)) * 1000)
    p = Piece(str(path), 1000, 200_000, b"HEAD", b"TAIL")
    with open_piece(p) as fh:
        assert fh.peek(4)[:4] == b"HEAD"
        data = fh.read()
        fh.seek(0)
        assert fh.read(6) == b"HEAD" + bytes([1000 % 256, 1001 % 256])
    assert data == b"HEAD" + path.read_bytes()[1000:200_000] + b"TAIL"

"""The fast N-Quads/N-Triples reader of ``arkgraph validate`` gives exactly pyoxigraph's terms."""

from __future__ import annotations

import io

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from arkgraph import cli_validate as C
from arkgraph import validate as V

LINES = [
    '<http://a/b> <http://p/x> <http://a/c> <http://g/1> .',
    '<http://a/b> <http://p/x> "plain" <http://g/1> .',
    '<http://a/b> <http://p/x> "with spaces <http://x/y> and \\"quotes\\" \\\\ \\n\\t" <http://g/1> .',
    '<http://a/b> <http://p/x> "tag"@EN-gb <http://g/1> .',
    '<http://a/b> <http://p/x> "tag"@fr <http://g/1> .',
    '<http://a/b> <http://p/x> "s"^^<http://www.w3.org/2001/XMLSchema#string> <http://g/1> .',
    '<http://a/b> <http://p/x> "1"^^<http://www.w3.org/2001/XMLSchema#integer> <http://g/1> .',
    '<http://a/b> <http://p/x> "\\u00e9\\u0001\\u007F é" <http://g/1> .',
    '<http://a/b>  <http://p/x>   <http://a/\\u0041>  <http://g/1>.',
    '# a comment',
    '',
    '_:b0 <http://p/x> _:x.y <http://g/2> .',
    '<http://é.example/ü?q=ü#f> <http://p/x> "a b"@en-latn-us <http://g/2> .',
    '<http://a/b> <http://p/x> "default graph, spaces" .',
    '<http://a/b> <http://p/x> "x <http://g/2>" .',
    '<http://a/b> <http://p/x> "x <http://g/2>"^^<http://d/t> .',
    '<http://u@h:80/p> <http://p/x> <urn:x:y> <http://g/2> . # trailing comment',
    '<http://a/b> <http://p/x> "tab\there" <http://g/3> .',
    '<http://a/b> <http://p/x> "last" <http://g/3> .',
]


def _pyox(data: bytes, fmt: ox.RdfFormat) -> list[tuple[str | None, tuple[str, str, str]]]:
    out = []
    for q in ox.parse(data, format=fmt):
        g = getattr(q, "graph_name", ox.DefaultGraph())
        out.append((None if isinstance(g, ox.DefaultGraph) else str(g),
                    (str(q.subject), str(q.predicate), str(q.object))))
    return out


@pytest.mark.parametrize("chunk", [7, 64, 1 << 20])
def test_fast_reader_matches_pyoxigraph(chunk: int) -> None:
    data = ("\n".join(LINES) + "\n").encode()
    runs = list(C._fast_runs(io.BytesIO(data), True, chunk=chunk))
    assert [(g, t) for g, ts in runs for t in ts] == _pyox(data, ox.RdfFormat.N_QUADS)
    nt = "".join(line.rsplit(" ", 2)[0] + " .\n" for line in LINES[:8]).encode()
    runs = list(C._fast_runs(io.BytesIO(nt), False, chunk=chunk))
    assert [t for _, ts in runs for t in ts] == [t for _, t in _pyox(nt, ox.RdfFormat.N_TRIPLES)]


def test_fast_records_match_pyoxigraph_records() -> None:
    data = ("\n".join(LINES) + "\n").encode()
    roots = V.load().root_classes
    fast = list(C._fast_records(io.BytesIO(data), ox.RdfFormat.N_QUADS, roots))
    slow = list(C.records_from_quads(ox.parse(data, format=ox.RdfFormat.N_QUADS), roots))
    assert fast == slow


@pytest.mark.parametrize("bad", ['<http://a/b> <http://p/x> <rel> <http://g/1> .',
                                 '<http://a/b> <http://p/x> "x"@en-a <http://g/1> .',
                                 '<http://a/b> <http://p/x> "unterminated <http://g/1> .',
                                 '<http://a/b> <http://p/x> <http://h/%zz> .'])
def test_syntax_errors_are_pyoxigraphs(tmp_path, bad: str) -> None:
    p = tmp_path / "bad.nq"
    p.write_text(LINES[0] + "\n" + LINES[1] + "\n" + bad + "\n" + LINES[2] + "\n")
    try:
        list(ox.parse(p.read_bytes(), format=ox.RdfFormat.N_QUADS))
        expected = None
    except SyntaxError as exc:
        expected = str(exc)
    assert expected and "line 3" in expected
    r = CliRunner().invoke(C.validate, [str(p)])
    assert r.exit_code == 2
    assert f"{p}: not readable as {ox.RdfFormat.N_QUADS.name}: {expected}" in r.output
    # stdin cannot be re-read: the message still names the line
    r = CliRunner().invoke(C.validate, ["-"], input=p.read_bytes())
    assert r.exit_code == 2 and "line 3" in r.output

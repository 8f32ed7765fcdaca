"""The fast N-Quads/N-Triples reader of ``arkgraph validate`` gives exactly pyoxigraph's terms."""

from __future__ import annotations

import io

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from arkgraph.cli.validate import validate as validate_command
from arkgraph.rdfio import nquads, readers
from arkgraph.rdfio.records import records_from_quads
from arkgraph import shacl as V

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
    runs = list(nquads.triple_runs(io.BytesIO(data), True, chunk=chunk))
    assert [(g, t) for g, ts in runs for t in ts] == _pyox(data, ox.RdfFormat.N_QUADS)
    nt = "".join(line.rsplit(" ", 2)[0] + " .\n" for line in LINES[:8]).encode()
    runs = list(nquads.triple_runs(io.BytesIO(nt), False, chunk=chunk))
    assert [t for _, ts in runs for t in ts] == [t for _, t in _pyox(nt, ox.RdfFormat.N_TRIPLES)]


def test_fast_records_match_pyoxigraph_records() -> None:
    data = ("\n".join(LINES) + "\n").encode()
    roots = V.load().root_classes
    fast = list(readers.triple_records(io.BytesIO(data), ox.RdfFormat.N_QUADS, roots))
    slow = list(records_from_quads(ox.parse(data, format=ox.RdfFormat.N_QUADS), roots))
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
    r = CliRunner().invoke(validate_command, [str(p)])
    assert r.exit_code == 2
    assert f"{p}: not readable as {ox.RdfFormat.N_QUADS.name}: {expected}" in r.output
    # stdin cannot be re-read: the message still names the line
    r = CliRunner().invoke(validate_command, ["-"], input=p.read_bytes())
    assert r.exit_code == 2 and "line 3" in r.output


# ---------------------------------------------------------------------------------------------
# Differential tests: random files mixing canonical lines with every kind of odd, non-canonical
# and invalid one. Whatever pyoxigraph reads in a file, the fast readers must give the same
# (quads, records); where pyoxigraph finds a syntax error, they must stop at the same line.

_IRIS = ['<http://ex.org/a>', '<https://n2t.net/ark:99999/pm1/la/x1>', '<https://n2t.net/ark:99999/pm1>',
         '<http://a/b?x#y?z>', '<http://a:80/b>', '<http://u@h/p>', '<http://[::1]/p>', '<http://a/%41>',
         '<http://a/é>', '<urn:x:y>', '<http://a>', '<file:///x>', '<http:/x>', '<x:>', '<http://a/b\u00a0c>',
         '<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>', "<http://a/!$&'()*+,;=:@-._~/?#>",
         '<HTTP://EX.org/A>', '<http://a/ok#frag/with?q>']
_IRIS_ODD = ['<http://a/b\\u0041>', '<http://a/b#c#d>', '<http://a:x/b>', '<http://a/%zz>', '<http://a/b|c>',
             '<rel>', '<http://a/b c>', '<http://a/b\ue000>', '<http://a/b>>', '<<http://a/b>']
_LITS = ['"plain"', '"with spaces"', '"q \\" q"', '"bs \\\\ x"', '"nl \\n tab \\t cr \\r b \\b f \\f"',
         '"tag"@fr', '"tag"@en-gb', '"tag"@zh-hans-cn', '"1"^^<http://www.w3.org/2001/XMLSchema#integer>',
         '"x"^^<http://d/t#a>', '"é\u00a0\u2028\U0001F600\x85"', '""', '"x <http://g/1> ."', '"a\\" <http://g/1> ."',
         '"ends with backslash \\\\"', '"\\\\\\""', '"x"^^<http://a/b?c>', '"a"@en <http://g/2>']
_LITS_ODD = ['"s"^^<http://www.w3.org/2001/XMLSchema#string>', '"tag"@EN', '"\\u00e9"', '"a\tb"', '"a\x01b"',
             '"a\x7fb"', "\"\\'\"", '"unterminated', '"x"@en-a', '"x"^^<rel>', '"a"b"', '"x"^^<http://d/t> .',
             '"x"@', '"x"^^', '"\\q"']
_BNODES = ['_:b0', '_:x.y', '_:a-b', '_:B_1']
_GRAPHS = ['<https://n2t.net/ark:99999/pm1>', '<https://n2t.net/ark:99999/pm2>', '<http://g/1>', '_:gb',
           '<https://w3id.org/arkgraph/ns#deletions>']


def _random_file(rnd, odd: float, long_records: bool) -> bytes:
    import random as _r
    assert isinstance(rnd, _r.Random)
    lines: list[str] = []
    for _ in range(rnd.randrange(1, 12)):
        g = rnd.choice(_GRAPHS + [None])
        for _ in range(rnd.randrange(1, 400 if long_records else 30)):
            pool_s = _IRIS + _BNODES + (_IRIS_ODD if rnd.random() < odd else [])
            pool_o = _IRIS + _LITS + _BNODES + ((_IRIS_ODD + _LITS_ODD) if rnd.random() < odd else [])
            s, p, o = rnd.choice(pool_s), rnd.choice(_IRIS + (_IRIS_ODD if rnd.random() < odd else [])), \
                rnd.choice(pool_o)
            if rnd.random() < 0.15:
                s = f"<https://n2t.net/ark:99999/pm1/n{rnd.randrange(50)}>"
            terms = [s, p, o] + ([g] if g is not None else [])
            line = " ".join(terms) + " ."
            r = rnd.random()
            if r < odd:
                line = rnd.choice([
                    "\t".join(terms) + "\t.", "  ".join(terms) + " .", line + " # comment", " ".join(terms) + ".",
                    " " + line, line + " ", "# only a comment", "", line.replace(" .", " . ."), line + "\r",
                    line[:-2], line.replace(" ", "  ", 1)])
            lines.append(line)
    return ("\n".join(lines) + ("\n" if rnd.random() < 0.9 else "")).encode()


def _pyox_or_error(data: bytes):
    """pyoxigraph's quads, or the line the fast readers must stop at: the first one pyoxigraph
    rejects on its own (at or before the line its error names when it reads the whole file)."""
    try:
        return _pyox(data, ox.RdfFormat.N_QUADS), None
    except SyntaxError as exc:
        import re
        last = int(re.search(r"line (\d+)", str(exc)).group(1))
    for i, line in enumerate(data.split(b"\n")[:last], 1):
        try:
            list(ox.parse(line, format=ox.RdfFormat.N_QUADS))
        except SyntaxError:
            return None, i
    raise AssertionError("no line is wrong on its own")


@pytest.mark.parametrize("seed", range(int(__import__("os").environ.get("FUZZ_SEEDS", "60"))))
def test_fast_readers_agree_with_pyoxigraph_on_random_files(seed: int) -> None:
    import random
    rnd = random.Random(seed)
    odd = [0.0, 0.002, 0.02, 0.2][seed % 4]
    data = _random_file(rnd, odd, long_records=seed % 3 == 0)
    expected, bad_line = _pyox_or_error(data)
    roots = V.load().root_classes
    for chunk in (64, 4096, 1 << 20):
        if bad_line is None:
            runs = list(nquads.triple_runs(io.BytesIO(data), True, chunk=chunk))
            assert [(g, t) for g, ts in runs for t in ts] == expected
            records = [(r, V.index(ts)) for r, ts in records_from_quads(ox.parse(data, format=ox.RdfFormat.N_QUADS),
                                                                             roots)]
            assert list(readers.index_records(io.BytesIO(data), roots, chunk=chunk)) == records
        else:
            for reader in (lambda c=chunk: list(nquads.triple_runs(io.BytesIO(data), True, chunk=c)),
                           lambda c=chunk: list(readers.index_records(io.BytesIO(data), roots, chunk=c))):
                with pytest.raises(nquads.LineError) as info:
                    reader()
                assert info.value.line == bad_line


def test_index_records_keep_sets_and_order() -> None:
    """Duplicates go (RDF graphs are sets; many values too), first appearance order stays."""
    g = "<http://g/1>"
    lines = [f"<http://a/s> <http://p/x> <http://a/o{i % 20}> {g} ." for i in range(60)]
    lines += [f"<http://a/s> <http://p/y> \"v\" {g} .", f"<http://a/s> <http://p/y> \"v\" {g} ."]
    data = ("\n".join(lines) + "\n").encode()
    [(rec, idx)] = list(readers.index_records(io.BytesIO(data), set()))
    assert rec == g and idx == {"<http://a/s>": {"<http://p/x>": [f"<http://a/o{i}>" for i in range(20)],
                                                  "<http://p/y>": ['"v"']}}


def test_validate_index_matches_validate() -> None:
    """validate_index on index() gives what validate gives on the triples."""
    from validate_helpers import PM_REAL, convert
    shapes = V.load()
    for _, ts in convert(PM_REAL):
        bad = ts + [ts[0], (ts[0][0], "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>", "<http://schema.org/Thing>")]
        for triples in (ts, bad):
            assert shapes.validate_index(V.index(triples)) == shapes.validate(triples)

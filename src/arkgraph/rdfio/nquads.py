"""A fast reader for N-Quads / N-Triples in the canonical form arkgraph (and pyoxigraph) write.

Measured reason for hand-written code: pyoxigraph's parser plus ``str()`` of each term is the
slowest part of ``arkgraph validate`` on big files; this reader gives exactly pyoxigraph's terms
(tests/test_validate_reader.py) several times faster, and indexes N-Quads for the validator as it
splits them. The module's length (~480 lines) is one tokenizer; its parts do not stand alone.

Public: :func:`row_runs`, :func:`triple_runs`, :func:`index_graphs`, :class:`LineError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import chain, repeat
from operator import itemgetter
from typing import IO, Any

import pyoxigraph as ox

from .. import shacl as V
from ..shacl.data import Long
from ..shacl.terms import LANGSTRING, XSD_STRING
from ..terms import Triple
from .records import graph_name

# A fast reader for N-Quads / N-Triples in the canonical form arkgraph (and pyoxigraph) write:
# one statement per line, terms separated by one space, " ." at the end, and every term written
# exactly as ``str()`` of the pyoxigraph term gives it. Terms are checked against a conservative
# grammar (a subset of what pyoxigraph accepts and prints unchanged); a line that does not fit is
# handed to pyoxigraph alone (N-Quads lines are independent), so pyoxigraph stays the judge of
# anything unusual, and a syntax error is reported by re-reading the file with pyoxigraph.
#
# The work is done a run of lines at a time, with str methods (which run in C): a block of the
# file is decoded once; the lines that end like the first one (" <graph> .\n" in N-Quads, " .\n"
# in N-Triples) are found by galloping ahead; the run is split on that suffix and each line on its
# first two spaces. The terms are then checked in bulk, each distinct term once (caches for the
# predicates and the objects records share; the subjects and the other objects joined into one
# text checked with a few str operations), and only a run that fails goes line by line. A part
# with a newline in it (a line of the run that did not end with the suffix) fails these checks,
# since no canonical term holds a newline. For ``arkgraph validate`` the N-Quads lines are indexed
# (subject -> predicate -> objects) as they are split, and the checks run on the index.

_PCT = r"%[0-9A-Fa-f]{2}"
_UCS = "\u00A0-\uD7FF\uF900-\uFDCF\uFDF0-\uFFEF"
_HOST = rf"(?:[A-Za-z0-9\-._~!$&'()*+,;={_UCS}]++|{_PCT})*+"
_SEGMENT = rf"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@{_UCS}]++|{_PCT})*+"
_QUERY = rf"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?{_UCS}]++|{_PCT})*+"
_IRI = (rf"<[A-Za-z][A-Za-z0-9+.\-]*+:(?://{_HOST}(?::[0-9]*+)?(?:/{_SEGMENT})*+|/?+(?:(?!/){_SEGMENT}(?:/{_SEGMENT})*+)?)"
        rf"(?:\?{_QUERY})?(?:#{_QUERY})?>")
_BNODE = r"_:[A-Za-z0-9_](?:[A-Za-z0-9_\-.]*[A-Za-z0-9_\-])?"
_LANG = r"[a-z]{2,3}(?:-[a-z]{4})?(?:-(?:[a-z]{2}|[0-9]{3}))?"
_LITERAL = (rf'"(?:[^"\\\x00-\x1f\x7f]++|\\[tbfnr"\\])*+"'
            rf'(?:@{_LANG}|\^\^(?!<{re.escape(XSD_STRING)}>|<{re.escape(LANGSTRING)}>){_IRI})?')


class _LazyRe:
    """A regex compiled when first used (these are big: compiling them all costs a noticeable part
    of a short run, and the fast paths seldom need them)."""

    def __init__(self, pattern: str):
        self.pattern = pattern
        self.compiled: re.Pattern[str] | None = None

    def fullmatch(self, text: str, pos: int = 0) -> re.Match[str] | None:
        if self.compiled is None:
            self.compiled = re.compile(self.pattern)
        return self.compiled.fullmatch(text, pos)


_IRI_RE = _LazyRe(_IRI)
_RESOURCE_RE = _LazyRe(f"{_IRI}|{_BNODE}")
_OBJECT_RE = _LazyRe(f"{_IRI}|{_BNODE}|{_LITERAL}")
# "<scheme://authority" as _IRI has it; the rest of the IRI is then checked with str methods
_HEAD_RE = _LazyRe(rf"<[A-Za-z][A-Za-z0-9+.\-]*+://{_HOST}(?::[0-9]*+)?")
_LANG_RE = _LazyRe(_LANG)
_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@"  # ASCII ipchar
_PATH_CHARS = _SAFE + "/"
_QUERY_CHARS = _SAFE + "/?"
_BULK_DELETE = (_QUERY_CHARS + "#>\n").encode("ascii")
_ESCAPES = ("\\\\", '\\"', "\\t", "\\b", "\\n", "\\r", "\\f")  # as pyoxigraph writes them
_NOT_A_TAIL = (f"^^<{XSD_STRING}>", f"^^<{LANGSTRING}>")  # pyoxigraph prints these literals otherwise
_CACHE_MAX = 200_000
_RUN = 24_000  # chars (CPython searches for a long separator in 30,000 chars or more with a costlier set-up)
BLOCK = 1 << 20  # bytes read and decoded at a time (small enough to stay in the CPU caches)


Index = V.Index  # subject -> predicate -> objects (``validate.index``)


class LineError(Exception):
    """The fast reader met a line pyoxigraph must judge, and pyoxigraph rejected it."""

    def __init__(self, line: int, error: str):
        super().__init__(line, error)
        self.line, self.error = line, error


class _Terms:
    """Is a term canonical (accepted by pyoxigraph and printed unchanged by ``str()``)? Remembered.

    Each check has a fast path with str methods that accepts a subset of what the regexes
    above accept, and falls back on them."""

    def __init__(self) -> None:
        self.res: set[str] = set()    # subjects and graph names
        self.pred: set[str] = set()
        self.obj: set[str] = set()
        self.heads: set[str] = set()  # "<scheme://authority" prefixes already checked
        self.tails: set[str] = set()  # literal suffixes already checked: "@fr", "^^<…#integer>"
        self.bulk_heads: list[str] = []  # up to 16 heads as "\n<scheme://authority/", most used first (iris())

    def trim(self) -> None:
        if len(self.res) + len(self.pred) + len(self.obj) > _CACHE_MAX:
            self.res.clear()
            self.pred.clear()
            self.obj.clear()
        if len(self.heads) + len(self.tails) > 10_000:
            self.heads.clear()
            self.tails.clear()
            self.bulk_heads.clear()

    def _head(self, head: str) -> None:
        self.heads.add(head)
        if len(self.bulk_heads) < 16:
            self.bulk_heads.append(f"\n{head}/")

    def iri(self, t: str) -> bool:
        j = t.find("://")
        if j > 1 and t[0] == "<" and t[-1] == ">":
            k = t.find("/", j + 3)
            if k > 0:
                head = t[:k]
                if head not in self.heads and _HEAD_RE.fullmatch(head):
                    self._head(head)
                if head in self.heads:
                    rest = t[k:-1]
                    if rest.isascii():
                        path, _, frag = rest.partition("#")
                        path, _, query = path.partition("?")
                        if not path.lstrip(_PATH_CHARS) and not query.lstrip(_QUERY_CHARS) \
                                and not frag.lstrip(_QUERY_CHARS):
                            return True
        return _IRI_RE.fullmatch(t) is not None

    def literal(self, t: str) -> bool:
        end = t.rfind('"')
        if end > 0 and t[0] == '"':
            tail = t[end + 1:]
            if tail and tail not in self.tails:
                if tail[0] == "@":
                    ok = _LANG_RE.fullmatch(tail, 1) is not None
                else:
                    ok = tail[:3] == "^^<" and tail not in _NOT_A_TAIL and self.iri(tail[2:])
                if not ok:
                    return _OBJECT_RE.fullmatch(t) is not None
                self.tails.add(tail)
            lex = t[1:end]
            if '"' not in lex and "\\" not in lex and lex.isprintable():
                return True
        return _OBJECT_RE.fullmatch(t) is not None

    def resource(self, t: str) -> bool:
        if t in self.res:
            return True
        ok = self.iri(t) if t[:1] == "<" else _RESOURCE_RE.fullmatch(t) is not None
        if ok:
            self.res.add(t)
        return ok

    def predicate(self, t: str) -> bool:
        if t in self.pred:
            return True
        ok = t[:1] == "<" and self.iri(t)
        if ok:
            self.pred.add(t)
        return ok

    def object(self, t: str) -> bool:
        if t in self.obj:
            return True
        c = t[:1]
        ok = self.iri(t) if c == "<" else self.literal(t) if c == '"' else _OBJECT_RE.fullmatch(t) is not None
        if ok:
            self.obj.add(t)
        return ok

    def iris(self, iris: set[str] | list[str] | Index) -> bool:
        """Many IRIs checked at once, True if each is of the form ``iri()`` accepts quickly: a known
        "<scheme://authority" head, then "/" and ASCII ipchars, "/", "?" and at most one "#" (each
        known head "\\n<head/" becomes "\\n/", then every term must be "/", allowed characters and
        one ">" at its end). False says nothing."""
        if not iris:
            return True
        text = "\n" + "\n".join(iris) + "\n"
        n = len(iris)
        if text.count("\n") != n + 1:
            return False  # a newline in a term
        heads = self.bulk_heads
        for i, head in enumerate(heads):
            replaced = text.replace(head, "\n/")
            if replaced is not text:
                text = replaced
                if i:  # most used first
                    heads.insert(0, heads.pop(i))
                if "\n<" not in text:
                    break
        return (text.count("\n/") == n and text.count(">\n") == n and text.count(">") == n
                and text.isascii() and not text.encode("ascii").translate(None, _BULK_DELETE)
                and ("#" not in text or all(map(str.__contains__, text.split("#")[1:-1], repeat(">")))))

    def literals(self, lits: list[str]) -> bool:
        """Many literals checked at once, True if each is '"' + printable characters and valid
        escapes + '"' + a known suffix ("", "@lang", "^^<datatype>"). False says nothing."""
        n = len(lits)
        text = "\n".join(lits) + "\n"
        if "\\" in text:
            for esc in _ESCAPES:  # "\\\\" first: an escape starts at every other backslash
                text = text.replace(esc, "")
            if "\\" in text:
                return False
        pieces = text.split('"')
        if len(pieces) != 2 * n + 1 or pieces[0]:
            return False
        if not "".join(pieces[1::2]).isprintable():  # the lexical forms: no newline, no control character
            return False
        tails = {t[:-1] for t in set(pieces[2::2])}  # each suffix ("\n" cut)
        tails.difference_update(self.tails)
        for t in tails:
            if t[:1] == "@":
                ok = _LANG_RE.fullmatch(t, 1) is not None
            else:
                ok = not t or (t[:3] == "^^<" and t not in _NOT_A_TAIL and self.iri(t[2:]))
            if not ok or "\n" in t:
                return False
            self.tails.add(t)
        return True

    def rows(self, rows: list[list[str]]) -> bool:
        """All the terms of these [s, p, o] rows are canonical: checked in bulk, else one by one."""
        return (self._predicates(set(map(_P, rows))) and self._subjects(set(map(_S, rows)))
                and self._objects(set(map(_O, rows))))

    def index(self, out: Index) -> bool:
        """All the terms of an index (subject -> predicate -> objects) are canonical."""
        return (self._subjects(out) and self._predicates(set().union(*out.values()))
                and self._objects(set(chain.from_iterable(chain.from_iterable(map(dict.values, out.values()))))))

    def _predicates(self, new: set[str]) -> bool:
        new.difference_update(self.pred)
        if new:
            for t in new:
                if not (t[:1] == "<" and self.iri(t)):
                    return False
            self.pred.update(new)
        return True

    def _subjects(self, new: set[str] | Index) -> bool:
        if not self.iris(new):
            for t in new:
                if not (self.iri(t) if t[:1] == "<" else _RESOURCE_RE.fullmatch(t)):
                    return False
        return True

    def _objects(self, new: set[str]) -> bool:
        new.difference_update(self.obj)
        lits = [t for t in new if t[:1] == '"']
        if lits:
            if not self.literals(lits):
                literal = self.literal
                for t in lits:
                    if not literal(t):
                        return False
            new.difference_update(lits)
        if not self.iris(new):
            iri = self.iri
            for t in new:
                if not (iri(t) if t[:1] == "<" else _OBJECT_RE.fullmatch(t)):
                    return False
        if len(self.obj) < _CACHE_MAX:
            self.obj.update(new)  # the IRIs: records share many (vocabularies, agents, places)
        return True


_S, _P, _O = itemgetter(0), itemgetter(1), itemgetter(2)
_SPLIT = str.split


def _line(line: str, i: int, quads: bool, terms: _Terms, fmt: ox.RdfFormat) -> Iterator[tuple[str | None, list[str]]]:
    """One line on its own: (graph or None, [s, p, o]) if canonical, else what pyoxigraph reads in it."""
    parts = line.split(" ", 2)
    if len(parts) == 3 and parts[2][-2:] == " .":
        s, p, body = parts
        body = body[:-2]
        if terms.resource(s) and terms.predicate(p):
            g = None
            if quads:
                o, sep, gt = body.rpartition(" ")
                if sep and (gt[-1:] == ">" or gt[:2] == "_:") and terms.resource(gt):
                    g, body = gt, o
            if terms.object(body):
                yield g, [s, p, body]
                return
    try:  # not canonical: pyoxigraph parses this line alone
        for q in ox.parse(line.encode("utf-8"), format=fmt):
            yield graph_name(q.graph_name), [str(q.subject), str(q.predicate), str(q.object)]
    except SyntaxError as exc:
        raise LineError(i, str(exc).replace(" at line 1 ", f" at line {i} ", 1)) from None


def _blocks(fh: IO[bytes], chunk: int) -> Iterator[str]:
    """The stream decoded, in blocks of whole lines (each ends with a newline). Invalid UTF-8
    raises LineError with the line number counted from the start of the block."""
    rest = b""
    while True:
        block = fh.read(chunk)
        if block:
            if rest:
                block = rest + block
            cut = block.rfind(b"\n") + 1
            if not cut:
                rest = block
                continue
            rest = block[cut:]
            block = block[:cut]
        else:
            block, rest = rest, b""
            if not block:
                return
            block += b"\n"
        try:
            text = block.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise LineError(block.count(b"\n", 0, exc.start) + 1, "invalid UTF-8") from None
        yield text


def _segments(text: str, quads: bool, resource: Any) -> Iterator[tuple[str | None, str | None, str]]:
    """A decoded block cut into (graph, suffix, text) runs of lines that all seem to end with the
    same suffix (" <graph> .\\n" in N-Quads, " .\\n" in N-Triples; checked by the caller), and
    (None, None, line) for a line that does not look canonical."""
    n = len(text)
    pos = 0
    while pos < n:
        nl = text.find("\n", pos)
        if text.startswith(" .", nl - 2) and nl - 2 > pos:
            if not quads:
                yield None, " .\n", text[pos:]
                return
            sp = text.rfind(" ", pos, nl - 2)
            if sp > pos:
                g = text[sp + 1:nl - 2]
                if resource(g):
                    suffix = text[sp:nl + 1]  # " <graph> .\n"
                    ln = len(suffix)
                    # gallop over the lines that end the same way, then find the last one;
                    # runs stay under _RUN chars (str searches in longer ones cost more)
                    lim, step, cap = nl + 1, 2048, min(n, pos + _RUN)
                    while lim < cap:
                        # a line end about `step` further (or the cap: a line end or not, the last
                        # suffix before it then ends the run)
                        e = text.find("\n", lim + step - 1) + 1 if lim + step < cap else cap
                        if not text.startswith(suffix, e - ln):
                            lim = text.rfind(suffix, lim - ln, e) + ln
                            break
                        lim = e
                        step += step
                    yield g, suffix, text[pos:lim]
                    pos = lim
                    continue
        yield None, None, text[pos:nl + 1]
        pos = nl + 1


def _decoded(fh: IO[bytes], chunk: int, lines_before: Any) -> Iterator[str]:
    """_blocks, with the line number of invalid UTF-8 counted from the start of the stream
    (``lines_before()`` says how many lines the caller has read)."""
    blocks = _blocks(fh, chunk)
    while True:
        try:
            text = next(blocks)
        except StopIteration:
            return
        except LineError as odd:
            raise LineError(lines_before() + odd.line, odd.error) from None
        yield text


def _slow_runs(seg: str, lineno: int, quads: bool, terms: _Terms,
               fmt: ox.RdfFormat) -> Iterator[tuple[str | None, list[list[str]]]]:
    """The lines of ``seg`` (after line ``lineno``) one at a time, as runs of one graph."""
    lines = seg.split("\n")
    lines.pop()
    run_g: str | None = None
    run: list[list[str]] = []
    for line in lines:
        lineno += 1
        for lg, row in _line(line, lineno, quads, terms, fmt):
            if lg != run_g:
                if run:
                    yield run_g, run
                run_g, run = lg, []
            run.append(row)
    if run:
        yield run_g, run


def row_runs(fh: IO[bytes], quads: bool, chunk: int = BLOCK) -> Iterator[tuple[str | None, list[list[str]]]]:
    """Runs of consecutive statements in one graph: (graph term, or None for the default graph,
    [s, p, o] rows). A graph may go on in the next run. Raises LineError where pyoxigraph finds a syntax error."""
    fmt = ox.RdfFormat.N_QUADS if quads else ox.RdfFormat.N_TRIPLES
    terms = _Terms()
    check_rows, resource = terms.rows, terms.resource
    lineno = 0  # lines before the current position
    for text in _decoded(fh, chunk, lambda: lineno):  # noqa: B023 (the current count, when asked)
        terms.trim()
        for g, suffix, seg in _segments(text, quads, resource):
            if suffix is not None:
                parts = seg.split(suffix)
                if not parts[-1]:
                    # each part is one line if no term has a newline, which check_rows verifies
                    parts.pop()
                    rows = list(map(_SPLIT, parts, repeat(" "), repeat(2)))
                    if min(map(len, rows)) == 3 and check_rows(rows):
                        yield g, rows
                        lineno += len(parts)
                        continue
            yield from _slow_runs(seg, lineno, quads, terms, fmt)
            lineno += seg.count("\n")


def _finish(g: str | None, out: Index, long: Long, segs: list[str],
            lineno: int, nlines: int, terms: _Terms, bad: bool) -> tuple[list[tuple[str | None, Index | list[list[str]]]], int]:
    """One graph indexed by index_graphs: checked, or read again line by line. Returns its items
    and its number of lines."""
    if not bad and terms.index(out):  # then each part was one line
        V.dedupe_long(long)
        return [(g, out)], nlines
    items: list[tuple[str | None, Index | list[list[str]]]] = []
    n = lineno
    for seg in segs:
        items.extend(_slow_runs(seg, n, True, terms, ox.RdfFormat.N_QUADS))
        n += seg.count("\n")
    return items, n - lineno


def index_graphs(fh: IO[bytes], chunk: int = BLOCK) -> Iterator[tuple[str | None, Index | list[list[str]]]]:
    """N-Quads for the validator: (graph, its index subject -> predicate -> objects, as
    ``validate.index`` makes it) for each run of lines in one named graph, split and indexed in
    one pass; the terms are checked on the index (each distinct term once). A graph whose terms do
    not all pass, and any line that does not look canonical, go line by line (pyoxigraph judges
    the odd ones) and come as (graph or None, [s, p, o] rows). Consecutive items may be one graph."""
    terms = _Terms()
    resource = terms.resource
    lineno = 0  # lines before the current graph's first run
    cur: str | None = None
    out: Index = {}
    segs: list[str] = []  # the current graph's runs (read again if a term is odd)
    nlines = 0
    long: Long = []
    bad = False
    # (the lambda reads the current counts when asked: the lines of the pending graph, not yet checked)
    for text in _decoded(fh, chunk, lambda: lineno + sum(seg.count("\n") for seg in segs)):  # noqa: B023
        terms.trim()
        for g, suffix, seg in _segments(text, True, resource):
            if suffix is not None:
                parts = seg.split(suffix)
                if not parts[-1]:
                    if g != cur:
                        if segs:
                            items, nl = _finish(cur, out, long, segs, lineno, nlines, terms, bad)
                            yield from items
                            lineno += nl
                        cur, out, segs, nlines, long, bad = g, {}, [], 0, [], False
                    parts.pop()
                    segs.append(seg)
                    nlines += len(parts)
                    try:
                        V.index_into(out, long, map(_SPLIT, parts, repeat(" "), repeat(2)))
                    except ValueError:  # a line with fewer than three fields: read the graph again
                        bad = True
                    continue
            if segs:
                items, nl = _finish(cur, out, long, segs, lineno, nlines, terms, bad)
                yield from items
                lineno += nl
            cur, out, segs, nlines, long, bad = None, {}, [], 0, [], False
            yield from _slow_runs(seg, lineno, True, terms, ox.RdfFormat.N_QUADS)
            lineno += seg.count("\n")
    if segs:
        yield from _finish(cur, out, long, segs, lineno, nlines, terms, bad)[0]


def triple_runs(fh: IO[bytes], quads: bool, chunk: int = BLOCK) -> Iterator[tuple[str | None, list[Triple]]]:
    """``row_runs`` with (s, p, o) tuples."""
    for g, rows in row_runs(fh, quads, chunk):
        yield g, list(map(tuple, rows))  # type: ignore[arg-type]

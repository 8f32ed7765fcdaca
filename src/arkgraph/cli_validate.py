"""``arkgraph validate``: check RDF files against arkgraph's SHACL shapes, record by record."""

from __future__ import annotations

import gc
import gzip
import multiprocessing as mp
import multiprocessing.connection as mp_connection
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, groupby, repeat
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import IO, Any

import click
import pyoxigraph as ox

from . import validate as V
from .errors import ArkgraphError, InputError
from .terms import Triple

_FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES, ".nq": ox.RdfFormat.N_QUADS,
            ".trig": ox.RdfFormat.TRIG, ".jsonld": "jsonld", ".json": "jsonld"}
DELETIONS_GRAPH = "<https://w3id.org/arkgraph/ns#deletions>"


def _format(path: str) -> object:
    name = path.lower().removesuffix(".gz")
    for ext, fmt in _FORMATS.items():
        if name.endswith(ext):
            return fmt
    raise InputError(f"{path}: cannot tell the RDF format from the extension (.ttl .nt .nq .trig .jsonld)")


def _open(path: str) -> IO[bytes]:
    if path == "-":
        return sys.stdin.buffer
    try:
        return gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None


def _graph_name(g: Any) -> str | None:
    """A pyoxigraph graph name as an N-Quads term, or None for the default graph."""
    return None if isinstance(g, ox.DefaultGraph) else str(g)


def records_from_quads(quads: Iterator[ox.Quad], root_classes: set[str]) -> Iterator[tuple[str, list[Triple]]]:
    """A record = a named graph (contiguous, as arkgraph writes them); default-graph triples are
    cut into records like a triples file. The deletions graph carries no records."""
    runs = ((_graph_name(g),
             [(str(q.subject), str(q.predicate), str(q.object)) for q in qs])
            for g, qs in groupby(quads, key=attrgetter("graph_name")))
    default: list[Triple] = []
    yield from _by_graph(runs, _extend, default)
    if default:
        yield from records_from_triples(iter(default), root_classes)


def _by_graph(runs: Iterable[tuple[str | None, Any]], join: Callable[[Any, Any], Any],
              default: list[Any]) -> Iterator[tuple[str, Any]]:
    """Records from runs of statements (graph, or None for the default graph; their data): a record is
    a named graph's consecutive runs, ``join``ed. The deletions graph carries no records. Default-graph
    statements are put in ``default``, for the caller to cut into records as a triples file's."""
    current: str | None = None
    acc: Any = None
    for g, data in runs:
        if g is None:
            default.extend(data)
            continue
        if g != current:
            if current is not None and acc and current != DELETIONS_GRAPH:
                yield current, acc
            current, acc = g, data
        else:
            acc = join(acc, data)
    if current is not None and acc and current != DELETIONS_GRAPH:
        yield current, acc


def _extend(into: list[Any], more: list[Any]) -> list[Any]:
    into.extend(more)
    return into


# ---------------------------------------------------------------------------------------------
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
            rf'(?:@{_LANG}|\^\^(?!<{re.escape(V.XSD_STRING)}>|<{re.escape(V.LANGSTRING)}>){_IRI})?')


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
_NOT_A_TAIL = (f"^^<{V.XSD_STRING}>", f"^^<{V.LANGSTRING}>")  # pyoxigraph prints these literals otherwise
_CACHE_MAX = 200_000
_RUN = 24_000  # chars (CPython searches for a long separator in 30,000 chars or more with a costlier set-up)
_BLOCK = 1 << 20  # bytes read and decoded at a time (small enough to stay in the CPU caches)


Index = V.Index  # subject -> predicate -> objects (``validate.index``)


class _Odd(Exception):
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
            yield _graph_name(q.graph_name), [str(q.subject), str(q.predicate), str(q.object)]
    except SyntaxError as exc:
        raise _Odd(i, str(exc).replace(" at line 1 ", f" at line {i} ", 1)) from None


def _blocks(fh: IO[bytes], chunk: int) -> Iterator[str]:
    """The stream decoded, in blocks of whole lines (each ends with a newline). Invalid UTF-8
    raises _Odd with the line number counted from the start of the block."""
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
            raise _Odd(block.count(b"\n", 0, exc.start) + 1, "invalid UTF-8") from None
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
        except _Odd as odd:
            raise _Odd(lines_before() + odd.line, odd.error) from None
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


def _row_runs(fh: IO[bytes], quads: bool, chunk: int = _BLOCK) -> Iterator[tuple[str | None, list[list[str]]]]:
    """Runs of consecutive statements in one graph: (graph term, or None for the default graph,
    [s, p, o] rows). A graph may go on in the next run. Raises _Odd where pyoxigraph finds a syntax error."""
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


def _finish(g: str | None, out: Index, long: V.Long, segs: list[str],
            lineno: int, nlines: int, terms: _Terms, bad: bool) -> tuple[list[tuple[str | None, Index | list[list[str]]]], int]:
    """One graph indexed by _index_graphs: checked, or read again line by line. Returns its items
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


def _index_graphs(fh: IO[bytes], chunk: int = _BLOCK) -> Iterator[tuple[str | None, Index | list[list[str]]]]:
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
    long: V.Long = []
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


def _fast_runs(fh: IO[bytes], quads: bool, chunk: int = _BLOCK) -> Iterator[tuple[str | None, list[Triple]]]:
    """``_row_runs`` with (s, p, o) tuples."""
    for g, rows in _row_runs(fh, quads, chunk):
        yield g, list(map(tuple, rows))  # type: ignore[arg-type]


def _syntax_error(path: str, fmt: ox.RdfFormat, odd: _Odd) -> str:
    """pyoxigraph's own message for the first syntax error: re-read the file with it (stdin cannot
    be re-read: then the message pyoxigraph gave on the offending line)."""
    if path != "-":
        fh = _open(path)
        try:
            for _ in ox.parse(fh, format=fmt):
                pass
        except SyntaxError as exc:
            return str(exc)
        except OSError:
            pass
        finally:
            fh.close()
    return f"line {odd.line}: {odd.error}" if " at line " not in odd.error else odd.error


def _row_records(fh: IO[bytes], fmt: ox.RdfFormat, root_classes: set[str]) -> Iterator[tuple[str, list[list[str]]]]:
    """Records from an N-Quads or N-Triples stream, as records_from_quads/records_from_triples cut
    them, with [s, p, o] rows."""
    quads = fmt == ox.RdfFormat.N_QUADS
    runs = _row_runs(fh, quads)
    if not quads:
        yield from records_from_triples((t for _, ts in runs for t in ts), root_classes)  # type: ignore[misc, arg-type]
        return
    default: list[list[str]] = []
    yield from _by_graph(runs, _extend, default)
    if default:
        yield from records_from_triples(iter(default), root_classes)  # type: ignore[misc, arg-type]


def _fast_records(fh: IO[bytes], fmt: ox.RdfFormat, root_classes: set[str]) -> Iterator[tuple[str, list[Triple]]]:
    """Records from an N-Quads or N-Triples stream, as records_from_quads/records_from_triples cut them."""
    for record, rows in _row_records(fh, fmt, root_classes):
        yield record, list(map(tuple, rows))  # type: ignore[arg-type]


def _within(s: str, root: str) -> bool:
    """``s`` is a record's main resource ``root`` or one of its nodes (``<root/…>``)."""
    return s == root or s.startswith(root[:-1] + "/")


def records_from_triples(triples: Iterator[Triple], root_classes: set[str]) -> Iterator[tuple[str, list[Triple]]]:
    """Cut a triple stream into records: a record starts where a new subject is typed with a class
    the shapes mark as a record root (ag:recordRoot), as arkgraph's writers put each record's
    triples together starting with the main resource's type."""
    root: str | None = None
    buf: list[Triple] = []
    for t in triples:
        s, p, o = t
        if p == V.TYPE and o in root_classes and (root is None or not _within(s, root)):
            if buf:
                yield root or "", buf
            root, buf = s, []
        buf.append(t)
    if buf:
        yield root or "", buf


def _jsonld_records(fh: IO[bytes], root_classes: set[str], name: str) -> Iterator[tuple[str, list[Triple]]]:
    """arkgraph's JSON-LD: an array of per-record documents, expanded offline with the bundled contexts."""
    import ijson
    from pyld import jsonld as pyld

    from .jsonld import document_loader

    root: str | None = None
    buf: list[Triple] = []
    ndoc = 0
    try:
        for doc in ijson.items(fh, "item", use_float=True):
            nq = pyld.to_rdf(doc, {"format": "application/n-quads", "documentLoader": document_loader})
            ndoc += 1
            pre = f"_:d{ndoc}"  # blank node labels are per document: keep them apart

            def term(t: object, pre: str = pre) -> str:
                return pre + str(t)[2:] if isinstance(t, ox.BlankNode) else str(t)
            ts = [(term(q.subject), str(q.predicate), term(q.object))
                  for q in ox.parse(nq.encode("utf-8"), format=ox.RdfFormat.N_QUADS)]
            # one document at a time: a document whose root is a new record's main resource starts it
            doc_id = doc.get("id") or doc.get("@id") if isinstance(doc, dict) else None
            node = f"<{doc_id}>" if doc_id else None
            if node and node != root and any(s == node and p == V.TYPE and o in root_classes for s, p, o in ts):
                if buf:
                    yield root or "", buf
                root, buf = node, []
            buf.extend(ts)
    except (ijson.JSONError, pyld.JsonLdError, ValueError) as exc:
        raise InputError(f"{name}: not readable as arkgraph JSON-LD: {str(exc)[:200]}") from None
    if buf:
        yield root or "", buf


def _merge(into: Index, more: Index) -> Index:
    for s, po in more.items():
        d = into.get(s)
        if d is None:
            into[s] = po
            continue
        for p, objs in po.items():
            lst = d.get(p)
            if lst is None:
                d[p] = objs
            else:
                seen = set(lst)
                lst.extend(o for o in objs if o not in seen)
    return into


def _index_records(fh: IO[bytes], root_classes: set[str], chunk: int = _BLOCK,
                   default: list[list[str]] | None = None) -> Iterator[tuple[str, Index]]:
    """Records from an N-Quads stream, as records_from_quads cuts them, each as its index. With
    ``default`` (a list), the default-graph rows are put in it rather than cut into records at the end."""
    keep = default is not None
    if default is None:
        default = []
    # a run is an index, or rows where a line was read on its own
    runs = ((g, data if g is None or isinstance(data, dict) else V.index(data)) for g, data in _index_graphs(fh, chunk))
    yield from _by_graph(runs, _merge, default)
    if not keep:
        yield from _default_records(default, root_classes)


def _default_records(rows: list[list[str]], root_classes: set[str]) -> Iterator[tuple[str, Index]]:
    """Default-graph rows (kept aside while the named graphs were read), cut into records as a triples
    file's, each as its index."""
    for record, triples in records_from_triples(iter(rows), root_classes):  # type: ignore[arg-type]
        yield record, V.index(triples)


def read_indexed(path: str, root_classes: set[str]) -> Iterator[tuple[str, Index]]:
    """``read_records``, each record's triples as ``validate.index`` makes them (what
    ``CompiledShapes.validate_index`` takes); N-Quads are split and indexed in one pass."""
    fmt = _format(path) if path != "-" else ox.RdfFormat.N_QUADS
    if fmt != ox.RdfFormat.N_QUADS:
        for record, triples in read_records(path, root_classes, rows=True):
            yield record, V.index(triples)
        return
    fmt = ox.RdfFormat.N_QUADS
    fh = _open(path)
    try:
        yield from _index_records(fh, root_classes)
    except _Odd as odd:
        raise InputError(f"{path}: not readable as {fmt.name}: {_syntax_error(path, fmt, odd)}") from None
    except OSError as exc:
        raise InputError(f"{path}: {exc}") from None
    finally:
        if fh is not sys.stdin.buffer:
            fh.close()


def read_records(path: str, root_classes: set[str], rows: bool = False) -> Iterator[tuple[str, list[Triple]]]:
    """(record, its triples) from any RDF file arkgraph writes. With ``rows``, N-Quads and
    N-Triples records come as [s, p, o] lists (what ``validate.index`` takes), not tuples."""
    fmt = _format(path) if path != "-" else ox.RdfFormat.N_QUADS
    fh = _open(path)
    try:
        if fmt == "jsonld":
            yield from _jsonld_records(fh, root_classes, path)
            return
        assert isinstance(fmt, ox.RdfFormat)
        if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.N_TRIPLES):
            try:
                yield from (_row_records if rows else _fast_records)(fh, fmt, root_classes)  # type: ignore[misc, operator]
            except _Odd as odd:
                raise InputError(f"{path}: not readable as {fmt.name}: {_syntax_error(path, fmt, odd)}") from None
            except OSError as exc:
                raise InputError(f"{path}: {exc}") from None
            return
        try:
            parsed = ox.parse(fh, format=fmt)
            if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
                yield from records_from_quads(parsed, root_classes)
            else:
                yield from records_from_triples(((str(t.subject), str(t.predicate), str(t.object)) for t in parsed),
                                                root_classes)
        except SyntaxError as exc:
            raise InputError(f"{path}: not readable as {fmt.name}: {exc}") from None
        except OSError as exc:
            raise InputError(f"{path}: {exc}") from None
    finally:
        if fh is not sys.stdin.buffer:
            fh.close()


# ---------------------------------------------------------------------------------------------
# Several worker processes for one big file. A plain N-Quads file is cut where the named graph
# changes between two consecutive lines (both read by pyoxigraph: a record, a run of lines in one
# named graph, is never cut); an N-Triples file at a line that types its subject with a record-root
# class, and the cut is checked afterwards against the record the previous part ended in, as
# records_from_triples decides (if it would not have started a record there, the file is read
# again by one process). The file is cut in a few parts per worker; each worker (forked: it shares
# the loaded shapes) is given a part, reads that byte range with the reader above, sends back its
# counts and first examples (with --report, every result) and is given the next part, so a worker
# on a CPU busy with something else takes fewer. The parent adds the parts up in file order, so the
# summary, the report and the exit status are those of one process reading the whole file; a
# syntax error is reported as one process reports it (pyoxigraph re-reads the file).

PARALLEL_MIN_BYTES = 16 << 20  # smaller files (and .gz, stdin, other formats) are read by one process
MAX_DEFAULT_JOBS = 8
PARTS_PER_JOB = 8
_CUT_SCAN = 8 << 20  # bytes looked through for a cut near each split offset (none found: fewer parts)
_TYPE_BYTES = V.TYPE.encode("ascii")


def default_jobs() -> int:
    """The CPUs this process may run on (at most MAX_DEFAULT_JOBS)."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    return max(1, min(n, MAX_DEFAULT_JOBS))


class WorkerError(ArkgraphError):
    exit_code = 2


class _Range:
    """A binary file read from where it stands, ``n`` bytes at most (all that _blocks asks of it)."""

    def __init__(self, fh: IO[bytes], n: int):
        self.fh, self.left = fh, n

    def read(self, size: int = -1) -> bytes:
        if size < 0 or size > self.left:
            size = self.left
        if size <= 0:
            return b""
        data = self.fh.read(size)
        self.left -= len(data)
        return data


def _one(line: bytes, fmt: ox.RdfFormat) -> ox.Quad | None:
    """The one statement pyoxigraph reads in this line, else None."""
    try:
        items = list(ox.parse(line, format=fmt))
    except SyntaxError:
        return None
    return items[0] if len(items) == 1 else None


def _lines_from(fh: IO[bytes], pos: int, limit: int) -> Iterator[tuple[int, bytes]]:
    """(offset, line) for the lines starting at or after ``pos`` and before ``limit``."""
    if pos > 0:
        fh.seek(pos - 1)
        pos += len(fh.readline()) - 1  # to the end of the line holding byte pos - 1
    else:
        fh.seek(0)
    while pos < limit:
        line = fh.readline()
        if not line:
            return
        yield pos, line
        pos += len(line)


def _tail(line: bytes) -> bytes:
    """The last term of a line as written (a canonical N-Quads line's graph): a cheap first look
    (two lines that differ here are then read by pyoxigraph)."""
    body = line.rstrip()
    if body.endswith(b"."):
        body = body[:-1].rstrip()
    return body[body.rfind(b" ") + 1:]


def _nq_cut(fh: IO[bytes], pos: int, limit: int, roots: set[str]) -> tuple[int, str] | None:
    """The first line (at or after ``pos``, before ``limit``) in a named graph other than the
    previous line's named graph, both lines read by pyoxigraph: a record starts there."""
    prev: bytes | None = None
    prev_tail = b""
    prev_graph: str | None | bool = False  # False: not read yet
    for off, line in _lines_from(fh, pos, limit):
        tail = _tail(line)
        graph: str | None | bool = False
        if prev is not None and tail != prev_tail:
            q = _one(line, ox.RdfFormat.N_QUADS)
            graph = None if q is None else _graph_name(q.graph_name)
            if graph is not None:
                if prev_graph is False:
                    p = _one(prev, ox.RdfFormat.N_QUADS)
                    prev_graph = None if p is None else _graph_name(p.graph_name)
                if prev_graph is not None and prev_graph != graph:
                    return off, graph
        prev, prev_tail, prev_graph = line, tail, graph
    return None


def _nt_cut(fh: IO[bytes], pos: int, limit: int, roots: set[str]) -> tuple[int, str] | None:
    """A line (at or after ``pos``, before ``limit``) typing its subject with a record-root class,
    read by pyoxigraph, after another such line in the window whose subject it does not extend
    (records_from_triples would start a record there; the caller checks it did)."""
    seen: list[str] = []
    for off, line in _lines_from(fh, pos, limit):
        if _TYPE_BYTES in line:
            t = _one(line, ox.RdfFormat.N_TRIPLES)
            if t is not None and str(t.predicate) == V.TYPE and str(t.object) in roots:
                s = str(t.subject)
                if seen and not any(_within(s, r) for r in seen):
                    return off, s
                if s not in seen:
                    seen.append(s)
    return None


def _plan(path: str, jobs: int, roots: set[str]) -> list[tuple[int, str]] | None:
    """Where to cut this file for ``jobs`` workers: [(offset, what starts there)], the first at 0;
    None if it is read by one process."""
    if jobs < 2 or path == "-" or path.lower().endswith(".gz") or not os.path.isfile(path):
        return None
    if "fork" not in mp.get_all_start_methods():
        return None
    fmt = _format(path)
    if fmt not in (ox.RdfFormat.N_QUADS, ox.RdfFormat.N_TRIPLES):
        return None
    size = os.path.getsize(path)
    if size < PARALLEL_MIN_BYTES:
        return None
    # a few parts per worker (a worker that is done takes the next part: a CPU busy with something
    # else costs less), of a quarter of the threshold at least
    parts = min(jobs * PARTS_PER_JOB, size * 4 // PARALLEL_MIN_BYTES)
    find = _nq_cut if fmt == ox.RdfFormat.N_QUADS else _nt_cut
    cuts = [(0, "")]
    try:
        with open(path, "rb") as fh:
            for k in range(1, parts):
                pos = max(size * k // parts, cuts[-1][0])
                cut = find(fh, pos, min(size * (k + 1) // parts, pos + _CUT_SCAN), roots)
                if cut is not None:
                    cuts.append(cut)
    except OSError as exc:
        raise InputError(f"{path}: {exc}") from None
    return cuts if len(cuts) > 1 else None


def _die_with_parent(ppid: int) -> None:
    try:  # Linux: SIGTERM when the parent dies (killed outright, it cannot stop its workers)
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != ppid:
        os._exit(1)


def _validate_range(path: str, fmt: ox.RdfFormat, start: int, end: int, shapes: V.CompiledShapes, keep_all: bool,
                    examples: int) -> tuple[Any, ...]:
    """What a worker sends for the records in bytes [start, end) of the file."""
    try:
        report = V.Report(examples=examples, keep_all=keep_all)
        default: list[list[str]] = []
        last = ""
        with open(path, "rb") as fh:
            fh.seek(start)
            rng: Any = _Range(fh, end - start)
            if fmt == ox.RdfFormat.N_QUADS:
                records = _index_records(rng, shapes.root_classes, default=default)
            else:
                records = ((r, V.index(rows)) for r, rows in _row_records(rng, fmt, shapes.root_classes))
            for last, idx in records:
                report.add(last, shapes.validate_index(idx))
        return ("ok", report, default, last)
    except _Odd as odd:
        return ("odd", odd.line, odd.error)
    except OSError as exc:
        return ("os", str(exc))


def _worker(path: str, fmt: ox.RdfFormat, bounds: list[int], shapes: V.CompiledShapes, keep_all: bool,
            examples: int, conn: Any, ppid: int) -> None:
    """A worker process: validates the part the parent names (bytes bounds[i] to bounds[i + 1]),
    sends what it found, and so on until the parent says None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent stops its workers
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent(ppid)
    try:
        while (i := conn.recv()) is not None:
            conn.send(_validate_range(path, fmt, bounds[i], bounds[i + 1], shapes, keep_all, examples))
    except (EOFError, OSError, ValueError):  # the parent is gone (or stopped listening)
        pass
    except BaseException:  # noqa: BLE001 (any other failure is the parent's to report)
        import traceback
        try:
            conn.send(("crash", traceback.format_exc()))
        except (OSError, ValueError):
            pass
    finally:
        conn.close()


class _Terminated(Exception):
    pass


def _on_term(signum: int, frame: Any) -> None:
    raise _Terminated


def _lines_before(path: str, offset: int) -> int:
    n = 0
    with open(path, "rb") as fh:
        while offset > 0:
            block = fh.read(min(offset, _BLOCK))
            if not block:
                break
            n += block.count(b"\n")
            offset -= len(block)
    return n


def _validate_parts(path: str, shapes: V.CompiledShapes, report: V.Report, cuts: list[tuple[int, str]],
                    jobs: int) -> bool:
    """Validate ``path`` part by part with ``jobs`` worker processes and add what they found to
    ``report``, in file order. False (nothing added) if an N-Triples cut turned out not to start a
    record."""
    fmt = _format(path)
    assert isinstance(fmt, ox.RdfFormat)
    bounds = [c for c, _ in cuts] + [os.path.getsize(path)]
    nparts = len(cuts)
    ctx = mp.get_context("fork")
    procs: list[Any] = []
    conns: list[Any] = []
    msgs: list[tuple[Any, ...] | None] = [None] * nparts
    old_term: Any = None
    installed = terminated = False
    try:
        gc.freeze()  # the workers' collector then leaves the parent's objects (and their pages) alone
        try:
            for k in range(min(jobs, nparts)):
                mine, theirs = ctx.Pipe()
                p = ctx.Process(target=_worker, name=f"arkgraph-validate-{k + 1}", daemon=True,
                                args=(path, fmt, bounds, shapes, report.keep_all, report.examples, theirs,
                                      os.getpid()))
                p.start()
                theirs.close()  # before the next fork: a worker that dies then closes its pipe's other end
                procs.append(p)
                conns.append(mine)
        finally:
            gc.unfreeze()
        if threading.current_thread() is threading.main_thread():
            old_term = signal.signal(signal.SIGTERM, _on_term)  # the workers are stopped first (below)
            installed = True
        # each worker is given a part, and the next one when it sends what it found in it: a worker
        # on a CPU busy with something else then takes fewer parts
        busy: dict[Any, int] = {}  # connection -> the part its worker is on
        following = 0

        def died(conn: Any) -> WorkerError:
            k = conns.index(conn)
            procs[k].join(5)
            return WorkerError(f"{path}: validation worker {k + 1} of {len(procs)} ended without an answer "
                               f"(exit status {procs[k].exitcode}); --jobs 1 reads the file in one process")

        def give(conn: Any, part: int | None) -> None:
            try:
                conn.send(part)
            except OSError:
                raise died(conn) from None
            if part is not None:
                busy[conn] = part

        for conn in conns:
            give(conn, following)
            following += 1
        failed: int | None = None  # the first part (in file order) that failed, as far as known
        while busy:
            ready: list[Any] = mp_connection.wait(list(busy))  # type: ignore[assignment]
            for conn in ready:
                i = busy.pop(conn)
                try:
                    msg = conn.recv()
                except (EOFError, OSError):
                    raise died(conn) from None
                msgs[i] = msg
                if msg[0] != "ok" and (failed is None or i < failed):
                    failed = i
                if failed is None and following < nparts:
                    give(conn, following)
                    following += 1
                else:
                    give(conn, None)
            if failed is not None and all(m is not None for m in msgs[:failed]):
                break  # the first error in the file is known
        if failed is not None:
            msg = msgs[failed]
            assert msg is not None
            if msg[0] == "odd":
                rel, error = msg[1], msg[2]
                line = _lines_before(path, bounds[failed]) + rel
                odd = _Odd(line, error.replace(f" at line {rel} ", f" at line {line} ", 1))
                raise InputError(f"{path}: not readable as {fmt.name}: {_syntax_error(path, fmt, odd)}")
            if msg[0] == "os":
                raise InputError(f"{path}: {msg[1]}")
            raise RuntimeError(f"a validation worker failed:\n{msg[1]}")
    except _Terminated:
        terminated = True
    finally:
        if installed:
            signal.signal(signal.SIGTERM, signal.SIG_DFL if old_term is None else old_term)
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join()
        for r in conns:
            r.close()
    if terminated:  # SIGTERM: now as the handler before would have it (by default, the end)
        os.kill(os.getpid(), signal.SIGTERM)
        raise SystemExit(128 + signal.SIGTERM)
    done = [m for m in msgs if m is not None]
    assert len(done) == nparts
    if fmt == ox.RdfFormat.N_TRIPLES:
        root: str | None = None  # the record root where the previous part ended
        for k, msg in enumerate(done):
            if k:
                s = cuts[k][1]
                if root is not None and _within(s, root):
                    return False
            if msg[1].records:
                root = msg[3] or None
    default: list[list[str]] = []
    for _, part, rows, _ in done:
        report.merge(part)
        default.extend(rows)
    for record, idx in _default_records(default, shapes.root_classes):  # at the end, as _index_records does
        report.add(record, shapes.validate_index(idx))
    return True


@click.command("validate")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option("--shapes", "shapes_dir", type=click.Path(exists=True),
              help="A directory (or file) of SHACL shapes in Turtle, instead of the bundled ones.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, writable=True),
              help="Write the full W3C sh:ValidationReport here: Turtle (.ttl), N-Triples (.nt) or JSON-LD (.jsonld).")
@click.option("-q", "--quiet", is_flag=True, help="Only the summary line.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help=(f"Worker processes for a big file (plain .nq or .nt of {PARALLEL_MIN_BYTES >> 20} MB or more: "
                    "it is cut between records into parts the workers validate). Default: the CPUs "
                    f"available (at most {MAX_DEFAULT_JOBS}); 1 reads every file in one process. "
                    "The results, summary, report and exit status are the same whatever N."))
def validate(files: tuple[str, ...], shapes_dir: str | None, report_path: str | None, quiet: bool,
             jobs: int | None) -> None:
    """Check RDF files against arkgraph's SHACL shapes, record by record.

    FILE is .ttl .nt .nq .trig or .jsonld (optionally .gz), or '-' for N-Quads on stdin. In N-Quads
    and TriG a record is a named graph; in Turtle, N-Triples and JSON-LD records are cut where a
    record's main resource is typed. Memory stays bounded by the largest record.

    Exit status: 0 conforms (warnings allowed), 1 violations, 2 unreadable input or shapes.

    \b
        arkgraph validate out.nq
        arkgraph validate out.ttl --report report.ttl
        arkgraph validate out.jsonld --shapes my-shapes/ --report report.jsonld
    """
    thresholds = gc.get_threshold()
    # records are acyclic (freed by refcount) and the term caches hold many objects: frequent
    # collections would rescan them for nothing (as in pipeline.convert)
    gc.set_threshold(50_000, 50, 100)
    jobs = jobs or default_jobs()
    try:
        shapes = V.load(shapes_dir)
        report = V.Report(keep_all=bool(report_path), shapes=shapes)
        for path in files:
            if path != "-" and not Path(path).exists():
                raise InputError(f"{path}: no such file")
            cuts = _plan(path, jobs, shapes.root_classes)
            if cuts is not None and _validate_parts(path, shapes, report, cuts, jobs):
                continue
            for record, idx in read_indexed(path, shapes.root_classes):
                report.add(record, shapes.validate_index(idx))
        if report_path:  # an unwritable report is one line too (OutputError)
            V.write_report(report_path, report.all)
    except ArkgraphError as exc:
        err = click.ClickException(str(exc))
        err.exit_code = exc.exit_code
        raise err from None
    finally:
        gc.set_threshold(*thresholds)
    text = report.summary()
    click.echo(text.splitlines()[0] if quiet else text, err=True)
    sys.exit(1 if report.violations else 0)

"""Read the RDF files arkgraph writes back, record by record, in any format.

    >>> for root, triples in read_records("out.nq"):   # or .nt .ttl .trig .jsonld, .gz, "-"
    ...     ...

Records are cut by the one rule of :mod:`arkgraph.rdfio.records`. N-Quads and N-Triples go
through the fast canonical reader (:mod:`arkgraph.rdfio.nquads`); Turtle and TriG through
pyoxigraph; JSON-LD (an array of per-record documents) through ijson and pyoxigraph, one document
at a time, with the bundled contexts inlined (nothing is fetched). Memory stays bounded by the largest
record. An unreadable file is an :class:`InputError` naming the file and pyoxigraph's message for the
first syntax error.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import IO, Any

import pyoxigraph as ox

from .. import shacl as V
from ..errors import InputError
from ..terms import Triple
from . import formats
from .nquads import BLOCK, LineError, index_graphs, row_runs
from .records import (OnDeletion, document_starts, extend, records_from_quads, records_from_runs,
                      records_from_triples, subjects)

Index = V.Index  # subject -> predicate -> objects (``validate.index``)


def bundled_root_classes() -> frozenset[str]:
    """The record-root classes of arkgraph's bundled shapes (``ag:recordRoot``)."""
    return frozenset(V.load().root_classes)


def syntax_error(path: str, fmt: ox.RdfFormat, err: LineError) -> str:
    """pyoxigraph's own message for the first syntax error: re-read the file with it (stdin cannot
    be re-read: then the message pyoxigraph gave on the offending line)."""
    if path != "-":
        fh = formats.open_input(path)
        try:
            for _ in ox.parse(fh, format=fmt):
                pass
        except SyntaxError as exc:
            return str(exc)
        except OSError:
            pass
        finally:
            fh.close()
    return f"line {err.line}: {err.error}" if " at line " not in err.error else err.error


@contextmanager
def reading(path: str, fmt: ox.RdfFormat) -> Iterator[IO[bytes]]:
    """``path`` open to be read as ``fmt``: a syntax or read error in the block becomes an ``InputError``
    naming the file (with pyoxigraph's message for the first syntax error); the file is closed after."""
    fh = formats.open_input(path)
    try:
        yield fh
    except LineError as err:
        raise InputError(f"{path}: not readable as {fmt.name}: {syntax_error(path, fmt, err)}") from None
    except SyntaxError as exc:
        raise InputError(f"{path}: not readable as {fmt.name}: {exc}") from None
    except OSError as exc:
        raise InputError(f"{path}: {exc}") from None
    finally:
        formats.close_input(fh)


def row_records(fh: IO[bytes], fmt: ox.RdfFormat, root_classes: set[str] | frozenset[str],
                on_deletion: OnDeletion | None = None) -> Iterator[tuple[str, list[list[str]]]]:
    """Records from an N-Quads or N-Triples stream, with [s, p, o] rows."""
    quads = fmt == ox.RdfFormat.N_QUADS
    runs = row_runs(fh, quads)
    if not quads:
        yield from records_from_triples((t for _, ts in runs for t in ts), root_classes, on_deletion)
        return
    default: list[list[str]] = []
    yield from records_from_runs(runs, extend, default, on_deletion, subjects)
    if default:
        yield from records_from_triples(default, root_classes, on_deletion)


def triple_records(fh: IO[bytes], fmt: ox.RdfFormat, root_classes: set[str] | frozenset[str],
                   on_deletion: OnDeletion | None = None) -> Iterator[tuple[str, list[Triple]]]:
    """``row_records`` with (s, p, o) tuples."""
    for record, rows in row_records(fh, fmt, root_classes, on_deletion):
        yield record, list(map(tuple, rows))  # type: ignore[arg-type]


@cache
def _bundled_context(url: str) -> Any:
    """The bundled context a remote ``@context`` URL names (the value of its ``@context``); a URL arkgraph
    does not bundle is refused: nothing is fetched."""
    from ..jsonld import document_loader

    try:
        return document_loader(url)["document"]["@context"]
    except Exception:  # pyld's JsonLdError: its import costs 0.3 s, so it is not imported to be named
        raise ValueError(f"arkgraph does not fetch remote JSON-LD contexts: {url}") from None


def _words(node: Any, into: set[str]) -> set[str]:
    """Every key and string value in a JSON tree, and the prefix of each that looks like a compact IRI."""
    if isinstance(node, dict):
        for k, v in node.items():
            into.add(k)
            _words(v, into)
    elif isinstance(node, list):
        for x in node:
            _words(x, into)
    elif isinstance(node, str):
        into.add(node)
        if ":" in node:
            into.add(node.split(":", 1)[0])
    return into


def _pruned(url: str, words: set[str]) -> Any:
    """The bundled context ``url`` names, cut to what a document (its ``_words``) can use: keywords,
    prefixes, and the terms that occur in it (as a key, a type, a vocabulary value or a compact IRI's
    prefix). pyoxigraph copies the active context at every node with a type-scoped context: with all of
    Linked Art's 433 terms (Schema.org's 3,081) and their scoped contexts, reading took 10 times longer."""
    ctx = _bundled_context(url)
    if not isinstance(ctx, dict):
        return ctx
    return {k: _scoped_pruned(v, words) for k, v in ctx.items()
            if k in words or k[:1] == "@" or (isinstance(v, str) and v[-1:] in "/#:")}


def _scoped_pruned(definition: Any, words: set[str]) -> Any:
    """A term definition with its scoped context cut to the document's words, and dropped when nothing is
    left of it (an empty context changes nothing): each one is processed again at every node it applies to."""
    if not isinstance(definition, dict) or not isinstance(definition.get("@context"), dict):
        return definition
    scoped = {k: v for k, v in definition["@context"].items() if k in words}
    out = {k: v for k, v in definition.items() if k != "@context"}
    if scoped:
        out["@context"] = {**{k: v for k, v in definition["@context"].items() if k[:1] == "@"}, **scoped}
    return out


def _inline(node: Any, words: set[str]) -> Any:
    """``node`` with every remote context replaced by the bundled one (pruned to the document's
    ``words``), so pyoxigraph reads it offline."""
    if isinstance(node, list):
        return [_inline(x, words) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _inline(v, words) for k, v in node.items() if k != "@context"}
    if "@context" in node:
        ctx = node["@context"]
        if isinstance(ctx, str):
            ctx = _pruned(ctx, words)
        elif isinstance(ctx, list):
            ctx = [_pruned(c, words) if isinstance(c, str) else c for c in ctx]
        out["@context"] = ctx
    return out


def _triples(data: bytes, pre: str) -> list[Triple]:
    """The triples of a JSON-LD text, read by pyoxigraph, with its blank nodes labelled ``pre``0, ``pre``1…
    in order of appearance: deterministic, and apart from other documents'."""
    labels: dict[str, str] = {}

    def term(t: object) -> str:
        if isinstance(t, ox.BlankNode):
            label = labels.get(t.value)
            if label is None:
                label = labels[t.value] = f"{pre}{len(labels)}"
            return label
        return str(t)
    return [(term(q.subject), str(q.predicate), term(q.object))
            for q in ox.parse(data, format=ox.RdfFormat.JSON_LD)]


def _document_triples(doc: Any, pre: str) -> list[Triple]:
    """One JSON-LD document's triples, read by pyoxigraph with the bundled contexts inlined."""
    return _triples(json.dumps(_inline(doc, _words(doc, set())), ensure_ascii=False).encode("utf-8"), pre)


def jsonld_records(fh: IO[bytes], root_classes: set[str] | frozenset[str], name: str,
                   on_deletion: OnDeletion | None = None) -> Iterator[tuple[str, list[Triple]]]:
    """arkgraph's JSON-LD: an array of per-record documents, each read by pyoxigraph with the bundled
    contexts inlined (no network)."""
    import ijson

    from .records import DELETED, STRUCTURAL

    deleted = f"<{DELETED}>"
    root: str | None = None
    buf: list[Triple] = []
    owned: set[str] = set()
    ndoc = 0
    try:
        for doc in ijson.items(fh, "item", use_float=True):
            ndoc += 1
            ts = _document_triples(doc, f"_:d{ndoc}b")  # blank node labels are per document: keep them apart
            if any(p == deleted for _, p, _ in ts):  # a deletion marker's document
                if on_deletion is not None:
                    for s in dict.fromkeys(s for s, p, _ in ts if p == deleted):
                        on_deletion(s)
                ts = [t for t in ts if t[1] != deleted]
            doc_id = doc.get("id") or doc.get("@id") if isinstance(doc, dict) else None
            node = f"<{doc_id}>" if doc_id else None
            if document_starts(node, ts, root, owned, root_classes):
                if buf:
                    yield root or "", list(dict.fromkeys(buf))
                root, buf, owned = node, [], set()
            buf.extend(ts)
            owned.update(o for _, p, o in ts if p in STRUCTURAL)
    except (ijson.JSONError, SyntaxError, ValueError) as exc:
        raise InputError(f"{name}: not readable as arkgraph JSON-LD: {str(exc)[:200]}") from None
    if buf:  # a node described in several documents is said once (pyoxigraph does not merge them)
        yield root or "", list(dict.fromkeys(buf))


def read_runs(path: str, max_run: int = 20_000) -> Iterator[tuple[str | None, list[Triple]]]:
    """The statements of any RDF file as runs of consecutive statements in one graph:
    (graph term, or None for the default graph, at most ``max_run`` (s, p, o) triples). A graph may
    go on in the next run. For a caller that places statements itself (``arkgraph load --graph``)."""
    from itertools import groupby, islice
    from operator import attrgetter

    from .records import graph_name

    name = formats.input_format(path)
    if name == "jsonld":
        for _, triples in read_records(path, frozenset()):
            for i in range(0, len(triples), max_run):
                yield None, triples[i:i + max_run]
        return
    fmt = formats.ox_format(name)
    with reading(path, fmt) as fh:
        if name in ("nq", "nt"):
            for g, rows in row_runs(fh, name == "nq"):
                for i in range(0, len(rows), max_run):
                    yield g, list(map(tuple, rows[i:i + max_run]))  # type: ignore[misc]
            return
        for g, quads in groupby(ox.parse(fh, format=fmt), key=attrgetter("graph_name")):
            term = graph_name(g)
            while run := [(str(q.subject), str(q.predicate), str(q.object)) for q in islice(quads, max_run)]:
                yield term, run


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


def index_records(fh: IO[bytes], root_classes: set[str] | frozenset[str], chunk: int = BLOCK,
                  default: list[list[str]] | None = None) -> Iterator[tuple[str, Index]]:
    """Records from an N-Quads stream, each as its index. With ``default`` (a list), the
    default-graph rows are put in it rather than cut into records at the end."""
    keep = default is not None
    if default is None:
        default = []
    # a run is an index, or rows where a line was read on its own
    runs = ((g, data if g is None or isinstance(data, dict) else V.index(data)) for g, data in index_graphs(fh, chunk))
    yield from records_from_runs(runs, _merge, default)
    if not keep:
        yield from default_records(default, root_classes)


def default_records(rows: list[list[str]], root_classes: set[str] | frozenset[str]) -> Iterator[tuple[str, Index]]:
    """Default-graph rows (kept aside while the named graphs were read), cut into records as a triples
    file's, each as its index."""
    for record, triples in records_from_triples(rows, root_classes):
        yield record, V.index(triples)


def read_indexed(path: str, root_classes: set[str] | frozenset[str]) -> Iterator[tuple[str, Index]]:
    """``read_records``, each record's triples as ``validate.index`` makes them (what
    ``CompiledShapes.validate_index`` takes); N-Quads are split and indexed in one pass."""
    if formats.input_format(path) != "nq":
        for record, triples in read_records(path, root_classes, rows=True):
            yield record, V.index(triples)
        return
    with reading(path, ox.RdfFormat.N_QUADS) as fh:
        yield from index_records(fh, root_classes)


def read_records(path: str, root_classes: set[str] | frozenset[str] | None = None, rows: bool = False,
                 on_deletion: OnDeletion | None = None) -> Iterator[tuple[str, list[Triple]]]:
    """(record root term, its triples) from any RDF file arkgraph writes. ``root_classes``: those of
    the bundled shapes by default. With ``rows``, N-Quads and N-Triples records come as [s, p, o]
    lists (what ``validate.index`` takes), not tuples. ``on_deletion`` is told each deletion
    marker's record, in file order."""
    roots = root_classes if root_classes is not None else bundled_root_classes()
    name = formats.input_format(path)
    if name == "jsonld":
        fh = formats.open_input(path)
        try:
            yield from jsonld_records(fh, roots, path, on_deletion)
        finally:
            formats.close_input(fh)
        return
    fmt = formats.ox_format(name)
    with reading(path, fmt) as fh:
        if name in ("nq", "nt"):
            yield from (row_records if rows else triple_records)(fh, fmt, roots, on_deletion)  # type: ignore[misc]
            return
        parsed = ox.parse(fh, format=fmt)
        if name == "trig":
            yield from records_from_quads(parsed, roots, on_deletion)
        else:
            yield from records_from_triples(((str(t.subject), str(t.predicate), str(t.object)) for t in parsed),
                                            roots, on_deletion)

"""``arkgraph validate``: check RDF files against arkgraph's SHACL shapes, record by record."""

from __future__ import annotations

import gc
import gzip
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

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


def records_from_quads(quads: Iterator[ox.Quad], root_classes: set[str]) -> Iterator[tuple[str, list[Triple]]]:
    """A record = a named graph (contiguous, as arkgraph writes them); default-graph triples are
    cut into records like a triples file. The deletions graph carries no records."""
    current: str | None = None
    buf: list[Triple] = []
    default: list[Triple] = []
    for q in quads:
        g = q.graph_name
        t = (str(q.subject), str(q.predicate), str(q.object))
        if isinstance(g, ox.DefaultGraph):
            default.append(t)
            continue
        name = str(g)
        if name != current:
            if current is not None and buf and current != DELETIONS_GRAPH:
                yield current, buf
            current, buf = name, []
        buf.append(t)
    if current is not None and buf and current != DELETIONS_GRAPH:
        yield current, buf
    if default:
        yield from records_from_triples(iter(default), root_classes)


# ---------------------------------------------------------------------------------------------
# A fast reader for N-Quads / N-Triples in the canonical form arkgraph (and pyoxigraph) write:
# one statement per line, terms separated by one space, " ." at the end, and every term written
# exactly as ``str()`` of the pyoxigraph term gives it. Terms are checked against a conservative
# grammar (a subset of what pyoxigraph accepts and prints unchanged); a line that does not fit is
# handed to pyoxigraph alone (N-Quads lines are independent), so pyoxigraph stays the judge of
# anything unusual, and a syntax error is reported by re-reading the file with pyoxigraph.

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
_RESOURCE_RE = re.compile(f"{_IRI}|{_BNODE}")
_PRED_RE = re.compile(_IRI)
_OBJECT_RE = re.compile(f"{_IRI}|{_BNODE}|{_LITERAL}")
_CACHE_MAX = 100_000


class _Odd(Exception):
    """The fast reader met a line pyoxigraph must judge, and pyoxigraph rejected it."""

    def __init__(self, line: int, error: str):
        super().__init__(line, error)
        self.line, self.error = line, error


def _fast_runs(fh: IO[bytes], quads: bool, chunk: int = 1 << 22) -> Iterator[tuple[str | None, list[Triple]]]:
    """Runs of consecutive statements in one graph: (graph term, or None for the default graph,
    triples). A graph may go on in the next run. Raises _Odd where pyoxigraph finds a syntax error."""
    res_ok: dict[str, str] = {}
    pred_ok: dict[str, str] = {}
    obj_ok: dict[str, str] = {}
    res_get, pred_get, obj_get = res_ok.get, pred_ok.get, obj_ok.get
    res_match, pred_match, obj_match = _RESOURCE_RE.fullmatch, _PRED_RE.fullmatch, _OBJECT_RE.fullmatch
    fmt = ox.RdfFormat.N_QUADS if quads else ox.RdfFormat.N_TRIPLES
    rest = b""
    base = 0  # lines before this block
    cur: str | None = None
    buf: list[Triple] = []
    tail, cut_tail = "", 0  # " <graph> ." ending the lines of the current graph
    while True:
        block = fh.read(chunk)
        if block:
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
                break
        try:
            text = block.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _Odd(base + block.count(b"\n", 0, exc.start) + 1, "invalid UTF-8") from None
        del block
        lines = text.split("\n")
        del text
        if lines[-1] == "":
            lines.pop()
        if len(res_ok) + len(obj_ok) + len(pred_ok) > _CACHE_MAX:
            res_ok.clear()
            obj_ok.clear()
            pred_ok.clear()
        runs: list[tuple[str | None, list[Triple]]] = []
        append = buf.append
        for i, line in enumerate(lines, base + 1):
            if tail and line.endswith(tail):
                # the common case: same graph as the line before (already checked)
                parts = line[:-cut_tail].split(" ", 2)
                if len(parts) == 3:
                    s, p, o = parts
                    s_ = res_get(s)
                    if s_ is None and res_match(s):
                        res_ok[s] = s_ = s
                    p_ = pred_get(p)
                    if p_ is None and pred_match(p):
                        pred_ok[p] = p_ = p
                    o_ = obj_get(o)
                    if o_ is None and obj_match(o):
                        obj_ok[o] = o_ = o
                    if s_ is not None and p_ is not None and o_ is not None:
                        append((s_, p_, o_))
                        continue
            parts = line.split(" ", 2)
            if len(parts) == 3 and parts[2][-2:] == " .":
                s, p, body = parts
                body = body[:-2]
                s_ = res_get(s)
                if s_ is None and res_match(s):
                    res_ok[s] = s_ = s
                p_ = pred_get(p)
                if p_ is None and pred_match(p):
                    pred_ok[p] = p_ = p
                if s_ is not None and p_ is not None:
                    g_ = None
                    if quads:
                        o, sep, g = body.rpartition(" ")
                        if sep and (g[-1:] == ">" or g[:2] == "_:"):
                            g_ = res_get(g)
                            if g_ is None and res_match(g):
                                res_ok[g] = g_ = g
                            if g_ is not None:
                                body = o
                    o_ = obj_get(body)
                    if o_ is None and obj_match(body):
                        obj_ok[body] = o_ = body
                    if o_ is not None:
                        if g_ is not cur and g_ != cur:
                            if buf:
                                runs.append((cur, buf))
                            cur, buf = g_, []
                            append = buf.append
                            tail = f" {g_} ." if g_ is not None else ""
                            cut_tail = len(tail)
                        append((s_, p_, o_))
                        continue
            # not canonical: pyoxigraph parses this line alone
            try:
                for q in ox.parse(line.encode("utf-8"), format=fmt):
                    gn = q.graph_name
                    g_ = None if isinstance(gn, ox.DefaultGraph) else str(gn)
                    if g_ != cur:
                        if buf:
                            runs.append((cur, buf))
                        cur, buf = g_, []
                        append = buf.append
                        tail, cut_tail = "", 0
                    append((str(q.subject), str(q.predicate), str(q.object)))
            except SyntaxError as exc:
                raise _Odd(i, str(exc).replace(" at line 1 ", f" at line {i} ", 1)) from None
        base += len(lines)
        del lines
        yield from runs
    if buf:
        yield cur, buf


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


def _fast_records(fh: IO[bytes], fmt: ox.RdfFormat, root_classes: set[str]) -> Iterator[tuple[str, list[Triple]]]:
    """Records from an N-Quads or N-Triples stream, as records_from_quads/records_from_triples cut them."""
    quads = fmt == ox.RdfFormat.N_QUADS
    runs = _fast_runs(fh, quads)
    if not quads:
        yield from records_from_triples((t for _, ts in runs for t in ts), root_classes)
        return
    current: str | None = None
    buf: list[Triple] = []
    default: list[Triple] = []
    for g, ts in runs:
        if g is None:
            default.extend(ts)
            continue
        if g != current:
            if current is not None and buf and current != DELETIONS_GRAPH:
                yield current, buf
            current, buf = g, ts
        else:
            buf.extend(ts)
    if current is not None and buf and current != DELETIONS_GRAPH:
        yield current, buf
    if default:
        yield from records_from_triples(iter(default), root_classes)


def records_from_triples(triples: Iterator[Triple], root_classes: set[str]) -> Iterator[tuple[str, list[Triple]]]:
    """Cut a triple stream into records: a record starts where a new subject is typed with a class
    the shapes mark as a record root (ag:recordRoot), as arkgraph's writers put each record's
    triples together starting with the main resource's type."""
    root: str | None = None
    buf: list[Triple] = []
    for t in triples:
        s, p, o = t
        if p == V.TYPE and o in root_classes and s != root and (root is None or not s.startswith(root[:-1] + "/")):
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


def read_records(path: str, root_classes: set[str]) -> Iterator[tuple[str, list[Triple]]]:
    fmt = _format(path) if path != "-" else ox.RdfFormat.N_QUADS
    fh = _open(path)
    try:
        if fmt == "jsonld":
            yield from _jsonld_records(fh, root_classes, path)
            return
        assert isinstance(fmt, ox.RdfFormat)
        if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.N_TRIPLES):
            try:
                yield from _fast_records(fh, fmt, root_classes)
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


@click.command("validate")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option("--shapes", "shapes_dir", type=click.Path(exists=True),
              help="A directory (or file) of SHACL shapes in Turtle, instead of the bundled ones.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, writable=True),
              help="Write the full W3C sh:ValidationReport here: Turtle (.ttl), N-Triples (.nt) or JSON-LD (.jsonld).")
@click.option("-q", "--quiet", is_flag=True, help="Only the summary line.")
def validate(files: tuple[str, ...], shapes_dir: str | None, report_path: str | None, quiet: bool) -> None:
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
    try:
        shapes = V.load(shapes_dir)
        report = V.Report(keep_all=bool(report_path), shapes=shapes)
        for path in files:
            if path != "-" and not Path(path).exists():
                raise InputError(f"{path}: no such file")
            for record, triples in read_records(path, shapes.root_classes):
                report.add(record, shapes.validate(list(dict.fromkeys(triples)), unique=True))
    except ArkgraphError as exc:
        err = click.ClickException(str(exc))
        err.exit_code = exc.exit_code
        raise err from None
    finally:
        gc.set_threshold(*thresholds)
    if report_path:
        V.write_report(report_path, report.all, conforms=report.violations == 0)
    text = report.summary()
    click.echo(text.splitlines()[0] if quiet else text, err=True)
    sys.exit(1 if report.violations else 0)

"""``arkgraph validate``: check RDF files against arkgraph's SHACL shapes, record by record."""

from __future__ import annotations

import gzip
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
    if report_path:
        V.write_report(report_path, report.all, conforms=report.violations == 0)
    text = report.summary()
    click.echo(text.splitlines()[0] if quiet else text, err=True)
    sys.exit(1 if report.violations else 0)

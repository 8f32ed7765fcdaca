"""Where a record starts: the one rule every command (``validate``, ``load``, ``embed``) cuts RDF by.

- With named graphs (N-Quads, TriG) a record is a named graph: its consecutive quads, as arkgraph
  writes them. The deletions graph (:data:`DELETIONS_GRAPH`) holds deletion markers, no records.
- Without (N-Triples, Turtle, JSON-LD, and the default graph of a quads file) a record starts at a
  triple typing a subject with a record-root class (the shapes' ``ag:recordRoot`` classes), as
  arkgraph's writers start each record with its main resource's type — unless that subject is part
  of the record being read: its main resource, one of its ``<root/…>`` nodes, or the object of a
  structural edge (``schema:hasPart``, ``crm:P46_is_composed_of``…) read in it already. That is how a
  periodical's record holds its issues (typed ``schema:PublicationIssue``) without each of them
  starting a record of its own. Deletion markers (``<iri> ag:deleted true``) belong to no record.

Records come as ``(root term, statements)``: the root an N-Triples term (``<iri>``), the statements
[s, p, o] sequences of N-Triples terms.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import groupby
from operator import attrgetter
from typing import Any

import pyoxigraph as ox

from ..terms import AG, CRM, RDF, SCHEMA, Triple

DELETIONS_GRAPH = AG + "deletions"  # the graph of deletion markers
DELETED = AG + "deleted"  # a deletion marker's predicate: <iri> ag:deleted true
_DELETIONS = f"<{DELETIONS_GRAPH}>"
_DELETED = f"<{DELETED}>"
_TYPE = f"<{RDF}type>"

# Edges from a work to something that belongs to its record (a part, a manifest), not to another record.
STRUCTURAL = frozenset(f"<{p}>" for p in (
    SCHEMA + "hasPart", SCHEMA + "subjectOf", SCHEMA + "associatedMedia", SCHEMA + "workExample",
    CRM + "P46_is_composed_of", CRM + "P129i_is_subject_of", CRM + "P67i_is_referred_to_by",
    CRM + "P138i_has_representation", CRM + "P65_shows_visual_item"))

Record = tuple[str, list[Any]]  # (root term, its statements)
OnDeletion = Callable[[str], None]  # told the term of each deleted record, in file order


def graph_name(g: Any) -> str | None:
    """A pyoxigraph graph name as an N-Quads term, or None for the default graph."""
    return None if isinstance(g, ox.DefaultGraph) else str(g)


def within(s: str, root: str) -> bool:
    """``s`` is a record's main resource ``root`` or one of its nodes (``<root/…>``)."""
    return s == root or s.startswith(root[:-1] + "/")


def records_from_triples(triples: Iterable[Sequence[str]], root_classes: set[str] | frozenset[str],
                         on_deletion: OnDeletion | None = None) -> Iterator[Record]:
    """Cut a triple stream into records (the rule above). The statements keep their type
    (tuples or [s, p, o] lists)."""
    root: str | None = None
    buf: list[Any] = []
    owned: set[str] = set()
    for t in triples:
        s, p, o = t
        if p == _TYPE:
            if o in root_classes and (root is None or not (within(s, root) or s in owned)):
                if buf:
                    yield root or "", buf
                root, buf, owned = s, [], set()
        elif p in STRUCTURAL:
            owned.add(o)
        elif p == _DELETED:  # a marker ends the record before it (written between records)
            if buf:
                yield root or "", buf
            root, buf, owned = None, [], set()
            if on_deletion is not None:
                on_deletion(s)
            continue
        buf.append(t)
    if buf:
        yield root or "", buf


def document_starts(node: str | None, triples: Sequence[Sequence[str]], root: str | None, owned: set[str],
                    root_classes: set[str] | frozenset[str]) -> bool:
    """Does a JSON-LD document about ``node`` start a record after the record of ``root`` (whose
    structural objects are ``owned``)? The rule above, a document at a time."""
    return (node is not None and (root is None or not (within(node, root) or node in owned))
            and any(s == node and p == _TYPE and o in root_classes for s, p, o in triples))


def records_from_runs(runs: Iterable[tuple[str | None, Any]], join: Callable[[Any, Any], Any], default: list[Any],
                      on_deletion: OnDeletion | None = None,
                      deleted: Callable[[Any], Iterable[str]] | None = None) -> Iterator[tuple[str, Any]]:
    """Records from runs of statements (graph term, or None for the default graph; their data): a
    record is a named graph's consecutive runs, ``join``ed. The deletions graph carries no records
    (``on_deletion`` is told the subjects ``deleted(data)`` finds in it). Default-graph statements are
    put in ``default``, for the caller to cut into records as a triples file's."""
    def finished(g: str | None, data: Any) -> Iterator[tuple[str, Any]]:
        """A graph's joined runs, ended: a record, or the deletions graph's markers told."""
        if g is None or not data:
            return
        if g != _DELETIONS:
            yield g, data
        elif on_deletion is not None and deleted is not None:
            for s in deleted(data):
                on_deletion(s)

    current: str | None = None
    acc: Any = None
    for g, data in runs:
        if g is None:
            default.extend(data)
            continue
        if g != current:
            yield from finished(current, acc)
            current, acc = g, data
        else:
            acc = join(acc, data)
    yield from finished(current, acc)


def extend(into: list[Any], more: list[Any]) -> list[Any]:
    into.extend(more)
    return into


def subjects(rows: Iterable[Sequence[str]]) -> Iterator[str]:
    """The subjects of deletion markers' statements (rows of a deletions graph)."""
    return (r[0] for r in rows if r[1] == _DELETED)


def records_from_quads(quads: Iterable[ox.Quad], root_classes: set[str] | frozenset[str],
                       on_deletion: OnDeletion | None = None) -> Iterator[tuple[str, list[Triple]]]:
    """Records from pyoxigraph quads (the rule above)."""
    runs = ((graph_name(g), [(str(q.subject), str(q.predicate), str(q.object)) for q in qs])
            for g, qs in groupby(quads, key=attrgetter("graph_name")))
    default: list[Triple] = []
    yield from records_from_runs(runs, extend, default, on_deletion, subjects)
    if default:
        yield from records_from_triples(default, root_classes, on_deletion)


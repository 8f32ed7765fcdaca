"""SHACL property paths (SHACL 2.3.1): read from the shapes graph, followed in the data, written back as
RDF structure (``sh:resultPath``).

A ``PropertyPath`` is also its text: an IRI term for a predicate path (so results compare and print as
before), SPARQL 1.1 property-path syntax otherwise. The text is for reading; the report writes the structure.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .terms import FIRST, NIL, REST, Triple, is_iri, sh

if TYPE_CHECKING:
    from .data import Data

# SHACL's path kinds, as the shapes graph spells them (a sequence is an RDF list)
_UNARY = {"inversePath": "inverse", "zeroOrMorePath": "zeroOrMore", "oneOrMorePath": "oneOrMore",
          "zeroOrOnePath": "zeroOrOne"}
_SUFFIX = {"zeroOrMore": "*", "oneOrMore": "+", "zeroOrOne": "?"}


class PropertyPath(str):
    """A property path: ``kind`` is predicate, sequence, alternative, inverse, zeroOrMore, oneOrMore or
    zeroOrOne; ``pred`` the IRI term of a predicate path; ``parts`` the sub-paths of the others."""

    kind: str
    pred: str | None
    parts: tuple[PropertyPath, ...]

    def __new__(cls, kind: str, pred: str | None = None, parts: tuple[PropertyPath, ...] = ()) -> PropertyPath:
        if kind == "predicate":
            text = pred or ""
        elif kind == "inverse":
            text = "^" + parts[0]._atom()
        elif kind == "sequence":
            text = "/".join(p._atom() for p in parts)
        elif kind == "alternative":
            text = "|".join(p._atom() for p in parts)
        else:
            text = parts[0]._atom() + _SUFFIX[kind]
        self = super().__new__(cls, text)
        self.kind, self.pred, self.parts = kind, pred, parts
        return self

    def __getnewargs__(self) -> tuple[Any, ...]:  # type: ignore[override]  # pickled to worker processes
        return (self.kind, self.pred, self.parts)

    def _atom(self) -> str:
        return str(self) if self.kind in ("predicate", "inverse") or self.kind in _SUFFIX else f"({self})"

    @property
    def is_predicate(self) -> bool:
        return self.kind == "predicate"

    def rdf(self, label: str) -> tuple[str, list[Triple]]:
        """The path as RDF (SHACL 2.3.1): its node and the triples describing it, blank nodes labelled
        ``_:{label}n``."""
        triples: list[Triple] = []
        count = [0]

        def node() -> str:
            count[0] += 1
            return f"_:{label}{count[0]}"

        def rdf_list(items: list[str]) -> str:
            head = NIL
            for item in reversed(items):
                cell = node()
                triples.append((cell, FIRST, item))
                triples.append((cell, REST, head))
                head = cell
            return head

        def write(p: PropertyPath) -> str:
            if p.kind == "predicate":
                return p.pred or ""
            if p.kind == "sequence":
                return rdf_list([write(x) for x in p.parts])
            b = node()
            if p.kind == "alternative":
                triples.append((b, sh("alternativePath"), rdf_list([write(x) for x in p.parts])))
            else:
                name = next(k for k, v in _UNARY.items() if v == p.kind)
                triples.append((b, sh(name), write(p.parts[0])))
            return b

        return write(self), triples


class PathError(ValueError):
    pass


def read_path(g: Any, node: str) -> PropertyPath:
    """The path a shapes-graph node describes (``g`` has ``objs``, ``one``, ``items`` and ``spo``)."""
    if is_iri(node) and node != NIL and not g.spo.get(node):
        return PropertyPath("predicate", node)
    if g.objs(node, FIRST):  # a list is a sequence, whatever else the node says
        return PropertyPath("sequence", parts=tuple(read_path(g, x) for x in g.items(node)))
    for key, kind in _UNARY.items():
        inner = g.one(node, sh(key))
        if inner:
            return PropertyPath(kind, parts=(read_path(g, inner),))
    alt = g.one(node, sh("alternativePath"))
    if alt:
        return PropertyPath("alternative", parts=tuple(read_path(g, x) for x in g.items(alt)))
    if is_iri(node) and node != NIL:
        return PropertyPath("predicate", node)
    raise PathError(f"not a well-formed property path: {node}")


def values(data: Data, focus: str, path: PropertyPath) -> list[str]:
    """The value nodes of ``path`` at ``focus`` (a set: each once, in the order first reached)."""
    kind = path.kind
    if kind == "predicate":
        return data.objects(focus, path.pred or "")
    if kind == "inverse":
        inner = path.parts[0]
        if inner.kind == "predicate":
            return list(dict.fromkeys(data.subjects_of(focus, inner.pred or "")))
        candidates = dict.fromkeys(data.out)
        candidates[focus] = None  # a path of length zero leads back to the focus node itself
        return [s for s in candidates if focus in values(data, s, inner)]
    if kind == "sequence":
        current = [focus]
        for part in path.parts:
            reached: dict[str, None] = {}
            for n in current:
                reached.update(dict.fromkeys(values(data, n, part)))
            current = list(reached)
        return current
    if kind == "alternative":
        found: dict[str, None] = {}
        for part in path.parts:
            found.update(dict.fromkeys(values(data, focus, part)))
        return list(found)
    if kind == "zeroOrOne":
        return list(dict.fromkeys([focus, *values(data, focus, path.parts[0])]))
    seen: dict[str, None] = {focus: None} if kind == "zeroOrMore" else {}
    todo = [focus]
    while todo:
        for v in values(data, todo.pop(), path.parts[0]):
            if v not in seen:
                seen[v] = None
                todo.append(v)
    return list(seen)


def walk(path: PropertyPath) -> Iterator[PropertyPath]:
    """The path and every sub-path in it."""
    yield path
    for p in path.parts:
        yield from walk(p)

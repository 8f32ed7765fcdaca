"""The shapes graph read into shapes (SHACL 2): targets, path, severity, messages and the constraints each
shape declares, one ``Component`` per constraint. ``Shapes.validate`` checks one record's data graph."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..errors import UsageError
from . import run
from .components import COMPONENTS, Component
from .data import Data, Index
from .paths import PathError, PropertyPath, read_path
from .report import SEVERITIES, Result, short
from .terms import XSD, FIRST, NIL, REST, RDFS, SH, TYPE, Triple, is_bnode, is_literal, literal_parts, sh

AG = "https://w3id.org/arkgraph/ns#"
OWL = "http://www.w3.org/2002/07/owl#"
_SEVERITIES = {sh(s): s for s in SEVERITIES}
# sh: predicates a shape may carry besides its components' parameters (non-validating ones included)
_SHAPE_PARAMETERS = {"path", "targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "severity", "message",
                     "deactivated", "name", "description", "order", "group", "defaultValue"}
_KNOWN = _SHAPE_PARAMETERS | {p for c in COMPONENTS for p in c.parameters}
_TRUE = f'"true"^^<{XSD}boolean>'
_SHAPE_VALUED = ("node", "property", "not", "qualifiedValueShape")


class ShapesError(UsageError):
    pass


class ShapesGraph:
    """A tiny triple index over N-Triples term strings (the shapes graph), with the readers parameters need."""

    def __init__(self, triples: Iterable[Triple], source: str = "shapes"):
        self.source = source
        self.spo: dict[str, dict[str, list[str]]] = {}
        for s, p, o in triples:
            self.spo.setdefault(s, {}).setdefault(p, []).append(o)

    def objs(self, s: str, p: str) -> list[str]:
        return self.spo.get(s, {}).get(p, [])

    def one(self, s: str, p: str) -> str | None:
        v = self.objs(s, p)
        return v[0] if v else None

    def subjects(self, p: str, o: str | None = None) -> list[str]:
        return [s for s, po in self.spo.items() if p in po and (o is None or o in po[p])]

    def items(self, head: str) -> list[str]:
        """The members of an RDF list."""
        out = []
        while head and head != NIL:
            out.append(self.one(head, FIRST) or "")
            head = self.one(head, REST) or NIL
        return out

    def integer(self, term: str) -> int:
        try:
            return int(literal_parts(term)[0])
        except ValueError:
            raise self.error(f"{term} is not an integer") from None

    @staticmethod
    def boolean(term: str) -> bool:
        """Is the term ``true``? (SHACL's boolean parameters are on for that term only: not for "1"^^xsd:boolean.)"""
        return term == _TRUE

    def error(self, message: str) -> ShapesError:
        return ShapesError(f"{self.source}: {message}")


@dataclass(eq=False)
class Shape:
    iri: str
    path: PropertyPath | None = None
    severity: str = "Violation"    # Violation | Warning | Info, or a custom severity's IRI term
    messages: tuple[str, ...] = ()  # sh:message literals, as written
    message: str | None = None      # the first one's text
    deactivated: bool = False
    target_nodes: list[str] = field(default_factory=list)
    target_classes: list[str] = field(default_factory=list)
    target_subjects_of: list[str] = field(default_factory=list)
    target_objects_of: list[str] = field(default_factory=list)
    components: list[Component] = field(default_factory=list)
    record_root: bool = False      # ag:recordRoot: its target class types a record's main resource
    needs_values: bool = True      # a constraint can fail where the path has no value
    single_class: str | None = None  # the only target, when it is one sh:targetClass
    # set by arkgraph.shacl.run: the shape's results for a focus node (run), for given value nodes (run_vals),
    # and whether a node conforms (conf)
    run: Any = None
    run_vals: Any = None
    conf: Any = None

    @property
    def has_targets(self) -> bool:
        return bool(self.target_nodes or self.target_classes or self.target_subjects_of or self.target_objects_of)


class Shapes:
    """A shapes graph read once; ``validate(triples)`` checks one record (a data graph)."""

    def __init__(self, triples: Iterable[Triple], source: str = "shapes"):
        g = self.g = ShapesGraph(triples, source)
        self.source = source
        nodes: set[str] = set(g.subjects(TYPE, sh("NodeShape"))) | set(g.subjects(TYPE, sh("PropertyShape")))
        for p in ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "path"):
            nodes |= set(g.subjects(sh(p)))
        todo = list(nodes)  # and the shapes that shape-valued parameters name
        while todo:
            s = todo.pop()
            refs = [r for p in _SHAPE_VALUED for r in g.objs(s, sh(p))]
            refs += [r for p in ("and", "or", "xone") for head in g.objs(s, sh(p)) for r in g.items(head)]
            for r in refs:
                if r not in nodes:
                    nodes.add(r)
                    todo.append(r)
        self.shapes: dict[str, Shape] = {s: self._read(s) for s in sorted(nodes)}
        for shape in self.shapes.values():
            for c in shape.components:
                c.bind(self)
            shape.needs_values = any(c.fails_on_empty for c in shape.components)
        self.targeted = [s for s in self.shapes.values() if s.has_targets and not s.deactivated]
        for s, shape in self.shapes.items():  # implicit class targets: a shape that is also a class
            types = g.objs(s, TYPE)
            if (f"<{RDFS}Class>" in types or f"<{OWL}Class>" in types) and s not in shape.target_classes:
                shape.target_classes.append(s)
                if shape not in self.targeted and not shape.deactivated:
                    self.targeted.append(shape)
        for shape in self.shapes.values():
            if (not shape.target_nodes and not shape.target_subjects_of and not shape.target_objects_of
                    and len(shape.target_classes) == 1):
                shape.single_class = shape.target_classes[0]
        self.target_preds_s = {p for s in self.targeted for p in s.target_subjects_of}
        self.target_preds_o = {p for s in self.targeted for p in s.target_objects_of}
        self.target_preds_all = frozenset(self.target_preds_s | self.target_preds_o)
        self.special_preds = self.target_preds_all | {f"<{RDFS}subClassOf>"}
        self.root_classes = {c for s in self.shapes.values() if s.record_root for c in s.target_classes}
        self.names = {s: self._display(s, 0) for s in self.shapes}
        run.build(self)

    def _read(self, s: str) -> Shape:
        g = self.g
        for pred in g.spo.get(s, {}):
            if pred.startswith("<" + SH) and pred[len(SH) + 1:-1] not in _KNOWN:
                name = pred[len(SH) + 1:-1]
                if name in ("sparql", "prefixes", "declare", "select", "ask"):
                    raise g.error(f"shape {s} uses sh:{name}: SHACL-SPARQL is not supported (SHACL Core only)")
                raise g.error(f"shape {s} uses sh:{name}, which is not SHACL Core or not supported")
        messages = tuple(m for m in g.objs(s, sh("message")) if is_literal(m))
        sev = g.one(s, sh("severity"))
        shape = Shape(s, severity=_SEVERITIES.get(sev, sev) if sev else "Violation", messages=messages,
                      message=literal_parts(messages[0])[0] if messages else None,
                      deactivated=any(g.boolean(d) for d in g.objs(s, sh("deactivated"))),
                      record_root=any(g.boolean(d) for d in g.objs(s, f"<{AG}recordRoot>")),
                      target_nodes=list(g.objs(s, sh("targetNode"))),
                      target_classes=list(g.objs(s, sh("targetClass"))),
                      target_subjects_of=list(g.objs(s, sh("targetSubjectsOf"))),
                      target_objects_of=list(g.objs(s, sh("targetObjectsOf"))))
        p = g.one(s, sh("path"))
        if p:
            try:
                shape.path = read_path(g, p)
            except PathError as exc:
                raise g.error(f"shape {s}: {exc}") from None
        for component in COMPONENTS:
            if component.property_shapes_only and shape.path is None:
                continue
            for param in component.read(g, s):
                shape.components.append(component(shape, param))
        return shape

    def sibling_qualified_shapes(self, shape: str, qualified: str) -> list[str]:
        """The sibling shapes of a qualified value shape (SHACL 4.7.3)."""
        g = self.g
        return [q for parent in g.subjects(sh("property"), shape) for ps in g.objs(parent, sh("property"))
                for q in g.objs(ps, sh("qualifiedValueShape")) if q != qualified]

    def _display(self, s: str, depth: int) -> str:
        """A readable name: the shape's IRI, or its parent's name and its path for blank property shapes."""
        if not is_bnode(s) or depth > 5:
            return short(s)
        shape = self.shapes.get(s)
        path = short(shape.path) if shape and shape.path else ""
        for p in ("property", "node", "qualifiedValueShape", "not"):
            parents = self.g.subjects(sh(p), s)
            if parents:
                return f"{self._display(parents[0], depth + 1)} {path}".rstrip()
        for p in ("or", "and", "xone"):
            for parent, po in self.g.spo.items():
                for head in po.get(sh(p), []):
                    if s in self.g.items(head):
                        return f"{self._display(parent, depth + 1)} sh:{p} {path}".rstrip()
        return path or s

    # -- validation ----------------------------------------------------------------------------
    def validate(self, triples: Iterable[Triple]) -> list[Result]:
        """The results of validating one record's triples (every result, duplicates counted, in a stable order)."""
        return self._run(Data(triples, self))

    def validate_index(self, out: Index) -> list[Result]:
        """``validate`` on a record already indexed by ``index()`` (subject -> predicate -> objects)."""
        return self._run(Data((), self, out))

    def _run(self, data: Data) -> list[Result]:
        ev = run.Evaluation(self, data)
        results: list[Result] = []
        by_type = None if data.subclass else data.by_type
        for shape in self.targeted:
            cls = shape.single_class
            if cls is not None and by_type is not None:
                nodes = by_type.get(cls)
                if not nodes:
                    continue
            else:
                nodes = data.focus_nodes(shape)
            shape_run = shape.run
            for f in nodes:
                shape_run(ev, f, results)
        if len(results) > 1:
            # focus nodes may come out of sets, whose order changes with each process's hash seed
            results.sort(key=Result.order)
        return results

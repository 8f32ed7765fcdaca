"""Other constraint components (SHACL 4.8): sh:closed (with sh:ignoredProperties), sh:hasValue, sh:in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..report import Result
from ..terms import is_iri, sh, without_xsd_string
from .base import Component, ValueComponent

if TYPE_CHECKING:
    from ..codegen import Gen
    from ..run import Evaluation
    from ..shapes import ShapesGraph


class Closed(Component):
    """Each value node has no property but the paths of the shape's property shapes and the ignored ones:
    one result per other triple, its predicate as sh:resultPath and its object as sh:value."""

    name, parameters = "Closed", ("closed", "ignoredProperties")

    @classmethod
    def read(cls, g: ShapesGraph, node: str) -> list[Any]:
        if not any(g.boolean(v) for v in super().read(g, node)):
            return []
        allowed: set[str] = set()
        for head in g.objs(node, sh("ignoredProperties")):
            allowed.update(g.items(head))
        for ps in g.objs(node, sh("property")):
            for p in g.objs(ps, sh("path")):
                if is_iri(p):
                    allowed.add(p)
        return [frozenset(allowed)]

    def check(self, ev: Evaluation, focus: str, values: list[str], out: list[Result]) -> None:
        s = self.shape
        message = s.message or "property not allowed (closed shape)"
        for v in values:
            for p, objs in (ev.data.out.get(v) or {}).items():
                if p not in self.param:
                    for o in objs:
                        out.append(Result(focus, p, self.component, s.iri, o, message, s.severity, s.messages))


class HasValue(Component):
    """The term is one of the value nodes (no sh:value in the result)."""

    name, parameters = "HasValue", ("hasValue",)

    @property
    def fails_on_empty(self) -> bool:
        return True

    def check(self, ev: Evaluation, focus: str, values: list[str], out: list[Result]) -> None:
        if not self.conforms(ev, focus, values):
            out.append(self.result(focus, None, f"missing value {self.param}"))

    def conforms(self, ev: Evaluation, focus: str, values: list[str]) -> bool:
        return without_xsd_string(self.param) in values or self.param in values

    def gen_conf(self, g: Gen, f: str, values: str) -> list[str]:
        h, h2 = g.bind(without_xsd_string(self.param)), g.bind(self.param)
        return [f"if {h} not in {values} and {h2} not in {values}:", "    return False"]


class In(ValueComponent):
    """Each value node is a member of the list (RDF term equality)."""

    name, parameters = "In", ("in",)

    @classmethod
    def read(cls, g: ShapesGraph, node: str) -> list[Any]:
        return [frozenset(without_xsd_string(x) for x in g.items(v)) for v in super().read(g, node)]

    def ok(self, ev: Evaluation, v: str) -> bool:
        return v in self.param or without_xsd_string(v) in self.param

    def message(self) -> str:
        return "value is not in the allowed list"

    def gen_test(self, g: Gen, v: str) -> str:
        a = g.bind(self.param)
        return f"({v} in {a} or {g.bind(without_xsd_string)}({v}) in {a})"

"""Shape-based constraint components (SHACL 4.7): sh:node, sh:property, sh:qualifiedValueShape with
sh:qualifiedMinCount / sh:qualifiedMaxCount (and sh:qualifiedValueShapesDisjoint)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..terms import sh
from .base import Component, ValueComponent

if TYPE_CHECKING:
    from ..codegen import Gen
    from ..report import Result
    from ..run import Evaluation
    from ..shapes import Shape, Shapes, ShapesGraph


class Node(ValueComponent):
    """Each value node conforms to the node shape."""

    name, parameters = "Node", ("node",)

    def bind(self, shapes: Shapes) -> None:
        self.target: Shape = shapes.shapes[self.param]

    def ok(self, ev: Evaluation, v: str) -> bool:
        return self.target.conf(ev, v)

    def message(self) -> str:
        return f"value does not conform to {self.param}"

    def gen_test(self, g: Gen, v: str) -> str:
        return f"{g.bind(self.target)}.conf(ev, {v})"


class Property(Component):
    """Each value node is validated against the property shape: its results are the property shape's own."""

    name, parameters = "Property", ("property",)

    def bind(self, shapes: Shapes) -> None:
        self.target: Shape = shapes.shapes[self.param]

    def check(self, ev: Evaluation, focus: str, values: list[str], out: list[Result]) -> None:
        for v in values:
            self.target.run(ev, v, out)

    def conforms(self, ev: Evaluation, focus: str, values: list[str]) -> bool:
        return all(self.target.conf(ev, v) for v in values)

    def _predicate(self) -> str | None:
        t = self.target
        return t.path.pred if t.path is not None and t.path.is_predicate and not t.deactivated else None

    def gen_run(self, g: Gen, values: str) -> list[str]:
        ps, pred = g.bind(self.target), self._predicate()
        if values == "(f,)" and pred is not None:
            # a node shape's property: the focus node's predicates looked up once (g.focus_po), no call to
            # the property shape's run for the path's values
            vals = g.var("vals")
            lines = [f"{vals} = {g.focus_po()}.get({g.bind(pred)})", f"if {vals}:",
                     f"    {ps}.run_vals(ev, f, {vals}, out)"]
            if self.target.needs_values:
                lines += ["else:", f"    {ps}.run_vals(ev, f, EMPTY_LIST, out)"]
            return lines
        v = g.var("v")
        return [f"for {v} in {values}:", f"    {ps}.run(ev, {v}, out)"]

    def gen_conf(self, g: Gen, f: str, values: str) -> list[str]:
        if values == f"({f},)" and not self.target.deactivated and g.can_inline():
            return g.conf_body(self.target, f)  # the property shape's checks written out in its parent's
        v = g.var("v")
        return [f"for {v} in {values}:", f"    if not {g.bind(self.target)}.conf(ev, {v}):", "        return False"]


class _Qualified(Component):
    property_shapes_only = True
    at_least: bool

    @classmethod
    def read(cls, g: ShapesGraph, node: str) -> list[Any]:
        disjoint = any(g.boolean(d) for d in g.objs(node, sh("qualifiedValueShapesDisjoint")))
        counts = [g.integer(n) for n in super().read(g, node)]
        return [(q, n, disjoint) for q in g.objs(node, sh("qualifiedValueShape")) for n in counts]

    @property
    def fails_on_empty(self) -> bool:
        return self.at_least and self.param[1] > 0

    def bind(self, shapes: Shapes) -> None:
        q, self.count, disjoint = self.param
        self.target: Shape = shapes.shapes[q]
        # sibling shapes (SHACL 4.7.3): the qualified value shapes of the other property shapes of the
        # shapes that have this one as sh:property
        self.siblings: list[Shape] = [shapes.shapes[s] for s in shapes.sibling_qualified_shapes(self.shape.iri, q)] \
            if disjoint else []

    def check(self, ev: Evaluation, focus: str, values: list[str], out: list[Result]) -> None:
        n = 0
        for v in values:
            if self.target.conf(ev, v) and not any(s.conf(ev, v) for s in self.siblings):
                n += 1
                if self.at_least and n >= self.count:
                    return  # enough: the rest cannot change the verdict
        if (n < self.count) if self.at_least else (n > self.count):
            out.append(self.result(focus, None, f"{n} values conform to the qualified shape, "
                                                f"{'fewer' if self.at_least else 'more'} than {self.count}"))


class QualifiedMinCount(_Qualified):
    """At least n value nodes conform to the qualified value shape (and to none of its siblings, if disjoint)."""

    name, parameters, at_least = "QualifiedMinCount", ("qualifiedMinCount", "qualifiedValueShape",
                                                      "qualifiedValueShapesDisjoint"), True


class QualifiedMaxCount(_Qualified):
    """At most n value nodes conform to the qualified value shape (and to none of its siblings, if disjoint)."""

    name, parameters, at_least = "QualifiedMaxCount", ("qualifiedMaxCount", "qualifiedValueShape",
                                                      "qualifiedValueShapesDisjoint"), False

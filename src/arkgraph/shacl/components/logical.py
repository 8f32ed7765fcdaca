"""Logical constraint components (SHACL 4.6): sh:not, sh:and, sh:or, sh:xone, on each value node.

A node conforms to a shape when validating it against the shape gives no result (of any severity, SHACL 1.0)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import ValueComponent

if TYPE_CHECKING:
    from ..codegen import Gen
    from ..run import Evaluation
    from ..shapes import Shape, Shapes, ShapesGraph


class Not(ValueComponent):
    """Each value node does not conform to the shape."""

    name, parameters = "Not", ("not",)

    def bind(self, shapes: Shapes) -> None:
        self.target: Shape = shapes.shapes[self.param]

    def ok(self, ev: Evaluation, v: str) -> bool:
        return not self.target.conf(ev, v)

    def message(self) -> str:
        return f"value conforms to {self.param}"

    def gen_test(self, g: Gen, v: str) -> str:
        return f"not {g.bind(self.target)}.conf(ev, {v})"


class _List(ValueComponent):
    word: str

    @classmethod
    def read(cls, g: ShapesGraph, node: str) -> list[Any]:
        return [g.items(v) for v in super().read(g, node)]

    def bind(self, shapes: Shapes) -> None:
        self.members: list[Shape] = [shapes.shapes[s] for s in self.param]

    def message(self) -> str:
        return f"value fails sh:{self.parameters[0]}"


class And(_List):
    """Each value node conforms to every shape of the list."""

    name, parameters = "And", ("and",)

    def ok(self, ev: Evaluation, v: str) -> bool:
        return all(m.conf(ev, v) for m in self.members)

    def gen_test(self, g: Gen, v: str) -> str:
        return " and ".join(f"{g.bind(m)}.conf(ev, {v})" for m in self.members) or "True"


class Or(_List):
    """Each value node conforms to at least one shape of the list."""

    name, parameters = "Or", ("or",)

    def ok(self, ev: Evaluation, v: str) -> bool:
        return any(m.conf(ev, v) for m in self.members)

    def gen_test(self, g: Gen, v: str) -> str:
        return "(" + (" or ".join(f"{g.bind(m)}.conf(ev, {v})" for m in self.members) or "False") + ")"


class Xone(_List):
    """Each value node conforms to exactly one shape of the list (a shape listed twice counts twice)."""

    name, parameters = "Xone", ("xone",)

    def ok(self, ev: Evaluation, v: str) -> bool:
        return sum(1 for m in self.members if m.conf(ev, v)) == 1

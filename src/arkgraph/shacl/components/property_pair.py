"""Property pair constraint components (SHACL 4.5): sh:equals, sh:disjoint, sh:lessThan, sh:lessThanOrEquals,
comparing the value nodes with the values of another property at the focus node.

sh:lessThan and sh:lessThanOrEquals give a result for each pair that is not in order, including the pairs
that cannot be compared ("where the two values cannot be compared", SHACL 4.5.3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..xsd import compare
from .base import Component

if TYPE_CHECKING:
    from ..report import Result
    from ..run import Evaluation


class Equals(Component):
    """The value nodes and the values of the other property are the same set: one result per node in one only."""

    name, parameters = "Equals", ("equals",)

    @property
    def fails_on_empty(self) -> bool:
        return True

    def check(self, ev: Evaluation, focus: str, values: list[str], out: list[Result]) -> None:
        others = ev.data.objects(focus, self.param)
        for v in values:
            if v not in others:
                out.append(self.result(focus, v, f"value is not a value of {self.param}"))
        for o in others:
            if o not in values:
                out.append(self.result(focus, o, f"value of {self.param} is not a value node"))


class Disjoint(Component):
    """No value node is a value of the other property: one result per shared node."""

    name, parameters = "Disjoint", ("disjoint",)

    def check(self, ev: Evaluation, focus: str, values: list[str], out: list[Result]) -> None:
        others = ev.data.objects(focus, self.param)
        for v in values:
            if v in others:
                out.append(self.result(focus, v, f"value is also a value of {self.param}"))


class _Order(Component):
    property_shapes_only = True
    allowed: tuple[int, ...]
    op: str

    def check(self, ev: Evaluation, focus: str, values: list[str], out: list[Result]) -> None:
        others = ev.data.objects(focus, self.param)
        for v in values:
            for o in others:
                if compare(v, o) not in self.allowed:
                    out.append(self.result(focus, v, f"value is not {self.op} {o}"))


class LessThan(_Order):
    name, parameters, allowed, op = "LessThan", ("lessThan",), (-1,), "<"


class LessThanOrEquals(_Order):
    name, parameters, allowed, op = "LessThanOrEquals", ("lessThanOrEquals",), (-1, 0), "<="

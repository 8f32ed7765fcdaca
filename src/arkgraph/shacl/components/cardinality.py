"""Cardinality constraint components (SHACL 4.2): sh:minCount, sh:maxCount (property shapes only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import Component

if TYPE_CHECKING:
    from ..codegen import Gen
    from ..report import Result
    from ..run import Evaluation
    from ..shapes import ShapesGraph


class _Count(Component):
    property_shapes_only = True
    below: bool  # minCount: too few is the failure

    @classmethod
    def read(cls, g: ShapesGraph, node: str) -> list[Any]:
        return [g.integer(v) for v in super().read(g, node)]

    @property
    def fails_on_empty(self) -> bool:
        return self.below and self.param > 0

    def _fails(self, n: int) -> bool:
        return n < self.param if self.below else n > self.param

    def check(self, ev: Evaluation, focus: str, values: list[str], out: list[Result]) -> None:
        if self._fails(len(values)):
            out.append(self.result(focus, None, f"{'fewer' if self.below else 'more'} than {self.param} values"))

    def conforms(self, ev: Evaluation, focus: str, values: list[str]) -> bool:
        return not self._fails(len(values))

    def _op(self) -> str:
        return f"{'<' if self.below else '>'} {int(self.param)}"

    def gen_run(self, g: Gen, values: str) -> list[str]:
        fail = g.bind(lambda focus: self.result(focus, None, f"{'fewer' if self.below else 'more'} than "
                                                              f"{self.param} values"))
        return [f"if len({values}) {self._op()}:", f"    out.append({fail}(f))"]

    def gen_conf(self, g: Gen, f: str, values: str) -> list[str]:
        return [f"if len({values}) {self._op()}:", "    return False"]


class MinCount(_Count):
    """At least n value nodes."""

    name, parameters, below = "MinCount", ("minCount",), True


class MaxCount(_Count):
    """At most n value nodes."""

    name, parameters, below = "MaxCount", ("maxCount",), False

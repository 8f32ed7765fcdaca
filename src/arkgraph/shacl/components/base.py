"""What every constraint component is: its parameters read from the shapes graph, its check (the results
it gives for a focus node and its value nodes), and the code the fast path generates from it.

A component's meaning lives in its class: ``check`` is the definition (SHACL 4), ``conforms`` and the
generated code must agree with it (tests/test_w3c_shacl.py and tests/test_validate_agreement.py run both).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from ..report import Result

if TYPE_CHECKING:
    from ..codegen import Gen
    from ..run import Evaluation
    from ..shapes import Shape, Shapes, ShapesGraph


class Component:
    """One constraint of a shape: an instance of a SHACL constraint component with its parameter values."""

    name: ClassVar[str]                      # "Class": the component is sh:ClassConstraintComponent
    parameters: ClassVar[tuple[str, ...]]    # the sh: parameters it reads, the mandatory one first
    property_shapes_only: ClassVar[bool] = False

    def __init__(self, shape: Shape, param: Any):
        self.shape = shape
        self.param = param

    @classmethod
    def read(cls, g: ShapesGraph, node: str) -> list[Any]:
        """One parameter value per constraint this shape declares (default: the main parameter's values)."""
        return g.objs(node, f"<http://www.w3.org/ns/shacl#{cls.parameters[0]}>")

    def bind(self, shapes: Shapes) -> None:
        """Resolve references to other shapes, once every shape is read."""

    @property
    def component(self) -> str:
        return self.name + "ConstraintComponent"

    @property
    def fails_on_empty(self) -> bool:
        """Can the constraint give a result when the path has no value at the focus node?"""
        return False

    def result(self, focus: str, value: str | None, message: str) -> Result:
        s = self.shape
        return Result(focus, s.path, self.component, s.iri, value, s.message or message, s.severity, s.messages)

    def check(self, ev: Evaluation, focus: str, values: list[str], out: list[Result]) -> None:
        raise NotImplementedError

    def conforms(self, ev: Evaluation, focus: str, values: list[str]) -> bool:
        out: list[Result] = []
        self.check(ev, focus, values, out)
        return not out

    # -- the fast path (arkgraph.shacl.codegen): lines of Python in the generated functions -----------
    def gen_run(self, g: Gen, values: str) -> list[str]:
        """Lines appending the results for focus ``f`` and the value nodes in ``values`` to ``out``."""
        return [f"{g.bind(self.check)}(ev, f, {values}, out)"]

    def gen_conf(self, g: Gen, f: str, values: str) -> list[str]:
        """Lines returning False when focus ``f`` (value nodes ``values``) fails the constraint."""
        return [f"if not {g.bind(self.conforms)}(ev, {f}, {values}):", "    return False"]


class ValueComponent(Component):
    """A component that judges each value node alone: one result per failing value node, with it as sh:value."""

    def ok(self, ev: Evaluation, v: str) -> bool:
        raise NotImplementedError

    def message(self) -> str:
        raise NotImplementedError

    def check(self, ev: Evaluation, focus: str, values: list[str], out: list[Result]) -> None:
        for v in values:
            if not self.ok(ev, v):
                out.append(self.result(focus, v, self.message()))

    def conforms(self, ev: Evaluation, focus: str, values: list[str]) -> bool:
        return all(self.ok(ev, v) for v in values)

    def gen_test(self, g: Gen, v: str) -> str:
        """A Python expression, true when the value node in variable ``v`` passes."""
        return f"{g.bind(self.ok)}(ev, {v})"

    def _fail(self) -> Callable[[str, str], Result]:
        message = self.message()
        return lambda focus, v: self.result(focus, v, message)

    def gen_run(self, g: Gen, values: str) -> list[str]:
        fail = g.bind(self._fail())
        if values == "(f,)":  # a node shape: its one value node is the focus node
            return [f"if not ({self.gen_test(g, 'f')}):", f"    out.append({fail}(f, f))"]
        v = g.var("v")
        return [f"for {v} in {values}:", f"    if not ({self.gen_test(g, v)}):", f"        out.append({fail}(f, {v}))"]

    def gen_conf(self, g: Gen, f: str, values: str) -> list[str]:
        if values == f"({f},)":
            return [f"if not ({self.gen_test(g, f)}):", "    return False"]
        v = g.var("v")
        return [f"for {v} in {values}:", f"    if not ({self.gen_test(g, v)}):", "        return False"]


class TermComponent(ValueComponent):
    """A value component that needs the value node's term only (not the data graph): ``passes(v)``;
    the generated test remembers it per term (``gen_memo``)."""

    def passes(self, v: str) -> bool:
        raise NotImplementedError

    def ok(self, ev: Evaluation, v: str) -> bool:
        return self.passes(v)

    def gen_test(self, g: Gen, v: str) -> str:
        return gen_memo(g, self.passes, v)


def memo_test(test: Callable[[str], bool], size: int = 100_000) -> tuple[dict[str, bool], Callable[[str], bool]]:
    """``test`` remembered per term (bounded: cleared when full): the table, and the function filling it."""
    memo: dict[str, bool] = {}

    def judge(v: str) -> bool:
        ok = bool(test(v))
        if len(memo) >= size:
            memo.clear()
        memo[v] = ok
        return ok
    return memo, judge


def gen_memo(g: Gen, test: Callable[[str], bool], v: str) -> str:
    """An expression looking ``v`` up in a memo table of ``test`` before calling it."""
    memo, judge = memo_test(test)
    d, j, ok = g.bind(memo), g.bind(judge), g.var("ok")
    return f"({ok} if ({ok} := {d}.get({v})) is not None else {j}({v}))"

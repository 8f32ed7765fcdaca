"""How shapes are run: each shape gets three functions, ``run(ev, focus, out)`` (its results for a focus
node), ``run_vals(ev, focus, values, out)`` (the same, the value nodes given) and ``conf(ev, node)`` (does the
node conform?). They are generated (arkgraph.shacl.codegen) unless ``ARKGRAPH_SHACL_CODEGEN=0``, when the
components' own ``check`` and ``conforms`` are called one by one: the same results, for measuring the
generated code against.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from . import codegen

if TYPE_CHECKING:
    from .data import Data
    from .report import Result
    from .shapes import Shape, Shapes

GENERATE = os.environ.get("ARKGRAPH_SHACL_CODEGEN", "1") != "0"


class Evaluation:
    """One record's validation: the shapes and the data, what every check is given."""

    __slots__ = ("data", "shapes")

    def __init__(self, shapes: Shapes, data: Data):
        self.shapes, self.data = shapes, data


def build(shapes: Shapes) -> None:
    for shape in shapes.shapes.values():
        if shape.deactivated:  # every node conforms; no results
            shape.run = lambda ev, f, out: None
            shape.run_vals = lambda ev, f, values, out: None
            shape.conf = lambda ev, node: True
        elif GENERATE:
            shape.run_vals = codegen.run_vals(shape)
            shape.conf = codegen.lazy_conf(shape)
        else:
            shape.run_vals, shape.conf = _run_vals(shape), _conf(shape)
    for shape in shapes.shapes.values():
        if not shape.deactivated:
            shape.run = _run(shape)


def _run(shape: Shape) -> object:
    path, run_vals = shape.path, shape.run_vals
    if path is None:
        def run(ev: Evaluation, f: str, out: list[Result]) -> None:
            run_vals(ev, f, [f], out)
    elif path.is_predicate:
        pred, needs = path.pred or "", shape.needs_values

        def run(ev: Evaluation, f: str, out: list[Result]) -> None:
            po = ev.data.out.get(f)
            values = po.get(pred) if po else None
            if values:
                run_vals(ev, f, values, out)
            elif needs:
                run_vals(ev, f, [], out)
    else:
        def run(ev: Evaluation, f: str, out: list[Result]) -> None:
            run_vals(ev, f, ev.data.values(f, path), out)
    return run


def _run_vals(shape: Shape) -> object:
    components = shape.components

    def run_vals(ev: Evaluation, f: str, values: list[str], out: list[Result]) -> None:
        for c in components:
            c.check(ev, f, values, out)
    return run_vals


def _conf(shape: Shape) -> object:
    components, path = shape.components, shape.path

    def conf(ev: Evaluation, node: str) -> bool:
        values = [node] if path is None else ev.data.values(node, path)
        return all(c.conforms(ev, node, values) for c in components)
    return conf

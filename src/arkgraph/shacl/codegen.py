"""The fast path: each shape's ``run_vals`` and ``conf`` written out as one Python function, from the lines
its components give (``Component.gen_run`` / ``gen_conf``): no call per constraint, the focus node's
predicates looked up once for all of a node shape's property shapes, and a node shape's property shapes
inlined in its conformance test. The results are the components' ``check`` results (run.py can run those
directly: ``ARKGRAPH_SHACL_CODEGEN=0``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .report import Result
from .terms import TYPE

if TYPE_CHECKING:
    from .shapes import Shape

_INLINE_LINES = 400  # a conformance test stops inlining property shapes past this many lines
_INLINE_DEPTH = 4


class Gen:
    """One generated function: its lines and the names they use."""

    def __init__(self) -> None:
        self.env: dict[str, Any] = {"TYPE": TYPE, "EMPTY": {}, "EMPTY_LIST": (), "Result": Result}
        self.n = 0
        self.depth = 0
        self.uses_focus_po = False
        self.emitted = 0  # lines written so far by conf_body

    def bind(self, obj: Any) -> str:
        """A name in the function's globals holding ``obj``."""
        self.n += 1
        name = f"K{self.n}"
        self.env[name] = obj
        return name

    def var(self, prefix: str) -> str:
        """A fresh local variable name."""
        self.n += 1
        return f"{prefix}{self.n}"

    def focus_po(self) -> str:
        """The focus node's predicate -> objects (looked up once at the top of the function)."""
        self.uses_focus_po = True
        return "po_f"

    def can_inline(self) -> bool:
        return self.emitted < _INLINE_LINES and self.depth < _INLINE_DEPTH

    def conf_body(self, shape: Shape, f: str) -> list[str]:
        """Lines returning False when ``f`` does not conform to ``shape``."""
        if shape.deactivated:
            return []
        self.depth += 1
        path, lines = shape.path, []
        if path is None:
            vals = f"({f},)"
        elif path.is_predicate:
            po, vals = self.var("po"), self.var("vals")
            lines += [f"{po} = dout.get({f})", f"{vals} = ({po}.get({self.bind(path.pred)}) if {po} else None) or EMPTY_LIST"]
        else:
            vals = self.var("vals")
            lines += [f"{vals} = d.values({f}, {self.bind(path)})"]
        for c in shape.components:
            new = c.gen_conf(self, f, vals)
            self.emitted += len(new)
            lines += new
        self.depth -= 1
        return lines

    def compile(self, name: str, signature: str, body: list[str], label: str) -> Any:
        prelude = ["d = ev.data", "dout = d.out"]
        if self.uses_focus_po:
            prelude.append("po_f = dout.get(f) or EMPTY")
        text = "\n".join([f"def {name}({signature}):"] + ["    " + line for line in prelude + body]) + "\n"
        exec(compile(text, f"<{name} {label}>", "exec"), self.env)  # noqa: S102
        return self.env[name]


def run_vals(shape: Shape) -> Any:
    """``run_vals(ev, f, values, out)``: every constraint of the shape, in order, on the given value nodes."""
    g = Gen()
    values = "(f,)" if shape.path is None else "values"  # a node shape's one value node is its focus node
    body: list[str] = []
    for c in shape.components:
        body += c.gen_run(g, values)
    return g.compile("run_vals", "ev, f, values, out", body or ["return"], shape.iri)


def conf(shape: Shape) -> Any:
    """``conf(ev, f)``: does ``f`` conform to the shape (stopping at the first failure, building no result)?"""
    g = Gen()
    body = g.conf_body(shape, "f") + ["return True"]
    return g.compile("conf", "ev, f", body, shape.iri)


def lazy_conf(shape: Shape) -> Any:
    """``conf``, generated when first needed (most shapes never are)."""
    def first_use(ev: Any, node: str) -> bool:
        shape.conf = conf(shape)
        return bool(shape.conf(ev, node))
    return first_use

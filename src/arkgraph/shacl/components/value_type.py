"""Value type constraint components (SHACL 4.1): sh:class, sh:datatype, sh:nodeKind."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..terms import SH, XSD_STRING, datatype_of, is_literal, literal_parts
from ..xsd import well_formed
from .base import TermComponent, ValueComponent

if TYPE_CHECKING:
    from ..codegen import Gen
    from ..run import Evaluation
    from ..shapes import ShapesGraph


class Class(ValueComponent):
    """Each value node is a SHACL instance of the class (rdf:type, then rdfs:subClassOf* in the data): not a literal."""

    name, parameters = "Class", ("class",)

    def ok(self, ev: Evaluation, v: str) -> bool:
        return not is_literal(v) and ev.data.instance_of(v, self.param)

    def message(self) -> str:
        return f"value is not an instance of {self.param}"

    def gen_test(self, g: Gen, v: str) -> str:
        # the node's types looked up once; subclasses only when the data has rdfs:subClassOf triples
        c, po, types = g.bind(self.param), g.var("po"), g.var("types")
        return (f"{v}[:1] != '\"' and ({po} := dout.get({v})) is not None"
                f" and ({types} := {po}.get(TYPE)) is not None"
                f" and ({c} in {types} or (d.subclass is not None and d.instance_of({v}, {c})))")


class Datatype(TermComponent):
    """Each value node is a literal of the datatype, well formed (SHACL: an ill-formed literal fails)."""

    name, parameters = "Datatype", ("datatype",)

    @classmethod
    def read(cls, g: ShapesGraph, node: str) -> list[Any]:
        return [v[1:-1] for v in super().read(g, node)]

    def passes(self, v: str) -> bool:
        return datatype_ok(v, self.param)

    def message(self) -> str:
        return f"value does not have datatype <{self.param}>"



def datatype_ok(v: str, datatype: str) -> bool:
    if not is_literal(v):
        return False
    if datatype == XSD_STRING and v[-1] == '"':
        return True  # a plain literal: an xsd:string, every lexical form valid
    return datatype_of(v) == datatype and well_formed(literal_parts(v)[0], datatype)


_KINDS = {"IRI": (True, False, False), "BlankNode": (False, False, True), "Literal": (False, True, False),
          "BlankNodeOrIRI": (True, False, True), "BlankNodeOrLiteral": (False, True, True),
          "IRIOrLiteral": (True, True, False)}


class NodeKind(ValueComponent):
    """Each value node is of the kind: IRI, blank node, literal or one of their pairs."""

    name, parameters = "NodeKind", ("nodeKind",)

    @classmethod
    def read(cls, g: ShapesGraph, node: str) -> list[Any]:
        kinds = []
        for v in super().read(g, node):
            kind = v[len(SH) + 1:-1] if v.startswith("<" + SH) else ""
            if kind not in _KINDS:
                raise g.error(f"bad sh:nodeKind {v}")
            kinds.append(kind)
        return kinds

    def ok(self, ev: Evaluation, v: str) -> bool:
        iri, lit, bnode = _KINDS[self.param]
        c = v[:1]
        return iri if c == "<" else lit if c == '"' else bnode

    def message(self) -> str:
        return f"value is not a sh:{self.param}"

    def gen_test(self, g: Gen, v: str) -> str:
        k, c = g.bind(_KINDS[self.param]), g.var("c")
        return f"({k}[0] if ({c} := {v}[:1]) == '<' else {k}[1] if {c} == '\"' else {k}[2])"

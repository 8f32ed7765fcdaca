"""Fast SHACL Core validation of arkgraph records, in agreement with pySHACL.

Shapes (Turtle) are loaded once and compiled into plain Python objects; each record's triples
(N-Triples term strings, as the profiles emit them) are indexed in dicts and checked shape by
shape. Nothing here touches rdflib: pySHACL is the reference, used by the agreement test.

Where rdflib's value semantics decide what pySHACL reports (ill-typed literals, comparisons
of literals of different datatypes, naive vs timezone-aware dateTimes), they are mirrored here,
so the two report the same (focus node, path, constraint component) on the same data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as dtime
from decimal import Decimal, InvalidOperation
from functools import lru_cache, partial
from importlib import resources
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .errors import ArkgraphError, UsageError
from .outputs import open_output, write_output
from .terms import RDF, RDFS, XSD, Triple

SH = "http://www.w3.org/ns/shacl#"
AG = "https://w3id.org/arkgraph/ns#"
OWL = "http://www.w3.org/2002/07/owl#"


def _i(iri: str) -> str:
    return f"<{iri}>"


TYPE = _i(RDF + "type")
SUBCLASS = _i(RDFS + "subClassOf")
FIRST, REST, NIL = _i(RDF + "first"), _i(RDF + "rest"), _i(RDF + "nil")
XSD_STRING, LANGSTRING = XSD + "string", RDF + "langString"
NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "short", "byte",
                             "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
                             "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}
VIOLATION, WARNING, INFO = _i(SH + "Violation"), _i(SH + "Warning"), _i(SH + "Info")


def sh(name: str) -> str:
    return f"<{SH}{name}>"


# ---------------------------------------------------------------------------------------------
# Terms

_UNESC = re.compile(r'\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)')
_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _unescape(m: re.Match[str]) -> str:
    c = m.group(1)
    if c[0] in "uU" and len(c) > 1:
        return chr(int(c[1:], 16))
    return _ESCAPES.get(c, c)


@lru_cache(maxsize=200_000)
def literal_parts(term: str) -> tuple[str, str | None, str | None]:
    """``"lex"@lang`` / ``"lex"^^<dt>`` / ``"lex"`` → (lexical form, lang, datatype IRI or None)."""
    end = term.rfind('"')
    lex = term[1:end]
    if "\\" in lex:
        lex = _UNESC.sub(_unescape, lex)
    rest = term[end + 1:]
    if rest.startswith("@"):
        return lex, rest[1:].lower(), None
    if rest.startswith("^^<"):
        dt = rest[3:-1]
        return lex, None, dt
    return lex, None, None


def is_literal(term: str) -> bool:
    return term[:1] == '"'


def is_iri(term: str) -> bool:
    return term[:1] == "<"


def is_bnode(term: str) -> bool:
    return term[:2] == "_:"


_MISSING = object()
_MEMO = 100_000  # bound of the per-constraint memo tables (term string -> verdict)


def _parse_value(lex: str, dt: str) -> Any:
    """rdflib's lexical-to-value conversion for the datatypes it knows; _MISSING when it has none."""
    try:
        if dt == XSD + "dateTime":
            return datetime.fromisoformat(lex)
        if dt == XSD + "date":
            neg = lex.startswith("-")
            if neg:
                raise ValueError
            return date.fromisoformat(lex[:10]) if len(lex) > 10 and lex[10] in "Z+-" else date.fromisoformat(lex)
        if dt == XSD + "time":
            return dtime.fromisoformat(lex)
        if dt in (XSD + "double", XSD + "float"):
            return float(lex)
        if dt == XSD + "decimal":
            return Decimal(lex)
        if dt in NUMERIC:
            return int(lex)
        if dt == XSD + "boolean":
            return lex.strip().lower() in ("true", "1")
        if dt in (XSD_STRING, XSD + "normalizedString", XSD + "token", XSD + "anyURI"):
            return lex
    except (ValueError, InvalidOperation, ArithmeticError):
        return None  # ill-typed
    return _MISSING


@dataclass(frozen=True, slots=True)
class Lit:
    lex: str
    lang: str | None
    dt: str | None          # None for plain and language-tagged literals
    value: Any              # python value, None when ill-typed, _MISSING for unknown datatypes

    @property
    def ill_typed(self) -> bool:
        return self.value is None

    @property
    def is_string(self) -> bool:
        return isinstance(self.value, str)


@lru_cache(maxsize=200_000)
def lit(term: str) -> Lit:
    lex, lang, dt = literal_parts(term)
    if dt is None or dt == XSD_STRING or dt == LANGSTRING:
        return Lit(lex, lang, dt, lex)
    return Lit(lex, lang, dt, _parse_value(lex, dt))


def _rdflib_str(term: str) -> str:
    """What str() gives on the rdflib term (IRIs without brackets, literals' lexical form)."""
    if is_iri(term):
        return term[1:-1]
    if is_bnode(term):
        return term[2:]
    return lit(term).lex


def _str_fast(term: str) -> str:
    """``_rdflib_str``, without parsing plain literals that hold no escapes."""
    if term[:1] == '"' and term[-1] == '"' and "\\" not in term and len(term) > 1:
        return term[1:-1]
    return _rdflib_str(term)


_XSD_STRING_SUFFIX = f'"^^<{XSD_STRING}>'


def _dt_or_string(x: Lit) -> str:
    return x.dt or XSD_STRING


def _val(x: Lit) -> Any:
    return None if x.value is _MISSING else x.value


def _ill(x: Lit) -> bool:
    return x.value is None  # a converter failed (unknown datatypes have _MISSING, not ill-typed)


# Exact mirrors of rdflib 7's Literal ordering and value equality (term.py), which pySHACL uses.
_NI = NotImplemented


def _gt(a: Lit, b: Lit) -> bool:
    va, vb = _val(a), _val(b)
    if a.dt in NUMERIC and b.dt in NUMERIC and not _ill(a) and not _ill(b) and va is not None and vb is not None:
        return bool(va > vb)
    da, db = _dt_or_string(a), _dt_or_string(b)
    if da != db:
        return da > db
    if a.lang != b.lang:
        if not a.lang:
            return False
        if not b.lang:
            return True
        return a.lang > b.lang
    if va is not None and vb is not None:
        if type(va) in (datetime, dtime):
            ka = (va.tzinfo is not None and va.utcoffset() is not None, va)
            kb = (vb.tzinfo is not None and vb.utcoffset() is not None, vb)
            return ka > kb  # may raise TypeError, as rdflib does
        try:
            return bool(va > vb)
        except TypeError:
            pass
    if a.lex != b.lex:
        return a.lex > b.lex
    if a.dt != b.dt:
        if a.dt is None:
            return False
        if b.dt is None:
            return True
        return a.dt > b.dt
    return False


def _eq(a: Lit, b: Lit) -> bool:
    va, vb = _val(a), _val(b)
    if a.dt in NUMERIC and b.dt in NUMERIC and not _ill(a) and not _ill(b) and va is not None and vb is not None:
        return bool(va == vb)
    if (a.lang or "") != (b.lang or ""):
        return False
    da, db = _dt_or_string(a), _dt_or_string(b)
    if da == XSD_STRING and db == XSD_STRING:
        return a.lex == b.lex
    if da != db:
        return False
    if va is not None and vb is not None:
        return bool(va == vb)
    if a.lex == b.lex:
        return True
    if a.dt == XSD_STRING:
        return False
    raise TypeError("incomparable literals")


def _lt(a: Lit, b: Lit) -> Any:
    try:
        return (not _gt(a, b)) and (not _eq(a, b))
    except TypeError:
        return _NI


def _le_m(a: Lit, b: Lit) -> Any:
    if _lt(a, b):  # NotImplemented is truthy, as in rdflib
        return True
    try:
        return _eq(a, b)
    except TypeError:
        return _NI


def _ge_m(a: Lit, b: Lit) -> Any:
    if _gt(a, b):
        return True
    try:
        return _eq(a, b)
    except TypeError:
        return _NI


def _op_le(a: Lit, b: Lit) -> bool:
    """Python's ``a <= b`` on two rdflib Literals (TypeError when neither side can answer)."""
    r = _le_m(a, b)
    if r is _NI:
        r = _ge_m(b, a)
        if r is _NI:
            raise TypeError("'<=' not supported")
    return bool(r)


def _op_lt(a: Lit, b: Lit) -> bool:
    r = _lt(a, b)
    if r is _NI:
        return _gt(b, a)
    return bool(r)


def _compare_bound(v: str, bound: Lit) -> int | None:
    """pySHACL's compare_literal(v, bound): -1/0/1, or None where it raises (a failure)."""
    a = lit(v)
    try:
        if _eq(a, bound):
            return 0
        va = _val(a)
        if type(va) in (datetime, dtime):
            vb = _val(bound)
            if va == vb:
                return 0
            if va > vb:
                return 1
            return -1
        if _gt(a, bound):
            return 1
        return -1
    except TypeError:
        return None


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True, slots=True)
class Result:
    focus: str                     # N-Triples terms throughout
    path: str | None               # a predicate IRI term, or a path rendered as text (e.g. "^<p>")
    component: str                 # local name, e.g. "MinCountConstraintComponent"
    shape: str
    value: str | None
    message: str
    severity: str = "Violation"    # Violation | Warning | Info

    def key(self) -> tuple[str, str | None, str]:
        return (self.focus, self.path, self.component)

    def as_dict(self) -> dict[str, Any]:
        return {"focus": self.focus, "path": self.path, "component": self.component, "shape": self.shape,
                "value": self.value, "message": self.message, "severity": self.severity}


# ---------------------------------------------------------------------------------------------
# Shapes graph and compilation


class _Graph:
    """A tiny triple index over N-Triples term strings (for the shapes graph)."""

    def __init__(self, triples: Iterable[Triple]):
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
        out = []
        while head and head != NIL:
            out.append(self.one(head, FIRST) or "")
            head = self.one(head, REST) or NIL
        return out


@dataclass
class Path_:
    kind: str                      # pred | inv | seq | alt | star | plus | opt
    pred: str | None = None
    parts: list[Path_] = field(default_factory=list)

    def render(self) -> str:
        if self.kind == "pred":
            return self.pred or ""
        if self.kind == "inv":
            return "^" + self.parts[0].render()
        if self.kind == "seq":
            return "/".join(p.render() for p in self.parts)
        if self.kind == "alt":
            return "(" + "|".join(p.render() for p in self.parts) + ")"
        return self.parts[0].render() + {"star": "*", "plus": "+", "opt": "?"}[self.kind]


@dataclass
class Shape:
    iri: str
    path: Path_ | None = None
    severity: str = "Violation"
    messages: list[str] = field(default_factory=list)
    deactivated: bool = False
    target_nodes: list[str] = field(default_factory=list)
    target_classes: list[str] = field(default_factory=list)
    target_subjects_of: list[str] = field(default_factory=list)
    target_objects_of: list[str] = field(default_factory=list)
    # constraints: (component, parameter) in declaration order
    constraints: list[tuple[str, Any]] = field(default_factory=list)
    record_root: bool = False
    compiled: list[tuple[Any, str, Any]] = field(default_factory=list)
    needs_values: bool = True      # some constraint can fail when the path has no values
    fast: Any = None               # (data, node) -> bool for one-constraint node shapes ([sh:class X] …)
    # closures built once by CompiledShapes._build_runners (see there)
    run: Any = None                # (ev, focus, out, first) -> None: appends the shape's results to out
    run_vals: Any = None           # (ev, focus, values, out, first) -> None: the same, value nodes given
    conf: Any = None               # (ev, node) -> bool: the node conforms
    single_class: str | None = None  # the only target, when it is one sh:targetClass

    @property
    def has_targets(self) -> bool:
        return bool(self.target_nodes or self.target_classes or self.target_subjects_of or self.target_objects_of)


_COMPONENT_NAMES = {
    "class": "ClassConstraintComponent", "datatype": "DatatypeConstraintComponent",
    "nodeKind": "NodeKindConstraintComponent", "minCount": "MinCountConstraintComponent",
    "maxCount": "MaxCountConstraintComponent", "minExclusive": "MinExclusiveConstraintComponent",
    "minInclusive": "MinInclusiveConstraintComponent", "maxExclusive": "MaxExclusiveConstraintComponent",
    "maxInclusive": "MaxInclusiveConstraintComponent", "minLength": "MinLengthConstraintComponent",
    "maxLength": "MaxLengthConstraintComponent", "pattern": "PatternConstraintComponent",
    "languageIn": "LanguageInConstraintComponent", "uniqueLang": "UniqueLangConstraintComponent",
    "equals": "EqualsConstraintComponent", "disjoint": "DisjointConstraintComponent",
    "lessThan": "LessThanConstraintComponent", "lessThanOrEquals": "LessThanOrEqualsConstraintComponent",
    "not": "NotConstraintComponent", "and": "AndConstraintComponent", "or": "OrConstraintComponent",
    "xone": "XoneConstraintComponent", "node": "NodeConstraintComponent", "property": "PropertyConstraintComponent",
    "qualifiedMinCount": "QualifiedMinCountConstraintComponent",
    "qualifiedMaxCount": "QualifiedMaxCountConstraintComponent", "closed": "ClosedConstraintComponent",
    "hasValue": "HasValueConstraintComponent", "in": "InConstraintComponent",
}
_SUPPORTED = set(_COMPONENT_NAMES) | {"qualifiedValueShape", "qualifiedValueShapesDisjoint", "ignoredProperties",
                                      "flags", "path", "targetClass", "targetNode", "targetSubjectsOf",
                                      "targetObjectsOf", "severity", "message", "deactivated", "name",
                                      "description", "order", "group", "defaultValue"}
_NODE_KINDS = {"IRI", "BlankNode", "Literal", "BlankNodeOrIRI", "BlankNodeOrLiteral", "IRIOrLiteral"}


class ShapesError(UsageError):
    pass


class CompiledShapes:
    """Shapes compiled once; ``validate(triples)`` checks one record."""

    def __init__(self, triples: Iterable[Triple], source: str = "shapes"):
        g = _Graph(triples)
        self.g = g
        self.source = source
        self.shapes: dict[str, Shape] = {}
        shape_nodes: set[str] = set(g.subjects(TYPE, sh("NodeShape"))) | set(g.subjects(TYPE, sh("PropertyShape")))
        for p in ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "path"):
            shape_nodes |= set(g.subjects(sh(p)))
        # shapes reachable through shape-valued parameters
        todo = list(shape_nodes)
        while todo:
            s = todo.pop()
            refs = g.objs(s, sh("node")) + g.objs(s, sh("property")) + g.objs(s, sh("not")) + \
                g.objs(s, sh("qualifiedValueShape"))
            for lst in ("and", "or", "xone"):
                for head in g.objs(s, sh(lst)):
                    refs += g.items(head)
            for r in refs:
                if r not in shape_nodes:
                    shape_nodes.add(r)
                    todo.append(r)
        for s in shape_nodes:
            self.shapes[s] = self._compile(s)
        for shape in self.shapes.values():
            shape.needs_values = any(
                comp in ("hasValue", "equals", "closed") or (comp == "minCount" and param > 0)
                or (comp == "qualifiedMinCount" and param[1] > 0) for comp, param in shape.constraints)
        for shape in self.shapes.values():
            compiled: list[tuple[Any, str, Any]] = []
            for comp, param in shape.constraints:
                if comp == "property":
                    ps = self.shapes[param]
                    pred = ps.path.pred if (ps.path is not None and ps.path.kind == "pred" and not ps.needs_values
                                            and not ps.deactivated) else None
                    compiled.append((None, comp, (ps, pred)))
                else:
                    compiled.append((_DISPATCH[comp], comp, param))
            shape.compiled = compiled
            if shape.path is None and len(shape.constraints) == 1 and not shape.deactivated:
                shape.fast = _fast_test(*shape.constraints[0])
        self.targeted = [sh_ for sh_ in self.shapes.values() if sh_.has_targets and not sh_.deactivated]
        # implicit class targets: a shape that is also an rdfs:Class
        for s, shape in self.shapes.items():
            types = g.objs(s, TYPE)
            if (_i(RDFS + "Class") in types or _i(OWL + "Class") in types) and s not in shape.target_classes:
                shape.target_classes.append(s)
                if shape not in self.targeted and not shape.deactivated:
                    self.targeted.append(shape)
        self.target_preds_s = {p for sh_ in self.targeted for p in sh_.target_subjects_of}
        self.target_preds_o = {p for sh_ in self.targeted for p in sh_.target_objects_of}
        self.target_preds_all = frozenset(self.target_preds_s | self.target_preds_o)
        self.special_preds = self.target_preds_all | {SUBCLASS}
        self.root_classes = {c for sh_ in self.shapes.values() if sh_.record_root for c in sh_.target_classes}
        self.names: dict[str, str] = {}
        for s_ in self.shapes:
            self.names[s_] = self._display(s_, 0)
        self.needs_inverse = any(self._uses_inverse(s.path) for s in self.shapes.values() if s.path)
        self._build_runners()

    def _display(self, s: str, depth: int) -> str:
        """A readable name: the shape's IRI, or its parent's name and its path for blank property shapes."""
        if not is_bnode(s) or depth > 5:
            return _short(s)
        shape = self.shapes.get(s)
        path = _short(shape.path.render()) if shape and shape.path else ""
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

    def _uses_inverse(self, p: Path_) -> bool:
        return p.kind == "inv" or any(self._uses_inverse(x) for x in p.parts)

    # -- compilation -------------------------------------------------------------------------
    def _path(self, node: str) -> Path_:
        g = self.g
        if is_iri(node) and node != NIL and not g.spo.get(node):
            return Path_("pred", node)
        if g.objs(node, FIRST):
            return Path_("seq", parts=[self._path(x) for x in g.items(node)])
        for key, kind in (("inversePath", "inv"), ("zeroOrMorePath", "star"), ("oneOrMorePath", "plus"),
                          ("zeroOrOnePath", "opt")):
            v = g.one(node, sh(key))
            if v:
                return Path_(kind, parts=[self._path(v)])
        alt = g.one(node, sh("alternativePath"))
        if alt:
            return Path_("alt", parts=[self._path(x) for x in g.items(alt)])
        if is_iri(node):
            return Path_("pred", node)
        raise ShapesError(f"{self.source}: unsupported property path at {node}")

    def _compile(self, s: str) -> Shape:
        g = self.g
        shape = Shape(s)
        po = g.spo.get(s, {})
        sev = g.one(s, sh("severity"))
        shape.severity = {VIOLATION: "Violation", WARNING: "Warning", INFO: "Info"}.get(sev or VIOLATION, "Violation")
        shape.messages = [literal_parts(m)[0] for m in g.objs(s, sh("message")) if is_literal(m)]
        shape.deactivated = any(literal_parts(d)[0] == "true" for d in g.objs(s, sh("deactivated")))
        shape.record_root = any(literal_parts(d)[0] == "true" for d in g.objs(s, _i(AG + "recordRoot")))
        shape.target_nodes = g.objs(s, sh("targetNode"))
        shape.target_classes = list(g.objs(s, sh("targetClass")))
        shape.target_subjects_of = g.objs(s, sh("targetSubjectsOf"))
        shape.target_objects_of = g.objs(s, sh("targetObjectsOf"))
        p = g.one(s, sh("path"))
        if p:
            shape.path = self._path(p)
        for pred in po:
            if pred.startswith("<" + SH):
                name = pred[len(SH) + 1:-1]
                if name not in _SUPPORTED:
                    raise ShapesError(f"{self.source}: {s} uses sh:{name}, which is not SHACL Core or not supported")
        c = shape.constraints
        for name in ("class",):
            for v in g.objs(s, sh(name)):
                c.append((name, v))
        for v in g.objs(s, sh("datatype")):
            c.append(("datatype", v[1:-1]))
        for v in g.objs(s, sh("nodeKind")):
            kind = v[len(SH) + 1:-1]
            if kind not in _NODE_KINDS:
                raise ShapesError(f"{self.source}: bad sh:nodeKind {v}")
            c.append(("nodeKind", kind))
        if shape.path is not None:
            for name in ("minCount", "maxCount"):
                for v in g.objs(s, sh(name)):
                    c.append((name, int(literal_parts(v)[0])))
        for name in ("minExclusive", "minInclusive", "maxExclusive", "maxInclusive"):
            for v in g.objs(s, sh(name)):
                c.append((name, lit(v)))
        for name in ("minLength", "maxLength"):
            for v in g.objs(s, sh(name)):
                c.append((name, int(literal_parts(v)[0])))
        flags = "".join(literal_parts(f)[0] for f in g.objs(s, sh("flags")))
        for v in g.objs(s, sh("pattern")):
            reflags = 0
            for ch, fl in (("i", re.IGNORECASE), ("m", re.MULTILINE), ("s", re.DOTALL), ("x", re.VERBOSE)):
                if ch in flags:
                    reflags |= fl
            c.append(("pattern", re.compile(literal_parts(v)[0], reflags)))
        for v in g.objs(s, sh("languageIn")):
            c.append(("languageIn", [literal_parts(x)[0].lower() for x in g.items(v)]))
        if shape.path is not None:
            for v in g.objs(s, sh("uniqueLang")):
                if literal_parts(v)[0] == "true":
                    c.append(("uniqueLang", True))
            for name in ("equals", "disjoint", "lessThan", "lessThanOrEquals"):
                for v in g.objs(s, sh(name)):
                    c.append((name, v))
        for v in g.objs(s, sh("not")):
            c.append(("not", v))
        for name in ("and", "or", "xone"):
            for v in g.objs(s, sh(name)):
                c.append((name, g.items(v)))
        for v in g.objs(s, sh("node")):
            c.append(("node", v))
        for v in g.objs(s, sh("property")):
            c.append(("property", v))
        if shape.path is not None:
            for q in g.objs(s, sh("qualifiedValueShape")):
                disjoint = any(literal_parts(d)[0] == "true" for d in g.objs(s, sh("qualifiedValueShapesDisjoint")))
                for name in ("qualifiedMinCount", "qualifiedMaxCount"):
                    for v in g.objs(s, sh(name)):
                        c.append((name, (q, int(literal_parts(v)[0]), disjoint)))
        for v in g.objs(s, sh("closed")):
            if literal_parts(v)[0] == "true":
                ignored = set()
                for head in g.objs(s, sh("ignoredProperties")):
                    ignored |= set(g.items(head))
                allowed = {self._path(pp).pred for pp in
                           (g.one(ps, sh("path")) or "" for ps in g.objs(s, sh("property")))
                           if pp and is_iri(pp)}
                c.append(("closed", (allowed | ignored) - {None}))
        for v in g.objs(s, sh("hasValue")):
            c.append(("hasValue", v))
        for v in g.objs(s, sh("in")):
            c.append(("in", frozenset(self._in_key(x) for x in g.items(v))))
        return shape

    @staticmethod
    def _in_key(term: str) -> str:
        return term

    # -- runners -----------------------------------------------------------------------------
    # Each shape is turned into closures once: the general evaluation (values of the path, then
    # each constraint in declaration order) with the common constraint components specialised
    # and a node shape's sh:property list fused into one loop over the focus node's predicates.
    # Results and their order are those of the straightforward evaluation.

    def _build_runners(self) -> None:
        for shape in self.shapes.values():
            self._make_conf(shape)
        for shape in self.shapes.values():
            self._make_runner(shape)
            if (not shape.target_nodes and not shape.target_subjects_of and not shape.target_objects_of
                    and len(shape.target_classes) == 1):
                shape.single_class = shape.target_classes[0]

    def _make_conf(self, shape: Shape) -> None:
        if shape.deactivated:
            shape.conf = lambda ev, node: True
            return
        if shape.fast is not None:
            shape.conf = _fast_conf(*shape.constraints[0])
            return

        def first_use(ev: _Eval, node: str) -> bool:  # generated when first needed (most shapes never are)
            shape.conf = self._gen_conf(shape)
            return bool(shape.conf(ev, node))
        shape.conf = first_use

    def _gen_conf(self, shape: Shape) -> Any:
        """A generated (ev, node) -> bool: does the node conform to the shape? The constraints in
        order, as run() checks them, returning at the first failure and building no Result; the
        node's own property shapes are written out inline (one lookup of the node's predicates)."""
        env: dict[str, Any] = {"TYPE": TYPE, "_in_norm": _in_norm, "EMPTY": ()}
        lines = ["def conf(ev, f):", "    d = ev.data", "    dout = d.out"]
        self._conf_body(shape, "f", env, lines, "    ", [0])
        lines.append("    return True")
        exec(compile("\n".join(lines) + "\n", f"<conf {shape.iri}>", "exec"), env)  # noqa: S102
        return env["conf"]

    def _conf_body(self, shape: Shape, f: str, env: dict[str, Any], lines: list[str], ind: str,
                   uid: list[int]) -> None:
        """Lines returning False when focus ``f`` does not conform to ``shape`` (see _gen_conf)."""
        u = uid[0] = uid[0] + 1
        vals, v = f"vals{u}", f"v{u}"

        def w(*ls: str) -> None:
            lines.extend(ind + x for x in ls)

        path_ = shape.path
        if path_ is None:
            w(f"{vals} = ({f},)")
        elif path_.kind == "pred":
            env[f"PATH{u}"] = path_.pred or ""
            w(f"po{u} = dout.get({f})", f"{vals} = (po{u}.get(PATH{u}) if po{u} else None) or EMPTY")
        else:
            env[f"PATH{u}"] = path_
            w(f"{vals} = d.values({f}, PATH{u})")
        path = None if path_ is None else path_.pred if path_.kind == "pred" else path_.render()
        for k, (comp, param) in enumerate(shape.constraints):
            key = f"{u}_{k}"
            if comp in ("minCount", "maxCount"):
                w(f"if len({vals}) {'<' if comp == 'minCount' else '>'} {int(param)}:", "    return False")
            elif comp == "class":
                env[f"C{key}"] = param
                w(f"for {v} in {vals}:", f"    if {v}[:1] == '\"':", "        return False",
                  f"    po_ = dout.get({v})", "    types = po_.get(TYPE) if po_ else None", "    if not types:",
                  "        return False",
                  f"    if C{key} not in types and not (d.subclass and d.instance_of({v}, C{key})):",
                  "        return False")
            elif comp in ("datatype", "pattern", "minLength", "maxLength", "minExclusive", "minInclusive",
                          "maxExclusive", "maxInclusive"):
                memo: dict[str, bool] = {}
                env[f"D{key}"], env[f"J{key}"] = memo, _memo_judge(_value_test(comp, param), memo)
                w(f"for {v} in {vals}:", f"    ok = D{key}.get({v})", "    if ok is None:", f"        ok = J{key}({v})",
                  "    if not ok:", "        return False")
            elif comp == "nodeKind":
                env[f"K{key}"] = ("IRI" in param, "Literal" in param, "BlankNode" in param)
                w(f"for {v} in {vals}:", f"    c = {v}[:1]",
                  f"    if not (K{key}[0] if c == '<' else K{key}[1] if c == '\"' else K{key}[2]):",
                  "        return False")
            elif comp == "in":
                env[f"A{key}"] = param
                w(f"for {v} in {vals}:", f"    if {v} not in A{key} and _in_norm({v}) not in A{key}:",
                  "        return False")
            elif comp == "hasValue":
                env[f"H{key}"] = param
                w(f"if H{key} not in {vals}:", "    return False")
            elif comp == "property" and path_ is None and not self.shapes[param].deactivated \
                    and self.shapes[param].fast is None and len(lines) < 400:
                self._conf_body(self.shapes[param], f, env, lines, ind, uid)  # the node's property, inline
            elif comp in ("property", "node"):  # each value node conforms to the shape
                env[f"S{key}"] = self.shapes[param]
                w(f"for {v} in {vals}:", f"    if not S{key}.conf(ev, {v}):", "        return False")
            elif comp == "not":
                env[f"S{key}"] = self.shapes[param]
                w(f"for {v} in {vals}:", f"    if S{key}.conf(ev, {v}):", "        return False")
            elif comp in ("or", "and"):
                names = []
                for j, member in enumerate(param):
                    env[f"S{key}_{j}"] = self.shapes[member]
                    names.append(f"S{key}_{j}.conf(ev, {v})")
                test = f" {comp} ".join(names) if names else ("False" if comp == "or" else "True")
                w(f"for {v} in {vals}:", f"    if not ({test}):", "        return False")
            else:
                env[f"X{key}"] = self._check_fn(shape, comp, param, path)
                w("tmp = []", f"X{key}(ev, {f}, list({vals}), tmp, True)", "if tmp:", "    return False")

    def _make_runner(self, shape: Shape) -> None:
        if shape.deactivated:
            shape.run = lambda ev, f, out, first=False: None
            shape.run_vals = lambda ev, f, values, out, first=False: None
            return
        path_ = shape.path
        path = None if path_ is None else path_.pred if path_.kind == "pred" else path_.render()
        shape.run_vals = run_vals = self._gen_run_vals(shape, path)

        if path_ is None:
            def run(ev: _Eval, f: str, out: list[Result], first: bool = False) -> None:
                run_vals(ev, f, [f], out, first)
        elif path_.kind == "pred":
            pred, needs = path_.pred or "", shape.needs_values

            def run(ev: _Eval, f: str, out: list[Result], first: bool = False) -> None:
                po = ev.data.out.get(f)
                values = po.get(pred) if po else None
                if values:
                    run_vals(ev, f, values, out, first)
                elif needs:
                    run_vals(ev, f, [], out, first)
        else:
            def run(ev: _Eval, f: str, out: list[Result], first: bool = False) -> None:
                run_vals(ev, f, ev.data.values(f, path_), out, first)
        shape.run = run

    def _gen_run_vals(self, shape: Shape, path: str | None) -> Any:
        """One generated function running the shape's constraints, in order, on given value nodes.

        The common components are written out inline (no call per constraint); the others call
        their check function. A node shape's run of sh:property constraints becomes one loop over
        the value nodes with one direct predicate lookup per nested shape."""
        env: dict[str, Any] = {"TYPE": TYPE, "_in_norm": _in_norm, "Result": Result}
        iri, sev = shape.iri, shape.severity
        msg0 = shape.messages[0] if shape.messages else None
        lines = ["def run_vals(ev, f, values, out, first=False):"]
        cons = shape.constraints
        i = 0
        k = 0
        emitted = False

        def w(*ls: str) -> None:
            lines.extend("    " + x for x in ls)

        while i < len(cons):
            comp, param = cons[i]
            k += 1
            if emitted:
                w("if first and out:", "    return")
            emitted = True
            if comp == "property":
                j = i + 1
                if path is None and shape.path is None:  # the value node is the focus: fuse the run
                    while j < len(cons) and cons[j][0] == "property":
                        j += 1
                w("dout = ev.data.out", "for v in values:", "    po = dout.get(v) or EMPTY")
                env["EMPTY"] = {}
                for n, (_, p) in enumerate(cons[i:j]):
                    ps = self.shapes[p]
                    name = f"PS{k}_{n}"
                    env[name] = ps
                    if n:
                        w("    if first and out:", "        return")
                    if ps.path is not None and ps.path.kind == "pred" and not ps.deactivated:
                        env[f"P{k}_{n}"] = ps.path.pred
                        w(f"    vals = po.get(P{k}_{n})", "    if vals:",
                          f"        {name}.run_vals(ev, v, vals, out, first)")
                        if ps.needs_values:
                            w("    else:", f"        {name}.run_vals(ev, v, [], out, first)")
                    else:
                        w(f"    {name}.run(ev, v, out, first)")
                i = j
                continue
            i += 1
            cname = _COMPONENT_NAMES[comp]
            env[f"R{k}"] = (path, cname, iri, sev)

            def res(value: str, msg: str, k: int = k) -> str:
                env[f"M{k}"] = msg0 or msg
                return f"out.append(Result(f, R{k}[0], R{k}[1], R{k}[2], {value}, M{k}, R{k}[3]))"

            if comp in ("minCount", "maxCount"):
                op, word = ("<", "fewer") if comp == "minCount" else (">", "more")
                w(f"if len(values) {op} {int(param)}:", "    " + res("None", f"{word} than {param} values"))
            elif comp == "class":
                env[f"C{k}"] = param
                w("d = ev.data", "dout = d.out", "for v in values:", "    if v[:1] != '\"':",
                  "        po = dout.get(v)", "        if po:", "            types = po.get(TYPE)",
                  f"            if types and (C{k} in types or (d.subclass and d.instance_of(v, C{k}))):",
                  "                continue", "    " + res("v", f"value is not an instance of {param}"))
            elif comp in ("datatype", "pattern", "minLength", "maxLength", "minExclusive", "minInclusive",
                          "maxExclusive", "maxInclusive"):
                memo: dict[str, bool] = {}
                if comp in ("minLength", "maxLength"):
                    msg = f"value length violates {comp} {param}"
                elif comp == "datatype":
                    msg = f"value does not have datatype <{param}>"
                elif comp == "pattern":
                    msg = f"value does not match pattern {param.pattern!r}"
                else:
                    msg = f"value is not within {comp} {param.lex}"
                env[f"D{k}"], env[f"J{k}"] = memo, _memo_judge(_value_test(comp, param), memo)
                w("for v in values:", f"    ok = D{k}.get(v)", "    if ok is None:", f"        ok = J{k}(v)",
                  "    if not ok:", "        " + res("v", msg))
            elif comp == "nodeKind":
                env[f"K{k}"] = ("IRI" in param, "Literal" in param, "BlankNode" in param)
                w("for v in values:", "    c = v[:1]",
                  f"    if not (K{k}[0] if c == '<' else K{k}[1] if c == '\"' else K{k}[2]):",
                  "        " + res("v", f"value is not a sh:{param}"))
            elif comp == "in":
                env[f"A{k}"] = param
                w("for v in values:", f"    if v not in A{k} and _in_norm(v) not in A{k}:",
                  "        " + res("v", "value is not in the allowed list"))
            else:
                env[f"X{k}"] = self._check_fn(shape, comp, param, path)
                w(f"X{k}(ev, f, values, out, first)")
        if not emitted:
            w("return")
        exec(compile("\n".join(lines) + "\n", f"<shape {shape.iri}>", "exec"), env)  # noqa: S102
        return env["run_vals"]

    def _check_fn(self, shape: Shape, comp: str, param: Any, path: str | None) -> Any:
        """A check (ev, focus, values, out, first) for a constraint the generated code does not write out."""
        cname = _COMPONENT_NAMES[comp]
        iri, sev = shape.iri, shape.severity
        msg0 = shape.messages[0] if shape.messages else None

        def fail(f: str, v: str | None, msg: str) -> Result:
            return Result(f, path, cname, iri, v, msg0 or msg, sev)

        if comp in ("or", "and", "xone"):
            members = [self.shapes[s] for s in param]

            def check_bool(ev: _Eval, f: str, values: list[str], out: list[Result], first: bool = False) -> None:
                for v in values:
                    if comp == "or":
                        good = False
                        for m in members:
                            if m.conf(ev, v):
                                good = True
                                break
                    elif comp == "and":
                        good = True
                        for m in members:
                            if not m.conf(ev, v):
                                good = False
                                break
                    else:
                        good = [m.conf(ev, v) for m in members].count(True) == 1
                    if not good:
                        out.append(fail(f, v, f"value fails sh:{comp}"))
            return check_bool
        if comp == "node":
            target = self.shapes[param]

            def check_node(ev: _Eval, f: str, values: list[str], out: list[Result], first: bool = False) -> None:
                for v in values:
                    if not target.conf(ev, v):
                        out.append(fail(f, v, f"value does not conform to {param}"))
            return check_node
        if comp in ("qualifiedMinCount", "qualifiedMaxCount"):
            qiri, n, disjoint = param
            q = self.shapes[qiri]
            sibs = [self.shapes[s] for s in self._siblings(shape, qiri)] if disjoint else []
            is_min = comp == "qualifiedMinCount"

            def check_qualified(ev: _Eval, f: str, values: list[str], out: list[Result], first: bool = False) -> None:
                count = 0
                for v in values:
                    if q.conf(ev, v):
                        for s in sibs:
                            if s.conf(ev, v):
                                break
                        else:
                            count += 1
                            if is_min and count >= n:
                                return  # enough: the rest cannot change the verdict
                if (is_min and count < n) or (not is_min and count > n):
                    out.append(fail(f, None, f"{count} values conform to the qualified shape, "
                                             f"{'fewer' if is_min else 'more'} than {n}"))
            return check_qualified
        general = _DISPATCH[comp]

        def check_general(ev: _Eval, f: str, values: list[str], out: list[Result], first: bool = False) -> None:
            general(ev, shape, comp, param, f, path, values, out)
        return check_general

    def _siblings(self, shape: Shape, qshape: str) -> list[str]:
        g = self.g
        out = []
        for parent in g.subjects(sh("property"), shape.iri):
            for ps in g.objs(parent, sh("property")):
                for q in g.objs(ps, sh("qualifiedValueShape")):
                    if q != qshape:
                        out.append(q)
        return out

    # -- validation --------------------------------------------------------------------------
    def validate(self, triples: Iterable[Triple], unique: bool = False) -> list[Result]:
        """Validate one record's triples; results deduplicated, in a stable order.

        ``unique=True`` promises the triples hold no duplicates (as ``serialize.unique`` gives)."""
        return self._run(_Data(triples, self, unique))

    def validate_index(self, out: dict[str, dict[str, list[str]]]) -> list[Result]:
        """``validate`` on a record already indexed by ``index()`` (subject -> predicate -> objects)."""
        return self._run(_Data((), self, True, out))

    def _run(self, data: _Data) -> list[Result]:
        ev = _Eval(self, data)
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
            run = shape.run
            for f in nodes:
                run(ev, f, results)
        if not results:
            return results
        seen: dict[tuple, Result] = {}
        for r in results:
            seen.setdefault((r.focus, r.path or "", r.component, r.shape, r.value or ""), r)
        # sorted: focus nodes may come out of sets, whose order changes with each process's hash seed
        return [seen[k] for k in sorted(seen)]


Index = dict[str, dict[str, list[str]]]  # subject -> predicate -> objects
Long = list[tuple[dict[str, list[str]], str]]  # (predicate -> objects, predicate) of the long object lists


def index(triples: Iterable[Sequence[str]], unique: bool = False) -> Index:
    """subject -> predicate -> objects, without duplicates (RDF graphs are sets), in first-appearance
    order; the triples may be (s, p, o) tuples or [s, p, o] lists. ``validate_index`` takes it.
    ``unique=True`` promises the triples hold no duplicates (none are looked for)."""
    out: Index = {}
    if unique:
        # convert --validate's path (the converter removed duplicates): index_into's loop without its
        # membership tests, about 30% cheaper per triple
        for s, p, o in triples:
            d = out.get(s)
            if d is None:
                out[s] = {p: [o]}
                continue
            lst = d.get(p)
            if lst is None:
                d[p] = [o]
            else:
                lst.append(o)
        return out
    long: Long = []
    index_into(out, long, triples)
    dedupe_long(long)
    return out


def index_into(out: Index, long: Long, triples: Iterable[Sequence[str]]) -> None:
    """Add triples to an index, each object once per subject and predicate; lists longer than 8
    are only noted in ``long`` (no quadratic scans): ``dedupe_long`` finishes them."""
    get = out.get
    for s, p, o in triples:
        d = get(s)
        if d is None:
            out[s] = {p: [o]}
            continue
        lst = d.get(p)
        if lst is None:
            d[p] = [o]
        elif len(lst) < 8:
            if o not in lst:
                lst.append(o)
        else:
            if len(lst) == 8:
                long.append((d, p))
            lst.append(o)


def dedupe_long(long: Long) -> None:
    for d, p in long:
        d[p] = list(dict.fromkeys(d[p]))


class _Data:
    __slots__ = ("_shapes", "by_type", "inv", "obj_of", "out", "subclass", "subj_of")

    def __init__(self, triples: Iterable[Triple], shapes: CompiledShapes, unique: bool = False,
                 out: dict[str, dict[str, list[str]]] | None = None):
        if out is None:
            out = index(triples, unique)
        # one pass over the subjects (in first-appearance order, as the focus nodes come out)
        by_type: dict[str, list[str]] = {}
        subclass: dict[str, list[str]] | None = None
        tps, tpo, tp_all = shapes.target_preds_s, shapes.target_preds_o, shapes.target_preds_all
        special = shapes.special_preds
        subj_of: dict[str, list[str]] = {p: [] for p in tps}
        obj_of: dict[str, list[str]] = {p: [] for p in tpo}
        for s, po in out.items():
            types = po.get(TYPE)
            if types is not None:
                for t in types:
                    lst = by_type.get(t)
                    if lst is None:
                        by_type[t] = [s]
                    else:
                        lst.append(s)
            if not special.isdisjoint(po):  # rdfs:subClassOf or a targetSubjectsOf/ObjectsOf predicate
                if SUBCLASS in po:
                    subclass = subclass or {}
                    subclass[s] = list(po[SUBCLASS])
                for p in tp_all.intersection(po):
                    if p in tps:
                        subj_of[p].append(s)
                    if p in tpo:
                        obj_of[p].extend(po[p])
        self.subj_of = subj_of
        self.obj_of = obj_of
        self.out, self.by_type = out, by_type
        self.subclass = subclass
        self.inv: dict[str, dict[str, list[str]]] | None = None
        self._shapes = shapes

    def objects(self, s: str, p: str) -> list[str]:
        d = self.out.get(s)
        if d is None:
            return []
        return d.get(p) or []

    def subjects_of(self, o: str, p: str) -> list[str]:
        if self.inv is None:
            inv: dict[str, dict[str, list[str]]] = {}
            for s, po in self.out.items():
                for pp, objs in po.items():
                    for oo in objs:
                        inv.setdefault(oo, {}).setdefault(pp, []).append(s)
            self.inv = inv
        return self.inv.get(o, {}).get(p, [])

    def superclasses(self, c: str) -> set[str]:
        out = {c}
        if self.subclass:
            todo = [c]
            while todo:
                for sup in self.subclass.get(todo.pop(), []):
                    if sup not in out:
                        out.add(sup)
                        todo.append(sup)
        return out

    def instance_of(self, node: str, cls: str) -> bool:
        types = self.objects(node, TYPE)
        if cls in types:
            return True
        if self.subclass:
            return any(cls in self.superclasses(t) for t in types)
        return False

    def instances(self, cls: str) -> list[str]:
        if not self.subclass:
            return self.by_type.get(cls, [])
        out: list[str] = []
        for t, subjects in self.by_type.items():
            if cls in self.superclasses(t):
                out.extend(subjects)
        return out

    def focus_nodes(self, shape: Shape) -> list[str]:
        cls = shape.single_class
        if cls is not None:
            if not self.subclass:
                return self.by_type.get(cls) or []
            return self.instances(cls)
        nodes: dict[str, None] = dict.fromkeys(shape.target_nodes)
        by_type = None if self.subclass else self.by_type
        for c in shape.target_classes:
            lst = by_type.get(c) if by_type is not None else self.instances(c)
            if lst:
                nodes.update(dict.fromkeys(lst))
        for p in shape.target_subjects_of:
            lst = self.subj_of.get(p)
            if lst:
                nodes.update(dict.fromkeys(lst))
        for p in shape.target_objects_of:
            lst = self.obj_of.get(p)
            if lst:
                nodes.update(dict.fromkeys(lst))
        return list(nodes)

    def values(self, f: str, path: Path_) -> list[str]:
        k = path.kind
        if k == "pred":
            return self.objects(f, path.pred or "")
        if k == "inv":
            inner = path.parts[0]
            if inner.kind == "pred":
                return self.subjects_of(f, inner.pred or "")
            return [s for s in self.out if f in self.values(s, inner)]
        if k == "seq":
            cur = [f]
            for part in path.parts:
                nxt: dict[str, None] = {}
                for n in cur:
                    nxt.update(dict.fromkeys(self.values(n, part)))
                cur = list(nxt)
            return cur
        if k == "alt":
            alt: dict[str, None] = {}
            for part in path.parts:
                alt.update(dict.fromkeys(self.values(f, part)))
            return list(alt)
        if k == "opt":
            return list(dict.fromkeys([f] + self.values(f, path.parts[0])))
        # star / plus
        seen: dict[str, None] = {f: None} if k == "star" else {}
        todo = [f]
        while todo:
            n = todo.pop()
            for v in self.values(n, path.parts[0]):
                if v not in seen:
                    seen[v] = None
                    todo.append(v)
        return list(seen)


class _Eval:
    __slots__ = ("cs", "data")

    def __init__(self, cs: CompiledShapes, data: _Data):
        self.cs, self.data = cs, data

    def conforms(self, shape_iri: str, node: str) -> bool:
        return bool(self.cs.shapes[shape_iri].conf(self, node))

    def shape(self, shape: Shape, f: str, first: bool = False) -> list[Result]:
        """Results of ``shape`` on focus ``f``; with ``first``, stop at the first failing constraint."""
        out: list[Result] = []
        shape.run(self, f, out, first)
        return out

    def _res(self, shape: Shape, comp: str, f: str, path: str | None, value: str | None, msg: str) -> Result:
        return Result(f, path, _COMPONENT_NAMES[comp], shape.iri, value,
                      shape.messages[0] if shape.messages else msg, shape.severity)

    def _check(self, shape: Shape, comp: str, param: Any, f: str, path: str | None, values: list[str],
               out: list[Result]) -> None:
        _DISPATCH[comp](self, shape, comp, param, f, path, values, out)

    def _siblings(self, shape: Shape, qshape: str) -> list[str]:
        return self.cs._siblings(shape, qshape)


# One function per constraint component (bound at compile time).

def _check_class(ev: _Eval, shape: Shape, comp: str, param: Any, f: str, path: str | None, values: list[str], out: list[Result]) -> None:
    self, d = ev, ev.data
    for v in values:
        if is_literal(v) or not d.instance_of(v, param):
            out.append(self._res(shape, comp, f, path, v, f"value is not an instance of {param}"))

def _check_datatype(ev: _Eval, shape: Shape, comp: str, param: Any, f: str, path: str | None, values: list[str], out: list[Result]) -> None:
    self = ev
    for v in values:
        if not _datatype_ok(v, param):
            out.append(self._res(shape, comp, f, path, v, f"value does not have datatype <{param}>"))

def _check_nodeKind(ev: _Eval, shape: Shape, comp: str, param: Any, f: str, path: str | None, values: list[str], out: list[Result]) -> None:
    self = ev
    for v in values:
        kind = "IRI" if is_iri(v) else "Literal" if is_literal(v) else "BlankNode"
        if kind not in param:
            out.append(self._res(shape, comp, f, path, v, f"value is not a sh:{param}"))

def _check_minCount(ev: _Eval, shape: Shape, comp: str, param: Any, f: str, path: str | None, values: list[str], out: list[Result]) -> None:
    self = ev
    if len(values) < param:
        out.append(self._res(shape, comp, f, path, None, f"fewer than {param} values"))

def _check_maxCount(ev: _Eval, shape: Shape, comp: str, param: Any, f: str, path: str | None, values: list[str], out: list[Result]) -> None:
    self = ev
    if len(values) > param:
        out.append(self._res(shape, comp, f, path, None, f"more than {param} values"))

def _check_minExclusive(ev: _Eval, shape: Shape, comp: str, param: Any, f: str, path: str | None, values: list[str], out: list[Result]) -> None:
    self = ev
    for v in values:
        if not _range_ok(comp, v, param):
            out.append(self._res(shape, comp, f, path, v, f"value is not within {comp} {param.lex}"))

def _check_minLength(ev: _Eval, shape: Shape, comp: str, param: Any, f: str, path: str | None, values: list[str], out: list[Result]) -> None:
    self = ev
    for v in values:
        if is_bnode(v):
            ok = False
        else:
            n = len(_rdflib_str(v))
            ok = n >= param if comp == "minLength" else n <= param
        if not ok:
            out.append(self._res(shape, comp, f, path, v, f"value length violates {comp} {param}"))

def _check_pattern(ev: _Eval, shape: Shape, comp: str, param: Any, f: str, path: str | None, values: list[str], out: list[Result]) -> None:
    self = ev
    for v in values:
        if is_bnode(v) or not param.search(_rdflib_str(v)):
            out.append(self._res(shape, comp, f, path, v, f"value does not match pattern {param.pattern!r}"))

def _check_languageIn(ev: _Eval, shape: Shape, comp: str, param: Any, f: str, path: str | None, values: list[str], out: list[Result]) -> None:
    self = ev
    for v in values:
        lang = lit(v).lang if is_literal(v) else None
        if not lang or not any(lang == t or lang.startswith(t + "-") or t == "*" for t in param):
            out.append(self._res(shape, comp, f, path, v, "language not allowed"))

def _check_uniqueLang(ev: _Eval, shape: Shape, comp: str, param: Any, f: str, path: str | None, values: list[str], out: list[Result]) -> None:
    self = ev
    counts: dict[str, int] = {}
    for v in values:
        if is_literal(v):
            lang = lit(v).lang
            if lang:
                counts[lang] = counts.get(lang, 0) + 1
    for lang, n in counts.items():
        if n > 1:
            out.append(self._res(shape, comp, f, path, None, f"language {lang} used more than once"))

def _check_equals(ev: _Eval, shape: Shape, comp: str, param: Any, f: str, path: str | None, values: list[str], out: list[Result]) -> None:
    self, d = ev, ev.data
    others = d.objects(f, param)
    if comp == "equals":
        for v in values:
            if v not in others:
                out.append(self._res(shape, comp, f, path, v, "values differ"))
        for o in others:
            if o not in values:
                out.append(self._res(shape, comp, f, path, o, "values differ"))
    else:
        for v in values:
            if v in others:
                out.append(self._res(shape, comp, f, path, v, "value shared with a disjoint property"))

def _check_lessThan(ev: _Eval, shape: Shape, comp: str, param: Any, f: str, path: str | None, values: list[str], out: list[Result]) -> None:
    self, d = ev, ev.data
    others = d.objects(f, param)
    for v in values:
        for o in others:
            if not _less(v, o, comp == "lessThanOrEquals"):
                out.append(self._res(shape, comp, f, path, v, f"value is not {'<=' if comp == 'lessThanOrEquals' else '<'} {o}"))

def _check_not(ev: _Eval, shape: Shape, comp: str, param: Any, f: str, path: str | None, values: list[str], out: list[Result]) -> None:
    self = ev
    for v in values:
        if self.conforms(param, v):
            out.append(self._res(shape, comp, f, path, v, f"value conforms to {param}"))

def _check_and(ev: _Eval, shape: Shape, comp: str, param: Any, f: str, path: str | None, values: list[str], out: list[Result]) -> None:
    self = ev
    for v in values:
        ok = [self.conforms(s, v) for s in param]
        good = all(ok) if comp == "and" else any(ok) if comp == "or" else ok.count(True) == 1
        if not good:
            out.append(self._res(shape, comp, f, path, v, f"value fails sh:{comp}"))

def _check_node(ev: _Eval, shape: Shape, comp: str, param: Any, f: str, path: str | None, values: list[str], out: list[Result]) -> None:
    self = ev
    for v in values:
        if not self.conforms(param, v):
            out.append(self._res(shape, comp, f, path, v, f"value does not conform to {param}"))

def _check_qualifiedMinCount(ev: _Eval, shape: Shape, comp: str, param: Any, f: str, path: str | None, values: list[str], out: list[Result]) -> None:
    self = ev
    qshape, n, disjoint = param
    siblings: list[str] = []
    if disjoint:
        siblings = self._siblings(shape, qshape)
    count = sum(1 for v in values if self.conforms(qshape, v)
                and not any(self.conforms(s, v) for s in siblings))
    if (comp == "qualifiedMinCount" and count < n) or (comp == "qualifiedMaxCount" and count > n):
        out.append(self._res(shape, comp, f, path, None,
                             f"{count} values conform to the qualified shape, {'fewer' if comp == 'qualifiedMinCount' else 'more'} than {n}"))

def _check_closed(ev: _Eval, shape: Shape, comp: str, param: Any, f: str, path: str | None, values: list[str], out: list[Result]) -> None:
    d = ev.data
    for p, objs in d.out.get(f, {}).items():
        if p not in param:
            for o in objs:
                out.append(Result(f, p, _COMPONENT_NAMES[comp], shape.iri, o,
                                  shape.messages[0] if shape.messages else "property not allowed (closed shape)",
                                  shape.severity))

def _check_hasValue(ev: _Eval, shape: Shape, comp: str, param: Any, f: str, path: str | None, values: list[str], out: list[Result]) -> None:
    self = ev
    if param not in values:
        out.append(self._res(shape, comp, f, path, None, f"missing value {param}"))

def _check_in(ev: _Eval, shape: Shape, comp: str, param: Any, f: str, path: str | None, values: list[str], out: list[Result]) -> None:
    self = ev
    for v in values:
        if v not in param and _in_norm(v) not in param:
            out.append(self._res(shape, comp, f, path, v, "value is not in the allowed list"))



_DISPATCH: dict[str, Any] = {
    "class": _check_class,
    "datatype": _check_datatype,
    "nodeKind": _check_nodeKind,
    "minCount": _check_minCount,
    "maxCount": _check_maxCount,
    'minExclusive': _check_minExclusive,
    'minInclusive': _check_minExclusive,
    'maxExclusive': _check_minExclusive,
    'maxInclusive': _check_minExclusive,
    'minLength': _check_minLength,
    'maxLength': _check_minLength,
    "pattern": _check_pattern,
    "languageIn": _check_languageIn,
    "uniqueLang": _check_uniqueLang,
    'equals': _check_equals,
    'disjoint': _check_equals,
    'lessThan': _check_lessThan,
    'lessThanOrEquals': _check_lessThan,
    "not": _check_not,
    'and': _check_and,
    'or': _check_and,
    'xone': _check_and,
    "node": _check_node,
    'qualifiedMinCount': _check_qualifiedMinCount,
    'qualifiedMaxCount': _check_qualifiedMinCount,
    "closed": _check_closed,
    "hasValue": _check_hasValue,
    "in": _check_in,
}


def _fast_test(comp: str, param: Any) -> Any:
    """A direct boolean test for a node shape holding one value-level constraint, or None."""
    if comp == "class":
        return lambda d, v: not is_literal(v) and d.instance_of(v, param)
    if comp == "datatype":
        return lambda d, v: _datatype_ok(v, param)
    if comp == "in":
        return lambda d, v: v in param or _in_norm(v) in param
    if comp == "nodeKind":
        def kind(d: _Data, v: str) -> bool:
            k = "IRI" if is_iri(v) else "Literal" if is_literal(v) else "BlankNode"
            return k in param
        return kind
    return None


def _fast_conf(comp: str, param: Any) -> Any:
    """``_fast_test`` as an (ev, node) -> bool conformance test, memoised where it depends on the term only."""
    if comp == "class":
        cls = param

        def conf_class(ev: _Eval, v: str) -> bool:
            if v[:1] == '"':
                return False
            d = ev.data
            po = d.out.get(v)
            if not po:
                return False
            types = po.get(TYPE)
            if not types:
                return False
            return cls in types or bool(d.subclass and d.instance_of(v, cls))
        return conf_class
    if comp == "datatype":
        rule = param
        memo: dict[str, bool] = {}

        def conf_datatype(ev: _Eval, v: str) -> bool:
            ok = memo.get(v)
            if ok is None:
                ok = _datatype_ok(v, rule)
                if len(memo) >= _MEMO:
                    memo.clear()
                memo[v] = ok
            return ok
        return conf_datatype
    test = _fast_test(comp, param)
    return lambda ev, v: test(ev.data, v)


def _value_test(comp: str, param: Any) -> Callable[[str], bool]:
    """The test one value node passes for a datatype, pattern, min/maxLength or range constraint."""
    if comp in ("minLength", "maxLength"):
        return partial(_length_ok, n=param, at_least=comp == "minLength")
    if comp == "datatype":
        return partial(_datatype_ok, rule=param)
    if comp == "pattern":
        return partial(_pattern_ok, search=param.search)
    return partial(_range_ok, comp, bound=param)


def _memo_judge(test: Any, memo: dict[str, bool]) -> Any:
    """``test(v)``, remembered in ``memo`` (bounded: cleared when full); the caller looks ``memo`` up first."""
    def judge(v: str) -> bool:
        ok = bool(test(v))
        if len(memo) >= _MEMO:
            memo.clear()
        memo[v] = ok
        return ok
    return judge


def _length_ok(v: str, n: int, at_least: bool) -> bool:
    if is_bnode(v):
        return False
    ln = len(_str_fast(v))
    return ln >= n if at_least else ln <= n


def _pattern_ok(v: str, search: Any) -> bool:
    return not is_bnode(v) and search(_str_fast(v)) is not None


def _in_norm(v: str) -> str:
    # "x"^^xsd:string and "x" are the same term for rdflib's sh:in
    if v.endswith(f"^^<{XSD_STRING}>"):
        return v[: -len(f"^^<{XSD_STRING}>")]
    return v


# the Python type a well-formed literal of the datatype parses to (rdflib's ill-typed check)
_VALUE_TYPES: dict[str, type] = {
    XSD_STRING: str, LANGSTRING: str, XSD + "integer": int, XSD + "float": float, XSD + "decimal": Decimal,
    XSD + "boolean": bool, XSD + "date": date, XSD + "time": dtime, XSD + "dateTime": datetime}


def _datatype_ok(v: str, rule: str) -> bool:
    if not is_literal(v):
        return False
    if rule == XSD_STRING and len(v) > 1 and (v[-1] == '"' or v.endswith(_XSD_STRING_SUFFIX)):
        return True  # a plain literal or an xsd:string one: lexical forms are always valid strings
    x = lit(v)
    dt = x.dt
    if dt == rule:
        if x.value is None:
            return False
        return isinstance(x.value, _VALUE_TYPES.get(rule, object))
    if rule == RDFS + "Literal":
        return True
    if rule == RDFS + "Datatype" and dt:
        return True
    if dt is None and x.lang is None and rule == XSD_STRING:
        return True
    return bool(rule == LANGSTRING and x.lang)


def _range_ok(comp: str, v: str, bound: Lit) -> bool:
    if not is_literal(v):
        return False
    x = lit(v)
    if bound.is_string != x.is_string:
        return False
    cmp = _compare_bound(v, bound)
    if cmp is None:
        return False
    return {"minExclusive": cmp > 0, "minInclusive": cmp >= 0, "maxExclusive": cmp < 0,
            "maxInclusive": cmp <= 0}[comp]


def _less(v: str, o: str, or_equal: bool) -> bool:
    """pySHACL's sh:lessThan / sh:lessThanOrEquals on one pair (a TypeError there is an error; a failure here)."""
    if is_bnode(v) or is_bnode(o):
        return False
    vs = is_iri(v) or lit(v).is_string
    os_ = is_iri(o) or lit(o).is_string
    if vs != os_:
        return False
    if vs:
        a, b = _rdflib_str(v), _rdflib_str(o)
        return a <= b if or_equal else a < b
    try:
        return _op_le(lit(v), lit(o)) if or_equal else _op_lt(lit(v), lit(o))
    except TypeError:
        return False


# ---------------------------------------------------------------------------------------------
# Loading

def _shape_files(shapes_dir: str | Path | None) -> list[tuple[str, bytes]]:
    if shapes_dir is None:
        folder = resources.files("arkgraph._shapes")
        entries = [e for e in folder.iterdir() if e.name.endswith(".ttl")]
        return [(e.name, e.read_bytes()) for e in sorted(entries, key=lambda e: e.name)]
    p = Path(shapes_dir)
    if p.is_file():
        return [(p.name, p.read_bytes())]
    if not p.is_dir():
        raise UsageError(f"--shapes {shapes_dir}: no such file or directory")
    files = sorted(p.glob("*.ttl"))
    if not files:
        raise UsageError(f"--shapes {shapes_dir}: no .ttl files")
    return [(f.name, f.read_bytes()) for f in files]


def shapes_triples(shapes_dir: str | Path | None = None) -> list[Triple]:
    out: list[Triple] = []
    for i, (name, data) in enumerate(_shape_files(shapes_dir)):
        # the parser's blank node ids are random per process: renamed in order of appearance, so reports
        # (sh:sourceShape) and summaries are the same bytes run after run
        labels: dict[str, str] = {}

        def term(t: object, i: int = i, labels: dict[str, str] = labels) -> str:
            if isinstance(t, ox.BlankNode):
                return labels.setdefault(t.value, f"_:s{i}b{len(labels)}")
            return str(t)
        try:
            for t in ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=f"file:///{name}"):
                out.append((term(t.subject), str(t.predicate), term(t.object)))
        except SyntaxError as exc:
            raise ShapesError(f"shapes file {name}: {exc}") from None
    return out


def shapes_turtle(shapes_dir: str | Path | None = None) -> str:
    """All shapes as one N-Triples text (for pySHACL or for inspection)."""
    return "".join(f"{s} {p} {o} .\n" for s, p, o in shapes_triples(shapes_dir))


_CACHE: dict[str, CompiledShapes] = {}


def load(shapes_dir: str | Path | None = None) -> CompiledShapes:
    key = str(Path(shapes_dir).resolve()) if shapes_dir else ""
    if key not in _CACHE:
        _CACHE[key] = CompiledShapes(shapes_triples(shapes_dir), str(shapes_dir or "bundled shapes"))
    return _CACHE[key]


def validate(triples: Iterable[Triple], shapes: CompiledShapes | None = None) -> list[Result]:
    return (shapes or load()).validate(triples)


def violations(results: Sequence[Result]) -> list[Result]:
    return [r for r in results if r.severity == "Violation"]


# ---------------------------------------------------------------------------------------------
# Reports


class Report:
    """Accumulates results over a run (bounded: counts, first examples, optional full sink)."""

    def __init__(self, examples: int = 3, keep_all: bool = False, shapes: CompiledShapes | None = None):
        self.shapes = shapes
        self.examples = examples
        self.records = 0
        self.invalid_records = 0
        self.counts: dict[tuple[str, str, str], int] = {}
        self.first: dict[tuple[str, str, str], list[Result]] = {}
        self.keep_all = keep_all
        self.all: list[Result] = []

    def add(self, record: str, results: Sequence[Result]) -> None:
        self.records += 1
        if any(r.severity == "Violation" for r in results):
            self.invalid_records += 1
        for r in results:
            k = (r.severity, r.shape, r.component)
            self.counts[k] = self.counts.get(k, 0) + 1
            ex = self.first.setdefault(k, [])
            if len(ex) < self.examples:
                ex.append(r)
        if self.keep_all:
            self.all.extend(results)

    def merge(self, part: Report) -> None:
        """Add what another report saw after this one's records (a worker's part of the same file):
        the same as if this report had seen those records itself."""
        self.records += part.records
        self.invalid_records += part.invalid_records
        for k, n in part.counts.items():
            self.counts[k] = self.counts.get(k, 0) + n
        for k, ex in part.first.items():
            kept = self.first.setdefault(k, [])
            kept.extend(ex[:self.examples - len(kept)])
        if self.keep_all:
            self.all.extend(part.all)

    @property
    def violations(self) -> int:
        return sum(n for (sev, _, _), n in self.counts.items() if sev == "Violation")

    @property
    def warnings(self) -> int:
        return sum(n for (sev, _, _), n in self.counts.items() if sev != "Violation")

    def summary(self) -> str:
        lines = [(f"validation: {self.records} records, {self.invalid_records} with violations; "
                  f"{self.violations} violations, {self.warnings} warnings")]
        for (sev, shape, comp), n in sorted(self.counts.items(), key=lambda kv: (kv[0][0] != "Violation", -kv[1], kv[0])):
            name = self.shapes.names.get(shape, _short(shape)) if self.shapes else _short(shape)
            lines.append(f"  {n:>7}  {sev:<9} {name}  {comp.replace('ConstraintComponent', '')}")
            for r in self.first[(sev, shape, comp)]:
                lines.append(f"           e.g. {_short(r.focus)} {_short(r.path or '')}: {r.message}"
                             + (f" (value {_clip(r.value)})" if r.value else ""))
        return "\n".join(lines)


def _short(term: str) -> str:
    for ns, p in ((SH, "sh:"), ("https://w3id.org/arkgraph/shapes#", "ags:"), ("http://schema.org/", "schema:"),
                  ("http://www.cidoc-crm.org/cidoc-crm/", "crm:"), ("https://linked.art/ns/terms/", "la:"),
                  (RDF, "rdf:"), (RDFS, "rdfs:")):
        term = term.replace(f"<{ns}", p)
    return re.sub(r"(\b\w+:[\w\-.%]+)>", r"\1", term)


def _clip(v: str | None, n: int = 80) -> str:
    v = v or ""
    return v if len(v) <= n else v[: n - 1] + "…"


def report_triples(results: Iterable[Result], conforms: bool) -> Iterator[Triple]:
    """A W3C sh:ValidationReport as triples (blank nodes per result)."""
    rep = "_:report"
    yield (rep, TYPE, sh("ValidationReport"))
    yield (rep, sh("conforms"), f'"{"true" if conforms else "false"}"^^<{XSD}boolean>')
    for n, r in enumerate(results):
        b = f"_:r{n}"
        yield (rep, sh("result"), b)
        yield (b, TYPE, sh("ValidationResult"))
        yield (b, sh("focusNode"), r.focus)
        if r.path:
            yield (b, sh("resultPath"), r.path if _one_iri(r.path) else _literal(r.path))
        if r.value is not None:
            yield (b, sh("value"), r.value)
        yield (b, sh("sourceConstraintComponent"), sh(r.component))
        yield (b, sh("sourceShape"), r.shape)
        yield (b, sh("resultSeverity"), sh(r.severity))
        yield (b, sh("resultMessage"), _literal(r.message))


def _one_iri(path: str) -> bool:
    """A path that is one predicate (a rendered sequence, ``<a>/<b>``, is written as its text)."""
    return is_iri(path) and path.count("<") == 1


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


def write_report(path: str, results: Sequence[Result], conforms: bool, fmt: str | None = None) -> None:
    fmt = fmt or ("jsonld" if path.endswith((".jsonld", ".json")) else "nt" if path.endswith(".nt") else "ttl")
    triples = list(report_triples(results, conforms))
    if fmt == "jsonld":
        write_output(path, (json.dumps(report_jsonld(results, conforms), ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
        return
    text = "".join(f"{s} {p} {o} .\n" for s, p, o in triples).encode("utf-8")
    with open_output(path) as fh:
        if fmt == "nt":
            fh.write(text)
        else:
            ox.serialize(ox.parse(text, format=ox.RdfFormat.N_TRIPLES), fh, format=ox.RdfFormat.TURTLE,
                         prefixes={"sh": SH, "ags": "https://w3id.org/arkgraph/shapes#", "xsd": XSD,
                                   "schema": "http://schema.org/", "crm": "http://www.cidoc-crm.org/cidoc-crm/",
                                   "la": "https://linked.art/ns/terms/", "rdf": RDF, "rdfs": RDFS})


def _jsonld_term(term: str) -> Any:
    if is_iri(term):
        return {"@id": term[1:-1]}
    if is_bnode(term):
        return {"@id": term}
    x = lit(term)
    if x.lang:
        return {"@value": x.lex, "@language": x.lang}
    if x.dt:
        return {"@value": x.lex, "@type": x.dt}
    return {"@value": x.lex}


def report_jsonld(results: Sequence[Result], conforms: bool) -> dict[str, Any]:
    items = []
    for r in results:
        item: dict[str, Any] = {"@type": "sh:ValidationResult", "sh:focusNode": _jsonld_term(r.focus),
                                "sh:sourceConstraintComponent": {"@id": "sh:" + r.component},
                                "sh:sourceShape": _jsonld_term(r.shape),
                                "sh:resultSeverity": {"@id": "sh:" + r.severity},
                                "sh:resultMessage": r.message}
        if r.path:
            item["sh:resultPath"] = _jsonld_term(r.path) if _one_iri(r.path) else r.path
        if r.value is not None:
            item["sh:value"] = _jsonld_term(r.value)
        items.append(item)
    return {"@context": {"sh": SH, "xsd": XSD}, "@type": "sh:ValidationReport",
            "sh:conforms": conforms, "sh:result": items}


# ---------------------------------------------------------------------------------------------
# The convert hook


class ValidationFailed(ArkgraphError):
    exit_code = 1


class RecordValidator:
    """The ``convert --validate`` hook: ``validator(record_iri, triples)`` → reject reason or None.

    ``on_invalid``: ``keep`` (report, write anyway), ``reject`` (to the rejects file with the
    violations), ``fail`` (stop the run). Warnings never reject. Results accumulate in ``report``.
    """

    def __init__(self, shapes_dir: str | None = None, on_invalid: str = "keep", keep_all: bool = False):
        if on_invalid not in ("keep", "reject", "fail"):
            raise UsageError(f"--on-invalid {on_invalid!r}: choose keep, reject or fail")
        self.shapes = load(shapes_dir)
        self.on_invalid = on_invalid
        self.report = Report(keep_all=keep_all, shapes=self.shapes)

    def __call__(self, record_iri: str, triples: Sequence[Triple]) -> str | None:
        results = self.shapes.validate(triples, unique=True)
        self.report.add(record_iri, results)
        if self.on_invalid == "keep" or not any(r.severity == "Violation" for r in results):
            return None
        if self.on_invalid == "fail":
            raise ValidationFailed(f"record <{record_iri}> does not conform to the shapes (--on-invalid fail): "
                                   + reason(results)[len("SHACL violations: "):])
        return reason(results)


def reason(results: Sequence[Result], limit: int = 5) -> str:
    """One line for a rejects file: the first violations."""
    vs = violations(results)
    parts = [f"{_short(r.focus)} {_short(r.path or '')} {r.component.replace('ConstraintComponent', '')}: {r.message}"
             for r in vs[:limit]]
    more = f" (+{len(vs) - limit} more)" if len(vs) > limit else ""
    return "SHACL violations: " + "; ".join(parts) + more

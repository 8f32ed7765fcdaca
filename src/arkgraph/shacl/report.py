"""Validation results, the W3C validation report (SHACL 3.6) they make, and the run summary.

``sh:conforms`` is false whenever there is a result, whatever its severity (SHACL 3.6.1.1): the exit policy
of the commands (warnings do not fail a run) is theirs, not the report's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from ..outputs import open_output, write_output
from .paths import PropertyPath
from .terms import RDF, RDFS, SH, TYPE, XSD, Triple, is_bnode, is_iri, literal, literal_parts, sh

SEVERITIES = ("Violation", "Warning", "Info")


@dataclass(frozen=True, slots=True)
class Result:
    """One validation result (SHACL 3.6.2); terms are N-Triples strings."""

    focus: str
    path: str | None               # a PropertyPath (an IRI term for a predicate path); sh:closed: the predicate
    component: str                 # local name, e.g. "MinCountConstraintComponent"
    shape: str
    value: str | None
    message: str                   # for people: the shape's first sh:message, or arkgraph's
    severity: str = "Violation"    # Violation | Warning | Info, or a custom severity's IRI term
    messages: tuple[str, ...] = ()  # the shape's sh:message literals as written (language tags kept)

    def key(self) -> tuple[str, str | None, str]:
        return (self.focus, self.path, self.component)

    def order(self) -> tuple[str, str, str, str, str]:
        return (self.focus, self.path or "", self.component, self.shape, self.value or "")

    def as_dict(self) -> dict[str, Any]:
        return {"focus": self.focus, "path": self.path, "component": self.component, "shape": self.shape,
                "value": self.value, "message": self.message, "severity": self.severity}


def _severity(sev: str) -> str:
    return sev if is_iri(sev) else sh(sev)


@dataclass
class ValidationReport:
    """What validating a data graph gives (``arkgraph.shacl.validate_graph``): SHACL's validation report."""

    results: list[Result] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        return not self.results

    def triples(self) -> Iterator[Triple]:
        return report_triples(self.results)


def report_triples(results: Sequence[Result]) -> Iterator[Triple]:
    """A W3C sh:ValidationReport as triples (one blank node per result; complex paths as RDF structure)."""
    rep = "_:report"
    yield (rep, TYPE, sh("ValidationReport"))
    yield (rep, sh("conforms"), f'"{"false" if results else "true"}"^^<{XSD}boolean>')
    for n, r in enumerate(results):
        b = f"_:r{n}"
        yield (rep, sh("result"), b)
        yield (b, TYPE, sh("ValidationResult"))
        yield (b, sh("focusNode"), r.focus)
        if r.path:
            if isinstance(r.path, PropertyPath) and not r.path.is_predicate:
                node, structure = r.path.rdf(f"r{n}p")
                yield (b, sh("resultPath"), node)
                yield from structure
            else:
                yield (b, sh("resultPath"), r.path)
        if r.value is not None:
            yield (b, sh("value"), r.value)
        yield (b, sh("sourceConstraintComponent"), sh(r.component))
        yield (b, sh("sourceShape"), r.shape)
        yield (b, sh("resultSeverity"), _severity(r.severity))
        for m in r.messages or (literal(r.message),):
            yield (b, sh("resultMessage"), m)


_PREFIXES = {"sh": SH, "ags": "https://w3id.org/arkgraph/shapes#", "xsd": XSD, "schema": "http://schema.org/",
             "crm": "http://www.cidoc-crm.org/cidoc-crm/", "la": "https://linked.art/ns/terms/", "rdf": RDF,
             "rdfs": RDFS}


def write_report(path: str, results: Sequence[Result], fmt: str | None = None) -> None:
    """Write the validation report: Turtle (default), N-Triples (``.nt``) or JSON-LD (``.jsonld``, ``.json``)."""
    fmt = fmt or ("jsonld" if path.endswith((".jsonld", ".json")) else "nt" if path.endswith(".nt") else "ttl")
    if fmt == "jsonld":
        write_output(path, (json.dumps(report_jsonld(results), ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
        return
    text = "".join(f"{s} {p} {o} .\n" for s, p, o in report_triples(results)).encode("utf-8")
    with open_output(path) as fh:
        if fmt == "nt":
            fh.write(text)
        else:
            ox.serialize(ox.parse(text, format=ox.RdfFormat.N_TRIPLES), fh, format=ox.RdfFormat.TURTLE,
                         prefixes=_PREFIXES)


def _jsonld_term(term: str) -> Any:
    if is_iri(term):
        return {"@id": term[1:-1]}
    if is_bnode(term):
        return {"@id": term}
    lex, lang, dt = literal_parts(term)
    if lang:
        return {"@value": lex, "@language": lang}
    if dt:
        return {"@value": lex, "@type": dt}
    return {"@value": lex}


def _jsonld_path(path: str) -> Any:
    if not isinstance(path, PropertyPath) or path.is_predicate:
        return _jsonld_term(path)
    if path.kind == "sequence":
        return {"@list": [_jsonld_path(p) for p in path.parts]}
    if path.kind == "alternative":
        return {"sh:alternativePath": {"@list": [_jsonld_path(p) for p in path.parts]}}
    return {f"sh:{path.kind}Path": _jsonld_path(path.parts[0])}


def report_jsonld(results: Sequence[Result]) -> dict[str, Any]:
    items = []
    for r in results:
        sev = r.severity[1:-1] if is_iri(r.severity) else "sh:" + r.severity
        messages = [_jsonld_term(m) for m in r.messages] or [r.message]
        item: dict[str, Any] = {"@type": "sh:ValidationResult", "sh:focusNode": _jsonld_term(r.focus),
                                "sh:sourceConstraintComponent": {"@id": "sh:" + r.component},
                                "sh:sourceShape": _jsonld_term(r.shape),
                                "sh:resultSeverity": {"@id": sev},
                                "sh:resultMessage": messages[0] if len(messages) == 1 else messages}
        if r.path:
            item["sh:resultPath"] = _jsonld_path(r.path)
        if r.value is not None:
            item["sh:value"] = _jsonld_term(r.value)
        items.append(item)
    return {"@context": {"sh": SH, "xsd": XSD}, "@type": "sh:ValidationReport",
            "sh:conforms": not results, "sh:result": items}


class Report:
    """Accumulates results over a run (bounded: counts, first examples, optional full sink)."""

    def __init__(self, examples: int = 3, keep_all: bool = False, shapes: Any = None):
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
        """Results of any other severity (sh:Warning, sh:Info, custom): they do not fail a run."""
        return sum(n for (sev, _, _), n in self.counts.items() if sev != "Violation")

    def summary(self) -> str:
        lines = [(f"validation: {self.records} records, {self.invalid_records} with violations; "
                  f"{self.violations} violations, {self.warnings} warnings")]
        for (sev, shape, comp), n in sorted(self.counts.items(), key=lambda kv: (kv[0][0] != "Violation", -kv[1], kv[0])):
            name = self.shapes.names.get(shape, short(shape)) if self.shapes else short(shape)
            lines.append(f"  {n:>7}  {short(sev):<9} {name}  {comp.replace('ConstraintComponent', '')}")
            for r in self.first[(sev, shape, comp)]:
                lines.append(f"           e.g. {short(r.focus)} {short(r.path or '')}: {r.message}"
                             + (f" (value {clip(r.value)})" if r.value else ""))
        return "\n".join(lines)


def short(term: str) -> str:
    """A term or path text with the usual prefixes, for people."""
    for ns, p in ((SH, "sh:"), ("https://w3id.org/arkgraph/shapes#", "ags:"), ("http://schema.org/", "schema:"),
                  ("http://www.cidoc-crm.org/cidoc-crm/", "crm:"), ("https://linked.art/ns/terms/", "la:"),
                  (RDF, "rdf:"), (RDFS, "rdfs:")):
        term = term.replace(f"<{ns}", p)
    return re.sub(r"(\b\w+:[\w\-.%]+)>", r"\1", term)


def clip(v: str | None, n: int = 80) -> str:
    v = v or ""
    return v if len(v) <= n else v[: n - 1] + "…"


def violations(results: Iterable[Result]) -> list[Result]:
    return [r for r in results if r.severity == "Violation"]

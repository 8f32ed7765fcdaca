"""arkgraph's SHACL Core validator (W3C SHACL, https://www.w3.org/TR/shacl/), checked against the W3C SHACL
Core test suite (tests/test_w3c_shacl.py, 98 of 98). SHACL-SPARQL (sh:sparql) is refused.

    >>> from arkgraph import shacl
    >>> report = shacl.validate_graph(data_triples, shapes_triples)   # N-Triples term strings
    >>> report.conforms, report.results                               # and report.triples(): sh:ValidationReport

Records are validated one at a time (``shacl.load()`` then ``Shapes.validate(triples)``), as
``arkgraph validate`` and ``convert --validate`` do.

What lives where:
- ``shapes``     the shapes graph read into shapes: targets, path, severity, messages, constraints
- ``components`` one class per constraint component (sh:class, sh:minCount, ...): parameters, check, fast path
- ``paths``      property paths: read, followed in the data, written back as RDF
- ``data``       one record's data graph, indexed
- ``run``        how a shape is run on a focus node; ``codegen`` the generated fast path
- ``terms``, ``xsd``  N-Triples terms; XSD well-formedness and SPARQL's ordering of values
- ``report``     results, the W3C validation report, the run summary
- ``load``       shapes files (bundled or ``--shapes``); ``hook`` the ``convert --validate`` hook

A new constraint component goes in ``components/`` (see its docstring); arkgraph's own shapes are
``shapes/*.ttl`` at the repository's root, not code.
"""

from __future__ import annotations

from collections.abc import Iterable

from .data import Index, dedupe_long, index, index_into
from .hook import RecordValidator, ValidationFailed, reason
from .load import load, shapes_triples, shapes_turtle
from .paths import PropertyPath
from .report import Report, Result, ValidationReport, report_jsonld, report_triples, violations, write_report
from .shapes import Shape, Shapes, ShapesError
from .terms import Triple

__all__ = ["Index", "PropertyPath", "RecordValidator", "Report", "Result", "Shape", "Shapes", "ShapesError",
           "ValidationFailed", "ValidationReport", "dedupe_long", "index", "index_into", "load", "reason",
           "report_jsonld", "report_triples", "shapes_triples", "shapes_turtle", "validate", "validate_graph",
           "violations", "write_report"]


def validate_graph(data: Iterable[Triple], shapes: Shapes | Iterable[Triple]) -> ValidationReport:
    """Validate a whole data graph against a shapes graph: SHACL's validation report.

    ``data`` and ``shapes`` are triples of N-Triples term strings (``shapes`` may be ``Shapes`` already read,
    e.g. ``load("my-shapes/")``). The data graph is validated as one record.

        report = validate_graph(data_triples, load())
        if not report.conforms:
            write_report("report.ttl", report.results)
    """
    if not isinstance(shapes, Shapes):
        shapes = Shapes(shapes)
    return ValidationReport(shapes.validate(data))


def validate(triples: Iterable[Triple], shapes: Shapes | None = None) -> list[Result]:
    """One record's results against ``shapes`` (default: arkgraph's own)."""
    return (shapes or load()).validate(triples)

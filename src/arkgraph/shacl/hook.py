"""The ``convert --validate`` hook: each record validated as it is converted."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import ArkgraphError, UsageError
from .load import load
from .report import Report, Result, short, violations
from .terms import Triple


class ValidationFailed(ArkgraphError):
    exit_code = 1


class RecordValidator:
    """``validator(record_iri, triples)`` → reject reason or None.

    ``on_invalid``: ``keep`` (report, write anyway), ``reject`` (to the rejects file with the
    violations), ``fail`` (stop the run). Warnings never reject. Results accumulate in ``report``.
    """

    def __init__(self, shapes_dir: str | None = None, on_invalid: str = "keep", keep_all: bool = False):
        if on_invalid not in ("keep", "reject", "fail"):
            raise UsageError(f"--on-invalid {on_invalid!r}: choose keep, reject or fail")
        self.shapes = load(shapes_dir)
        self.on_invalid = on_invalid
        self.report = Report(keep_all=keep_all, shapes=self.shapes)

    def __call__(self, record_iri: str, triples: Sequence[Triple], by_profile: object = None) -> str | None:
        return self.verdict(record_iri, self.inspect(record_iri, triples, by_profile))

    def inspect(self, record_iri: str, triples: Sequence[Triple], by_profile: object = None) -> list[Result]:
        """The record's results (a worker process may look; the run's ``verdict`` records them)."""
        return self.shapes.validate(triples)

    def verdict(self, record_iri: str, results: Sequence[Result]) -> str | None:
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
    parts = [f"{short(r.focus)} {short(r.path or '')} {r.component.replace('ConstraintComponent', '')}: {r.message}"
             for r in vs[:limit]]
    more = f" (+{len(vs) - limit} more)" if len(vs) > limit else ""
    return "SHACL violations: " + "; ".join(parts) + more

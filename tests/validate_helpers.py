"""Shared by the validation and conformance tests: convert fixture files into per-record triples."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from arkgraph import pipeline

FIXTURES = Path(__file__).parent / "fixtures"
PM_REAL = [FIXTURES / "parismusees" / "nodequery-chinese-works-even.json",
           FIXTURES / "parismusees" / "nodebyid-226737-docs-example.json"]
PM_SYNTHETIC = FIXTURES / "parismusees" / "synthetic-full-nodeoeuvre.json"
GALLICA_DIR = FIXTURES / "gallica"
HAS_GALLICA = importlib.util.find_spec("arkgraph.sources.gallica") is not None


class Collect:
    """A pipeline sink keeping each record's deduplicated triples, in order."""

    def __init__(self) -> None:
        self.records: list[tuple[str, list[tuple[str, str, str]]]] = []

    def write(self, graph_iri: str, triples: list[tuple[str, str, str]], *, source: str) -> None:
        self.records.append((graph_iri, list(triples)))

    def delete(self, graph_iri: str, *, source: str) -> None:
        pass

    def close(self) -> dict[str, Any]:
        return {}


def convert(paths: list[Path], profiles: tuple[str, ...] = ("schemaorg", "linkedart"),
            source: str = "auto") -> list[tuple[str, list[tuple[str, str, str]]]]:
    sink = Collect()
    opts = pipeline.Options([str(p) for p in paths], source=source, profiles=profiles)
    pipeline.convert(opts, None, sink=sink)
    return sink.records


def gallica_record_files() -> list[Path]:
    """Gallica fixtures that hold records (not the damaged or hostile ones)."""
    if not GALLICA_DIR.is_dir():
        return []
    skip = {"damaged", "attacks"}
    return sorted(p for p in GALLICA_DIR.rglob("*.xml") if not (set(p.relative_to(GALLICA_DIR).parts) & skip))

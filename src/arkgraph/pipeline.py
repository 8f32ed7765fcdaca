"""Wire the stages: read → map → emit → write / load. Every record is counted: converted or rejected."""

from __future__ import annotations

import fnmatch
import gc
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import IO, Any, Callable, Iterator, Protocol

from . import mappings, serialize, sources
from .errors import RecordError, UsageError
from .mappings import Tables
from .profiles import linkedart, schemaorg
from .sources.common import Mapped, RawRecord, Reject, open_binary, walk_inputs
from .terms import Triple

PROFILES: dict[str, Callable[..., list[Triple]]] = {"schemaorg": schemaorg.triples, "linkedart": linkedart.triples}


def parse_profiles(text: str) -> tuple[str, ...]:
    names = [p.strip().lower() for p in text.split(",") if p.strip()]
    if not names or "all" in names:
        return ("schemaorg", "linkedart")
    bad = [n for n in names if n not in PROFILES]
    if bad:
        raise UsageError(f"unknown profile {', '.join(bad)}: choose from schemaorg, linkedart, all")
    return tuple(dict.fromkeys(names))


class Sink(Protocol):
    """Where converted records go besides the output file (e.g. a SPARQL store)."""

    def write(self, graph_iri: str, triples: list[Triple], *, source: str) -> None: ...
    def delete(self, graph_iri: str, *, source: str) -> None: ...
    def close(self) -> dict[str, Any]: ...


@dataclass
class Summary:
    read: int = 0
    converted: int = 0
    rejected: int = 0
    deleted: int = 0
    triples: int = 0
    seconds: float = 0.0
    flagged: Counter[str] = field(default_factory=Counter)
    by_source: Counter[str] = field(default_factory=Counter)

    def line(self) -> str:
        extra = f", deleted {self.deleted}" if self.deleted else ""
        flags = "".join(f", {n} {k}" for k, n in sorted(self.flagged.items()))
        return (f"arkgraph: read {self.read} records, converted {self.converted}, rejected {self.rejected}"
                f"{extra}, {self.triples} triples written in {self.seconds:.2f}s{flags}")


@dataclass
class Coverage:
    """Per-run coverage: source leaves mapped / ignored / unhandled, and values missing from tables."""

    leaves: Counter[str] = field(default_factory=Counter)
    mapped: Counter[str] = field(default_factory=Counter)
    ignored: dict[str, Counter[str]] = field(default_factory=dict)
    unhandled: dict[str, Counter[str]] = field(default_factory=dict)
    unmapped: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, source: str, m: Mapped, tables: Tables) -> None:
        self.mapped[source] += m.mapped
        self.leaves[source] += m.mapped + _size(m.ignored) + _size(m.unhandled)
        if m.ignored:
            _counter(self.ignored, source).update(m.ignored)
        if m.unhandled:
            _counter(self.unhandled, source).update(m.unhandled)
        for table, concept in _concepts(m.record):
            if concept.local:
                _counter(self.unmapped, table)[concept.label] += 1

    def report(self, tables: Tables) -> dict[str, Any]:
        out: dict[str, Any] = {"sources": {}, "unmapped_values": {}}
        reasons = {row["path"]: row["reason"] for name in ("parismusees-ignored", "gallica-ignored")
                   for row in tables.tables.get(name, {}).values()}
        for src in sorted(self.leaves):
            total = self.leaves[src]
            ignored, unhandled = self.ignored.get(src, Counter()), self.unhandled.get(src, Counter())
            handled = self.mapped[src] + sum(ignored.values())
            out["sources"][src] = {
                "leaf_values": total, "mapped": self.mapped[src], "ignored": sum(ignored.values()),
                "unhandled": sum(unhandled.values()),
                "coverage_percent": round(100.0 * handled / total, 2) if total else 100.0,
                "unhandled_fields": dict(sorted(unhandled.items())),
                "ignored_fields": {p: {"count": n, "reason": _reason(p, reasons)}
                                   for p, n in sorted(ignored.items())},
            }
        for table, labels in sorted(self.unmapped.items()):
            out["unmapped_values"][table] = dict(sorted(labels.items(), key=lambda kv: (-kv[1], kv[0])))
        return out


def _counter(counters: dict[str, Counter[str]], key: str) -> Counter[str]:
    c = counters.get(key)
    if c is None:
        c = counters[key] = Counter()
    return c


def _size(paths: Any) -> int:
    """Leaf counts come as a list of paths or a Counter of them."""
    return sum(paths.values()) if isinstance(paths, Counter) else len(paths)


def _reason(path: str, reasons: dict[str, str]) -> str:
    for pattern, reason in reasons.items():
        if fnmatch.fnmatchcase(path, pattern):
            return reason
    return ""


# record attribute holding concepts → the crosswalk table its unmapped labels belong to
_CONCEPT_LISTS = (("materials", "materials"), ("periods", "periods"), ("subjects", "themes"),
                  ("styles", "styles"), ("languages", "languages"), ("rights", "rights"))


def _concepts(rec: Any) -> Iterator[tuple[str, Any]]:
    for c in rec.classifications + rec.genres:
        yield c.table or "object_types", c
    for attr, table in _CONCEPT_LISTS:
        for c in getattr(rec, attr):
            yield table, c
    for contrib in rec.contributions:
        yield "roles", contrib.role
    for d in rec.dimensions:
        yield "dimension_types", d.kind
        yield "units", d.unit
    if rec.acquisition:
        yield "acquisition_modes", rec.acquisition.mode


@dataclass
class Options:
    inputs: list[str]
    source: str = "auto"
    profiles: tuple[str, ...] = ("schemaorg", "linkedart")
    output: str | None = None
    fmt: str | None = None
    rejects: str | None = None
    naan: str = "99999"
    ark_base: str = "https://n2t.net/"
    mappings_dir: str | None = None
    coverage: str | None = None
    max_value_bytes: int = 16 << 20  # a record with a larger field value is rejected (bounded memory)


class Progress(Protocol):
    def __call__(self, summary: Summary, file: str) -> None: ...


def _sniff(fh: IO[bytes], name: str, source: str) -> ModuleType | Reject:
    """The source module for a stream, or a Reject saying why the file is not a record file."""
    if source != "auto":
        return sources.load(source)
    head = fh.peek(4096)[:4096] if hasattr(fh, "peek") else b""
    for mod in sources.available():
        if mod.sniff(head):
            return mod
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:200].lower()
    if start.startswith((b"<!doctype html", b"<html")):
        return Reject(name, None, None, "not a record file: an HTML page (an API error page?)")
    if start.startswith(b"<"):
        return Reject(name, None, None, "XML that is not a known Gallica response")
    if not start:
        return Reject(name, None, None, "empty file")
    return Reject(name, None, None, "not a record file: neither JSON nor XML")


def iter_items(opts: Options, context: dict[str, Any]) -> Iterator[tuple[ModuleType | None, RawRecord | Reject]]:
    """Every item of every input, with its source module (None for a file no source claims).

    Enrichment files (read first) are joined to their records by ARK through ``context``."""
    files = list(walk_inputs(opts.inputs))
    record_files: list[str] = []
    enrichments: dict[str, list[Any]] = context.setdefault("enrichments", {})
    for name in files:
        if name == "-":
            record_files.append(name)
            continue
        with open_binary(name) as fh:
            head = fh.peek(4096)[:4096] if hasattr(fh, "peek") else b""
            mod = next((m for m in sources.available() if hasattr(m, "is_enrichment") and m.is_enrichment(head)), None)
            if mod is not None and opts.source in ("auto", mod.SOURCE):
                for item in mod.read_enrichment(fh, name):
                    if isinstance(item, Reject):
                        yield mod, item
                    else:
                        enrichments.setdefault(item[0], []).append(item[1])
                continue
        record_files.append(name)
    for name in record_files:
        fh = open_binary(name)
        try:
            mod = _sniff(fh, name, opts.source)
            if isinstance(mod, Reject):
                yield None, mod
                continue
            items = (mod.read(fh, name, max_value_bytes=opts.max_value_bytes) if getattr(mod, "READ_LIMITS", False)
                     else mod.read(fh, name))
            for item in items:
                yield mod, item
        finally:
            if name != "-":
                fh.close()


def convert(opts: Options, out: IO[bytes] | list[tuple[str, IO[bytes]]] | None, *, sink: Sink | None = None,
            rejects: IO[str] | None = None, progress: Progress | None = None,
            validator: Callable[[str, list[Triple]], str | None] | None = None) -> tuple[Summary, Coverage]:
    """``validator(record_iri, triples)`` (optional) returns a reason to reject the record, or None to
    write it; it may raise an ArkgraphError to stop the run (see ``arkgraph.validate.RecordValidator``).

    ``out`` is one stream (format from ``opts.output``/``opts.fmt``) or a list of ``(format, stream)``:
    one pass over the input can write several serializations."""
    thresholds = gc.get_threshold()
    # records allocate many short-lived, acyclic objects (freed by refcount) and the term caches
    # hold millions: frequent collections would rescan those caches for nothing
    gc.set_threshold(50_000, 50, 100)
    try:
        return _convert(opts, out, sink=sink, rejects=rejects, progress=progress, validator=validator)
    finally:
        gc.set_threshold(*thresholds)


def _convert(opts: Options, out: IO[bytes] | list[tuple[str, IO[bytes]]] | None, *, sink: Sink | None,
             rejects: IO[str] | None, progress: Progress | None,
             validator: Callable[[str, list[Triple]], str | None] | None) -> tuple[Summary, Coverage]:
    tables = mappings.load(opts.mappings_dir, naan=opts.naan, base=opts.ark_base)
    if isinstance(out, list):
        writers = [serialize.writer(f, o) for f, o in out]
    else:
        writers = [serialize.writer(serialize.format_for(opts.output, opts.fmt), out)] if out is not None else []
    summary, coverage = Summary(), Coverage()
    mappers: dict[str, Any] = {}
    context: dict[str, Any] = {}
    emitters = [(p, PROFILES[p]) for p in opts.profiles]
    track_coverage = opts.coverage is not None  # the report costs a walk of every source leaf: only when asked
    started = time.perf_counter()
    last_file = ""

    def reject(r: Reject) -> None:
        summary.rejected += 1
        if rejects is not None:
            rejects.write(json.dumps(r.as_dict(), ensure_ascii=False) + "\n")

    try:
        for mod, item in iter_items(opts, context):
            if isinstance(item, Reject):
                summary.read += 1  # a damaged stretch or error body counts as one record read and rejected
                reject(item)
                continue
            summary.read += 1
            last_file = item.file
            assert mod is not None  # records always come from a source module
            mapper = mappers.get(mod.SOURCE)
            if mapper is None:
                mapper = mappers[mod.SOURCE] = mod.Mapper(tables)
                mapper.track_coverage = track_coverage
            try:
                mapped = mapper.map(item, context)
            except RecordError as exc:
                reject(Reject(item.file, item.position, exc.record_id or item.record_id, exc.reason, mod.SOURCE))
                continue
            rec = mapped.record
            if track_coverage:
                coverage.add(mod.SOURCE, mapped, tables)
            summary.by_source[mod.SOURCE] += 1
            for flag in rec.flags:
                summary.flagged[flag.split(":")[0]] += 1
            if rec.deleted:
                summary.deleted += 1
                summary.converted += 1
                for writer in writers:
                    writer.deletion(rec.iri)
                if sink:
                    sink.delete(rec.iri, source=item.file)
                continue
            by_profile = {name: emit(rec) for name, emit in emitters}
            ts = serialize.unique(by_profile)
            if validator is not None:
                problem = validator(rec.iri, ts)
                if problem:
                    reject(Reject(item.file, item.position, item.record_id, problem, mod.SOURCE))
                    continue
            for writer in writers:
                writer.record(rec.iri, by_profile, ts)
            if sink:
                sink.write(rec.iri, ts, source=item.file)
            summary.triples += len(ts)
            summary.converted += 1
            if progress and summary.read % 500 == 0:
                summary.seconds = time.perf_counter() - started
                progress(summary, last_file)
    finally:
        for writer in writers:
            writer.close()
        summary.seconds = time.perf_counter() - started
    if opts.coverage:
        Path(opts.coverage).write_text(json.dumps(coverage.report(tables), ensure_ascii=False, indent=2) + "\n",
                                       encoding="utf-8")
    return summary, coverage

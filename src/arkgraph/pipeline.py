"""Wire the stages: read → map → emit → write / load. Every record is counted: converted or rejected."""

from __future__ import annotations

import fnmatch
import gc
import gzip
import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from types import ModuleType
from typing import IO, Any, Callable, Iterator, Protocol

from . import coverage_report, mappings, serialize, sources
from .errors import ArkError, ArkgraphError, RecordError, UsageError
from .mappings import Tables
from .outputs import write_output
from .profiles import edm, linkedart, schemaorg
from .profiles.annotations import triples as annotation_triples
from .seen import FirstSeen
from .sources.common import DEFAULT_MAX_VALUE_BYTES, GZIP_DAMAGE, RECORD_SUFFIXES, Mapped, RawRecord, Reject, open_binary, walk_inputs
from .terms import Triple

# the profiles "all" names
PROFILES: dict[str, Callable[..., list[Triple]]] = {"schemaorg": schemaorg.triples, "linkedart": linkedart.triples}
# asked for by name only: Europeana's EDM (built in _convert with the provider's settings) and the search hits as
# Web Annotations
NAMED_PROFILES: dict[str, Callable[..., list[Triple]]] = {"annotations": annotation_triples}
OTHER_PROFILES = ("edm", *NAMED_PROFILES)


def parse_profiles(text: str) -> tuple[str, ...]:
    names = [p.strip().lower() for p in text.split(",") if p.strip()] or ["all"]
    bad = [n for n in names if n not in PROFILES and n not in OTHER_PROFILES and n != "all"]
    if bad:
        raise UsageError(f"unknown profile {', '.join(bad)}: choose from schemaorg, linkedart, all, edm, annotations")
    out: list[str] = []
    for n in names:
        out += list(PROFILES) if n == "all" else [n]
    return tuple(dict.fromkeys(out))


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
    duplicates: int = 0  # of the rejected: a later record with the IRI of one already converted
    deleted: int = 0
    triples: int = 0
    seconds: float = 0.0
    flagged: Counter[str] = field(default_factory=Counter)
    edm_rights: Counter[str] = field(default_factory=Counter)  # converted records by their EDM edm:rights
    by_source: Counter[str] = field(default_factory=Counter)
    empty_files: list[str] = field(default_factory=list)    # read, but held no record (e.g. {} or [])
    skipped_files: list[str] = field(default_factory=list)  # in a directory, not named like a record file
    unmatched_enrichments: list[str] = field(default_factory=list)  # side files read whole that matched no record
    bytes_read: int = 0  # of the input files, as of the last progress report (for its bar)

    def line(self) -> str:
        dups = f" ({self.duplicates} duplicate{_s(self.duplicates)}: the first record of each IRI is kept)" if self.duplicates else ""
        extra = f", deleted {self.deleted}" if self.deleted else ""
        flags = "".join(f", {n} {k}" for k, n in sorted(self.flagged.items()))
        unmatched = (f", {len(self.unmatched_enrichments)} enrichment file(s) matched no record"
                     if self.unmatched_enrichments else "")
        files = ""
        if self.empty_files:
            n = len(self.empty_files)
            files += f", {n} file{_s(n)} held no records"
        if self.skipped_files:
            n = len(self.skipped_files)
            files += f", {n} file{_s(n)} skipped (not {_SUFFIXES})"
        return (f"arkgraph: read {self.read} records, converted {self.converted}, rejected {self.rejected}{dups}"
                f"{extra}, {self.triples} triples written in {self.seconds:.2f}s{flags}{unmatched}{files}")

    def rights_line(self) -> str:
        """The EDM records by edm:rights statement (empty without the EDM profile)."""
        if not self.edm_rights:
            return ""
        return "arkgraph: edm:rights: " + ", ".join(f"{n} {uri}" for uri, n in sorted(
            self.edm_rights.items(), key=lambda kv: (-kv[1], kv[0])))


_SUFFIXES = ", ".join(sorted(RECORD_SUFFIXES)[:-1]) + " or " + sorted(RECORD_SUFFIXES)[-1]


def _s(n: int) -> str:
    return "" if n == 1 else "s"


@dataclass
class Coverage:
    """Per-run coverage: source leaves mapped / ignored / unhandled, and values missing from tables."""

    leaves: Counter[str] = field(default_factory=Counter)
    mapped: Counter[str] = field(default_factory=Counter)
    ignored: dict[str, Counter[str]] = field(default_factory=dict)
    unhandled: dict[str, Counter[str]] = field(default_factory=dict)
    unmapped: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, source: str, m: Mapped) -> None:
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
    max_value_bytes: int = DEFAULT_MAX_VALUE_BYTES
    edm: edm.Settings = field(default_factory=edm.Settings)  # the provider's settings for the EDM profile
    text: str = "link"  # pages' OCR text (ALTO): link (statistics and URLs), inline (the text too), none


# (record IRI, its triples, its triples by profile) -> a reason to reject it, or None
Validator = Callable[[str, list[Triple], dict[str, list[Triple]]], "str | None"]


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

    Enrichment files (read first) are joined to their records by ARK through ``context``: the mapper adds
    each key it joined to ``context["enriched"]`` (see ``unmatched_enrichments``)."""
    files = list(walk_inputs(opts.inputs, context.setdefault("skipped_files", [])))
    record_files: list[str] = []
    enrichments: dict[str, list[Any]] = context.setdefault("enrichments", {})
    enrichment_files: dict[str, list[str]] = context.setdefault("enrichment_files", {})
    for name in files:
        if name == "-":
            record_files.append(name)
            continue
        with open_binary(name) as fh:
            head = fh.peek(4096)[:4096] if hasattr(fh, "peek") else b""
            mod = next((m for m in sources.available() if hasattr(m, "is_enrichment") and m.is_enrichment(head)), None)
            if mod is not None and opts.source in ("auto", mod.SOURCE):
                keys: list[str] = []
                rejected = False
                for item in mod.read_enrichment(fh, name):
                    if isinstance(item, Reject):
                        rejected = True
                        yield mod, item
                    else:
                        enrichments.setdefault(item[0], []).append(item[1])
                        keys.append(item[0])
                if keys and not rejected:  # a rejected file is reported already
                    enrichment_files[name] = keys
                context["bytes_done"] = context.get("bytes_done", 0) + _size_of(name)
                continue
        record_files.append(name)
    empty: list[str] = context.setdefault("empty_files", [])
    for name in record_files:
        fh = open_binary(name)
        context["reading"] = fh  # where the progress display reads how far the run is
        mod = None  # the file's source module, once sniffed
        last = records = items = 0  # for a reader that fails: where, and what came before
        try:
            mod = _sniff(fh, name, opts.source)
            damage = getattr(fh, "damage", None)
            if damage is not None:  # a .gz damaged in its first block: say so, not "empty file"
                raise damage
            if isinstance(mod, Reject):
                yield None, mod
                continue
            for item in mod.read(fh, name, max_value_bytes=opts.max_value_bytes):
                items += 1
                if item.position:
                    last = item.position
                if type(item) is RawRecord:
                    records += 1
                yield mod, item
            if not items:
                empty.append(name)
        except Exception as exc:  # noqa: BLE001 - one file's failure loses that file's rest, not the run
            if stops_run(exc):
                raise
            module = mod if isinstance(mod, ModuleType) else None
            yield module, Reject(name, last + 1, None, _read_failure(exc, last, records),
                                 module.SOURCE if module else None)
        finally:
            if name != "-":
                context["bytes_done"] = context.get("bytes_done", 0) + _size_of(name)
                fh.close()
            context.pop("reading", None)


def _size_of(name: str) -> int:
    try:
        return os.path.getsize(name)
    except OSError:
        return 0


def _position(fh: Any) -> int:
    """How far into its file (on disk, compressed if .gz) an open input is; 0 when that cannot be told (stdin)."""
    try:
        return os.lseek(fh.fileno(), 0, os.SEEK_CUR)
    except (AttributeError, OSError, ValueError):
        return 0


def _read_failure(exc: Exception, last: int, records: int) -> str:
    """A reject reason for a reader that raised: what happened, where, and what was kept."""
    if isinstance(exc, EOFError):
        what = "damaged gzip: the compressed data ends early, as in a truncated file"
    elif isinstance(exc, GZIP_DAMAGE):
        what = f"damaged gzip: {_message(exc)}"
        if isinstance(exc, gzip.BadGzipFile) and "CRC" in what:  # found at the end of the data it checks
            what += ", so the text read before it may be damaged too"
    elif isinstance(exc, RecursionError):
        what = "nested too deeply to read"
    elif isinstance(exc, UnicodeDecodeError):
        what = f"not UTF-8: {exc.reason}"
    elif isinstance(exc, OSError):
        what = f"cannot read: {exc.strerror or _message(exc)}"
    else:
        what = internal_error(exc)
    where = f"after record {last}" if last else "before any record"
    return f"{what} ({where}); the {records} record(s) read before it are kept, the rest of the file is lost"


def stops_run(exc: Exception) -> bool:
    """Whether an exception met while reading or converting one record must stop the run: no memory left,
    or arkgraph's own errors (input, output, usage, --on-invalid fail). An ArkError escaping a mapper is
    about the record's data, not the run."""
    return isinstance(exc, MemoryError) or (isinstance(exc, ArkgraphError) and not isinstance(exc, ArkError))


def _message(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or "no message"


def internal_error(exc: BaseException) -> str:
    """The reason for an exception nobody expected (a bug): this prefix is what fuzzing counts."""
    return f"internal error: {type(exc).__name__}: {_message(exc)}"


def unmatched_enrichments(context: dict[str, Any]) -> list[str]:
    """The enrichment files (read without reject) none of whose keys a record was joined to, once every
    record has been mapped."""
    enriched = context.get("enriched", ())
    return [name for name, keys in context.get("enrichment_files", {}).items()
            if not any(k in enriched for k in keys)]


def convert(opts: Options, out: IO[bytes] | list[tuple[str, IO[bytes]]] | None, *, sink: Sink | None = None,
            rejects: IO[str] | None = None, progress: Progress | None = None,
            validator: Validator | None = None) -> tuple[Summary, Coverage]:
    """``validator(record_iri, triples, by_profile)`` (optional) returns a reason to reject the record, or None
    to write it; it may raise an ArkgraphError to stop the run (see ``arkgraph.shacl.RecordValidator`` and
    ``arkgraph.edm_check.RecordChecker``).

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


@dataclass(frozen=True, slots=True)
class Converted:
    """A record converted: its IRI, source (``parismusees``, ``gallica``), where it was read (file, 1-based
    position), its triples (N-Triples term strings, every profile's, duplicates removed) and each profile's.
    An OAI-PMH deletion marker is ``deleted`` with no triples: a store drops the record's graph."""

    iri: str
    source: str
    file: str
    position: int
    triples: list[Triple]
    by_profile: dict[str, list[Triple]]
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record (or a damaged stretch of a file) not converted, with the reason: one line of ``--rejects``."""

    file: str
    position: int | None
    record_id: str | None
    source: str | None
    reason: str

    @classmethod
    def of(cls, r: Reject) -> Rejected:
        return cls(r.file, r.position, r.record_id, r.source, r.reason)

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "position": self.position, "record_id": self.record_id,
                "source": self.source, "reason": self.reason}


class Run:
    """One conversion run as an iterator of ``Converted`` and ``Rejected``, in input order, with its
    ``summary`` and ``coverage`` counted as records go by: the loop ``convert`` writes from, and the library
    API's (``arkgraph.convert``). Memory stays bounded: nothing is kept but the IRIs' digests."""

    def __init__(self, opts: Options, *, progress: Progress | None = None, validator: Validator | None = None):
        self.opts, self.progress, self.validator = opts, progress, validator
        self.tables = mappings.load(opts.mappings_dir, naan=opts.naan, base=opts.ark_base)
        if opts.coverage:
            coverage_report.format_of(opts.coverage)  # a report it cannot write is refused before the run
        self.summary, self.coverage = Summary(), Coverage()
        self.context: dict[str, Any] = {}
        self._iter: Iterator[Converted | Rejected] | None = None
        self.started = time.perf_counter()

    def __iter__(self) -> Iterator[Converted | Rejected]:
        return self

    def __next__(self) -> Converted | Rejected:
        if self._iter is None:
            self._iter = self._records()
        return next(self._iter)

    def close(self) -> None:
        if self._iter is not None:
            self._iter.close()  # type: ignore[attr-defined]

    def finish(self) -> None:
        """After the last record: the enrichment files no record matched, and the coverage file if asked."""
        self.summary.unmatched_enrichments = unmatched_enrichments(self.context)
        if self.opts.coverage:
            write_output(self.opts.coverage, coverage_report.render(self.coverage.report(self.tables), self.opts.coverage))

    def _records(self) -> Iterator[Converted | Rejected]:
        opts, tables, summary, coverage, context = self.opts, self.tables, self.summary, self.coverage, self.context
        validator, progress = self.validator, self.progress
        mappers: dict[str, Any] = {}
        emitters = [(p, edm.Profile(tables, opts.edm) if p == "edm" else PROFILES.get(p) or NAMED_PROFILES[p])
                    for p in opts.profiles]
        with_edm = "edm" in opts.profiles
        track_coverage = opts.coverage is not None  # the report costs a walk of every source leaf: only when asked
        started = self.started = time.perf_counter()
        last_file = ""
        # one record per IRI: the first read is kept, a later one is rejected as a duplicate (see README)
        seen = FirstSeen()
        files = [""]  # names of the files records were kept from, indexed by seen's values

        def reject(r: Reject) -> Rejected:
            summary.rejected += 1
            return Rejected.of(r)

        try:
            for mod, item in iter_items(opts, context):
                if isinstance(item, Reject):
                    summary.read += 1  # a damaged stretch or error body counts as one record read and rejected
                    yield reject(item)
                    continue
                summary.read += 1
                last_file = item.file
                if progress and summary.read % 500 == 0:  # counted as read: a run of rejects shows progress too
                    summary.seconds = time.perf_counter() - started
                    summary.bytes_read = context.get("bytes_done", 0) + _position(context.get("reading"))
                    progress(summary, last_file)
                assert mod is not None  # records always come from a source module
                mapper = mappers.get(mod.SOURCE)
                if mapper is None:
                    mapper = mappers[mod.SOURCE] = mod.Mapper(tables)
                    mapper.track_coverage = track_coverage
                    mapper.text_mode = opts.text
                claimed = 0  # the IRI's digest once this record holds it as the first of its IRI
                # mapping, emitting and validating one record: whatever goes wrong rejects that record only
                failed: Reject | None = None
                try:
                    mapped = mapper.map(item, context)
                    rec = mapped.record
                    key = seen.digest(rec.iri)
                    if rec.deleted:
                        seen.forget(key)  # a record read after its deletion is new again, as a store sees it
                    else:
                        if item.file != files[-1]:
                            files.append(item.file)
                        first = seen.first(key, ((len(files) - 1) << 32) | min(item.position, 0xFFFFFFFF))
                        if first is not None:
                            summary.duplicates += 1
                            failed = Reject(item.file, item.position, item.record_id,
                                            f"duplicate of {rec.iri}, first read at {files[first >> 32]}:"
                                            f"{first & 0xFFFFFFFF}; the first record is kept", mod.SOURCE)
                    if failed is None:
                        claimed = key if not rec.deleted else 0
                        if track_coverage:
                            coverage.add(mod.SOURCE, mapped)
                        summary.by_source[mod.SOURCE] += 1
                        for flag in rec.flags:
                            summary.flagged[flag.split(":")[0]] += 1
                        if not rec.deleted:
                            by_profile = {name: emit(rec) for name, emit in emitters}
                            ts = serialize.unique(by_profile)
                            if validator is not None:
                                problem = validator(rec.iri, ts, by_profile)
                                if problem:
                                    seen.forget(claimed)  # not converted: a later record of this IRI may be
                                    failed = Reject(item.file, item.position, item.record_id, problem, mod.SOURCE)
                except RecordError as exc:
                    if claimed:
                        seen.forget(claimed)
                    failed = Reject(item.file, item.position, exc.record_id or item.record_id, exc.reason, mod.SOURCE)
                except Exception as exc:  # noqa: BLE001 - a bug met by one record: that record is rejected
                    if stops_run(exc):  # e.g. the validator's ValidationFailed (--on-invalid fail)
                        raise
                    if claimed:
                        seen.forget(claimed)
                    failed = Reject(item.file, item.position, item.record_id, internal_error(exc), mod.SOURCE)
                if failed is not None:  # yielded outside the try: the consumer's errors are not the record's
                    yield reject(failed)
                    continue
                if rec.deleted:
                    summary.deleted += 1
                    summary.converted += 1
                    yield Converted(rec.iri, mod.SOURCE, item.file, item.position, [], {}, deleted=True)
                    continue
                yield Converted(rec.iri, mod.SOURCE, item.file, item.position, ts, by_profile)
                summary.triples += len(ts)
                summary.converted += 1
                if with_edm:
                    summary.edm_rights[edm.rights_of(by_profile["edm"]) or "none"] += 1
        finally:
            summary.seconds = time.perf_counter() - started
            summary.empty_files = context.get("empty_files", [])
            summary.skipped_files = context.get("skipped_files", [])


def _convert(opts: Options, out: IO[bytes] | list[tuple[str, IO[bytes]]] | None, *, sink: Sink | None,
             rejects: IO[str] | None, progress: Progress | None,
             validator: Validator | None) -> tuple[Summary, Coverage]:
    run = Run(opts, progress=progress, validator=validator)
    if isinstance(out, list):
        writers = [serialize.writer(f, o) for f, o in out]
    else:
        writers = [serialize.writer(serialize.format_for(opts.output, opts.fmt), out)] if out is not None else []
    try:
        for r in run:
            if type(r) is Rejected:
                if rejects is not None:
                    rejects.write(json.dumps(r.as_dict(), ensure_ascii=False) + "\n")
            elif r.deleted:
                for writer in writers:
                    writer.deletion(r.iri)
                if sink:
                    sink.delete(r.iri, source=r.file)
            else:
                for writer in writers:
                    writer.record(r.iri, r.by_profile, r.triples)
                if sink:
                    sink.write(r.iri, r.triples, source=r.file)
    finally:
        run.close()  # the summary's time and file lists, even when a writer failed
        for writer in writers:
            writer.close()
        run.summary.seconds = time.perf_counter() - run.started  # the writers' last flush included
    run.finish()
    return run.summary, run.coverage

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
    peak_rss: int = 0  # with --jobs or --dask: the largest peak resident memory of a worker, in bytes

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


@dataclass(frozen=True, slots=True)
class CoverageDelta:
    """What one record adds to the coverage report, without the record (a worker sends it to the parent)."""

    mapped: int
    ignored: Any  # list of paths or a Counter of them
    unhandled: Any
    unmapped: tuple[tuple[str, str], ...]  # (table, label) of each concept the tables do not map

    @classmethod
    def of(cls, m: Mapped) -> CoverageDelta:
        return cls(m.mapped, m.ignored, m.unhandled,
                   tuple((table, c.label) for table, c in _concepts(m.record) if c.local))


@dataclass
class Coverage:
    """Per-run coverage: source leaves mapped / ignored / unhandled, and values missing from tables."""

    leaves: Counter[str] = field(default_factory=Counter)
    mapped: Counter[str] = field(default_factory=Counter)
    ignored: dict[str, Counter[str]] = field(default_factory=dict)
    unhandled: dict[str, Counter[str]] = field(default_factory=dict)
    unmapped: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, source: str, m: Mapped | CoverageDelta) -> None:
        d = m if type(m) is CoverageDelta else CoverageDelta.of(m)  # type: ignore[arg-type]
        self.mapped[source] += d.mapped
        self.leaves[source] += d.mapped + _size(d.ignored) + _size(d.unhandled)
        if d.ignored:
            _counter(self.ignored, source).update(d.ignored)
        if d.unhandled:
            _counter(self.unhandled, source).update(d.unhandled)
        for table, label in d.unmapped:
            _counter(self.unmapped, table)[label] += 1

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


# (record IRI, its triples, its triples by profile) -> a reason to reject it, or None; or a list of Checks
Validator = Callable[[str, list[Triple], dict[str, list[Triple]]], "str | None"] | list[Any]


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
    for name in files:
        mod = enrichment_module(name, opts.source)
        if mod is None:
            record_files.append(name)
            continue
        for item in read_enrichment_file(mod, name, context):
            if isinstance(item, Reject):
                yield mod, item
            else:
                enrichments.setdefault(item[0], []).append(item[1])
    for name in record_files:
        yield from read_record_file(name, opts, context)


def enrichment_module(name: str, source: str) -> ModuleType | None:
    """The source module whose side file (Pagination, Toc, IIIF, ALTO...) ``name`` is, else None."""
    if name == "-":
        return None
    with open_binary(name) as fh:
        head = fh.peek(4096)[:4096] if hasattr(fh, "peek") else b""
    mod = next((m for m in sources.available() if hasattr(m, "is_enrichment") and m.is_enrichment(head)), None)
    return mod if mod is not None and source in ("auto", mod.SOURCE) else None


def read_enrichment_file(mod: ModuleType, name: str, context: dict[str, Any]) -> Iterator[tuple[str, Any] | Reject]:
    """One side file's ``(key, value)`` items and rejects; a file read without reject is listed in
    ``context["enrichment_files"]`` with its keys (for the files no record matched)."""
    keys: list[str] = []
    rejected = False
    with open_binary(name) as fh:
        for item in mod.read_enrichment(fh, name):
            if isinstance(item, Reject):
                rejected = True
            else:
                keys.append(item[0])
            yield item
    if keys and not rejected:  # a rejected file is reported already
        context.setdefault("enrichment_files", {})[name] = keys
    context["bytes_done"] = context.get("bytes_done", 0) + _size_of(name)


def read_record_file(name: str, opts: Options, context: dict[str, Any],
                     fh: IO[bytes] | None = None) -> Iterator[tuple[ModuleType | None, RawRecord | Reject]]:
    """One record file's items (or, with ``fh``, a piece of it: ``arkgraph.sources.pieces``); a reader that
    fails loses the rest of the file as one reject saying what was kept."""
    whole = fh is None
    if fh is None:
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
            return
        for item in mod.read(fh, name, max_value_bytes=opts.max_value_bytes):
            items += 1
            if item.position:
                last = item.position
            if type(item) is RawRecord:
                records += 1
            yield mod, item
        if not items:
            context.setdefault("empty_files", []).append(name)
    except Exception as exc:  # noqa: BLE001 - one file's failure loses that file's rest, not the run
        if stops_run(exc):
            raise
        module = mod if isinstance(mod, ModuleType) else None
        yield module, Reject(name, last + 1, None, _read_failure(exc, last, records),
                             module.SOURCE if module else None)
    finally:
        if name != "-":
            if whole:
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


def write_coverage(path: str, coverage: Coverage, tables: Tables) -> None:
    """The run's coverage report, in the format of ``path``'s extension."""
    write_output(path, coverage_report.render(coverage.report(tables), path))


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
    gc.set_threshold(*RUN_GC_THRESHOLDS)
    try:
        return _convert(opts, out, sink=sink, rejects=rejects, progress=progress, validator=validator)
    finally:
        gc.set_threshold(*thresholds)


# records allocate many short-lived, acyclic objects (freed by refcount) and the term caches hold millions:
# frequent collections would rescan those caches for nothing
RUN_GC_THRESHOLDS = (50_000, 50, 100)


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
            write_coverage(self.opts.coverage, self.coverage, self.tables)

    def _records(self) -> Iterator[Converted | Rejected]:
        opts, summary, context, progress = self.opts, self.summary, self.context, self.progress
        v = self.validator
        checks = as_checks(list(v) if isinstance(v, (list, tuple)) else [v] if v is not None else [])
        conv = Stage(opts, self.tables, context, checks)
        decide = Decision(summary, self.coverage, checks, with_edm="edm" in opts.profiles)
        started = self.started = time.perf_counter()
        try:
            for mod, item in iter_items(opts, context):
                summary.read += 1  # a damaged stretch or error body counts as one record read and rejected
                if isinstance(item, Reject):
                    yield decide.reject(Rejected.of(item))
                    continue
                if progress and summary.read % 500 == 0:  # counted as read: a run of rejects shows progress too
                    summary.seconds = time.perf_counter() - started
                    summary.bytes_read = context.get("bytes_done", 0) + _position(context.get("reading"))
                    progress(summary, item.file)
                assert mod is not None  # records always come from a source module
                p = conv.prepare(mod, item)
                if type(p) is Rejected:
                    yield decide.reject(p)
                    continue
                r = decide.admit(p)  # type: ignore[arg-type]
                if r is None:
                    conv.build(p)  # type: ignore[arg-type]
                    r = decide.judge(p)  # type: ignore[arg-type]
                if r is not None:  # yielded outside the stages: the consumer's errors are not the record's
                    yield r
                    continue
                yield Converted(p.iri, p.source, p.file, p.position, p.triples or [], p.by_profile or {},  # type: ignore[union-attr]
                                deleted=p.deleted)  # type: ignore[union-attr]
        finally:
            summary.seconds = time.perf_counter() - started
            summary.empty_files = context.get("empty_files", [])
            summary.skipped_files = context.get("skipped_files", [])


class Check(Protocol):
    """A record check in two steps, so that a worker process can look and the run decide
    (``arkgraph.shacl.RecordValidator``, ``arkgraph.edm_check.RecordChecker``): ``inspect`` returns what
    it found (picklable), ``verdict`` records it and returns a reason to reject the record, or None; it may
    raise an ArkgraphError to stop the run (--on-invalid fail)."""

    def inspect(self, iri: str, triples: list[Triple], by_profile: dict[str, list[Triple]]) -> Any: ...
    def verdict(self, iri: str, findings: Any) -> str | None: ...


class _Plain:
    """A plain validator function as a Check: it decides as it looks."""

    def __init__(self, fn: Callable[[str, list[Triple], dict[str, list[Triple]]], str | None]):
        self.fn = fn

    def inspect(self, iri: str, triples: list[Triple], by_profile: dict[str, list[Triple]]) -> str | None:
        return self.fn(iri, triples, by_profile)

    def verdict(self, iri: str, findings: str | None) -> str | None:
        return findings


def as_checks(validators: list[Any]) -> list[Any]:
    """Checks (``inspect``, ``verdict``) from checks or plain validator functions."""
    return [v if hasattr(v, "inspect") else _Plain(v) for v in validators]


@dataclass(slots=True)
class Prepared:
    """A record mapped, before the run decides on it (duplicate? invalid?): what the decision and the
    summary need, and, once built, its triples. A worker process sends it without the triples."""

    iri: str
    digest: int  # of the IRI (FirstSeen.digest)
    deleted: bool
    file: str
    position: int
    record_id: str | None
    source: str
    flags: tuple[str, ...]
    coverage: CoverageDelta | None
    triples: list[Triple] | None = None
    by_profile: dict[str, list[Triple]] | None = None
    count: int = 0  # len(triples)
    problem: str | None = None  # building it failed (a bug): rejected unless it is a duplicate
    findings: tuple[Any, ...] = ()  # each check's, for its verdict
    edm_right: str = "none"
    record: Any = None  # the mapped Record, from prepare to build only


class Stage:
    """Read item → Prepared (map), then triples (emit) and the checks' findings (build): the work that does
    not depend on other records, done once per record, in the run's process or in a worker's."""

    def __init__(self, opts: Options, tables: Tables, context: dict[str, Any], checks: list[Any]):
        self.opts, self.tables, self.context, self.checks = opts, tables, context, checks
        self.mappers: dict[str, Any] = {}
        self.emitters = [(p, edm.Profile(tables, opts.edm) if p == "edm" else PROFILES.get(p) or NAMED_PROFILES[p])
                         for p in opts.profiles]
        self.with_edm = "edm" in opts.profiles
        self.track_coverage = opts.coverage is not None  # the report costs a walk of every source leaf: only when asked

    def prepare(self, mod: ModuleType, item: RawRecord) -> Prepared | Rejected:
        mapper = self.mappers.get(mod.SOURCE)
        if mapper is None:
            mapper = self.mappers[mod.SOURCE] = mod.Mapper(self.tables)
            mapper.track_coverage = self.track_coverage
            mapper.text_mode = self.opts.text
        # mapping one record: whatever goes wrong rejects that record only
        try:
            mapped = mapper.map(item, self.context)
            rec = mapped.record
            return Prepared(rec.iri, FirstSeen.digest(rec.iri), rec.deleted, item.file, item.position, item.record_id,
                            mod.SOURCE, tuple(rec.flags), CoverageDelta.of(mapped) if self.track_coverage else None,
                            record=rec)
        except RecordError as exc:
            return Rejected(item.file, item.position, exc.record_id or item.record_id, mod.SOURCE, exc.reason)
        except Exception as exc:  # noqa: BLE001 - a bug met by one record: that record is rejected
            if stops_run(exc):
                raise
            return Rejected(item.file, item.position, item.record_id, mod.SOURCE, internal_error(exc))

    def build(self, p: Prepared) -> None:
        """The record's triples and the checks' findings (``prepare`` left the record in ``by_profile``)."""
        rec, p.record = p.record, None
        if p.deleted:
            return
        try:
            by_profile = {name: emit(rec) for name, emit in self.emitters}
            ts = serialize.unique(by_profile)
            p.findings = tuple(c.inspect(p.iri, ts, by_profile) for c in self.checks)
            p.by_profile, p.triples, p.count = by_profile, ts, len(ts)
            if self.with_edm:
                p.edm_right = edm.rights_of(by_profile["edm"]) or "none"
        except RecordError as exc:
            p.problem = exc.reason
            p.record_id = exc.record_id or p.record_id
        except Exception as exc:  # noqa: BLE001 - a bug met by one record: that record is rejected
            if stops_run(exc):  # e.g. a plain validator's ValidationFailed (--on-invalid fail)
                raise
            p.problem = internal_error(exc)


class Decision:
    """What the run decides of each Prepared record, in input order: the first record of each IRI is kept,
    a later one rejected as a duplicate; then the checks' verdicts. Counts the summary and the coverage.
    The one place of that rule, whether the records were built here or by worker processes."""

    def __init__(self, summary: Summary, coverage: Coverage, checks: list[Any], with_edm: bool):
        self.summary, self.coverage, self.checks, self.with_edm = summary, coverage, checks, with_edm
        self.seen = FirstSeen()
        self.files = [""]  # names of the files records were kept from, indexed by seen's values
        self.claimed = 0

    def reject(self, r: Rejected) -> Rejected:
        self.summary.rejected += 1
        return r

    def admit(self, p: Prepared) -> Rejected | None:
        """None if ``p`` is the first record of its IRI (or a deletion), else its duplicate reject."""
        seen, files, summary = self.seen, self.files, self.summary
        self.claimed = 0
        if p.deleted:
            seen.forget(p.digest)  # a record read after its deletion is new again, as a store sees it
        else:
            if p.file != files[-1]:
                files.append(p.file)
            first = seen.first(p.digest, ((len(files) - 1) << 32) | min(p.position, 0xFFFFFFFF))
            if first is not None:
                summary.duplicates += 1
                return self.reject(Rejected(p.file, p.position, p.record_id, p.source,
                                            f"duplicate of {p.iri}, first read at {files[first >> 32]}:"
                                            f"{first & 0xFFFFFFFF}; the first record is kept"))
            self.claimed = p.digest
        if p.coverage is not None:
            self.coverage.add(p.source, p.coverage)
        summary.by_source[p.source] += 1
        for flag in p.flags:
            summary.flagged[flag.split(":")[0]] += 1
        return None

    def judge(self, p: Prepared) -> Rejected | None:
        """After ``admit`` and the build: None if the record is converted (counted), else its reject."""
        summary = self.summary
        problem = p.problem
        if problem is None and not p.deleted:
            for check, found in zip(self.checks, p.findings):
                problem = check.verdict(p.iri, found)
                if problem:
                    break
        if problem:
            if self.claimed:
                self.seen.forget(self.claimed)  # not converted: a later record of this IRI may be
            return self.reject(Rejected(p.file, p.position, p.record_id, p.source, problem))
        summary.converted += 1
        if p.deleted:
            summary.deleted += 1
        else:
            summary.triples += p.count
            if self.with_edm:
                summary.edm_rights[p.edm_right] += 1
        return None


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

"""Convert on every core (``--jobs``) or on a Dask cluster (``--dask``): one plan of partitions, two
executors, and one merge that gives the bytes of a one-process run.

* **Plan** (:func:`plan`): side files (Pagination, Toc, IIIF, ALTO...) and record files are told apart by
  their first bytes; record files are packed, in input order, into partitions of about ``size`` bytes, and a
  file over twice that is cut into pieces at record boundaries (:mod:`arkgraph.sources.pieces`).
* **Work** (:func:`run_task`, in a worker process): a partition's records are mapped, emitted and checked
  (:class:`arkgraph.pipeline.Stage`) without looking at any other partition; each record's bytes in each
  output format go to a raw file per partition, and what the run must decide on (its IRI's digest, its
  counts, the checks' findings) comes back as a list. Side files are read first, by partitions of their own:
  their rejects and keys come back, and a record worker reads the side files of its records when it meets
  them (``_SideFiles``).
* **Merge** (:class:`Merge`, in the parent): the results are taken in input order, whatever order they end
  in, through the same :class:`arkgraph.pipeline.Decision` as a one-process run (first record of each IRI,
  checks' verdicts, summary, coverage); the kept records' bytes are streamed from the raw files to the
  writers (N-Triples and N-Quads copied in the kernel). A cut file's pieces are first read without being
  converted: if one meets damage (or any reader's reject), the file is converted whole by one worker, as
  one process would have read it; else its pieces are converted as partitions.
* **Failure**: a partition that raises, or whose worker dies, is tried again once (alone in the pool, so that
  the others are not blamed), then its files become rejects with the reason. Dask resubmits the tasks of a
  lost worker itself.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import dataclasses
import gc
import hashlib
import itertools
import json
import marshal
import multiprocessing as mp
import os
import pickle
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from . import mappings, parts, serialize
from .errors import UsageError
from .pipeline import (RUN_GC_THRESHOLDS, Coverage, Decision, Options, Prepared, Progress, Rejected, Sink, Stage, Summary,
                       as_checks, enrichment_module, read_enrichment_file, read_record_file, stops_run,
                       unmatched_enrichments, write_coverage)
from .sources.common import Reject, walk_inputs

MIN_PARTITION = 256 << 10
MAX_PARTITION = 8 << 20  # of input: some 160 MB of N-Quads for Paris Musées in both profiles
PARTS_PER_JOB = 8  # partitions per worker at least, for balance: a slow partition does not hold the run


def auto_jobs() -> int:
    """One worker per CPU this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True, slots=True)
class Task:
    """A partition: whole files in input order, or one piece of a big file; ``side`` for side files."""

    index: int
    files: tuple[str, ...]
    size: int
    piece: Any = None  # arkgraph.sources.pieces.Piece
    side: bool = False
    check: bool = False  # a piece read without converting: does it read cleanly?


@dataclass(frozen=True, slots=True)
class Plan:
    side: tuple[Task, ...]
    records: tuple[Task, ...]
    skipped: tuple[str, ...]
    size: int  # the partition size aimed at
    total: int  # bytes of input
    cut: int  # files cut into pieces
    seconds: float

    def line(self) -> str:
        cut = f", {self.cut} file{'s' if self.cut != 1 else ''} cut at record boundaries" if self.cut else ""
        return (f"arkgraph: plan: {len(self.records)} record partitions of about {self.size >> 10} KiB"
                f" and {len(self.side)} of side files{cut}, in {self.seconds:.2f}s")


def plan(inputs: Sequence[str], source: str = "auto", jobs: int = 1, size: int | None = None) -> Plan:
    """Cut the inputs into partitions (see the module's docstring). ``size`` defaults to the record files'
    bytes over ``jobs * PARTS_PER_JOB``, within [MIN_PARTITION, MAX_PARTITION]."""
    try:
        from .sources import pieces
    except ImportError:  # until the cutter lands: whole files only
        pieces = None  # type: ignore[assignment]

    started = time.perf_counter()
    skipped: list[str] = []
    files = list(walk_inputs(list(inputs), skipped))
    if "-" in files:
        raise UsageError("--jobs and --dask read files: give stdin ('-') to a one-process run (--jobs 1)")
    side: list[tuple[str, int]] = []
    records: list[tuple[str, int]] = []
    for name in files:
        n = _size_of(name)
        (side if enrichment_module(name, source) is not None else records).append((name, n))
    total = sum(n for _, n in records)
    if size is None:
        size = min(max(total // (max(jobs, 1) * PARTS_PER_JOB), MIN_PARTITION), MAX_PARTITION)
    tasks: list[Task] = []
    side_tasks = [Task(i, tuple(names), n, side=True) for i, (names, n) in enumerate(_pack(side, size))]
    cut = 0
    batch: list[tuple[str, int]] = []

    def flush() -> None:
        if batch:
            tasks.append(Task(len(tasks), tuple(n for n, _ in batch), sum(s for _, s in batch)))
            batch.clear()

    for name, n in records:
        cuts = pieces.cut(name, size) if pieces is not None and n >= 2 * size else None
        if cuts and len(cuts) > 1:
            flush()
            cut += 1
            for p in cuts:
                tasks.append(Task(len(tasks), (name,), p.end - p.start, piece=p))
            continue
        if batch and sum(s for _, s in batch) + n > size:
            flush()
        batch.append((name, n))
    flush()
    return Plan(tuple(side_tasks), tuple(tasks), tuple(skipped), size, total + sum(n for _, n in side), cut,
                time.perf_counter() - started)


def _pack(files: list[tuple[str, int]], size: int) -> Iterator[tuple[list[str], int]]:
    names: list[str] = []
    total = 0
    for name, n in files:
        if names and total + n > size:
            yield names, total
            names, total = [], 0
        names.append(name)
        total += n
    if names:
        yield names, total


def _size_of(name: str) -> int:
    try:
        return os.path.getsize(name)
    except OSError:
        return 0


@dataclass(frozen=True)
class Job:
    """What every worker needs, sent once per worker: the options, the streams to write (output formats,
    ``sink`` for a store), the checks to make (picklable factories), the side files' keys."""

    opts: Options
    streams: tuple[str, ...]
    checks: tuple[Callable[[], Any], ...] = ()
    token: str = ""  # tells this run's worker state from another's in a long-lived Dask worker
    work: str = ""  # the directory of the raw files, and of the side files' keys (``SIDE_KEYS``)


@dataclass
class Result:
    """What a partition gives back; its records' bytes are in ``work``/``<index>.<stream>``."""

    task: Task
    entries: list[Prepared | Rejected] = field(default_factory=list)
    sizes: list[tuple[int, ...]] = field(default_factory=list)  # per Prepared, the bytes of each stream
    reader_rejected: bool = False  # a piece whose reader met damage (or a reader's reject): read the file whole
    enriched: set[str] = field(default_factory=set)
    empty_files: list[str] = field(default_factory=list)
    side_files: dict[str, list[str]] = field(default_factory=dict)  # side files read without reject -> keys
    side_keys: dict[str, list[str]] = field(default_factory=dict)  # every side file -> the keys of its items
    seconds: float = 0.0
    peak_rss: int = 0  # the worker's, in bytes
    raw: tuple[str, ...] = ()  # the raw files, one per stream: named for this attempt alone (a worker of a
    # broken pool may still be writing its own)


_STATE = threading.local()  # per worker thread: the run's Stage and checks, built once


def _stage(job: Job) -> tuple[Stage, dict[str, Any]]:
    if getattr(_STATE, "token", None) != job.token:
        tables = mappings.load(job.opts.mappings_dir, naan=job.opts.naan, base=job.opts.ark_base)
        _STATE.context = {}
        _STATE.stage = Stage(job.opts, tables, _STATE.context, as_checks([f() for f in job.checks]))
        _STATE.token = job.token
        _STATE.side_keys = None
    return _STATE.stage, _STATE.context


class _SideFiles:
    """The side files' values by key, read when a record asks for its key: each file once per partition,
    the values in the order a one-process run gathers them (files in input order, items in file order)."""

    def __init__(self, keys: dict[str, tuple[str, ...]], source: str):
        self.keys, self.source = keys, source
        self.files: dict[str, dict[str, list[Any]]] = {}

    def __bool__(self) -> bool:
        return bool(self.keys)

    def get(self, key: str, default: Any = None) -> Any:
        names = self.keys.get(key)
        if not names:
            return default
        values: list[Any] = []
        for name in names:
            items = self.files.get(name)
            if items is None:
                items = self.files[name] = {}
                mod = enrichment_module(name, self.source)
                if mod is not None:
                    for item in read_enrichment_file(mod, name, {}):
                        if not isinstance(item, Reject):
                            items.setdefault(item[0], []).append(item[1])
            values += items.get(key, ())
        return values


SIDE_KEYS = "side-keys.pickle"  # key -> the side files holding it, written by the parent once they are read


def _side_keys(job: Job) -> dict[str, tuple[str, ...]]:
    """The side files' keys, read once per worker thread (a file, not the job: the pool started before them)."""
    keys = getattr(_STATE, "side_keys", None)
    if keys is None:
        try:
            with open(os.path.join(job.work, SIDE_KEYS), "rb") as fh:
                keys = pickle.load(fh)
        except FileNotFoundError:
            keys = {}
        _STATE.side_keys = keys
    return keys


def _fault(task: Task, attempt: int) -> None:
    """Test hook: ``ARKGRAPH_TEST_FAULT=kill:N`` kills the worker of record partition N at every attempt,
    ``kill-once:N`` at the first only, ``raise:N`` raises in it, ``hang:N`` holds it a minute (how the
    tests kill a worker or interrupt a run mid-way, whatever the host's speed)."""
    spec = os.environ.get("ARKGRAPH_TEST_FAULT")
    if not spec or task.side or task.check:
        return
    what, _, n = spec.partition(":")
    if n != str(task.index):
        return
    if what == "kill" or (what == "kill-once" and attempt == 0):
        os._exit(9)
    if what == "hang":
        time.sleep(60)
    if what == "raise":
        raise RuntimeError(f"fault injected in partition {task.index}")


def run_task(job: Job, task: Task, work: str, attempt: int = 0) -> Result:
    """One partition, in a worker process (see the module's docstring)."""
    thresholds = gc.get_threshold()
    gc.set_threshold(*RUN_GC_THRESHOLDS)  # as a one-process run does (pipeline.convert), for the same reason
    try:
        return _run_task(job, task, work, attempt)
    finally:
        gc.set_threshold(*thresholds)


def _run_task(job: Job, task: Task, work: str, attempt: int) -> Result:
    started = time.perf_counter()
    _fault(task, attempt)
    result = Result(task)
    if task.check:
        from .sources.pieces import open_piece
        name = task.files[0]
        for _, item in read_record_file(name, job.opts, {}, open_piece(task.piece)):
            if isinstance(item, Reject):
                result.reader_rejected = True
                break
    elif task.side:
        for name in task.files:
            mod = enrichment_module(name, job.opts.source)
            ctx: dict[str, Any] = {}
            keys: list[str] = []
            if mod is not None:
                for item in read_enrichment_file(mod, name, ctx):
                    if isinstance(item, Reject):
                        result.entries.append(Rejected.of(item))
                    else:
                        keys.append(item[0])
            result.side_keys[name] = list(dict.fromkeys(keys))
            result.side_files.update(ctx.get("enrichment_files", {}))
    else:
        stage, context = _stage(job)
        context.clear()
        context["enrichments"] = _SideFiles(_side_keys(job), job.opts.source)
        tag = f"{task.index}.{attempt}.{os.getpid()}.{os.urandom(4).hex()}"
        result.raw = tuple(os.path.join(work, f"{tag}.{s}") for s in job.streams)
        outs = [open(path, "wb") for path in result.raw]
        try:
            _records(job, task, stage, context, outs, result)
        finally:
            for fh in outs:
                fh.close()
        result.enriched = set(context.get("enriched", ()))
        result.empty_files = list(context.get("empty_files", ()))
    result.seconds = time.perf_counter() - started
    result.peak_rss = _peak_rss()
    return result


def _records(job: Job, task: Task, stage: Stage, context: dict[str, Any], outs: list[IO[bytes]], result: Result) -> None:
    streams = job.streams
    entries, sizes = result.entries, result.sizes
    for name in task.files:
        fh = None
        if task.piece is not None:
            from .sources.pieces import open_piece
            fh = open_piece(task.piece)
        for mod, item in read_record_file(name, job.opts, context, fh):
            if isinstance(item, Reject):
                entries.append(Rejected.of(item))
                result.reader_rejected = True
                continue
            assert mod is not None
            p = stage.prepare(mod, item)
            if type(p) is Rejected:
                entries.append(p)
                continue
            stage.build(p)  # type: ignore[arg-type]
            size = []
            for stream, out in zip(streams, outs):
                if p.problem or (stream == "sink" and p.deleted):  # type: ignore[union-attr]
                    size.append(0)
                elif stream == "sink":
                    size.append(out.write(marshal.dumps(p.triples)))  # type: ignore[union-attr]
                elif p.deleted:  # type: ignore[union-attr]
                    size.append(out.write(serialize.deletion_span(stream, p.iri)))  # type: ignore[union-attr]
                else:
                    size.append(serialize.write_span(out, stream, p.iri, p.by_profile, p.triples))  # type: ignore[union-attr,arg-type]
            p.triples = p.by_profile = None  # type: ignore[union-attr]
            entries.append(p)  # type: ignore[arg-type]
            sizes.append(tuple(size))


def _peak_rss() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) << 10
    except OSError:
        pass
    return 0


# -- executors ------------------------------------------------------------------------------------------------


class LocalPool:
    """Partitions in ``jobs`` local processes (forkserver: a worker never inherits the parent's threads or
    open outputs). A worker that dies breaks the pool: the partitions it held are tried again one at a
    time in a new pool, so that only the one that kills its worker is blamed."""

    def __init__(self, job: Job, jobs: int):
        self.job, self.jobs = job, jobs
        self.ctx = mp.get_context("forkserver")
        self.ctx.set_forkserver_preload(["arkgraph.parallel"])
        self.pool: cf.ProcessPoolExecutor | None = None
        self.generation = 0  # of the pool: a future of a broken one is tried again in a later one

    def _pool(self) -> cf.ProcessPoolExecutor:
        if self.pool is None:
            self.pool = cf.ProcessPoolExecutor(self.jobs, mp_context=self.ctx, initializer=_init, initargs=(self.job,))
            # Python 3.11-3.13 start forkserver workers on demand, after waking the pool's manager thread: a
            # worker that dies at once is then not watched, and its partition waits forever (seen here, 3
            # runs in 100 with a worker killed on its first partition). All workers are started up front.
            if hasattr(self.pool, "_safe_to_dynamically_spawn_children"):
                self.pool._safe_to_dynamically_spawn_children = False
        return self.pool

    def dead_worker(self) -> bool:
        """Whether a worker of the current pool has exited (the pool should say so; this is the check of last
        resort when it does not)."""
        procs = getattr(self.pool, "_processes", None) or {}
        return any(p.exitcode is not None for p in list(procs.values()))

    def submit(self, task: Task, work: str, attempt: int) -> cf.Future[Result]:
        try:
            fut = self._pool().submit(_run_initialized, task, work, attempt)
        except cf.process.BrokenProcessPool:  # broken since the last result: its futures say so when awaited
            self.broken(self.generation)
            fut = self._pool().submit(_run_initialized, task, work, attempt)
        fut.arkgraph_task = task  # type: ignore[attr-defined] - for _Runner._repair
        fut.arkgraph_generation = self.generation  # type: ignore[attr-defined]
        return fut

    def broken(self, generation: int) -> None:
        """The pool of that generation broke: the next submission starts a new one."""
        if self.pool is not None and generation == self.generation:
            for proc in list((getattr(self.pool, "_processes", None) or {}).values()):
                proc.terminate()  # their partitions are run again; a live one would keep the pool's thread waiting
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None
            self.generation += 1

    def close(self, cancel: bool = False) -> None:
        if self.pool is not None:
            if cancel:  # Ctrl-C or an error: the workers' partitions are of no use now
                for proc in list((getattr(self.pool, "_processes", None) or {}).values()):
                    proc.terminate()
            self.pool.shutdown(wait=not cancel, cancel_futures=True)
            self.pool = None


_JOB: list[Job] = []


def _init(job: Job) -> None:
    # Ctrl-C reaches the whole process group: the parent stops the workers, which print nothing of it
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _JOB[:] = [job]


def _run_initialized(task: Task, work: str, attempt: int) -> Result:
    return run_task(_JOB[0], task, work, attempt)


class DaskPool:
    """Partitions as tasks of a Dask cluster (``distributed``): the job is sent to every worker once; Dask
    resubmits the tasks of a worker it loses; a task that raises is tried once more (``retries=1``)."""

    def __init__(self, job: Job, address: str):
        try:
            from distributed import Client
        except ImportError:
            raise UsageError("--dask needs the distributed package: pip install 'arkgraph[dask]'") from None
        try:
            self.client = Client(address, timeout="20s", set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise UsageError(f"--dask {address}: cannot reach the scheduler: {exc}") from None
        self.job = self.client.scatter(job, broadcast=True, hash=False)

    def submit(self, task: Task, work: str, attempt: int) -> Any:
        return self.client.submit(run_task, self.job, task, work, attempt, pure=False,
                                  key=f"arkgraph-{task.side and 'side' or 'records'}-{task.index}-{attempt}-{os.urandom(4).hex()}")

    def broken(self) -> None:
        pass

    def close(self, cancel: bool = False) -> None:
        self.client.close()


# -- the parent: run the plan, merge in order ----------------------------------------------------------------


class Merge:
    """Takes the partitions' results in input order: decides on each record (``Decision``), writes the rejects
    and streams the kept records' bytes from the raw files to the writers (or the sink)."""

    def __init__(self, opts: Options, summary: Summary, coverage: Coverage, checks: list[Any],
                 writers: list[tuple[str, serialize.Writer | None]], streams: tuple[str, ...], sink: Sink | None,
                 rejects: IO[str] | None, progress: Progress | None):
        self.summary, self.streams, self.sink, self.rejects, self.progress = summary, streams, sink, rejects, progress
        self.writers = writers
        self.decision = Decision(summary, coverage, checks, with_edm="edm" in opts.profiles)
        self.positions: dict[str, int] = {}  # a cut file: the records of its pieces merged so far
        self.bytes = 0
        self.started = time.perf_counter()

    def reject(self, r: Rejected) -> None:
        self.decision.reject(r)
        if self.rejects is not None:
            self.rejects.write(json.dumps(r.as_dict(), ensure_ascii=False) + "\n")

    def take(self, result: Result, part: PartWriter | None = None) -> None:
        summary, decision, progress = self.summary, self.decision, self.progress
        task = result.task
        offset = self.positions.get(task.files[0], 0) if task.piece is not None else 0
        last = offset
        # N-Triples and N-Quads outputs take the raw file's bytes but those of the records rejected here,
        # copied at the end in the kernel; the other streams are read record by record
        copied = [i for i, (_, w) in enumerate(self.writers) if getattr(w, "raw_copy", False)] if part is None else []
        read = [i for i in range(len(self.streams)) if i not in copied]
        files = {i: open(result.raw[i], "rb") for i in read} if result.sizes else {}
        sizes = iter(result.sizes)
        dropped: list[int] = []  # the Prepared records (their index) whose bytes are left out
        j = -1
        try:
            for e in result.entries:
                summary.read += 1
                if offset and e.position:  # a piece's positions count from its start
                    if type(e) is Rejected:
                        e = dataclasses.replace(e, position=e.position + offset)
                    else:
                        e.position += offset
                if e.position and e.position > last:
                    last = e.position
                if type(e) is Rejected:
                    self.reject(e)
                    continue
                j += 1
                p: Prepared = e  # type: ignore[assignment]
                size = next(sizes)
                r = decision.admit(p)
                if r is None:
                    r = decision.judge(p)
                data = [files[i].read(size[i]) if i in files else b"" for i in range(len(size))] if files else None
                if r is not None:
                    dropped.append(j)
                    if self.rejects is not None:
                        self.rejects.write(json.dumps(r.as_dict(), ensure_ascii=False) + "\n")
                    continue
                if data is not None:
                    self._write(p, data, part, copied)
                if progress and summary.read % 500 == 0:
                    self._progress(p.file)
            for i in copied:
                ranges = _kept(result.sizes, i, dropped)
                if ranges:
                    self.writers[i][1].copy(result.raw[i], ranges)  # type: ignore[attr-defined]
        finally:
            for fh in files.values():
                fh.close()
        if task.piece is not None:
            self.positions[task.files[0]] = last
        self.bytes += task.size
        if progress:
            self._progress(task.files[-1])

    def _write(self, p: Prepared, data: list[bytes], part: PartWriter | None, copied: list[int]) -> None:
        for i, ((stream, writer), chunk) in enumerate(zip(self.writers, data)):
            if writer is not None and i not in copied:
                writer.span(p.iri, chunk)
        if part is not None:
            part.add(data[0], p)
        if self.sink is not None:
            if p.deleted:
                self.sink.delete(p.iri, source=p.file)
            else:
                self.sink.write(p.iri, marshal.loads(data[-1]), source=p.file)

    def _progress(self, file: str) -> None:
        self.summary.seconds = time.perf_counter() - self.started
        self.summary.bytes_read = self.bytes
        assert self.progress is not None
        self.progress(self.summary, file)


def _kept(sizes: list[tuple[int, ...]], stream: int, dropped: list[int]) -> list[tuple[int, int]]:
    """(offset, length) of a raw file's bytes but those of the dropped records."""
    total = sum(s[stream] for s in sizes)
    if not dropped:
        return [(0, total)] if total else []
    ends = list(itertools.accumulate(s[stream] for s in sizes))
    out: list[tuple[int, int]] = []
    at = 0
    for j in dropped:
        start = ends[j] - sizes[j][stream]
        if start > at:
            out.append((at, start - at))
        at = ends[j]
    if total > at:
        out.append((at, total - at))
    return out


class PartWriter:
    """``-o DIR/`` with --dask or --parts: one part file per record partition, named in order, N-Quads or
    N-Triples (each loadable alone; their concatenation is the one-file output), and the manifest."""

    def __init__(self, directory: str, fmt: str):
        if fmt not in ("nq", "nt"):
            raise UsageError(f"part files are N-Quads or N-Triples (--format nq|nt), each loadable alone, not {fmt}")
        self.directory, self.fmt = directory.rstrip("/") or "/", fmt
        os.makedirs(self.directory, exist_ok=True)
        for name in os.listdir(self.directory):  # an earlier run's parts would be taken for this one's
            if parts.PART_NAME.fullmatch(name) or name == parts.MANIFEST:
                os.unlink(os.path.join(self.directory, name))
        self.parts: list[Any] = []
        self.fh: IO[bytes] | None = None

    def start(self) -> None:
        name = parts.part_name(len(self.parts), self.fmt)
        self.name = name
        self.fh = open(os.path.join(self.directory, name + ".tmp"), "wb")
        self.hash = hashlib.sha256()
        self.records = self.rejected = self.triples = self.size = 0

    def add(self, data: bytes, p: Prepared) -> None:
        assert self.fh is not None
        self.fh.write(data)
        self.hash.update(data)
        self.size += len(data)
        self.records += 1
        self.triples += p.count

    def end(self, rejected: int) -> None:
        assert self.fh is not None
        self.fh.close()
        os.replace(os.path.join(self.directory, self.name + ".tmp"), os.path.join(self.directory, self.name))
        self.parts.append(parts.Part(self.name, self.records, rejected, self.triples, self.size,
                                              self.hash.hexdigest()))
        self.fh = None

    def close(self) -> None:
        parts.write_manifest(self.directory, parts.Manifest(self.fmt, tuple(self.parts)))


def convert(opts: Options, out: list[tuple[str, IO[bytes]]], *, jobs: int = 2, dask: str | None = None,
            parts: str | None = None, parts_format: str = "nq", sink: Sink | None = None,
            rejects: IO[str] | None = None, progress: Progress | None = None,
            checks: Sequence[Any] = (), worker_checks: Sequence[Callable[[], Any]] = (), size: int | None = None,
            on_plan: Callable[[Plan], None] | None = None) -> tuple[Summary, Coverage]:
    """:func:`arkgraph.pipeline.convert` on ``jobs`` local processes, or on the Dask cluster at ``dask``:
    the same summary, coverage, rejects and bytes. ``checks`` are factories of the record checks (made once
    per worker to look: ``worker_checks``, and here to decide: ``checks``, the same in the same order).
    ``parts`` is a directory for part files, besides ``out``."""
    tables = mappings.load(opts.mappings_dir, naan=opts.naan, base=opts.ark_base)
    if opts.coverage:
        from . import coverage_report
        coverage_report.format_of(opts.coverage)
    the_plan = plan(opts.inputs, opts.source, jobs, size)
    if on_plan is not None:
        on_plan(the_plan)
    writers = [(fmt, serialize.writer(fmt, o)) for fmt, o in out]
    streams = tuple(f for f, _ in out)  # the raw files hold each record as its writer's span
    part = PartWriter(parts, parts_format) if parts else None
    if part is not None:
        streams = (parts_format, *streams)
    if sink is not None:
        streams = (*streams, "sink")
    summary, coverage = Summary(), Coverage()
    summary.skipped_files = list(the_plan.skipped)
    if len(checks) != len(worker_checks):
        raise ValueError("checks and worker_checks: the same checks, here and in the workers")
    # the part file takes the first stream (no writer of its own), the writers the others
    merge = Merge(opts, summary, coverage, as_checks(list(checks)), [("", None)] * (part is not None) + writers,
                  streams, sink, rejects, progress)
    # the raw files: where every worker can write them (a cluster's workers share the output's storage)
    near = parts or (os.path.dirname(os.path.abspath(opts.output)) if dask and opts.output not in (None, "-") else None)
    work = tempfile.mkdtemp(prefix=".arkgraph-work-", dir=near or _memory_dir())
    job = Job(opts, streams, tuple(worker_checks), token=os.urandom(8).hex(), work=work)
    runner = _Runner(job, jobs, dask, work)
    context: dict[str, Any] = {"enrichment_files": {}, "enriched": set()}
    try:
        side_keys: dict[str, list[str]] = {}
        for result in runner.results(list(the_plan.side)):
            merge.take(result)
            for name, keys in result.side_keys.items():
                for k in keys:
                    side_keys.setdefault(k, []).append(name)
            context["enrichment_files"].update(result.side_files)
        with open(os.path.join(work, SIDE_KEYS), "wb") as fh:
            pickle.dump({k: tuple(v) for k, v in side_keys.items()}, fh, protocol=pickle.HIGHEST_PROTOCOL)
        for result in runner.results(list(the_plan.records)):
            before = summary.rejected
            if part is not None:
                part.start()
            merge.take(result, part)
            if part is not None:
                part.end(summary.rejected - before)
            context["enriched"] |= result.enriched
            summary.empty_files += result.empty_files
            _clean(result)
        if part is not None:
            part.close()
    except BaseException:
        runner.close(cancel=True)
        raise
    finally:
        runner.close()
        shutil.rmtree(work, ignore_errors=True)
        for _, writer in writers:
            writer.close()
        summary.seconds = time.perf_counter() - merge.started
    summary.unmatched_enrichments = unmatched_enrichments(context)
    summary.peak_rss = runner.peak_rss
    if opts.coverage:
        write_coverage(opts.coverage, coverage, tables)
    return summary, coverage


def _memory_dir() -> str | None:
    """/dev/shm when it has room (the raw files are written once and read once: memory spares the disk
    that traffic), else the temporary directory. The room they take is bounded by the window of
    partitions in flight (a few hundred MB)."""
    if os.environ.get("TMPDIR"):
        return None  # the user's choice
    try:
        st = os.statvfs("/dev/shm")
    except OSError:
        return None
    return "/dev/shm" if st.f_bavail * st.f_frsize >= 4 << 30 and os.access("/dev/shm", os.W_OK) else None


class _Runner:
    """Submits the partitions a window ahead of the merge and gives their results in input order; pieces of
    one file all at once (read whole again if one met damage); retries, then rejects."""

    def __init__(self, job: Job, jobs: int, dask: str | None, work: str):
        self.job, self.jobs, self.dask, self.work = job, jobs, dask, work
        self.pool: LocalPool | DaskPool | None = None
        self.peak_rss = 0
        self.next_index = 1 << 30  # whole-file tasks made for damaged pieces
        self.errors: dict[int, str] = {}  # why each failed partition failed, for its rejects

    def _pool(self) -> LocalPool | DaskPool:
        if self.pool is None:
            self.pool = DaskPool(self.job, self.dask) if self.dask else LocalPool(self.job, self.jobs)
        return self.pool

    def close(self, cancel: bool = False) -> None:
        if self.pool is not None:
            self.pool.close(cancel)
            self.pool = None

    def results(self, tasks: list[Task]) -> Iterator[Result]:
        """The tasks' results in order, ``window`` partitions submitted ahead of the one awaited. The pieces of
        a cut file are first read without converting (a check: the reader only); if one meets damage or a
        reader's reject, the file is converted whole by one worker instead, as one process reads it."""
        groups: list[list[Task]] = []
        for t in tasks:
            if groups and t.piece is not None and groups[-1][0].piece is not None and groups[-1][0].files == t.files:
                groups[-1].append(t)
            else:
                groups.append([t])
        window = max(2 * self.jobs, 4)
        order: list[Task] = []  # the tasks whose place is settled, in output order
        futures: dict[int, Any] = {}
        attempts: dict[int, int] = {}
        checks: dict[int, list[Any]] = {}  # group -> its pieces' checks
        g = s = y = 0  # next group to settle, next task to submit, next task to yield

        def settle(block: bool) -> bool:
            group = groups[g]
            if len(group) == 1:
                order.append(group[0])
                return True
            if g not in checks:
                checks[g] = [self._pool().submit(dataclasses.replace(t, check=True), self.work, 0) for t in group]
            if not block and not all(f.done() for f in checks[g]):
                return False
            if any(self._damaged(f, futures, attempts) for f in checks[g]):
                order.append(Task(self.next_index, group[0].files, sum(t.size for t in group)))
                self.next_index += 1
            else:
                order.extend(group)
            return True

        while True:
            while g < len(groups) and len(order) - y < window and settle(block=len(order) == y):
                g += 1
            while s < len(order) and s - y < window:
                t = order[s]
                attempts[t.index] = 0
                futures[t.index] = self._pool().submit(t, self.work, 0)
                s += 1
            if y == len(order):
                if g >= len(groups):
                    return
                continue
            t = order[y]
            r = self._result(t, futures, attempts)
            yield r if r is not None else self._lost(t)
            y += 1

    def _wait(self, fut: Any) -> Any:
        """A future's result; a local future whose pool lost a worker without saying so is a broken pool's."""
        if not isinstance(self.pool, LocalPool):
            return fut.result()
        while True:
            try:
                return fut.result(timeout=2)
            except cf.TimeoutError:
                if self.pool.dead_worker() and not fut.done() and \
                        getattr(fut, "arkgraph_generation", None) == self.pool.generation:
                    try:
                        return fut.result(timeout=5)  # the pool's own notice, if it comes
                    except cf.TimeoutError:
                        raise cf.process.BrokenProcessPool("a worker process died") from None

    def _damaged(self, check: Any, futures: dict[int, Any], attempts: dict[int, int]) -> bool:
        """Whether a piece's check found damage (or failed: the file is then read whole, with the retries)."""
        try:
            return bool(self._wait(check).reader_rejected)
        except cf.process.BrokenProcessPool:
            self._repair(futures, attempts, None, check)
        except Exception as exc:  # noqa: BLE001 - read whole instead
            if stops_run(exc):
                raise
        return True

    def _result(self, task: Task, futures: dict[int, Any], attempts: dict[int, int]) -> Result | None:
        """The task's result, tried again once if it raised or its worker died; None if it failed twice."""
        while True:
            fut = futures.pop(task.index)
            try:
                r: Result = self._wait(fut)
                self.peak_rss = max(self.peak_rss, r.peak_rss)
                return r
            except cf.process.BrokenProcessPool:
                self._repair(futures, attempts, task, fut)
            except Exception as exc:  # noqa: BLE001 - a partition's failure: tried again once, then rejects
                if stops_run(exc):
                    raise
                self.errors[task.index] = f"{type(exc).__name__}: {exc}"
            if attempts[task.index] >= 1:
                return None
            attempts[task.index] += 1
            futures[task.index] = self._pool().submit(task, self.work, attempts[task.index])

    def _repair(self, futures: dict[int, Any], attempts: dict[int, int], failed: Task | None, broken: Any) -> None:
        """A local worker died: its pool is gone with the partitions it held. Once the partitions of later
        pools are done, each of them is run alone in a new pool, so that only one that kills its worker
        again is blamed (its future then says so)."""
        if failed is not None:
            self.errors[failed.index] = "its worker process died"
        pool = self.pool
        assert isinstance(pool, LocalPool)
        generation = getattr(broken, "arkgraph_generation", pool.generation)
        pool.broken(generation)
        for f in [f for f in futures.values() if getattr(f, "arkgraph_generation", None) != generation]:
            with contextlib.suppress(Exception):  # their own failures are met again by _result
                self._wait(f)
        held = sorted(i for i, f in futures.items() if getattr(f, "arkgraph_generation", None) == generation)
        for index in held:  # alone, one after the other
            old = futures[index]
            if old.done() and not old.cancelled() and old.exception() is None:
                continue  # finished before the pool broke
            fut = pool.submit(old.arkgraph_task, self.work, attempts[index])
            try:
                self._wait(fut)
            except cf.process.BrokenProcessPool:
                pool.broken(fut.arkgraph_generation)  # type: ignore[attr-defined]
                fut = cf.Future()
                fut.set_exception(RuntimeError("its worker process died"))
            except Exception:  # noqa: BLE001 - its own failure, met again by _result
                pass
            futures[index] = fut

    def _lost(self, task: Task) -> Result:
        """A partition that failed twice: each of its files (or its piece) one reject with the reason."""
        why = self.errors.get(task.index, "failed")
        r = Result(task)
        for name in task.files:
            where = f" (bytes {task.piece.start}-{task.piece.end})" if task.piece is not None else ""
            r.entries.append(Rejected(name, None, None, None,
                                      f"not converted: the partition holding this file{where} failed twice ({why}); "
                                      "its records are lost from this run"))
        return r




def _clean(result: Result) -> None:
    for path in result.raw:
        with contextlib.suppress(OSError):
            os.unlink(path)



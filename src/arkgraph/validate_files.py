"""Validate RDF files record by record against compiled SHACL shapes: the library behind
``arkgraph validate``.

    >>> shapes = validate.load()
    >>> report = validate.Report(shapes=shapes)
    >>> validate_files(["out.nq"], shapes, report, jobs=default_jobs())
    >>> print(report.summary())

A big plain N-Quads or N-Triples file is validated by several worker processes. It is cut between
records (:mod:`arkgraph.rdfio.cutting`) in a few parts per worker; each worker (forked: it shares
the loaded shapes) is given a part, reads that byte range with the fast reader, sends back its
counts and first examples (with a report, every result) and is given the next part, so a worker on
a CPU busy with something else takes fewer. The parent adds the parts up in file order, so the
summary, the report and the exit status are those of one process reading the whole file; a syntax
error is reported as one process reports it (pyoxigraph re-reads the file).
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import multiprocessing.connection as mp_connection
import os
import signal
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from . import shacl as V
from .errors import ArkgraphError, InputError
from .rdfio import cutting, formats, readers
from .rdfio.nquads import LineError
from .rdfio.records import STRUCTURAL, within

Index = V.Index
MAX_DEFAULT_JOBS = 8


def default_jobs() -> int:
    """The CPUs this process may run on (at most MAX_DEFAULT_JOBS)."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    return max(1, min(n, MAX_DEFAULT_JOBS))


class WorkerError(ArkgraphError):
    exit_code = 2


def validate_files(files: Iterable[str], shapes: V.Shapes, report: V.Report, jobs: int | None = None,
                   progress: Callable[[int], None] | None = None) -> None:
    """Validate each file (``-``: N-Quads on stdin) record by record, adding the results to ``report``;
    a big N-Quads or N-Triples file with ``jobs`` worker processes. InputError if a file is unreadable.
    ``progress(records)`` (optional) is told the records validated so far, every 500 records or part."""
    jobs = jobs or default_jobs()
    thresholds = gc.get_threshold()
    # records are acyclic (freed by refcount) and the term caches hold many objects: frequent
    # collections would rescan them for nothing (as in pipeline.convert)
    gc.set_threshold(50_000, 50, 100)
    try:
        for path in files:
            if path != "-" and not Path(path).exists():
                raise InputError(f"{path}: no such file")
            cuts = cutting.plan(path, jobs, shapes.root_classes)
            if cuts is not None and validate_parts(path, shapes, report, cuts, jobs, progress):
                continue
            for record, idx in readers.read_indexed(path, shapes.root_classes):
                report.add(record, shapes.validate_index(idx))
                if progress and report.records % 500 == 0:
                    progress(report.records)
    finally:
        gc.set_threshold(*thresholds)


def _die_with_parent(ppid: int) -> None:
    try:  # Linux: SIGTERM when the parent dies (killed outright, it cannot stop its workers)
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != ppid:
        os._exit(1)


def validate_range(path: str, fmt: ox.RdfFormat, start: int, end: int, shapes: V.Shapes, keep_all: bool,
                    examples: int) -> tuple[Any, ...]:
    """What a worker sends for the records in bytes [start, end) of the file."""
    try:
        report = V.Report(examples=examples, keep_all=keep_all)
        default: list[list[str]] = []
        last = ""
        idx: Index = {}
        with open(path, "rb") as fh:
            fh.seek(start)
            rng: Any = cutting.Range(fh, end - start)
            if fmt == ox.RdfFormat.N_QUADS:
                records = readers.index_records(rng, shapes.root_classes, default=default)
            else:
                records = ((r, V.index(rows)) for r, rows in readers.row_records(rng, fmt, shapes.root_classes))
            for last, idx in records:
                report.add(last, shapes.validate_index(idx))
        # the last record's structural objects: a part cut after it must not start at one of them
        owned = {o for po in idx.values() for p in STRUCTURAL.intersection(po) for o in po[p]}
        return ("ok", report, default, last, owned)
    except LineError as odd:
        return ("odd", odd.line, odd.error)
    except OSError as exc:
        return ("os", str(exc))


def worker(path: str, fmt: ox.RdfFormat, bounds: list[int], shapes: V.Shapes, keep_all: bool,
            examples: int, conn: Any, ppid: int) -> None:
    """A worker process: validates the part the parent names (bytes bounds[i] to bounds[i + 1]),
    sends what it found, and so on until the parent says None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent stops its workers
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent(ppid)
    try:
        while (i := conn.recv()) is not None:
            conn.send(validate_range(path, fmt, bounds[i], bounds[i + 1], shapes, keep_all, examples))
    except (EOFError, OSError, ValueError):  # the parent is gone (or stopped listening)
        pass
    except BaseException:  # noqa: BLE001 (any other failure is the parent's to report)
        import traceback
        try:
            conn.send(("crash", traceback.format_exc()))
        except (OSError, ValueError):
            pass
    finally:
        conn.close()


class _Terminated(Exception):
    pass


def _on_term(signum: int, frame: Any) -> None:
    raise _Terminated


def validate_parts(path: str, shapes: V.Shapes, report: V.Report, cuts: list[tuple[int, str]],
                    jobs: int, progress: Callable[[int], None] | None = None) -> bool:
    """Validate ``path`` part by part with ``jobs`` worker processes and add what they found to
    ``report``, in file order. False (nothing added) if an N-Triples cut turned out not to start a
    record."""
    fmt = formats.ox_format(formats.input_format(path))
    bounds = [c for c, _ in cuts] + [os.path.getsize(path)]
    nparts = len(cuts)
    ctx = mp.get_context("fork")
    procs: list[Any] = []
    conns: list[Any] = []
    msgs: list[tuple[Any, ...] | None] = [None] * nparts
    old_term: Any = None
    installed = terminated = False
    try:
        gc.freeze()  # the workers' collector then leaves the parent's objects (and their pages) alone
        try:
            for k in range(min(jobs, nparts)):
                mine, theirs = ctx.Pipe()
                p = ctx.Process(target=worker, name=f"arkgraph-validate-{k + 1}", daemon=True,
                                args=(path, fmt, bounds, shapes, report.keep_all, report.examples, theirs,
                                      os.getpid()))
                p.start()
                theirs.close()  # before the next fork: a worker that dies then closes its pipe's other end
                procs.append(p)
                conns.append(mine)
        finally:
            gc.unfreeze()
        if threading.current_thread() is threading.main_thread():
            old_term = signal.signal(signal.SIGTERM, _on_term)  # the workers are stopped first (below)
            installed = True
        # each worker is given a part, and the next one when it sends what it found in it: a worker
        # on a CPU busy with something else then takes fewer parts
        busy: dict[Any, int] = {}  # connection -> the part its worker is on
        following = 0

        def died(conn: Any) -> WorkerError:
            k = conns.index(conn)
            procs[k].join(5)
            return WorkerError(f"{path}: validation worker {k + 1} of {len(procs)} ended without an answer "
                               f"(exit status {procs[k].exitcode}); --jobs 1 reads the file in one process")

        def give(conn: Any, part: int | None) -> None:
            try:
                conn.send(part)
            except OSError:
                raise died(conn) from None
            if part is not None:
                busy[conn] = part

        for conn in conns:
            give(conn, following)
            following += 1
        failed: int | None = None  # the first part (in file order) that failed, as far as known
        while busy:
            ready: list[Any] = mp_connection.wait(list(busy))  # type: ignore[assignment]
            for conn in ready:
                i = busy.pop(conn)
                try:
                    msg = conn.recv()
                except (EOFError, OSError):
                    raise died(conn) from None
                msgs[i] = msg
                if progress and msg[0] == "ok":  # the parts' records so far, beside those validated before
                    progress(report.records + sum(m[1].records for m in msgs if m is not None and m[0] == "ok"))
                if msg[0] != "ok" and (failed is None or i < failed):
                    failed = i
                if failed is None and following < nparts:
                    give(conn, following)
                    following += 1
                else:
                    give(conn, None)
            if failed is not None and all(m is not None for m in msgs[:failed]):
                break  # the first error in the file is known
        if failed is not None:
            msg = msgs[failed]
            assert msg is not None
            if msg[0] == "odd":
                rel, error = msg[1], msg[2]
                line = cutting.lines_before(path, bounds[failed]) + rel
                odd = LineError(line, error.replace(f" at line {rel} ", f" at line {line} ", 1))
                raise InputError(f"{path}: not readable as {fmt.name}: {readers.syntax_error(path, fmt, odd)}")
            if msg[0] == "os":
                raise InputError(f"{path}: {msg[1]}")
            raise RuntimeError(f"a validation worker failed:\n{msg[1]}")
    except _Terminated:
        terminated = True
    finally:
        if installed:
            signal.signal(signal.SIGTERM, signal.SIG_DFL if old_term is None else old_term)
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join()
        for r in conns:
            r.close()
    if terminated:  # SIGTERM: now as the handler before would have it (by default, the end)
        os.kill(os.getpid(), signal.SIGTERM)
        raise SystemExit(128 + signal.SIGTERM)
    done = [m for m in msgs if m is not None]
    assert len(done) == nparts
    if fmt == ox.RdfFormat.N_TRIPLES:
        root: str | None = None  # the record root where the previous part ended
        owned: set[str] = set()  # and that record's structural objects
        for k, msg in enumerate(done):
            if k:
                s = cuts[k][1]
                if root is not None and (within(s, root) or s in owned):
                    return False
            if msg[1].records:
                root, owned = msg[3] or None, msg[4]
    default: list[list[str]] = []
    for _, part, rows, _, _ in done:
        report.merge(part)
        default.extend(rows)
    for record, idx in readers.default_records(default, shapes.root_classes):  # at the end, as index_records does
        report.add(record, shapes.validate_index(idx))
    return True



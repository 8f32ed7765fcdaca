"""``arkgraph load``'s library function: read files and write their records to a target.

An embedded store takes a canonical N-Quads file by the bulk path (:mod:`.bulk`); everything else
goes record by record (:mod:`.reading`) into the sink the target opens (:mod:`.targets`). A parts
directory (:mod:`arkgraph.parts`) stands for its part files, in manifest order, once checked.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from .. import parts as parts_dir
from ..errors import ArkgraphError, InputError, UsageError
from ..rdfio import formats
from ..http import RetryPolicy
from ..sparql_client import Auth
from .base import BATCH_BYTES, BATCH_RECORDS, BatchingSink, Log
from .bulk import bulk_load_file
from .embedded import EmbeddedSink
from .reading import guess_format, read_runs
from .targets import open_sink


def load_files(paths: list[Path], target: str, *, fmt: str | None = None, graph: str | None = None,
               auth: str | Auth | None = None, protocol: str = "update", default_graph: bool = False,
               resume: bool = False, checkpoint: str | Path | None = None, profiles: tuple[str, ...] = (),
               bulk: bool | None = None, lenient: bool = True, query_url: str | None = None,
               update_url: str | None = None, gsp_url: str | None = None, policy: RetryPolicy | None = None,
               log: Log | None = None, batch_records: int = BATCH_RECORDS,
               batch_bytes: int = BATCH_BYTES, progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """``arkgraph load``: read each file and write its records to ``target``. Returns the counts.
    A parts directory stands for its parts in manifest order, checked before anything is written
    (:func:`input_files`).
    ``progress(bytes)`` (optional) is told the bytes of the files loaded so far, after each file.

    ``bulk``: None = the bulk path where it fits (embedded store, canonical N-Quads, named graphs).
    """
    log = log or (lambda _m: None)
    if any(str(p) == "-" for p in paths):
        if resume:
            raise UsageError("--resume cannot skip what was read from stdin ('-'): load a file to resume")
        with tempfile.TemporaryDirectory(prefix="arkgraph-stdin-") as tmp:
            # stdin is N-Quads (what `arkgraph convert -o -` writes); spooled so the bulk path can cut it
            spooled = Path(tmp) / "stdin.nq"
            with open(spooled, "wb") as fh:
                shutil.copyfileobj(sys.stdin.buffer, fh, 1 << 20)
            return load_files([spooled if str(p) == "-" else p for p in paths], target, fmt=fmt, graph=graph,
                              auth=auth, protocol=protocol, default_graph=default_graph, resume=resume,
                              checkpoint=checkpoint, profiles=profiles, bulk=bulk, lenient=lenient,
                              query_url=query_url, update_url=update_url, gsp_url=gsp_url, policy=policy,
                              log=log, batch_records=batch_records, batch_bytes=batch_bytes, progress=progress)
    paths = input_files(paths)
    fmts = []
    for p in paths:
        if not p.is_file() or not os.access(p, os.R_OK):
            raise InputError(f"{p}: no such readable file")
        fmts.append(guess_format(p, fmt))
    if graph and not re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]*$", graph):
        raise UsageError(f"--graph {graph!r} is not an absolute IRI")
    sink = open_sink(target, auth=auth, protocol=protocol, default_graph=default_graph, resume=resume,
                     profiles=profiles, checkpoint=checkpoint, inputs=[str(p.resolve()) for p in paths],
                     query_url=query_url, update_url=update_url, gsp_url=gsp_url, policy=policy, log=log,
                     batch_records=batch_records, batch_bytes=batch_bytes)
    try:
        done = 0
        for p, f in zip(paths, fmts):
            _load_one(sink, p, f, graph=graph, bulk=bulk, lenient=lenient, log=log)
            if progress:
                done += p.stat().st_size
                progress(done)
        return sink.close()
    except ArkgraphError as exc:
        sink.abort()
        raise detached(exc) from None
    except BaseException:
        sink.abort()
        raise


def input_files(paths: list[Path]) -> list[Path]:
    """The files ``paths`` stand for, in order: a parts directory (one holding manifest.json) is its part
    files in manifest order, checked first (InputError naming every problem: nothing is loaded); any other
    directory is refused; files and '-' stay as given."""
    out: list[Path] = []
    for p in paths:
        if str(p) != "-" and p.is_dir():
            if not parts_dir.is_parts_dir(p):
                raise InputError(f"{p}: a directory without {parts_dir.MANIFEST}; a parts directory (from "
                                 f"`convert --dask` or `--parts`) needs its {parts_dir.MANIFEST}")
            out.extend(parts_dir.checked_parts(p))
        else:
            out.append(p)
    return out


def detached(exc: BaseException) -> BaseException:
    """The error without its traceback and context: their frames would keep the store's lock alive."""
    exc.__context__ = exc.__cause__ = None
    return exc.with_traceback(None)


def _load_one(sink: BatchingSink, path: Path, fmt: str, *, graph: str | None, bulk: bool | None,
              lenient: bool, log: Log) -> None:
    file_key = f"file:{path.resolve()}"
    if file_key in sink.checkpoint.done:
        sink.stats.skipped += 1
        log(f"{path}: already loaded (checkpoint); skipped")
        return
    if fmt not in formats.QUADS and graph is None and not sink.default_graph:
        log(f"note: {path} holds triples, not quads: each record goes to its own graph (a record starts where "
            "its main resource is typed); statements of no record are added to the default graph "
            "(pass --graph IRI to load the file as one replaceable graph)")
    # the bulk loader reads byte ranges of the file itself: a .gz one goes record by record
    want_bulk = (bulk is not False and isinstance(sink, EmbeddedSink) and fmt == "nq" and not sink.default_graph
                 and not path.name.lower().endswith(".gz"))
    if want_bulk:
        sink.flush()  # earlier files' buffered records go first
        if bulk_load_file(sink, path, lenient=lenient):
            sink.checkpoint.mark([file_key])
            return
        log(f"note: {path} is not in arkgraph's one-quad-per-line layout; loading record by record")
    source = str(path)
    for run in read_runs(path, fmt, graph=graph):
        if run.triples is None:
            sink.delete(run.graph or "", source=source, key=run.key)
        elif run.graph is None:
            sink.append_default(run.triples, key=run.key)
        else:
            sink.write(run.graph, run.triples, source=source, replace=run.replace, key=run.key)



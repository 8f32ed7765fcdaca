"""Write records' triples as N-Triples, N-Quads, Turtle, TriG or JSON-LD, streaming.

N-Triples and N-Quads are written directly (the terms are already N-Triples strings), on a thread of
their own; Turtle and TriG are those lines through pyoxigraph's streaming writer, on that thread.
JSON-LD is one compacted tree per record and profile, in a JSON array.
"""

from __future__ import annotations

import errno
import io
import json
import os
import queue
import sys
import threading
from itertools import chain
from typing import IO, Any, Callable, Iterable, Iterator

import pyoxigraph as ox

from . import jsonld
from .ark import try_parse as try_parse_ark
from .errors import UsageError
from .rdfio import formats
from .rdfio.records import DELETED, DELETIONS_GRAPH
from .terms import AG, PREFIXES, XSD, Triple

DELETIONS = f"<{DELETIONS_GRAPH}>"
DELETED_P = f"<{DELETED}>"
TRUE = f'"true"^^<{XSD}boolean>'


def format_for(path: str | None, explicit: str | None) -> str:
    """The format to write ``path`` in: ``--format`` if given, else from the extension; stdout is N-Quads.
    A directory (``edm/``) or a ``.zip`` is "edm": one Europeana RDF/XML file per record (edm_xml)."""
    if path and path != "-" and (path.endswith("/") or path.lower().endswith(".zip")
                                    or (os.path.isdir(path) and formats.format_of(path) is None)):
        if explicit:
            raise UsageError(f"--format does not apply to {path!r}: a directory or .zip holds one EDM RDF/XML file per record")
        return "edm"
    if explicit:
        return formats.format_named(explicit)
    if not path or path == "-":
        return "nq"
    fmt = formats.format_of(path)
    if fmt is None:
        raise UsageError(f"cannot tell the format of {path!r} from its extension: use --format ttl|nt|nq|trig|jsonld")
    return fmt


class Writer:
    """Base: ``record(iri, {profile: triples})``, ``deletion(iri)``, ``close()``; counts triples."""

    def __init__(self, out: IO[bytes]):
        self.out = out
        self.triples = 0

    def record(self, iri: str, by_profile: dict[str, list[Triple]], triples: list[Triple] | None = None) -> int:
        """Write one record; ``triples`` is ``unique(by_profile)`` when the caller has it already."""
        raise NotImplementedError

    def deletion(self, iri: str) -> None:
        pass

    def span(self, iri: str, data: bytes) -> None:
        """Write one record (or deletion) given as :func:`span` bytes, made in another process."""
        raise NotImplementedError

    def close(self) -> None:
        self.out.flush()


def unique(by_profile: dict[str, list[Triple]]) -> list[Triple]:
    """All profiles' triples for one record, duplicates removed, first-seen order kept (deterministic)."""
    if len(by_profile) == 1:
        return list(dict.fromkeys(next(iter(by_profile.values()))))
    return list(dict.fromkeys(chain.from_iterable(by_profile.values())))


class _Spool:
    """Bytes gathered into batches of about 4 MB, each joined with ``sep`` (which also ends it) and
    handed, in order, to ``consume`` on a thread of its own.

    Joining that much and writing it release the GIL: the output's copying and the kernel's work
    overlap the next records' conversion instead of adding to it. One thread, FIFO: the bytes are
    those a plain write would give. An error in ``consume`` is raised in the converting thread, once,
    at the next batch or at close; nothing is consumed after it."""

    BATCH = 1 << 22

    def __init__(self, consume: Callable[[Iterator[bytes]], None], sep: bytes = b""):
        self.sep = sep
        self._consume = consume
        self._batch: list[bytes] = []
        self._size = 0
        self._q: queue.Queue[list[bytes] | None] = queue.Queue(maxsize=4)
        self._error: BaseException | None = None
        self._raised = False
        self._thread = threading.Thread(target=self._run, name="arkgraph-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        batches = self._batches()
        try:
            self._consume(map(self.sep.join, batches))
        except BaseException as exc:  # raised in the converting thread
            self._error = exc
            for _ in batches:  # drained, so the converting thread never blocks
                pass

    def _batches(self) -> Iterator[list[bytes]]:
        while (batch := self._q.get()) is not None:
            if isinstance(batch, threading.Event):  # asked for once the batches before it are consumed
                batch.set()
                continue
            yield batch

    def drain(self) -> None:
        """Return once every item added so far is consumed (written)."""
        if self._batch:
            self._handoff()
        done = threading.Event()
        self._q.put(done)  # type: ignore[arg-type]
        while not done.wait(0.1):
            if not self._thread.is_alive():
                break
        self._check()

    def extend(self, items: Iterable[bytes], size: int) -> None:
        """Add items whose bytes come to about ``size``."""
        self._batch += items
        self._size += size
        if self._size >= self.BATCH:
            self._handoff()

    def _handoff(self) -> None:
        self._check()
        if self.sep:
            self._batch.append(b"")  # the batch's last item ends with sep too
        self._q.put(self._batch)
        self._batch, self._size = [], 0

    def _check(self) -> None:
        if self._error is not None and not self._raised:
            self._raised = True
            raise self._error

    def close(self) -> None:
        if self._batch:
            self._handoff()
        self._q.put(None)
        self._thread.join()
        self._check()


class _SpooledWriter(Writer):
    """Records' lines go through a _Spool; ``_consume`` writes its chunks as they come."""

    sep = b""

    def __init__(self, out: IO[bytes]):
        super().__init__(out)
        self._spool = _Spool(self._consume, self.sep)

    def _consume(self, chunks: Iterator[bytes]) -> None:
        write = self.out.write
        for chunk in chunks:
            write(chunk)

    def close(self) -> None:
        self._spool.close()
        super().close()


    raw_copy = False  # whether ``copy`` may take a raw file's bytes as they are (not Turtle, TriG)

    def copy(self, path: str, ranges: list[tuple[int, int]]) -> None:
        """Append byte ranges of a raw file that hold records exactly as this writer writes them (N-Triples,
        N-Quads): in the kernel where it can (copy_file_range, sendfile), never through Python's memory."""
        self._spool.drain()
        out = self.out
        # the kernel writes straight to a plain file or stdout; anything else (a gzip stream, whose flush
        # would change its bytes) takes the bytes through its write
        fd = out.fileno() if type(out) is io.BufferedWriter or out is getattr(sys.stdout, "buffer", None) else None
        if fd is not None:
            out.flush()
        with open(path, "rb") as src:
            for start, n in ranges:
                if fd is None or not _copy_range(src.fileno(), fd, start, n):
                    src.seek(start)
                    while n > 0:
                        chunk = src.read(min(n, 1 << 20))
                        if not chunk:
                            break
                        out.write(chunk)
                        n -= len(chunk)


def _copy_range(src: int, dst: int, start: int, n: int) -> bool:
    """Copy n bytes from offset start of src to dst's position in the kernel; False if neither call can."""
    for call in ("copy_file_range", "sendfile"):
        fn = getattr(os, call, None)
        if fn is None:
            continue
        done = 0
        try:
            while done < n:
                if call == "copy_file_range":
                    got = fn(src, dst, n - done, start + done)
                else:
                    got = fn(dst, src, start + done, n - done)
                if got == 0:
                    break
                done += got
        except OSError as exc:
            if done == 0 and exc.errno in (errno.EXDEV, errno.EINVAL, errno.ENOSYS, errno.EBADF, errno.ENOTSUP,
                                           errno.EOPNOTSUPP, errno.ESPIPE):
                continue  # this call cannot copy between these files: the next, or Python's loop
            raise
        if done == n:
            return True
        if done:
            raise OSError(errno.EIO, f"copied {done} of {n} bytes")
    return False


class NTriplesWriter(_SpooledWriter):
    """Lines are the spool's items, terminated as the thread joins them: no join of a record's own.
    Encoded line by line: most lines are ASCII, which encodes as a copy; one accented literal would
    otherwise put a whole record through the slow UTF-8 path."""

    sep = b" .\n"
    raw_copy = True

    def record(self, iri: str, by_profile: dict[str, list[Triple]], triples: list[Triple] | None = None) -> int:
        ts = unique(by_profile) if triples is None else triples
        n = len(ts)
        self._spool.extend(map(str.encode, map(" ".join, ts)), n << 7)  # ~130 bytes a line
        self.triples += n
        return n

    def deletion(self, iri: str) -> None:
        self._spool.extend((f"<{iri}> {DELETED_P} {TRUE}".encode(),), 100)

    def span(self, iri: str, data: bytes) -> None:
        if data:  # the spool ends each item with " .\n": the span's last one is left to it
            self._spool.extend((data[:-3],), len(data))


class NQuadsWriter(_SpooledWriter):
    """One named graph per record, named by the record's IRI."""

    raw_copy = True

    def record(self, iri: str, by_profile: dict[str, list[Triple]], triples: list[Triple] | None = None) -> int:
        ts = unique(by_profile) if triples is None else triples
        if ts:
            end = f" <{iri}> .\n".encode()
            body = end.join(map(str.encode, map(" ".join, ts)))
            self._spool.extend((body, end), len(body))  # the last end as an item: no copy of the body
        self.triples += len(ts)
        return len(ts)

    def deletion(self, iri: str) -> None:
        self._spool.extend((f"<{iri}> {DELETED_P} {TRUE} {DELETIONS} .\n".encode(),), 100)

    def span(self, iri: str, data: bytes) -> None:
        if data:
            self._spool.extend((data,), len(data))


def _serialize_chunks(chunks: Iterator[bytes], out: IO[bytes], parse: ox.RdfFormat, fmt: ox.RdfFormat) -> None:
    """pyoxigraph's streaming writer, fed the N-Triples / N-Quads chunks as they come."""
    quads = (q for chunk in chunks for q in ox.parse(chunk, format=parse))
    ox.serialize(quads, out, format=fmt, prefixes=dict(PREFIXES))


class TurtleWriter(NTriplesWriter):
    """The N-Triples writer's lines, through pyoxigraph's Turtle writer."""

    raw_copy = False

    def _consume(self, chunks: Iterator[bytes]) -> None:
        _serialize_chunks(chunks, self.out, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.TURTLE)


class TriGWriter(NQuadsWriter):
    """The N-Quads writer's lines, through pyoxigraph's TriG writer."""

    raw_copy = False

    def _consume(self, chunks: Iterator[bytes]) -> None:
        _serialize_chunks(chunks, self.out, ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG)


class JsonLdWriter(Writer):
    """A JSON array of compacted documents: per record, the schemaorg tree then the Linked Art tree(s)."""

    def __init__(self, out: IO[bytes]):
        super().__init__(out)
        self._first = True
        self.out.write(b"[")

    def _emit(self, doc: dict[str, Any]) -> None:
        self.out.write(b"\n" if self._first else b",\n")
        self._first = False
        self.out.write(_json(doc))

    def span(self, iri: str, data: bytes) -> None:
        if data:  # a record's documents, joined as _emit writes them
            self.out.write(b"\n" if self._first else b",\n")
            self._first = False
            self.out.write(data)

    def record(self, iri: str, by_profile: dict[str, list[Triple]], triples: list[Triple] | None = None) -> int:
        for profile, triples in by_profile.items():
            uniq = list(dict.fromkeys(triples))
            for doc in jsonld.record_documents(iri, uniq, profile):
                self._emit(doc)
        n = len(unique(by_profile) if triples is None else triples)
        self.triples += n
        return n

    def deletion(self, iri: str) -> None:
        self._emit({"@context": {"ag": AG}, "@id": iri, "ag:deleted": True})

    def close(self) -> None:
        self.out.write(b"\n]\n")
        super().close()


class EdmWriter(Writer):
    """Each record's EDM triples as one Europeana RDF/XML file in an :class:`arkgraph.edm_package.Package`.
    Deletions are not files: Europeana withdraws records through its own channels (counted in the summary)."""

    def __init__(self, out: Any):
        self.out = out
        self.triples = 0

    def record(self, iri: str, by_profile: dict[str, list[Triple]], triples: list[Triple] | None = None) -> int:
        from .edm_xml import record_xml
        ts = _edm_triples(by_profile, triples)
        ark = try_parse_ark(iri)  # every record IRI is an ARK's: the file is named after it
        self.out.add(str(ark) if ark else iri, record_xml(ts))
        self.triples += len(ts)
        return len(ts)

    def span(self, iri: str, data: bytes) -> None:
        if data:
            ark = try_parse_ark(iri)
            self.out.add(str(ark) if ark else iri, data)

    def close(self) -> None:
        pass


def _json(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, ensure_ascii=False, sort_keys=False).encode("utf-8")


def _edm_triples(by_profile: dict[str, list[Triple]], triples: list[Triple] | None) -> list[Triple]:
    # each triple once (a concept or agent met twice in a record is built twice): ``triples`` is that already
    # when EDM is the only profile
    return triples if triples is not None and len(by_profile) == 1 else list(dict.fromkeys(by_profile["edm"]))


def write_span(out: IO[bytes], fmt: str, iri: str, by_profile: dict[str, list[Triple]], triples: list[Triple]) -> int:
    """Write one record as the bytes ``writer(fmt).span`` takes (what its writer would write for it, in the
    form a worker process can make alone: Turtle and TriG as N-Triples and N-Quads lines, since only the run's
    one writer can share their prefixes and groupings); returns how many. Writing each record's span in input
    order gives the bytes of writing the records."""
    if fmt in ("nt", "turtle"):
        return out.write(b"".join([line.encode() + b" .\n" for line in map(" ".join, triples)]))
    if fmt in ("nq", "trig"):
        if not triples:
            return 0
        end = f" <{iri}> .\n".encode()
        return out.write(end.join(map(str.encode, map(" ".join, triples)))) + out.write(end)  # no join once more
    if fmt == "jsonld":
        return out.write(b",\n".join(_json(doc) for profile, ts in by_profile.items()
                                     for doc in jsonld.record_documents(iri, list(dict.fromkeys(ts)), profile)))
    if fmt == "edm":
        from .edm_xml import record_xml
        return out.write(record_xml(_edm_triples(by_profile, triples)))
    raise ValueError(fmt)


def deletion_span(fmt: str, iri: str) -> bytes:
    """A deletion marker as ``write_span`` bytes (none in EDM files: Europeana withdraws records its own way)."""
    if fmt in ("nt", "turtle"):
        return f"<{iri}> {DELETED_P} {TRUE} .\n".encode()
    if fmt in ("nq", "trig"):
        return f"<{iri}> {DELETED_P} {TRUE} {DELETIONS} .\n".encode()
    if fmt == "jsonld":
        return _json({"@context": {"ag": AG}, "@id": iri, "ag:deleted": True})
    return b""


WRITERS: dict[str, type[Writer]] = {"nt": NTriplesWriter, "nq": NQuadsWriter, "turtle": TurtleWriter,
                                    "trig": TriGWriter, "jsonld": JsonLdWriter,
                                    "edm": EdmWriter}  # formats.OX_FORMATS' names


def writer(fmt: str, out: IO[bytes]) -> Writer:
    return WRITERS[fmt](out)

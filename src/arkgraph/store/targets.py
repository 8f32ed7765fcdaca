"""A target, a store directory or an ``http(s)://`` endpoint URL, and the implementation it opens."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from ..errors import UsageError
from ..http import RetryPolicy
from ..redact import redact_url
from ..sparql_client import Auth, Endpoints, Redactor, SparqlClient, parse_auth
from . import embedded, remote
from .base import BATCH_BYTES, BATCH_RECORDS, QUERY_FORMATS, BatchingSink, Log, Table, is_remote
from .checkpoint import Checkpoint, checkpoint_key, default_checkpoint_path
from .sparql_text import refuse_update, with_prefixes

PROTOCOLS = ("update", "gsp")


def target_label(target: str) -> str:
    return redact_url(target) if is_remote(target) else str(Path(target).resolve())


def open_sink(target: str, *, auth: str | Auth | None = None, protocol: str = "update",
              default_graph: bool = False, resume: bool = False, profiles: tuple[str, ...] = (),
              checkpoint: str | Path | None = None, inputs: Iterable[str] = (),
              query_url: str | None = None, update_url: str | None = None, gsp_url: str | None = None,
              policy: RetryPolicy | None = None, log: Log | None = None,
              batch_records: int = BATCH_RECORDS, batch_bytes: int = BATCH_BYTES) -> BatchingSink:
    """A sink for ``convert --store``/``load``: an embedded store path or an ``http(s)://`` endpoint.

    ``auth`` is ``basic:USER:PASS``/``bearer:TOKEN`` (or an :class:`Auth`); ``checkpoint`` defaults to a
    file next to the store (or in the working directory for a URL); pass ``False``-y ``""`` to disable.
    """
    log = log or (lambda _m: None)
    if protocol not in PROTOCOLS:
        raise UsageError(f"--protocol must be one of {', '.join(PROTOCOLS)}, not {protocol!r}")
    creds = parse_auth(auth) if isinstance(auth, str) else auth
    redact = Redactor(creds)
    mode = "default-graph" if default_graph else "named-graphs"
    label = target_label(target)
    header = checkpoint_key(label, mode, inputs)
    ck_path = None if checkpoint == "" else Path(checkpoint) if checkpoint else default_checkpoint_path(target, header)
    safe_log: Log = lambda m: log(redact(m))  # noqa: E731 - every message passes the redactor
    common = dict(default_graph=default_graph, profiles=tuple(profiles), log=safe_log,
                  batch_records=batch_records, batch_bytes=batch_bytes)
    if is_remote(target):
        if default_graph and protocol == "gsp":
            raise UsageError("--default-graph needs --protocol update: the Graph Store Protocol can only "
                             "replace the whole default graph, not one record in it")
        endpoints = Endpoints.from_url(target, query_url=query_url, update_url=update_url, gsp_url=gsp_url)
        if protocol == "gsp" and not endpoints.gsp:
            raise UsageError("--protocol gsp needs a Graph Store URL for this endpoint: pass --gsp-url")
        client = SparqlClient(endpoints, auth=creds, policy=policy, log=safe_log, redactor=redact)
        ck = Checkpoint(ck_path, header, resume=resume, log=safe_log)
        return remote.RemoteSink(client, protocol, label=label, checkpoint=ck, **common)
    if creds:
        raise UsageError("--auth is for http(s) endpoints; an embedded store is a directory")
    store_sink = embedded.EmbeddedSink(target, checkpoint=Checkpoint(None, header, resume=False, log=safe_log),
                                       **common)
    # The checkpoint opens after the store: a store locked by another process must not truncate it.
    store_sink.checkpoint = Checkpoint(ck_path, header, resume=resume, log=safe_log)
    return store_sink


def run_query(target: str, sparql: str, *, fmt: str, out, auth: str | Auth | None = None,
              query_url: str | None = None, policy: RetryPolicy | None = None,
              log: Log | None = None) -> Table | None:
    """Run a query on a store path or an endpoint URL.

    csv/tsv/json: the standard SPARQL results bytes are written to ``out`` (binary) as they come.
    table: a :class:`Table` is returned for the caller to draw. CONSTRUCT/DESCRIBE always write N-Triples.
    """
    if fmt not in QUERY_FORMATS:
        raise UsageError(f"--format must be one of {', '.join(QUERY_FORMATS)}")
    refuse_update(sparql)
    out = _EndsLines(out)
    try:
        if is_remote(target):
            return remote.query(target, with_prefixes(sparql), fmt=fmt, out=out, auth=auth, query_url=query_url,
                                policy=policy, log=log)
        if auth:
            raise UsageError("--auth is for http(s) endpoints; an embedded store is a directory")
        return embedded.query(target, sparql, fmt=fmt, out=out)
    finally:
        out.end()


class _EndsLines:
    """``out``, ending what was written with a newline (an ASK answer in CSV, a JSON document have none)."""

    def __init__(self, out) -> None:
        self.out, self.last = out, b"\n"

    def write(self, data: bytes) -> int:
        if data:
            self.last = bytes(data[-1:])
        return self.out.write(data)

    def end(self) -> None:
        if self.last != b"\n":
            self.out.write(b"\n")
            self.last = b"\n"

    def __getattr__(self, name: str):
        return getattr(self.out, name)

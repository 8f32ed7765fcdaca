"""The remote implementation: any SPARQL 1.1 endpoint, through :mod:`arkgraph.sparql_client`.

:class:`RemoteSink` sends each batch as SPARQL 1.1 Update requests or Graph Store Protocol calls;
:func:`query` asks the endpoint's query service.
"""

from __future__ import annotations

from typing import Callable, Iterator

from ..errors import UsageError
from ..http import RetryPolicy
from ..sparql_client import Auth, Endpoints, EndpointError, Redactor, SparqlClient, chunked, parse_auth
from ..terms import Triple
from .base import BatchingSink, GraphState, Log, Table, nt_lines, owned_delete, replace_head
from .sparql_text import syntax_error

_RESULT_MEDIA = {"csv": "text/csv", "tsv": "text/tab-separated-values", "json": "application/sparql-results+json",
                 "table": "application/sparql-results+json"}



class RemoteSink(BatchingSink):
    """Batches sent to a SPARQL endpoint, by SPARQL 1.1 Update (default) or the Graph Store Protocol.

    * ``update``: one request per batch, ``DROP SILENT GRAPH <g>`` then ``INSERT DATA { GRAPH <g> {…} }``;
      a server runs it as one transaction (Oxigraph does), so a retried batch can't half-apply.
    * ``gsp``: ``PUT ?graph=<g>`` per record (the protocol's own "replace this graph"), ``DELETE`` for
      deletions. Portable, slower: one request per record.
    """

    def __init__(self, client: SparqlClient, protocol: str, **kw):
        super().__init__(**kw)
        self.client = client
        self.protocol = protocol

    def _commit(self, state: dict[str, GraphState]) -> None:
        if self.protocol == "gsp":
            self._commit_gsp(state)
        else:
            for body in self._update_bodies(state):
                self.client.update(body)
        self.stats.retries = self.client.retries

    def _update_bodies(self, state: dict[str, GraphState]) -> Iterator[Callable[[], Iterator[bytes]]]:
        """Split the batch into request bodies of at most ~batch_bytes; the drops go first, in the first one."""
        replaced = [g for g, st in state.items() if st.replace]
        if self.default_graph:
            head = owned_delete(replaced) + " ;\n" if replaced else ""
        else:
            head = replace_head(state)
        pieces: list[tuple[str, list[str]]] = []  # (graph, lines) slices, each ≤ batch_bytes
        size = len(head)
        for g, st in state.items():
            lines: list[str] = []
            for line in nt_lines(st.triples):
                if size + len(line) > self.batch_bytes and (lines or pieces):
                    if lines:
                        pieces.append((g, lines))
                    yield self._body(head, pieces)
                    head, pieces, lines, size = "", [], [], 0
                lines.append(line)
                size += len(line)
            if lines:
                pieces.append((g, lines))
        if head or pieces:
            yield self._body(head, pieces)

    def _body(self, head: str, pieces: list[tuple[str, list[str]]]) -> Callable[[], Iterator[bytes]]:
        default = self.default_graph

        def gen() -> Iterator[bytes]:
            yield head.encode("utf-8")
            if not pieces:
                return
            yield b"INSERT DATA {\n"
            for g, lines in pieces:
                if not default:
                    yield f"GRAPH <{g}> {{\n".encode("utf-8")
                yield from (line.encode("utf-8") for line in lines)
                if not default:
                    yield b"}\n"
            yield b"}\n"

        return lambda: chunked(gen())

    def _commit_gsp(self, state: dict[str, GraphState]) -> None:
        for g, st in state.items():
            if st.deleted:
                self.client.gsp_delete(g)
                continue
            lines = list(nt_lines(st.triples))
            first = True
            for part in _split_lines(lines, self.batch_bytes):
                body = (lambda part=part: chunked(line.encode("utf-8") for line in part))
                if first and st.replace:
                    self.client.gsp_put(g, body)
                else:
                    self.client.gsp_post(g, body)
                first = False

    def _commit_default(self, triples: list[Triple]) -> None:
        lines = list(nt_lines(triples))
        for part in _split_lines(lines, self.batch_bytes):
            if self.protocol == "gsp":
                self.client.gsp_post(None, lambda part=part: chunked(x.encode("utf-8") for x in part))
            else:
                self.client.update(lambda part=part: chunked(
                    [b"INSERT DATA {\n", *(x.encode("utf-8") for x in part), b"}\n"]))

    def _release(self) -> None:
        self.stats.retries = self.client.retries
        self.client.close()


def _split_lines(lines: list[str], limit: int) -> Iterator[list[str]]:
    part: list[str] = []
    size = 0
    for line in lines:
        if part and size + len(line) > limit:
            yield part
            part, size = [], 0
        part.append(line)
        size += len(line)
    yield part


# --------------------------------------------------------------------------- query


def query(url: str, sparql: str, *, fmt: str, out, auth: str | Auth | None, query_url: str | None,
          policy: RetryPolicy | None, log: Log | None) -> Table | None:
    """Ask the endpoint: a :class:`Table` for ``table``, else the server's answer written to ``out``."""
    creds = parse_auth(auth) if isinstance(auth, str) else auth
    redact = Redactor(creds)
    client = SparqlClient(Endpoints.from_url(url, query_url=query_url), auth=creds, policy=policy,
                          redactor=redact, log=lambda m: (log or (lambda _m: None))(redact(m)))
    try:
        resp = client.query(sparql, accept=f"{_RESULT_MEDIA[fmt]}, application/n-triples;q=0.9")
    except EndpointError as exc:
        msg = str(exc)
        if "HTTP 400" in msg:  # the server didn't understand the query: a usage error, in one line
            if "error at " in msg:  # Oxigraph's parser: its message made short, then who said it
                said = msg[msg.index("error at "):]
                where = getattr(exc, "url", "")
                said = said.removesuffix(f": {where}") if where else said
                raise UsageError(f"{syntax_error(sparql, said)} (HTTP 400 from {where or url})") from None
            raise UsageError(" ".join(msg.split())[:300]) from None
        raise
    finally:
        client.close()
    ctype = resp.headers.get("content-type", "").split(";")[0].strip()
    if fmt == "table" and ctype in ("application/sparql-results+json", "application/json"):
        data = resp.json()
        if "boolean" in data:
            return Table(["ask"], [[{"type": "literal", "value": str(bool(data["boolean"])).lower()}]])
        names = data["head"].get("vars", [])
        return Table(names, [[b.get(v) for v in names] for b in data["results"]["bindings"]])
    out.write(resp.content)
    return None

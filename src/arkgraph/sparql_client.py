"""A small SPARQL 1.1 Protocol / Update / Graph Store HTTP Protocol client, on arkgraph's one HTTP stack.

Requests go through :class:`arkgraph.http.Fetcher`, the same retry policy, client and redaction the
harvesters use. What this module adds: the three service URLs of an endpoint, credentials, and request
bodies streamed from a factory (each retry streams a fresh generator, so bodies stay size-bounded).
Why not a SPARQL library (SPARQLWrapper, rdflib's store): none streams a bounded update body, and
none would use the shared retry policy and redactor.
"""

from __future__ import annotations

import base64
import os
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator
from urllib.parse import urlsplit, urlunsplit

import httpx

from . import redact
from .errors import UsageError
from .http import Fetcher, FetchError, RetryPolicy, make_client

__all__ = ["Auth", "Endpoints", "EndpointError", "Redactor", "SparqlClient", "chunked", "parse_auth"]  # what arkgraph.store builds its remote sink from

BodyFactory = Callable[[], Iterable[bytes]]
Log = Callable[[str], None]

SPARQL_UPDATE = "application/sparql-update"
SPARQL_QUERY = "application/sparql-query"
N_TRIPLES = "application/n-triples"
N_QUADS = "application/n-quads"
RESULTS_JSON = "application/sparql-results+json"


class EndpointError(FetchError):
    """The endpoint refused a request for good (3xx, 4xx) or kept failing past the retry bound."""


# --------------------------------------------------------------------------- auth and redaction


@dataclass(frozen=True)
class Auth:
    kind: str  # "basic" | "bearer"
    secret: str  # the password or the token
    user: str = ""

    def header(self) -> str:
        if self.kind == "basic":
            raw = f"{self.user}:{self.secret}".encode()
            return "Basic " + base64.b64encode(raw).decode("ascii")
        return "Bearer " + self.secret

    def secrets(self) -> list[str]:
        """Every string that would reveal the credential if printed."""
        found = [self.secret, self.header(), self.header().split(" ", 1)[1]]
        return [s for s in found if s]

    def __repr__(self) -> str:  # never show the secret, even in a debugger or a traceback
        return f"Auth(kind={self.kind!r}, user={self.user!r}, secret='***')"


def parse_auth(spec: str | None, env_var: str | None = None) -> Auth | None:
    """``basic:USER:PASS`` or ``bearer:TOKEN``, given directly or read from environment variable ``env_var``."""
    if env_var:
        if spec:
            raise UsageError("give --auth or --auth-env, not both")
        spec = os.environ.get(env_var)
        if not spec:
            raise UsageError(f"--auth-env {env_var}: that environment variable is empty or unset")
    if not spec:
        return None
    kind, _, rest = spec.partition(":")
    kind = kind.lower()
    if kind == "bearer" and rest:
        return Auth("bearer", rest)
    if kind == "basic" and ":" in rest:
        user, _, password = rest.partition(":")
        return Auth("basic", password, user)
    # Don't echo the spec back: it may hold the secret.
    raise UsageError("--auth must be basic:USER:PASSWORD or bearer:TOKEN")


class Redactor(redact.Redactor):
    """The shared redactor, given the credential: its secret and the header forms built from it."""

    def __init__(self, auth: Auth | None = None, extra: Iterable[str] = ()):
        super().__init__([*(auth.secrets() if auth else ()), *extra])


# --------------------------------------------------------------------------- endpoints


@dataclass(frozen=True)
class Endpoints:
    query: str
    update: str
    gsp: str | None

    @classmethod
    def from_url(cls, url: str, *, query_url: str | None = None, update_url: str | None = None,
                 gsp_url: str | None = None) -> "Endpoints":
        """Derive the three service URLs from one.

        ``http://host:7878`` (an Oxigraph server, or a Fuseki dataset URL) → ``/query``, ``/update``, ``/store``;
        a URL ending in ``/query``, ``/update`` or ``/store`` names the base the same way;
        a URL ending in ``/sparql`` (Virtuoso, GraphDB, Blazegraph style) serves query and update itself.
        """
        parts = urlsplit(url)
        path = parts.path.rstrip("/")
        last = path.rsplit("/", 1)[-1]
        if last == "sparql":
            q = u = urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
            g = None
        else:
            base_path = path[: -len(last) - 1] if last in ("query", "update", "store") else path
            base = urlunsplit((parts.scheme, parts.netloc, base_path, "", ""))
            q, u, g = base + "/query", base + "/update", base + "/store"
        return cls(query_url or q, update_url or u, gsp_url or g)


def chunked(parts: Iterable[bytes], size: int = 1 << 16) -> Iterator[bytes]:
    """Coalesce small pieces into ~64 KiB chunks: fewer writes, still streamed."""
    buf: list[bytes] = []
    n = 0
    for p in parts:
        buf.append(p)
        n += len(p)
        if n >= size:
            yield b"".join(buf)
            buf, n = [], 0
    if buf:
        yield b"".join(buf)


class SparqlClient:
    """One HTTP connection pool to one endpoint, with the shared retry policy and redaction."""

    def __init__(self, endpoints: Endpoints, *, auth: Auth | None = None, policy: RetryPolicy | None = None,
                 log: Log | None = None, redactor: Redactor | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        self.endpoints = endpoints
        self.policy = policy or RetryPolicy()
        self.redact = redactor or Redactor(auth)
        for url in (endpoints.query, endpoints.update, endpoints.gsp):
            self.redact.add_url(url)  # a key in an endpoint's query string is a secret too
        headers = {"authorization": auth.header()} if auth else {}
        client = make_client(self.policy, headers=headers, follow_redirects=False, trust_env=False)
        self._fetcher = Fetcher(client, self.policy, redact=self.redact, on_retry=log, sleep=sleep)

    @property
    def retries(self) -> int:
        """Total retries so far, reported in the summary."""
        return self._fetcher.stats.retries

    def close(self) -> None:
        self._fetcher.close()

    # -- the one place where requests are sent

    def request(self, method: str, url: str, *, body: BodyFactory | bytes | None = None,
                content_type: str | None = None, accept: str | None = None,
                params: dict[str, str] | None = None, ok_status: tuple[int, ...] = ()) -> httpx.Response:
        """Send with retries. ``body`` is a factory so each attempt streams a fresh generator."""
        headers = {}
        if content_type:
            headers["content-type"] = content_type
        if accept:
            headers["accept"] = accept
        try:
            response, _ = self._fetcher.request(method, url, content=body, headers=headers, params=params,
                                                accept_status=ok_status)
        except FetchError as exc:  # already redacted
            raise EndpointError(str(exc), url=exc.url, status=exc.status, attempts=exc.attempts) from None
        return response

    # -- protocol operations

    def update(self, body: BodyFactory) -> None:
        self.request("POST", self.endpoints.update, body=body, content_type=SPARQL_UPDATE)

    def gsp_put(self, graph: str | None, body: BodyFactory) -> None:
        self.request("PUT", self._gsp(), body=body, content_type=N_TRIPLES, params=_graph_param(graph))

    def gsp_post(self, graph: str | None, body: BodyFactory) -> None:
        self.request("POST", self._gsp(), body=body, content_type=N_TRIPLES, params=_graph_param(graph))

    def gsp_delete(self, graph: str) -> None:
        self.request("DELETE", self._gsp(), params=_graph_param(graph), ok_status=(404,))

    def query(self, sparql: str, accept: str) -> httpx.Response:
        return self.request("POST", self.endpoints.query, body=sparql.encode("utf-8"),
                            content_type=SPARQL_QUERY, accept=accept)

    def _gsp(self) -> str:
        if not self.endpoints.gsp:
            raise UsageError("this endpoint has no Graph Store URL: pass --gsp-url, or use --protocol update")
        return self.endpoints.gsp


def _graph_param(graph: str | None) -> dict[str, str]:
    return {"graph": graph} if graph else {"default": ""}

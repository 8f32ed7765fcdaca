"""A small SPARQL 1.1 Protocol / Update / Graph Store HTTP Protocol client.

Why not a library: we need three things together that off-the-shelf clients don't give us:
streamed, size-bounded request bodies; retries with backoff, jitter and a bound (honouring
``Retry-After``); and secrets that never reach a log line, an error message or an output file.
"""

from __future__ import annotations

import base64
import os
import random
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator
from urllib.parse import urlsplit, urlunsplit

import httpx

from . import redact
from .errors import ArkgraphError, UsageError

BodyFactory = Callable[[], Iterable[bytes]]
Log = Callable[[str], None]

SPARQL_UPDATE = "application/sparql-update"
SPARQL_QUERY = "application/sparql-query"
N_TRIPLES = "application/n-triples"
N_QUADS = "application/n-quads"
RESULTS_JSON = "application/sparql-results+json"

# HTTP statuses worth another try: the server may be restarting, overloaded or rate-limiting.
_RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}


class EndpointError(ArkgraphError):
    """The endpoint refused a request for good (4xx) or kept failing past the retry bound."""

    def __init__(self, message: str, *, retryable: bool = False):
        super().__init__(message)
        self.retryable = retryable


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


def redact_url(url: str) -> str:
    """A URL safe to print: user-info and query strings (tokens hide there) are masked."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    if "@" in parts.netloc:
        netloc = "***@" + netloc
    return urlunsplit((parts.scheme, netloc, parts.path, "***" if parts.query else "", ""))


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


# --------------------------------------------------------------------------- retries


@dataclass
class RetryPolicy:
    retries: int = 5  # extra attempts after the first
    backoff: float = 0.5  # first delay, seconds; doubles each time
    max_delay: float = 30.0
    timeout: float = 60.0  # per read/write; a connect gets min(10, timeout)
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        # "Full jitter": spreads clients that failed together so they don't retry together.
        cap = min(self.max_delay, self.backoff * (2 ** attempt))
        return self.rng.uniform(cap / 2, cap)


def _retry_after(resp: httpx.Response) -> float | None:
    value = resp.headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None


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
    """One HTTP connection pool to one endpoint, with retries and redaction."""

    def __init__(self, endpoints: Endpoints, *, auth: Auth | None = None, policy: RetryPolicy | None = None,
                 log: Log | None = None, redactor: Redactor | None = None):
        self.endpoints = endpoints
        self.policy = policy or RetryPolicy()
        self.redact = redactor or Redactor(auth)
        self.log = log or (lambda _msg: None)
        self.retries = 0  # total retries, reported in the summary
        headers = {"user-agent": "arkgraph"}
        if auth:
            headers["authorization"] = auth.header()
        t = self.policy.timeout
        self._http = httpx.Client(headers=headers, timeout=httpx.Timeout(t, connect=min(10.0, t)),
                                  follow_redirects=False, trust_env=False)

    def close(self) -> None:
        self._http.close()

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
        attempt = 0
        while True:
            content = body() if callable(body) else body
            try:
                resp = self._http.request(method, url, content=content, headers=headers, params=params)
                resp.read()
                if resp.status_code < 300 or resp.status_code in ok_status:
                    return resp
                problem = f"HTTP {resp.status_code} from {redact_url(url)}: {_snippet(resp.text)}"
                if resp.status_code not in _RETRY_STATUS:
                    raise EndpointError(self.redact(problem))
                wait_hint = _retry_after(resp)
            except httpx.TransportError as exc:  # refused, reset, timed out, protocol error
                problem = f"{_describe(exc)} ({redact_url(url)})"
                wait_hint = None
            if attempt >= self.policy.retries:
                raise EndpointError(self.redact(problem), retryable=True)
            delay = self.policy.delay(attempt, wait_hint)
            attempt += 1
            self.retries += 1
            self.log(self.redact(f"retry {attempt}/{self.policy.retries} in {delay:.1f}s: {problem}"))
            self.policy.sleep(delay)

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


def _snippet(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text[:limit] + ("…" if len(text) > limit else "") if text else "(empty body)"


def _describe(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "connection refused or unreachable"
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({type(exc).__name__})"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "server closed the connection mid-request"
    return f"network error ({type(exc).__name__})"

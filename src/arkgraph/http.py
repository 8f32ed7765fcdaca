"""One HTTP stack for every network call arkgraph makes: harvests and SPARQL stores alike.

Layered as httpx is, each layer doing one job:

* ``make_client`` builds the ``httpx.Client``: User-Agent, timeouts, connection pool, redirects;
* ``Fetcher`` wraps a client with the policy the public APIs and the stores ask of us:
  retries (``RetryPolicy``, run by tenacity), a polite rate limit shared by all threads,
  a body check per call, counters for the summary line, and secrets redacted from every
  message it produces (``arkgraph.redact``);
* the harvesters (``arkgraph.harvest``) and the SPARQL client (``arkgraph.sparql_client``)
  sit on a ``Fetcher``.

What is retried: refused and reset connections, timeouts, bodies cut short, the statuses in
``RETRY_STATUSES`` (throttling and server-side trouble), and a body the ``check`` rejects as
retryable. The wait before retry n (n = 0, 1, …) is a server's ``Retry-After`` when it sends one
(at most ``retry_after_max``), otherwise "full jitter": uniform(0, min(backoff_max, backoff × 2ⁿ)).

Errors::

    ArkgraphError
      + FetchError      gave up on one URL: status or transport error, after retries
        + BodyError     the body was unusable (raised by a ``check``); retryable or not
"""

from __future__ import annotations

import email.utils
import re
import threading
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import tenacity

from . import __version__
from .errors import ArkgraphError
from .redact import Redactor

USER_AGENT = f"arkgraph/{__version__} (+https://github.com/arkgraph/arkgraph)"

# Status codes worth another try: throttling and server-side trouble (52x: Cloudflare's origin errors).
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524})

# Transport failures worth another try: refused/reset connections, timeouts, bodies cut short.
# (Not UnsupportedProtocol, LocalProtocolError, InvalidURL or TooManyRedirects: they would fail again.)
RETRY_EXCEPTIONS: tuple[type[Exception], ...] = (
    httpx.TimeoutException,  # connect, read, write, pool
    httpx.NetworkError,  # ConnectError (refused), ReadError (reset), WriteError, CloseError
    httpx.RemoteProtocolError,  # the peer closed mid-body
    httpx.ProxyError,
    httpx.DecodingError,
)


class FetchError(ArkgraphError):
    """One URL could not be fetched. The message is already redacted."""

    def __init__(self, message: str, *, url: str = "", status: int | None = None, attempts: int = 0):
        super().__init__(message)
        self.url = url
        self.status = status
        self.attempts = attempts


class BodyError(FetchError):
    """A response arrived but its body is unusable (HTML page, truncated XML, GraphQL errors)."""

    def __init__(self, message: str, *, retryable: bool = True):
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class RetryPolicy:
    """When an attempt has failed, whether to try again, and how long to wait first.

    The defaults are the ones the README documents and every command's ``--timeout``,
    ``--max-retries`` and ``--backoff`` show: chosen once, for public APIs we must be polite to
    and for stores that may take seconds to restart.
    """

    timeout: float = 60.0  # seconds to wait between bytes (read, write, pool); connecting gets at most 10 s
    max_retries: int = 5  # retries after the first attempt
    backoff: float = 1.0  # seconds; retry n waits uniform(0, min(backoff_max, backoff * 2**n))
    backoff_max: float = 60.0
    retry_after_max: float = 600.0  # a server's Retry-After is honoured up to this many seconds

    def wait(self, state: tenacity.RetryCallState) -> float:
        """The delay before the next attempt (a tenacity ``wait``): Retry-After, else full jitter."""
        failure = state.outcome.exception() if state.outcome else None
        if isinstance(failure, _Retry) and failure.retry_after is not None:
            return min(failure.retry_after, self.retry_after_max)
        # "Full jitter": spreads clients that failed together so they don't retry together.
        return tenacity.wait_random_exponential(multiplier=self.backoff, max=max(self.backoff_max, self.backoff))(state)


_DELTA_SECONDS = re.compile(r"\d+(\.\d+)?")


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """Parse a Retry-After header: delta-seconds or an HTTP date (0 if past). None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if _DELTA_SECONDS.fullmatch(value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class _Retry(Exception):
    """One attempt failed in a way worth another try (tenacity retries on exactly this)."""

    def __init__(self, problem: str, retry_after: float | None = None):
        super().__init__(problem)
        self.problem = problem
        self.retry_after = retry_after


@dataclass
class Stats:
    """Counters shared by threads; read them for the summary line."""

    requests: int = 0
    retries: int = 0
    failures: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, *, requests: int = 0, retries: int = 0, failures: int = 0) -> None:
        with self._lock:
            self.requests += requests
            self.retries += retries
            self.failures += failures


class RateLimiter:
    """Spaces request starts at least ``1/rate`` seconds apart, across threads."""

    def __init__(self, rate: float | None):
        self._interval = 1.0 / rate if rate and rate > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self._interval:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self._interval
        if slot > now:
            time.sleep(slot - now)


def make_client(
    policy: RetryPolicy = RetryPolicy(),
    *,
    concurrency: int = 1,
    headers: Mapping[str, str] | None = None,
    follow_redirects: bool = True,
    trust_env: bool = True,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """The one ``httpx.Client`` factory: UA, timeouts, pool sized for ``concurrency``.

    Stores pass ``follow_redirects=False``: a redirected POST would arrive as a GET without its body;
    and ``trust_env=False``: a store is usually local, where an ``HTTP(S)_PROXY`` meant for the
    Internet must not intercept it (httpx does not exempt localhost).
    """
    all_headers = {"User-Agent": USER_AGENT, **(headers or {})}
    limits = httpx.Limits(max_connections=max(1, concurrency), max_keepalive_connections=max(1, concurrency))
    return httpx.Client(
        headers=all_headers,
        timeout=httpx.Timeout(policy.timeout, connect=min(10.0, policy.timeout)),
        limits=limits,
        follow_redirects=follow_redirects,
        trust_env=trust_env,
        transport=transport,
    )


Check = Callable[[httpx.Response], Any]
Content = bytes | Callable[[], Iterable[bytes]] | None


class Fetcher:
    """A client plus the retry, rate and redaction policy. Thread-safe."""

    def __init__(
        self,
        client: httpx.Client,
        policy: RetryPolicy = RetryPolicy(),
        *,
        rate: float | None = None,
        redact: Redactor | None = None,
        on_retry: Callable[[str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.client = client
        self.policy = policy
        self.stats = Stats()
        self.redact = redact if redact is not None else Redactor()
        self._limiter = RateLimiter(rate)
        self._on_retry = on_retry
        # One tenacity controller for every call: its per-call state is thread-local.
        self._retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(_Retry),
            stop=tenacity.stop_after_attempt(policy.max_retries + 1),
            wait=policy.wait,
            sleep=sleep,
            before_sleep=self._before_sleep,
            retry_error_callback=self._give_up,
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, method: str, url: str, *, check: Check | None = None, content: Content = None,
                accept_status: Collection[int] = (), **kwargs: Any) -> tuple[httpx.Response, Any]:
        """Send with retries; return the response and whatever ``check`` returned.

        ``content`` may be a factory, called for each attempt, so a streamed body is sent whole
        every time. A status in ``accept_status`` is returned like a success (a DELETE's 404).
        Raises ``FetchError`` (redacted) once retries are exhausted or the failure is final
        (a 3xx or 4xx other than 408/425/429, or a non-retryable ``BodyError``).
        """
        return self._retrying(self._attempt, method, url, check, content, accept_status, kwargs)

    def get(self, url: str, *, check: Check | None = None, **kwargs: Any) -> tuple[httpx.Response, Any]:
        return self.request("GET", url, check=check, **kwargs)

    def post(self, url: str, *, check: Check | None = None, **kwargs: Any) -> tuple[httpx.Response, Any]:
        return self.request("POST", url, check=check, **kwargs)

    # -- one attempt, and what happens between attempts

    def _attempt(self, method: str, url: str, check: Check | None, content: Content, accept_status: Collection[int],
                 kwargs: dict[str, Any]) -> tuple[httpx.Response, Any]:
        self._limiter.wait()
        self.stats.add(requests=1)
        try:
            response = self.client.request(method, url, content=content() if callable(content) else content, **kwargs)
        except (httpx.UnsupportedProtocol, httpx.LocalProtocolError, httpx.InvalidURL, httpx.TooManyRedirects) as exc:
            raise self._fail(f"{type(exc).__name__}: {exc}", url) from None
        except RETRY_EXCEPTIONS as exc:
            raise _Retry(_describe(exc)) from None
        status = response.status_code
        if status in RETRY_STATUSES:
            raise _Retry(_status_problem(response), retry_after_seconds(response.headers.get("Retry-After")))
        if status >= 300 and status not in accept_status:
            raise self._fail(_status_problem(response), url, status)
        try:
            return response, (check(response) if check else None)
        except BodyError as exc:
            if exc.retryable:
                raise _Retry(str(exc)) from None
            raise self._fail(str(exc), url, status) from exc  # callers may look at the cause

    def _before_sleep(self, state: tenacity.RetryCallState) -> None:
        self.stats.add(retries=1)
        if self._on_retry:
            url = state.args[1]
            delay = state.upcoming_sleep
            problem = state.outcome.exception().problem  # type: ignore[union-attr]
            self._on_retry(self.redact(f"{problem}: {url}; retry {state.attempt_number}/{self.policy.max_retries} "
                                       f"in {delay:.1f}s"))

    def _give_up(self, state: tenacity.RetryCallState) -> Any:
        problem = state.outcome.exception().problem  # type: ignore[union-attr]
        raise self._fail(f"{problem} (gave up after {state.attempt_number} attempts)", state.args[1], None,
                         state.attempt_number)

    def _fail(self, reason: str, url: str, status: int | None = None, attempts: int | None = None) -> FetchError:
        self.stats.add(failures=1)
        if attempts is None:  # a final failure: this thread's attempt so far
            attempts = self._retrying.statistics.get("attempt_number", 1)
        return FetchError(self.redact(f"{reason}: {url}"), url=self.redact(url), status=status, attempts=attempts)


# Plain words for the transport failures people meet, before the library's own name for them.
_PLAIN = (
    (httpx.ConnectError, "connection refused or unreachable"),
    (httpx.TimeoutException, "timed out"),
    (httpx.RemoteProtocolError, "server closed the connection mid-response"),
)


def _describe(exc: Exception) -> str:
    """A transport failure for people: plain words, then the exception's name and text."""
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    plain = next((words for kind, words in _PLAIN if isinstance(exc, kind)), "network error")
    return f"{plain} ({detail})"


def _status_problem(response: httpx.Response) -> str:
    """``HTTP 503 Service Unavailable``, then what the server said unless it is an HTML page."""
    head = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
    if "html" in response.headers.get("content-type", ""):
        return head
    text = " ".join(response.content[:2048].decode("utf-8", "replace").split())
    return f"{head} — {text[:200]}{'…' if len(text) > 200 else ''}" if text else head

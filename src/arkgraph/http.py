"""One configurable HTTP client for every network call arkgraph makes.

``make_client`` builds the ``httpx.Client`` (User-Agent, timeouts, connection limits).
``Fetcher`` wraps it with the policy the public APIs ask of us:

* a polite rate limit shared by all threads (``rate`` requests per second);
* retries with exponential backoff and full jitter on connect/read errors, resets,
  timeouts, 429 (honouring ``Retry-After``) and 5xx, up to ``max_retries`` retries;
* a body check per call (``check``): a 200 carrying an HTML error page or a truncated
  document is retried like a 503, because that is what the servers mean by it;
* counters (requests, retries, failures) for the final summary;
* secrets (tokens) redacted from every message it produces.

Errors::

    ArkgraphError
      + FetchError      gave up on one URL: status or transport error, after retries
        + BodyError     the body was unusable (raised by a ``check``); retryable or not
"""

from __future__ import annotations

import email.utils
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from . import __version__
from .errors import ArkgraphError
from .redact import Redactor

USER_AGENT = f"arkgraph/{__version__} (+https://github.com/arkgraph/arkgraph)"

# Status codes worth another try: throttling and server-side trouble.
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524})

# Transport failures worth another try: refused/reset connections, timeouts, bodies cut short.
# (Not UnsupportedProtocol or LocalProtocolError: those are our mistakes and would fail again.)
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
class HttpPolicy:
    """Every knob of the network policy; the CLI maps its options onto these."""

    timeout: float = 60.0  # seconds, for connect, read, write and pool each
    max_retries: int = 5  # retries after the first attempt
    backoff_base: float = 1.0  # seconds; delay n is uniform(0, base * 2**n), capped
    backoff_max: float = 60.0
    retry_after_max: float = 600.0  # never sleep longer than this on a Retry-After
    rate: float | None = 1.0  # requests per second across all threads; None = unlimited
    concurrency: int = 1
    user_agent: str = USER_AGENT


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
    policy: HttpPolicy = HttpPolicy(),
    *,
    headers: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """The one ``httpx.Client`` factory: UA, timeouts, pool sized for ``concurrency``."""
    all_headers = {"User-Agent": policy.user_agent, **(headers or {})}
    limits = httpx.Limits(max_connections=max(1, policy.concurrency), max_keepalive_connections=max(1, policy.concurrency))
    return httpx.Client(
        headers=all_headers,
        timeout=httpx.Timeout(policy.timeout),
        limits=limits,
        follow_redirects=True,
        transport=transport,
    )


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """Parse a Retry-After header: delta-seconds or an HTTP date. None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


Check = Callable[[httpx.Response], Any]


class Fetcher:
    """A client plus the retry, rate and redaction policy. Thread-safe."""

    def __init__(
        self,
        client: httpx.Client,
        policy: HttpPolicy = HttpPolicy(),
        *,
        secrets: Iterable[str] = (),
        on_retry: Callable[[str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.client = client
        self.policy = policy
        self.stats = Stats()
        self.redact = Redactor(secrets)
        self._limiter = RateLimiter(policy.rate)
        self._on_retry = on_retry
        self._sleep = sleep

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _backoff(self, attempt: int) -> float:
        cap = min(self.policy.backoff_max, self.policy.backoff_base * (2**attempt))
        return random.uniform(0, cap)  # full jitter: spreads clients that failed together

    def request(self, method: str, url: str, *, check: Check | None = None, **kwargs: Any) -> tuple[httpx.Response, Any]:
        """Send with retries; return the response and whatever ``check`` returned.

        Raises ``FetchError`` (redacted) once retries are exhausted or the failure is final
        (a 4xx other than 408/425/429, or a non-retryable ``BodyError``).
        """
        attempts = self.policy.max_retries + 1
        last = ""
        for attempt in range(attempts):
            if attempt:
                self.stats.add(retries=1)
            self._limiter.wait()
            self.stats.add(requests=1)
            wait: float | None = None
            try:
                response = self.client.request(method, url, **kwargs)
            except (httpx.UnsupportedProtocol, httpx.LocalProtocolError, httpx.InvalidURL) as exc:
                self.stats.add(failures=1)
                raise self._error(f"{type(exc).__name__}: {exc}", url, None, attempt + 1) from None
            except RETRY_EXCEPTIONS as exc:
                last = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            else:
                status = response.status_code
                if status in RETRY_STATUSES:
                    last = f"HTTP {status} {response.reason_phrase}"
                    wait = retry_after_seconds(response.headers.get("Retry-After"))
                elif status >= 400:
                    self.stats.add(failures=1)
                    raise self._error(f"HTTP {status} {response.reason_phrase}", url, status, attempt + 1)
                else:
                    try:
                        return response, (check(response) if check else None)
                    except BodyError as exc:
                        if not exc.retryable:
                            self.stats.add(failures=1)
                            raise self._error(str(exc), url, status, attempt + 1) from exc  # callers may look at the cause
                        last = str(exc)
            if attempt + 1 < attempts:
                delay = self._backoff(attempt) if wait is None else min(wait, self.policy.retry_after_max)
                if self._on_retry:
                    self._on_retry(self.redact(f"{last} from {url}; retry {attempt + 1}/{self.policy.max_retries} in {delay:.1f}s"))
                self._sleep(delay)
        self.stats.add(failures=1)
        raise self._error(f"{last} (gave up after {attempts} attempts)", url, None, attempts)

    def get(self, url: str, *, check: Check | None = None, **kwargs: Any) -> tuple[httpx.Response, Any]:
        return self.request("GET", url, check=check, **kwargs)

    def post(self, url: str, *, check: Check | None = None, **kwargs: Any) -> tuple[httpx.Response, Any]:
        return self.request("POST", url, check=check, **kwargs)

    def _error(self, reason: str, url: str, status: int | None, attempts: int) -> FetchError:
        return FetchError(self.redact(f"{reason}: {url}"), url=self.redact(url), status=status, attempts=attempts)
